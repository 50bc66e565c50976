"""Photos: the quality gate, the content-addressed store (EXIF and GPS gone, atomic,
thumbnail, corrupt files refused), drafts that survive, reuse across customers, and a
claim decided once its photos are on file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.camera.photostore import PhotoStore
from app.camera.quality import assess
from app.clock import FixedClock
from app.domain.enums import (
    DamageCause,
    DamageSeverity,
    Grade,
    PhotoSlot,
    Resolution,
    ReturnReason,
)
from app.errors import BadInput
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.inspection import InspectionService, PhotoRejected, required_slots
from models import ReturnAuthorization
from tests.helpers.photos import blurred, dark, jpeg_with_gps, overexposed, scene
from tests.integration.conftest import user_named


def test_quality_gate_on_sharp_blurred_dark_and_overexposed() -> None:
    sharp = scene(1)
    assert assess(sharp).ok, assess(sharp)
    assert "blurred" in assess(blurred(sharp)).problems[0]
    assert any("too dark" in p for p in assess(dark(sharp)).problems)
    assert any("overexposed" in p for p in assess(overexposed(sharp)).problems)


def test_store_strips_exif_and_gps_and_is_content_addressed(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    data = jpeg_with_gps(scene(2))
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)  # the input has GPS
    stored = store.store_bytes(data)
    with Image.open(stored.path) as kept:
        assert not kept.getexif() and "exif" not in kept.info
    assert stored.path.name == f"{stored.sha256}.jpg" and stored.thumbnail.exists()
    with Image.open(stored.thumbnail) as thumb:
        assert thumb.width == 320
    assert (stored.width, stored.height) == (1920, 1080)
    again = store.store_bytes(data)
    assert again.sha256 == stored.sha256 and again.path == stored.path
    assert not list(stored.path.parent.glob(".*.tmp"))  # no temp files left behind


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_photos_are_refused(tmp_path: Path, damage: str) -> None:
    data = jpeg_with_gps(scene(3))
    bad = {"truncated": data[: len(data) // 2], "garbage": b"\xff\xd8" + b"x" * 5000,
           "empty": b""}[damage]
    with pytest.raises(BadInput, match="damaged"):
        PhotoStore(tmp_path).store_bytes(bad)
    assert not any(tmp_path.rglob("*.jpg"))



@pytest.fixture
def inspection(demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
               tmp_path: Path) -> InspectionService:
    return InspectionService(session_factory, clock, "BENCH-01", PhotoStore(tmp_path / "p"))


def _rmas(sf: sessionmaker[Session], n: int) -> list[str]:
    with sf() as s:
        rows = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).all()
        by_customer: dict[int, str] = {}
        for r in rows:
            by_customer.setdefault(r.order.customer_id, r.number)
        return list(by_customer.values())[:n]


DAMAGED = InspectionInput(grade=Grade.C, matches_order=True,
        damage_severity=DamageSeverity.MODERATE,
                          damage_cause=DamageCause.SHIPPING)


def test_claim_waits_for_its_photos_then_decides(
        inspection: InspectionService, session_factory: sessionmaker[Session],
        clock: FixedClock) -> None:
    number = _rmas(session_factory, 1)[0]
    ines = user_named(session_factory, "ines")
    decisions = DecisionService(session_factory, clock, "BENCH-01")
    assert required_slots(ReturnReason.SIZING, DAMAGED) == (
        PhotoSlot.WHOLE_ITEM, PhotoSlot.DAMAGE_CLOSEUP, PhotoSlot.BOX_AND_LABEL)
    inspection.save_draft(number, 1, DAMAGED, ines)
    assert decisions.preview(number, {1: DAMAGED}).units[0].resolution \
        is Resolution.PHOTOS_REQUIRED
    with pytest.raises(PhotoRejected, match="blurred"):
        inspection.add_photo(number, 1, blurred(scene(4)), ines, PhotoSlot.WHOLE_ITEM)
    kept = inspection.add_photo(number, 1, blurred(scene(4)), ines, PhotoSlot.WHOLE_ITEM,
                                override=True)
    assert kept.override
    inspection.add_photo(number, 1, scene(5), ines, PhotoSlot.DAMAGE_CLOSEUP)
    drafts = inspection.drafts(number)
    assert drafts[1].form.damage_cause is DamageCause.SHIPPING and drafts[1].form.photos == 2
    view = decisions.preview(number, {1: DAMAGED})
    assert view.units[0].resolution is not Resolution.PHOTOS_REQUIRED
    accepted = decisions.accept(number, {1: DAMAGED}, ines)
    assert accepted.view.carrier_claim
    assert len(inspection.photos(number, 1)) == 2  # the photos stay with the inspection
    assert inspection.drafts(number) == {}  # the draft became the inspection


def test_a_photo_on_another_customers_claim_is_flagged(
        inspection: InspectionService, session_factory: sessionmaker[Session]) -> None:
    first, second = _rmas(session_factory, 2)
    ines = user_named(session_factory, "ines")
    picture = scene(9)
    assert inspection.add_photo(first, 1, picture, ines).reused_on == ()
    again = inspection.add_photo(second, 1, picture, ines)
    assert again.reused_on == (first,)
    different = inspection.add_photo(second, 1, scene(10), ines)
    assert different.reused_on == ()
