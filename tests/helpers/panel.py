"""Waiting for Inspect's decision panel: the policy's preview of a key's form is made off
the window's thread; a test reads the panel once the newest one is shown (a state, not a
time)."""

from __future__ import annotations

from typing import Any


def previewed(qtbot: Any, inspect: Any, timeout: int = 5000) -> None:
    """Until no preview is on its way (the newest asked for is shown, or failed)."""
    qtbot.waitUntil(lambda: inspect._preview_shown == inspect._preview_seq, timeout=timeout)
