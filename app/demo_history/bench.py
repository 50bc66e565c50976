"""The bench's work: a parcel received, opened, graded, photographed and decided."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from typing import Any

from app.demo_history.core import (
    CLAIM_REASONS,
    EXCEPTION_REASONS,
    GRADES_NO_DAMAGE_FOUND,
    GRADES_ORDINARY,
    MARKS,
    HistoryFailed,
    _Bench,
    _Parcel,
    _Unit,
)
from app.demo_history.desks import _Desks
from app.demo_history.photos import _Photos
from app.demo_history.stock import _Stock
from app.domain.enums import DamageCause, DamageSeverity, Grade, Resolution, ReturnReason


class _BenchWork(_Desks, _Stock, _Photos):
    """A parcel at the bench, from its scan to its decision."""

    def _receive(self, parcel: _Parcel) -> None:
        bench = self._bench_for()
        roll = self.rng.random()
        code = (parcel.tracking if roll < 0.7 and parcel.tracking else
                parcel.number if roll < 0.95 else parcel.order)
        self._expect(bench.session.scan(code), f"Receiving {parcel.number}")
        self.summary.received += 1
        now = self.clock.now()
        left = self._business_days_before_end(now)
        if 4 <= left <= 7 and self.rng.random() < 0.07:
            return  # forgotten on the shelf: past its inspection due date this morning
        if left == 0 and now.astimezone(self.tz).hour >= 13:
            self.shelf.append(parcel)  # the afternoon's parcels wait for the morning
            return
        if self.rng.random() < 0.7:
            self._inspect(parcel, bench)
        else:  # later that day, or the next morning
            self._schedule(self._later(now, self.rng.uniform(30, 420)),
                           partial(self._inspect, parcel, bench))

    def _inspect(self, parcel: _Parcel, bench: _Bench, half_done: bool = False) -> None:
        """Open the parcel, grade each item (photos for the damaged), Enter; or, at the
        end of the last day (`half_done`), grade and leave it for the morning."""
        session = bench.session
        view = session.parcel if session.parcel is not None \
            and session.parcel.rma_number == parcel.number \
            else bench.services.receiving.current_view(parcel.number)  # just scanned: as is
        self._expect(session.open_inspection(view), f"Opening {parcel.number}")
        todo = [u for u in parcel.units if u.unit_no in session.forms]
        if not todo:
            return
        for unit in todo:
            form = self._form(unit, (parcel.number, unit.unit_no) in self.damaged)
            if half_done:
                form = {k: v for k, v in form.items() if k in ("grade", "tags_attached")}
            # The form as the inspector leaves it, saved as its draft (the window's
            # preview after each key is for the eyes: nobody reads it here).
            session.forms[unit.unit_no] = replace(session.forms[unit.unit_no], **form)
            self._expect(session.save_draft(unit.unit_no), f"Grading {parcel.number}")
            if not half_done:
                self._photos(parcel, unit, bench)
            self.clock.advance(dt.timedelta(seconds=self.rng.randint(40, 150)))
        if half_done:
            self.summary.drafts_left += len(todo)
            return
        self.keys += 1
        screen = self._expect(session.accept(request_key=f"demo-{self.keys:06d}"),
                              f"Deciding {parcel.number}")
        if not screen.data.get("saved"):
            raise HistoryFailed(f"Deciding {parcel.number}: {screen.message}")
        self.summary.decided += len(screen.data["units"])
        self._into_totes(bench)
        self.summary.labels += sum(1 for line in screen.printed if "printed" in line)
        for approval in screen.data["approvals"]:
            self._plan_answer(int(approval))
        for unit_no, resolution in screen.data["units"].items():
            if int(unit_no) in screen.data["waiting"]:
                continue  # this dress waits for its answer first
            if resolution == Resolution.RETURN_TO_CUSTOMER.value and self.rng.random() < 0.5:
                self._ask_exception(parcel, bench, int(unit_no),
                                    self.rng.choice((Resolution.REFUND,
                                                     Resolution.STORE_CREDIT)),
                                    self.rng.choice(EXCEPTION_REASONS))
            elif resolution == Resolution.EXCHANGE.value and self.rng.random() < 0.12:
                self._ask_exception(parcel, bench, int(unit_no), Resolution.ALTERATION_CREDIT,
                                    "Customer prefers to have it tailored: alteration "
                                    "credit instead of the exchange")
        self._plan_claims(parcel, screen)

    def _end_of_day(self) -> None:
        home = self.benches[self.home]
        for parcel in self.shelf[:2]:
            self._inspect(parcel, home, half_done=True)

    def _form(self, unit: _Unit, damaged: bool) -> dict[str, Any]:
        rng = self.rng
        claimed = unit.reason in CLAIM_REASONS
        if damaged:
            severity = rng.choices((DamageSeverity.MINOR, DamageSeverity.MODERATE,
                                    DamageSeverity.SEVERE), weights=(45, 40, 15))[0]
            cause = (DamageCause.SHIPPING if unit.reason is ReturnReason.SHIPPING_DAMAGE
                     else DamageCause.MANUFACTURING)
            grade = Grade.D if severity is DamageSeverity.SEVERE else Grade.C
            return {"grade": grade, "matches_order": True, "tags_attached": rng.random() < 0.6,
                    "damage_severity": severity, "damage_cause": cause,
                    "notes": "Stain on the skirt" if rng.random() < 0.5
                    else "Tear along the side seam"}
        table = GRADES_NO_DAMAGE_FOUND if claimed else GRADES_ORDINARY
        grade = rng.choices([g for g, _ in table], weights=[w for _, w in table])[0]
        form: dict[str, Any] = {"grade": grade}
        if grade is Grade.A:
            form.update(tags_attached=True, matches_order=True,
                        damage_severity=DamageSeverity.NONE)
        elif grade is Grade.B:
            form.update(tags_attached=rng.random() < 0.5, matches_order=True,
                        damage_severity=DamageSeverity.NONE)
        elif grade in (Grade.C, Grade.D):
            form.update(worn=True, matches_order=True, damage_severity=DamageSeverity.NONE,
                        altered=grade is Grade.D and rng.random() < 0.5,
                        marks=frozenset(rng.sample(MARKS, rng.randint(1, 2))))
        else:
            form.update(matches_order=False, notes="Not the dress on the order")
        return form

    def _ask_exception(self, parcel: _Parcel, bench: _Bench, unit_no: int,
                       outcome: Resolution, reason: str) -> None:
        screen = self._expect(bench.session.request_exception(unit_no, reason, outcome.value),
                              f"Exception on {parcel.number}")
        self.summary.exceptions += 1
        self._plan_answer(int(screen.data["approval"]))
