"""`main.py replay`: bench scripts through the same bench session the window drives: a
standard return, an exchange, a claim with photos, and an exception a manager approves.
PINs come from the environment, never the script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import pytest
from sqlalchemy import select

from app.bootstrap import bootstrap
from app.cli import run
from app.config import load_settings
from app.domain.enums import RequestedResolution, ReturnReason
from app.services.demo_data import load_demo_data
from models import Decision, Order, OrderLine, ReturnAuthorization, ReturnItem
from tests.conftest import NOW
from tests.helpers.photos import scene


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    services = bootstrap(load_settings(url, "BENCH-R"))
    load_demo_data(services.session_factory, orders=60, seed=4, today=NOW.date())
    services.dispose()
    for user, pin in (("INES", "1111"), ("MARIA", "444444"), ("SAM", "333333")):
        monkeypatch.setenv(f"RETURNBENCH_PIN_{user}", pin)
    return url


def _rma(url: str, reason: ReturnReason, requested: RequestedResolution,
         price: str | None = None) -> str:
    """A one-unit RMA shaped for the script: shipped back on its delivery day."""
    services = bootstrap(load_settings(url, "SETUP"))
    try:
        with services.session_factory() as s:
            rma = s.scalars(select(ReturnAuthorization).join(ReturnItem).where(
                ReturnItem.requested == requested).order_by(ReturnAuthorization.id)).first()
            assert rma is not None
            for extra in rma.items[1:]:
                s.delete(extra)
            item = rma.items[0]
            item.reason = reason
            rma.shipped_by_customer_on = s.get(Order, rma.order_id).delivered_on  # type: ignore[union-attr]
            line = s.get(OrderLine, item.order_line_id)
            assert line is not None
            line.clearance = False
            if price is not None:
                line.set_totals(Decimal(price) * line.quantity, Decimal("0.00"))
            s.commit()
            return rma.number
    finally:
        services.dispose()


def _replay(url: str, tmp_path: Path, lines: list[dict[str, Any]],
            capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    script = tmp_path / "bench.jsonl"
    script.write_text("# written by the test\n" + "\n".join(json.dumps(x) for x in lines))
    code = run(["--station", "BENCH-R", "--printer", f"file:{tmp_path / 'labels'}",
                "replay", str(script), "--db", url])
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    return code, out


def _final(url: str, number: str) -> Decision:
    services = bootstrap(load_settings(url, "CHECK"))
    try:
        with services.session_factory() as s:
            d = s.scalars(select(Decision).join(ReturnItem).join(ReturnAuthorization).where(
                ReturnAuthorization.number == number, Decision.superseded.is_(False))).one()
            s.expunge(d)
            return d
    finally:
        services.dispose()


def test_a_standard_return(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = _rma(db, ReturnReason.SIZING, RequestedResolution.REFUND, price="120.00")
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"}, {"scan": number}, {"grade": "A"}, {"accept": True},
        {"scan": "RMA-2026-999999-9", "expect": "error"}], capsys)
    assert code == 0, out
    assert out[2]["message"].startswith("Would be: item 1: refund")
    assert out[3]["units"] == {"1": "refund"} and out[3]["printed"] == [
        "item label for item 1 printed"]
    assert all(step["as_expected"] for step in out)
    assert _final(db, number).resolution.value == "refund"


def test_an_exchange(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = _rma(db, ReturnReason.SIZING, RequestedResolution.EXCHANGE, price="120.00")
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"}, {"scan": number}, {"grade": "A"}, {"accept": True}], capsys)
    assert code == 0, out
    resolution = out[3]["units"]["1"]
    assert resolution in ("exchange", "refund")  # refund stands in when out of stock
    if resolution == "exchange":
        assert "exchange label for item 1 printed" in out[3]["printed"]


def test_a_claim_with_photos(db: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    number = _rma(db, ReturnReason.QUALITY_DEFECT, RequestedResolution.REFUND, price="120.00")
    for n, seed in enumerate((31, 32)):
        cv2.imwrite(str(tmp_path / f"p{n}.png"), scene(seed))
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"}, {"scan": number}, {"grade": "C"},
        {"set": {"damage_severity": "moderate", "damage_cause": "manufacturing",
                 "matches_order": True}},
        {"accept": True},  # refused: the claim needs its photos first
        {"photo": "p0.png", "slot": "whole_item"},
        {"photo": "p1.png", "slot": "damage_closeup"},
        {"accept": True}], capsys)
    assert code == 0, out
    assert out[4]["level"] == "warn" and not out[4]["saved"] and not out[4].get("printed")
    assert out[4]["photos_needed"] == ["item 1 (whole item, damage closeup)"], out[4]
    assert out[7]["units"] == {"1": "refund"}
    assert _final(db, number).resolution.value == "refund"


def test_an_exception_a_manager_approves(db: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    number = _rma(db, ReturnReason.SIZING, RequestedResolution.REFUND, price="120.00")
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"}, {"scan": number}, {"grade": "D"},
        {"set": {"matches_order": True}},
        {"exception": "refund", "reason": "Customer was promised a refund on the phone"},
        {"answer": "last", "as": "ines", "approve": True, "expect": "error"},
        {"answer": "last", "as": "maria", "approve": True, "note": "call notes confirm"}],
        capsys)
    assert code == 0, out
    assert out[4]["amount"] == "120.00" and out[4]["printed"] == ["Hold-shelf tag printed."]
    assert "approve" in out[5]["message"].lower()  # an inspector may not approve
    assert out[6]["status"] == "approved" and "final label" in out[6]["message"]
    final = _final(db, number)
    assert final.resolution.value == "refund" and str(final.refund) == "120.00"


def test_a_script_without_pins_or_with_a_bad_line_fails_cleanly(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "in.jsonl"
    script.write_text('{"sign_in": "ines"}\n{"scan": "RMA-2026-000001-1"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNBENCH_PIN_")}
    done = subprocess.run([sys.executable, "main.py", "replay", str(script), "--db", db],
                          cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)
    steps = [json.loads(x) for x in done.stdout.splitlines()]
    assert done.returncode == 1 and "RETURNBENCH_PIN_INES" in steps[0]["message"]
    assert steps[1]["message"] == "Sign in first."
    # The PIN on standard input, never in the script.
    done = subprocess.run([sys.executable, "main.py", "replay", str(script), "--db", db],
                          cwd=root, env=env, input="1111\n", capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"scan": "RMA-1"\n')
    assert run(["replay", str(bad), "--db", db]) == 2
    assert "line 1: not a JSON object" in capsys.readouterr().err


def test_a_user_deactivated_while_the_script_runs_is_refused_in_one_line(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin deactivates Ines at another station while her script runs (here: right
    after she signs in): her next step is refused, its line says why, the reason is one
    line on stderr, and nothing more is done in her name (exit 1)."""
    from app.replay import Replay

    number = _rma(db, ReturnReason.SIZING, RequestedResolution.REFUND, price="120.00")
    run_step = Replay.run_step

    def then_deactivated(self: Replay, data: dict[str, Any]) -> Any:
        screen = run_step(self, data)
        if "sign_in" in data:
            admin = bootstrap(load_settings(db, "ADMIN-01"))
            try:
                admin.users.set_active(admin.auth.sign_in("adam", "555555"), "ines", False)
            finally:
                admin.dispose()
        return screen

    monkeypatch.setattr(Replay, "run_step", then_deactivated)
    script = tmp_path / "bench.jsonl"
    script.write_text("\n".join(json.dumps(x) for x in (
        {"sign_in": "ines"}, {"scan": number}, {"grade": "A"}, {"accept": True})))
    code = run(["--station", "BENCH-R", "--printer", f"file:{tmp_path / 'labels'}",
                "replay", str(script), "--db", db])
    captured = capsys.readouterr()
    out = [json.loads(x) for x in captured.out.splitlines() if x.strip()]
    reason = "Ines Moreno was deactivated by an admin: sign in again."
    assert code == 1
    assert [step["step"] for step in out] == [1, 2]  # the rest is not run
    assert out[1]["level"] == "error" and out[1]["message"] == reason
    assert out[1]["signed_out"] == reason and out[1]["place"] == "sign_in"
    assert captured.err.splitlines() == [f"replay stopped at line 2: {reason}"]
    services = bootstrap(load_settings(db, "CHECK"))
    try:
        with services.session_factory() as s:
            rma = s.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == number)).one()
            assert rma.status.value != "received" and not rma.receipts
    finally:
        services.dispose()
