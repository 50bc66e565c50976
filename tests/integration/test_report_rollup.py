"""report_sku_days (migration 0018) is what the order lines and return items say, whoever
writes them: the demo data, an import, a line changed or removed, a return item moved or
removed, an order's date corrected; and the return rate by style read through it (whole
days from it, the range's ends from the lines) is the one counted line by line."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.services.demo_data import load_demo_data
from app.services.reports import ReportService, style_of
from models import Order, OrderLine, Product, ReportSkuDay, ReturnItem

TODAY = dt.date(2026, 4, 15)
NOW = dt.datetime(2026, 4, 15, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def shop(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load_demo_data(session_factory, orders=80, seed=3, today=TODAY)
    return session_factory


def _by_lines(s: Session) -> dict[tuple[dt.date, int, str], tuple[int, int]]:
    """Units sold and returned per UTC order day, product and SKU, counted line by line."""
    out: Counter[tuple[dt.date, int, str, str]] = Counter()
    for placed, product_id, sku, quantity, line_id in s.execute(
            select(Order.placed_at, OrderLine.product_id, OrderLine.sku, OrderLine.quantity,
                   OrderLine.id).join(Order, Order.id == OrderLine.order_id)):
        key = (placed.astimezone(dt.UTC).date(), product_id or 0, sku)
        out[(*key, "sold")] += quantity
        out[(*key, "returned")] += s.scalar(select(func.count()).where(
            ReturnItem.order_line_id == line_id)) or 0
    keys = {k[:3] for k in out}
    return {k: (out[(*k, "sold")], out[(*k, "returned")]) for k in keys
            if out[(*k, "sold")] or out[(*k, "returned")]}


def _rollup(s: Session) -> dict[tuple[dt.date, int, str], tuple[int, int]]:
    return {(d, p, sku): (sold, back) for d, p, sku, sold, back in s.execute(
        select(ReportSkuDay.day, ReportSkuDay.product_id, ReportSkuDay.sku,
               ReportSkuDay.sold, ReportSkuDay.returned)) if sold or back}


def test_the_rollup_follows_every_write(shop: sessionmaker[Session]) -> None:
    with shop() as s:
        before = _by_lines(s)
        assert before and _rollup(s) == before
        item = s.scalars(select(ReturnItem).where(ReturnItem.order_line_id.is_not(None))
                         .limit(1)).one()
        other = s.scalars(select(OrderLine).where(OrderLine.id != item.order_line_id)
                          .limit(1)).one()
        # A return item moved to another line, a line's SKU and quantity changed, an
        # order's date corrected by a day, then an unreturned line removed.
        s.execute(update(ReturnItem).where(ReturnItem.id == item.id)
                  .values(order_line_id=other.id))
        s.execute(update(OrderLine).where(OrderLine.id == other.id)
                  .values(sku=other.sku + "-X", quantity=other.quantity + 2))
        s.execute(update(Order).where(Order.id == other.order_id)
                  .values(placed_at=other.order.placed_at - dt.timedelta(days=1)))
        assert _rollup(s) == _by_lines(s)
        spare = s.scalars(select(OrderLine).where(~OrderLine.id.in_(
            select(ReturnItem.order_line_id).where(ReturnItem.order_line_id.is_not(None))))
            .limit(1)).one()
        s.execute(delete(OrderLine).where(OrderLine.id == spare.id))
        assert _rollup(s) == _by_lines(s)
        s.rollback()


def _styles_line_by_line(s: Session, lo: dt.datetime, hi: dt.datetime
                         ) -> list[tuple[str, int, int]]:
    sold: Counter[str] = Counter()
    back: Counter[str] = Counter()
    for line in s.scalars(select(OrderLine).join(Order, Order.id == OrderLine.order_id)
                          .where(Order.placed_at >= lo, Order.placed_at < hi)):
        product = s.get(Product, line.product_id) if line.product_id else None
        style = style_of(line.sku, product)
        sold[style] += line.quantity
        back[style] += s.scalar(select(func.count()).where(
            ReturnItem.order_line_id == line.id)) or 0
    return sorted((st, sold[st], back[st]) for st in sold)


@pytest.mark.parametrize("days", [1, 3, 30, 90])
def test_the_style_rate_through_the_rollup_is_the_lines_own(
        shop: sessionmaker[Session], days: int) -> None:
    reports = ReportService(shop, FixedClock(NOW))
    start, end = TODAY - dt.timedelta(days=days), TODAY + dt.timedelta(days=1)
    rates = reports.styles(start, end)
    with shop() as s:
        expected = _styles_line_by_line(s, reports._day(start), reports._day(end))
    assert sorted((r.style, r.sold, r.returned) for r in rates) == expected
    assert days < 30 or sum(r.sold for r in rates) > 0
