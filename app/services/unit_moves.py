"""The one door through which a returned unit changes state. `move` checks the operation
against the lifecycle table (app/lifecycle.py) from the unit's states as they stand, moves
it where the table leads, asserts the target and records the move in the audit log, all in
the caller's transaction: a refusal raises NotAllowed and the transaction writes nothing.

Nothing else assigns a unit's reception or decision status (tests/unit/test_one_door.py
reads app/ to prove it); a unit is only born awaiting (or extra) and pending.

Each move is one audit event. Where the service's own event already says this change of
this one unit (a mark: "item.reception", a photo: "photo.added", into a tote:
"item.into_tote"), the move records that event, with its entity and payload; otherwise
"unit.<op>" on the return_item. Either way the payload's "lifecycle" says the operation
and the reception and decision before and after. Events about a parcel, an RMA, an
approval or a batch ("parcel.received", "decision.accepted", "approval.approved",
"export.claimed", "qa.regraded") stay as they are: they say what happened to those, the
unit events say which units moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.domain.enums import DecisionStatus
from app.lifecycle import TABLE, Op, check, check_target
from app.services.outcomes import unit_name
from models import ReturnItem


def move(s: Session, op: Op, item: ReturnItem, *, actor: str | None, station: str | None,
         at: dt.datetime, to: DecisionStatus | None = None,
         payload: Mapping[str, Any] | None = None, action: str | None = None,
         entity: str | None = None, entity_id: str | int | None = None) -> None:
    """Move `item` by `op`. `to`: the decision it leads to; by default the table's only
    target, or where the table allows several, the decision as it stands (a photo, a
    put-away, a reversal change no state). The reception is the table's. `action`,
    `entity`, `entity_id`: the service's own event for this change, if it has one."""
    rule = TABLE[op]
    reception, decision = item.reception_status, item.decision_status
    check(op, reception, decision, unit_name(item.rma, item))
    if to is None:
        to = next(iter(rule.decision_to)) if len(rule.decision_to) == 1 else decision
    check_target(op, to)
    reception_to = rule.reception_to or reception
    if reception_to is not reception:
        item.reception_status = reception_to
    if to is not decision:
        item.decision_status = to
    body: dict[str, Any] = {} if action else {"rma": item.rma.number,
                                              "unit_no": item.unit_no}
    body.update(payload or {})
    body["lifecycle"] = {"op": op.value, "reception": [reception.value, reception_to.value],
                         "decision": [decision.value, to.value]}
    audit.append(s, at=at, action=action or f"unit.{op.value}", actor=actor,
                 station=station, entity=entity or "return_item",
                 entity_id=item.id if entity_id is None else entity_id, payload=body)
