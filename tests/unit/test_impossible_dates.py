"""Dates that cannot be (issue 13, item 4): `decide` refuses the case, naming the field and
the reason, judging the dates against each other only (never the wall clock). The same day
is always possible."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import run
from app.errors import BadInput
from app.policy.case import CaseError, parse_case
from app.policy.contract import decide_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "tests" / "data" / "case_contract_example.json").read_text())


def _case(edit: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    # delivered 04-05, shipped 04-12, received 04-15 10:30
    data: dict[str, Any] = copy.deepcopy(EXAMPLE)
    if edit is not None:
        edit(data)
    return data


IMPOSSIBLE = [
    pytest.param(lambda d: d["order"].update(delivered="2026-04-16"),
                 "order.delivered 2026-04-16 is after received 2026-04-15",
                 id="delivered-after-received"),
    pytest.param(lambda d: d["rma"].update(shipped_by_customer="2026-03-01"),
                 "rma.shipped_by_customer 2026-03-01 is before order.delivered 2026-04-05: "
                 "a parcel cannot ship back before it arrived", id="shipped-before-delivery"),
    pytest.param(lambda d: d["rma"].update(shipped_by_customer="2026-04-16"),
                 "rma.shipped_by_customer 2026-04-16 is after received 2026-04-15",
                 id="shipped-after-received"),
    pytest.param(lambda d: d.update(inspected="2026-04-15T10:29:59-07:00"),
                 "inspected 2026-04-15T10:29:59-07:00 is before received "
                 "2026-04-15T10:30:00-07:00", id="inspected-before-received"),
    pytest.param(lambda d: d["order"].update(placed="2026-04-06"),
                 "order.delivered 2026-04-05 is before order.placed 2026-04-06",
                 id="delivered-before-placed"),
    pytest.param(lambda d: d["order"].update(placed="2026-04-06T09:00:00-07:00"),
                 "order.delivered 2026-04-05 is before order.placed 2026-04-06",
                 id="delivered-before-placed-moment"),
]


@pytest.mark.parametrize("edit,message", IMPOSSIBLE)
def test_parse_case_refuses_impossible_dates(edit: Callable[[dict[str, Any]], object],
                                             message: str) -> None:
    with pytest.raises(CaseError) as err:
        parse_case(_case(edit))
    assert isinstance(err.value, BadInput) and err.value.exit_code == 2
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize("edit,message", IMPOSSIBLE)
def test_decide_cli_exits_2_with_the_field_and_reason(
        edit: Callable[[dict[str, Any]], object], message: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_case(edit)))
    assert run(["decide", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {message}") and len(err.strip().splitlines()) == 1


def test_the_real_command_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_case(lambda d: d["rma"].update(
        shipped_by_customer="2026-03-01"))))
    result = subprocess.run([sys.executable, "main.py", "decide", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "error: rma.shipped_by_customer 2026-03-01 is before order.delivered 2026-04-05: "
        "a parcel cannot ship back before it arrived")


BOUNDARIES = [
    pytest.param(lambda d: d.update(inspected=d["received"]), id="inspected-at-receipt"),
    pytest.param(lambda d: d.pop("inspected"), id="inspected-defaults-to-received"),
    pytest.param(lambda d: d["rma"].update(shipped_by_customer="2026-04-05"),
                 id="shipped-on-delivery-day"),
    pytest.param(lambda d: d["rma"].update(shipped_by_customer="2026-04-15"),
                 id="shipped-on-receipt-day"),
    pytest.param(lambda d: (d["order"].update(delivered="2026-04-15"),
                            d["rma"].update(shipped_by_customer="2026-04-15")),
                 id="delivered-shipped-received-same-day"),
    pytest.param(lambda d: d["order"].update(placed="2026-04-05"), id="delivered-on-placed-day"),
    pytest.param(lambda d: d["rma"].update(shipped_by_customer=None), id="no-ship-date"),
]


@pytest.mark.parametrize("edit", BOUNDARIES)
def test_same_day_is_possible_and_decides(edit: Callable[[dict[str, Any]], object],
                                          tmp_path: Path) -> None:
    data = _case(edit)
    case = parse_case(data)
    assert case.inspected >= case.received
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    out = decide_file(path, None)
    assert out["items"][0]["resolution"] == "refund"


def test_the_placed_date_is_read_when_given() -> None:
    assert parse_case(_case()).placed is None
    case = parse_case(_case(lambda d: d["order"].update(placed="2026-04-01")))
    assert case.placed is not None and case.placed.isoformat() == "2026-04-01"
    with pytest.raises(CaseError, match=r"^order\.placed: must be a date"):
        parse_case(_case(lambda d: d["order"].update(placed="April 1")))


def test_dates_are_judged_against_the_case_not_the_wall_clock() -> None:
    """A case from the far future or the far past decides the same: only its own dates
    count, and the receipt's date is taken in its own offset."""
    far = _case(lambda d: (d["order"].update(delivered="2099-01-01"),
                           d["rma"].update(shipped_by_customer="2099-01-02"),
                           d.update(received="2099-01-03T10:00:00-07:00",
                                    inspected="2099-01-03T10:00:00-07:00")))
    assert parse_case(far).delivered.year == 2099
    # 23:30 at -07:00 is already the next day in UTC; in its own offset it is still the 15th.
    late = _case(lambda d: d.update(received="2026-04-15T23:30:00-07:00",
                                    inspected="2026-04-15T23:45:00-07:00"))
    late["rma"]["shipped_by_customer"] = "2026-04-15"
    parse_case(late)
    late["rma"]["shipped_by_customer"] = "2026-04-16"
    with pytest.raises(CaseError, match="is after received 2026-04-15"):
        parse_case(late)


def test_malformed_fields_are_named_before_impossible_dates() -> None:
    data = _case(lambda d: d["rma"].update(shipped_by_customer="2026-03-01"))
    data["items"][0].pop("price_paid")
    with pytest.raises(CaseError, match=r"^items\[0\]\.price_paid: missing"):
        parse_case(data)
