"""Return authorizations from a CSV onto imported orders: all or nothing, by line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Carrier, RequestedResolution, ReturnReason, RmaStatus
from app.scanning.codes import rma_number
from app.scanning.tracking import make_tracking_number
from app.services.lookup import LookupService
from models import Order, ReturnAuthorization, ReturnItem
from tests.helpers.office import office_imports
from tests.helpers.shopify import export_csv
from tests.integration.test_import_orders import _good_rows

COLUMNS = ("RMA", "Order", "SKU", "Quantity", "Reason", "Requested", "Exchange size",
           "Carrier", "Tracking", "Shipped on", "Created at", "Delivered on", "Comment")


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue().encode()


def test_rmas_import_onto_orders_and_again_changes_nothing(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = office_imports(session_factory, clock)
    assert importer.import_orders(export_csv(_good_rows()), "orders.csv").ok
    ups = make_tracking_number(Carrier.UPS, random.Random(4))
    first, second = rma_number(2025, 501), rma_number(2025, 502)
    rows = [
        {"RMA": first, "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8", "Reason": "sizing",
         "Requested": "exchange", "Exchange size": "10", "Carrier": "UPS", "Tracking": ups,
         "Shipped on": "2025-05-20", "Created at": "2025-05-18", "Delivered on": "2025-05-14"},
        {"RMA": first, "Order": "#1001", "SKU": "KP-EVG-1042-RED-10",
         "Reason": "quality defect", "Requested": "refund", "Comment": "loose beads"},
        {"RMA": second, "Order": "ST-01002", "SKU": "ST-BAL-2001-NAV-4", "Quantity": "2",
         "Reason": "changed_mind", "Delivered on": "2025-06-06"},
    ]
    report = office_imports(session_factory, clock).import_rmas(_csv(rows),
                                                                          "rmas.csv")
    assert report.ok, report.errors
    assert (report.rows, report.new, report.lines) == (3, 2, 4)
    with session_factory() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == first)).one()
        assert rma.status is RmaStatus.IN_TRANSIT and rma.tracking_number == ups
        assert [(it.unit_no, it.reason, it.requested, it.exchange_size)
                for it in rma.items] == [
            (1, ReturnReason.SIZING, RequestedResolution.EXCHANGE, "10"),
            (2, ReturnReason.QUALITY_DEFECT, RequestedResolution.REFUND, None)]
        assert rma.items[1].customer_comment == "loose beads"
        assert rma.order.delivered_on == dt.date(2025, 5, 14)
        two = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == second)).one()
        assert two.status is RmaStatus.AUTHORIZED and len(two.items) == 2
        assert s.scalars(select(Order.delivered_on).where(Order.number == "ST-01002")
                         ).one() == dt.date(2025, 6, 6)
    found = LookupService(session_factory, clock).lookup(ups).view
    assert found is not None and found.rma_number == first  # the parcel scans in

    again = importer.import_rmas(_csv(rows), "rmas.csv")
    assert again.ok and (again.new, again.unchanged) == (0, 2)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ReturnItem)) == 4


def test_bad_rma_rows_are_named_and_nothing_is_written(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = office_imports(session_factory, clock)
    assert importer.import_orders(export_csv(_good_rows()), "orders.csv").ok
    good = rma_number(2025, 601)
    wrong_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    rows = [
        {"RMA": good, "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8", "Reason": "sizing"},
        {"RMA": wrong_check, "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8",
         "Reason": "sizing"},
        {"RMA": rma_number(2025, 602), "Order": "#1001", "SKU": "KP-NOT-ON-ORDER",
         "Reason": "sizing"},
        {"RMA": rma_number(2025, 603), "Order": "#1003", "SKU": "KP-CKT-0501-BLK-6",
         "Quantity": "2", "Reason": "sizing"},
        {"RMA": rma_number(2025, 604), "Order": "#9999", "SKU": "KP-CKT-0501-BLK-6",
         "Reason": "sizing"},
        {"RMA": rma_number(2025, 605), "Order": "#1003", "SKU": "KP-CKT-0501-BLK-6",
         "Reason": "too big"},
        {"RMA": rma_number(2025, 606), "Order": "#1003", "SKU": "KP-CKT-0501-BLK-6",
         "Reason": "sizing", "Carrier": "ups", "Tracking": "1Z999AA10123456785"},
    ]
    report = importer.import_rmas(_csv(rows), "bad.csv")
    assert not report.ok
    by_line = {e.line: e.reason for e in report.errors}
    assert "check digit is wrong" in by_line[3]
    assert "has no SKU KP-NOT-ON-ORDER" in by_line[4]
    assert "2 units of KP-CKT-0501-BLK-6 returned but 1 bought" in by_line[5]
    assert "no order #9999" in by_line[6]
    assert "reason 'too big' is not one of" in by_line[7]
    assert "tracking number 1Z999AA10123456785 is not valid" in by_line[8]
    assert 2 not in by_line
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ReturnAuthorization)) == 0


def test_a_second_rma_for_the_same_unit_is_refused_naming_the_first(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = office_imports(session_factory, clock)
    assert importer.import_orders(export_csv(_good_rows()), "orders.csv").ok
    first, second, third = rma_number(2025, 601), rma_number(2025, 602), rma_number(2025, 603)
    one = {"Order": "#1001", "SKU": "KP-EVG-1042-RED-10", "Reason": "sizing",
           "Requested": "refund"}
    # Two RMAs for the one unit bought, in one file: the second row is refused.
    report = importer.import_rmas(_csv([{"RMA": first, **one}, {"RMA": second, **one}]),
                                  "twice.csv")
    assert not report.ok
    assert [(e.line, first in e.reason) for e in report.errors] == [(3, True)]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ReturnAuthorization).where(
            ReturnAuthorization.number.in_([first, second]))) == 0
    # One now, the other in a later file: refused, naming the stored RMA.
    assert importer.import_rmas(_csv([{"RMA": first, **one}]), "first.csv").ok
    later = importer.import_rmas(_csv([{"RMA": third, **one}]), "later.csv")
    assert not later.ok and first in later.errors[0].reason
    assert "cannot be returned twice" in later.errors[0].reason
