"""Issue 27's cases played through `main.py replay` and the CLI, as a new user would: the
$378.85 RMA gets one manager approval however Enter is pressed, and its refunds leave
only after that approval; the good dress keeps its credit when the wrong dress's hold is
denied."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.bootstrap import bootstrap
from app.cli import run
from app.config import load_settings
from app.domain.enums import Brand, CustomerTier
from models import Decision, QaSample, ReturnAuthorization, ReturnItem, Settlement
from tests.conftest import NOW
from tests.helpers.rma_builder import UnitSpec, build_rma
from tests.integration import test_replay

db = test_replay.db  # the same fixture: a demo database, the PINs in the environment


def _build(url: str, units: list[UnitSpec], **kw: Any) -> str:
    services = bootstrap(load_settings(url, "SETUP"))
    try:
        return build_rma(services.session_factory, units, at=NOW, **kw)
    finally:
        services.dispose()


def _replay(url: str, tmp_path: Path, lines: list[dict[str, Any]],
            capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    script = tmp_path / "bench.jsonl"
    script.write_text("\n".join(json.dumps(x) for x in lines))
    code = run(["--station", "BENCH-R", "--printer", f"file:{tmp_path / 'labels'}",
                "replay", str(script), "--db", url])
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert code == 0, out
    assert all(step["as_expected"] for step in out), out
    return out


def _export(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RETURNBENCH_PIN", "444444")
    code = run(["export-settlements", "--db", url, "--user", "maria",
                "--outbox", str(tmp_path / "outbox")])
    capsys.readouterr()
    assert code == 0


def _regrade_samples(url: str, number: str, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    """A supervisor re-grades (the same grade) the dresses QA set aside: their money
    waits for that, whatever the approvals say."""
    services = bootstrap(load_settings(url, "CHECK"))
    try:
        with services.session_factory() as s:
            samples = list(s.scalars(select(QaSample.id).join(
                ReturnItem, QaSample.return_item_id == ReturnItem.id).join(ReturnAuthorization)
                .where(ReturnAuthorization.number == number, QaSample.status == "waiting")))
    finally:
        services.dispose()
    monkeypatch.setenv("RETURNBENCH_PIN", "333333")
    for sample in samples:
        assert run(["qa", "regrade", str(sample), "A", "--db", url, "--user", "sam"]) == 0
    capsys.readouterr()


def _settled(url: str, number: str) -> Decimal:
    services = bootstrap(load_settings(url, "CHECK"))
    try:
        with services.session_factory() as s:
            return sum((d.refund + d.credit for d in s.scalars(
                select(Decision).join(Settlement, Settlement.decision_id == Decision.id)
                .join(ReturnItem).join(ReturnAuthorization)
                .where(ReturnAuthorization.number == number,
                       Settlement.kind == "settlement"))), Decimal(0))
    finally:
        services.dispose()


@pytest.mark.parametrize("enters", ["one for both", "one per dress"])
def test_the_378_rma_waits_for_one_manager_however_enter_is_pressed(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], enters: str) -> None:
    number = _build(db, [UnitSpec("173.00", "14.26"), UnitSpec("177.00", "14.59")])
    grading: list[dict[str, Any]] = (
        [{"grade": "A", "unit": 1}, {"grade": "A", "unit": 2}, {"accept": True}]
        if enters == "one for both" else
        [{"grade": "A", "unit": 1}, {"accept": True},
         {"grade": "A", "unit": 2}, {"accept": True}])
    out = _replay(db, tmp_path, [{"sign_in": "ines"}, {"scan": number}, *grading], capsys)
    last = out[-1]
    assert "Waiting for manager approval" in last["message"], last
    assert len(last["approvals"]) == 1
    _export(db, tmp_path, monkeypatch, capsys)
    assert _settled(db, number) == 0  # nothing leaves before the manager says yes
    _replay(db, tmp_path, [{"sign_in": "maria"},
                           {"answer": last["approvals"][0], "as": "maria", "approve": True,
                            "note": "checked"}], capsys)
    _regrade_samples(db, number, monkeypatch, capsys)
    _export(db, tmp_path, monkeypatch, capsys)
    assert _settled(db, number) == Decimal("378.85")


def test_a_denied_hold_leaves_the_good_dress_its_credit(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = _build(db, [UnitSpec("108.00", "8.90"), UnitSpec("150.00", "12.00")],
                    brand=Brand.STACEES, tier=CustomerTier.PRIORITY)
    out = _replay(db, tmp_path, [
        {"sign_in": "ines"}, {"scan": number},
        {"grade": "B", "unit": 1}, {"set": {"matches_order": True}, "unit": 1},
        {"grade": "X", "unit": 2}, {"accept": True}], capsys)
    hold = out[-1]["approvals"]
    assert len(hold) == 1
    _replay(db, tmp_path, [{"sign_in": "sam"},
                           {"answer": hold[0], "as": "sam", "approve": False,
                            "note": "not ours", "instead": "quarantine"}], capsys)
    services = bootstrap(load_settings(db, "CHECK"))
    try:
        with services.session_factory() as s:
            live = {unit: (d.resolution.value, d.credit) for d, unit in s.execute(
                select(Decision, ReturnItem.unit_no).join(ReturnItem)
                .join(ReturnAuthorization).where(ReturnAuthorization.number == number,
                                                 Decision.superseded.is_(False)))}
    finally:
        services.dispose()
    assert live == {1: ("store_credit", Decimal("116.90")), 2: ("hold", Decimal("0.00"))}
