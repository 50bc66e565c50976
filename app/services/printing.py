"""Printing labels through a queue kept in the database: a job is stored before it is
sent, so a printer that is off loses nothing; queued jobs are retried; any job can be
printed again from the history."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import DecisionStatus, LabelKind, PrintJobStatus, Resolution
from app.errors import BadInput, NotFound
from app.permissions import Action, require
from app.policy.calendar import hours_later_local_date
from app.policy.rules import Policy, load_policy
from app.printing.bins import place_for
from app.printing.labels import LabelData, build
from app.printing.layout import Layout
from app.printing.printers import Printer, PrinterUnavailable, printer_from_setting
from app.printing.render import render_pdf, render_pdf_pages, render_zpl, render_zpl_pages
from app.scanning.codes import item_plate
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma, rma_unit, station_row
from app.services.labels_plan import labels_for
from app.services.outcomes import current_decision, qa_waiting
from app.services.print_jobs import LABEL_WORDS, _title_words
from app.services.print_jobs import JobView as JobView  # re-exported: the pages' view
from app.services.print_jobs import PrinterState as PrinterState
from app.services.print_jobs import PrintOutcome as PrintOutcome
from app.services.print_jobs import SendLater as SendLater
from app.services.uow import UnitOfWork, retrying
from models import (
    Approval,
    AuditEvent,
    CompletedRequest,
    Inspection,
    PrintJob,
    Product,
    ReturnAuthorization,
    Station,
)

KIND_OF = {"item": LabelKind.ITEM, "tag": LabelKind.ITEM, "exchange": LabelKind.EXCHANGE,
           "return": LabelKind.RETURN, "hold": LabelKind.ITEM}


class PrintService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 default_printer: str,
                 printer_factory: Callable[[str], Printer] = printer_from_setting,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self._default_printer = default_printer
        self._printer_factory = printer_factory
        self._load_policy = policy_loader
        # On an offline bench's local copy: labels say PROVISIONAL (checked at sync).
        self.provisional = False
        # Where a stored job is sent from: here and now (the command line, replay,
        # tests), or, in the window, handed to `send_later` (its background runner, one
        # job at a time in order), so a bench never waits on a printer that is off.
        self.send_later: SendLater | None = None

    # --- what goes on a label ----------------------------------------------------
    def label_data(self, rma_number: str, unit_no: int) -> LabelData:
        with UnitOfWork(self._sf) as uow:
            return self._label_data(uow.session, rma_number, unit_no)

    def _label_data(self, s: Session, rma_number: str, unit_no: int) -> LabelData:
        rma = load_rma(s, rma_number)
        item = rma_unit(rma, unit_no)
        line = item.order_line
        if line is None:
            raise BadInput(f"Item {unit_no} of {rma.number} is an extra item with no "
                           "order line: hold it; it gets no item label.")
        product = s.get(Product, line.product_id, options=[joinedload(Product.style)]) \
            if line.product_id else None
        inspection = s.scalars(select(Inspection).where(
            Inspection.return_item_id == item.id, Inspection.is_draft.is_(False))
            .order_by(Inspection.id.desc()).limit(1)).first()
        decision = current_decision(s, item)
        exchange_sku, exchange_size = None, item.exchange_size
        if item.exchange_size and product is not None:
            exchange_sku = line.sku.rsplit("-", 1)[0] + f"-{item.exchange_size}"
        elif decision is not None and decision.resolution is Resolution.REPLACEMENT \
                and product is not None:  # the same dress again, in its own size
            exchange_sku, exchange_size = line.sku, product.size
        ship_by = None
        if decision is not None and decision.exchange_ship_due_on:
            ship_by = decision.exchange_ship_due_on.isoformat()
        elif item.received_at is not None and item.exchange_size:
            policy = self._load_policy(rma.order.brand.value)
            ship_by = hours_later_local_date(item.received_at, policy.exchange_ship_hours,
                                             policy.timezone).isoformat()
        style = product.style.name if product is not None else line.description
        final_hold = (decision is not None and decision.resolution is Resolution.HOLD
                      and item.decision_status is DecisionStatus.DECIDED)
        # Set aside for a blind re-grade: the item label and tag show no grade or outcome.
        qa = qa_waiting(s, item.id)
        return LabelData(
            plate=item_plate(rma.id, item.unit_no), rma_number=rma.number,
            order_number=rma.order.number, customer=rma.order.customer.name,
            sku=line.sku, style=style, colour=product.colour if product else "",
            size=product.size if product else "",
            grade=inspection.grade.value if inspection and inspection.grade else None,
            disposition=decision.disposition.value if decision else None,
            resolution=decision.resolution.value if decision else None,
            reason=item.reason.value, exchange_size=exchange_size,
            exchange_sku=exchange_sku, ship_by=ship_by,
            printed_on=self._clock.now().date().isoformat(),
            approval_id=decision.approval_id if decision else None,
            unit_no=item.unit_no,
            place="QA" if qa else place_for(
                rma.order.brand.value, "quarantine" if final_hold
                else decision.disposition.value if decision else None),
            bin_override="QA" if qa else "QUARANTINE" if final_hold else None, qa=qa,
            provisional=self.provisional)

    def render(self, rma_number: str, unit_no: int, kind: str, fmt: str,
               dpi: int = 203) -> bytes:
        if fmt not in ("pdf", "zpl"):
            raise BadInput(f"Label format {fmt!r}: choose pdf or zpl.")
        return self._render(kind, self.label_data(rma_number, unit_no), fmt, dpi)

    @staticmethod
    def _render(kind: str, data: LabelData, fmt: str, dpi: int = 203) -> bytes:
        layout = build(kind, data, dpi)
        return render_pdf(layout, f"{kind} label {data.rma_number}/{data.unit_no}") \
            if fmt == "pdf" else render_zpl(layout)

    def render_for(self, user: SignedInUser, rma_number: str, unit_no: int, kind: str,
                   fmt: str, dpi: int = 203) -> bytes:
        """A label written to a file by someone (the command line): allowed, and
        recorded in the audit log with who, which label and its hash."""
        import hashlib

        require(user.role, Action.PRINT_LABELS)
        data = self.render(rma_number, unit_no, kind, fmt, dpi)
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, user, Action.PRINT_LABELS)
            audit.append(uow.session, at=self._clock.now(), action="label.written",
                         actor=user.username, station=self._station, entity="rma",
                         entity_id=rma_number,
                         payload={"unit": unit_no, "kind": kind, "format": fmt, "dpi": dpi,
                                  "sha256": hashlib.sha256(data).hexdigest()})
            uow.commit()
        return data

    # --- the queue ---------------------------------------------------------------
    def printer_spec(self) -> str:
        with UnitOfWork(self._sf) as uow:
            spec = self._printer_spec(uow.session)
            uow.commit()
            return spec

    def _printer_spec(self, s: Session) -> str:
        """This station's printer setting, inside the caller's transaction."""
        return station_row(s, self._station).printer or self._default_printer

    def set_printer(self, spec: str, user: SignedInUser) -> str:
        require(user.role, Action.CHANGE_SETTINGS)
        printer = self._printer_factory(spec)  # refuses a malformed setting
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, user, Action.CHANGE_SETTINGS)
            station = station_row(uow.session, self._station)
            before, station.printer = station.printer, spec
            station.printer_backend = spec.partition(":")[0]
            audit.append(uow.session, at=self._clock.now(), action="setting.printer",
                         actor=user.username, station=self._station, entity="station",
                         entity_id=self._station, payload={"from": before, "to": spec})
            uow.commit()
        return printer.name

    def print_label(self, rma_number: str, unit_no: int, kind: str,
                    user: SignedInUser, request_key: str | None = None) -> PrintOutcome:
        """Store the job, then send it. With a `request_key`, a second call (a retry after
        the connection dropped) finds the job stored the first time and does not queue
        the label again."""
        require(user.role, Action.PRINT_LABELS)
        if self.send_later is not None:  # read, laid out, stored and sent off this thread
            self.send_later(lambda: self._print_label(rma_number, unit_no, kind, user,
                                                      request_key))
            return PrintOutcome(0, PrintJobStatus.QUEUED, "Label going to the printer.",
                                pending=True)
        return self._print_label(rma_number, unit_no, kind, user, request_key)

    def _print_label(self, rma_number: str, unit_no: int, kind: str, user: SignedInUser,
                     request_key: str | None) -> PrintOutcome:
        with UnitOfWork(self._sf) as uow:  # the printer and the label's words, in one read
            spec = self._printer_spec(uow.session)
            data = self._label_data(uow.session, rma_number, unit_no)
            uow.commit()
        printer = self._printer_factory(spec)
        payload = self._render(kind, data, printer.format)
        title = f"{kind}-{rma_number}-{unit_no}"
        return self._queue_and_send(KIND_OF[kind], printer, payload, title, user,
                                    request_key)

    def print_layout(self, kind: LabelKind, pages_at: Callable[[int], Sequence[Layout]],
                     title: str, user: SignedInUser, request_key: str | None = None
                     ) -> PrintOutcome:
        """Labels that are no return's (a batch of tote plates, a tote's manifest): laid
        out at the printer's resolution, queued and sent as one job like any label."""
        require(user.role, Action.PRINT_LABELS)
        if self.send_later is not None:
            self.send_later(lambda: self._print_layout(kind, pages_at, title, user,
                                                       request_key))
            return PrintOutcome(0, PrintJobStatus.QUEUED, f"{title} going to the printer.",
                                pending=True)
        return self._print_layout(kind, pages_at, title, user, request_key)

    def _print_layout(self, kind: LabelKind, pages_at: Callable[[int], Sequence[Layout]],
                      title: str, user: SignedInUser, request_key: str | None
                      ) -> PrintOutcome:
        printer = self._printer_factory(self.printer_spec())
        pages = pages_at(203)
        payload = render_pdf_pages(pages, title) if printer.format == "pdf" \
            else render_zpl_pages(pages)
        return self._queue_and_send(kind, printer, payload, title, user, request_key)

    def queue_answer_labels(self, approval_id: int, station: str,
                            user: SignedInUser) -> list[PrintOutcome]:
        """The final labels of the units an answered request covers, queued for the bench
        that asked (sent at once when that is this bench; otherwise that bench's queue
        sends them within its retry interval). Idempotent per approval, unit and kind,
        so the answering desk and the asking bench may both call it."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            approval = s.get(Approval, approval_id)
            if approval is None:
                raise NotFound(f"No approval request #{approval_id}.")
            rma = s.get(ReturnAuthorization, approval.rma_id)
            assert rma is not None
            items = [it for it in rma.items
                     if approval.return_item_id in (None, it.id)]
            plan = []
            for it in items:
                d = current_decision(s, it)
                touched = d is not None and any(
                    isinstance(t, dict) and t.get("approval") == approval_id
                    for t in d.trace)
                if d is None or not touched or it.order_line_id is None:
                    continue
                plan += [(it.unit_no, k) for k in labels_for(
                    it.decision_status, d.resolution, it.exchange_size,
                    qa_waiting(s, it.id))]
            number = rma.number
            target = s.scalars(select(Station).where(Station.name == station)).one_or_none()
            spec = (target.printer if target is not None and target.printer
                    else self._default_printer)
            keys = {f"approval-{approval_id}/{u}/{k}": (u, k) for u, k in plan}
            queued = {d.key: int(d.result["job"]) for d in s.scalars(
                select(CompletedRequest).where(CompletedRequest.key.in_(keys)))} \
                if keys else {}
        printer = self._printer_factory(spec)
        out = []
        for key, (unit_no, kind) in keys.items():
            if key in queued:  # the other side of the answer queued it already
                job_id, fresh, payload = queued[key], False, b""
            else:
                payload = self.render(number, unit_no, kind, printer.format)
                job_id, fresh = self._queue(KIND_OF[kind], printer, payload,
                                            f"{kind}-{number}-{unit_no}", user, key,
                                            station=station)
            if station == self._station and fresh:
                out.append(self._dispatch(job_id, printer, f"{kind}-{number}-{unit_no}",
                                          user.username, payload))
                continue
            with UnitOfWork(self._sf) as uow:
                job = uow.session.get(PrintJob, job_id)
                status = job.status if job is not None else PrintJobStatus.QUEUED
            out.append(PrintOutcome(job_id, status, f"{kind} label for item {unit_no} "
                                    + ("printed." if status is PrintJobStatus.SENT
                                       else f"queued for {station}.")))
        return out

    def reprint(self, job_id: int, user: SignedInUser) -> PrintOutcome:
        require(user.role, Action.PRINT_LABELS)
        with UnitOfWork(self._sf) as uow:
            job = uow.session.get(PrintJob, job_id)
            if job is None:
                raise NotFound(f"No print job #{job_id}.")
            kind, payload, fmt = job.kind, job.payload, job.format
        printer = self._printer_factory(self.printer_spec())
        if printer.format != fmt:
            raise BadInput(f"Job #{job_id} is {fmt.upper()} but {printer.name} takes "
                           f"{printer.format.upper()}: print the label again instead.")
        return self._queue_and_send(kind, printer, payload, f"reprint-{job_id}", user)

    def send_waiting(self) -> int:
        """`retry_queued` now, or handed to `send_later` (then 0: none sent yet)."""
        if self.send_later is None:
            return self.retry_queued()
        self.send_later(self.retry_queued)
        return 0

    def retry_queued(self) -> int:
        """Send this station's waiting jobs, oldest first; stop at the first failure (the
        printer is still off). Returns how many went out."""
        with UnitOfWork(self._sf) as uow:
            station = station_row(uow.session, self._station)
            waiting = uow.session.scalars(select(PrintJob.id).where(
                PrintJob.station_id == station.id,
                PrintJob.status.in_([PrintJobStatus.QUEUED, PrintJobStatus.FAILED]))
                .order_by(PrintJob.id)).all()
            uow.commit()
        if not waiting:
            return 0
        printer = self._printer_factory(self.printer_spec())
        sent = 0
        for job_id in waiting:
            if self._send(job_id, printer, None, None).status is not PrintJobStatus.SENT:
                break
            sent += 1
        return sent

    def state(self) -> PrinterState:
        """This station's printer for the status bar: its name, the jobs waiting, and
        whether the last attempt failed (then it is offline until a job goes out)."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            station = station_row(s, self._station)
            spec = station.printer or self._default_printer
            waiting = int(s.scalar(select(func.count()).select_from(PrintJob).where(
                PrintJob.station_id == station.id,
                PrintJob.status.in_([PrintJobStatus.QUEUED, PrintJobStatus.FAILED]))) or 0)
            last = s.scalars(select(PrintJob).where(
                PrintJob.station_id == station.id, PrintJob.attempts > 0)
                .order_by(PrintJob.id.desc()).limit(1)).first()
            uow.commit()
            offline = last is not None and last.status is PrintJobStatus.FAILED
            return PrinterState(spec, waiting, offline,
                                last.last_error if offline and last is not None else None)

    def history(self, limit: int = 30) -> list[JobView]:
        with UnitOfWork(self._sf) as uow:
            station = station_row(uow.session, self._station)
            jobs = uow.session.scalars(select(PrintJob).where(
                PrintJob.station_id == station.id).order_by(PrintJob.id.desc())
                .limit(limit)).all()
            # What each job was (kind, RMA, item) is in its queued entry of the audit log.
            titles = {e.entity_id: str(e.payload.get("title", "")) for e in
                      uow.session.scalars(select(AuditEvent).where(
                          AuditEvent.action == "print.queued",
                          AuditEvent.entity == "print_job",
                          AuditEvent.entity_id.in_([str(j.id) for j in jobs])))}
            uow.commit()
            out = []
            for j in jobs:
                title = titles.get(str(j.id), "")
                word = title.partition("-")[0]
                out.append(JobView(j.id, j.kind, j.format, j.printer, j.status, j.attempts,
                                   j.last_error, j.created_at, j.sent_at, _title_words(title),
                                   LABEL_WORDS.get(word, j.kind.value.replace("_", " "))))
            return out

    def _queue_and_send(self, kind: LabelKind, printer: Printer, payload: bytes, title: str,
                        user: SignedInUser, request_key: str | None = None) -> PrintOutcome:
        job_id, fresh = self._queue(kind, printer, payload, title, user, request_key)
        if not fresh:
            with UnitOfWork(self._sf) as uow:
                job = uow.session.get(PrintJob, job_id)
                assert job is not None
                if job.status is PrintJobStatus.SENT:
                    return PrintOutcome(job_id, job.status, f"Label sent to {job.printer}.")
            return self._dispatch(job_id, printer, title, user.username)
        return self._dispatch(job_id, printer, title, user.username, payload)

    def _dispatch(self, job_id: int, printer: Printer, title: str | None,
                  actor: str | None, payload: bytes | None = None) -> PrintOutcome:
        """Send a stored job now, or hand it to `send_later`."""
        if self.send_later is None:
            return self._send(job_id, printer, title, actor, payload)
        self.send_later(lambda: self._send_unless_sent(job_id, printer, title, actor, payload))
        return PrintOutcome(job_id, PrintJobStatus.QUEUED, f"Label going to {printer.name}.",
                            pending=True)

    def _send_unless_sent(self, job_id: int, printer: Printer, title: str | None,
                          actor: str | None, payload: bytes | None) -> PrintOutcome:
        """A job handed on a while ago: a retry of the waiting queue may have sent it
        meanwhile (never print a label twice for that)."""
        with UnitOfWork(self._sf) as uow:
            job = uow.session.get(PrintJob, job_id)
            if job is not None and job.status is PrintJobStatus.SENT:
                return PrintOutcome(job_id, job.status, f"Label sent to {job.printer}.")
        return self._send(job_id, printer, title, actor, payload)

    @retrying
    def _queue(self, kind: LabelKind, printer: Printer, payload: bytes, title: str,
               user: SignedInUser, request_key: str | None,
               station: str | None = None) -> tuple[int, bool]:
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.PRINT_LABELS)
            if request_key is not None and (done := s.get(CompletedRequest, request_key)):
                return int(done.result["job"]), False
            job = PrintJob(kind=kind, format=printer.format, payload=payload,
                           printer=printer.name, status=PrintJobStatus.QUEUED, attempts=0,
                           station_id=self._station_id(s) if station in (None, self._station)
                           else station_row(s, station).id,
                           created_at=now)
            s.add(job)
            s.flush()
            audit.append(s, at=now, action="print.queued", actor=user.username,
                         station=self._station, entity="print_job", entity_id=job.id,
                         payload={"title": title, "printer": printer.name,
                                  "format": printer.format, "bytes": len(payload)})
            if request_key is not None:
                s.add(CompletedRequest(key=request_key, kind="print.queue", at=now,
                                       result={"job": job.id}))
            uow.commit()
            return job.id, True

    def _send(self, job_id: int, printer: Printer, title: str | None,
              actor: str | None, payload: bytes | None = None) -> PrintOutcome:
        """Send a stored job (its `payload` is read from it unless the caller has just
        stored it). A job is sent at most once per call; if the database goes away after
        the printer took it, the job stays queued and may print twice; a duplicate label
        is the lesser harm than a lost one."""
        if payload is None:
            with UnitOfWork(self._sf) as uow:
                job = uow.session.get(PrintJob, job_id)
                assert job is not None
                payload = job.payload
        try:
            reference = printer.send(payload, title or f"job-{job_id}")
            error = None
        except PrinterUnavailable as exc:
            reference, error = None, exc.message
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            job = uow.session.get(PrintJob, job_id)
            assert job is not None
            job.attempts += 1
            if error is None:
                job.status, job.sent_at, job.last_error = PrintJobStatus.SENT, now, None
                message = f"Label sent to {printer.name}."
            else:
                job.status, job.last_error = PrintJobStatus.FAILED, error
                message = error
            # Sending is the queuing user's job going out: the caller names them; a retry
            # of the waiting queue (`actor` None) finds them in the job's queued entry.
            if actor is None:
                actor = uow.session.scalar(select(AuditEvent.actor).where(
                    AuditEvent.action == "print.queued", AuditEvent.entity == "print_job",
                    AuditEvent.entity_id == str(job_id)).limit(1))
            audit.append(uow.session, at=now, action=f"print.{job.status.value}",
                         actor=actor, station=self._station, entity="print_job",
                         entity_id=job_id, payload={"printer": printer.name,
                                                    "reference": reference, "error": error})
            uow.commit()
            return PrintOutcome(job_id, job.status, message)
