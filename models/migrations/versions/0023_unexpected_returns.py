"""Unexpected returns: a parcel that came with no return, received, graded and held for a
supervisor, who links it to an order (it becomes a return) or sends it back. A row whose
status and answer disagree is refused by the database. Order lines by SKU: a dress's tag
finds the customers who bought it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

ANSWER = ("(status = 'held' AND answered_at IS NULL AND answered_by_id IS NULL "
          "AND rma_id IS NULL) OR (status = 'linked' AND answered_at IS NOT NULL "
          "AND answered_by_id IS NOT NULL AND rma_id IS NOT NULL) OR "
          "(status = 'sent_back' AND answered_at IS NOT NULL "
          "AND answered_by_id IS NOT NULL AND rma_id IS NULL)")


def upgrade() -> None:
    op.create_table(
        'unexpected_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('grade', sa.Enum('A', 'B', 'C', 'D', 'X', name='grade',
                                   native_enum=False, create_constraint=True, length=1),
                  nullable=False),
        sa.Column('form', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('held', 'linked', 'sent_back', name='unexpectedstatus',
                                    native_enum=False, create_constraint=True, length=9),
                  nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('rma_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(ANSWER, name=op.f('ck_unexpected_returns_answer')),
        sa.CheckConstraint('length(description) >= 3',
                           name=op.f('ck_unexpected_returns_description')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'],
                                name=op.f('fk_unexpected_returns_receipt_id_receipts')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_unexpected_returns_customer_id_customers')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'],
                                name=op.f('fk_unexpected_returns_order_id_orders')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_unexpected_returns_product_id_products')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_unexpected_returns_answered_by_id_users')),
        sa.ForeignKeyConstraint(
            ['rma_id'], ['return_authorizations.id'],
            name=op.f('fk_unexpected_returns_rma_id_return_authorizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unexpected_returns')),
        sa.UniqueConstraint('receipt_id', name=op.f('uq_unexpected_returns_receipt_id')),
        sa.UniqueConstraint('rma_id', name=op.f('uq_unexpected_returns_rma_id')),
    )
    op.create_index('ix_unexpected_returns_status_received_at', 'unexpected_returns',
                    ['status', 'received_at'])
    # A dress's SKU tag finds the customers who bought it (the bench's search).
    op.create_index(op.f('ix_order_lines_sku'), 'order_lines', ['sku'])


def downgrade() -> None:
    op.drop_index(op.f('ix_order_lines_sku'), table_name='order_lines')
    op.drop_index('ix_unexpected_returns_status_received_at',
                  table_name='unexpected_returns')
    op.drop_table('unexpected_returns')
