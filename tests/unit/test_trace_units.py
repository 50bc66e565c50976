"""The trace names a unit by the RMA's unit number (issue 29: the wrong dress, unit 3,
was "item 2" in the trace and in Approvals because unit 2, missing, was not decided with
it). A case without unit numbers still numbers its items by place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.policy.case import CaseError, parse_case
from app.policy.engine import decide
from app.policy.rules import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "tests" / "data" / "case_contract_example.json").read_text())


def _case(units: list[int | None]) -> dict[str, Any]:
    case: dict[str, Any] = copy.deepcopy(EXAMPLE)
    first = case["items"][0]
    case["items"] = []
    for n, unit in enumerate(units):
        item = copy.deepcopy(first)
        item["sku"] = f"KP-EVG-1021-RED-{6 + 2 * n}"
        if unit is not None:
            item["unit_no"] = unit
        case["items"].append(item)
    # The second dress came back worn: its own steps say so.
    case["items"][1]["inspection"]["worn"] = True
    return case


def _reasons(case: dict[str, Any]) -> list[str]:
    decision = decide(parse_case(case), load_policy("kissprom"))
    return [t.reason for t in decision.trace]


def test_the_trace_names_units_by_their_numbers() -> None:
    reasons = _reasons(_case([1, 3]))
    assert any(r.startswith("item 3 (KP-EVG-1021-RED-8): ") for r in reasons), reasons
    assert not any(r.startswith("item 2 ") for r in reasons), reasons


def test_without_unit_numbers_items_are_numbered_by_place() -> None:
    reasons = _reasons(_case([None, None]))
    assert any(r.startswith("item 2 (KP-EVG-1021-RED-8): ") for r in reasons), reasons


def test_a_unit_number_that_is_not_a_whole_number_is_refused() -> None:
    case = _case([1, 3])
    case["items"][1]["unit_no"] = "three"
    with pytest.raises(CaseError, match=r"items\[1\]\.unit_no: must be a whole number"):
        parse_case(case)
