"""What the screens show, as the services return it: the types (and the few words and
limits) the widgets render, re-exported here so that `ui` imports the bench session and
never a service module (the import contract in pyproject.toml)."""

from app.services.approvals import approve_meaning, denial_choices
from app.services.auth import SignedInUser, UserChoice, badge_user_id
from app.services.calibration import CalibrationCard, RoundScore
from app.services.claims import PAGE as CLAIMS_PAGE
from app.services.decisions import DecisionView, InspectionInput
from app.services.exports import ExportReport
from app.services.holds import HOLD_SECONDS, Holder
from app.services.imports import ImportReport
from app.services.journal import OfflineStatus, ReplayReport
from app.services.lookup import ReturnItemView, ReturnView
from app.services.offline_sync import ConflictView
from app.services.outcomes import EXCEPTION_OUTCOMES
from app.services.printing import JobView, PrintOutcome
from app.services.putaway import Whereabouts
from app.services.qa import BlindItem, RegradeNews
from app.services.unexpected import UnexpectedView, unexpected_answer
from app.services.users import UserRow

__all__ = [
    "CLAIMS_PAGE",
    "EXCEPTION_OUTCOMES",
    "HOLD_SECONDS",
    "BlindItem",
    "CalibrationCard",
    "ConflictView",
    "DecisionView",
    "ExportReport",
    "Holder",
    "ImportReport",
    "InspectionInput",
    "JobView",
    "OfflineStatus",
    "PrintOutcome",
    "RegradeNews",
    "ReplayReport",
    "ReturnItemView",
    "ReturnView",
    "RoundScore",
    "SignedInUser",
    "UnexpectedView",
    "UserChoice",
    "UserRow",
    "Whereabouts",
    "approve_meaning",
    "badge_user_id",
    "denial_choices",
    "unexpected_answer",
]
