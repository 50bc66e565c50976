"""Run slow work off the UI thread, with success and failure callbacks on the UI thread.

Modelled on Anki's QueryOp: the worker never touches a widget; the callbacks do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._work = work
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # noqa: BLE001 - handed to the failure callback
            self._signals.failed.emit(exc)
        else:
            self._signals.succeeded.emit(result)


class BackgroundOp(Generic[T]):
    """`BackgroundOp(work, on_done, on_error).start()`; keep a reference until it finishes."""

    _running: set[BackgroundOp[Any]] = set()

    def __init__(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._signals = _Signals()
        self._signals.succeeded.connect(self._done)
        self._signals.failed.connect(self._error)
        self._work = work
        self._on_done = on_done
        self._on_error = on_error

    def start(self) -> None:
        BackgroundOp._running.add(self)
        QThreadPool.globalInstance().start(_Job(self._work, self._signals))

    def _done(self, result: T) -> None:
        BackgroundOp._running.discard(self)
        self._on_done(result)

    def _error(self, exc: BaseException) -> None:
        BackgroundOp._running.discard(self)
        self._on_error(exc)
