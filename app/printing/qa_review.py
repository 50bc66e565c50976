"""The weekly grading review as a PDF (issue 19): agreement and Cohen's kappa (quadratic
weights over A-D, X apart) overall and per inspector with their intervals, the trend by
week, the confusion matrix, every disagreement with the money it moved, what still
waits, and the calibration rounds. Drawn with ReportLab like the KPI report."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.domain.agreement import Agreement
from app.domain.money import format_money
from app.printing.kpi_report import bar_chart, letter_document
from app.views import QaReview

GRADES = ("A", "B", "C", "D", "X")
HEAD = colors.HexColor("#eef2f8")


def _rate(a: Agreement) -> str:
    if a.rate is None:
        return "-"
    ci = f" ({a.rate_ci[0]:.0%}-{a.rate_ci[1]:.0%})" if a.rate_ci else ""
    return f"{a.rate:.0%}{ci}"


def _kappa(a: Agreement) -> str:
    if a.kappa is None:
        return "undefined"
    ci = f" ({a.kappa_ci[0]:.2f} to {a.kappa_ci[1]:.2f})" if a.kappa_ci else ""
    return f"{a.kappa:.2f}{ci}"


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=[w * inch for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render_qa_review(r: QaReview, printed_at: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    doc, styles, body = letter_document(buffer, "ReturnBench grading review")
    last = r.end - dt.timedelta(days=1)
    o = r.overall
    summary = _table([
        ["Re-grades", "Alike", "Agreement (95% CI)", "Kappa, quadratic (95% CI)",
         "X apart", "Money moved"],
        [str(o.pairs), str(o.agreed), _rate(o), _kappa(o), f"{o.x_agreed} of {o.x_pairs}",
         format_money(r.money_moved)]], [0.8, 0.7, 1.4, 1.8, 0.8, 1.1])
    story: list[object] = [
        Paragraph("Grading QA: weekly review", styles["Title"]),
        Paragraph(f"Blind re-grades made {r.start:%b %d, %Y} to {last:%b %d, %Y}. Waiting "
                  f"for a re-grade now: {r.waiting} ({r.overdue} overdue). Printed "
                  f"{printed_at:%Y-%m-%d %H:%M %Z}. Kappa uses quadratic weights over the "
                  "ordered grades A-D; grade X (not ours / not what was ordered) is "
                  "counted apart. Money moved: what the second grade would pay minus the "
                  "first, in absolute value.", body),
        Spacer(1, 8), summary, Spacer(1, 12)]
    per = [["Inspector", "Re-grades", "Alike", "Agreement (95% CI)",
            "Kappa (95% CI)", "X apart"]]
    per += [[name, str(a.pairs), str(a.agreed), _rate(a), _kappa(a),
             f"{a.x_agreed} of {a.x_pairs}"] for name, a in r.inspectors.items()]
    story += [KeepTogether([Paragraph("By inspector", styles["Heading3"]),
                            _table(per, [1.6, 0.8, 0.6, 1.4, 1.7, 0.8])]), Spacer(1, 8)]
    if r.inspectors:
        story += [bar_chart("Agreement by inspector (%)",
                            [(f"{n} ({a.pairs})", 100 * (a.rate or 0.0))
                             for n, a in r.inspectors.items()], value_format="{:.0f}%"),
                  Spacer(1, 8)]
    weeks = [["Week of", "Re-grades", "Alike", "Agreement", "Kappa"]]
    weeks += [[f"{monday:%b %d}", str(a.pairs), str(a.agreed),
               f"{a.rate:.0%}" if a.rate is not None else "-",
               f"{a.kappa:.2f}" if a.kappa is not None else "undefined"]
              for monday, a in r.weeks]
    story += [KeepTogether([Paragraph("Trend by week", styles["Heading3"]),
                            _table(weeks, [1.2, 0.9, 0.7, 1.0, 1.0])]), Spacer(1, 8)]
    matrix = [["First \\ second", *GRADES]]
    matrix += [[g, *[str(o.confusion.get((g, h), 0) or "") for h in GRADES]]
               for g in GRADES]
    confusion = _table(matrix, [1.2] + [0.6] * len(GRADES))
    confusion.setStyle(TableStyle([("BACKGROUND", (1 + i, 1 + i), (1 + i, 1 + i),
                                    colors.HexColor("#e3f1e3")) for i in range(5)]
                                  + [("ALIGN", (1, 1), (-1, -1), "CENTER")]))
    story += [KeepTogether([Paragraph("Confusion matrix (first grade by re-grade)",
                                      styles["Heading3"]), confusion]), Spacer(1, 8)]
    diff = [["When", "Dress", "Inspector", "Re-graded by", "Grades", "Now", "Money",
             "Effect"]]
    diff += [[f"{d.at.astimezone():%b %d}", f"{d.rma} / {d.unit_no}", d.inspector, d.regraded_by,
              f"{d.first_grade} → {d.second_grade}", d.outcome_after.replace("_", " "),
              format_money(d.money_delta), d.effect] for d in r.disagreements]
    story += [Paragraph(f"Disagreements ({len(r.disagreements)})", styles["Heading3"]),
              _table(diff, [0.5, 1.45, 0.95, 0.95, 0.55, 1.0, 0.65, 1.05]), Spacer(1, 8)]
    if r.calibration:
        rounds = [["Who", "Finished", "Alike", "Agreement", "Kappa"]]
        rounds += [[who, f"{at:%b %d}", f"{a.agreed} of {a.pairs}", _rate(a), _kappa(a)]
                   for who, at, a in r.calibration]
        story += [KeepTogether([Paragraph("Calibration rounds", styles["Heading3"]),
                                _table(rounds, [1.6, 0.9, 0.8, 1.4, 1.6])])]
    doc.build(story)
    return buffer.getvalue()
