"""Small helpers shared by the services' units of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.errors import BadInput, NotFound
from models import Order, Product, ReturnAuthorization, ReturnItem, Station


def station_row(session: Session, name: str) -> Station:
    """This station's row, created on first use."""
    station = session.scalars(select(Station).where(Station.name == name)).one_or_none()
    if station is None:
        station = Station(name=name)
        session.add(station)
        session.flush()
    return station


class StationId:
    """A station's row id, read once (stations are never removed). A row this
    transaction creates is not remembered until a later call finds it committed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._id: int | None = None

    def __call__(self, session: Session) -> int:
        if self._id is None:
            found = session.scalar(select(Station.id).where(Station.name == self.name))
            if found is None:
                return station_row(session, self.name).id
            self._id = int(found)
        return self._id




def load_rma(session: Session, number: str, for_update: bool = False) -> ReturnAuthorization:
    """An RMA with its items, order lines and customer; locked for the transaction when
    `for_update` (two benches never change one return at once)."""
    stmt = (select(ReturnAuthorization).where(ReturnAuthorization.number == number.upper())
            .options(selectinload(ReturnAuthorization.items).joinedload(ReturnItem.order_line),
                     joinedload(ReturnAuthorization.order, innerjoin=True)
                     .joinedload(Order.customer, innerjoin=True)))
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


def by_code(session: Session, model: Any, code: str, check: Callable[[str], bool],
            misread: str, missing: str, lock: bool = False) -> Any:
    """The row of `model` with this scanned `code` (a tote, a lot): a code whose check
    digit fails is refused as `misread` (it names what was read), an unknown one as
    `missing` (it names the code); locked for the transaction when `lock`."""
    text = code.strip().upper()
    if not check(text):
        raise BadInput(misread.format(code=code.strip()))
    stmt = select(model).where(model.code == text)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(missing.format(code=text))
    return row


def describe_product(product: Product) -> str:
    """How the bench names a product of ours: "Style, colour, size 8"."""
    return f"{product.style.name}, {product.colour}, size {product.size}"
