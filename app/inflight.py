"""Work still running off the main thread when the database closes: the window's
background ops (a label printing, a report read) hold a connection until they finish.
Closing the engine under them would leave their connections to be closed by the garbage
collector, and cut a print job's record in half; so whoever runs such work registers how
to wait for it, and `Services.dispose` waits before it closes the engine. The core knows
nothing of who runs the work (the window's thread pool lives in `ui/`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Drain = Callable[[float], bool]  # wait up to that many seconds; True when all done
_drains: list[Drain] = []


def on_close(drain: Drain) -> None:
    """Have every close of the database wait for this work first (once per drain)."""
    if drain not in _drains:
        _drains.append(drain)


def drain(timeout_s: float = 30.0) -> bool:
    """Wait for every registered kind of work; False (and said in the log) if some is
    still running after `timeout_s`."""
    done = all([d(timeout_s) for d in list(_drains)])
    if not done:
        log.info("background work still running after %.0f s as the database closes",
                 timeout_s)
    return done
