"""The reports read a month of a million returns through indexes: each figure's own (an
enum key first and the range last, so a count per key is a seek and a count), and the
units sold and returned per order day and SKU (report_sku_days), kept by triggers on
order lines, return items and orders so every writer keeps it; filled here from the
tables as they are.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_return_items_reason_received_at', 'return_items', ['reason', 'received_at']),
    ('ix_return_items_order_line_id', 'return_items', ['order_line_id']),
    ('ix_return_items_backlog', 'return_items',
     ['reception_status', 'decision_status', 'inspection_due_on']),
    ('ix_inspections_report', 'inspections',
     ['is_draft', 'grade', 'damage_severity', 'completed_at']),
    ('ix_orders_placed_at', 'orders', ['placed_at', 'id']),
    ('ix_decisions_decided_by_id_decided_at', 'decisions', ['decided_by_id', 'decided_at']),
    ('ix_approvals_report', 'approvals', ['kind', 'status', 'requested_at']),
    ('ix_approvals_requested_at', 'approvals', ['requested_at', 'answered_at']),
)

# --- SQLite: one upsert per change (SQLite applies a multi-row upsert row by row) ------
_ADD = ("INSERT INTO report_sku_days (day, product_id, sku, sold, returned) {rows} "
        "ON CONFLICT (day, product_id, sku) DO UPDATE SET sold = sold + excluded.sold, "
        "returned = returned + excluded.returned;")
_ITEMS = "(SELECT count(*) FROM return_items ri WHERE ri.order_line_id = {line}.id)"


def _line(rec: str, sign: str) -> str:
    return _ADD.format(rows=(
        f"SELECT date(o.placed_at), coalesce({rec}.product_id, 0), {rec}.sku, "
        f"{sign}{rec}.quantity, {sign}{_ITEMS.format(line=rec)} "
        f"FROM orders o WHERE o.id = {rec}.order_id"))


def _item(rec: str, sign: str) -> str:
    return _ADD.format(rows=(
        f"SELECT date(o.placed_at), coalesce(ol.product_id, 0), ol.sku, 0, {sign}1 "
        f"FROM order_lines ol JOIN orders o ON o.id = ol.order_id "
        f"WHERE ol.id = {rec}.order_line_id"))


def _order(rec: str, sign: str) -> str:
    return _ADD.format(rows=(
        f"SELECT date({rec}.placed_at), coalesce(ol.product_id, 0), ol.sku, "
        f"{sign}ol.quantity, {sign}{_ITEMS.format(line='ol')} "
        f"FROM order_lines ol WHERE ol.order_id = {rec}.id"))


SQLITE_TRIGGERS = {
    'trg_report_line_added': f"AFTER INSERT ON order_lines BEGIN {_line('NEW', '')} END",
    'trg_report_line_removed': f"AFTER DELETE ON order_lines BEGIN {_line('OLD', '-')} END",
    'trg_report_line_changed': ("AFTER UPDATE OF order_id, product_id, sku, quantity ON "
                                f"order_lines BEGIN {_line('OLD', '-')} {_line('NEW', '')} END"),
    'trg_report_item_added': ("AFTER INSERT ON return_items WHEN NEW.order_line_id IS NOT "
                              f"NULL BEGIN {_item('NEW', '')} END"),
    'trg_report_item_removed': ("AFTER DELETE ON return_items WHEN OLD.order_line_id IS NOT "
                                f"NULL BEGIN {_item('OLD', '-')} END"),
    'trg_report_item_moved': ("AFTER UPDATE OF order_line_id ON return_items BEGIN "
                              f"{_item('OLD', '-')} {_item('NEW', '')} END"),
    'trg_report_order_moved': ("AFTER UPDATE OF placed_at ON orders BEGIN "
                               f"{_order('OLD', '-')} {_order('NEW', '')} END"),
}

# --- PostgreSQL: row triggers through one function that adds to a day's row ------------
PG_FUNCTIONS = """
CREATE FUNCTION report_sku_add(d date, p integer, s varchar, sold_n bigint, returned_n bigint)
RETURNS void AS $$
BEGIN
  INSERT INTO report_sku_days (day, product_id, sku, sold, returned)
  VALUES (d, p, s, sold_n, returned_n)
  ON CONFLICT (day, product_id, sku) DO UPDATE
  SET sold = report_sku_days.sold + excluded.sold,
      returned = report_sku_days.returned + excluded.returned;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION report_line_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM report_sku_add((o.placed_at AT TIME ZONE 'UTC')::date,
                           coalesce(OLD.product_id, 0), OLD.sku, -OLD.quantity,
                           -(SELECT count(*) FROM return_items ri
                             WHERE ri.order_line_id = OLD.id))
    FROM orders o WHERE o.id = OLD.order_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM report_sku_add((o.placed_at AT TIME ZONE 'UTC')::date,
                           coalesce(NEW.product_id, 0), NEW.sku, NEW.quantity,
                           (SELECT count(*) FROM return_items ri
                            WHERE ri.order_line_id = NEW.id))
    FROM orders o WHERE o.id = NEW.order_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION report_item_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.order_line_id IS NOT NULL THEN
    PERFORM report_sku_add((o.placed_at AT TIME ZONE 'UTC')::date,
                           coalesce(ol.product_id, 0), ol.sku, 0, -1)
    FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.id = OLD.order_line_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.order_line_id IS NOT NULL THEN
    PERFORM report_sku_add((o.placed_at AT TIME ZONE 'UTC')::date,
                           coalesce(ol.product_id, 0), ol.sku, 0, 1)
    FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.id = NEW.order_line_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION report_order_moved() RETURNS trigger AS $$
BEGIN
  PERFORM report_sku_add((OLD.placed_at AT TIME ZONE 'UTC')::date,
                         coalesce(ol.product_id, 0), ol.sku, -ol.quantity,
                         -(SELECT count(*) FROM return_items ri WHERE ri.order_line_id = ol.id))
  FROM order_lines ol WHERE ol.order_id = NEW.id;
  PERFORM report_sku_add((NEW.placed_at AT TIME ZONE 'UTC')::date,
                         coalesce(ol.product_id, 0), ol.sku, ol.quantity,
                         (SELECT count(*) FROM return_items ri WHERE ri.order_line_id = ol.id))
  FROM order_lines ol WHERE ol.order_id = NEW.id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER trg_report_line_changed
AFTER INSERT OR DELETE OR UPDATE OF order_id, product_id, sku, quantity ON order_lines
FOR EACH ROW EXECUTE FUNCTION report_line_changed();
CREATE TRIGGER trg_report_item_changed
AFTER INSERT OR DELETE OR UPDATE OF order_line_id ON return_items
FOR EACH ROW EXECUTE FUNCTION report_item_changed();
CREATE TRIGGER trg_report_order_moved AFTER UPDATE OF placed_at ON orders
FOR EACH ROW EXECUTE FUNCTION report_order_moved();
"""


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_table(
        'report_sku_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('sku', sa.String(length=40), nullable=False),
        sa.Column('sold', sa.BigInteger(), nullable=False),
        sa.Column('returned', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'product_id', 'sku', name=op.f('pk_report_sku_days')),
    )
    pg = op.get_bind().dialect.name == 'postgresql'
    day = "(o.placed_at AT TIME ZONE 'UTC')::date" if pg else "date(o.placed_at)"
    op.execute(
        "INSERT INTO report_sku_days (day, product_id, sku, sold, returned) "
        "SELECT day, product_id, sku, sum(sold), sum(returned) FROM ("
        f"SELECT {day} AS day, coalesce(ol.product_id, 0) AS product_id, ol.sku AS sku, "
        f"ol.quantity AS sold, {_ITEMS.format(line='ol')} AS returned FROM order_lines ol "
        "JOIN orders o ON o.id = ol.order_id) AS lines GROUP BY day, product_id, sku")
    if pg:
        op.execute(PG_FUNCTIONS)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER trg_report_order_moved ON orders; "
                   "DROP TRIGGER trg_report_item_changed ON return_items; "
                   "DROP TRIGGER trg_report_line_changed ON order_lines; "
                   "DROP FUNCTION report_order_moved(); DROP FUNCTION report_item_changed(); "
                   "DROP FUNCTION report_line_changed(); "
                   "DROP FUNCTION report_sku_add(date, integer, varchar, bigint, bigint)")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('report_sku_days')
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
