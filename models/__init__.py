"""SQLAlchemy 2.x typed models, the engine and session factory, and Alembic migrations."""

from models.base import Base
from models.catalog import Product, Style
from models.offline import OfflineConflict
from models.operations import (
    AppMeta,
    AuditEvent,
    CarrierClaim,
    CompletedRequest,
    ExportBatch,
    ExportedDecision,
    ItemHold,
    PrintJob,
    Settlement,
)
from models.orders import Customer, Order, OrderLine
from models.people import Station, User
from models.putaway import ItemMove, Location, Lot, Tote
from models.qa import CalibrationAnswer, CalibrationItem, CalibrationRound, QaSample
from models.reports import ReportSkuDay
from models.returns import (
    Approval,
    Decision,
    Inspection,
    Photo,
    PolicyVersion,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    UnexpectedReturn,
)

__all__ = [
    "AppMeta",
    "Approval",
    "AuditEvent",
    "Base",
    "CalibrationAnswer",
    "CalibrationItem",
    "CalibrationRound",
    "CarrierClaim",
    "CompletedRequest",
    "Customer",
    "Decision",
    "ExportBatch",
    "ExportedDecision",
    "Inspection",
    "ItemHold",
    "ItemMove",
    "Location",
    "Lot",
    "OfflineConflict",
    "Order",
    "OrderLine",
    "Photo",
    "PolicyVersion",
    "PrintJob",
    "Product",
    "QaSample",
    "Receipt",
    "ReportSkuDay",
    "ReturnAuthorization",
    "ReturnItem",
    "Settlement",
    "Station",
    "Style",
    "Tote",
    "UnexpectedReturn",
    "User",
]
