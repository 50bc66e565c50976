"""Reports and the back office (F5): the returns KPIs for a date range as figures and
charts, the PDF of them, importing Shopify orders and RMAs (with a progress bar), and the
settlement export to the shop's outbox.

Keys: Ctrl+Enter refresh, Ctrl+P the PDF, Ctrl+I import orders, Ctrl+Shift+I import RMAs,
Ctrl+E export settlements. Everything that reads or writes more than a screenful (the
figures, the PDFs, an import, the export) runs off the UI thread (ui/ops.py); the figures
come in two parts, the return rate by style (every order line of the range) apart."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench.desks import ReportsDesk
from app.bench.types import ExportReport, ImportReport, SignedInUser
from app.domain.money import format_money
from app.files import read_input
from app.permissions import Action, allowed
from app.views import AfterBench, Kpis, QaReview, StyleRate
from ui.banner import Banner, Level
from ui.charts import BarChart
from ui.documents import save_document
from ui.ops import BackgroundOp, Progress, ProgressBar

DEFAULT_DAYS = 30
STALE_DAYS = 14  # after the bench: a dress not moved for longer is flagged
AGREEMENT_ALERT = 80  # % of re-grades alike under which an inspector is shown in red
SHORT = {"restock": "restock", "prep_and_restock": "steam, restock", "refurbish": "refurbish",
         "liquidate": "liquidate", "return_to_customer": "to customer", "hold": "hold"}


# Short words for the approval kinds (a chart label has little room).
KIND_WORDS = {"refund_over_threshold": "refund over limit", "policy_exception": "exception",
              "hold": "hold", "qa_regrade": "QA re-grade"}


class ReportsPage(QWidget):
    refreshed = Signal()  # every figure of the range painted
    imported = Signal(object)  # ImportReport
    exported = Signal(object)  # ExportReport
    saved = Signal(object)  # the PDF's Path

    def __init__(self, reports: ReportsDesk, user: SignedInUser, documents: Path,
                 outbox: Path, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reports = reports
        self.review: QaReview | None = None
        self._user = user
        self._documents = documents
        self.outbox = outbox
        self.kpis: Kpis | None = None
        self.after: AfterBench | None = None
        self._op: BackgroundOp[Any] | None = None  # an import or the export
        self._reading: set[str] = set()  # the parts of a refresh still being read
        self._again = False  # asked to refresh while reading: once more after
        self._then: Callable[[], None] | None = None  # what waits for the figures (a PDF)
        self._styles: tuple[StyleRate, ...] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        title = QLabel("Reports and back office")
        title.setObjectName("headline")
        self.banner = Banner()
        heading = QHBoxLayout()  # the title, and the documents it prints beside it
        heading.addWidget(title)
        heading.addStretch(1)
        layout.addLayout(heading)
        layout.addWidget(self.banner)

        bar = QHBoxLayout()
        first = today - dt.timedelta(days=DEFAULT_DAYS)
        self.start = QDateEdit(QDate(first.year, first.month, first.day))
        self.end = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.refresh_button = QPushButton("Refresh  Ctrl+Enter")
        self.pdf_button = QPushButton("PDF  Ctrl+P")
        # Beside the title (below the charts it was off a 1366x768 screen).
        self.qa_pdf_button = QPushButton("Grading PDF  Ctrl+Shift+P")
        self.import_button = QPushButton("Import Shopify orders…  Ctrl+I")
        self.import_rmas_button = QPushButton("Import RMAs…  Ctrl+Shift+I")
        self.export_button = QPushButton("Export settlements  Ctrl+E")
        bar.addWidget(QLabel("From"))
        bar.addWidget(self.start)
        bar.addWidget(QLabel("to (including)"))
        bar.addWidget(self.end)
        office = QHBoxLayout()  # the back office's actions on a row of their own
        for row, b in ((bar, self.refresh_button), (heading, self.pdf_button),
                       (heading, self.qa_pdf_button), (office, self.import_button),
                       (office, self.import_rmas_button), (office, self.export_button)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(b)
        bar.addStretch(1)
        office.addStretch(1)
        layout.addLayout(bar)
        layout.addLayout(office)
        self.refresh_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.qa_pdf_button.clicked.connect(self.save_qa_pdf)
        self.import_button.clicked.connect(lambda: self.import_file("orders"))
        self.import_rmas_button.clicked.connect(lambda: self.import_file("rmas"))
        self.export_button.clicked.connect(self.export_settlements)

        self.progress = ProgressBar()
        layout.addWidget(self.progress)
        self.rejected = QListWidget()
        self.rejected.setObjectName("rejected")
        self.rejected.setMaximumHeight(90)
        self.rejected.hide()
        layout.addWidget(self.rejected)

        self.tiles = QLabel()
        self.tiles.setObjectName("tiles")
        self.tiles.setTextFormat(Qt.TextFormat.RichText)
        self.tiles.setWordWrap(True)
        layout.addWidget(self.tiles)
        # The figures in words first; the charts below them (the page scrolls to them).
        self.after_line = QLabel("")
        self.after_line.setObjectName("tiles")
        self.after_line.setTextFormat(Qt.TextFormat.RichText)
        self.after_line.setWordWrap(True)
        layout.addWidget(self.after_line)
        self.qa_line = QLabel("")
        self.qa_line.setObjectName("tiles")
        self.qa_line.setTextFormat(Qt.TextFormat.RichText)
        self.qa_line.setWordWrap(True)
        layout.addWidget(self.qa_line)
        grid = QGridLayout()
        self.reason_chart = BarChart("Returns by reason")
        self.grade_chart = BarChart("Grades")
        self.backlog_chart = BarChart("Backlog vs 3-day SLA")
        self.style_chart = BarChart("Return rate by style", lambda v: f"{v:.0f}%")
        self.throughput_chart = BarChart("Units per hour",
                                         lambda v: f"{v:.1f}")
        self.approval_chart = BarChart("Approval requests")
        # After the bench: where dresses wait, what has not moved, what they bring back.
        self.dwell_chart = BarChart("Dwell, median days", lambda v: f"{v:.1f}")
        self.stale_chart = BarChart(f"Not moved in {STALE_DAYS} days")
        self.recovery_chart = BarChart("Recovered vs refunded", lambda v: f"{v:.0f}%")
        # Grading QA: blind re-grades alike, per inspector; kappa by week.
        self.agreement_chart = BarChart("Re-grades alike, by inspector",
                                        lambda v: f"{v:.0f}%")
        self.kappa_chart = BarChart("Grading kappa by week", lambda v: f"{v / 100:.2f}")
        self.calibration_chart = BarChart("Calibration rounds alike", lambda v: f"{v:.0f}%")
        for n, chart in enumerate((self.reason_chart, self.grade_chart, self.backlog_chart,
                                   self.style_chart, self.throughput_chart,
                                   self.approval_chart, self.dwell_chart, self.stale_chart,
                                   self.recovery_chart, self.agreement_chart,
                                   self.kappa_chart, self.calibration_chart)):
            grid.addWidget(chart, n // 3, n % 3)
        for chart in (self.style_chart, self.throughput_chart):
            chart.setMinimumHeight(250)  # room for its eight rows; the page scrolls
        layout.addLayout(grid, 1)

        self.can_view = allowed(user.role, Action.VIEW_REPORTS)
        self.import_button.setVisible(allowed(user.role, Action.IMPORT_DATA))
        self.import_rmas_button.setVisible(allowed(user.role, Action.IMPORT_DATA))
        self.export_button.setVisible(allowed(user.role, Action.EXPORT_SETTLEMENTS))
        if not self.can_view:
            for w in (self.refresh_button, self.pdf_button, self.qa_pdf_button, self.start,
                      self.end):
                w.setEnabled(False)
            self.tiles.setText("Reports are for supervisors, managers and admins.")

    # --- the report ----------------------------------------------------------------
    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.can_view and self.kpis is None:
            self.refresh()
        self.setFocus()

    def range(self) -> tuple[dt.date, dt.date]:
        start = self.start.date().toPython()
        last = self.end.date().toPython()
        assert isinstance(start, dt.date) and isinstance(last, dt.date)
        return start, last + dt.timedelta(days=1)  # the end day is included

    def refresh(self) -> None:
        """Read the range's figures off the UI thread, in two parts at once (the return
        rate by style apart), each painted as it comes; `refreshed` once both are."""
        if not self.can_view:
            return
        if self._reading:
            self._again = True
            return
        start, end = self.range()
        reports = self._reports

        def figures() -> tuple[Kpis, AfterBench, QaReview | None]:
            return reports.figures(start, end, STALE_DAYS)

        self._reading = {"figures", "styles"}
        self._styles = None
        BackgroundOp(figures, self._figures_read, lambda exc: self._unread("figures", exc),
                     parent=self, shows=self.progress, label="Reading the figures…").start()
        BackgroundOp(lambda: reports.styles(start, end), self._styles_read,
                     lambda exc: self._unread("styles", exc), parent=self).start()

    def _figures_read(self, read: tuple[Kpis, AfterBench, QaReview | None]) -> None:
        kpis, self.after, self.review = read
        self.kpis = kpis if self._styles is None else \
            dataclasses.replace(kpis, styles=self._styles)
        self._show(self.kpis)
        self._show_after(self.after)
        if self.review is not None:
            self._show_review(self.review)
        self._part_done("figures")

    def _styles_read(self, styles: tuple[StyleRate, ...]) -> None:
        self._styles = styles
        if self.kpis is not None and "figures" not in self._reading:
            self.kpis = dataclasses.replace(self.kpis, styles=styles)
        self._show_styles(styles)
        self._part_done("styles")

    def _unread(self, part: str, exc: BaseException) -> None:
        self.banner.show_problem(exc)
        self._then = None
        self._part_done(part)

    def _part_done(self, part: str) -> None:
        self._reading.discard(part)
        if self._reading:
            return
        if self._again:
            self._again = False
            self.refresh()
            return
        self.refreshed.emit()
        then, self._then = self._then, None
        if then is not None:
            then()

    def _show_review(self, r: QaReview) -> None:
        """Grading QA over the same days: agreement per inspector, kappa by week, the
        calibration rounds, and what the disagreements moved."""
        self.agreement_chart.set_data(
            [(f"{name} ({a.pairs})", 100 * (a.rate or 0.0))
             for name, a in r.inspectors.items()],
            alert=lambda _label, v: v < AGREEMENT_ALERT)
        self.kappa_chart.set_data(
            [(f"{monday:%b %d} ({a.pairs}" + (", undefined)" if a.kappa is None else ")"),
              100 * max(a.kappa or 0.0, 0.0)) for monday, a in r.weeks[-8:]])
        self.calibration_chart.set_data(
            [(f"{who} {at.astimezone():%b %d}", 100 * (a.rate or 0.0))
             for who, at, a in r.calibration[:8]],
            alert=lambda _label, v: v < AGREEMENT_ALERT)
        self.qa_line.setText(
            f"Grading QA: <b>{r.overall.words()}</b> · disagreements moved "
            f"<b>{format_money(r.money_moved)}</b> · {r.waiting} waiting for a re-grade"
            + (f", <b>{r.overdue} overdue</b>" if r.overdue else "")
            )

    def save_qa_pdf(self) -> None:
        """The grading review's PDF (the figures first when there are none yet)."""
        if self.review is None or self._reading:
            self._after_refresh(self.save_qa_pdf)
            return
        r = self.review
        name = (f"grading-review-{r.start:%Y%m%d}-"
                f"{r.end - dt.timedelta(days=1):%Y%m%d}.pdf")
        self._save(name, lambda: self._reports.qa_review_pdf(r), "Grading review saved")

    def _after_refresh(self, then: Callable[[], None]) -> None:
        if not self.can_view:
            return
        self._then = then
        if not self._reading:
            self.refresh()

    def _save(self, name: str, render: Callable[[], bytes], saved: str) -> None:
        """A PDF rendered and written to the documents folder off the UI thread, said in
        the banner (or why not)."""
        folder = self._documents

        def done(path: Path) -> None:
            self.banner.show_message(Level.OK, f"{saved}: {path}")
            self.saved.emit(path)

        BackgroundOp(lambda: save_document(folder, name, render()), done,
                     self.banner.show_problem, parent=self, shows=self.progress,
                     label="Writing the PDF…").start()

    def _show_after(self, a: AfterBench) -> None:
        self.dwell_chart.set_data([(f"{d.code} ({d.dresses})", d.median_days)
                                   for d in a.dwell[:8]],
                                  alert=lambda label, v: v > STALE_DAYS
                                  and label.split()[0] in self._waiting_places(a))
        places = Counter(st.place for st in a.stale)
        self.stale_chart.set_data(places.most_common(8), alert=lambda _l, v: v > 0)
        self.recovery_chart.set_data(
            [(SHORT.get(r.disposition, r.disposition), 100 * (r.ratio or 0.0))
             for r in a.recovery])
        recovered = sum((r.recovered for r in a.recovery), Decimal("0"))
        refunded = sum((r.refunded for r in a.recovery), Decimal("0"))
        pending = sum(r.pending for r in a.recovery)
        due = f" · {len(a.due_back)} due back from prep, first {a.due_back[0][2]:%b %d}" \
            if a.due_back else ""
        self.after_line.setText(
            f"After the bench: recovered <b>{format_money(recovered)}</b> of "
            f"{format_money(refunded)} refunded for the same dresses · {pending} not "
            f"realised yet · <b>{len(a.stale)}</b> not moved in {STALE_DAYS} days "
            f"(outside the restock shelves){due}")

    @staticmethod
    def _waiting_places(a: AfterBench) -> set[str]:
        """Locations where a dress waits for something (not a restock shelf)."""
        return {d.code for d in a.dwell if d.kind != "restock"}

    def _show(self, k: Kpis) -> None:
        median, p90 = k.turnaround_median, k.turnaround_p90
        answer = f"{median:.0f} / {p90:.0f} min" if median is not None and p90 is not None \
            else "none answered"
        overdue = k.backlog["overdue 1-2 days"] + k.backlog["overdue 3+ days"]
        tiles = [
            ("Units received", str(sum(k.by_reason.values()))),
            ("Inspected", str(k.inspected)),
            ("Damage rate", f"{k.damage_rate:.1%}"),
            ("Backlog", f"{sum(k.backlog.values())} ({overdue} overdue)"),
            ("Refunds due", f"{k.refunds_due} · {format_money(k.refunds_due_amount)}"),
            ("Refunds overdue", f"{k.refunds_overdue} · "
                                f"{format_money(k.refunds_overdue_amount)}"),
            ("Exceptions", f"{sum(k.exceptions.values())} ({k.exceptions['approved']} "
                           f"approved, {k.exceptions['denied']} denied)"),
            ("Answer time median / p90", answer),
            ("Unexpected returns", f"{sum(k.unexpected.values())} "
                                   f"({k.unexpected.get('held', 0)} held, "
                                   f"{k.unexpected.get('linked', 0)} linked, "
                                   f"{k.unexpected.get('sent_back', 0)} sent back)"),
        ]
        self.tiles.setText("&nbsp;&nbsp;·&nbsp;&nbsp;".join(
            f"{name}: <b>{value}</b>" for name, value in tiles))
        self.reason_chart.set_data(list(k.by_reason.items()))
        self.grade_chart.set_data(list(k.grades.items()))
        self.backlog_chart.set_data(list(k.backlog.items()),
                                    alert=lambda label, v: "overdue" in label and v > 0)
        self.throughput_chart.set_data([(f"{t.inspector} ({t.units})", t.per_hour)
                                        for t in k.throughput[:8]])
        self.approval_chart.set_data([(KIND_WORDS.get(kind, kind.replace("_", " ")), n)
                                      for kind, n in k.requests.items()])

    def _show_styles(self, styles: tuple[StyleRate, ...]) -> None:
        self.style_chart.set_data([(f"{s.style} ({s.returned}/{s.sold})", 100 * s.rate)
                                   for s in styles[:8]])

    def save_pdf(self) -> None:
        """The report's PDF (the figures first when there are none yet)."""
        if self.kpis is None or self._reading:
            self._after_refresh(self.save_pdf)
            return
        k = self.kpis
        name = f"returns-report-{k.start:%Y%m%d}-{k.end - dt.timedelta(days=1):%Y%m%d}.pdf"
        self._save(name, lambda: self._reports.kpi_pdf(k), "Report saved")

    # --- import and export -----------------------------------------------------------
    def import_file(self, kind: str, path: str | None = None) -> None:
        if not allowed(self._user.role, Action.IMPORT_DATA) or self._op is not None:
            return
        if path is None:
            what = "Shopify order export" if kind == "orders" else "RMA file"
            path, _ = QFileDialog.getOpenFileName(self, f"Import a {what}", "",
                                                  "CSV files (*.csv)")
            if not path:
                return
        progress = Progress(self)
        self.rejected.hide()
        source, reports = Path(path).name, self._reports
        read_from = path

        def work() -> ImportReport:
            data = read_input(read_from)  # the file too: it may be on a slow share
            return reports.import_file(kind, data, source, progress=progress.report)

        self._op = BackgroundOp(work, self._imported, self._failed, parent=self,
                                progress=progress, shows=self.progress,
                                label="Importing").start()

    def _imported(self, report: ImportReport) -> None:
        self._op = None
        if report.ok:
            self.banner.show_message(Level.OK, report.summary())
            self.refresh()
        else:
            self.banner.show_message(Level.ERROR, report.summary())
            self.rejected.clear()
            self.rejected.addItems([f"Line {e.line}: {e.reason}" for e in report.errors])
            self.rejected.show()
        self.imported.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._op = None
        self.banner.show_problem(exc)

    def export_settlements(self) -> None:
        """The settlement export to the outbox, off the UI thread (files on a share)."""
        if not allowed(self._user.role, Action.EXPORT_SETTLEMENTS) or self._op is not None:
            return
        reports, outbox = self._reports, self.outbox

        def done(report: ExportReport) -> None:
            self._op = None
            self.banner.show_message(Level.OK, f"{report.summary()} Outbox: {outbox}")
            self.exported.emit(report)
            self.refresh()

        self._op = BackgroundOp(lambda: reports.export_settlements(outbox), done, self._failed,
                                parent=self, shows=self.progress,
                                label="Exporting settlements…").start()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        key = event.key()
        if ctrl and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.refresh()
        elif ctrl and shift and key == Qt.Key.Key_P:
            self.save_qa_pdf()
        elif ctrl and key == Qt.Key.Key_P:
            self.save_pdf()
        elif ctrl and key == Qt.Key.Key_I:
            self.import_file("rmas" if shift else "orders")
        elif ctrl and key == Qt.Key.Key_E:
            self.export_settlements()
        elif key == Qt.Key.Key_Escape:
            self.banner.clear()
            self.rejected.hide()
        else:
            super().keyPressEvent(event)
