"""What other benches just did, as a Qt signal: LISTEN/NOTIFY on PostgreSQL (the
listener's thread emits; Qt queues the signal to the UI thread). On SQLite there is no
feed and screens poll every POLL_MS; with the feed they poll only as a safety net."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.notify import Handler, Listener

POLL_MS = 2000  # SQLite: the 2 s
SAFETY_POLL_MS = 30_000  # PostgreSQL: notifications do the work; this catches a lost one


class ChangeFeed(QObject):
    happened = Signal(str, object)  # topic, payload

    def __init__(self, subscribe: Callable[[Handler], Listener | None] | None,
                 parent: QObject | None = None) -> None:
        """`subscribe` is `Services.listen`: it starts a listener, or returns None when
        the database has no notifications."""
        super().__init__(parent)
        self._listener = subscribe(self._emit) if subscribe is not None else None
        self.live = self._listener is not None

    @property
    def poll_ms(self) -> int:
        return SAFETY_POLL_MS if self.live else POLL_MS

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        self.happened.emit(topic, payload)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop(wait=False)  # its thread closes its connection itself
            self._listener = None
