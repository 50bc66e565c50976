"""Changes other benches should see at once: PostgreSQL LISTEN/NOTIFY.

Services `publish` inside their own transaction, so a notification goes out only if the
change is committed (PostgreSQL delivers NOTIFY on commit). A `Listener` keeps its own
connection in a thread and hands each event to a callback; if the server goes away it
reconnects by itself and reports "reconnected" (events sent meanwhile are lost, so the
subscriber reads the current state again). SQLite has no notifications: there the screens
poll.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "returnbench"
RECONNECTED = "reconnected"
Handler = Callable[[str, dict[str, Any]], None]


def supports_notify(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def publish(session: Session, topic: str, **payload: Any) -> None:
    """Announce `topic` to every listening bench when the caller's transaction commits."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    body = json.dumps({"topic": topic, **payload}, default=str)
    session.execute(text("SELECT pg_notify(:channel, :body)"),
                    {"channel": CHANNEL, "body": body})


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """LISTEN on its own connection in a daemon thread; `handler(topic, payload)` is
    called from that thread."""

    def __init__(self, engine: Engine, handler: Handler, poll_seconds: float = 0.5,
                 retry_seconds: float = 1.0) -> None:
        self._conninfo = _conninfo(engine)
        self._handler = handler
        self._poll = poll_seconds
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """Ask the thread to end; it closes its own connection within `poll_seconds`.
        `wait=False` is for the UI thread (a window closing must not wait for a poll)."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True,
                                     connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    if not first:
                        self._deliver(RECONNECTED, {})
                    first = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll):
                            self._dispatch(note.payload)
            except psycopg.Error as exc:
                self.connected.clear()
                log.info("notification listener lost the database (%s); retrying",
                         str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
                self._stop.wait(self._retry)

    def _dispatch(self, body: str) -> None:
        try:
            data = json.loads(body)
            topic = str(data.pop("topic"))
        except (ValueError, KeyError, AttributeError):
            log.info("ignored a malformed notification: %r", body[:200])
            return
        self._deliver(topic, data)

    def _deliver(self, topic: str, payload: dict[str, Any]) -> None:
        try:
            self._handler(topic, payload)
        except Exception:  # a subscriber's bug must not kill the listener
            log.exception("notification handler failed for %s", topic)
