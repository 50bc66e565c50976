"""An outbound lot's manifest (PDF, letter) and its CSV for the buyer, the charity or the
vendor: every dress with its plate, SKU, description, grade, MSRP and cost, and totals.
A donation's manifest names donor and charity and gives each dress's fair-value estimate
(its outlet price). The lot's code prints as Code128 so the pallet's paper scans."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import escape

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.domain.money import format_money
from app.files import spreadsheet_safe
from app.views import KIND_WORDS, PARTY_WORDS, LotManifest

CSV_COLUMNS = ("lot", "tote", "plate", "rma", "sku", "description", "size", "grade",
               "msrp", "cost", "fair_value")


def _money(value: object) -> str:
    return format_money(value) if value is not None else "-"  # type: ignore[arg-type]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'es' if word.endswith('s') else 's'}" if n != 1 else f"1 {word}"


def render_lot_manifest(m: LotManifest, printed_at: dt.datetime) -> bytes:
    lot = m.lot
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    buffer = io.BytesIO()
    donation = lot.kind == "donation"
    title = "Donation manifest" if donation else \
        f"{KIND_WORDS[lot.kind].capitalize()} lot manifest"
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=0.5 * inch,
                            rightMargin=0.5 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.6 * inch, title=f"{title} {lot.code}",
                            author="ReturnBench", invariant=1)
    party = PARTY_WORDS[lot.kind].capitalize()
    facts = [f"<b>Lot</b> {lot.code}", f"<b>{party}</b> {escape(lot.party or '(open)')}",
             f"<b>Closed</b> {lot.closed_at.date().isoformat() if lot.closed_at else '-'}"
             f" by {escape(lot.closed_by or '-')}"]
    if donation:
        facts.insert(1, f"<b>Donor</b> {escape(m.donor)}")
    elif lot.price is not None:
        facts.append(f"<b>Price</b> {format_money(lot.price)}")
    story: list[object] = [
        Paragraph(title, styles["Title"]),
        Paragraph(" · ".join(facts), styles["BodyText"]),
        Spacer(1, 6),
        createBarcodeDrawing("Code128", value=lot.code, barWidth=1.2, barHeight=40,
                             humanReadable=True),
        Spacer(1, 8),
    ]
    head = ["Plate", "Tote", "SKU", "Description", "Size", "Grade"]
    head += ["Fair value"] if donation else ["MSRP", "Cost"]
    rows: list[list[object]] = [list(head)]
    for ln in m.lines:
        it = ln.item
        row: list[object] = [it.plate, it.tote or "-", Paragraph(escape(it.sku), small),
                             Paragraph(escape(it.description), small), it.size, it.grade]
        row += [format_money(ln.fair_value)] if donation else \
            [format_money(it.msrp), _money(it.cost)]
        rows.append(row)
    total = ["Total", _count(len(lot.totes), "tote"), _count(len(m.lines), "dress"), "", "",
             ""]
    total += [format_money(m.fair_value_total)] if donation else \
        [format_money(m.msrp_total), format_money(m.cost_total) if m.costed else "-"]
    rows.append(list(total))
    widths = [1.25, 0.95, 1.35, 2.0, 0.45, 0.5] + ([1.0] if donation else [0.75, 0.75])
    table = Table(rows, colWidths=[w * inch for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    story.append(Spacer(1, 8))
    if donation:
        note = (f"Fair-value estimate: each dress's outlet price. Donated by "
                f"{escape(m.donor)} to {escape(lot.party or '-')}; no goods or services "
                "were received in exchange.")
    else:
        missing = len(m.lines) - m.costed
        costed = "" if not missing else \
            f" ({_count(missing, 'dress')} without a catalogue cost)"
        note = (f"MSRP {format_money(m.msrp_total)}, cost {format_money(m.cost_total)}"
                f"{costed}; refunded to customers {format_money(m.refunded_total)}.")
    story.append(Paragraph(note, styles["BodyText"]))
    story.append(Paragraph(f"Printed {printed_at.isoformat(timespec='minutes')} by "
                           "ReturnBench.", small))
    doc.build(story)
    return buffer.getvalue()


def lot_csv(m: LotManifest) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for ln in m.lines:
        it = ln.item
        writer.writerow([spreadsheet_safe(cell) for cell in (
            m.lot.code, it.tote or "", it.plate, it.rma, it.sku, it.description, it.size,
            it.grade, f"{it.msrp:.2f}", f"{it.cost:.2f}" if it.cost is not None else "",
            f"{ln.fair_value:.2f}")])
    return out.getvalue().encode("utf-8")
