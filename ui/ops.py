"""The one way the window runs work that may wait on a disk, a network, a printer or a
large query: off the UI thread, with success and failure callbacks back on the UI thread.

Modelled on Anki's QueryOp: the worker never touches a widget; the callbacks do.
`BackgroundOp(work, on_done, on_error).start()`; options:
- `parent`: the widget the callbacks paint; when it is gone by then, they are skipped.
- `lane`: ops of one named lane run one at a time, in order (labels reach a printer in
  the order they were asked for); without one, on the shared pool.
- `progress` + `shows`: the worker reports (done, total) through `progress.report`; the
  op shows it on `shows` (a busy bar when total is 0) once it has run for a second, and
  hides it when done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from app import inflight
from app.errors import ReturnBenchError

log = logging.getLogger(__name__)
T = TypeVar("T")
SLOW_MS = 1000  # an op that takes longer shows its progress


class Shows(Protocol):
    """What paints an op's progress (a page's progress bar)."""

    def show_progress(self, label: str, done: int, total: int) -> None: ...

    def hide_progress(self, label: str) -> None: ...


class ProgressBar(QProgressBar):
    """A page's progress bar for its slow ops: "label: done of total", or busy while
    the total is not known; hidden when none is running."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: dict[str, tuple[int, int]] = {}
        self.hide()

    def show_progress(self, label: str, done: int, total: int) -> None:
        self._shown.pop(label, None)
        self._shown[label] = (done, total)  # the newest is shown
        self.setRange(0, max(total, 0))
        self.setValue(done if total else 0)
        self.setFormat(f"{label} %v of %m" if total else label)
        self.show()

    def hide_progress(self, label: str) -> None:
        self._shown.pop(label, None)
        if not self._shown:
            self.hide()
            return
        newest = next(reversed(self._shown))
        self.show_progress(newest, *self._shown[newest])


class Progress(QObject):
    """Carries (done, total) from the worker to the UI thread: `report` is safe to call
    from any thread."""

    changed = Signal(int, int)

    def report(self, done: int, total: int) -> None:
        self.changed.emit(done, total)


class _Relay(QObject):
    """Lives on the UI thread: what the worker emits is delivered here, queued."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # handed to the failure callback
            if not isinstance(exc, ReturnBenchError):  # a bug, not the environment
                log.error("background work failed", exc_info=exc)
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


_lanes: dict[str, QThreadPool] = {}


def _pool(lane: str | None) -> QThreadPool:
    if lane is None:
        pool = QThreadPool.globalInstance()
        assert pool is not None
        return pool
    if lane not in _lanes:
        _lanes[lane] = QThreadPool()
        _lanes[lane].setMaxThreadCount(1)
        _lanes[lane].setExpiryTimeout(-1)  # keeps its thread: no start-up per label
    return _lanes[lane]


class BackgroundOp(Generic[T]):
    """One piece of background work; keep no reference: running ops are kept here."""

    _running: set[BackgroundOp[Any]] = set()

    def __init__(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        parent: QObject | None = None,
        lane: str | None = None,
        progress: Progress | None = None,
        shows: Shows | None = None,
        label: str = "",
    ) -> None:
        self._relay = _Relay()
        self._relay.succeeded.connect(self._done)
        self._relay.failed.connect(self._error)
        self._work = work
        self._on_done = on_done
        self._on_error = on_error
        self._parent = parent
        self._lane = lane
        self._shows = shows
        self._label = label
        self._last = (0, 0)
        self._shown = False
        self._timer: QTimer | None = None
        if progress is not None:
            progress.changed.connect(self._progressed)

    def start(self) -> BackgroundOp[T]:
        BackgroundOp._running.add(self)
        if self._shows is not None:
            self._timer = QTimer()
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._show)
            self._timer.start(SLOW_MS)
        _pool(self._lane).start(_Job(self._work, self._relay))
        return self

    @classmethod
    def idle(cls) -> bool:
        """No op running or waiting for its callback (tests wait for this)."""
        return not cls._running

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _show(self) -> None:
        if self._shows is not None and self._alive() and self in BackgroundOp._running:
            self._shown = True
            self._shows.show_progress(self._label, *self._last)

    def _progressed(self, done: int, total: int) -> None:
        self._last = (done, total)
        if self._shown and self._shows is not None and self._alive():
            self._shows.show_progress(self._label, done, total)

    def _finish(self) -> bool:
        BackgroundOp._running.discard(self)
        if self._timer is not None:
            self._timer.stop()
        alive = self._alive()
        if self._shown and self._shows is not None and alive:
            self._shows.hide_progress(self._label)
        return alive

    def _done(self, result: T) -> None:
        if self._finish():
            self._on_done(result)

    def _error(self, exc: BaseException) -> None:
        if self._finish():
            self._on_error(exc)


def wait_all(timeout_s: float = 30.0) -> bool:
    """Block until every op's work is done (not its callback): the database closes after
    this. True when all finished within `timeout_s`."""
    pools = [QThreadPool.globalInstance(), *_lanes.values()]
    return all([pool.waitForDone(int(timeout_s * 1000)) for pool in pools if pool is not None])


inflight.on_close(wait_all)
