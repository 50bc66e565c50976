"""Handing decided refunds, credits and exchanges to the shop's back office, each once.

A run claims the decisions not yet exported (one committed transaction: a decision's
primary key in `exported_decisions` makes a second claim impossible, also for two desks
exporting at once), then writes one JSON file per decision and one CSV for the batch into
the outbox folder, each written to a temporary name, flushed to disk and renamed, and
then marks the batch written. A batch whose files could not be written (disk full, outbox
unwritable) has the failure recorded in its own transaction ("export.failed" in the audit
log), so the very next run writes it again under the same names; a batch with no recorded
failure is left to its own run for RECOVER_AFTER (that run may still be writing it), then
written again too. The back office sees each file once, whole. Every JSON carries
`idempotency_key` for the shop's side. Export records changed by hand (a settlement with
no exported-decision row, or the reverse) stop the run with the rows named."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import ApprovalKind, ApprovalStatus, DecisionStatus, Resolution
from app.errors import DatabaseUnavailable, EnvironmentFault, ReturnBenchError
from app.files import spreadsheet_safe
from app.lifecycle import Op
from app.permissions import Action, require
from app.services.auth import SignedInUser, require_current
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from models import (
    AppMeta,
    Approval,
    AuditEvent,
    Customer,
    Decision,
    ExportBatch,
    ExportedDecision,
    Order,
    OrderLine,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
    Settlement,
    User,
)

log = logging.getLogger(__name__)
SETTLED = (Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.REPAIR_CREDIT,
           Resolution.ALTERATION_CREDIT, Resolution.EXCHANGE, Resolution.REPLACEMENT)
# Final and not yet settled (the lifecycle's `decided`): never while waiting.
READY = (DecisionStatus.DECIDED,)
CLAIM_LOCK = "export_claim"
RECOVER_AFTER = dt.timedelta(minutes=2)  # a claimed batch unwritten this long: its run died
FAILED = "export.failed"  # the audit action that records a batch its run could not write
CSV_COLUMNS = ("decision_id", "idempotency_key", "kind", "reverses", "rma", "order",
               "customer_email", "unit_no",
               "sku", "resolution", "refund", "restocking_fee", "credit", "exchange_size",
               "refund_due_on", "decided_at", "decided_by")


class ExportStateBroken(ReturnBenchError):
    """The export's own records disagree (changed outside the app): nothing is exported
    until someone has looked, so nothing can be paid twice."""


@dataclass(frozen=True)
class Unsent:
    """A claimed batch whose files are not in the outbox yet, and why."""

    batch: int
    decisions: int
    claimed_at: dt.datetime
    why: str

    def words(self) -> str:
        return f"batch {self.batch} ({_count(self.decisions)}, {self.why})"


@dataclass(frozen=True)
class ExportReport:
    batches: tuple[int, ...]
    decisions: int
    files: tuple[Path, ...]
    recovered: tuple[Unsent, ...] = ()  # batches an earlier run left unsent, written now
    in_flight: tuple[Unsent, ...] = ()  # claimed moments ago by a run that may be writing

    @property
    def rewritten(self) -> int:
        return len(self.recovered)

    def summary(self) -> str:
        waiting = "".join(
            f" Batch {u.batch} ({_count(u.decisions)}) is still unsent: {u.why}."
            for u in self.in_flight)
        if not self.decisions and not self.recovered:
            return ("Nothing new to export: every decided refund and exchange is out."
                    if not waiting else f"Nothing new to export.{waiting}")
        again = "; written again: " + "; ".join(u.words() for u in self.recovered) \
            if self.recovered else ""
        return (f"Exported {_count(self.decisions)} in batch "
                f"{', '.join(map(str, self.batches))}{again}.{waiting}")


def _count(decisions: int) -> str:
    return f"{decisions} decision{'s' if decisions != 1 else ''}"


class ExportService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 station: str) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station

    def export(self, outbox: Path, user: SignedInUser) -> ExportReport:
        """Decided refunds and exchanges to the outbox, each once, by `user` (named in
        the batch and its audit entries)."""
        require(user.role, Action.EXPORT_SETTLEMENTS)
        try:
            outbox.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EnvironmentFault(f"Cannot create the outbox {outbox}: {exc.strerror}.") \
                from exc
        unfinished, in_flight = self._unsent(user)
        files: list[Path] = []
        recovered = []
        for old in unfinished:
            written = self._write_or_record(old, outbox, user)
            if written:  # else another run wrote it a moment ago
                files += written
                recovered.append(old)
        batch_id, count = self._claim(user)
        if batch_id is not None:
            files += self._write_or_record(
                Unsent(batch_id, count, self._clock.now(), "claimed now"), outbox, user)
        batches = tuple(u.batch for u in recovered) + (
            (batch_id,) if batch_id is not None else ())
        return ExportReport(batches, count, tuple(files), tuple(recovered),
                            tuple(in_flight))

    # --- steps -----------------------------------------------------------------------
    def _candidates(self, s: Session) -> tuple[list[int], list[int]]:
        """Decisions to settle (final, not yet out) and decisions to reverse (settled,
        then superseded by an approved exception). A unit set aside for a blind QA
        re-grade waits for it (issue 19): the re-grade may change its money."""
        exported = select(ExportedDecision.decision_id)
        qa_waiting = select(QaSample.return_item_id).where(QaSample.status == "waiting")
        # An RMA decides as one: while a manager has not answered the refund that takes
        # it over the limit, none of its refunds not yet out goes out either.
        over_limit = select(Approval.rma_id).where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.kind == ApprovalKind.REFUND_OVER_THRESHOLD)
        settle = list(s.scalars(
            select(Decision.id).join(ReturnItem, Decision.return_item_id == ReturnItem.id)
            .where(Decision.superseded.is_(False), Decision.resolution.in_(SETTLED),
                   ReturnItem.decision_status.in_(READY), Decision.id.not_in(exported),
                   ReturnItem.id.not_in(qa_waiting), ReturnItem.rma_id.not_in(over_limit))
            .order_by(Decision.id)))
        reversed_ = select(Settlement.decision_id).where(Settlement.kind == "reversal")
        reverse = list(s.scalars(
            select(Settlement.decision_id).join(Decision, Settlement.decision_id == Decision.id)
            .where(Settlement.kind == "settlement", Decision.superseded.is_(True),
                   Settlement.decision_id.not_in(reversed_))
            .order_by(Settlement.decision_id)))
        return settle, reverse

    def _unsent(self, user: SignedInUser) -> tuple[list[Unsent], list[Unsent]]:
        """Batches claimed and not written: (to write now, to leave to their own run).
        A batch whose run recorded a failure, or claimed a while ago (its run died), is
        written now; one claimed a moment ago with no failure recorded may be being
        written by its run right now. `user` is checked as on file first: a deactivated
        or demoted user's old session writes no batch, old or new."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.EXPORT_SETTLEMENTS)
            rows = s.execute(select(ExportBatch.id, ExportBatch.decisions,
                                    ExportBatch.created_at, ExportBatch.user)
                             .where(ExportBatch.written_at.is_(None))
                             .order_by(ExportBatch.id)).all()
            failures: dict[str, str] = {}
            if rows:
                for entity_id, payload in s.execute(
                        select(AuditEvent.entity_id, AuditEvent.payload).where(
                            AuditEvent.action == FAILED, AuditEvent.entity == "export_batch",
                            AuditEvent.entity_id.in_([str(r.id) for r in rows]))
                        .order_by(AuditEvent.seq)):
                    failures[str(entity_id)] = str((payload or {}).get("reason", ""))
        now_due, alive = [], []
        for batch_id, decisions, claimed_at, who in rows:
            failed = failures.get(str(batch_id))
            if failed is not None:
                now_due.append(Unsent(batch_id, decisions, claimed_at,
                                      f"its run could not write it: {failed.rstrip('.')}"))
            elif claimed_at < now - RECOVER_AFTER:
                now_due.append(Unsent(batch_id, decisions, claimed_at,
                                      "its run stopped before writing it"))
            else:
                seconds = max(0, int((now - claimed_at).total_seconds()))
                alive.append(Unsent(
                    batch_id, decisions, claimed_at,
                    f"claimed {seconds} s ago by {who or 'another run'}, whose run may "
                    "still be writing it; if that run stopped, an export "
                    f"{int(RECOVER_AFTER.total_seconds() // 60)} minutes after the claim "
                    "writes it"))
        return now_due, alive

    def _write_or_record(self, batch: Unsent, outbox: Path, user: SignedInUser
                         ) -> list[Path]:
        """The batch's files; when they cannot be written, the failure is recorded on
        the batch in its own transaction (so the next run writes it at once) and the
        message says which batch is unsent and why."""
        try:
            return self._write(batch.batch, outbox)
        except DatabaseUnavailable:
            raise  # not the outbox: the batch is left as claimed (RECOVER_AFTER)
        except EnvironmentFault as exc:
            self._record_failure(batch.batch, exc.message, user)
            raise EnvironmentFault(
                f"Batch {batch.batch} ({_count(batch.decisions)}) is still unsent: "
                f"{exc.message.rstrip('.')}. Nothing is lost: once the outbox {outbox} "
                "can be written again, export again; the next export writes this batch "
                "first.") from exc

    def _record_failure(self, batch_id: int, reason: str, user: SignedInUser) -> None:
        try:
            with UnitOfWork(self._sf) as uow:
                audit.append(uow.session, at=self._clock.now(), action=FAILED,
                             actor=user.username, station=self._station,
                             entity="export_batch", entity_id=batch_id,
                             payload={"reason": reason})
                uow.commit()
        except ReturnBenchError:  # the database is away too: RECOVER_AFTER still holds
            log.warning("could not record that batch %s failed", batch_id, exc_info=True)

    @retrying
    def _claim(self, user: SignedInUser) -> tuple[int | None, int]:
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.EXPORT_SETTLEMENTS)
            # One claim at a time: a second desk waits here, then finds nothing left.
            lock = s.execute(select(AppMeta).where(AppMeta.key == CLAIM_LOCK)
                             .with_for_update()).scalar_one_or_none()
            broken = _broken_records(s)
            if broken:
                raise ExportStateBroken(
                    "The export's records were changed outside the app: "
                    f"{'; '.join(broken)}. Nothing was exported, so nothing is paid "
                    "twice: restore those rows from a backup (or ask your supervisor), "
                    "and run `main.py audit verify`.")
            settle, reverse = self._candidates(s)
            if not settle and not reverse:
                return None, 0
            if lock is not None:
                lock.value = str(int(lock.value) + 1)
            count = len(settle) + len(reverse)
            batch = ExportBatch(created_at=now, decisions=count, csv_name="",
                                user=user.username)
            s.add(batch)
            s.flush()
            batch.csv_name = f"settlements-{batch.id:06d}.csv"
            # Reversals first: the shop takes back the first payment before the new one.
            for decision_id in reverse:
                first = s.scalars(select(Settlement).where(
                    Settlement.decision_id == decision_id,
                    Settlement.kind == "settlement")).one()
                reversal = Settlement(batch_id=batch.id, decision_id=decision_id,
                                      kind="reversal", unit_key=first.unit_key,
                                      revision=first.revision,
                                      idempotency_key=f"{first.idempotency_key}-reversal")
                s.add(reversal)
                s.flush()
                # Reversed: the unit key may be settled again (one live settlement each).
                first.reversed_by_id = reversal.id
                reversed_decision = s.get(Decision, decision_id)
                assert reversed_decision is not None
                move(s, Op.REVERSE, reversed_decision.item, actor=batch.user,
                     station=self._station, at=now,
                     payload={"batch": batch.id, "decision": decision_id,
                              "idempotency_key": reversal.idempotency_key})
            for decision_id in settle:
                decision = s.get(Decision, decision_id)
                assert decision is not None
                item = decision.item
                unit_key = (f"line{item.order_line_id}-unit{item.line_unit}"
                            if item.order_line_id is not None and item.line_unit is not None
                            else f"item{item.id}")
                revision = 1 + int(s.scalar(select(func.count()).select_from(Settlement)
                                            .where(Settlement.unit_key == unit_key,
                                                   Settlement.kind == "settlement")) or 0)
                s.add(ExportedDecision(decision_id=decision_id, batch_id=batch.id))
                s.add(Settlement(batch_id=batch.id, decision_id=decision_id,
                                 kind="settlement", unit_key=unit_key, revision=revision,
                                 idempotency_key=f"returnbench-{unit_key}-r{revision}"))
                move(s, Op.SETTLE, item, to=DecisionStatus.COMPLETED, actor=batch.user,
                     station=self._station, at=now,
                     payload={"batch": batch.id, "decision": decision_id,
                              "idempotency_key": f"returnbench-{unit_key}-r{revision}"})
                s.flush()
            ids = sorted(settle + reverse)
            audit.append(s, at=now, action="export.claimed", actor=batch.user,
                         station=self._station, entity="export_batch", entity_id=batch.id,
                         payload={"decisions": len(ids), "first": ids[0], "last": ids[-1]})
            uow.commit()
            return batch.id, count

    def _write(self, batch_id: int, outbox: Path) -> list[Path]:
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            # Lock the batch while its files are written (a row lock on PostgreSQL, the
            # write lock on SQLite); a batch another run has written meanwhile is skipped.
            mine = s.execute(update(ExportBatch).where(
                ExportBatch.id == batch_id, ExportBatch.written_at.is_(None))
                .values(decisions=ExportBatch.decisions))
            if not mine.rowcount:  # type: ignore[attr-defined]
                return []
            batch = s.get(ExportBatch, batch_id)
            assert batch is not None
            records = self._records(s, batch_id)
            paths = []
            for record in records:
                paths.append(_write_atomic(
                    outbox / (f"decision-{record['decision_id']:08d}"
                              + ("-reversal" if record["kind"] == "reversal" else "")
                              + ".json"),
                    json.dumps(record, indent=2, sort_keys=True).encode()))
            table = io.StringIO()
            # RFC 4180 line ends: a cell holding \r or \n is quoted, never split in two.
            writer = csv.DictWriter(table, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            for record in records:
                writer.writerow({k: spreadsheet_safe(record[k]) for k in CSV_COLUMNS})
            paths.append(_write_atomic(outbox / batch.csv_name, table.getvalue().encode()))
            # The audit chain's head as this batch leaves: an anchor outside the database
            # (`audit verify --anchors OUTBOX` checks the chain against it).
            seq, digest = audit.head(s)
            paths.append(_write_atomic(
                outbox / f"batch-{batch.id:06d}.json",
                json.dumps({"batch": batch.id, "csv": batch.csv_name,
                            "decisions": [r["decision_id"] for r in records],
                            "audit_head": {"seq": seq, "hash": digest}},
                           indent=2).encode()))
            batch.written_at = self._clock.now()
            audit.append(s, at=batch.written_at, action="export.written", actor=batch.user,
                         station=self._station, entity="export_batch", entity_id=batch.id,
                         payload={"files": len(paths), "csv": batch.csv_name})
            uow.commit()
            return paths

    @staticmethod
    def _records(s: Session, batch_id: int) -> list[dict[str, Any]]:
        rows = s.execute(
            select(Settlement, Decision, ReturnItem.unit_no, ReturnItem.exchange_size,
                   ReturnAuthorization.number, Order.number, Customer.email,
                   OrderLine.sku, User.username)
            .join(Decision, Settlement.decision_id == Decision.id)
            .join(ReturnItem, Decision.return_item_id == ReturnItem.id)
            .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
            .join(Order, ReturnAuthorization.order_id == Order.id)
            .join(Customer, Order.customer_id == Customer.id)
            .outerjoin(OrderLine, ReturnItem.order_line_id == OrderLine.id)
            .outerjoin(User, Decision.decided_by_id == User.id)
            .where(Settlement.batch_id == batch_id)
            .order_by(Settlement.kind.desc(), Settlement.id)).all()
        out = []
        for line, d, unit_no, size, rma, order, email, sku, who in rows:
            sign = Decimal(-1) if line.kind == "reversal" else Decimal(1)
            out.append({
                "decision_id": d.id, "idempotency_key": line.idempotency_key,
                "kind": line.kind, "unit_key": line.unit_key, "revision": line.revision,
                "reverses": line.idempotency_key.removesuffix("-reversal")
                if line.kind == "reversal" else None,
                "rma": rma, "order": order, "customer_email": email, "unit_no": unit_no,
                "sku": sku, "resolution": d.resolution.value,
                "refund": _amount(sign * d.refund),
                "restocking_fee": _amount(sign * d.restocking_fee),
                "credit": _amount(sign * d.credit),
                "currency": "USD",
                "exchange_size": size if d.resolution in (Resolution.EXCHANGE,
                                                          Resolution.REPLACEMENT) else None,
                "refund_due_on": d.refund_due_on.isoformat() if d.refund_due_on else None,
                "decided_at": d.decided_at.isoformat(), "decided_by": who,
                "policy": {"id": d.policy_id, "version": d.policy_version,
                           "sha256": d.policy_sha256},
                "batch": batch_id})
        return out


def _broken_records(s: Session, limit: int = 5) -> list[str]:
    """Every settlement is claimed with its exported-decision row in one transaction:
    a settlement without its row (or with another batch's), or a row without its
    settlement, was made or removed by hand. The first few, named."""
    out = []
    for settlement_id, decision_id, batch_id, other_batch in s.execute(
            select(Settlement.id, Settlement.decision_id, Settlement.batch_id,
                   ExportedDecision.batch_id)
            .outerjoin(ExportedDecision, ExportedDecision.decision_id == Settlement.decision_id)
            .where(Settlement.kind == "settlement",
                   (ExportedDecision.decision_id.is_(None))
                   | (ExportedDecision.batch_id != Settlement.batch_id))
            .order_by(Settlement.id).limit(limit)):
        out.append(f"decision #{decision_id} was settled (settlement #{settlement_id}, "
                   f"batch {batch_id}) but its exported_decisions row is "
                   + ("missing" if other_batch is None else f"in batch {other_batch}"))
    settled = select(Settlement.decision_id).where(Settlement.kind == "settlement")
    for decision_id, batch_id in s.execute(
            select(ExportedDecision.decision_id, ExportedDecision.batch_id)
            .where(ExportedDecision.decision_id.not_in(settled))
            .order_by(ExportedDecision.decision_id).limit(limit)):
        out.append(f"exported_decisions row of decision #{decision_id} (batch {batch_id}) "
                   "has no settlement")
    return out


def _amount(value: Decimal) -> str:
    return f"{value if value else abs(value):.2f}"  # never "-0.00"


def _write_atomic(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # a half-written temporary file helps nobody
            tmp.unlink(missing_ok=True)
        raise EnvironmentFault(f"Cannot write {path}: {exc.strerror}.") from exc
    return path
