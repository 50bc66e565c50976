"""Who may do what: one table, checked in the services (hiding a button is not enough)."""

from __future__ import annotations

from enum import StrEnum

from app.domain.enums import ApprovalLevel, Role
from app.errors import PermissionDenied


class Action(StrEnum):
    RECEIVE = "receive parcels"
    DECIDE = "inspect and decide returns"
    REQUEST_EXCEPTION = "ask for policy exceptions"
    VIEW_APPROVALS = "see the approvals queue"
    APPROVE_SUPERVISOR = "approve supervisor-level requests"
    APPROVE_MANAGER = "approve manager-level requests"
    PRINT_AUTHORIZATION_LOG = "print the authorization log"
    MANAGE_USERS = "manage users"
    VERIFY_AUDIT = "verify the audit log"
    PRINT_LABELS = "print labels"
    REVIEW_CLAIMS = "review damage claims"
    CHANGE_SETTINGS = "change this station's settings"
    IMPORT_DATA = "import orders and returns"
    EXPORT_SETTLEMENTS = "export decided refunds and exchanges to the shop"
    VIEW_REPORTS = "see the returns reports"
    CLOSE_LOTS = "close outbound lots (buyer, charity or vendor, and price)"
    REGRADE = "re-grade QA samples blind"
    MANAGE_CALIBRATION = "keep the calibration set of reference dresses"
    SETTLE_OFFLINE = "settle what an offline bench did that the server refused"
    SETTLE_UNEXPECTED = "link a parcel that came with no return to an order, or send it back"


_BENCH = {Action.RECEIVE, Action.DECIDE, Action.REQUEST_EXCEPTION, Action.PRINT_LABELS}
_SUPERVISE = {Action.VIEW_APPROVALS, Action.APPROVE_SUPERVISOR, Action.PRINT_AUTHORIZATION_LOG,
              Action.VERIFY_AUDIT, Action.CHANGE_SETTINGS, Action.REGRADE,
              Action.SETTLE_OFFLINE, Action.SETTLE_UNEXPECTED}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.INSPECTOR: frozenset(_BENCH),
    Role.CLAIMS: frozenset(_BENCH | {Action.REVIEW_CLAIMS}),
    Role.SUPERVISOR: frozenset(_BENCH | _SUPERVISE | {Action.REVIEW_CLAIMS,
                                                      Action.VIEW_REPORTS}),
    Role.MANAGER: frozenset(_BENCH | _SUPERVISE | {Action.APPROVE_MANAGER,
                                                   Action.REVIEW_CLAIMS, Action.VIEW_REPORTS,
                                                   Action.IMPORT_DATA,
                                                   Action.EXPORT_SETTLEMENTS,
                                                   Action.CLOSE_LOTS,
                                                   Action.MANAGE_CALIBRATION}),
    Role.ADMIN: frozenset({Action.MANAGE_USERS, Action.VERIFY_AUDIT, Action.VIEW_APPROVALS,
                           Action.PRINT_AUTHORIZATION_LOG, Action.CHANGE_SETTINGS,
                           Action.IMPORT_DATA, Action.VIEW_REPORTS}),
}

APPROVE_ACTION = {ApprovalLevel.SUPERVISOR: Action.APPROVE_SUPERVISOR,
                  ApprovalLevel.MANAGER: Action.APPROVE_MANAGER}


def allowed(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def require(role: Role, action: Action) -> None:
    if not allowed(role, action):
        raise PermissionDenied(f"{_a(role.value).capitalize()} may not {action.value}; "
                               f"ask {_who_can(action)}.")


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _who_can(action: Action) -> str:
    roles = [r.value for r in Role if action in PERMISSIONS[r]]
    return " or ".join(_a(r) for r in roles) if roles else "nobody"


# Where each role starts after signing in: its own work first.
HOME_PLACE = {Role.INSPECTOR: "receive", Role.CLAIMS: "claims",
              Role.SUPERVISOR: "approvals", Role.MANAGER: "approvals", Role.ADMIN: "receive"}


def home_place(role: Role) -> str:
    return HOME_PLACE.get(role, "receive")
