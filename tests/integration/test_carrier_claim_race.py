"""Three claims desks open the carrier claim for one damaged unit at the same instant,
each with its own connection: one carrier claim is opened, and all three desks get its
id (on PostgreSQL the unit's row is locked; on SQLite, which locks no rows, the unique
key refuses the late ones and they read the first one's claim)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import DamageCause, DamageSeverity, Grade, PhotoSlot, RequestedResolution
from app.services.claims import ClaimsService
from app.services.decisions import DecisionService, InspectionInput
from app.services.inspection import InspectionService
from models import CarrierClaim, Decision, ReturnAuthorization
from models.db import make_engine, make_session_factory
from tests.conftest import NOW
from tests.helpers.concurrency import at_once
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.photos import scene
from tests.integration.conftest import user_named

DESKS = 3
DAMAGED = InspectionInput(grade=Grade.C, matches_order=True,
                          damage_severity=DamageSeverity.MODERATE,
                          damage_cause=DamageCause.SHIPPING)


def _damage_claim(sf: sessionmaker[Session], clock: FixedClock, photos: PhotoStore) -> int:
    """The claims queue's decision for a unit damaged in shipping, with its photos."""
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.tracking_number.is_not(None))
            .order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        rma.shipped_by_customer_on = rma.order.delivered_on
        rma.items[0].requested = RequestedResolution.REFUND
        for extra in rma.items[1:]:
            s.delete(extra)
        s.commit()
        number = rma.number
    ines = user_named(sf, "ines")
    inspection = InspectionService(sf, clock, "BENCH-01", photos)
    inspection.save_draft(number, 1, DAMAGED, ines)
    inspection.add_photo(number, 1, scene(61), ines, PhotoSlot.WHOLE_ITEM)
    inspection.add_photo(number, 1, scene(62), ines, PhotoSlot.DAMAGE_CLOSEUP)
    accepted = DecisionService(sf, clock, "BENCH-01").accept(number, {1: DAMAGED}, ines)
    assert accepted.view.carrier_claim
    return accepted.decision_ids[0]


def test_three_desks_open_one_carrier_claim(committed_url: str, tmp_path: Path) -> None:
    engines = [make_engine(committed_url) for _ in range(DESKS)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        clock = FixedClock(NOW)
        photos = PhotoStore(tmp_path / "photos")
        decision_id = _damage_claim(sfs[0], clock, photos)
        carl = user_named(sfs[0], "carl")
        desks = [ClaimsService(sfs[i], clock, f"CLAIMS-{i}",
                               InspectionService(sfs[i], clock, f"CLAIMS-{i}", photos))
                 for i in range(DESKS)]
        results = at_once(DESKS, lambda i: desks[i].open_carrier_claim(decision_id, carl))
        assert not any(isinstance(r, Exception) for r in results), results
        assert len(set(results)) == 1, results
        with sfs[0]() as s:
            item_id = s.get_one(Decision, decision_id).return_item_id
            opened = s.scalars(select(CarrierClaim).where(
                CarrierClaim.return_item_id == item_id)).all()
            assert [c.id for c in opened] == [results[0]]
            assert s.scalar(select(func.count()).select_from(CarrierClaim)) == 1
        assert desks[1].get(decision_id).carrier_claim_id == results[0]
        assert_ledger_clean(committed_url)
    finally:
        for e in engines:
            e.dispose()
