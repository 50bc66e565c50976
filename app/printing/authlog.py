"""The authorization log as a PDF: every policy exception and every refund over the
threshold in a date range, with who asked and who answered, the reason, the money, the
policy's trace and the audit-chain hashes that tie the paper to the database."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.domain.money import format_money
from app.views import HEAD_MARK, ApprovalView


@dataclass(frozen=True)
class AuthLogEntry:
    approval: ApprovalView
    audit_seq: int | None  # the audit entry of the answer (or of the request if pending)
    audit_hash: str | None
    thumbnails: tuple[Path, ...] = ()
    # What the answer changed, a line per unit; None: its audit entry does not say.
    changes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ParcelAnswer:
    """A supervisor's answer to a parcel that came with no return (linked to an order,
    or sent back), in words, with the audit entry of the answer."""

    number: str      # U-000042
    received: str    # "Dec 07 10:12 by Ines Moreno at BENCH-1, label 1Z…"
    in_box: str      # "Aurora gown, navy, size 8 (KP-1042-NVY-8), graded B: notes"
    answer: str      # "Linked to KP-01234 as RMA-2026-000321-5 by Sam Lee, Dec 07 11:02"
    audit_seq: int | None
    audit_hash: str | None


KINDS = {"policy_exception": "Policy exception", "hold": "Hold (is it ours?)",
         "qa_regrade": "QA re-grade"}


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


def render_authorization_log(entries: list[AuthLogEntry], start: dt.date, end: dt.date,
                             chain: ChainHead, printed_at: dt.datetime,
                             printed_by: str, parcels: tuple[ParcelAnswer, ...] = ()
                             ) -> bytes:
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=0.6 * inch,
                            rightMargin=0.6 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.7 * inch, title="ReturnBench authorization log",
                            # The chain's head, readable from the file itself (an anchor).
                            subject=f"{HEAD_MARK} {chain.seq}:{chain.hash}",
                            author="ReturnBench")
    story: list[object] = [
        Paragraph("Authorization log", styles["Title"]),
        Paragraph(f"Every request whose answer can change money or a unit's fate (policy "
                  f"exceptions, refunds over the approval threshold, holds, QA re-grades) "
                  f"made {start:%b %d, %Y} to {end:%b %d, %Y}: {len(entries)} "
                  f"entr{'y' if len(entries) == 1 else 'ies'}; and every parcel with no "
                  f"return a supervisor linked to an order or sent back: {len(parcels)}.",
                  body),
        Paragraph(f"Printed {printed_at:%Y-%m-%d %H:%M %Z} by {escape(printed_by)}. Audit "
                  f"chain at printing: entry {chain.seq}, hash <font face='Courier'>"
                  f"{chain.hash}</font>", small),
        Spacer(1, 10),
    ]
    if not entries and not parcels:
        story.append(Paragraph("Nothing to report in this range.", body))
    for entry in entries:
        story.append(KeepTogether(_entry(entry, body, small)))
        story.append(Spacer(1, 10))
    if parcels:
        story.append(Paragraph(f"Parcels with no return, answered by a supervisor: "
                               f"{len(parcels)}", styles["Heading3"]))
        for parcel in parcels:
            story.append(KeepTogether(_parcel(parcel, body, small)))
            story.append(Spacer(1, 8))

    def footer(canvas, document) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(0.6 * inch, 0.4 * inch,
                          f"ReturnBench authorization log {start} to {end} · chain entry "
                          f"{chain.seq} {chain.hash[:16]}…")
        canvas.drawRightString(LETTER[0] - 0.6 * inch, 0.4 * inch, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _parcel(p: ParcelAnswer, body: ParagraphStyle, small: ParagraphStyle) -> list[object]:
    rows = [
        ["Parcel", Paragraph(f"<b>{escape(p.number)}</b>, received {escape(p.received)}",
                             body)],
        ["In the box", Paragraph(escape(p.in_box), body)],
        ["Answer", Paragraph(f"<b>{escape(p.answer)}</b>", body)],
        ["Audit", _audit(p.audit_seq, p.audit_hash, small)],
    ]
    return [_boxed(rows)]


def _audit(seq: int | None, digest: str | None, small: ParagraphStyle) -> Paragraph:
    return Paragraph(f"entry {seq}, <font face='Courier'>{digest}</font>" if digest
                     else "not in the audit log", small)


def _boxed(rows: list[list[object]], heading: bool = False) -> Table:
    """An entry's rows in a box, names on the left (its first row shaded: `heading`)."""
    table = Table(rows, colWidths=[0.9 * inch, 6.3 * inch])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (0, -1), 8.5),
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *([("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))] if heading else []),
    ]))
    return table


def _thumbnails(paths: tuple[Path, ...]) -> Table:
    """The request's photos in a row, each about an inch wide."""
    cells = [Image(str(p), width=1.0 * inch, height=0.75 * inch, kind="proportional")
             for p in paths]
    row = Table([cells], colWidths=[1.05 * inch] * len(cells), hAlign="LEFT")
    row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return row


def _entry(entry: AuthLogEntry, body: ParagraphStyle, small: ParagraphStyle) -> list[object]:
    a = entry.approval
    kind = KINDS.get(a.kind.value, f"Refund over threshold ({a.level.value} approval)")
    status_colour = {"approved": "#137333", "denied": "#b3261e"}.get(a.status.value, "#8a5a00")
    unit = f", item {a.unit_no}" if a.unit_no else ""
    rows = [
        ["Request", Paragraph(f"<b>#{a.id} {escape(kind)}</b> — {escape(a.rma_number)}{unit}, "
                              f"order {escape(a.order_number)}, {escape(a.customer_name)}", body)],
        ["Amount", Paragraph(f"<b>{format_money(a.amount)}</b>"
                             + (f" · asked for: {escape(a.requested_outcome.replace('_', ' '))}"
                                if a.requested_outcome else ""), body)],
        ["Asked", Paragraph(f"{escape(a.requested_by)} at {escape(a.station)}, "
                            f"{a.requested_at:%Y-%m-%d %H:%M} UTC", body)],
        ["Reason", Paragraph(escape(a.reason), body)],
        ["Answer", Paragraph(
            f"<font color='{status_colour}'><b>{a.status.value.upper()}</b></font>"
            + (f" by {escape(a.answered_by)} at {a.answered_at:%Y-%m-%d %H:%M} UTC"
               if a.answered_by and a.answered_at else " — still waiting")
            + (f": “{escape(a.note)}”" if a.note else ""), body)],
        ["Changed", Paragraph(
            "<br/>".join(escape(line) for line in entry.changes) if entry.changes else
            ("nothing yet: still waiting" if a.answered_at is None else
             "not recorded (answered before the log kept what answers change)"), body)],
        ["Policy", Paragraph(escape(a.policy or "no decision on file") + "<br/>" + "<br/>".join(
            f"• {escape(reason)}" for _rule, reason in a.trace), small)],
        ["Photos", _thumbnails(entry.thumbnails) if entry.thumbnails else
         Paragraph(f"{a.photos} on file" if a.photos else "none on file", small)],
        ["Audit", _audit(entry.audit_seq, entry.audit_hash, small)],
    ]
    return [_boxed(rows, heading=True)]
