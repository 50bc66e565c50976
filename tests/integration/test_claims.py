"""The claims desk: queue by due time, annotations kept apart from the photo, the carrier
claim and its packet PDF (photos drawn with the marks), and closing a claim."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import (
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Grade,
    PhotoSlot,
    RequestedResolution,
    Resolution,
)
from app.errors import BadInput, PermissionDenied
from app.lifecycle import NotAllowed
from app.services.claims import ClaimsService
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.inspection import InspectionService
from app.services.outcomes import unit_amounts
from models import CarrierClaim, ReturnAuthorization, ReturnItem
from tests.helpers.photos import scene
from tests.integration.conftest import user_named


def _desk(sf: sessionmaker[Session], clock: FixedClock, tmp_path: Path, single: bool
          ) -> tuple[InspectionService, ClaimsService, DecisionService, str]:
    """The services of a bench and a claims desk, and the first demo RMA shipped inside
    its window asking for a refund (with one unit only when `single`)."""
    inspection = InspectionService(sf, clock, "BENCH-01", PhotoStore(tmp_path / "photos"))
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        rma.shipped_by_customer_on = rma.order.delivered_on
        rma.items[0].requested = RequestedResolution.REFUND
        for extra in rma.items[1:] if single else []:
            s.delete(extra)
        s.commit()
        number = rma.number
    return (inspection, ClaimsService(sf, clock, "CLAIMS-01", inspection),
            DecisionService(sf, clock, "BENCH-01"), number)


def test_claim_from_the_bench_to_the_carrier_packet(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    inspection, claims, decisions, number = _desk(sf, clock, tmp_path, single=False)
    ines, carl = user_named(sf, "ines"), user_named(sf, "carl")
    form = InspectionInput(grade=Grade.C, matches_order=True,
        damage_severity=DamageSeverity.MODERATE,
                           damage_cause=DamageCause.SHIPPING)
    inspection.save_draft(number, 1, form, ines)
    whole = inspection.add_photo(number, 1, scene(11), ines, PhotoSlot.WHOLE_ITEM)
    inspection.add_photo(number, 1, scene(12), ines, PhotoSlot.DAMAGE_CLOSEUP)
    accepted = decisions.accept(number, {1: form}, ines)
    assert accepted.view.carrier_claim

    with pytest.raises(PermissionDenied):
        claims.queue(ines)
    queue = claims.queue(carl)
    claim = next(c for c in queue if c.rma_number == number)
    assert claims.open_count(carl) == len(queue) >= 1
    pages = [c.decision_id for i in range(len(queue))
             for c in claims.queue(carl, limit=1, offset=i)]
    assert pages == [c.decision_id for c in queue]  # a page at a time, same order
    assert claim.due_on is not None and claim.hours_left is not None
    assert len(claim.photos) == 2 and claim.reused == ()
    before = hashlib.sha256(whole.path.read_bytes()).hexdigest()
    claims.annotate(whole.id, [{"type": "box", "x1": 0.1, "y1": 0.1, "x2": 0.4, "y2": 0.5,
                                "text": "torn seam"},
                               {"type": "arrow", "x1": 0.8, "y1": 0.8, "x2": 0.5, "y2": 0.5}],
                    carl)
    assert hashlib.sha256(whole.path.read_bytes()).hexdigest() == before  # original intact
    assert claims.annotations(whole.id)[0]["text"] == "torn seam"
    with pytest.raises(BadInput):
        claims.annotate(whole.id, [{"type": "box", "x1": 2, "y1": 0, "x2": 0, "y2": 0}], carl)

    claim_id = claims.open_carrier_claim(claim.decision_id, carl)
    assert claims.open_carrier_claim(claim.decision_id, carl) == claim_id  # once
    with sf() as s:
        row = s.get(CarrierClaim, claim_id)
        assert row is not None and row.tracking_number == claim.tracking
        item = s.scalars(select(ReturnItem).join(ReturnAuthorization).where(
            ReturnAuthorization.number == number, ReturnItem.unit_no == 1)).one()
        assert item.order_line is not None
        # The price paid for the unit, from its order line (not what the customer gets).
        assert row.declared_value == unit_amounts(item.order_line, item.line_unit)[0] > 0

    pdf = claims.packet_pdf(claim.decision_id)
    path = tmp_path / "packet.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Carrier claim packet" in text and number in text and "moderate" in text
    assert "the price paid for the" in " ".join(text.split())
    assert "marks in red were added" not in text  # the marks' colour is said per photo
    assert " outlined in " in text
    assert "torn seam" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "pk")],
                   check=True)
    assert len(list(tmp_path.glob("pk*.png"))) >= 2

    with pytest.raises(BadInput, match="outcome"):
        claims.resolve(claim.decision_id, "ok", carl)
    claims.resolve(claim.decision_id, "Refunded; UPS claim filed", carl)
    # Closing the claim leaves the money where the lifecycle has it: the decision (here
    # waiting for the manager's over-$250 approval) is not marked settled by the desk.
    assert claims.get(claim.decision_id).status is claim.status
    assert claim.status is not DecisionStatus.COMPLETED
    assert all(c.decision_id != claim.decision_id for c in claims.queue(carl))
    assert claim.resolution is Resolution.REFUND


def test_photos_request_leaves_the_queue_once_decided_with_photos(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """Deciding a damaged item without photos puts a "photos required" decision on the
    claims queue; deciding it again with the photos supersedes it (one open claim, the
    new one), and resolving that one empties the queue of this return."""
    sf = session_factory
    inspection, claims, decisions, number = _desk(sf, clock, tmp_path, single=True)
    ines, carl = user_named(sf, "ines"), user_named(sf, "carl")
    form = InspectionInput(grade=Grade.C, matches_order=True,
        damage_severity=DamageSeverity.MODERATE,
                           damage_cause=DamageCause.SHIPPING)
    first = decisions.accept(number, {1: form}, ines)
    assert first.view.units[0].resolution is Resolution.PHOTOS_REQUIRED
    mine = [c for c in claims.queue(carl) if c.rma_number == number]
    assert [c.resolution for c in mine] == [Resolution.PHOTOS_REQUIRED]

    inspection.add_photo(number, 1, scene(21), ines, PhotoSlot.WHOLE_ITEM)
    inspection.add_photo(number, 1, scene(22), ines, PhotoSlot.DAMAGE_CLOSEUP)
    inspection.add_photo(number, 1, scene(23), ines, PhotoSlot.BOX_AND_LABEL)
    second = decisions.accept(number, {1: form}, ines)
    assert second.view.units[0].resolution is not Resolution.PHOTOS_REQUIRED
    mine = [c for c in claims.queue(carl) if c.rma_number == number]
    assert [c.decision_id for c in mine] == list(second.decision_ids)
    claims.resolve(second.decision_ids[0], "Credit issued; carrier claim filed", carl)
    assert [c for c in claims.queue(carl) if c.rma_number == number] == []


def test_a_reused_photo_is_acknowledged_before_the_claim_goes_on(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """A claim whose photo is also on another customer's claim neither goes to the
    carrier nor closes until the desk says why, in words, kept in the trace."""
    sf = session_factory
    inspection, claims, decisions, number = _desk(sf, clock, tmp_path, single=True)
    ines, carl = user_named(sf, "ines"), user_named(sf, "carl")
    with sf() as s:
        other = s.scalars(select(ReturnAuthorization.number).where(
            ReturnAuthorization.number != number).order_by(ReturnAuthorization.id)).first()
    assert other is not None
    inspection.add_photo(other, 1, scene(41), ines)  # the same picture, another customer
    form = InspectionInput(grade=Grade.C, matches_order=True,
                           damage_severity=DamageSeverity.MODERATE,
                           damage_cause=DamageCause.SHIPPING)
    inspection.save_draft(number, 1, form, ines)
    inspection.add_photo(number, 1, scene(41), ines, PhotoSlot.WHOLE_ITEM)
    inspection.add_photo(number, 1, scene(42), ines, PhotoSlot.DAMAGE_CLOSEUP)
    decisions.accept(number, {1: form}, ines)
    claim = next(c for c in claims.queue(carl) if c.rma_number == number)
    assert claim.reused == (other,) and not claim.reuse_acknowledged
    with pytest.raises(BadInput, match="acknowledge it with a reason"):
        claims.open_carrier_claim(claim.decision_id, carl)
    with pytest.raises(BadInput, match="acknowledge it with a reason"):
        claims.resolve(claim.decision_id, "Refunded in full", carl)
    with pytest.raises(BadInput, match="why"):
        claims.acknowledge_reuse(claim.decision_id, "ok", carl)
    claims.acknowledge_reuse(claim.decision_id, "Same dress photographed twice by the "
                             "customer's sister; both orders checked", carl)
    claim = claims.get(claim.decision_id)
    assert claim.reuse_acknowledged
    assert claims.open_carrier_claim(claim.decision_id, carl) > 0


def test_no_carrier_claim_for_what_is_not_the_carriers(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """A manufacturing defect is a claim at the desk (photos, the brand's repair credit),
    but the carrier is not liable for it: no carrier claim opens, and the desk is told
    why in a sentence; nothing is written."""
    sf = session_factory
    inspection, claims, decisions, number = _desk(sf, clock, tmp_path, single=True)
    ines, carl = user_named(sf, "ines"), user_named(sf, "carl")
    form = InspectionInput(grade=Grade.C, matches_order=True,
                           damage_severity=DamageSeverity.MODERATE,
                           damage_cause=DamageCause.MANUFACTURING)
    inspection.save_draft(number, 1, form, ines)
    inspection.add_photo(number, 1, scene(71), ines, PhotoSlot.WHOLE_ITEM)
    inspection.add_photo(number, 1, scene(72), ines, PhotoSlot.DAMAGE_CLOSEUP)
    accepted = decisions.accept(number, {1: form}, ines)
    assert not accepted.view.carrier_claim
    claim = next((c for c in claims.queue(carl) if c.rma_number == number), None)
    assert claim is not None, "a defect with photos is still the claims desk's"
    with pytest.raises(NotAllowed, match=r"does not hold the carrier liable.*manufacturing"):
        claims.open_carrier_claim(claim.decision_id, carl)
    with sf() as s:
        assert s.scalar(select(CarrierClaim.id).join(ReturnAuthorization).where(
            ReturnAuthorization.number == number)) is None
