"""The KPI report against figures worked out by hand on a small, hand-built database
(every row below is written out; the expected numbers are in the comments)."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Brand,
    CustomerTier,
    DamageSeverity,
    DecisionStatus,
    Disposition,
    Grade,
    ReceptionStatus,
    RequestedResolution,
    Resolution,
    ReturnReason,
    RmaStatus,
    Role,
)
from app.errors import BadInput, PermissionDenied
from app.printing.kpi_report import render_kpi_report
from app.services.auth import SignedInUser
from app.services.reports import ReportService
from models import (
    Approval,
    Customer,
    Decision,
    ExportBatch,
    ExportedDecision,
    Inspection,
    Order,
    OrderLine,
    PolicyVersion,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)

START, END, TODAY = dt.date(2026, 4, 1), dt.date(2026, 4, 15), dt.date(2026, 4, 15)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 4, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory() as s:
        ines = User(username="r_ines", display_name="Ines", role=Role.INSPECTOR,
                    pin_hash="x", created_at=at(1, 8))
        bo = User(username="r_bo", display_name="Bo", role=Role.INSPECTOR, pin_hash="x",
                  created_at=at(1, 8))
        maria = User(username="r_maria", display_name="Maria", role=Role.MANAGER,
                     pin_hash="x", created_at=at(1, 8))
        bench = Station(name="R-BENCH")
        policy = PolicyVersion(sha256="f" * 64, policy_id="kissprom", version="t",
                               content="", first_used_at=at(1, 8))
        cust = Customer(name="Rae", email="rae@example.com", postal_code="10001",
                        tier=CustomerTier.STANDARD)
        s.add_all([ines, bo, maria, bench, policy, cust])
        s.flush()

        def order(number: str, placed: dt.datetime, lines: list[tuple[str, int]]) -> Order:
            o = Order(number=number, brand=Brand.KISSPROM, customer=cust, placed_at=placed,
                      delivered_on=placed.date(), customer_tier=CustomerTier.STANDARD,
                      subtotal=Decimal("0.00"), shipping_paid=Decimal("0.00"),
                      tax_total=Decimal("0.00"))
            for n, (sku, qty) in enumerate(lines, 1):
                o.lines.append(OrderLine(line_no=n, sku=sku, description=sku, quantity=qty,
                                         unit_price_paid=Decimal("100.00"),
                                         msrp=Decimal("100.00"), unit_tax=Decimal("0.00")))
            s.add(o)
            return o

        # Placed in the range: KP-EVG-1000 sells 3 units, KP-EVG-2000 1, KP-CKT-3000 1.
        o1 = order("KP-90001", at(2, 10), [("KP-EVG-1000-RED-8", 2),
                                          ("KP-EVG-2000-BLU-10", 1)])
        o2 = order("KP-90002", at(5, 10), [("KP-EVG-1000-RED-10", 1),
                                          ("KP-CKT-3000-BLK-6", 1)])
        o3 = order("KP-90003", dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
                   [("KP-EVG-1000-RED-12", 1)])
        o4 = order("KP-90004", dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                   [("KP-GWN-4000-IVO-8", 4)])
        s.flush()

        def rma(number: str, o: Order,
                units: list[tuple[int, ReturnReason, dt.datetime | None, dt.date | None]]
                ) -> list[ReturnItem]:
            r = ReturnAuthorization(number=number, order=o, created_at=at(1, 9),
                                    status=RmaStatus.RECEIVED)
            items = []
            for unit_no, (line_idx, reason, received, due) in enumerate(units, 1):
                it = ReturnItem(unit_no=unit_no, order_line=o.lines[line_idx], reason=reason,
                                requested=RequestedResolution.REFUND,
                                reception_status=ReceptionStatus.RECEIVED if received
                                else ReceptionStatus.AWAITING,
                                decision_status=DecisionStatus.PENDING, received_at=received,
                                inspection_due_on=due)
                r.items.append(it)
                items.append(it)
            s.add(r)
            return items

        r1 = rma("RMA-R-1", o1, [(0, ReturnReason.SIZING, at(6, 10), None),
                                 (1, ReturnReason.QUALITY_DEFECT, at(6, 10), None)])
        r2 = rma("RMA-R-2", o2, [(0, ReturnReason.SHIPPING_DAMAGE, at(8, 9), None),
                                 (1, ReturnReason.CHANGED_MIND, None, None)])
        r3 = rma("RMA-R-3", o3, [(0, ReturnReason.WRONG_ITEM_SENT, at(20, 9), None)])
        # The backlog (received, undecided) on the 15th: due 17th later, due 15th today,
        # due 14th one day over, due 6th nine days over.
        rma("RMA-R-4", o4, [(0, ReturnReason.OTHER, at(14, 9), dt.date(2026, 4, 17)),
                            (0, ReturnReason.OTHER, at(10, 9), dt.date(2026, 4, 15)),
                            (0, ReturnReason.OTHER, at(9, 9), dt.date(2026, 4, 14)),
                            (0, ReturnReason.OTHER, at(1, 9), dt.date(2026, 4, 6))])
        s.flush()

        def inspect(item: ReturnItem, grade: Grade, severity: DamageSeverity,
                    done: dt.datetime, who: User) -> Inspection:
            ins = Inspection(item=item, grade=grade, checklist={},
                             damage_severity=severity, inspector_id=who.id,
                             station_id=bench.id, started_at=done, completed_at=done,
                             is_draft=False)
            s.add(ins)
            return ins

        inspect(r1[0], Grade.A, DamageSeverity.NONE, at(6, 11), ines)
        inspect(r1[1], Grade.C, DamageSeverity.MODERATE, at(6, 11, 30), ines)
        inspect(r2[0], Grade.D, DamageSeverity.SEVERE, at(8, 15), bo)
        inspect(r3[0], Grade.B, DamageSeverity.NONE, at(20, 10), bo)

        def decide(item: ReturnItem, resolution: Resolution, refund: str, credit: str,
                   due: dt.date | None, when: dt.datetime, who: User) -> Decision:
            item.decision_status = DecisionStatus.DECIDED
            d = Decision(item=item, resolution=resolution, refund=Decimal(refund),
                         restocking_fee=Decimal("0.00"), credit=Decimal(credit),
                         disposition=Disposition.RESTOCK, refund_due_on=due,
                         policy_id="kissprom", policy_version="t", policy_sha256="f" * 64,
                         case={}, trace=[], decided_at=when, decided_by_id=who.id,
                         station_id=bench.id)
            s.add(d)
            return d

        decide(r1[0], Resolution.REFUND, "100.00", "0.00", dt.date(2026, 4, 10),
               at(6, 11), ines)  # not exported, due the 10th: overdue
        decide(r1[1], Resolution.REFUND, "80.00", "0.00", dt.date(2026, 4, 20),
               at(6, 12, 30), ines)  # not exported, due the 20th: due
        decide(r2[0], Resolution.REPAIR_CREDIT, "0.00", "30.00", None, at(8, 15), bo)
        d4 = decide(r3[0], Resolution.REFUND, "50.00", "0.00", dt.date(2026, 4, 25),
                    at(20, 10), bo)  # exported: neither due nor overdue
        s.flush()
        batch = ExportBatch(created_at=at(20, 11), written_at=at(20, 11), decisions=1,
                            csv_name="x.csv")
        s.add(batch)
        s.flush()
        s.add(ExportedDecision(decision_id=d4.id, batch_id=batch.id))

        def ask(r: ReturnItem, kind: ApprovalKind, when: dt.datetime,
                answered: dt.datetime | None, status: ApprovalStatus) -> None:
            s.add(Approval(rma_id=r.rma_id, kind=kind, level=ApprovalLevel.MANAGER,
                           amount=Decimal("10.00"), reason="r", status=status,
                           requested_by_id=ines.id, requested_at=when, station_id=bench.id,
                           answered_by_id=maria.id if answered else None,
                           answered_at=answered))

        ask(r1[0], ApprovalKind.REFUND_OVER_THRESHOLD, at(6, 12, 30), at(6, 13),
            ApprovalStatus.APPROVED)  # 30 min
        ask(r2[0], ApprovalKind.POLICY_EXCEPTION, at(8, 15, 10), at(8, 17, 10),
            ApprovalStatus.DENIED)  # 120 min
        ask(r2[0], ApprovalKind.POLICY_EXCEPTION, at(9, 9), None, ApprovalStatus.PENDING)
        ask(r3[0], ApprovalKind.HOLD, at(20, 9), None, ApprovalStatus.PENDING)  # outside
        s.commit()
    return session_factory


def test_kpis_match_the_hand_count(world: sessionmaker[Session], clock: FixedClock) -> None:
    k = ReportService(world, clock).kpis(START, END, today=TODAY)
    # received 6th, 6th, 8th (+ RMA-R-4's four, all "other"); RMA-R-3 came on the 20th
    assert k.by_reason == {"sizing": 1, "quality": 1, "shipping": 1, "other": 4}
    assert k.grades == {"A": 1, "B": 0, "C": 1, "D": 1, "X": 0}
    assert (k.inspected, k.damaged) == (3, 2) and k.damage_rate == pytest.approx(2 / 3)
    assert [(r.style, r.sold, r.returned) for r in k.styles] == [
        ("KP-CKT-3000", 1, 1), ("KP-EVG-2000", 1, 1), ("KP-EVG-1000", 3, 2)]
    assert k.styles[2].rate == pytest.approx(2 / 3)
    assert k.backlog == {"due later": 1, "due today": 1, "overdue 1-2 days": 1,
                         "overdue 3+ days": 1}
    assert (k.refunds_due, k.refunds_due_amount) == (1, Decimal("80.00"))
    assert (k.refunds_overdue, k.refunds_overdue_amount) == (1, Decimal("100.00"))
    # Ines: 2 units from 11:00 to 12:30 = 1.5 h; Bo: 1 unit, a half hour at least
    assert [(t.inspector, t.units, t.active_hours) for t in k.throughput] == [
        ("Bo", 1, 0.5), ("Ines", 2, 1.5)]
    assert k.throughput[1].per_hour == pytest.approx(4 / 3)
    assert k.requests == {"refund_over_threshold": 1, "policy_exception": 2, "hold": 0,
                          "qa_regrade": 0}
    assert k.exceptions == {"pending": 1, "approved": 0, "denied": 1, "cancelled": 0}
    assert k.turnaround_minutes == (30.0, 120.0)
    assert (k.turnaround_median, k.turnaround_p90) == (75.0, 120.0)


def test_the_report_pdf_holds_the_figures(world: sessionmaker[Session], clock: FixedClock,
                                          tmp_path: Path) -> None:
    k = ReportService(world, clock).kpis(START, END, today=TODAY)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_kpi_report(k, clock.now()))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Returns report" in text and "Apr 01, 2026 to Apr 14, 2026" in text
    assert "66.7%" in text  # damage rate
    assert "$80.00" in text and "$100.00" in text
    assert "75 / 120 min" in text
    assert "Returns by reason" in text and "Throughput" in text and "KP-EVG-1000 (2/3)" in text
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "pg")],
                   check=True)
    assert list(tmp_path.glob("pg*.png"))


def test_reports_need_a_role_that_may_see_them(world: sessionmaker[Session],
                                               clock: FixedClock) -> None:
    service = ReportService(world, clock)
    inspector = SignedInUser(1, "x", "X", Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        service.kpis(START, END, inspector)
    with pytest.raises(BadInput, match="end date"):
        service.kpis(END, START)
