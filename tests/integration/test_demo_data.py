"""Demo data: realistic, valid and deterministic."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Carrier, PriceTier, Role
from app.errors import BadInput
from app.scanning import checksums
from app.services.demo_data import DEMO_USERS, DemoSummary, load_demo_data
from models import Order, OrderLine, ReturnAuthorization, Style, User
from tests.helpers.postgres import PostgresServer
from tests.integration.conftest import DEMO_DAY

ROOT = Path(__file__).resolve().parents[2]
TIER_RANGES = {PriceTier.BUDGET: (89, 149), PriceTier.MID: (150, 299),
               PriceTier.DESIGNER: (300, 699)}


def test_catalogue_prices_fall_in_their_tiers(demo: DemoSummary,
                                               session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        styles = s.scalars(select(Style)).all()
        assert {st.price_tier for st in styles} == set(PriceTier)
        for st in styles:
            low, high = TIER_RANGES[st.price_tier]
            assert Decimal(low) <= st.msrp <= Decimal(high), (st.code, st.msrp)
        assert any(st.clearance for st in styles)


def test_orders_lines_and_rmas_are_plausible(demo: DemoSummary,
                                             session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        orders = s.scalars(select(Order)).all()
        assert len(orders) == 120 == demo.orders
        for o in orders:
            assert (DEMO_DAY - o.placed_at.date()).days <= 60
            assert o.subtotal == sum(ln.unit_price_paid for ln in o.lines)
        rmas = s.scalars(select(ReturnAuthorization)).all()
        assert 0.12 * len(orders) <= len(rmas) <= 0.3 * len(orders)
        assert all(r.order.delivered_on is not None for r in rmas)
        clearance_lines = s.scalar(select(func.count()).select_from(OrderLine)
                                   .where(OrderLine.clearance.is_(True)))
        assert clearance_lines is not None and clearance_lines > 0
        big = [r for r in rmas if sum(ln.unit_price_paid for ln in r.order.lines) > 250]
        assert len(big) >= 3


def test_tracking_numbers_have_valid_check_digits(demo: DemoSummary,
                                                  session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        rmas = s.scalars(select(ReturnAuthorization)).all()
        assert {r.carrier for r in rmas} == set(Carrier)
        for r in rmas:
            n = r.tracking_number
            assert n is not None
            if r.carrier is Carrier.UPS:
                assert checksums.ups_check(n[2:17]) == int(n[17])
            elif r.carrier is Carrier.FEDEX:
                assert checksums.fedex12_check(n[:11]) == int(n[11])
            elif r.carrier is Carrier.USPS:
                assert checksums.usps_impb_check(n[:-1]) == int(n[-1])
            else:
                assert checksums.dhl_express_check(n[:-1]) == int(n[-1])
            assert re.fullmatch(r"RMA-\d{4}-\d{6}-\d", r.number)


def test_one_user_per_role(demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        roles = sorted(u.role for u in s.scalars(select(User)))
    assert roles == sorted(Role) and len(DEMO_USERS) == len(Role)


def test_refuses_a_database_that_holds_demo_data(demo: DemoSummary,
                                                 session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(BadInput, match="holds demo data already"):
        load_demo_data(session_factory, orders=5, seed=1, today=DEMO_DAY)


@pytest.mark.parametrize("what", ["a user", "an audit event"])
def test_refuses_a_database_in_real_use(session_factory: sessionmaker[Session], what: str,
                                        clock: FixedClock) -> None:
    """Demo data (with its published PINs) never goes where someone set up real work:
    one real user, or one line of history, is enough to refuse."""
    from app.services.users import UserService
    if what == "a user":
        UserService(session_factory, clock, "BENCH").create_first_admin(
            "jordan", "Jordan Reyes", "864213")
    else:
        from app import audit
        with session_factory() as s:
            audit.append(s, at=clock.now(), action="note", actor=None, station="BENCH",
                         entity="x", entity_id="1")
            s.commit()
    with pytest.raises(BadInput, match=r"in use .*demo data, with its published PINs"):
        load_demo_data(session_factory, orders=5, seed=1, today=DEMO_DAY)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(User)) == (1 if what == "a user"
                                                                    else 0)


def test_the_first_admin_is_made_once(session_factory: sessionmaker[Session],
                                      clock: FixedClock) -> None:
    from app.services.users import UserService
    users = UserService(session_factory, clock, "BENCH")
    with pytest.raises(BadInput, match="6 to 12 digits"):
        users.create_first_admin("jordan", "Jordan Reyes", "1234")
    users.create_first_admin("jordan", "Jordan Reyes", "864213")
    with pytest.raises(BadInput, match="has users already"):
        users.create_first_admin("kim", "Kim Lee", "864213")


def _cli(*args: str, env_db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args, "--db", env_db], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _sqlite_dump(path: Path) -> tuple[list[str], list[str]]:
    """(schema, data): every row in dump order, and the schema statements sorted, since
    Alembic's batch mode on SQLite may recreate a table's constraints and indexes in any
    order (it follows Python's hash seed), so which line ends without a comma varies too."""
    with sqlite3.connect(path) as conn:
        statements = list(conn.iterdump())
    data = [st for st in statements if st.startswith("INSERT")]
    schema = sorted("\n".join(sorted(line.rstrip().rstrip(",") for line in st.splitlines()))
                    for st in statements if not st.startswith("INSERT"))
    return schema, data


def test_same_seed_gives_identical_sqlite_databases(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path in (a, b):
        result = _cli("demo-data", "--orders", "150", "--seed", "7", "--today", "2026-11-22",
                      env_db=f"sqlite:///{path}")
        assert result.returncode == 0, result.stderr
    dump_a, dump_b = _sqlite_dump(a), _sqlite_dump(b)
    assert len(dump_a[1]) > 1500
    assert dump_a == dump_b
    c = tmp_path / "c.db"
    _cli("demo-data", "--orders", "150", "--seed", "8", "--today", "2026-11-22",
         env_db=f"sqlite:///{c}")
    assert _sqlite_dump(c) != dump_a


@pytest.mark.postgres
def test_same_seed_gives_identical_postgres_databases(pg_server: PostgresServer) -> None:
    dumps = []
    for name in ("demo_a", "demo_b"):
        url = pg_server.create_database(name)
        result = _cli("demo-data", "--orders", "150", "--seed", "7", "--today", "2026-11-22",
                      env_db=url)
        assert result.returncode == 0, result.stderr
        tables = pg_server.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1", name
        ).split()
        dumps.append({t: pg_server.psql(f"SELECT * FROM {t} ORDER BY 1", name) for t in tables})
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["orders"].splitlines()) == 150
