"""The authorization log PDF: rendered with poppler (pdftoppm), read back (pdftotext)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import Grade
from app.errors import BadInput, PermissionDenied
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.authlog import AuthorizationLogService
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.inspection import InspectionService
from models import ReturnAuthorization
from tests.conftest import IN_CI
from tests.helpers.photos import scene
from tests.helpers.rmas import ask_exception
from tests.integration.conftest import user_named


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} (poppler-utils) is required under CI=true", pytrace=False)
        pytest.skip(f"{tool} not installed")
    return path


def test_authorization_log_pdf_renders_and_reads_back(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    decisions = DecisionService(sf, clock, "BENCH-01")
    approvals = ApprovalService(sf, clock, "MANAGER-01", AuthService(sf, clock, "BENCH-01"))
    with sf() as s:
        numbers = [r.number for r in s.scalars(
            select(ReturnAuthorization).order_by(ReturnAuthorization.id).limit(2))]
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    first = ask_exception(sf, decisions, numbers[0], ines, "412.50",
                          reason="Bride's dress arrived after the wedding date")
    ask_exception(sf, decisions, numbers[1], ines, "0.00", outcome="store_credit",
                  reason="Tag cut by our packer, customer has proof")
    store = PhotoStore(tmp_path / "photos")
    InspectionService(sf, clock, "BENCH-01", store).add_photo(numbers[0], 1, scene(71), ines)
    clock.advance(dt.timedelta(minutes=30))
    approvals.answer(first, maria, True, "Late delivery confirmed with FedEx")
    service = AuthorizationLogService(sf, clock, approvals, store)
    with pytest.raises(PermissionDenied):
        service.render_for(ines, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    with pytest.raises(BadInput, match="before"):
        service.render(dt.date(2026, 4, 30), dt.date(2026, 4, 1))
    pdf = service.render_for(maria, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "authlog.pdf"
    path.write_bytes(pdf)

    text = subprocess.run([_poppler("pdftotext"), "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Authorization log" in text and "2 entries" in text
    assert "$412.50" in text and "Bride's dress arrived" in text
    assert "APPROVED by Maria Chen" in text and "Late delivery confirmed" in text
    assert "PENDING" in text and "Ines Moreno at BENCH-01" in text
    with sf() as s:
        seq, head = audit.head(s)
        answer = audit.entries_for(s, "approval", first)[-1]
    assert f"entry {seq}" in text and head in text.replace("\n", "").replace(" ", "")
    assert answer.hash in text

    images = subprocess.run([_poppler("pdfimages"), "-list", str(path)], capture_output=True,
                            text=True, check=True).stdout.strip().splitlines()[2:]
    assert len(images) == 1  # the photo's thumbnail, on the first request only
    subprocess.run([_poppler("pdftoppm"), "-png", "-r", "60", str(path),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and pages[0].stat().st_size > 10_000  # a page with real content

    empty = service.render(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    (tmp_path / "empty.pdf").write_bytes(empty)
    none = subprocess.run([_poppler("pdftotext"), str(tmp_path / "empty.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Nothing to report" in none


def test_the_log_carries_hold_answers_with_what_they_changed(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """A hold's denial sends a dress to quarantine and an exception's approval changes a
    refund: each is in the log with who, when, and each unit before and after."""
    sf = session_factory
    decisions = DecisionService(sf, clock, "BENCH-01")
    approvals = ApprovalService(sf, clock, "MANAGER-01", AuthService(sf, clock, "BENCH-01"))
    with sf() as s:
        numbers = [r.number for r in s.scalars(
            select(ReturnAuthorization).order_by(ReturnAuthorization.id).limit(2))]
    ines, sam, maria = (user_named(sf, u) for u in ("ines", "sam", "maria"))
    asked = ask_exception(sf, decisions, numbers[0], ines, "412.50",
                          reason="Bride's dress arrived after the wedding date")
    held = decisions.accept(numbers[1], {1: InspectionInput(grade=Grade.X)}, ines)
    hold = held.approval_ids[0]
    clock.advance(dt.timedelta(minutes=20))
    approvals.answer(hold, sam, False, "Someone else's dress", alternative="quarantine")
    approvals.answer(asked, maria, True, "Late delivery confirmed with FedEx")
    pdf = AuthorizationLogService(sf, clock, approvals).render_for(
        maria, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    path = tmp_path / "authlog.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run([_poppler("pdftotext"), str(path), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    assert f"#{hold} Hold (is it ours?)" in text
    assert "DENIED by Sam" in text and "Someone else's dress" in text
    assert ("item 1: awaiting approval: hold, refund $0.00, credit $0.00, hold → decided: "
            "hold, refund $0.00, credit $0.00, to quarantine") in text
    # The exception's unit: what the policy gave, then what the manager's answer gave.
    assert ("item 1: awaiting approval: return to customer, refund $0.00, credit $0.00, "
            "return to customer → decided: refund, refund $412.50") in text
