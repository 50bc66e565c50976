"""The walk: the day's events scheduled over the 60 days and played in time order."""

from __future__ import annotations

import datetime as dt
import heapq
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.demo_history.bench import _BenchWork
from app.demo_history.core import (
    CLAIM_REASONS,
    DAMAGE_SHARE,
    EXPORT_AT,
    EXPORT_WEEKDAYS,
    LOTS_AT,
    PUT_AWAY_AT,
    QA_AT,
    HistorySummary,
    _Parcel,
    _Unit,
)
from app.domain.enums import ReturnReason
from app.policy.calendar import is_business_day
from app.services.uow import UnitOfWork
from models import ReturnAuthorization, ReturnItem


class _History(_BenchWork):
    """The whole history: its days scheduled, then played in time order."""

    # --- the walk ------------------------------------------------------------------
    def run(self) -> HistorySummary:
        parcels = self._parcels()
        for parcel in parcels:
            if parcel.arrives < self.today:
                self._schedule(self._work_time(max(parcel.arrives, self.first), 8.25, 15.0),
                               partial(self._receive, parcel))
        day, last = self.first, self.first
        while day < self.today:
            if is_business_day(day, self.holidays):
                self._schedule(self._at(day, dt.time(7, 55)), self._staff_day)
                if day.weekday() in EXPORT_WEEKDAYS:
                    self._schedule(self._at(day, EXPORT_AT), self._export)
                self._schedule(self._at(day, PUT_AWAY_AT),
                               partial(self._put_away, day.weekday() == 4))
                if day.weekday() == 3:
                    self._schedule(self._at(day, LOTS_AT), self._lot)
                self._schedule(self._at(day, QA_AT), self._qa_round)
                last = day
            day += dt.timedelta(days=1)
        # The last afternoon, this station starts on two parcels from the shelf and
        # leaves them half inspected: the morning's "pick up where you left off".
        self._schedule(self._at(last, dt.time(16, 40)), self._end_of_day)
        self._schedule(self._at(last, dt.time(15, 30)), self._calibration)
        start, told = self.clock.now(), -1
        total = (self.end - start).total_seconds() or 1.0
        while self.events and self.events[0].at < self.end:
            event = heapq.heappop(self.events)
            if event.at > self.clock.now():
                self.clock.advance(event.at - self.clock.now())
            event.run()
            done = int((self.clock.now() - start).total_seconds() * 100 / total)
            if self.progress is not None and done != told:  # each percent once
                self.progress(done, 100)
                told = done
        for bench in self.benches.values():
            bench.services.holds.release()
        return self.summary

    def _parcels(self) -> list[_Parcel]:
        """The returns on their way, with the day each reaches the dock."""
        with UnitOfWork(self.sf) as uow:
            rmas = uow.session.scalars(
                select(ReturnAuthorization).where(
                    ReturnAuthorization.shipped_by_customer_on.is_not(None))
                .options(selectinload(ReturnAuthorization.items)
                         .selectinload(ReturnItem.order_line),
                         selectinload(ReturnAuthorization.order))
                .order_by(ReturnAuthorization.id)).all()
            out = []
            for rma in rmas:
                assert rma.shipped_by_customer_on is not None
                arrives = rma.shipped_by_customer_on + dt.timedelta(
                    days=self.rng.randint(2, 5))
                units = tuple(_Unit(it.unit_no, it.reason,
                                    it.order_line.description.split(", ")[1]
                                    if it.order_line is not None else "",
                                    it.requested.value)
                              for it in sorted(rma.items, key=lambda i: i.unit_no))
                out.append(_Parcel(rma.number, rma.tracking_number, rma.order.number,
                                   arrives, units))
            self.damaged = self._damaged([p for p in out if p.arrives < self.today])
            return out

    def _damaged(self, arriving: list[_Parcel]) -> set[tuple[str, int]]:
        """Which claimed dresses really are damaged: DAMAGE_SHARE of the units arriving,
        taken in turn from each (reason, request) kind, each kind's in arrival order
        spread over the weeks."""
        kinds: dict[tuple[ReturnReason, str], list[tuple[str, int]]] = {}
        for parcel in sorted(arriving, key=lambda p: (p.arrives, p.number)):
            for unit in parcel.units:
                if unit.reason in CLAIM_REASONS:
                    kinds.setdefault((unit.reason, unit.requested), []).append(
                        (parcel.number, unit.unit_no))
        want = max(3, int(DAMAGE_SHARE * sum(len(p.units) for p in arriving)))
        queues = [v[self.rng.randrange(len(v))::3] or v for _k, v in sorted(kinds.items())]
        out: set[tuple[str, int]] = set()
        while len(out) < want and any(queues):
            for queue in queues:
                if queue and len(out) < want:
                    out.add(queue.pop(0))
        return out
