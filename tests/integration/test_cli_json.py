"""Every command prints one JSON document on stdout and its sentence on stderr (issue 29,
10), so a script reads stdout with json.loads and a person reads stderr; `lot show --out`
writes a lot's manifest (MSRP, cost) only for a signed-in manager, and the audit log
says who wrote which files (issue 29, 2)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import cli
from app.cli import build_parser, run
from app.clock import FixedClock
from app.permissions import PERMISSIONS, Action
from app.services.demo_data import DEMO_USERS, load_demo_data
from models.db import make_engine, make_session_factory, upgrade
from tests.conftest import NOW
from tests.helpers.totes import bench
from tests.integration.conftest import DEMO_DAY, user_named
from tests.integration.test_totes_lots import _liquidation_tote

TEST = Path(__file__).resolve().parent.parent
CASE = TEST / "data" / "case_contract_example.json"


@dataclass(frozen=True)
class World:
    url: str
    folder: Path
    closed_lot: str     # closed, with two dresses
    loose_tote: str     # a closed liquidation tote on no lot
    photographed: str   # an RMA whose unit 1 has its photos
    sku: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("cli-json")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sf = make_session_factory(engine)
    load_demo_data(sf, orders=120, seed=11, today=DEMO_DAY)
    clock = FixedClock(NOW)
    services = bench(sf, clock, folder)
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    tote, numbers = _liquidation_tote(sf, services, clock, ines, (0, 1))
    loose, _ = _liquidation_tote(sf, services, clock, ines, (2,))
    services.putaway.close_tote(loose, ines)
    lot = services.lots.open_lot("liquidation", ines)
    services.lots.add_tote(lot.code, tote, ines)
    services.lots.close_lot(lot.code, "Rack Room Resale", "90.00", maria)
    manifest = services.lots.manifest(lot.code)
    engine.dispose()
    return World(url, folder, lot.code, loose, numbers[0], manifest.lines[0].item.sku)


def _as(monkeypatch: pytest.MonkeyPatch, action: Action | None) -> None:
    """Sign in as the first demo user allowed `action` (nobody for None)."""
    if action is None:
        monkeypatch.delenv("RETURNBENCH_USER", raising=False)
        monkeypatch.delenv("RETURNBENCH_PIN", raising=False)
        return
    user = next(u for u in DEMO_USERS if action in PERMISSIONS[u.role])
    monkeypatch.setenv("RETURNBENCH_USER", user.username)
    monkeypatch.setenv("RETURNBENCH_PIN", user.pin)


def _json_and_sentence(args: list[str], capsys: pytest.CaptureFixture[str],
                       sentence: str | None) -> object:
    code = run(args)
    out, err = capsys.readouterr()
    assert code == 0, (args, err)
    assert "Traceback" not in err and "error:" not in err, (args, err)
    found = json.loads(out)  # the whole of stdout: one document
    if sentence is None:
        assert err == "", (args, err)
    else:
        assert sentence in err, (args, err)
    return found


def test_every_command_prints_one_json_document_and_its_sentence_on_stderr(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = ["--db", world.url]
    costs, rmas = tmp_path / "costs.csv", tmp_path / "rmas.csv"
    costs.write_text(f"SKU,Cost\n{world.sku},41.50\n")
    rmas.write_text("RMA,Order,SKU,Reason\n")
    steps: list[tuple[Action | None, list[str], str | None]] = [
        (None, ["lookup", world.photographed], None),
        (None, ["where", world.loose_tote], None),
        (None, ["decide", str(CASE)], None),
        (None, ["lot", "show", world.closed_lot], f"Lot {world.closed_lot}"),
        (None, ["audit", "verify"], "Audit log intact"),
        (None, ["ledger", "check"], "Ledger check: ledger clean"),
        (None, ["offline", "status"], ""),
        (None, ["offline", "conflicts"], "0 conflicts waiting"),
        (Action.PRINT_LABELS, ["label", world.photographed, "--kind", "item", "--format",
                               "pdf", "-o", str(tmp_path / "label.pdf")], "label of"),
        (Action.PRINT_LABELS, ["totes", "2"], "2 tote plates"),
        (Action.MANAGE_USERS, ["badge", "ines", "-o", str(tmp_path / "badge.pdf")],
         "badge of ines"),
        (Action.PRINT_AUTHORIZATION_LOG, ["authlog", "--from", "2026-04-01", "--to",
                                          "2026-04-30", "-o", str(tmp_path / "log.pdf")],
         "Authorization log"),
        (Action.VIEW_REPORTS, ["report", "--from", "2026-04-01", "--to", "2026-04-16", "-o",
                               str(tmp_path / "kpi.pdf")], "returns report"),
        (Action.IMPORT_DATA, ["import-costs", str(costs)], "1 SKU costs set or changed"),
        (Action.IMPORT_DATA, ["import-rmas", str(rmas)], "rmas.csv: 0 rows"),
        (Action.EXPORT_SETTLEMENTS, ["export-settlements", "--outbox",
                                     str(tmp_path / "outbox")], "Exported"),
        (Action.REGRADE, ["qa", "queue"], "waiting for a blind re-grade"),
        (Action.VIEW_REPORTS, ["qa", "agreement"], "Overall:"),
        (Action.VIEW_REPORTS, ["qa", "rounds"], "No calibration round finished yet."),
        (Action.MANAGE_CALIBRATION, ["qa", "references"], "0 reference dresses"),
        (Action.MANAGE_CALIBRATION, ["qa", "reference", world.photographed, "1", "D"],
         "Reference dress #1"),
        (Action.MANAGE_CALIBRATION, ["qa", "retire", "1"], "retired"),
        (Action.DECIDE, ["lot", "open", "liquidation"], "Lot LOT-"),
        (Action.MANAGE_USERS, ["db-upgrade"], "is up to date"),
        (Action.MANAGE_USERS, ["create-admin", "olga"], "olga is an admin now."),
    ]
    shown: dict[str, object] = {}
    for action, args, sentence in steps:
        _as(monkeypatch, action)
        shown[" ".join(args[:2])] = _json_and_sentence([*args, *db], capsys, sentence)
    assert isinstance(shown[f"import-costs {costs}"], dict)
    opened = shown["lot open"]
    assert isinstance(opened, dict) and opened["status"] == "open"
    _as(monkeypatch, Action.DECIDE)
    added = _json_and_sentence(["lot", "add", str(opened["lot"]), world.loose_tote, *db],
                               capsys, "Lot LOT-")
    assert isinstance(added, dict) and added["totes"] == [world.loose_tote]
    _as(monkeypatch, Action.CLOSE_LOTS)
    closed = _json_and_sentence(["lot", "close", str(opened["lot"]), "--party", "Buyer",
                                 "--price", "10", "--out", str(tmp_path / "lot"), *db],
                                capsys, "Manifest")
    assert isinstance(closed, dict) and closed["status"] == "closed"
    assert Path(str(closed["manifest"])).exists() and Path(str(closed["csv"])).exists()
    # A new database: demo data, then its first admin.
    _as(monkeypatch, None)
    fresh = ["--db", f"sqlite:///{tmp_path / 'fresh.db'}"]
    demo = _json_and_sentence(["demo-data", "--orders", "5", "--plain", *fresh], capsys,
                              "Demo data for 5 orders")
    assert isinstance(demo, dict)
    empty = ["--db", f"sqlite:///{tmp_path / 'empty.db'}"]
    monkeypatch.setenv("RETURNBENCH_PIN", "246802")
    first = _json_and_sentence(["create-admin", "olga", *empty], capsys, "first")
    assert first == {"created": "olga", "role": "admin", "first_admin": True}


def test_lot_show_writes_the_manifest_only_for_a_signed_in_manager(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "manifest"
    args = ["lot", "show", world.closed_lot, "--out", str(out), "--db", world.url]
    _as(monkeypatch, None)
    assert run(args) == 2
    refused, err = capsys.readouterr()
    assert refused == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("error: lot needs a user allowed to close outbound lots")
    _as(monkeypatch, Action.DECIDE)  # an inspector: may not see what the dresses cost
    assert run(args) == 1 and "may not" in capsys.readouterr().err
    assert not out.exists()

    _as(monkeypatch, Action.CLOSE_LOTS)
    written = _json_and_sentence(args, capsys, "Manifest")
    assert isinstance(written, dict) and written["lot"] == world.closed_lot
    pdf, csv_path = Path(str(written["manifest"])), Path(str(written["csv"]))
    assert pdf.read_bytes().startswith(b"%PDF") and world.sku in csv_path.read_text()
    with sqlite3.connect(world.url.removeprefix("sqlite:///")) as conn:
        entries = conn.execute("SELECT actor, entity_id, payload FROM audit_events WHERE "
                               "action = 'lot.manifest_printed'").fetchall()
    assert len(entries) == 1
    actor, lot, payload = entries[0]
    assert (actor, lot) == ("maria", world.closed_lot)
    assert json.loads(payload)["manifest"] == str(pdf)
    assert json.loads(payload)["csv"] == str(csv_path)
    _as(monkeypatch, None)
    assert run(["audit", "verify", "--db", world.url]) == 0, capsys.readouterr().err


def test_every_command_names_its_code() -> None:
    """The dispatch names each command's module and function by words: each resolves."""
    tables = (cli._PURE, cli._ONE_SERVICE, cli._HANDLERS)
    for table in tables:
        for where in table.values():
            assert callable(cli._command(where)), where
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    assert set(commands) == {name for table in tables for name in table}


def test_an_error_is_one_line_whatever_the_input_held(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A value quoted in the message may hold a line break: \\x1e splits a line too."""
    assert run(["decide", str(CASE), "--policy", "0\x1e\nx"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: ")
