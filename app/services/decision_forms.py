"""What the inspector has answered for one unit, and what the policy still needs from
them before it can decide (the grade, the match, a claim's severity)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.domain.enums import DamageCause, DamageSeverity, Grade, ReturnReason
from app.errors import BadInput


@dataclass(frozen=True)
class InspectionInput:
    """What the inspector has set for one unit so far (no grade yet: not decidable)."""

    grade: Grade | None = None
    worn: bool = False
    altered: bool = False
    tags_attached: bool = False  # unticked until seen (grade A sets it: its definition)
    # Unset until answered (S). The policy reads "none" for it, except on a damage claim
    # (reason quality defect or shipping damage), where it decides the claim: it must be
    # answered there, "none" included.
    damage_severity: DamageSeverity | None = None
    damage_cause: DamageCause | None = None
    photos: int = 0
    matches_order: bool | None = None  # must be answered (M), or grade A, or X
    notes: str | None = None
    marks: frozenset[str] = frozenset()  # checklist findings: stains, odour, beads ...


def with_grade(form: InspectionInput, grade: Grade) -> InspectionInput:
    """Grading: grade A means new with its tags, matching the order (its definition), so
    it answers those two; other grades leave them to the inspector."""
    if grade is Grade.A:  # new with tags: matching the order, and no damage
        return replace(form, grade=grade, tags_attached=True,
                       matches_order=True if form.matches_order is None else form.matches_order,
                       damage_severity=form.damage_severity or DamageSeverity.NONE)
    return replace(form, grade=grade)


CLAIM_REASONS = frozenset({ReturnReason.QUALITY_DEFECT, ReturnReason.SHIPPING_DAMAGE})


def missing(form: InspectionInput, reason: ReturnReason | None = None) -> list[str]:
    """What the policy reads that the inspector has not answered yet. On a damage claim
    the severity decides the claim, so it must be answered ("none" included) unless the
    grade is A (new with tags: no damage, its definition)."""
    out = []
    if form.grade is None:
        out.append("the grade (1–5)")
        return out
    if form.grade is Grade.X:
        return out
    if form.matches_order is None and form.grade is not Grade.A:
        out.append("whether it matches the order (M, or scan its tag)")
    if form.damage_severity is None and reason in CLAIM_REASONS and form.grade is not Grade.A:
        out.append("the damage severity (S)")
    return out


def answered_severity(ins: InspectionInput, reason: ReturnReason, unit_no: int) -> DamageSeverity:
    if ins.damage_severity is not None:
        return ins.damage_severity
    if reason in CLAIM_REASONS and ins.grade not in (Grade.A, Grade.X):  # A: no damage
        raise BadInput(f"Item {unit_no} is a damage claim: set the damage severity (S: none, "
                       "minor, moderate, severe) before the policy decides it.")
    return DamageSeverity.NONE


def answered_match(ins: InspectionInput, unit_no: int) -> bool:
    if ins.matches_order is not None:
        return ins.matches_order
    if ins.grade in (Grade.A, Grade.X):  # A: by definition; X: held whatever the answer
        return True
    raise BadInput(f"Item {unit_no}: does it match the order (SKU, colour, size)? Press M "
                   "(yes; again: no), or scan the dress's own tag.")
