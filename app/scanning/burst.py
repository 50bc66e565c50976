"""Telling a keyboard-wedge scanner from a person: a scanner types a whole code in a burst
(keys a few milliseconds apart) and ends it with Enter or Tab, or wraps it in a configured
prefix and suffix. A person types the same keys 80-200 ms apart. The detector is fed each
key with its time and says what to do with it; the window holds printable keys for one
gap (30 ms by default, unnoticeable) until it knows which of the two it is.

A key's time is when it was pressed (the key event's own timestamp), not when the window
got round to it, so a burst the window reads late, all at once, is still a burst. On a
loaded machine the scanner's keys themselves may come a little apart: once a run has shown
a scanner's pace (MIN_FAST gaps within the gap), a longer gap (up to `stretch_ms`) keeps it
held while it can still become one of our codes with a check digit, and it is a scan at
its terminator if it is one (a whole code of ours waits up to TERMINATOR_WAIT_MS for it).
A terminator that comes within a scanner's run is never handed to the page (it would
accept a decision on Inspect): the run is a scan, or the keys are handed over as typed and
the terminator is dropped as an unreadable scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from app.scanning.classify import checked_code, could_be_checked

GAP_MS = 30.0
MIN_CHARS = 4
MIN_FAST = 2  # gaps within gap_ms before a run is taken for a scanner's
STRETCH = 10.0  # a scanner's gap may stretch to this many times gap_ms ...
STRETCH_MAX_MS = 500.0  # ... and never beyond this
# A whole code of ours, its check digit right, waits this long for its terminator.
TERMINATOR_WAIT_MS = 1000.0


class Verdict(Enum):
    HOLD = "hold"        # keep the key back: it may be the start or middle of a scan
    SCAN = "scan"        # the held keys and this terminator were a scan: `code`
    FLUSH = "flush"      # deliver the held keys as typed, then handle this key normally
    PASS = "pass"        # nothing held: handle this key normally
    REJECT = "reject"    # a scanner's terminator: deliver the held keys as typed and drop
    #                      this key; the scan (`code`) could not be read


@dataclass
class Step:
    verdict: Verdict
    code: str = ""
    wait_ms: float = 0.0  # HOLD from timeout(): ask again after this long


@dataclass
class BurstDetector:
    gap_ms: float = GAP_MS
    min_chars: int = MIN_CHARS
    prefix: str = ""  # a scanner set to send e.g. STX or "]" before each code
    suffix: str = ""  # ... and after it, instead of (or before) Enter
    held: list[str] = field(default_factory=list)
    last_ms: float | None = None
    fast: int = 0  # gaps of the held run within gap_ms
    slow: int = 0  # gaps of the held run beyond gap_ms (stretched), within stretch_ms
    # A scanner's run was handed over as typed: a terminator up to this time is its own.
    scanner_until: float | None = None
    handed: str = ""  # ... and its keys, for the unreadable scan's message

    @property
    def stretch_ms(self) -> float:
        return max(self.gap_ms, min(self.gap_ms * STRETCH, STRETCH_MAX_MS))

    def idle(self, t_ms: float) -> bool:
        """Nothing held and no scanner's run just handed over: the next key starts anew."""
        return not self.held and (self.scanner_until is None or t_ms > self.scanner_until)

    def key(self, text: str, t_ms: float, terminator: bool = False) -> Step:
        """Feed one key press: its text (empty for keys that type nothing), its time in
        milliseconds, and whether it is Enter or Tab."""
        dt = None if self.last_ms is None else t_ms - self.last_ms
        in_burst = dt is not None and dt <= self.gap_ms
        stretched = dt is not None and self.gap_ms < dt <= self.stretch_ms
        if self.scanner_until is not None and t_ms > self.scanner_until:
            self.scanner_until, self.handed = None, ""
        if terminator:
            return self._end(t_ms, in_burst, dt)
        if not text or not text.isprintable():
            return self._flush_or_pass()
        if self.held and not in_burst:
            if stretched and self._scanner() and self.slow + 1 <= max(1, self.fast // 2) \
                    and could_be_checked(self._body("".join(self.held) + text)):
                # A scanner's gap stretched (a loaded machine): still its run.
                self.slow += 1
                self.held.append(text)
                self.last_ms = t_ms
                return Step(Verdict.HOLD)
            # A pause: what was held was typed by a person (or a scanner's run that can no
            # longer be one of our codes). Deliver it, then hold this key as the possible
            # start of a new burst.
            held = "".join(self.held)
            self._hand_over()
            if self.scanner_until is not None and t_ms > self.scanner_until:
                self.scanner_until, self.handed = None, ""
            self.held, self.last_ms = [text], t_ms
            return Step(Verdict.FLUSH, held)
        if self.held:
            self.fast += 1
        if self.scanner_until is not None and (in_burst or not self.held):
            self.scanner_until = t_ms + self.stretch_ms  # the handed-over run goes on
        self.held.append(text)
        self.last_ms = t_ms
        code = "".join(self.held)
        if self.suffix and self.prefix and code.startswith(self.prefix) \
                and code.endswith(self.suffix) and len(code) > len(self.prefix + self.suffix):
            if self.slow and not checked_code(self._unwrap(code)):
                return self._reject(code)
            self._reset()
            return Step(Verdict.SCAN, code[len(self.prefix):-len(self.suffix)])
        return Step(Verdict.HOLD)

    def timeout(self, t_ms: float) -> Step:
        """No key for a while: whatever is held was typed by a person, unless the run is a
        scanner's and its next key or terminator may still come (HOLD, with how long)."""
        if not self.held:
            return Step(Verdict.PASS)
        since = t_ms - self.last_ms if self.last_ms is not None else self.stretch_ms + 1
        if since <= self.gap_ms:
            return Step(Verdict.HOLD, wait_ms=self.gap_ms - since + 1)
        if self._scanner_run() and since <= self._patience():
            return Step(Verdict.HOLD, wait_ms=self._patience() - since + 1)
        return self._flush_or_pass()

    def _end(self, t_ms: float, in_burst: bool, dt: float | None) -> Step:
        """A terminator (Enter or Tab)."""
        code = "".join(self.held)
        if self.scanner_until is not None and t_ms <= self.scanner_until:
            # The end of a scanner's run already handed over (and of what followed it at
            # its pace): never an Enter to the page, never a scan of a fragment.
            return self._reject(code)
        if self.held and in_burst and not self.slow and len(code) >= self.min_chars:
            self._reset()
            return Step(Verdict.SCAN, self._unwrap(code))
        if self.held and dt is not None and dt <= self._patience() and self._scanner():
            if checked_code(self._unwrap(code)) or (
                    not self.slow and len(code) >= self.min_chars):
                # One of our codes with its check digit right, or a run whose keys all
                # came at a scanner's pace and only its terminator late.
                self._reset()
                return Step(Verdict.SCAN, self._unwrap(code))
            return self._reject(code)
        return self._flush_or_pass()

    def _scanner(self) -> bool:
        """The held run came at a scanner's pace."""
        return self.fast >= MIN_FAST

    def _patience(self) -> float:
        """How long the held run waits for its next key or terminator: a gap stretched,
        or longer for a whole code of ours (only its terminator is still to come)."""
        if self.held and checked_code(self._unwrap("".join(self.held))):
            return max(self.stretch_ms, TERMINATOR_WAIT_MS)
        return self.stretch_ms

    def _scanner_run(self) -> bool:
        """... and may be a scan: a code's length, or the start of one of our codes (a
        person's few keys rolled off fast are not kept waiting)."""
        held = "".join(self.held)
        return self._scanner() and (len(held) >= self.min_chars
                                    or could_be_checked(self._body(held)))

    def _reject(self, held: str) -> Step:
        keys = (self.handed if self.scanner_until is not None else "") + held
        self._reset()
        return Step(Verdict.REJECT, keys)

    def _hand_over(self) -> None:
        """The held run is delivered as typed; a scanner's is remembered for a while."""
        if self._scanner_run() and self.last_ms is not None:
            self.handed = (self.handed if self.scanner_until is not None else "") \
                + "".join(self.held)
            self.scanner_until = self.last_ms + self._patience()
        elif self.scanner_until is not None:  # what followed a scanner's run at its pace
            self.handed += "".join(self.held)
        self.held, self.last_ms, self.fast, self.slow = [], None, 0, 0

    def _flush_or_pass(self) -> Step:
        if not self.held:
            self.last_ms = None
            return Step(Verdict.PASS)
        held = "".join(self.held)
        self._hand_over()
        return Step(Verdict.FLUSH, held)

    def _reset(self) -> None:
        self.held, self.last_ms, self.fast, self.slow = [], None, 0, 0
        self.scanner_until, self.handed = None, ""

    def _body(self, code: str) -> str:
        """The code without the configured prefix and (a begun) suffix."""
        if self.prefix:
            if not code.startswith(self.prefix):
                return "" if self.prefix.startswith(code) else code
            code = code[len(self.prefix):]
        for k in range(len(self.suffix), 0, -1):
            if code.endswith(self.suffix[:k]) and could_be_checked(code[:-k]):
                return code[:-k]
        return code

    def _unwrap(self, code: str) -> str:
        if self.prefix and code.startswith(self.prefix):
            code = code[len(self.prefix):]
        if self.suffix and code.endswith(self.suffix):
            code = code[:-len(self.suffix)]
        return code
