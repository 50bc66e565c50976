"""The returns KPI report as a PDF: the same figures and charts as the Reports screen, for
a date range, drawn with ReportLab (bar charts from reportlab.graphics)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.domain.money import format_money
from app.views import Kpis

BAR = colors.HexColor("#0b57d0")


def bar_chart(title: str, data: list[tuple[str, float]], width: float = 6.8 * inch,
              value_format: str = "{:.0f}") -> Drawing:
    """A horizontal bar chart, one bar per (label, value), values printed at the bars."""
    rows = max(1, len(data))
    height = 30 + rows * 18
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, title, fontName="Helvetica-Bold", fontSize=10))
    chart = HorizontalBarChart()
    chart.x, chart.y = 1.7 * inch, 6
    chart.width, chart.height = width - 1.7 * inch - 50, height - 28
    values = [v for _label, v in data] or [0]
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed([label for label, _v in data])) or [""]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(max(values) * 1.15, 1)
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BAR
    chart.barLabelFormat = value_format.format  # ReportLab calls it with the value
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def letter_document(buffer: io.BytesIO, title: str
                    ) -> tuple[SimpleDocTemplate, Any, ParagraphStyle]:
    """A US Letter report with the reports' margins: (document, styles, body style)."""
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12)
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=0.6 * inch,
                            rightMargin=0.6 * inch, topMargin=0.6 * inch,
                            bottomMargin=0.6 * inch, title=title, author="ReturnBench")
    return doc, styles, body


def render_kpi_report(k: Kpis, printed_at: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    doc, styles, body = letter_document(buffer, "ReturnBench returns report")
    last = k.end - dt.timedelta(days=1)
    median = k.turnaround_median
    p90 = k.turnaround_p90
    summary = [
        ["Units received", str(sum(k.by_reason.values())),
         "Inspections completed", str(k.inspected)],
        ["Damage rate", f"{k.damage_rate:.1%}", "Backlog (undecided)",
         str(sum(k.backlog.values()))],
        ["Refunds due", f"{k.refunds_due} ({format_money(k.refunds_due_amount)})",
         "Refunds overdue", f"{k.refunds_overdue} ({format_money(k.refunds_overdue_amount)})"],
        ["Approval requests", str(sum(k.requests.values())), "Answer time median / p90",
         f"{median:.0f} / {p90:.0f} min" if median is not None and p90 is not None
         else "none answered"],
    ]
    table = Table(summary, colWidths=[1.6 * inch, 1.8 * inch, 1.8 * inch, 1.8 * inch])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (1, 0), (1, -1), "Helvetica-Bold", 10),
        ("FONT", (3, 0), (3, -1), "Helvetica-Bold", 10),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f8")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef2f8")),
    ]))
    story: list[object] = [
        Paragraph("Returns report", styles["Title"]),
        Paragraph(f"{k.start:%b %d, %Y} to {last:%b %d, %Y} (days in {k.tz}); backlog and "
                  f"refunds as of {k.today:%b %d, %Y}. Printed "
                  f"{printed_at:%Y-%m-%d %H:%M %Z}.", body),
        Spacer(1, 8), table, Spacer(1, 12),
        bar_chart("Returns by reason (units received)", list(k.by_reason.items())),
        Spacer(1, 8),
        bar_chart("Grades (inspections completed)", list(k.grades.items())),
        Spacer(1, 8),
        bar_chart("Inspection backlog against the 3-business-day SLA",
                  list(k.backlog.items())),
        Spacer(1, 8),
    ]
    top = [s for s in k.styles if s.sold > 0][:12]
    story.append(KeepTogether([bar_chart(
        "Return rate by style (units returned / sold, top 12)",
        [(f"{s.style} ({s.returned}/{s.sold})", 100 * s.rate) for s in top],
        value_format="{:.0f}%")]))
    story.append(Spacer(1, 8))
    story.append(KeepTogether([bar_chart(
        "Throughput (units decided per active hour)",
        [(f"{t.inspector} ({t.units})", t.per_hour) for t in k.throughput],
        value_format="{:.1f}")]))
    story.append(Spacer(1, 8))
    rows = [["Requests by kind", "Count"]] + [[kind.replace("_", " "), str(n)]
                                              for kind, n in k.requests.items()]
    rows += [["Policy exceptions " + status, str(n)] for status, n in k.exceptions.items()]
    rows += [["Unexpected returns " + status.replace("_", " "), str(n)]
             for status, n in k.unexpected.items()]
    approvals = Table(rows, colWidths=[3 * inch, 1 * inch])
    approvals.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                                   ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                                   ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story.append(KeepTogether([Paragraph("Approvals and exceptions", styles["Heading3"]),
                               approvals]))
    doc.build(story)
    return buffer.getvalue()
