"""A brand's policy, loaded from TOML and validated key by key.

A bad file is refused with the file, the key and the reason; nothing half-loaded is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.enums import CustomerTier, DamageSeverity
from app.domain.money import money
from app.errors import BadInput

POLICY_DIR = Path(__file__).resolve().parents[2] / "resources" / "policies"


class PolicyError(BadInput):
    """A policy file that cannot be used."""


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    name: str
    sha256: str
    timezone: ZoneInfo
    holidays: frozenset[dt.date]
    assumed: frozenset[str]
    refund_window_days: int
    restocking_fee_clearance: Decimal
    restocking_fee_regular: Decimal
    refund_due_business_days: int
    refund_target_business_days: int
    store_credit_tiers: frozenset[CustomerTier]
    exchange_window_days: int
    exchange_ship_hours: int
    claim_window_days: int
    claim_min_photos: int
    claim_resolution_hours: int
    repair_credit: dict[DamageSeverity, Decimal]
    refund_threshold: Decimal
    supervisor_limit: Decimal
    inspection_business_days: int
    escalation_hours: int
    alteration_min_subtotal: Decimal
    alteration_amount: Decimal
    extra_sla_hours: dict[str, int]
    # After the bench: business days a dress spends in steaming or refurbishment before it
    # is expected back on a shelf, and the outlet price as a share of the MSRP.
    steam_days: int
    refurbish_days: int
    outlet_percent: int
    # Grading QA: the share of decisions re-graded blind, raised for an inspector's first
    # working days and for items over a value.
    qa_share_percent: int
    qa_raised_percent: int
    qa_new_inspector_days: int
    qa_high_value: Decimal
    source: str
    text: str


MAX_POLICY_NUMBER = 3660  # days or hours: ten years at most; more is a typo


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError("must be a whole number")
    if v < 0:
        raise ValueError("must not be negative")
    if v > MAX_POLICY_NUMBER:
        raise ValueError(f"{v} is more than {MAX_POLICY_NUMBER:,}: a typo?")
    return v


def _money(v: Any) -> Decimal:
    if not isinstance(v, str):
        raise ValueError('must be a money string such as "25.00"')
    amount = money(v)
    if amount < 0:
        raise ValueError("must not be negative")
    return amount


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be a non-empty string")
    return v


def _str_list(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError("must be a list of strings")
    return list(v)


_SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], bool]]] = {
    # section -> key -> (parser, required)
    "policy": {"id": (_str, True), "version": (_str, True), "name": (_str, True),
               "timezone": (_str, True), "holidays": (_str_list, True),
               "assumed": (_str_list, False)},
    "refund": {"window_days": (_int, True), "restocking_fee_clearance": (_money, True),
               "restocking_fee_regular": (_money, True), "due_business_days": (_int, True),
               "target_business_days": (_int, True), "store_credit_tiers": (_str_list, True)},
    "exchange": {"window_days": (_int, True), "ship_within_hours": (_int, True)},
    "claim": {"window_days": (_int, True), "min_photos": (_int, True),
              "resolution_hours": (_int, True), "repair_credit_minor": (_money, True),
              "repair_credit_moderate": (_money, True), "repair_credit_severe": (_money, True)},
    "approval": {"refund_threshold": (_money, True), "supervisor_limit": (_money, True)},
    "sla": {"inspection_business_days": (_int, True), "escalation_hours": (_int, True),
            "tier1_hours": (_int, False), "tier2_hours": (_int, False),
            "tier3_min_hours": (_int, False), "tier3_max_hours": (_int, False)},
    "alteration_credit": {"min_order_subtotal": (_money, True), "amount": (_money, True)},
    "prep": {"steam_days": (_int, False), "refurbish_days": (_int, False)},
    "outlet": {"price_percent": (_int, False)},
    "qa": {"share_percent": (_int, False), "raised_percent": (_int, False),
           "new_inspector_days": (_int, False), "high_value": (_money, False)},
}
OPTIONAL_SECTIONS = ("prep", "outlet", "qa")  # the defaults below apply without them
QA_DEFAULTS = {"share_percent": 5, "raised_percent": 20, "new_inspector_days": 10,
               "high_value": Decimal("250.00")}
PREP_DEFAULTS = {"steam_days": 2, "refurbish_days": 7}
OUTLET_DEFAULT_PERCENT = 40


def load_policy(ref: str | Path) -> Policy:
    """A policy by id (`kissprom`) or by path to a TOML file."""
    path = Path(ref)
    if not path.suffix:
        path = POLICY_DIR / f"{ref}.toml"
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        known = ", ".join(sorted(p.stem for p in POLICY_DIR.glob("*.toml")))
        raise PolicyError(f"Policy {ref!s} not found (known policies: {known}).") from exc
    except OSError as exc:
        raise PolicyError(f"Policy file {path} cannot be read: {exc.strerror}.") from exc
    return _parsed(raw, str(path))


_CACHE: dict[tuple[str, bytes], Policy] = {}


def _parsed(raw: bytes, source: str) -> Policy:
    """Parse a policy file once per content: a bench decides hundreds of times a day
    under the same file, and an edited file (new content) is parsed and validated anew."""
    key = (source, hashlib.sha256(raw).digest())
    policy = _CACHE.get(key)
    if policy is None:
        policy = parse_policy(raw, source)
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = policy
    return policy


def parse_policy(raw: bytes, source: str) -> Policy:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    values: dict[str, dict[str, Any]] = {}
    for section in data:
        if section not in _SCHEMA:
            raise PolicyError(f"{source}: [{section}]: unknown section")
    for section, keys in _SCHEMA.items():
        table = data.get(section, {} if section in OPTIONAL_SECTIONS else None)
        if not isinstance(table, dict):
            raise PolicyError(f"{source}: [{section}]: missing section")
        values[section] = {}
        for key in table:
            if key not in keys:
                raise PolicyError(f"{source}: {section}.{key}: unknown key")
        for key, (parse, required) in keys.items():
            if key not in table:
                if required:
                    raise PolicyError(f"{source}: {section}.{key}: missing")
                continue
            try:
                values[section][key] = parse(table[key])
            except ValueError as exc:
                raise PolicyError(f"{source}: {section}.{key}: {exc}") from exc
    return _build(values, raw, source)


def _build(v: dict[str, dict[str, Any]], raw: bytes, source: str) -> Policy:
    p, r, c = v["policy"], v["refund"], v["claim"]
    try:
        tz = ZoneInfo(p["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(
            f"{source}: policy.timezone: unknown time zone {p['timezone']!r}"
        ) from exc
    try:
        holidays = frozenset(dt.date.fromisoformat(d) for d in p["holidays"])
    except ValueError as exc:
        raise PolicyError(f"{source}: policy.holidays: {exc}") from exc
    try:
        tiers = frozenset(CustomerTier(t) for t in r["store_credit_tiers"])
    except ValueError as exc:
        raise PolicyError(f"{source}: refund.store_credit_tiers: {exc}") from exc
    # Numbers that contradict each other: a due time shorter than its target, a range
    # upside down. Refused like any other broken policy.
    contradictions = [
        (r["target_business_days"] > r["due_business_days"],
         f"refund.target_business_days ({r['target_business_days']}) is later than "
         f"refund.due_business_days ({r['due_business_days']})"),
        (v["sla"].get("tier3_min_hours", 0) > v["sla"].get("tier3_max_hours", MAX_POLICY_NUMBER),
         "sla.tier3_min_hours is more than sla.tier3_max_hours"),
        (c["min_photos"] > 20, f"claim.min_photos ({c['min_photos']}) is more than 20"),
        (v["outlet"].get("price_percent", OUTLET_DEFAULT_PERCENT) > 100,
         "outlet.price_percent is more than 100"),
        (v["qa"].get("share_percent", 0) > 100 or v["qa"].get("raised_percent", 0) > 100,
         "qa.share_percent and qa.raised_percent are at most 100"),
    ]
    for broken, words in contradictions:
        if broken:
            raise PolicyError(f"{source}: {words}")
    for key in p.get("assumed", []):
        section, _, name = key.partition(".")
        if name not in _SCHEMA.get(section, {}):
            raise PolicyError(f"{source}: policy.assumed: {key} is not a policy key")
    return Policy(
        id=p["id"], version=p["version"], name=p["name"],
        sha256=hashlib.sha256(raw).hexdigest(), timezone=tz, holidays=holidays,
        assumed=frozenset(p.get("assumed", [])),
        refund_window_days=r["window_days"],
        restocking_fee_clearance=r["restocking_fee_clearance"],
        restocking_fee_regular=r["restocking_fee_regular"],
        refund_due_business_days=r["due_business_days"],
        refund_target_business_days=r["target_business_days"],
        store_credit_tiers=tiers,
        exchange_window_days=v["exchange"]["window_days"],
        exchange_ship_hours=v["exchange"]["ship_within_hours"],
        claim_window_days=c["window_days"], claim_min_photos=c["min_photos"],
        claim_resolution_hours=c["resolution_hours"],
        repair_credit={DamageSeverity.MINOR: c["repair_credit_minor"],
                       DamageSeverity.MODERATE: c["repair_credit_moderate"],
                       DamageSeverity.SEVERE: c["repair_credit_severe"]},
        refund_threshold=v["approval"]["refund_threshold"],
        supervisor_limit=v["approval"]["supervisor_limit"],
        inspection_business_days=v["sla"]["inspection_business_days"],
        escalation_hours=v["sla"]["escalation_hours"],
        alteration_min_subtotal=v["alteration_credit"]["min_order_subtotal"],
        alteration_amount=v["alteration_credit"]["amount"],
        extra_sla_hours={k: val for k, val in v["sla"].items()
                         if k.startswith("tier")},
        steam_days=v["prep"].get("steam_days", PREP_DEFAULTS["steam_days"]),
        refurbish_days=v["prep"].get("refurbish_days", PREP_DEFAULTS["refurbish_days"]),
        outlet_percent=v["outlet"].get("price_percent", OUTLET_DEFAULT_PERCENT),
        qa_share_percent=v["qa"].get("share_percent", QA_DEFAULTS["share_percent"]),
        qa_raised_percent=v["qa"].get("raised_percent", QA_DEFAULTS["raised_percent"]),
        qa_new_inspector_days=v["qa"].get("new_inspector_days",
                                          QA_DEFAULTS["new_inspector_days"]),
        qa_high_value=v["qa"].get("high_value", QA_DEFAULTS["high_value"]),
        source=source,
        text=raw.decode("utf-8"),
    )
