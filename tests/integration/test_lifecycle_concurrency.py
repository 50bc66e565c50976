"""Two benches at the same instant on one PostgreSQL: the first decisions under a new
policy version both succeed (the archive is insert-or-ignore), and two RMAs for one unit
bought decided at once refund it only once (the order line is locked), and two dresses
of one RMA decided at once on two benches ask one manager (the RMA is locked). The
ledger check holds after each."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import ApprovalKind, Grade
from app.lifecycle import NotAllowed
from app.policy.rules import POLICY_DIR, Policy, parse_policy
from app.services.decisions import DecisionService, InspectionInput
from models import Approval, Decision, PolicyVersion, ReturnAuthorization, ReturnItem
from models.db import make_engine, make_session_factory
from tests.conftest import NOW
from tests.helpers.concurrency import at_once
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.rma_builder import UnitSpec, build_rma
from tests.helpers.rmas import refundable, twin_rma
from tests.integration.conftest import user_named

pytestmark = pytest.mark.postgres
GRADE_A = InspectionInput(grade=Grade.A)


def _refundable(sf: sessionmaker[Session], skip: int) -> str:
    return refundable(sf, skip)


def test_first_decisions_under_a_new_policyat_once(pg_demo_url: str) -> None:
    engines = [make_engine(pg_demo_url) for _ in range(2)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        clock = FixedClock(NOW)
        ines = user_named(sfs[0], "ines")
        base = (POLICY_DIR / "kissprom.toml").read_bytes()
        for round_no in range(5):
            policy = parse_policy(base + f"\n# revision {round_no}\n".encode(), "test")

            def loader(_brand: str, p: Policy = policy) -> Policy:
                return p

            numbers = [_refundable(sfs[0], 2 * round_no + i) for i in range(2)]
            services = [DecisionService(sfs[i], clock, f"BENCH-{i}", policy_loader=loader)
                        for i in range(2)]
            results = at_once(2, lambda i: services[i].accept(  # noqa: B023
                numbers[i], {1: GRADE_A}, ines))  # noqa: B023
            assert not any(isinstance(r, Exception) for r in results), results
            with sfs[0]() as s:
                assert s.scalar(select(func.count()).select_from(PolicyVersion).where(
                    PolicyVersion.sha256 == policy.sha256)) == 1
                stored = s.scalar(select(func.count()).select_from(Decision).where(
                    Decision.policy_sha256 == policy.sha256))
                assert stored == 2
        assert_ledger_clean(pg_demo_url)
    finally:
        for e in engines:
            e.dispose()


def test_two_rmas_for_one_unit_decided_at_once_refund_it_once(pg_demo_url: str,
                                                               tmp_path: Path) -> None:
    engines = [make_engine(pg_demo_url) for _ in range(2)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        clock = FixedClock(NOW)
        ines = user_named(sfs[0], "ines")
        number = _refundable(sfs[0], 0)
        twin_rma(sfs[0], number, "RMA-2026-999999-0", NOW)
        with sfs[0]() as s:
            first = s.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == number)).one().items[0]
        numbers = [number, "RMA-2026-999999-0"]
        results = at_once(2, lambda i: DecisionService(sfs[i], clock, f"BENCH-{i}").accept(
            numbers[i], {1: GRADE_A}, ines))
        refused = [r for r in results if isinstance(r, NotAllowed)]
        assert len(refused) == 1, results
        other = numbers[1] if "RMA-2026-999999-0" not in str(refused[0]) else numbers[0]
        assert other in str(refused[0])  # the refusal names the RMA that has the unit
        with sfs[0]() as s:
            live = s.scalar(select(func.count()).select_from(Decision).join(ReturnItem).where(
                ReturnItem.order_line_id == first.order_line_id,
                Decision.superseded.is_(False)))
            assert live == 1
        assert_ledger_clean(pg_demo_url)
    finally:
        for e in engines:
            e.dispose()


def test_two_benches_deciding_the_dresses_of_one_rma_at_once_ask_one_manager(
        pg_demo_url: str) -> None:
    """Two benches, one dress each of the $378.85 RMA, Enter at the same moment: the RMA's
    lock puts one after the other, so the second sees the first and its refund waits for
    a manager, once."""
    engines = [make_engine(pg_demo_url) for _ in range(2)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        clock = FixedClock(NOW)
        ines = user_named(sfs[0], "ines")
        for _round in range(3):
            number = build_rma(sfs[0], [UnitSpec("173.00", "14.26"),
                                        UnitSpec("177.00", "14.59")], at=NOW)
            results = at_once(2, lambda i: DecisionService(
                sfs[i], clock, f"BENCH-{i}").accept(number, {i + 1: GRADE_A}, ines))  # noqa: B023
            assert not any(isinstance(r, Exception) for r in results), results
            with sfs[0]() as s:
                asked = s.scalars(select(Approval).join(
                    ReturnAuthorization, Approval.rma_id == ReturnAuthorization.id)
                    .where(ReturnAuthorization.number == number)).all()
                assert [(a.kind, a.amount) for a in asked] == [
                    (ApprovalKind.REFUND_OVER_THRESHOLD, Decimal("378.85"))]
        assert_ledger_clean(pg_demo_url)
    finally:
        for e in engines:
            e.dispose()
