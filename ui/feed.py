"""What other benches just did, as a Qt signal: LISTEN/NOTIFY on PostgreSQL (the
listener's thread emits; Qt queues the signal to the UI thread). On SQLite there is no
feed and screens poll every POLL_MS; with the feed they poll only as a safety net."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from PySide6.QtCore import QObject, Signal

from app.notify import Listener, supports_notify

POLL_MS = 2000  # SQLite: the 2 s
SAFETY_POLL_MS = 30_000  # PostgreSQL: notifications do the work; this catches a lost one


class ChangeFeed(QObject):
    event = Signal(str, object)  # topic, payload

    def __init__(self, engine: Engine | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.live = engine is not None and supports_notify(engine)
        self._listener: Listener | None = None
        if engine is not None and self.live:
            self._listener = Listener(engine, self._emit)
            self._listener.start()

    @property
    def poll_ms(self) -> int:
        return SAFETY_POLL_MS if self.live else POLL_MS

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        self.event.emit(topic, payload)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
