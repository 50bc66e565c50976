"""Approvals name the unit an exception is about (approvals.return_item_id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:55:29.618219
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_approvals_return_item_id_return_items'), 'return_items', ['return_item_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_approvals_return_item_id_return_items'), type_='foreignkey')
        batch_op.drop_column('return_item_id')

