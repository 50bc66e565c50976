"""Outbound lots (issue 18): liquidation, donation and return-to-vendor pallets collect
closed totes of the dispositions they take, close once with their buyer (or charity or
vendor) and price, and write a manifest PDF (read back: words, the lot's Code128) and a
CSV with MSRP, cost (from the catalogue CSV import) and fair value. Reachable from the
command line too; a bad cost file changes nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.enums import Grade
from app.errors import BadInput
from app.services.uow import UnitOfWork
from models import AuditEvent, OrderLine, Product, ReturnAuthorization, ReturnItem, Tote
from tests.helpers.readback import decode_pdf, pdf_words
from tests.helpers.totes import bench, decide_damaged, decide_one
from tests.integration.conftest import user_named


def _liquidation_tote(sf, services, clock, user, skips) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Damaged (grade D) dresses decided and put into one tote."""
    (tote,) = services.putaway.make_totes(1, user)
    numbers = []
    for skip in skips:
        number = decide_damaged(sf, services, clock, user, skip)
        placed = services.putaway.into_tote(number, 1, tote, user)
        assert placed.tote.disposition == "liquidate", placed
        numbers.append(number)
    return tote, numbers


def test_a_liquidation_lot_closes_once_with_its_manifest(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    tote, _numbers = _liquidation_tote(sf, services, clock, ines, (0, 1, 2))
    (restock_tote,) = services.putaway.make_totes(1, ines)
    good = decide_one(sf, services, clock, ines, 3, grade=Grade.A)
    services.putaway.into_tote(good, 1, restock_tote, ines)
    # What the dresses cost us, from the catalogue import.
    with UnitOfWork(sf) as uow:
        skus = sorted({sku for sku in uow.session.scalars(select(OrderLine.sku))})[:400]
    data = "SKU,Cost\n" + "".join(f"{sku},{40 + n % 7}.50\n" for n, sku in enumerate(skus))
    report = services.imports.import_costs(data.encode(), "costs.csv", maria)
    assert report.ok and report.new == len(skus)

    lot = services.lots.open_lot("liquidation", ines)
    with pytest.raises(BadInput, match="liquidation lot takes liquidate only"):
        services.lots.add_tote(lot.code, restock_tote, ines)
    view = services.lots.add_tote(lot.code, tote, ines)
    assert view.totes == (tote,) and view.items == 3
    assert services.lots.add_tote(lot.code, tote, ines).items == 3  # again: nothing new
    other = services.lots.open_lot("donation", ines)
    with pytest.raises(BadInput, match="on lot"):
        services.lots.add_tote(other.code, tote, ines)
    # Only a manager closes a lot, with its buyer and its price.
    from app.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.lots.close_lot(lot.code, "Rack Room Resale", "300.00", ines)
    with pytest.raises(BadInput, match="price the buyer pays"):
        services.lots.close_lot(lot.code, "Rack Room Resale", None, maria)
    manifest = services.lots.close_lot(lot.code, "Rack Room Resale", "$1,200.00", maria)
    assert manifest.lot.status == "closed" and manifest.lot.price == Decimal("1200.00")
    assert len(manifest.lines) == 3 and manifest.costed == 3
    with UnitOfWork(sf) as uow:
        s = uow.session
        lines = {ln.item.sku: ln for ln in manifest.lines}
        costs: dict[str, Decimal | None] = {sku: cost for sku, cost in s.execute(
            select(Product.sku, Product.cost).where(Product.sku.in_(lines)))}
        assert manifest.cost_total == sum(costs[ln.item.sku] or 0 for ln in manifest.lines)
        assert s.scalars(select(Tote.status).where(Tote.code == tote)).one() == "shipped"
        closed = s.scalars(select(AuditEvent.payload).where(
            AuditEvent.action == "lot.closed")).one()
        assert closed["price"] == "1200.00"
    assert services.putaway.where(tote).now == f"shipped on lot {lot.code}"
    shipped = services.putaway.where(manifest.lines[0].item.plate)
    assert shipped.now == f"shipped in tote {tote} on lot {lot.code}"
    with pytest.raises(BadInput, match="closes once"):
        services.lots.close_lot(lot.code, "Someone else", "1.00", maria)

    pdf, csv_path = services.lots.write_documents(manifest, tmp_path / "outbox")
    words = pdf_words(pdf.read_bytes(), tmp_path)
    assert "Liquidation lot manifest" in words and "Rack Room Resale" in words
    assert "$1,200.00" in words and manifest.lines[0].item.plate in words
    assert lot.code in decode_pdf(pdf.read_bytes(), 200, tmp_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert [r["plate"] for r in rows] == [ln.item.plate for ln in manifest.lines]
    assert sum(Decimal(r["cost"]) for r in rows) == manifest.cost_total


def test_a_donation_manifest_names_donor_charity_and_fair_values(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    tote, _numbers = _liquidation_tote(sf, services, clock, ines, (0, 1))
    lot = services.lots.open_lot("donation", ines)
    services.lots.add_tote(lot.code, tote, ines)
    with pytest.raises(BadInput, match="no price"):
        services.lots.close_lot(lot.code, "Dress for Success", "10.00", maria)
    manifest = services.lots.close_lot(lot.code, "Dress for Success", None, maria)
    # The fair value is the outlet price: MSRP x the brand's outlet percent (40%).
    for ln in manifest.lines:
        assert ln.fair_value == (ln.item.msrp * 40 / 100).quantize(Decimal("0.01"))
    assert manifest.fair_value_total == sum(ln.fair_value for ln in manifest.lines)
    pdf, _csv = services.lots.write_documents(manifest, tmp_path)
    words = pdf_words(pdf.read_bytes(), tmp_path)
    assert "Donation manifest" in words and "Dress for Success" in words
    assert "Formalwear Returns Warehouse" in words  # the donor, from the location map
    assert clock.now().date().isoformat() in words
    from app.domain.money import format_money

    assert format_money(manifest.fair_value_total) in words


def test_a_bad_cost_file_changes_nothing(session_factory, demo, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    maria = user_named(sf, "maria")
    with UnitOfWork(sf) as uow:
        sku, before = uow.session.execute(select(Product.sku, Product.cost)
                                          .order_by(Product.id).limit(1)).one()
    assert before != Decimal("12.00")
    bad = f"SKU,Cost\n{sku},12.00\nNOPE-1,3.00\n{sku},13.00\nX,abc\n".encode()
    report = services.imports.import_costs(bad, "bad.csv", maria)
    assert not report.ok
    assert [e.line for e in report.errors] == [3, 4, 5]
    assert "NOPE-1 is not in the catalogue" in str(report.errors[0])
    with UnitOfWork(sf) as uow:
        assert uow.session.scalars(select(Product.cost).where(Product.sku == sku)).one() \
            == before


def test_lots_from_the_command_line(tmp_path: Path) -> None:
    """`lot open/add/close/show`, `totes N` and `import-costs`, as a manager at a
    terminal: JSON on stdout, one-line errors and exit 2 for a refusal."""
    from tests.integration.test_cli import MARIA, _one_line_error, run

    db = ["--db", f"sqlite:///{tmp_path / 'lots.db'}"]
    data = {"RETURNBENCH_DATA_DIR": str(tmp_path / "data")}
    assert run("demo-data", "--orders", "40", "--plain", *db, env=data).returncode == 0
    opened = run("lot", "open", "liquidation", *db, env={**data, **MARIA})
    assert opened.returncode == 0, opened.stderr
    code = json.loads(opened.stdout)["lot"]
    # No totes on it: closing is refused in one line, nothing written.
    empty = run("lot", "close", code, "--party", "Buyer", "--price", "10", "--out",
                str(tmp_path / "out"), *db, env={**data, **MARIA})
    assert empty.returncode == 2 and "no totes" in _one_line_error(empty)
    assert not (tmp_path / "out").exists()
    misread = run("lot", "show", "LOT-000001-0", *db, env=data)
    assert misread.returncode == 2 and "not a lot code" in _one_line_error(misread)
    made = run("totes", "3", *db, env={**data, **MARIA})
    assert made.returncode == 0, made.stderr
    assert len(json.loads(made.stdout)["totes"]) == 3 and "tote plates" in made.stderr
    assert len(list((tmp_path / "data" / "labels").glob("totes-*.pdf"))) == 1  # one job
    costs = tmp_path / "costs.csv"
    costs.write_text("SKU,Cost\nNOT-A-SKU,1.00\n")
    bad = run("import-costs", str(costs), *db, env={**data, **MARIA})
    assert bad.returncode == 2 and "NOT-A-SKU is not in the catalogue" in bad.stderr
    shown = run("lot", "show", code, *db, env=data)
    assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "open"


def test_after_the_bench_report(session_factory, demo, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Dwell per location, what has not moved, and recovery by disposition against the
    refunds, computed by hand from the same dresses."""
    import datetime as dt

    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    tote, _numbers = _liquidation_tote(sf, services, clock, ines, (0, 1))
    (shelf_tote, idle_tote) = services.putaway.make_totes(2, ines)
    shelved = []
    for skip, into in ((2, shelf_tote), (3, shelf_tote), (4, idle_tote)):
        number = decide_one(sf, services, clock, ines, skip)
        services.putaway.into_tote(number, 1, into, ines)
        shelved += [number] if into == shelf_tote else []
    services.putaway.close_tote(shelf_tote, ines)
    services.putaway.put_away(shelf_tote, "R-A-01", ines)
    lot = services.lots.open_lot("liquidation", ines)
    services.lots.add_tote(lot.code, tote, ines)
    services.lots.close_lot(lot.code, "Rack Room Resale", "90.00", maria)
    clock.advance(dt.timedelta(days=20))

    report = services.reports.after_bench(maria, stale_days=14)
    rows = {r.disposition: r for r in report.recovery}
    lines = services.lots.manifest(lot.code).lines
    assert rows["liquidate"].dresses == 2 and rows["liquidate"].pending == 0
    assert rows["liquidate"].recovered == Decimal("90.00")  # 45.00 a dress
    assert rows["liquidate"].refunded == sum(ln.item.refunded for ln in lines)
    restock = rows["restock"]
    assert (restock.dresses, restock.pending) == (3, 1)  # one tote never left the bench
    with UnitOfWork(sf) as uow:  # two dresses on the shelf, at their MSRP
        msrp = sum(uow.session.scalars(
            select(OrderLine.msrp).join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
            .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
            .where(ReturnAuthorization.number.in_(shelved))))
    assert restock.recovered == msrp
    (dwell,) = report.dwell
    assert (dwell.code, dwell.dresses) == ("R-A-01", 2) and 19.9 < dwell.median_days < 20.1
    # Not moved in 14 days: the forgotten tote; not the shelf's two (sellable stock now)
    # nor the shipped lot.
    (stale,) = report.stale
    assert "not put away" in stale.place and stale.days > 19
