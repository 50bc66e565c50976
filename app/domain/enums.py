"""The warehouse's vocabulary as enums. Values are the strings stored and exchanged."""

from __future__ import annotations

from enum import StrEnum


class Brand(StrEnum):
    KISSPROM = "kissprom"
    STACEES = "stacees"


class CustomerTier(StrEnum):
    STANDARD = "standard"
    PRIORITY = "priority"
    ENTERPRISE = "enterprise"


class PriceTier(StrEnum):
    BUDGET = "budget"
    MID = "mid"
    DESIGNER = "designer"


class Carrier(StrEnum):
    UPS = "ups"
    FEDEX = "fedex"
    USPS = "usps"
    DHL = "dhl"


class ReturnReason(StrEnum):
    SIZING = "sizing"
    CHANGED_MIND = "changed_mind"
    QUALITY_DEFECT = "quality_defect"
    SHIPPING_DAMAGE = "shipping_damage"
    WRONG_ITEM_SENT = "wrong_item_sent"
    LATE_DELIVERY = "late_delivery"
    OTHER = "other"


class RequestedResolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR_CREDIT = "repair_credit"
    REPLACEMENT = "replacement"


class Resolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"
    REPLACEMENT = "replacement"
    REPAIR_CREDIT = "repair_credit"
    STORE_CREDIT = "store_credit"
    ALTERATION_CREDIT = "alteration_credit"
    RETURN_TO_CUSTOMER = "return_to_customer"
    HOLD = "hold"
    PHOTOS_REQUIRED = "photos_required"


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    X = "X"


class DamageSeverity(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"


class DamageCause(StrEnum):
    SHIPPING = "shipping"
    MANUFACTURING = "manufacturing"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


class Disposition(StrEnum):
    RESTOCK = "restock"
    PREP_AND_RESTOCK = "prep_and_restock"
    REFURBISH = "refurbish"
    LIQUIDATE = "liquidate"
    RETURN_TO_CUSTOMER = "return_to_customer"
    HOLD = "hold"


class ApprovalLevel(StrEnum):
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class RmaStatus(StrEnum):
    AUTHORIZED = "authorized"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTING = "inspecting"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ReceptionStatus(StrEnum):
    AWAITING = "awaiting"
    RECEIVED = "received"
    MISSING = "missing"
    WRONG_ITEM = "wrong_item"
    EXTRA = "extra"


class DecisionStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"


class ApprovalKind(StrEnum):
    REFUND_OVER_THRESHOLD = "refund_over_threshold"
    POLICY_EXCEPTION = "policy_exception"
    HOLD = "hold"
    QA_REGRADE = "qa_regrade"  # a blind re-grade that would pay more


class UnexpectedStatus(StrEnum):
    """A parcel that came with no return: held for a supervisor, who links it to an
    order (it becomes a return) or sends it back to the customer."""

    HELD = "held"
    LINKED = "linked"
    SENT_BACK = "sent_back"


class Role(StrEnum):
    INSPECTOR = "inspector"
    CLAIMS = "claims"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


class PrintJobStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class LabelKind(StrEnum):
    ITEM = "item"
    EXCHANGE = "exchange"
    RETURN = "return"
    CARRIER_CLAIM = "carrier_claim"
    AUTHORIZATION_LOG = "authorization_log"
    TOTE = "tote"  # a tote's plate
    MANIFEST = "manifest"  # a tote's or a lot's manifest


class CarrierClaimStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    SETTLED = "settled"
    DENIED = "denied"


class PhotoSlot(StrEnum):
    WHOLE_ITEM = "whole_item"
    DAMAGE_CLOSEUP = "damage_closeup"
    BOX_AND_LABEL = "box_and_label"
    OTHER = "other"
