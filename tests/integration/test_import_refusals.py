"""Imports refuse what they cannot read for sure (issue 27, item 10): a column named twice
refuses the file with one line naming the column (which copy holds the value cannot be
told); money with more than two decimals is a rejected row with its reason, never
rounded; the file is all or nothing and the CLI exits 2 with the reasons."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.errors import BadInput
from app.services.demo_data import DemoSummary
from app.services.imports import ImportService
from models import Order, Product
from tests.helpers.office import OFFICE_ENV, office_imports, office_user
from tests.helpers.shopify import export_csv, order_rows
from tests.integration.test_import_orders import _good_rows

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["Name", "Email", "Created at", "Shipping Zip", "Lineitem quantity",
          "Lineitem price", "Lineitem sku", "Vendor"]
ROW = ["#1001", "ava@example.com", "2025-05-11 09:55:16 -0400", "02134", "1", "10.00",
       "KP-EVG-1069-LIL-8", "KissProm"]


def _raw_csv(header: Sequence[str], *rows: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _orders(sf: sessionmaker[Session]) -> int:
    with sf() as s:
        return int(s.scalar(select(func.count()).select_from(Order)) or 0)


@pytest.mark.parametrize(("column", "second", "where"), [
    ("Lineitem price", "1000.00", "columns 6 and 9"),  # 10.00 in the first copy
    ("Lineitem sku", "ST-BAL-2001-NAV-4", "columns 7 and 9"),  # another product, brand
    ("lineitem  PRICE", "1000.00", "columns 6 and 9"),  # the same name to the reader
])
def test_a_column_named_twice_refuses_the_orders_file(
        session_factory: sessionmaker[Session], clock: FixedClock, column: str,
        second: str, where: str) -> None:
    data = _raw_csv([*HEADER, column], [*ROW, second])
    with pytest.raises(BadInput) as refused:
        office_imports(session_factory, clock).import_orders(data, "twice.csv")
    message = str(refused.value)
    assert f"twice ({where})" in message and "nothing imported" in message
    assert column in message and "\n" not in message
    assert _orders(session_factory) == 0


def test_a_column_named_twice_refuses_the_rma_and_cost_files(
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    rmas = _raw_csv(["RMA", "Order", "SKU", "Reason", "SKU"],
                    ["RMA-2026-000601-0", "#1001", "KP-A", "sizing", "KP-B"])
    with pytest.raises(BadInput, match=r"the column 'SKU' twice \(columns 3 and 5\)"):
        office_imports(session_factory, clock).import_rmas(rmas, "rmas.csv")
    costs = _raw_csv(["SKU", "Cost", "Cost"], ["KP-EVG-1069-LIL-8", "40.00", "4000.00"])
    service = ImportService(session_factory, clock, "OFFICE-1")
    with pytest.raises(BadInput, match=r"the column 'Cost' twice \(columns 2 and 3\)"):
        service.import_costs(costs, "costs.csv", office_user(session_factory))


@pytest.mark.parametrize(("field", "value"), [
    ("Lineitem price", "120.005"), ("Lineitem discount", "1.001"), ("Taxes", "9.999"),
    ("Lineitem compare at price", "$1,200.0001"), ("Subtotal", "320.000001"),
])
def test_money_with_more_than_two_decimals_is_a_rejected_row_never_rounded(
        session_factory: sessionmaker[Session], clock: FixedClock, field: str,
        value: str) -> None:
    rows = _good_rows()
    rows.append(order_rows("#1009", {
        "Email": "ida@example.com", "Created at": "2025-06-04 10:00:00 -0400",
        "Shipping Zip": "10001", "Subtotal": "120.00", "Taxes": "9.90"}, [
        {"Lineitem quantity": "1", "Lineitem price": "120.00",
         "Lineitem sku": "KP-CKT-0501-BLK-8", "Vendor": "KissProm"}])[0])
    rows[-1][field] = value
    report = office_imports(session_factory, clock).import_orders(export_csv(rows), "x.csv")
    assert not report.ok and report.new == 0  # all or nothing: the good orders wait too
    assert [(e.line, e.reason) for e in report.errors] == [
        (8, f"order #1009: {field} {value!r} has more than two decimals: a cent cannot be "
            "guessed (fix the file)")]
    assert _orders(session_factory) == 0


def test_a_cost_with_more_than_two_decimals_is_a_rejected_row(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock
        ) -> None:
    with session_factory() as s:
        sku = s.scalars(select(Product.sku).order_by(Product.sku).limit(1)).one()
    costs = _raw_csv(["SKU", "Cost"], [sku, "42.505"])
    report = ImportService(session_factory, clock, "OFFICE-1").import_costs(
        costs, "costs.csv", office_user(session_factory))
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, f"SKU {sku}: cost '42.505' has more than two decimals: a cent cannot be "
            "guessed (fix the file)")]


def test_cli_refuses_a_column_named_twice_and_an_amount_it_would_round(
        tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--db", db], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, env=OFFICE_ENV)

    assert cli("create-admin", "olga", "--name", "Olga Office").returncode == 0
    twice = tmp_path / "twice.csv"
    twice.write_bytes(_raw_csv([*HEADER, "Lineitem price"], [*ROW, "1000.00"]))
    result = cli("import-orders", str(twice), "--format", "shopify")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: The file has the column 'Lineitem price' twice (columns 6 and 9): nothing "
        "imported; keep one and import the file again."]
    rounded = tmp_path / "rounded.csv"
    rounded.write_bytes(_raw_csv(HEADER, [*ROW[:5], "120.005", *ROW[6:]]))
    result = cli("import-orders", str(rounded), "--format", "shopify")
    assert result.returncode == 2 and json.loads(result.stdout)["imported"] is False
    assert result.stderr.splitlines() == [
        f"{rounded.name}: nothing imported; 1 row rejected (fix them and import the file "
        "again).",
        "  rejected line 2: order #1001: Lineitem price '120.005' has more than two "
        "decimals: a cent cannot be guessed (fix the file)"]
    good = tmp_path / "good.csv"
    good.write_bytes(_raw_csv(HEADER, ROW))
    result = cli("import-orders", str(good), "--format", "shopify")
    assert result.returncode == 0 and json.loads(result.stdout)["new"] == 1, result.stderr
