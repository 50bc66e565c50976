"""The policy engine against a table of cases covering every rule of both brands.

Each row: a case built from a standard grade-A return by overrides, and the expected
resolution(s), money, approval and due dates. Expected values are worked out by hand from
shared/POLICY.md, not produced by the engine.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from app.policy.case import parse_case
from app.policy.contract import decision_to_json
from app.policy.engine import decide
from app.policy.rules import load_policy

POLICIES = {pid: load_policy(pid) for pid in ("kissprom", "stacees")}

BASE: dict[str, Any] = {
    "order": {"number": "KP-10042", "delivered": "2026-04-05", "tier": "standard",
              "shipping_paid": "6.95"},
    "rma": {"number": "RMA-2026-000123-4", "shipped_by_customer": "2026-04-12"},
    "received": "2026-04-15T10:30:00-07:00",
    "inspected": "2026-04-15T11:02:00-07:00",
}


def item(**over: Any) -> dict[str, Any]:
    ins = {"grade": "A", "worn": False, "altered": False, "tags_attached": True,
           "damage_severity": "none", "damage_cause": None, "photos": 0,
           "matches_order": True}
    ins.update(over.pop("inspection", {}))
    base = {"sku": "KP-EVG-1021-RED-6", "price_paid": "189.00", "msrp": "229.00",
            "tax": "15.12", "clearance": False, "reason": "sizing", "requested": "refund",
            "exchange_size": None, "exchange_in_stock": None, "inspection": ins}
    base.update(over)
    return base


def case(items: list[dict[str, Any]] | None = None, *, shipped: str | None = "2026-04-12",
         received: str = "2026-04-15T10:30:00-07:00", tier: str = "standard",
         inspected: str | None = None, shipping: str = "6.95",
         delivered: str = "2026-04-05") -> dict[str, Any]:
    c = copy.deepcopy(BASE)
    c["items"] = items or [item()]
    c["rma"]["shipped_by_customer"] = shipped
    c["received"] = received
    c["inspected"] = inspected or received
    c["order"]["tier"] = tier
    c["order"]["shipping_paid"] = shipping
    c["order"]["delivered"] = delivered
    return c


DAMAGE = {"grade": "C", "damage_severity": "moderate", "damage_cause": "manufacturing",
          "photos": 2}
SHIP_DAMAGE = {"grade": "C", "damage_severity": "minor", "damage_cause": "shipping",
               "photos": 3}

# id, policy, case, expected resolutions, expected refund_total, credit_total, approval,
# extra expectations
TABLE: list[tuple[str, str, dict[str, Any], list[str], str, str, str | None, dict[str, Any]]] = [
    ("contract example", "kissprom", case(), ["refund"], "204.12", "0.00", None,
     {"due.inspection": "2026-04-20", "due.refund": "2026-04-22", "dispositions": ["restock"]}),
    ("day 14 by ship date counts", "kissprom", case(shipped="2026-04-19",
     received="2026-04-22T10:00:00-07:00"), ["refund"], "204.12", "0.00", None, {}),
    ("day 15 by ship date closes", "kissprom", case(shipped="2026-04-20",
     received="2026-04-22T10:00:00-07:00"), ["return_to_customer"], "0.00", "0.00", None,
     {"dispositions": ["return_to_customer"]}),
    ("day 14 by receipt when ship date unknown", "kissprom",
     case(shipped=None, received="2026-04-19T23:30:00-07:00"), ["refund"], "204.12", "0.00",
     None, {}),
    ("day 15 by receipt (local date, not UTC)", "kissprom",
     case(shipped=None, received="2026-04-20T06:30:00+00:00"), ["refund"], "204.12", "0.00",
     None, {"note": "06:30 UTC is still Apr 19 in Los Angeles"}),
    ("day 15 by receipt closes", "kissprom",
     case(shipped=None, received="2026-04-20T09:00:00-07:00"), ["return_to_customer"],
     "0.00", "0.00", None, {}),
    ("grade B refund preps", "kissprom", case([item(inspection={"grade": "B"})]), ["refund"],
     "204.12", "0.00", None, {"dispositions": ["prep_and_restock"]}),
    ("grade C ordinary goes back", "kissprom", case([item(inspection={"grade": "C"})]),
     ["return_to_customer"], "0.00", "0.00", None, {}),
    ("worn goes back", "kissprom", case([item(inspection={"worn": True})]),
     ["return_to_customer"], "0.00", "0.00", None, {}),
    ("altered goes back", "kissprom", case([item(inspection={"altered": True})]),
     ["return_to_customer"], "0.00", "0.00", None, {}),
    ("clearance fee $25", "kissprom", case([item(clearance=True, price_paid="99.00",
     tax="8.17")]), ["refund"], "82.17", "0.00", None, {"fees": ["25.00"]}),
    ("clearance fee capped at price", "kissprom", case([item(clearance=True,
     price_paid="19.00", tax="1.57")]), ["refund"], "1.57", "0.00", None, {"fees": ["19.00"]}),
    ("no fee on regular items", "kissprom", case(), ["refund"], "204.12", "0.00", None,
     {"fees": ["0.00"]}),
    ("exchange in stock", "kissprom", case([item(requested="exchange", exchange_size="8",
     exchange_in_stock=True)]), ["exchange"], "0.00", "0.00", None,
     {"due.exchange_ship": "2026-04-17", "due.refund": None}),
    ("exchange day 30 counts", "kissprom", case([item(requested="exchange",
     exchange_size="8", exchange_in_stock=True)], shipped="2026-05-05",
     received="2026-05-07T10:00:00-07:00"), ["exchange"], "0.00", "0.00", None, {}),
    ("exchange day 31 closes", "kissprom", case([item(requested="exchange",
     exchange_size="8", exchange_in_stock=True)], shipped="2026-05-06",
     received="2026-05-07T10:00:00-07:00"), ["return_to_customer"], "0.00", "0.00", None, {}),
    ("exchange out of stock inside refund window refunds", "kissprom",
     case([item(requested="exchange", exchange_size="8", exchange_in_stock=False)]),
     ["refund"], "204.12", "0.00", None, {}),
    ("exchange out of stock refund keeps clearance fee", "kissprom",
     case([item(requested="exchange", exchange_size="8", exchange_in_stock=False,
                clearance=True)]), ["refund"], "179.12", "0.00", None, {}),
    ("exchange out of stock past refund window holds", "kissprom",
     case([item(requested="exchange", exchange_size="8", exchange_in_stock=False)],
          shipped="2026-04-25", received="2026-04-28T10:00:00-07:00"), ["hold"], "0.00",
     "0.00", "supervisor", {"dispositions": ["hold"]}),
    ("replacement outside a claim is a refund request", "kissprom",
     case([item(requested="replacement")]), ["refund"], "204.12", "0.00", None, {}),
    ("repair credit outside a claim is a refund request", "kissprom",
     case([item(requested="repair_credit")]), ["refund"], "204.12", "0.00", None, {}),
    ("grade X holds first, even on a claim", "kissprom",
     case([item(reason="quality_defect", inspection={**DAMAGE, "grade": "X", "photos": 0})]),
     ["hold"], "0.00", "0.00", "supervisor", {"dispositions": ["hold"]}),
    ("mismatch holds", "kissprom", case([item(inspection={"matches_order": False})]),
     ["hold"], "0.00", "0.00", "supervisor", {}),
    ("claim without enough photos", "kissprom",
     case([item(reason="quality_defect", inspection={**DAMAGE, "photos": 1})]),
     ["photos_required"], "0.00", "0.00", None,
     {"dispositions": ["hold"], "due.claim_resolution": None}),
    ("claim refund with shipping", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE)]), ["refund"], "211.07", "0.00",
     None, {"due.claim_resolution": "2026-04-17", "carrier_claim": False,
            "dispositions": ["refurbish"]}),
    ("claim on clearance has no fee", "kissprom",
     case([item(reason="quality_defect", clearance=True, inspection=DAMAGE)]), ["refund"],
     "211.07", "0.00", None, {"fees": ["0.00"]}),
    ("claim replacement", "kissprom",
     case([item(reason="quality_defect", requested="replacement", inspection=DAMAGE)]),
     ["replacement"], "0.00", "0.00", None, {"due.exchange_ship": "2026-04-17"}),
    ("claim repair credit minor", "kissprom",
     case([item(reason="shipping_damage", requested="repair_credit", inspection=SHIP_DAMAGE)]),
     ["repair_credit"], "0.00", "20.00", None, {"carrier_claim": True}),
    ("claim repair credit moderate", "kissprom",
     case([item(reason="quality_defect", requested="repair_credit", inspection=DAMAGE)]),
     ["repair_credit"], "0.00", "50.00", None, {}),
    ("claim repair credit severe", "kissprom",
     case([item(reason="quality_defect", requested="repair_credit",
                inspection={**DAMAGE, "damage_severity": "severe", "grade": "D"})]),
     ["repair_credit"], "0.00", "80.00", None, {"dispositions": ["liquidate"]}),
    ("claim exchange in stock is a replacement", "kissprom",
     case([item(reason="quality_defect", requested="exchange", exchange_size="8",
                exchange_in_stock=True, inspection=DAMAGE)]), ["replacement"], "0.00",
     "0.00", None, {}),
    ("claim exchange out of stock is a full refund", "kissprom",
     case([item(reason="quality_defect", requested="exchange", exchange_size="8",
                exchange_in_stock=False, inspection=DAMAGE)]), ["refund"], "211.07", "0.00",
     None, {}),
    ("shipping damage found on a sizing return is a claim", "kissprom",
     case([item(reason="sizing", inspection=SHIP_DAMAGE)]), ["refund"], "211.07", "0.00",
     None, {"carrier_claim": True}),
    ("customer damage is no claim", "kissprom",
     case([item(reason="quality_defect", inspection={**DAMAGE, "damage_cause": "customer"})]),
     ["return_to_customer"], "0.00", "0.00", None, {"carrier_claim": False}),
    ("claim reason but no damage found is ordinary", "kissprom",
     case([item(reason="quality_defect")]), ["refund"], "204.12", "0.00", None, {}),
    ("claim day 30 counts", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE)], shipped="2026-05-05",
          received="2026-05-07T10:00:00-07:00"), ["refund"], "211.07", "0.00", None, {}),
    ("claim day 31 is ordinary (grade C goes back)", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE)], shipped="2026-05-06",
          received="2026-05-07T10:00:00-07:00"), ["return_to_customer"], "0.00", "0.00",
     None, {}),
    ("claim day 30 by receipt (ship date unknown) counts", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE)], shipped=None,
          received="2026-05-05T18:00:00-07:00"), ["refund"], "211.07", "0.00", None, {}),
    ("claim day 31 by receipt (ship date unknown) is ordinary", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE)], shipped=None,
          received="2026-05-06T08:00:00-07:00"), ["return_to_customer"], "0.00", "0.00",
     None, {}),
    ("stacees exchange day 31 by receipt closes", "stacees",
     case([item(requested="exchange", exchange_size="8", exchange_in_stock=True)],
          shipped=None, received="2026-05-06T08:00:00-07:00"), ["return_to_customer"],
     "0.00", "0.00", None, {}),
    ("wrong item sent needs no photos", "kissprom",
     case([item(reason="wrong_item_sent")]), ["refund"], "211.07", "0.00", None, {}),
    ("refund $250.00 needs no approval", "kissprom",
     case([item(price_paid="230.88", tax="19.12")]), ["refund"], "250.00", "0.00", None, {}),
    ("refund $250.01 needs a manager", "kissprom",
     case([item(price_paid="230.89", tax="19.12")]), ["refund"], "250.01", "0.00",
     "manager", {}),
    ("two claim units refund shipping once, over $250", "kissprom",
     case([item(reason="quality_defect", inspection=DAMAGE),
           item(sku="KP-EVG-1021-BLK-8", reason="quality_defect", inspection=DAMAGE)]),
     ["refund", "refund"], "415.19", "0.00", "manager", {"refunds": ["211.07", "204.12"]}),
    ("repair credits do not count toward $250", "kissprom",
     case([item(price_paid="230.00", tax="19.00"),
           item(sku="B", reason="quality_defect", requested="repair_credit",
                inspection={**DAMAGE, "damage_severity": "severe"})]),
     ["refund", "repair_credit"], "249.00", "80.00", None, {}),
    ("hold plus big refund: manager is the highest", "kissprom",
     case([item(price_paid="300.00", tax="24.75"),
           item(sku="B", inspection={"grade": "X"})]), ["refund", "hold"], "324.75", "0.00",
     "manager", {}),
    ("weekend receipt: inspection due skips the weekend", "kissprom",
     case(received="2026-04-17T16:00:00-07:00"), ["refund"], "204.12", "0.00", None,
     {"due.inspection": "2026-04-22", "due.refund": "2026-04-24"}),
    ("holiday skipped in due dates", "kissprom",
     case(shipped="2026-05-20", delivered="2026-05-15", received="2026-05-22T09:00:00-07:00"),
     ["refund"], "204.12", "0.00", None,
     {"due.inspection": "2026-05-28", "due.refund": "2026-06-01"}),
    ("48 hours are clock hours across a weekend", "kissprom",
     case([item(requested="exchange", exchange_size="8", exchange_in_stock=True)],
          received="2026-04-17T16:00:00-07:00"), ["exchange"], "0.00", "0.00", None,
     {"due.exchange_ship": "2026-04-19"}),
    ("stacees 30-day refund window", "stacees",
     case(shipped="2026-05-05", received="2026-05-07T10:00:00-07:00"), ["refund"], "204.12",
     "0.00", None, {"due.refund": "2026-05-18"}),
    ("stacees day 31 closes", "stacees",
     case(shipped="2026-05-06", received="2026-05-07T10:00:00-07:00"),
     ["return_to_customer"], "0.00", "0.00", None, {}),
    ("stacees has no clearance fee", "stacees",
     case([item(clearance=True, price_paid="99.00", tax="8.17")]), ["refund"], "107.17",
     "0.00", None, {"fees": ["0.00"]}),
    ("stacees priority gets store credit now", "stacees", case(tier="priority"),
     ["store_credit"], "0.00", "204.12", None, {"due.refund": "2026-04-15"}),
    ("stacees enterprise store credit counts toward $250", "stacees",
     case([item(price_paid="240.00", tax="19.80")], tier="enterprise"), ["store_credit"],
     "0.00", "259.80", "manager", {}),
    ("stacees standard refund due in 7 business days", "stacees", case(), ["refund"],
     "204.12", "0.00", None, {"due.refund": "2026-04-24"}),
    ("kissprom ignores tiers", "kissprom", case(tier="enterprise"), ["refund"], "204.12",
     "0.00", None, {}),
]


@pytest.mark.parametrize(
    "name,policy,data,resolutions,refund_total,credit_total,approval,extra",
    TABLE, ids=[row[0] for row in TABLE])
def test_policy_table(name: str, policy: str, data: dict[str, Any], resolutions: list[str],
                      refund_total: str, credit_total: str, approval: str | None,
                      extra: dict[str, Any]) -> None:
    out = decision_to_json(decide(parse_case(data), POLICIES[policy]))
    assert [i["resolution"] for i in out["items"]] == resolutions
    assert out["refund_total"] == refund_total
    assert out["credit_total"] == credit_total
    assert out["approval"] == approval
    assert out["trace"] and all(t["rule"] and t["reason"] for t in out["trace"])
    assert out["policy"]["id"] == policy and len(out["policy"]["sha256"]) == 64
    for key, want in extra.items():
        if key.startswith("due."):
            assert out["due"][key[4:]] == want, key
        elif key == "dispositions":
            assert [i["disposition"] for i in out["items"]] == want
        elif key == "fees":
            assert [i["restocking_fee"] for i in out["items"]] == want
        elif key == "refunds":
            assert [i["refund"] for i in out["items"]] == want
        elif key == "carrier_claim":
            assert out["carrier_claim"] is want
    for it in out["items"]:
        assert Decimal(it["refund"]) >= 0 and Decimal(it["credit"]) >= 0


def test_table_has_at_least_40_cases() -> None:
    assert len(TABLE) >= 40
