"""Cents that add up: an order line keeps what the whole line paid and its tax
(`price_total`, `tax_total`, in cents), and each unit's share is taken from them by
largest remainder. Existing lines get their unit amounts times their quantity.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        batch.add_column(sa.Column('price_total', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('tax_total', sa.BigInteger(), nullable=True))
    op.execute("UPDATE order_lines SET price_total = unit_price_paid * quantity, "
               "tax_total = unit_tax * quantity")
    with op.batch_alter_table('order_lines') as batch:
        batch.alter_column('price_total', existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column('tax_total', existing_type=sa.BigInteger(), nullable=False)
        for column in ('price_total', 'tax_total'):  # money is never negative (0014)
            batch.create_check_constraint(
                op.f(f'ck_order_lines_{column}_not_negative'), sa.text(f'{column} >= 0'))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        for column in ('price_total', 'tax_total'):
            batch.drop_constraint(op.f(f'ck_order_lines_{column}_not_negative'),
                                  type_='check')
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('tax_total')
        batch.drop_column('price_total')
