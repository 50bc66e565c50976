"""A watchdog for the UI thread: how long it was kept from its event loop by the app's own
code, the longest stall, and where it was (tests fail on a stall over 100 ms; the app runs
it when RETURNBENCH_UI_WATCHDOG names a folder for its report).

How a stall is measured, honestly under load: a timer on the UI thread beats every 20 ms;
while a beat is late, a watchdog thread samples the UI thread's stack every 5 ms (its frames
dropped on the UI thread, see _Sampler) and its scheduler statistics (/proc/.../schedstat: the
time it waited for a CPU). A sampled interval counts when the stack is in the app's code (a
frame of ui/ below the event loop), less the time the UI thread spent runnable but not
running (and the time the sampler itself waited for a CPU, when it saw nothing): a
loaded machine (both cores busy) delays the beat but adds no counted time,
while a wait on a socket, a disk, a lock or the GIL counts, as the user would see it.
Time in the test's own code (a fixture, an assertion) has no ui/ frame and is not the
app's."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from PySide6.QtCore import QTimer

UI = Path(__file__).resolve().parent
ROOT = UI.parent
REPORT_ENV = "RETURNBENCH_UI_WATCHDOG"  # a folder: the app writes watchdog-<pid>.json there
LIMIT_MS = 100.0  # at the reference speed; see limit_now()
LIMIT_ENV = "RETURNBENCH_UI_WATCHDOG_LIMIT_MS"  # the limit a test measured, for its app
# A fixed pure-Python loop (range(100_000) squared and summed) takes about 4 ms on this
# project's 2-core VM when idle; the same VM, shared, runs it up to 8x slower at times
# (steal time and cache contention, which no per-thread CPU-wait figure shows). The
# limit follows the machine's speed measured when a test starts, at most 3x.
REFERENCE_LOOP_MS = 4.0
MAX_SCALE = 3.0


def slowness() -> float:
    """How many times slower than the reference the machine runs right now (the median
    of five runs of the fixed loop), at least 1."""
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        sum(i * i for i in range(100_000))
        runs.append((time.perf_counter() - t0) * 1000)
    return max(1.0, sorted(runs)[2] / REFERENCE_LOOP_MS)


def limit_now() -> float:
    """The stall limit for a test starting now: 100 ms at the reference speed, scaled by
    the machine's measured slowness up to 3x (300 ms: a real stall fails anyway)."""
    return LIMIT_MS * min(MAX_SCALE, slowness())
BEAT_MS = 20
SAMPLE_S = 0.005
# Frames that are not the app at work: the one that runs the event loop, this beat, and
# the main window being built before it is shown (start-up, timed by bench_startup.py).
_OUTER = {("application.py", "run_app"), ("watchdog.py", "_beat")}
_NOT_SHOWN = ("window.py", "__init__")
# Frames where the UI thread waits on purpose, the window already gone: the database
# closing waits for the last background ops to finish (ui/ops.py wait_all).
_CLOSING = {("ops.py", "wait_all")}


def _runnable_ns(tid: int) -> int:
    """Nanoseconds thread `tid` has spent runnable but waiting for a CPU (0 where the
    kernel does not say)."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat", encoding="ascii") as f:
            return int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


Frame = tuple[str, int, str]  # file, line, function


class _Sampler:
    """The UI thread's stack, from sys._current_frames(), read and let go of while this
    thread holds the GIL (well under the 5 ms switch interval): no thread runs Python
    meanwhile, so no function returns and hands its locals to the frame objects made
    here (a Qt object among them would then be destroyed on this thread). faulthandler's
    dump of every thread, used before, read the other threads' states without a lock:
    it crashed the process (once in CI) while a worker thread's state was being deleted
    as a background op ended."""

    def __init__(self, ident: int) -> None:
        self._ident = ident

    def stack(self) -> tuple[Frame, ...]:
        out: list[Frame] = []
        # The walk must not let go of the GIL half way (the UI thread would return from a
        # frame being read: a CI worker crashed there, in f_lineno). This thread has just
        # taken the GIL (it waited for the sample's time): the switch interval is made
        # long for the walk's few microseconds, so that no waiting thread asks for it
        # meanwhile; then put back.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1.0)
        try:
            frame = sys._current_frames().get(self._ident)
            # Anything but a frame ends the walk (a frame being torn down as it is read
            # gave a weak reference for its caller once: that sample keeps what it read).
            while isinstance(frame, FrameType):
                code = frame.f_code
                out.append((code.co_filename, frame.f_lineno or 0, code.co_name))
                frame = frame.f_back
            del frame
        finally:
            sys.setswitchinterval(interval)
        return tuple(reversed(out))


def _in_app(stack: tuple[Frame, ...]) -> bool:
    """Is the UI thread in the app's code: a ui/ frame other than the one that runs the
    event loop (or this watchdog's beat)?"""
    ours = False
    for file, _line, name in stack:
        path = Path(file)
        if path.parent == UI and ((path.name, name) == _NOT_SHOWN
                                  or (path.name, name) in _CLOSING):
            return False
        ours = ours or (path.parent == UI and (path.name, name) not in _OUTER)
    return ours


@dataclass
class Stall:
    """One stretch without a beat: the time counted to the app (ms), the time the UI
    thread waited for a CPU meanwhile (ms, not counted), and the stacks sampled."""

    counted_ms: float = 0.0
    waited_ms: float = 0.0
    wall_ms: float = 0.0
    stacks: Counter[tuple[Frame, ...]] = field(default_factory=Counter)

    def where(self) -> str:
        """The hottest places in the app's code (the innermost app frame of each sample),
        then the stack seen most."""
        if not self.stacks:
            return "  (no sample: the UI thread held the GIL throughout)"
        hot: Counter[Frame] = Counter()
        for stack, n in self.stacks.items():
            ours = [f for f in stack if Path(f[0]).is_relative_to(ROOT)
                    and not Path(f[0]).is_relative_to(ROOT / "tests")
                    and not Path(f[0]).is_relative_to(ROOT / ".venv")]
            if ours:
                hot[ours[-1]] += n
        total = sum(self.stacks.values())
        lines = [f"  {100 * n / total:3.0f}% {Path(f).relative_to(ROOT)}:{ln} {name}"
                 + (" (the event loop's own beat: the UI thread waited there for the GIL, "
                    "held by a background thread)" if Path(f) == Path(__file__) else "")
                 for (f, ln, name), n in hot.most_common(4)]
        stack, n = self.stacks.most_common(1)[0]
        lines.append(f"  the stack seen most ({n} of {total} samples):")
        lines += [f'    File "{f}", line {ln}, in {name}' for f, ln, name in stack[-25:]]
        return "\n".join(lines)

    def functions(self) -> set[str]:
        """"file.py:function" of every app frame sampled (to tell known stalls apart)."""
        return {f"{Path(f).name}:{name}" for stack in self.stacks for f, _ln, name in stack
                if Path(f).is_relative_to(ROOT)}

    limit_ms: float = LIMIT_MS

    def words(self) -> str:
        return (f"the UI thread was busy in the app for {self.counted_ms:.0f} ms at a stretch "
                f"(limit {self.limit_ms:.0f} ms: {LIMIT_MS:.0f} at the reference speed, x"
                f"{self.limit_ms / LIMIT_MS:.1f} for this machine's speed when the test "
                f"started; {self.wall_ms:.0f} ms without an event loop, "
                f"{self.waited_ms:.0f} ms of it waiting for a CPU, not counted), "
                f"mostly at:\n{self.where()}")


class UiWatchdog:
    """Start on the UI thread (a QApplication must exist); `stop()` returns the longest
    stall counted to the app, or None."""

    def __init__(self, report: Path | None = None, limit_ms: float | None = None) -> None:
        self._report = report  # rewritten whenever the longest stall grows
        self.limit_ms = limit_ms if limit_ms is not None else limit_now()
        self._tid = threading.get_native_id()
        self._ident = threading.get_ident()
        self._beat_at = (time.monotonic_ns(), _runnable_ns(self._tid), 0)
        self._timer = QTimer()
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._beat)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="ui-watchdog", daemon=True)
        self._sampler = _Sampler(self._ident)
        self.longest: Stall | None = None
        self.over: list[Stall] = []  # every stall counted over the limit

    def start(self) -> UiWatchdog:
        self._timer.start()
        self._thread.start()
        return self

    def beat(self) -> None:
        """As if the event loop had run (a test delivers each simulated key or click
        straight into the app: each is a user action of its own, not one long stall)."""
        self._beat()

    def _beat(self) -> None:
        n = self._beat_at[2]
        self._beat_at = (time.monotonic_ns(), _runnable_ns(self._tid), n + 1)

    def _watch(self) -> None:
        open_beat, stall = -1, Stall()
        last_t = last_wait = last_mine = 0
        mine = threading.get_native_id()  # this sampler's own thread
        sampler = self._sampler
        while not self._stop.wait(SAMPLE_S):
            now = time.monotonic_ns()
            beat_t, beat_wait, beat_n = self._beat_at
            if now - beat_t < 2 * BEAT_MS * 1_000_000:
                if open_beat >= 0:
                    self._close(stall)
                    open_beat = -1
                continue
            my_wait = _runnable_ns(mine)
            if beat_n != open_beat:  # a new stall, from the last beat on
                if open_beat >= 0:
                    self._close(stall)
                open_beat, stall = beat_n, Stall()
                last_t, last_wait, last_mine = beat_t, beat_wait, my_wait
            waited = _runnable_ns(self._tid)
            stack = sampler.stack()
            step, step_wait = now - last_t, max(0, waited - last_wait)
            # While this sampler itself waited for a CPU it saw nothing: that part of the
            # step is not counted either (a loaded machine, not the app).
            blind = max(0, my_wait - last_mine)
            stall.wall_ms = (now - beat_t) / 1e6
            stall.waited_ms = (waited - beat_wait) / 1e6
            if _in_app(stack):
                stall.counted_ms += max(0, step - step_wait - blind) / 1e6
                stall.stacks[stack] += 1
            last_t, last_wait, last_mine = now, waited, my_wait
        if open_beat >= 0:
            self._close(stall)

    def _close(self, stall: Stall) -> None:
        if stall.counted_ms and (self.longest is None
                                 or stall.counted_ms > self.longest.counted_ms):
            self.longest = stall
        stall.limit_ms = self.limit_ms
        if stall.counted_ms > self.limit_ms:
            self.over.append(stall)
            if self._report is not None:  # now: the app may be ended by a signal
                self._report.parent.mkdir(parents=True, exist_ok=True)
                self._report.write_text(json.dumps(
                    {"pid": os.getpid(), "over": [
                        {"ms": st.counted_ms, "words": st.words(), "in": sorted(st.functions())}
                        for st in self.over]}))

    def stop(self) -> Stall | None:
        self._timer.stop()
        self._stop.set()
        self._thread.join(timeout=5)
        return self.longest


@contextmanager
def watching() -> Iterator[UiWatchdog]:
    dog = UiWatchdog().start()
    try:
        yield dog
    finally:
        dog.stop()


def start_if_asked() -> UiWatchdog | None:
    """In the app: a watchdog when RETURNBENCH_UI_WATCHDOG names a folder; its longest
    stall is written there (watchdog-<pid>.json) as it happens."""
    folder = os.environ.get(REPORT_ENV)
    if not folder:
        return None
    limit = os.environ.get(LIMIT_ENV)
    return UiWatchdog(Path(folder) / f"watchdog-{os.getpid()}.json",
                      float(limit) if limit else None).start()
