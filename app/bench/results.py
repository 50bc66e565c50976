"""What one input at the bench did, typed per kind: a `Screen` carries one of these as
its `result`, the widgets read its fields, and its `as_data` is the JSON replay prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.bench.screen import Result
from app.views import ApprovalView


@dataclass(frozen=True)
class Answered(Result):
    """A request answered at this bench (a supervisor's or manager's PIN)."""

    approval: ApprovalView

    def as_data(self) -> dict[str, Any]:
        return {"approval": self.approval.id, "status": self.approval.status.value}
