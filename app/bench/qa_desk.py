"""Grading QA at a bench: the blind re-grade of a sampled dress and the calibration
rounds, as a `QaDesk` the QA page renders."""

from __future__ import annotations

from collections.abc import Callable

from app.bench.results import (
    CardShown,
    GradeChosen,
    NeedsTheServer,
    ReferenceKept,
    ReferenceOffered,
    Regraded,
    RoundDone,
    SamplePicked,
)
from app.bench.screen import ERROR, OK, WARN, Screen, refusal
from app.errors import DatabaseUnavailable, ReturnBenchError, SignedOut
from app.permissions import Action, allowed
from app.services.auth import SignedInUser
from app.services.calibration import CalibrationCard, CalibrationService
from app.services.printing import PrintService
from app.services.qa import BlindItem, QaService

GRADE_BY_KEY = {"1": "A", "2": "B", "3": "C", "4": "D", "5": "X"}


class QaDesk:
    """Grading QA at a bench (issue 19): a supervisor scans a dress from the QA rack and
    re-grades it blind (grade key, then Enter records it and prints the dress's own
    labels); anyone who grades can take a calibration round over the reference dresses.
    The page only shows what this says and forwards keys and scans."""

    def __init__(self, qa: QaService, calibration: CalibrationService,
                 printing: PrintService, user: SignedInUser) -> None:
        self._qa, self._cal, self._printing = qa, calibration, printing
        self.user = user
        self.picked: BlindItem | None = None
        self.round_id: int | None = None
        self.card: CalibrationCard | None = None
        self.chosen: str | None = None  # the grade pressed, waiting for Enter
        self.reference: str | None = None  # a manager's scanned dress, for the set
        # Told when the user turns out deactivated or given another role (the window
        # goes to sign-in); see BenchSession._say.
        self.on_signed_out: Callable[[str], None] | None = None

    def _say(self, exc: BaseException) -> str:
        if isinstance(exc, SignedOut) and self.on_signed_out is not None:
            self.on_signed_out(exc.message)
        return refusal(exc)[1]

    @property
    def can_regrade(self) -> bool:
        return allowed(self.user.role, Action.REGRADE)

    def queue(self) -> list[BlindItem]:
        return self._qa.queue(self.user) if self.can_regrade else []

    def waiting(self) -> tuple[int, int]:
        """(dresses waiting for this user's re-grade, of which overdue)."""
        return self._qa.waiting(self.user) if self.can_regrade else (0, 0)

    @property
    def keeps_references(self) -> bool:
        return allowed(self.user.role, Action.MANAGE_CALIBRATION)

    def references(self) -> int:
        """How many reference dresses the calibration set holds (for managers)."""
        if not self.keeps_references:
            return 0
        return sum(1 for r in self._cal.items(self.user) if r.active)

    # --- the re-grade ---------------------------------------------------------------
    def scan(self, code: str) -> Screen:
        """A dress's plate (or its RMA number) picks its sample from the queue."""
        text = code.strip().upper()
        if not self.can_regrade:
            return Screen(ERROR, "Re-grading QA samples is for supervisors and managers.",
                          "bad")
        try:
            queue = self._qa.queue(self.user)
        except DatabaseUnavailable:
            return Screen(WARN, "OFFLINE: blind re-grades need the server; the dress "
                          "stays on the QA rack until the bench is back online.", "bad",
                          result=NeedsTheServer())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        found = next((b for b in queue if text in (b.plate.upper(), b.rma.upper())), None)
        if found is None and self.keeps_references and text.startswith("IT-"):
            self.reference, self.picked, self.card, self.chosen = text, None, None, None
            return Screen(WARN, f"{text} is not waiting for a re-grade. To keep it in the "
                          "calibration set as a reference dress: press its agreed grade "
                          "(1 A, 2 B, 3 C, 4 D, 5 X), then Enter. Del: leave it.",
                          result=ReferenceOffered(text))
        if found is None:
            return Screen(ERROR, f"{code.strip()} is not waiting for a re-grade by you (not "
                          "sampled, re-graded already, or your own inspection). Scan a "
                          "dress from the QA rack.", "bad")
        return self.pick(found)

    def pick(self, item: BlindItem) -> Screen:
        self.picked, self.card, self.chosen, self.reference = item, None, None, None
        return Screen(OK, f"{item.rma} item {item.unit_no} picked up. Grade it (1 A, 2 B, "
                      "3 C, 4 D, 5 X), then Enter.",
                      result=SamplePicked(item.sample_id))

    def press(self, key: str) -> Screen:
        """A grade key: chosen, not yet recorded (Enter records it)."""
        grade = GRADE_BY_KEY.get(key, key.upper())
        if grade not in GRADE_BY_KEY.values():
            return Screen(ERROR, "Grades are 1 A, 2 B, 3 C, 4 D, 5 X.", "bad")
        if self.picked is None and self.card is None and self.reference is None:
            return Screen(ERROR, "Scan a dress from the QA rack first (or Ctrl+K for a "
                          "calibration round).", "bad")
        self.chosen = grade
        return Screen(OK, f"Grade {grade}: Enter records it, another key changes it.",
                      result=GradeChosen(grade))

    def enter(self) -> Screen:
        if self.chosen is None:
            return Screen(ERROR, "Press the grade first (1 A, 2 B, 3 C, 4 D, 5 X).", "bad")
        if self.card is not None:
            return self._answer_card(self.chosen)
        if self.reference is not None:
            return self._keep_reference(self.reference, self.chosen)
        if self.picked is None:
            return Screen(ERROR, "Scan a dress from the QA rack first.", "bad")
        picked, grade = self.picked, self.chosen
        try:
            done = self._qa.regrade(picked.sample_id, grade, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.picked, self.chosen = None, None
        printed = []
        for kind in done.labels:
            try:
                job = self._printing.print_label(done.rma, done.unit_no, kind, self.user,
                                                 request_key=f"qa-{done.sample_id}/{kind}")
                printed.append(f"{kind.capitalize()} label "
                               + ("printed." if job.went_out
                                  else f"not printed: {job.message}"))
            except ReturnBenchError as exc:
                printed.append(f"{kind} label not printed: {self._say(exc)}")
        level = OK if done.agreed or done.effect == "none" else WARN
        return Screen(level, f"{done.rma} item {done.unit_no}: {done.message} "
                      "Put its new label on and take it where the label says.",
                      "good", printed=tuple(printed),
                      result=Regraded(done.sample_id, done.effect))

    def _keep_reference(self, plate: str, grade: str) -> Screen:
        try:
            ref = self._cal.add_plate(plate, grade, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.reference, self.chosen = None, None
        return Screen(OK, f"{ref.rma} item {ref.unit_no} is a reference dress now, agreed "
                      f"grade {ref.agreed_grade} ({ref.photos} photos). The calibration set "
                      f"holds {self.references()}.", "good", result=ReferenceKept(ref.id))

    # --- a calibration round --------------------------------------------------------
    def calibration(self) -> Screen:
        """Resume this person's unfinished round, or start one."""
        try:
            self.round_id = self._cal.open_round(self.user) or \
                self._cal.start_round(self.user)
            self.card = self._cal.card(self.round_id, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.picked, self.chosen = None, None
        return self._card_screen()

    def _card_screen(self) -> Screen:
        card = self.card
        if card is None:
            return self._finished()
        return Screen(OK, f"Calibration: reference dress {card.position} of {card.total}. "
                      "Grade it from the photos (1 A, 2 B, 3 C, 4 D, 5 X), then Enter.",
                      result=CardShown(card.item_id))

    def _answer_card(self, grade: str) -> Screen:
        assert self.card is not None and self.round_id is not None
        try:
            self._cal.answer(self.round_id, self.card.item_id, grade, self.user)
            self.card = self._cal.card(self.round_id, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.chosen = None
        return self._card_screen()

    def _finished(self) -> Screen:
        assert self.round_id is not None
        score = self._cal.score(self.round_id, self.user)
        self.round_id = None
        return Screen(OK, f"Calibration round done. {score.words()}", "good",
                      result=RoundDone(score))

    def leave(self) -> Screen:
        """Del: put down the picked dress or the round (a round resumes with Ctrl+K)."""
        self.picked, self.card, self.chosen, self.round_id = None, None, None, None
        self.reference = None
        return Screen(OK, "Scan a dress from the QA rack, or Ctrl+K for a calibration "
                      "round.")
