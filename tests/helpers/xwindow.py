"""Driving the app's real window on an X server (Xvfb) with real X key events (xdotool),
and waiting for states, never for fixed times: the window's title says the place shown
(once its data is read) and who is signed in ("ReturnBench - Inspect - Ines Moreno");
X delivers keys in order and the window handles them in order, so a key typed after a
state was seen acts on that state."""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

POLL_S = 0.05
# A person's keys come at least this far apart (a fast typist: 80-120 ms); a scanner's
# within 30 ms. Keys sent closer would be a burst: the scan router holds them as a scan.
HUMAN_KEY_S = 0.08
_last_key = [0.0]


def _at_human_pace() -> None:
    wait = _last_key[0] + HUMAN_KEY_S - time.monotonic()
    if wait > 0:
        time.sleep(wait)  # the pace of a person's hand, not a wait for the window


_started = [0]


def _candidates() -> Iterator[int]:
    """Display numbers for this test worker: each worker its own hundred, each server a
    new number (a number used again raced with the last server's shutdown, which
    unlinked the new one's socket: "could not connect to display")."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = 300 + 100 * (int(worker) if worker.isdigit() else 0) % 3000
    while True:
        _started[0] += 1
        yield base + (os.getpid() + _started[0]) % 100


@contextmanager
def xvfb(xvfb_path: str, size: str = "1366x768") -> Iterator[str]:
    """An X server of its own, once it accepts connections (-displayfd says so): on a
    number no other worker uses and not used before in this run."""
    for number in _candidates():
        if not os.path.exists(f"/tmp/.X{number}-lock") \
                and not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            break
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb_path, f":{number}", "-displayfd", str(write), "-screen",
                             "0", f"{size}x24", "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        said = b""
        deadline = time.monotonic() + 20
        while not said.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read, 16) if ready else b""
            if not chunk:
                pytest.fail(f"Xvfb :{number} did not start (exit {proc.poll()})",
                            pytrace=False)
            said += chunk
        yield f":{int(said)}"
    finally:
        os.close(read)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def xdo(display: str, *args: str) -> str:
    out = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """The predicate's first true value within `timeout` seconds, or the test fails
    saying what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(POLL_S)


def window(display: str, app: subprocess.Popen[str] | None = None) -> str:
    """The app's window id, once it is shown (an app that ended first fails the test
    with what it said)."""
    def shown() -> str:
        if app is not None and app.poll() is not None:
            _out, err = app.communicate()
            pytest.fail(f"the app ended ({app.returncode}) before its window showed: "
                        f"{(err or '')[-1500:]}", pytrace=False)
        return xdo(display, "search", "--onlyvisible", "--name", "ReturnBench").split("\n")[0]

    wid: str = wait_for(shown, 60, "the window")
    return wid


def title(display: str) -> str:
    wid = xdo(display, "search", "--onlyvisible", "--name", "ReturnBench").split("\n")[0]
    return xdo(display, "getwindowname", wid) if wid else ""


def wait_title(display: str, *words: str, timeout: float = 30) -> str:
    """Wait until the window's title holds every word (a place, a name)."""
    found: str = wait_for(lambda: (t := title(display)) and all(w in t for w in words) and t,
                    timeout, f"the window's title to say {' and '.join(words)} "
                    f"(it says {title(display)!r})")
    return found


def focus_window(display: str, app: subprocess.Popen[str] | None = None) -> None:
    """The window shown and focused, at sign-in (or first start)."""
    wid = window(display, app)
    wait_for(lambda: any(p in title(display) for p in ("Sign in", "First start")), 30,
             "the sign-in (or first start) page")
    wait_for(lambda: xdo(display, "windowfocus", "--sync", wid) is not None
             and xdo(display, "getwindowfocus") == wid, 20, "the window focused")


def key(display: str, *keys: str) -> None:
    """Keys as a person presses them (HUMAN_KEY_S apart)."""
    for k in keys:
        _at_human_pace()
        xdo(display, "key", k)
        _last_key[0] = time.monotonic()


def type_text(display: str, text: str) -> None:
    """Text as a person types it."""
    _at_human_pace()
    xdo(display, "type", "--delay", f"{HUMAN_KEY_S * 1000:.0f}", text)
    _last_key[0] = time.monotonic()


def go(display: str, key_name: str, place: str) -> None:
    """A place's function key, then wait until the place is shown with its data."""
    key(display, key_name)
    wait_title(display, place)


def scan(display: str, code: str) -> None:
    """A keyboard-wedge scanner: 5 ms per key, then its Enter suffix."""
    _at_human_pace()  # the last key pressed by hand is not part of the burst
    xdo(display, "type", "--delay", "5", code)
    xdo(display, "key", "Return")
    _last_key[0] = time.monotonic()


def sign_in(display: str, letter_and_pin: str, name: str) -> None:
    """Pick a name by its first letter, type the PIN, Enter; wait until the window is
    that person's (the PIN is checked off the UI thread: keys typed sooner would land on
    the sign-in page)."""
    wait_title(display, "Sign in")
    type_text(display, letter_and_pin)
    key(display, "Return")
    wait_title(display, name)


def sign_out(display: str) -> None:
    key(display, "ctrl+q")
    wait_title(display, "Sign in")
