"""Small helpers shared by the services' units of work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.enums import Role
from app.errors import NotFound, PermissionDenied
from app.services.auth import SignedInUser
from models import Order, ReturnAuthorization, ReturnItem, Station

BENCH_ROLES = frozenset({Role.INSPECTOR, Role.CLAIMS, Role.SUPERVISOR, Role.MANAGER})


def station_row(session: Session, name: str) -> Station:
    """This station's row, created on first use."""
    station = session.scalars(select(Station).where(Station.name == name)).one_or_none()
    if station is None:
        station = Station(name=name)
        session.add(station)
        session.flush()
    return station


def require_bench_role(user: SignedInUser, action: str) -> None:
    if user.role not in BENCH_ROLES:
        raise PermissionDenied(f"A {user.role.value} cannot {action}; sign in as bench staff.")


def load_rma(session: Session, number: str, for_update: bool = False) -> ReturnAuthorization:
    """An RMA with its items, order lines and customer; locked for the transaction when
    `for_update` (two benches never change one return at once)."""
    stmt = (select(ReturnAuthorization).where(ReturnAuthorization.number == number.upper())
            .options(selectinload(ReturnAuthorization.items).selectinload(ReturnItem.order_line),
                     selectinload(ReturnAuthorization.order).selectinload(Order.customer)))
    if for_update:
        stmt = stmt.with_for_update(of=ReturnAuthorization)
    rma = session.scalars(stmt).one_or_none()
    if rma is None:
        raise NotFound(f"No return authorization {number}: check the number or search.")
    return rma


def rma_unit(rma: ReturnAuthorization, unit_no: int) -> ReturnItem:
    item = next((it for it in rma.items if it.unit_no == unit_no), None)
    if item is None:
        raise NotFound(f"{rma.number} has no item {unit_no}.")
    return item
