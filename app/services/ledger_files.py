"""The ledger check's look at the outbox: each export file against the settlement it
names and its decision's amounts (a reversal's negated), so a file edited after it was
written, or one the database never sent, is named (see app/services/ledger.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.money import from_cents
from app.errors import BadInput


@dataclass(frozen=True)
class Breach:
    """One thing the ledger check found wrong, with the rows it is about."""

    check: str
    detail: str
    refs: Mapping[str, Any] = field(default_factory=dict)  # the rows, by what they are

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, **self.refs, "detail": self.detail}


def check_files(s: Session, outbox: Path) -> tuple[int, list[Breach]]:
    """The export's decision files in `outbox` against the settlements they name and
    their decisions' amounts (a reversal's negated)."""
    if not outbox.is_dir():
        raise BadInput(f"--outbox {outbox}: no such folder.")
    lines = {key: (kind, decision, (refund, fee, credit)) for key, kind, decision, refund,
             fee, credit in s.execute(text(
                 "SELECT s.idempotency_key, s.kind, s.decision_id, d.refund, "
                 "d.restocking_fee, d.credit FROM settlements s "
                 "JOIN decisions d ON d.id = s.decision_id"))}
    out = []
    paths = sorted(outbox.glob("decision-*.json"))
    for path in paths:
        try:
            record = json.loads(path.read_text())
            key = str(record["idempotency_key"])
            sent = tuple(Decimal(str(record[k])) for k in ("refund", "restocking_fee",
                                                           "credit"))
        except (OSError, ValueError, KeyError, ArithmeticError) as exc:
            out.append(Breach("file_mismatch", f"{path.name} cannot be read as an export "
                              f"line ({exc})", {"file": path.name}))
            continue
        line = lines.get(key)
        if line is None:
            out.append(Breach("file_mismatch", f"{path.name} sends {key}, which no "
                              "settlement in the database is", {"file": path.name}))
            continue
        kind, decision, cents = line
        sign = -1 if kind == "reversal" else 1
        want = tuple(from_cents(sign * int(c)) for c in cents)
        if record.get("decision_id") != decision or sent != want:
            out.append(Breach("file_mismatch", f"{path.name} sends {_amounts(sent)} for "
                              f"decision #{record.get('decision_id')}; settlement {key} is "
                              f"decision #{decision} with {_amounts(want)}",
                              {"file": path.name, "decision": decision}))
    return len(paths), out


def _amounts(values: tuple[Decimal, ...]) -> str:
    refund, fee, credit = values
    return f"refund {refund}, fee {fee}, credit {credit}"
