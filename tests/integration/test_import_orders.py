"""Importing Shopify's "Export orders" CSV: column names not positions, multi-row orders,
the quirks of real exports, all or nothing with rejected rows by line, and idempotence."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Brand, CustomerTier
from app.errors import BadInput
from models import Customer, Order, OrderLine
from tests.helpers.office import OFFICE_ENV, OfficeImports, office_imports
from tests.helpers.shopify import export_csv, order_rows

ROOT = Path(__file__).resolve().parents[2]


def _good_rows() -> list[dict[str, str]]:
    return [
        *order_rows("#1001", {
            "Email": "ava.reyes@example.com", "Financial Status": "paid",
            "Paid at": "2025-05-11 09:56:02 -0400", "Currency": "USD", "Subtotal": "320.00",
            "Shipping": "0.00", "Taxes": "24.75", "Total": "344.75",
            "Created at": "2025-05-11 09:55:16 -0400", "Billing Name": "Ava Reyes",
            "Shipping Name": "Ava Reyes", "Shipping Zip": "'02134", "Shipping Country": "US",
            "Notes": "Leave at the door\nside entrance, please", "Tags": "VIP, prom",
            "Id": "5012345678901"}, [
            {"Lineitem quantity": "1", "Lineitem name": "Camille A-line gown - Lilac / 8",
             "Lineitem price": "140.00", "Lineitem compare at price": "300.00",
             "Lineitem sku": "KP-EVG-1069-LIL-8", "Vendor": "KissProm"},
            {"Lineitem quantity": "1", "Lineitem name": "Nora mermaid gown - Red / 10",
             "Lineitem price": "180.00", "Lineitem compare at price": "200.00",
             "Lineitem sku": "KP-EVG-1042-RED-10", "Vendor": "KissProm"},
        ]),
        *order_rows("#1002", {
            "Email": "MIA.CHEN@EXAMPLE.COM", "Currency": "USD", "Subtotal": "447.00",
            "Shipping": "15.00", "Taxes": "0.00", "Created at": "2025-06-02 18:20:00 -0700",
            "Billing Name": "Mia Chen", "Billing Zip": "94110", "Shipping Zip": "94110",
            "Shipping Phone": "+1 415 555 0101"}, [
            {"Lineitem quantity": "2", "Lineitem name": "Aria ball gown - Navy / 4",
             "Lineitem price": "149.00", "Lineitem sku": "ST-BAL-2001-NAV-4",
             "Vendor": "Stacees"},
            {"Lineitem quantity": "1", "Lineitem name": "Wrap - Ivory",
             "Lineitem price": "149.00", "Lineitem sku": "ST-ACC-3001-IVO-OS",
             "Vendor": "Stacees", "Lineitem discount": "0.00"},
        ]),
        *order_rows("#1003", {
            "Email": "zoe@example.com", "Subtotal": "89.00", "Taxes": "7.34",
            "Created at": "2025-06-03 08:00:00 +0000", "Billing Name": "Zoe Park",
            "Billing Zip": "'07302"}, [
            {"Lineitem quantity": "1", "Lineitem name": "Short cocktail dress",
             "Lineitem price": "89.00", "Lineitem sku": "KP-CKT-0501-BLK-6"},
        ]),
    ]


@pytest.fixture
def importer(session_factory: sessionmaker[Session], clock: FixedClock) -> OfficeImports:
    return office_imports(session_factory, clock)


def _count(sf: sessionmaker[Session], model: object) -> int:
    with sf() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_a_shopify_export_imports_with_its_quirks(importer: OfficeImports,
                                                  session_factory: sessionmaker[Session]
                                                  ) -> None:
    data = export_csv(_good_rows(), bom=True)
    report = importer.import_orders(data, "orders_export_1.csv")
    assert report.ok, report.errors
    assert (report.rows, report.new, report.lines, report.customers_new) == (5, 3, 5, 3)
    with session_factory() as s:
        order = s.scalars(select(Order).where(Order.number == "KP-01001")).one()
        # "-0400" is four hours behind UTC
        assert order.placed_at == dt.datetime(2025, 5, 11, 13, 55, 16, tzinfo=dt.UTC)
        assert order.brand is Brand.KISSPROM and order.customer_tier is CustomerTier.PRIORITY
        assert (order.subtotal, order.tax_total) == (Decimal("320.00"), Decimal("24.75"))
        assert order.customer.postal_code == "02134"  # the apostrophe is Excel's, not ours
        first, second = order.lines
        assert (first.unit_price_paid, first.msrp, first.clearance) == (
            Decimal("140.00"), Decimal("300.00"), True)  # 53% off compare-at
        assert (second.unit_price_paid, second.msrp, second.clearance) == (
            Decimal("180.00"), Decimal("200.00"), False)  # 10% off: not clearance
        # taxes shared by amount, by largest remainder: 24.75 * 140/320 = 10.828 gets the
        # cent left over, 24.75 * 180/320 = 13.921 does not
        assert (first.unit_tax, second.unit_tax) == (Decimal("10.83"), Decimal("13.92"))
        stacees = s.scalars(select(Order).where(Order.number == "ST-01002")).one()
        assert stacees.brand is Brand.STACEES
        assert stacees.placed_at == dt.datetime(2025, 6, 3, 1, 20, tzinfo=dt.UTC)
        assert [ln.quantity for ln in stacees.lines] == [2, 1]
        assert stacees.customer.email == "mia.chen@example.com"
        assert stacees.customer.phone == "+1 415 555 0101"
        zoe = s.scalars(select(Order).where(Order.number == "KP-01003")).one()
        assert zoe.customer.postal_code == "07302" and zoe.lines[0].msrp == Decimal("89.00")

    again = importer.import_orders(data, "orders_export_1.csv")
    assert again.ok and (again.new, again.unchanged) == (0, 3)
    assert _count(session_factory, Order) == 3 and _count(session_factory, OrderLine) == 5
    assert _count(session_factory, Customer) == 3


def test_an_older_export_with_fewer_columns_in_another_order(
        importer: OfficeImports, session_factory: sessionmaker[Session]) -> None:
    columns = ("Lineitem sku", "Name", "Lineitem price", "Email", "Lineitem quantity",
               "Created at", "Shipping Zip")
    rows = order_rows("#2001", {"Email": "old@example.com",
                                "Created at": "2019-11-02 10:00:00 -0500",
                                "Shipping Zip": "'01002"},
                      [{"Lineitem sku": "KP-EVG-1069-LIL-8", "Lineitem price": "199.00",
                        "Lineitem quantity": "1"},
                       {"Lineitem sku": "KP-EVG-1069-LIL-10", "Lineitem price": "199.00",
                        "Lineitem quantity": "1"}])
    report = importer.import_orders(export_csv(rows, columns), "old.csv")
    assert report.ok and report.new == 1 and report.lines == 2
    with session_factory() as s:
        order = s.scalars(select(Order).where(Order.number == "KP-02001")).one()
        assert order.tax_total == Decimal("0.00") and len(order.lines) == 2
        assert order.customer.postal_code == "01002"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
        importer: OfficeImports, session_factory: sessionmaker[Session]) -> None:
    rows = [
        *_good_rows(),
        *order_rows("#1004", {"Email": "a@example.com", "Created at":
                              "2025-06-04 10:00:00 -0400", "Shipping Zip": "10001"},
                    [{"Lineitem quantity": "two", "Lineitem price": "99.00",
                      "Lineitem sku": "KP-CKT-0501-BLK-8"}]),
        *order_rows("#1005", {"Email": "b@example.com", "Created at": "2025-06-04 10:00:00",
                              "Shipping Zip": "10001"},
                    [{"Lineitem quantity": "1", "Lineitem price": "99.00",
                      "Lineitem sku": "KP-CKT-0501-BLK-8"}]),
        *order_rows("#1006", {"Created at": "2025-06-04 10:00:00 -0400",
                              "Shipping Zip": "10001"},
                    [{"Lineitem quantity": "1", "Lineitem price": "99.00",
                      "Lineitem sku": "KP-CKT-0501-BLK-8"}]),
        *order_rows("#1007", {"Email": "c@example.com", "Subtotal": "198.00",
                              "Created at": "2025-06-04 10:00:00 -0400",
                              "Shipping Zip": "10001"},
                    [{"Lineitem quantity": "1", "Lineitem price": "99.00",
                      "Lineitem sku": "KP-CKT-0501-BLK-8"},
                     {"Lineitem quantity": "1", "Lineitem price": "99.00",
                      "Lineitem sku": "KP-CKT-0501-BLK-10", "Subtotal": "250.00"}]),
    ]
    report = importer.import_orders(export_csv(rows), "bad.csv")
    assert not report.ok and report.new == 0
    by_line = {e.line: e.reason for e in report.errors}
    # header 1; #1001 spans lines 2-3 (its Notes hold a line break) and 4; #1002 5-6;
    # #1003 7; then the bad ones
    assert sorted(by_line) == [8, 9, 10, 12]
    assert "Lineitem quantity 'two' is not a whole number" in by_line[8]
    assert "offset is needed" in by_line[9]
    assert "needs the customer's Email" in by_line[10]
    assert "Subtotal '250.00' differs from its first row (line 11" in by_line[12]
    assert "nothing imported" in report.summary()
    assert _count(session_factory, Order) == 0 and _count(session_factory, Customer) == 0


def test_an_order_changed_since_it_was_imported_is_refused(
        importer: OfficeImports, session_factory: sessionmaker[Session]) -> None:
    assert importer.import_orders(export_csv(_good_rows()), "a.csv").ok
    rows = _good_rows()
    rows[0]["Subtotal"] = "300.00"
    report = importer.import_orders(export_csv(rows), "b.csv")
    assert [(e.line, "already here as KP-01001 with other contents" in e.reason)
            for e in report.errors] == [(2, True)]
    with session_factory() as s:
        order = s.scalars(select(Order).where(Order.number == "KP-01001")).one()
        assert order.subtotal == Decimal("320.00")


def test_not_a_shopify_export_is_refused_whole(importer: OfficeImports) -> None:
    with pytest.raises(BadInput, match="no column Lineitem sku"):
        importer.import_orders(b"Name,Email,Lineitem quantity,Lineitem price\n#1,a@b.c,1,2\n",
                               "x.csv")
    with pytest.raises(BadInput, match="not UTF-8"):
        importer.import_orders(b"\xff\xfe\x00N\x00a", "x.csv")


def test_cli_exit_codes_and_rejected_rows_on_stderr(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    good, bad = tmp_path / "orders_export_1.csv", tmp_path / "bad.csv"
    good.write_bytes(export_csv(_good_rows()))
    rows = _good_rows()
    rows[1]["Lineitem quantity"] = "-1"
    bad.write_bytes(export_csv(rows))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--db", db], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, env=OFFICE_ENV)

    made = cli("create-admin", "olga", "--name", "Olga Office")  # a new, empty database
    assert made.returncode == 0, made.stderr

    result = cli("import-orders", str(bad), "--format", "shopify")
    assert result.returncode == 2
    assert "line 4: order #1001: Lineitem quantity '-1' is not a whole number from 1 to 50" \
        in result.stderr
    assert "Traceback" not in result.stderr
    result = cli("import-orders", str(good), "--format", "shopify")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert (counts["new"], counts["lines"], counts["rejected"]) == (3, 5, [])
    assert "3 new orders (5 lines" in result.stderr
    result = cli("import-orders", str(good), "--format", "shopify")
    counts = json.loads(result.stdout)
    assert result.returncode == 0 and (counts["new"], counts["unchanged"]) == (0, 3)
    assert "3 already here and unchanged" in result.stderr
    result = cli("import-orders", str(tmp_path / "missing.csv"), "--format", "shopify")
    assert result.returncode == 2 and result.stderr.startswith("error: Cannot read")
