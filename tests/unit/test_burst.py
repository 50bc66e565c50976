"""The burst detector fed keys with their recorded times (issue 28, 4): a scanner's burst is
a scan even when the window reads it late or a gap stretches on a loaded machine, as long
as it is one of our codes with its check digit right; a person's typing reaches the page
unchanged; a scanner's terminator never reaches the page."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.scanning.burst import BurstDetector, Verdict
from app.scanning.codes import item_plate, rma_number, tote_code

RMA = rma_number(2026, 512)
BAD = RMA[:-1] + str((int(RMA[-1]) + 1) % 10)  # one digit misread
ENTER = "\n"


@dataclass
class Bench:
    """The window around the detector, as the scan router drives it: held keys delivered
    in order on FLUSH/REJECT, the timer asked at each due time (key time)."""
    detector: BurstDetector = field(default_factory=BurstDetector)
    page: list[str] = field(default_factory=list)  # what reached the page, terminators too
    scans: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    due: float | None = None

    def run_timer(self, until: float) -> None:
        """The timer's turns due by `until`."""
        while self.due is not None and self.due <= until:
            due, self.due = self.due, None
            step = self.detector.timeout(due)
            if step.verdict is Verdict.FLUSH:
                self.page += self.held
                self.held = []
            elif step.verdict is Verdict.HOLD and self.held:
                self.due = due + step.wait_ms

    def _key(self, text: str, t: float) -> None:
        terminator = text == ENTER
        step = self.detector.key("" if terminator else text, t, terminator)
        if step.verdict is Verdict.HOLD:
            self.held.append(text)
            self.due = t + self.detector.gap_ms + 5
        elif step.verdict is Verdict.SCAN:
            self.held, self.due = [], None
            self.scans.append(step.code)
        elif step.verdict is Verdict.REJECT:
            self.page += self.held
            self.held, self.due = [], None
            self.unreadable.append(step.code)
        elif step.verdict is Verdict.FLUSH:
            self.page += self.held
            self.held = []
            if not terminator:
                self.held = [text]
                self.due = t + self.detector.gap_ms + 5
            else:
                self.page.append(text)
        else:
            self.page.append(text)

    def settle(self) -> None:
        """Time goes on with no key: every timer runs."""
        self.run_timer(float("inf"))


def _at(text: str, start: float, gaps: list[float] | float) -> list[tuple[str, float]]:
    """The keys of `text` from `start`, `gaps` ms apart (one gap per key after the first)."""
    every = gaps if isinstance(gaps, list) else [gaps] * (len(text) - 1)
    assert len(every) == len(text) - 1
    out, t = [(text[0], start)], start
    for ch, gap in zip(text[1:], every, strict=True):
        t += gap
        out.append((ch, t))
    return out


def _scan(code: str, start: float = 1000.0, gap: float = 5.0,
          stretched: dict[int, float] | None = None, end_gap: float = 5.0,
          ) -> list[tuple[str, float]]:
    gaps = [gap] * (len(code) - 1)
    for i, ms in (stretched or {}).items():
        gaps[i] = ms
    keys = _at(code, start, gaps)
    return [*keys, (ENTER, keys[-1][1] + end_gap)]


def _bench_with_timer(keys: list[tuple[str, float]], late: bool = False) -> Bench:
    """`late`: the window reads the keys all after the last one (busy: no timer between)."""
    bench = Bench()
    for text, t in keys:
        if not late:
            bench.run_timer(t)
        bench._key(text, t)
    bench.settle()
    return bench


def test_a_scanners_burst_is_a_scan() -> None:
    bench = _bench_with_timer(_scan(RMA))
    assert bench.scans == [RMA] and bench.page == [] and bench.unreadable == []


def test_a_burst_read_late_all_at_once_is_still_a_scan() -> None:
    """The keys' own times are 5 ms apart; the window got to them 400 ms later, together."""
    bench = _bench_with_timer(_scan(RMA), late=True)
    assert bench.scans == [RMA] and bench.page == []


def test_a_timer_due_before_the_rest_of_a_queued_burst_keeps_it_held() -> None:
    """Three keys read on time, then the window stalls: its timer comes (at 35 ms and again
    later) before the queued keys, which carry their own times 5 ms apart."""
    keys = _scan(RMA)
    bench = Bench()
    for text, t in keys[:3]:
        bench._key(text, t)
    for now in (keys[2][1] + 35, keys[2][1] + 200):
        assert bench.detector.timeout(now).verdict is Verdict.HOLD
    for text, t in keys[3:]:
        bench._key(text, t)
    assert bench.scans == [RMA] and bench.page == []


def test_one_of_our_codes_with_stretched_gaps_is_a_scan() -> None:
    for code in (RMA, item_plate(4201, 2), tote_code(123), "1Z999AA10123456784"):
        n = len(code)
        for stretched in ({3: 80.0}, {n // 2: 150.0, n - 4: 60.0}, {n - 2: 280.0}):
            bench = _bench_with_timer(_scan(code, stretched=stretched))
            assert bench.scans == [code], (code, stretched)
            assert bench.page == [] and bench.unreadable == []


def test_a_stretched_gap_before_the_terminator_is_still_a_scan() -> None:
    for code in (RMA, "KP-RED-10"):  # ours, or any code whose keys all came fast
        bench = _bench_with_timer(_scan(code, end_gap=120.0))
        assert bench.scans == [code] and bench.page == []


def test_a_wrong_check_digit_with_a_stretched_gap_is_unreadable_and_enter_goes_nowhere() -> None:
    bench = _bench_with_timer(_scan(BAD, stretched={5: 90.0}))
    assert bench.scans == []
    assert bench.unreadable == [BAD]
    assert "".join(bench.page) == BAD  # the keys as typed; no Enter
    assert ENTER not in bench.page


def test_not_our_code_with_a_stretched_gap_never_lets_its_enter_through() -> None:
    """A burst whose last gap stretched and that is none of our codes: today its keys were
    flushed and the Enter went to the page (accepting a decision on Inspect)."""
    for code, at in (("SKU-RED-10", 8), ("SKU-RED-10", 4), ("ABCDEFGH", 6)):
        bench = _bench_with_timer(_scan(code, stretched={at: 90.0}))
        assert bench.scans == [] and ENTER not in bench.page, (code, at)
        assert "".join(bench.page) == code  # nothing lost, nothing twice, in order
        assert bench.unreadable == [code]


def test_a_gap_beyond_the_stretch_limit_is_a_pause() -> None:
    """A gap over 300 ms (10x the 30 ms gap) ends the scanner's run: its keys reach the page
    as typed; the rest, a burst of its own, is a scan of what it is."""
    bench = _bench_with_timer(_scan(RMA, stretched={5: 900.0}))
    assert "".join(bench.page) == RMA[:6]
    assert bench.scans == [RMA[6:]]
    assert ENTER not in bench.page


def test_a_person_typing_reaches_the_page_unchanged_and_enter_works() -> None:
    for text, gap in (("RMA-2026-000512", 120.0), ("Promised a refund", 80.0),
                      ("1234567890", 150.0), ("the dress", [25.0, 140.0] * 4)):
        keys = _at(text, 1000.0, gap)
        bench = _bench_with_timer([*keys, (ENTER, keys[-1][1] + 160.0)])
        assert "".join(bench.page) == text + ENTER, text
        assert bench.scans == [] and bench.unreadable == []


def test_a_persons_keys_are_held_no_longer_than_a_gap() -> None:
    """Each key typed at a person's pace reaches the page within 36 ms of its press."""
    bench = Bench()
    for text, t in _at("RMA-25", 1000.0, 120.0):
        assert bench.held == []
        bench._key(text, t)
        step = bench.detector.timeout(t + 36)
        assert step.verdict is Verdict.FLUSH and step.code == text
        bench.held, bench.due = [], None


def test_a_person_after_a_fast_roll_of_digits_keeps_every_key() -> None:
    """Three digits rolled off fast, then the rest at a person's pace and Enter: a run that
    looked like a scanner's while it could be a carrier number; handed over in order."""
    keys = _at("1234567", 1000.0, [20.0, 20.0, 150.0, 150.0, 150.0, 150.0])
    bench = _bench_with_timer([*keys, (ENTER, keys[-1][1] + 400.0)])
    assert "".join(bench.page) == "1234567" + ENTER
    assert bench.scans == [] and bench.unreadable == []


def test_a_few_keys_rolled_off_fast_are_a_persons_and_so_is_the_enter_after_them() -> None:
    """Three letters 20 ms apart (a fast typist's roll), Enter 100 ms later: the word
    reaches the field after the usual hold, and the Enter is the person's."""
    keys = _at("the", 1000.0, 20.0)
    bench = _bench_with_timer([*keys, (ENTER, keys[-1][1] + 100.0)])
    assert bench.page == ["t", "h", "e", ENTER]
    assert bench.scans == [] and bench.unreadable == []
    held = BurstDetector()
    for text, t in keys:
        held.key(text, t)
    assert held.timeout(keys[-1][1] + 36).verdict is Verdict.FLUSH


def test_a_whole_code_of_ours_waits_a_second_for_its_terminator() -> None:
    """Every key at a scanner's pace, the Enter 700 ms late (its sender descheduled): one of
    our codes is still a scan; anything else goes to the page as typed after 300 ms and
    the late Enter is a person's."""
    bench = _bench_with_timer(_scan(RMA, end_gap=700.0))
    assert bench.scans == [RMA] and bench.page == []
    bench = _bench_with_timer(_scan("SKU-RED-10", end_gap=700.0))
    assert bench.scans == [] and bench.page == [*"SKU-RED-10", ENTER]
