"""Dates that cannot be (issue 13, item 4) are rejected rows at import: an order placed
in the future; an order delivered before it was placed or in the future; a customer's ship
date before the delivery or in the future. Each is named by its line and nothing is
imported. "Now" is the import clock's (2026-04-15 17:30 UTC, 10:30 in Los Angeles)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.scanning.codes import rma_number
from models import Order, ReturnAuthorization
from tests.helpers.office import OFFICE_ENV, OfficeImports, office_imports
from tests.helpers.shopify import export_csv, order_rows
from tests.integration.test_import_orders import _good_rows
from tests.integration.test_import_rmas import _csv

ROOT = Path(__file__).resolve().parents[2]
# _good_rows(): #1001 placed 2025-05-11 (LA), #1002 placed 2025-06-02 18:20 -0700 (already
# June 3 in UTC), #1003 placed 2025-06-03.


def _importer(session_factory: sessionmaker[Session], clock: FixedClock) -> OfficeImports:
    importer = office_imports(session_factory, clock)
    assert importer.import_orders(export_csv(_good_rows()), "orders.csv").ok
    return importer


def _count_rmas(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(ReturnAuthorization)) or 0)


def _deliveries(session_factory: sessionmaker[Session]) -> list[object]:
    with session_factory() as s:
        return list(s.scalars(select(Order.delivered_on).order_by(Order.number)))


def test_impossible_rma_dates_are_refused_by_line_and_nothing_is_imported(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = _importer(session_factory, clock)
    rows = [
        {"RMA": rma_number(2025, 701), "Order": "#1003", "SKU": "KP-CKT-0501-BLK-6",
         "Reason": "sizing", "Delivered on": "2025-06-02"},
        {"RMA": rma_number(2025, 702), "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8",
         "Reason": "sizing", "Delivered on": "2026-04-16"},
        {"RMA": rma_number(2025, 703), "Order": "#1001", "SKU": "KP-EVG-1042-RED-10",
         "Reason": "sizing", "Delivered on": "2025-05-20", "Shipped on": "2025-05-19"},
        {"RMA": rma_number(2025, 704), "Order": "#1002", "SKU": "ST-BAL-2001-NAV-4",
         "Reason": "sizing", "Delivered on": "2025-06-06", "Shipped on": "2026-04-16"},
        {"RMA": rma_number(2025, 705), "Order": "#1002", "SKU": "ST-ACC-3001-IVO-OS",
         "Reason": "sizing", "Shipped on": "2025-06-07"},  # a good row: nothing imported
    ]
    report = importer.import_rmas(_csv(rows), "rmas.csv")
    assert not report.ok and report.new == 0
    by_line = {e.line: e.reason for e in report.errors}
    assert sorted(by_line) == [2, 3, 4, 5]
    assert by_line[2] == (f"RMA {rows[0]['RMA']}: Delivered on 2025-06-02 is before order "
                          "KP-01003 was placed (2025-06-03): an order cannot be delivered "
                          "before it was placed")
    assert by_line[3] == (f"RMA {rows[1]['RMA']}: Delivered on 2026-04-16 is in the future "
                          "(today is 2026-04-15)")
    assert by_line[4] == (f"RMA {rows[2]['RMA']}: Shipped on 2025-05-19 is before order "
                          "KP-01001 was delivered (2025-05-20): a parcel cannot ship back "
                          "before it arrived")
    assert by_line[5] == (f"RMA {rows[3]['RMA']}: Shipped on 2026-04-16 is in the future "
                          "(today is 2026-04-15)")
    assert "nothing imported; 4 rows rejected" in report.summary()
    assert _count_rmas(session_factory) == 0
    assert _deliveries(session_factory) == [None, None, None]


def test_a_ship_date_before_a_delivery_already_known_is_refused(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = _importer(session_factory, clock)
    first = [{"RMA": rma_number(2025, 711), "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8",
              "Reason": "sizing", "Delivered on": "2025-05-14"}]
    assert importer.import_rmas(_csv(first), "first.csv").ok
    # the delivery is on file from the earlier import
    later = [{"RMA": rma_number(2025, 712), "Order": "KP-01001", "SKU": "KP-EVG-1042-RED-10",
              "Reason": "sizing", "Shipped on": "2025-05-13"}]
    report = importer.import_rmas(_csv(later), "later.csv")
    assert [(e.line, "Shipped on 2025-05-13 is before order KP-01001 was delivered "
             "(2025-05-14)" in e.reason) for e in report.errors] == [(2, True)]
    # the delivery comes from an earlier RMA of the same file
    same_file = [
        {"RMA": rma_number(2025, 713), "Order": "#1002", "SKU": "ST-BAL-2001-NAV-4",
         "Reason": "sizing", "Delivered on": "2025-06-06"},
        {"RMA": rma_number(2025, 714), "Order": "#1002", "SKU": "ST-ACC-3001-IVO-OS",
         "Reason": "sizing", "Shipped on": "2025-06-05"},
    ]
    report = importer.import_rmas(_csv(same_file), "same.csv")
    assert [(e.line, "Shipped on 2025-06-05 is before order ST-01002 was delivered "
             "(2025-06-06)" in e.reason) for e in report.errors] == [(3, True)]
    assert _count_rmas(session_factory) == 1


def test_the_same_day_is_possible_in_the_warehouse_time_zone(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = _importer(session_factory, clock)
    rows = [
        # placed 2025-06-02 18:20 in Los Angeles (June 3 in UTC), delivered June 2
        {"RMA": rma_number(2025, 721), "Order": "#1002", "SKU": "ST-BAL-2001-NAV-4",
         "Reason": "sizing", "Delivered on": "2025-06-02", "Shipped on": "2025-06-02"},
        # delivered today and shipped back today
        {"RMA": rma_number(2025, 722), "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8",
         "Reason": "sizing", "Delivered on": "2026-04-15", "Shipped on": "2026-04-15"},
    ]
    report = importer.import_rmas(_csv(rows), "ok.csv")
    assert report.ok, report.errors
    assert report.new == 2 and _count_rmas(session_factory) == 2


def test_an_order_placed_in_the_future_is_refused(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    importer = office_imports(session_factory, clock)
    future = order_rows("#1008", {"Email": "f@example.com", "Shipping Zip": "10001",
                                  "Created at": "2026-04-15 10:31:00 -0700"},
                        [{"Lineitem quantity": "1", "Lineitem price": "99.00",
                          "Lineitem sku": "KP-CKT-0501-BLK-8"}])
    report = importer.import_orders(export_csv([*_good_rows(), *future]), "future.csv")
    assert not report.ok and report.new == 0
    assert [str(e) for e in report.errors] == [
        "line 8: order #1008: Created at 2026-04-15 10:31 -0700 is in the future "
        "(now is 2026-04-15 10:30 -0700)"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
    now = order_rows("#1009", {"Email": "n@example.com", "Shipping Zip": "10001",
                               "Created at": "2026-04-15 17:30:00 +0000"},
                     [{"Lineitem quantity": "1", "Lineitem price": "99.00",
                       "Lineitem sku": "KP-CKT-0501-BLK-8"}])
    assert importer.import_orders(export_csv(now), "now.csv").ok  # placed this very moment


def test_cli_rejects_the_row_and_exits_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    orders, rmas = tmp_path / "orders.csv", tmp_path / "rmas.csv"
    orders.write_bytes(export_csv(_good_rows()))
    number = rma_number(2025, 731)
    rmas.write_bytes(_csv([{"RMA": number, "Order": "#1001", "SKU": "KP-EVG-1069-LIL-8",
                            "Reason": "sizing", "Delivered on": "2099-01-01"}]))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--db", db], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, env=OFFICE_ENV)

    made = cli("create-admin", "olga", "--name", "Olga Office")  # a new, empty database
    assert made.returncode == 0, made.stderr

    assert cli("import-orders", str(orders), "--format", "shopify").returncode == 0
    result = cli("import-rmas", str(rmas))
    assert result.returncode == 2
    assert json.loads(result.stdout)["rejected"][0]["line"] == 2
    assert "nothing imported; 1 row rejected" in result.stderr
    assert f"rejected line 2: RMA {number}: Delivered on 2099-01-01 is in the future" \
        in result.stderr
