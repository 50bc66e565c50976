"""The `decide` JSON contract (POLICY.md): a case in, a decision out, money as strings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from app.errors import BadInput
from app.policy.case import CaseError, parse_case
from app.policy.engine import Decision, decide
from app.policy.rules import load_policy


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return {
        "items": [
            {"sku": d.sku, "resolution": d.resolution.value, "refund": str(d.refund),
             "restocking_fee": str(d.restocking_fee), "credit": str(d.credit),
             "disposition": d.disposition.value}
            for d in decision.items
        ],
        "refund_total": str(decision.refund_total),
        "credit_total": str(decision.credit_total),
        "approval": decision.approval.value if decision.approval else None,
        "approval_reason": decision.approval_reason,
        "carrier_claim": decision.carrier_claim,
        "due": {"inspection": _d(decision.due.inspection), "refund": _d(decision.due.refund),
                "exchange_ship": _d(decision.due.exchange_ship),
                "claim_resolution": _d(decision.due.claim_resolution)},
        "policy": {"id": decision.policy_id, "version": decision.policy_version,
                   "sha256": decision.policy_sha256},
        "trace": [{"rule": t.rule, "reason": t.reason} for t in decision.trace],
    }


MAX_CASE_BYTES = 5_000_000


def decide_file(case_path: Path, policy_ref: str | None) -> dict[str, Any]:
    """Read a case file, decide it under `policy_ref` (or the case's own policy)."""
    try:
        if case_path.stat().st_size > MAX_CASE_BYTES:
            raise CaseError(f"{case_path}: more than {MAX_CASE_BYTES // 1_000_000} MB: not a "
                            "case file")
        data = json.loads(case_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInput(f"Case file {case_path} not found.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Case file {case_path} cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CaseError(f"{case_path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise CaseError(f"{case_path}: JSON nested too deep to be a case") from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise CaseError(f"{case_path}: not a case: {str(exc)[:120]}") from exc
    case = parse_case(data)
    ref = policy_ref or case.policy
    if not ref:
        raise CaseError("policy: missing (give it in the case or with --policy)")
    return decision_to_json(decide(case, load_policy(ref)))
