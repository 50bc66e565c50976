"""Inspecting an item as it happens: the form is saved as a draft on every change (a crash
loses nothing), photos pass the quality gate and go to the shared photo store, and a
photo that looks like one on another customer's claim is flagged."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.camera.photostore import PhotoStore, hamming, image_from_array, open_photo
from app.camera.quality import Quality, assess
from app.clock import Clock
from app.domain.enums import (
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Grade,
    PhotoSlot,
    ReturnReason,
)
from app.errors import BadInput
from app.lifecycle import Op, check
from app.permissions import Action, require
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma, rma_unit
from app.services.decisions import InspectionInput
from app.services.holds import require_hold
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from app.views import PhotoView
from models import CompletedRequest, Inspection, Order, Photo, ReturnAuthorization, ReturnItem

if TYPE_CHECKING:  # numpy loads with the first photo, not with the app
    import numpy as np

REUSE_BITS = 6  # dHash distance at or under which two photos are "the same picture"


class PhotoRejected(BadInput):
    """The quality gate refused a photo; `quality` says why. Retake, or keep it anyway."""

    def __init__(self, message: str, quality: Quality) -> None:
        super().__init__(message)
        self.quality = quality


@dataclass(frozen=True)
class DraftView:
    unit_no: int
    form: InspectionInput
    photos: tuple[PhotoView, ...]


@dataclass(frozen=True)
class Unfinished:
    rma_number: str
    unit_no: int
    grade: Grade | None
    started_at: dt.datetime

    def words(self) -> str:
        graded = f"grade {self.grade.value}" if self.grade else "not graded yet"
        return f"{self.rma_number} item {self.unit_no} ({graded})"


def required_slots(reason: ReturnReason, form: InspectionInput) -> tuple[PhotoSlot, ...]:
    """The pictures a damage claim needs: the whole item and the damage close up, and for
    shipping damage the box with its label."""
    if form.damage_severity in (None, DamageSeverity.NONE):
        return ()
    slots = [PhotoSlot.WHOLE_ITEM, PhotoSlot.DAMAGE_CLOSEUP]
    if form.damage_cause is DamageCause.SHIPPING or reason is ReturnReason.SHIPPING_DAMAGE:
        slots.append(PhotoSlot.BOX_AND_LABEL)
    return tuple(slots)


def form_json(form: InspectionInput) -> dict[str, Any]:
    data = {k: (v.value if hasattr(v, "value") else v)
            for k, v in dataclasses.asdict(form).items()}
    data["marks"] = sorted(form.marks)
    return data


def form_from(data: dict[str, Any]) -> InspectionInput:
    return InspectionInput(
        grade=Grade(data["grade"]) if data.get("grade") else None,
        worn=bool(data.get("worn")), altered=bool(data.get("altered")),
        tags_attached=bool(data.get("tags_attached", False)),
        damage_severity=DamageSeverity(data["damage_severity"])
        if data.get("damage_severity") else None,
        damage_cause=DamageCause(data["damage_cause"]) if data.get("damage_cause") else None,
        photos=int(data.get("photos", 0)),
        matches_order=None if data.get("matches_order") is None
        else bool(data["matches_order"]),
        notes=data.get("notes"), marks=frozenset(data.get("marks", [])))


class InspectionService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 store: PhotoStore) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self.store = store

    # --- drafts ------------------------------------------------------------------
    @retrying
    def save_draft(self, rma_number: str, unit_no: int, form: InspectionInput,
                   user: SignedInUser) -> None:
        require(user.role, Action.DECIDE)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            draft = self._draft(s, rma_number, unit_no, user, create=True, op=Op.INSPECT)
            assert draft is not None
            draft.checklist = {"form": form_json(form), "marks": sorted(form.marks)}
            draft.grade = form.grade
            draft.worn, draft.altered = form.worn, form.altered
            draft.tags_attached = form.tags_attached
            draft.matches_order = form.matches_order is not False
            draft.damage_severity = form.damage_severity or DamageSeverity.NONE
            draft.damage_cause = form.damage_cause
            move(s, Op.INSPECT, draft.item, actor=user.username, station=self._station,
                 at=self._clock.now(), payload={"grade": form.grade})
            uow.commit()

    def drafts(self, rma_number: str) -> dict[int, DraftView]:
        """Work in progress on this return, to pick up where a bench left off."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rma = load_rma(s, rma_number)
            out = {}
            for item in rma.items:
                draft = s.scalars(select(Inspection).where(
                    Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))
                    .order_by(Inspection.id.desc()).limit(1)).first()
                if draft is None:
                    continue
                photos = self._photo_views(s, draft)
                form = form_from(draft.checklist.get("form", {}))
                out[item.unit_no] = DraftView(item.unit_no,
                                              dataclasses.replace(form, photos=len(photos)),
                                              tuple(photos))
            return out

    def unfinished(self, limit: int = 9) -> list[Unfinished]:
        """Inspections begun at this station and not decided (a crash, a lock, a scan of
        the next parcel): newest first, so the bench can resume each with one key."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            station_id = self._station_id(s)
            rows = s.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no, Inspection.grade,
                       Inspection.started_at)
                .join(ReturnItem, Inspection.return_item_id == ReturnItem.id)
                .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
                # `is_draft` as the partial index ix_inspections_station_drafts says it:
                # only this station's drafts are read, newest first (never the table).
                .where(Inspection.is_draft, Inspection.station_id == station_id,
                       ReturnItem.decision_status == DecisionStatus.PENDING)
                .order_by(Inspection.started_at.desc()).limit(limit)).all()
            uow.commit()
            return [Unfinished(r[0], r[1], r[2], r[3]) for r in rows]

    # --- photos ------------------------------------------------------------------
    @retrying
    def add_photo(self, rma_number: str, unit_no: int, image: bytes | np.ndarray[Any, Any],
                  user: SignedInUser, slot: PhotoSlot = PhotoSlot.OTHER,
                  override: bool = False) -> PhotoView:
        require(user.role, Action.DECIDE)
        if isinstance(image, bytes):
            import numpy as np

            pil = open_photo(image)  # a corrupt or truncated file is refused here
            array = np.asarray(pil)[:, :, ::-1]
        else:
            pil, array = image_from_array(image), image
        quality = assess(array)
        if not quality.ok and not override:
            raise PhotoRejected(f"Photo not kept: {'; '.join(quality.problems)}. Retake it "
                                "(Space), or keep it anyway (Ctrl+K).", quality)
        with UnitOfWork(self._sf) as uow:  # before the file is written, not only after
            require_current(uow.session, user, Action.DECIDE)
        stored = self.store.store_image(pil)
        return self._record(rma_number, unit_no, user, slot, stored.sha256, stored.byte_size,
                            stored.width, stored.height, stored.perceptual_hash,
                            quality.focus, quality.brightness, not quality.ok)

    @retrying
    def attach_stored(self, rma_number: str, unit_no: int, user: SignedInUser,
                      meta: Mapping[str, Any], request_key: str) -> PhotoView:
        """A photo already in the photo store (taken by this bench while the server was
        away) recorded on the unit's draft, once per `request_key`: `meta` is the photo
        row the bench kept (sha256, size, slot, its quality scores)."""
        require(user.role, Action.DECIDE)
        sha = str(meta["sha256"])
        if not self.store.path_for(sha).exists():
            raise BadInput(f"The photo {sha[:12]} taken offline is not in the photo store "
                           f"({self.store.root}): it cannot be recorded.")
        with UnitOfWork(self._sf) as uow:
            done = uow.session.get(CompletedRequest, request_key)
            if done is not None:
                photo = uow.session.get(Photo, int(done.result["photo"]))
                assert photo is not None
                return self._view(photo)
        return self._record(rma_number, unit_no, user, PhotoSlot(meta["slot"]), sha,
                            int(meta["byte_size"]), int(meta["width"]), int(meta["height"]),
                            str(meta["perceptual_hash"]), float(meta["focus_score"]),
                            float(meta["exposure_score"]), bool(meta["quality_override"]),
                            request_key)

    def _record(self, rma_number: str, unit_no: int, user: SignedInUser, slot: PhotoSlot,
                sha: str, size: int, width: int, height: int, phash: str, focus: float,
                brightness: float, override: bool, request_key: str | None = None
                ) -> PhotoView:
        """The photo row on the unit's draft (made if need be), audited, one transaction."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            draft = self._draft(s, rma_number, unit_no, user, create=True, op=Op.PHOTO)
            assert draft is not None
            photo = Photo(inspection_id=draft.id, sha256=sha, slot=slot, byte_size=size,
                          width=width, height=height, focus_score=focus,
                          exposure_score=brightness, perceptual_hash=phash, annotations=[],
                          quality_override=override, taken_by_id=user.id,
                          station_id=self._station_id(s), taken_at=now)
            s.add(photo)
            s.flush()
            self._flag_reuse(s, draft, photo, rma_number)
            view = self._view(photo)
            move(s, Op.PHOTO, draft.item, actor=user.username, station=self._station, at=now,
                 action="photo.added", entity="photo", entity_id=photo.id,
                 payload={"rma": rma_number, "unit_no": unit_no, "sha256": sha,
                          "slot": slot.value, "override": override,
                          "reused_on": list(view.reused_on)})
            if request_key is not None:
                s.add(CompletedRequest(key=request_key, kind="photo.attach", at=now,
                                       result={"photo": photo.id}))
            uow.commit()
            return view

    def photos(self, rma_number: str, unit_no: int) -> list[PhotoView]:
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            item = rma_unit(load_rma(s, rma_number), unit_no)
            inspections = s.scalars(select(Inspection).where(
                Inspection.return_item_id == item.id).order_by(Inspection.id)).all()
            return [v for ins in inspections for v in self._photo_views(s, ins)]

    # --- helpers -----------------------------------------------------------------
    def _draft(self, s: Session, rma_number: str, unit_no: int, user: SignedInUser,
               create: bool, op: Op = Op.INSPECT) -> Inspection | None:
        rma = load_rma(s, rma_number, for_update=create)
        item = rma_unit(rma, unit_no)
        if create:
            check(op, item.reception_status, item.decision_status,
                  f"Item {unit_no} of {rma.number}")
            # A change: only the bench holding the unit may make it.
            require_hold(s, rma.number, item, user.id, self._station_id(s),
                         self._clock.now())
        draft = s.scalars(select(Inspection).where(
            Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))
            .order_by(Inspection.id.desc()).limit(1)).first()
        if draft is None and create:
            draft = Inspection(item=item, grade=None, checklist={}, worn=False, altered=False,
                               tags_attached=True, matches_order=True,
                               damage_severity=DamageSeverity.NONE, damage_cause=None,
                               inspector_id=user.id,
                               station_id=self._station_id(s),
                               started_at=self._clock.now(), is_draft=True)
            s.add(draft)
            s.flush()
        return draft

    def _photo_views(self, s: Session, inspection: Inspection) -> list[PhotoView]:
        photos = s.scalars(select(Photo).where(Photo.inspection_id == inspection.id)
                           .order_by(Photo.id)).all()
        return [self._view(photo) for photo in photos]

    def photo_views_for_items(self, s: Session, item_ids: list[int]
                              ) -> dict[int, list[PhotoView]]:
        """Every photo of these units in one query of plain columns (for queues listing
        hundreds of claims)."""
        out: dict[int, list[PhotoView]] = {i: [] for i in item_ids}
        if not item_ids:
            return out
        rows = s.execute(select(
            Inspection.return_item_id, Photo.id, Photo.sha256, Photo.slot, Photo.width,
            Photo.height, Photo.focus_score, Photo.quality_override, Photo.reused_on)
            .join(Inspection, Photo.inspection_id == Inspection.id)
            .where(Inspection.return_item_id.in_(item_ids))
            .order_by(Inspection.id, Photo.id)).all()
        for item_id, *columns in rows:
            out[item_id].append(self._view_of(*columns))
        return out

    def _view(self, photo: Photo) -> PhotoView:
        return self._view_of(photo.id, photo.sha256, photo.slot, photo.width, photo.height,
                             photo.focus_score, photo.quality_override, photo.reused_on)

    def _view_of(self, pid: int, sha: str, slot: PhotoSlot, width: int, height: int,
                 focus: float | None, override: bool, reused: list[Any] | None
                 ) -> PhotoView:
        """One PhotoView, from an ORM row or from plain columns in the same order."""
        return PhotoView(pid, sha, slot, width, height, focus, override,
                         self.store.path_for(sha), self.store.path_for(sha, thumbnail=True),
                         tuple(sorted(reused or ())))

    def _flag_reuse(self, s: Session, inspection: Inspection, photo: Photo,
                    rma_number: str) -> None:
        """A near-identical photo on another customer's return flags both: this photo
        names that RMA, and that photo names this one. Found once, at capture, so the
        queues only read the flag."""
        if not photo.perceptual_hash:
            return
        matches = [(pid, number) for pid, phash, number
                   in self._other_customers_hashes(s, inspection)
                   if pid != photo.id and hamming(phash, photo.perceptual_hash) <= REUSE_BITS]
        if not matches:
            return
        photo.reused_on = sorted({number for _pid, number in matches})
        for pid, _number in matches:
            other = s.get(Photo, pid)
            if other is not None and rma_number.upper() not in (other.reused_on or []):
                other.reused_on = sorted({*(other.reused_on or []), rma_number.upper()})

    @staticmethod
    def _other_customers_hashes(s: Session,
                                inspection: Inspection) -> list[tuple[int, str, str]]:
        """(photo id, perceptual hash, RMA) of recent photos on other customers' returns."""
        customer = s.scalar(select(Order.customer_id).join(
            ReturnAuthorization, ReturnAuthorization.order_id == Order.id).join(
            ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id).where(
            ReturnItem.id == inspection.return_item_id))
        rows = s.execute(
            select(Photo.id, Photo.perceptual_hash, ReturnAuthorization.number)
            .join(Inspection, Photo.inspection_id == Inspection.id)
            .join(ReturnItem, Inspection.return_item_id == ReturnItem.id)
            .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
            .join(Order, ReturnAuthorization.order_id == Order.id)
            .where(Order.customer_id != customer, Photo.perceptual_hash.is_not(None))
            .order_by(Photo.id.desc()).limit(20_000)).all()
        return [(pid, phash, number) for pid, phash, number in rows if phash]

