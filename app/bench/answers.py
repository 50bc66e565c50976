"""Answers: those given (anywhere) to this bench's requests, and a supervisor's answer
given at this bench, with the final labels they print."""

from __future__ import annotations

from app.bench.results import Answered, AnswersArrived
from app.bench.scan import Scanning
from app.bench.screen import ERROR, OK, WARN, Screen
from app.domain.enums import ApprovalStatus
from app.domain.money import format_money
from app.errors import ReturnBenchError


class Answering(Scanning):
    def check_answers(self) -> Screen | None:
        """Answers given (anywhere) to requests made at this bench since the last look:
        the newest in a sentence, and their final labels printed here now. None when
        there is nothing new (or the database is away: the status bar says so)."""
        if self._answers_since is None:
            self._answers_since = self._s.clock_now()
        try:
            answers = self._s.approvals.answered_for_station(self._answers_since)
        except ReturnBenchError:
            return None
        fresh = [a for a in answers if a.id not in self._answers_seen]
        if not fresh:
            return None
        # Next time read from the newest answer on (the seen ids cover answers given in
        # the same instant), not everything since sign-in again.
        self._answers_since = max(a.answered_at or self._answers_since for a in fresh)
        self._answers_seen = {a.id for a in answers if a.answered_at is not None
                              and a.answered_at >= self._answers_since}
        try:
            printed = self._s.printing.send_waiting()
        except ReturnBenchError:
            printed = 0
        for answer in fresh:  # the answered dresses now have their place: their totes
            self._totes_after_answer(answer.rma_number, answer.unit_no)
        latest = fresh[-1]
        approved = latest.status is ApprovalStatus.APPROVED
        units = f" item {latest.unit_no}" if latest.unit_no else ""
        note = f" Note: {latest.note}" if latest.note else ""
        more = f" (+{len(fresh) - 1} more answers)" if len(fresh) > 1 else ""
        return Screen(
            OK if approved else WARN,
            f"Request #{latest.id} {latest.status.value} by {latest.answered_by}: "
            f"{latest.rma_number}{units}, {latest.kind.value.replace('_', ' ')} "
            f"{format_money(latest.amount)}.{note}{more}"
            + (f" {printed} final label{'s' if printed != 1 else ''} printed: it replaces "
               "the hold-shelf tag." if printed else ""),
            "good" if approved else "bad", result=AnswersArrived(tuple(a.id for a in fresh)))

    def answer(self, approval_id: int, username: str, pin: str, approve: bool,
               note: str = "", alternative: str | None = None) -> Screen:
        try:
            view = self._s.approvals.answer_with_pin(approval_id, username, pin, approve,
                                                     note, alternative)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        try:
            jobs = self._s.printing.queue_answer_labels(approval_id, view.station,
                                                        self._who())
        except ReturnBenchError as exc:
            jobs, problem = [], f" {self._say(exc)}"
        else:
            problem = ""
        sent = sum(1 for j in jobs if j.went_out)
        return Screen(OK if view.status.value == "approved" else WARN,
                      f"#{view.id} {view.status.value} by {view.answered_by}."
                      + (f" {sent} final label{'s' if sent != 1 else ''} printed at "
                         f"{view.station}." if sent else "") + problem,
                      "good", result=Answered(view))
