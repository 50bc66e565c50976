"""The database refuses what must never be: one live decision per returned unit, one
live return item per unit bought, one un-reversed settlement per unit key, one carrier
claim per damaged unit, decisions.approval_id a foreign key, money never negative,
every status and kind column kept as text limited to its values.

Existing rows are cleaned only where the old code left a meaning behind: a unit freed
(returned to the customer, or with no live decision that uses it up) lets go of its
`line_unit`, which the old code never cleared; settlements learn which reversal undid
them; a carrier claim learns its unit where its RMA has exactly one claim and one
damaged unit. Anything else that breaks a rule (two live decisions of one unit, a
negative amount, an unknown status) makes the upgrade fail, changing nothing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# Frozen here as they were when this ran (models/checks.py keeps the current ones).
GRADES = ('A', 'B', 'C', 'D', 'X')
RESOLUTIONS = ('refund', 'exchange', 'replacement', 'repair_credit', 'store_credit',
               'alteration_credit', 'return_to_customer', 'hold', 'photos_required')
DISPOSITIONS = ('restock', 'prep_and_restock', 'refurbish', 'liquidate',
                'return_to_customer', 'hold')
VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    'totes': {'status': ('open', 'closed', 'shipped'),
              'disposition': (*DISPOSITIONS, 'quarantine', 'qa'),
              'brand': ('kissprom', 'stacees')},
    'lots': {'kind': ('liquidation', 'donation', 'rtv'), 'status': ('open', 'closed')},
    'locations': {'kind': ('restock', 'steam', 'refurbish', 'outlet', 'liquidation',
                           'donation', 'quarantine', 'outbound', 'qa')},
    'qa_samples': {'status': ('waiting', 'regraded'),
                   'why': ('share', 'new_inspector', 'high_value'),
                   'first_grade': GRADES, 'second_grade': GRADES,
                   'outcome_after': RESOLUTIONS},
    'calibration_items': {'agreed_grade': GRADES},
    'calibration_answers': {'grade': GRADES},
    'settlements': {'kind': ('settlement', 'reversal')},
    'offline_conflicts': {'settlement': ('server', 'bench')},
    'print_jobs': {'format': ('pdf', 'zpl')},
}
MONEY: dict[str, tuple[str, ...]] = {
    'styles': ('msrp',),
    'products': ('cost',),
    'orders': ('subtotal', 'shipping_paid', 'tax_total'),
    'order_lines': ('unit_price_paid', 'msrp', 'unit_tax'),
    'decisions': ('refund', 'restocking_fee', 'credit'),
    'approvals': ('amount',),
    'carrier_claims': ('declared_value',),
    'lots': ('price',),
}
LIVE_SETTLEMENT = "kind = 'settlement' AND reversed_by_id IS NULL"
# A unit's live decision uses up its unit bought (outcomes.take_unit_bought).
USES_UNIT = (
    "decision_status IN ('decided', 'awaiting_approval', 'completed') AND EXISTS ("
    "SELECT 1 FROM decisions d WHERE d.return_item_id = return_items.id "
    "AND NOT d.superseded "
    "AND d.resolution NOT IN ('return_to_customer', 'hold', 'photos_required'))")
PARTIAL = (
    ('uq_decisions_live_return_item_id', 'decisions', ['return_item_id'], 'NOT superseded'),
    ('uq_return_items_unit_bought', 'return_items', ['order_line_id', 'line_unit'],
     'line_unit IS NOT NULL'),
    ('uq_settlements_live_unit_key', 'settlements', ['unit_key'], LIVE_SETTLEMENT),
)


def _checks(table: str) -> list[tuple[str, str]]:
    """(name, condition) of every CHECK this migration puts on `table`."""
    out = [(f'ck_{table}_{column}',
            f"{column} IN ({', '.join(repr(v) for v in values)})")
           for column, values in VALUES.get(table, {}).items()]
    out += [(f'ck_{table}_{column}_not_negative', f'{column} >= 0')
            for column in MONEY.get(table, ())]
    if table == 'settlements':
        out.append(('ck_settlements_reversal_not_reversed',
                    "kind = 'settlement' OR reversed_by_id IS NULL"))
    return out


def upgrade() -> None:
    op.execute(f"UPDATE return_items SET line_unit = NULL "
               f"WHERE line_unit IS NOT NULL AND NOT ({USES_UNIT})")
    with op.batch_alter_table('settlements') as batch:
        batch.add_column(sa.Column('reversed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_settlements_reversed_by_id_settlements'),
                                 'settlements', ['reversed_by_id'], ['id'])
    op.execute("UPDATE settlements SET reversed_by_id = (SELECT r.id FROM settlements r "
               "WHERE r.decision_id = settlements.decision_id AND r.kind = 'reversal') "
               "WHERE kind = 'settlement'")
    with op.batch_alter_table('carrier_claims') as batch:
        batch.add_column(sa.Column('return_item_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_carrier_claims_return_item_id_return_items'),
                                 'return_items', ['return_item_id'], ['id'])
        batch.create_unique_constraint(op.f('uq_carrier_claims_return_item_id'),
                                       ['return_item_id'])
    damaged = ("FROM decisions d JOIN return_items i ON i.id = d.return_item_id "
               "WHERE i.rma_id = carrier_claims.rma_id AND d.carrier_claim "
               "AND NOT d.superseded")
    op.execute(f"UPDATE carrier_claims SET return_item_id = (SELECT d.return_item_id "
               f"{damaged}) WHERE (SELECT count(*) {damaged}) = 1 AND (SELECT count(*) "
               f"FROM carrier_claims c WHERE c.rma_id = carrier_claims.rma_id) = 1")
    with op.batch_alter_table('decisions') as batch:
        batch.create_foreign_key(op.f('fk_decisions_approval_id_approvals'),
                                 'approvals', ['approval_id'], ['id'])
    for table in sorted({*VALUES, *MONEY}):
        with op.batch_alter_table(table) as batch:
            for name, condition in _checks(table):
                batch.create_check_constraint(op.f(name), sa.text(condition))
    for name, table, columns, where in PARTIAL:
        op.create_index(name, table, columns, unique=True,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _where in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
    for table in sorted({*VALUES, *MONEY}):
        with op.batch_alter_table(table) as batch:
            for name, _condition in _checks(table):
                batch.drop_constraint(op.f(name), type_='check')
    with op.batch_alter_table('decisions') as batch:
        batch.drop_constraint(op.f('fk_decisions_approval_id_approvals'),
                              type_='foreignkey')
    with op.batch_alter_table('carrier_claims') as batch:
        batch.drop_constraint(op.f('uq_carrier_claims_return_item_id'), type_='unique')
        batch.drop_constraint(op.f('fk_carrier_claims_return_item_id_return_items'),
                              type_='foreignkey')
        batch.drop_column('return_item_id')
    with op.batch_alter_table('settlements') as batch:
        batch.drop_constraint(op.f('fk_settlements_reversed_by_id_settlements'),
                              type_='foreignkey')
        batch.drop_column('reversed_by_id')
