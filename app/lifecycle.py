"""The life of one returned unit, as one table: its reception and decision states, the
operations that move it, and the guard each operation checks. Every change of a unit's
state goes through one door, `app.services.unit_moves.move`, inside the service's
transaction: it checks the operation here, moves the unit where the table leads, checks
the target and records the move in the audit log, so no screen, script or second bench
can skip a step; a refused operation raises `NotAllowed` with a sentence that says why
and what to do, and the transaction writes nothing. (This module stays pure: no database.)

Reception: awaiting -> received | missing | wrong_item (an extra unit starts as extra).
Decision:  pending -> decided | awaiting_approval -> decided -> completed (exported).
A final decision can still be changed by an approved exception; a change after export
goes out as a reversal of the first settlement plus a new one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.enums import DecisionStatus as D
from app.domain.enums import ReceptionStatus as R
from app.errors import BadInput


class Op(StrEnum):
    RECEIVE = "receive"                    # the parcel is scanned in
    MARK_RECEIVED = "mark_received"        # Ctrl+R on one unit
    MARK_MISSING = "mark_missing"          # Ctrl+M
    MARK_WRONG = "mark_wrong"              # Ctrl+W
    INSPECT = "inspect"                    # the inspection form, saved as a draft
    PHOTO = "photo"                        # evidence: never changes the money
    ACCEPT = "accept"                      # Enter: the policy's decision is stored
    REQUEST_EXCEPTION = "request_exception"
    APPROVE = "approve"                    # a supervisor or manager says yes
    DENY = "deny"                          # ... or no (with the alternative where needed)
    RESOLVE_HOLD = "resolve_hold"          # grade X / mismatch / dates: ours, or not
    SETTLE = "settle"                      # the export hands the money to the shop
    REVERSE = "reverse"                    # a settled decision superseded: reversal out
    PUT_AWAY = "put_away"                  # into a tote, to a location: decided dresses
    REGRADE = "regrade"                    # a blind QA re-grade that changes the decision


ANY_RECEPTION = frozenset(R)
# Migration 0006 folded these into `decided`; nothing produces them any more.
LEGACY = frozenset({D.APPROVED, D.REJECTED})
DECISION_STATES = tuple(d for d in D if d not in LEGACY)
PRESENT = frozenset({R.AWAITING, R.RECEIVED, R.WRONG_ITEM, R.EXTRA})


@dataclass(frozen=True)
class Transition:
    """Which states an operation may start from and where it may lead (several targets
    where the outcome decides, e.g. accept: decided, or awaiting approval, or pending
    while a claim waits for photos)."""

    reception_from: frozenset[R]
    decision_from: frozenset[D]
    decision_to: frozenset[D]
    reception_to: R | None = None  # None: reception unchanged


def _t(rec: frozenset[R], dec: set[D], to: set[D], rec_to: R | None = None) -> Transition:
    return Transition(rec, frozenset(dec), frozenset(to), rec_to)


MARK_FROM = frozenset({R.AWAITING, R.RECEIVED, R.MISSING, R.WRONG_ITEM})

TABLE: dict[Op, Transition] = {
    Op.RECEIVE: _t(frozenset({R.AWAITING}), {D.PENDING}, {D.PENDING}, R.RECEIVED),
    Op.MARK_RECEIVED: _t(MARK_FROM, {D.PENDING}, {D.PENDING}, R.RECEIVED),
    Op.MARK_MISSING: _t(MARK_FROM, {D.PENDING}, {D.PENDING}, R.MISSING),
    Op.MARK_WRONG: _t(MARK_FROM, {D.PENDING}, {D.PENDING}, R.WRONG_ITEM),
    Op.INSPECT: _t(PRESENT, {D.PENDING}, {D.PENDING}),
    Op.PHOTO: _t(PRESENT, set(DECISION_STATES), set(DECISION_STATES)),
    Op.ACCEPT: _t(PRESENT, {D.PENDING}, {D.PENDING, D.DECIDED, D.AWAITING_APPROVAL}),
    Op.REQUEST_EXCEPTION: _t(PRESENT, {D.PENDING, D.DECIDED, D.COMPLETED},
                             {D.AWAITING_APPROVAL}),
    Op.APPROVE: _t(ANY_RECEPTION, {D.AWAITING_APPROVAL}, {D.DECIDED}),
    Op.DENY: _t(ANY_RECEPTION, {D.AWAITING_APPROVAL},
                {D.DECIDED, D.COMPLETED, D.AWAITING_APPROVAL}),
    Op.RESOLVE_HOLD: _t(ANY_RECEPTION, {D.AWAITING_APPROVAL}, {D.PENDING, D.DECIDED}),
    Op.SETTLE: _t(ANY_RECEPTION, {D.DECIDED}, {D.COMPLETED}),
    # The reversal takes back a superseded decision's money whatever the unit waits for
    # now (another exception asked before the export ran); the unit's state stays.
    Op.REVERSE: _t(ANY_RECEPTION, {D.DECIDED, D.COMPLETED, D.AWAITING_APPROVAL},
                   {D.DECIDED, D.COMPLETED, D.AWAITING_APPROVAL}),
    Op.PUT_AWAY: _t(PRESENT, {D.DECIDED, D.COMPLETED}, {D.DECIDED, D.COMPLETED}),
    Op.REGRADE: _t(ANY_RECEPTION, {D.DECIDED, D.COMPLETED},
                   {D.DECIDED, D.AWAITING_APPROVAL}),
}

# What to tell the bench, by the state that refuses the operation.
_WHY_DECISION = {
    D.PENDING: "it has no decision yet: grade it and press Enter first",
    D.DECIDED: "it is already decided; to change the decision ask for an exception (E)",
    D.AWAITING_APPROVAL: "it is waiting for a supervisor's or manager's answer; answer the "
                         "request in Approvals (F4) or over the bench (Ctrl+O) first",
    D.COMPLETED: "its money is already exported to the shop; only an approved exception "
                 "(E) can change it, which sends a reversal",
    D.APPROVED: "it is decided (approved); to change it ask for an exception (E)",
    D.REJECTED: "it is decided; to change it ask for an exception (E)",
}
_WHY_RECEPTION = {
    R.AWAITING: "its parcel has not been received: scan the parcel first",
    R.RECEIVED: "it is already received",
    R.MISSING: "it is marked missing: if it is in the box after all, mark it "
                 "received on Receive (F1, pick it with ↑↓, Ctrl+R) first",
    R.WRONG_ITEM: "it is marked as the wrong item",
    R.EXTRA: "it is an extra item the return did not list: hold it for a supervisor",
}
_DOING = {
    Op.RECEIVE: "receive it", Op.MARK_RECEIVED: "mark it received",
    Op.MARK_MISSING: "mark it missing", Op.MARK_WRONG: "mark it as the wrong item",
    Op.INSPECT: "change its inspection", Op.PHOTO: "add a photo", Op.ACCEPT: "decide it",
    Op.REQUEST_EXCEPTION: "ask for an exception", Op.APPROVE: "approve it",
    Op.DENY: "deny it", Op.RESOLVE_HOLD: "resolve its hold", Op.SETTLE: "export it",
    Op.REVERSE: "reverse its settlement", Op.PUT_AWAY: "put it away",
    Op.REGRADE: "change its decision by the re-grade",
}


class NotAllowed(BadInput):
    """An operation the unit's state does not allow."""


def refusal(op: Op, reception: R, decision: D) -> str | None:
    """The sentence that refuses `op` in this state, or None when the table allows it."""
    rule = TABLE[op]
    if reception not in rule.reception_from:
        why = _WHY_RECEPTION[reception]
    elif decision not in rule.decision_from:
        why = _WHY_DECISION[decision]
    else:
        return None
    return f"Cannot {_DOING[op]}: {why}."


def check(op: Op, reception: R, decision: D, unit: str = "") -> None:
    """Raise NotAllowed unless the table allows `op` from this state. `unit` names the
    unit for the message ("Item 2 of RMA-2026-000123-4")."""
    sentence = refusal(op, reception, decision)
    if sentence is not None:
        raise NotAllowed(f"{unit}: {sentence}" if unit else sentence)


def check_target(op: Op, to: D) -> None:
    """A service asserting it moves the unit where the table says (a bug otherwise)."""
    if to not in TABLE[op].decision_to:
        raise AssertionError(f"{op.value} may not lead to {to.value}")


def markdown_table() -> str:
    """The table as the README shows it."""
    lines = ["| operation | from reception | from decision | to decision | to reception |",
             "|---|---|---|---|---|"]
    for op, t in TABLE.items():
        rec = "any" if t.reception_from == ANY_RECEPTION else ", ".join(
            sorted(r.value for r in t.reception_from))
        lines.append(f"| {op.value} | {rec} | "
                     f"{', '.join(sorted(d.value for d in t.decision_from))} | "
                     f"{', '.join(sorted(d.value for d in t.decision_to))} | "
                     f"{t.reception_to.value if t.reception_to else '(same)'} |")
    return "\n".join(lines)
