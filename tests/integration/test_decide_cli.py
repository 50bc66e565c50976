"""`python main.py decide`: the POLICY.md contract end to end, and malformed input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "case_contract_example.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "decide", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_contract_example_gives_the_documented_decision() -> None:
    result = run(str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["items"] == [{"sku": "KP-EVG-1021-RED-6", "resolution": "refund",
                             "refund": "204.12", "restocking_fee": "0.00", "credit": "0.00",
                             "disposition": "restock"}]
    assert out["refund_total"] == "204.12" and out["credit_total"] == "0.00"
    assert out["approval"] is None and out["carrier_claim"] is False
    assert out["due"] == {"inspection": "2026-04-20", "refund": "2026-04-22",
                          "exchange_ship": None, "claim_resolution": None}
    assert out["policy"]["id"] == "kissprom" and out["policy"]["version"] == "2"
    assert out["trace"][0] == {"rule": "refund_window",
                               "reason": "shipped 7 days after delivery (limit 14)"}


def test_policy_option_overrides_the_case() -> None:
    out = json.loads(run(str(EXAMPLE), "--policy", "stacees").stdout)
    assert out["policy"]["id"] == "stacees" and out["due"]["refund"] == "2026-04-24"


def _with(tmp_path: Path, edit: Any) -> Path:
    data = json.loads(EXAMPLE.read_text())
    edit(data)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("edit,field", [
    (lambda d: d["items"][0].pop("price_paid"), "items[0].price_paid: missing"),
    (lambda d: d["items"][0].update(price_paid=189.0), "items[0].price_paid: must be a money"),
    (lambda d: d["items"][0]["inspection"].update(grade="E"),
     "items[0].inspection.grade: 'E' is not one of A, B, C, D, X"),
    (lambda d: d["order"].update(delivered="April 5"), "order.delivered: must be a date"),
    (lambda d: d.update(received="2026-04-15T10:30:00"), "received: needs a time zone"),
    (lambda d: d["items"][0].update(requested="exchange"),
     "items[0].exchange_in_stock: required when exchange is requested"),
    (lambda d: d.update(items=[]), "items: must be a non-empty list"),
    (lambda d: d["items"][0]["inspection"].update(photos=-1),
     "items[0].inspection.photos: must be a whole number"),
])
def test_malformed_case_names_the_field_and_prints_no_decision(tmp_path: Path, edit: Any,
                                                               field: str) -> None:
    result = run(str(_with(tmp_path, edit)))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: {field}" or field in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run(str(bad))
    assert result.returncode == 2 and "not valid JSON (line 1" in result.stderr
    missing = run(str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_broken_policy_file_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "broken.toml"
    text = (ROOT / "resources" / "policies" / "kissprom.toml").read_text()
    policy.write_text(text.replace("min_photos = 2", "min_photos = -2"))
    result = run(str(EXAMPLE), "--policy", str(policy))
    assert result.returncode == 2 and result.stdout == ""
    assert f"error: {policy}: claim.min_photos: must not be negative" in result.stderr
