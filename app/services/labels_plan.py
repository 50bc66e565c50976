"""Which labels a unit gets, by where it is in its life: one rule for the bench, the
approvals queue and the replayed requests, so no screen chooses."""

from __future__ import annotations

from app.domain.enums import DecisionStatus, Resolution


def labels_for(status: DecisionStatus | None, resolution: Resolution,
               size_to: str | None, qa: bool = False) -> list[str]:
    """Label kinds to print for a unit now. Waiting for an answer: only the hold-shelf
    tag (never a label that says restock or store credit before the money is final).
    Waiting for photos: none. Final: the item's licence plate, plus the exchange pick
    ticket or the return-to-customer slip. Set aside for a blind QA re-grade: the item
    label only (it says QA and shows nothing of the decision); the rest prints when the
    re-grade is done."""
    if status is DecisionStatus.AWAITING_APPROVAL:
        return ["hold"]
    if status is DecisionStatus.PENDING or resolution is Resolution.PHOTOS_REQUIRED:
        return []
    if qa:
        return ["item"]
    kinds = ["item"]
    # A replacement ships the same dress again (its own size unless another was asked):
    # it gets its pick ticket like an exchange does.
    if resolution is Resolution.REPLACEMENT or (resolution is Resolution.EXCHANGE
                                                and size_to):
        kinds.append("exchange")
    if resolution is Resolution.RETURN_TO_CUSTOMER:
        kinds.append("return")
    return kinds
