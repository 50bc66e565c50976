"""Telling a keyboard-wedge scanner from a person: a scanner types a whole code in a burst
(keys a few milliseconds apart) and ends it with Enter or Tab, or wraps it in a configured
prefix and suffix. A person types the same keys 80-200 ms apart. The detector is fed each
key with its time and says what to do with it; the window holds printable keys for one
gap (30 ms by default, unnoticeable) until it knows which of the two it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

GAP_MS = 30.0
MIN_CHARS = 4


class Verdict(Enum):
    HOLD = "hold"        # keep the key back: it may be the start or middle of a scan
    SCAN = "scan"        # the held keys and this terminator were a scan: `code`
    FLUSH = "flush"      # deliver the held keys as typed, then handle this key normally
    PASS = "pass"        # nothing held: handle this key normally


@dataclass
class Step:
    verdict: Verdict
    code: str = ""


@dataclass
class BurstDetector:
    gap_ms: float = GAP_MS
    min_chars: int = MIN_CHARS
    prefix: str = ""  # a scanner set to send e.g. STX or "]" before each code
    suffix: str = ""  # ... and after it, instead of (or before) Enter
    held: list[str] = field(default_factory=list)
    last_ms: float | None = None

    def key(self, text: str, t_ms: float, terminator: bool = False) -> Step:
        """Feed one key press: its text (empty for keys that type nothing), its time in
        milliseconds, and whether it is Enter or Tab."""
        in_burst = self.last_ms is not None and t_ms - self.last_ms <= self.gap_ms
        if terminator:
            code = "".join(self.held)
            if self.held and in_burst and len(code) >= self.min_chars:
                self._reset()
                return Step(Verdict.SCAN, self._unwrap(code))
            return self._flush_or_pass()
        if not text or not text.isprintable():
            return self._flush_or_pass()
        if self.held and not in_burst:
            # A pause: what was held was typed by a person. Deliver it, then hold this key
            # as the possible start of a new burst.
            held = "".join(self.held)
            self.held, self.last_ms = [text], t_ms
            return Step(Verdict.FLUSH, held)
        self.held.append(text)
        self.last_ms = t_ms
        code = "".join(self.held)
        if self.suffix and self.prefix and code.startswith(self.prefix) \
                and code.endswith(self.suffix) and len(code) > len(self.prefix + self.suffix):
            self._reset()
            return Step(Verdict.SCAN, code[len(self.prefix):-len(self.suffix)])
        return Step(Verdict.HOLD)

    def timeout(self, t_ms: float) -> Step:
        """No key for a while: whatever is held was typed by a person."""
        if self.held and (self.last_ms is None or t_ms - self.last_ms > self.gap_ms):
            return self._flush_or_pass()
        return Step(Verdict.PASS)

    def _flush_or_pass(self) -> Step:
        if not self.held:
            self.last_ms = None
            return Step(Verdict.PASS)
        held = "".join(self.held)
        self._reset()
        return Step(Verdict.FLUSH, held)

    def _reset(self) -> None:
        self.held, self.last_ms = [], None

    def _unwrap(self, code: str) -> str:
        if self.prefix and code.startswith(self.prefix):
            code = code[len(self.prefix):]
        if self.suffix and code.endswith(self.suffix):
            code = code[:-len(self.suffix)]
        return code
