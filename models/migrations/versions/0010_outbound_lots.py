"""Outbound lots (liquidation, donation and return-to-vendor pallets) that collect totes;
what each SKU cost; print jobs for tote plates and manifests.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_KINDS = ('item', 'exchange', 'return', 'carrier_claim', 'authorization_log')
NEW_KINDS = (*OLD_KINDS, 'tote', 'manifest')


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='labelkind', native_enum=False, create_constraint=True,
                   length=17)


def upgrade() -> None:
    op.create_table(
        'lots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('party', sa.String(length=120), nullable=True),
        sa.Column('price', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_lots_created_by_id_users')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'],
                                name=op.f('fk_lots_closed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
        sa.UniqueConstraint('code', name=op.f('uq_lots_code')),
    )
    op.create_index(op.f('ix_lots_status'), 'lots', ['status'])
    with op.batch_alter_table('totes') as batch:
        batch.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_totes_lot_id_lots'), 'lots', ['lot_id'], ['id'])
        batch.create_index(batch.f('ix_totes_lot_id'), ['lot_id'])
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('cost', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('print_jobs') as batch:
        batch.alter_column('kind', existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS),
                           existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM print_jobs WHERE kind IN ('tote', 'manifest')")
    with op.batch_alter_table('print_jobs') as batch:
        batch.alter_column('kind', existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS),
                           existing_nullable=False)
    with op.batch_alter_table('products') as batch:
        batch.drop_column('cost')
    with op.batch_alter_table('totes') as batch:
        batch.drop_index(batch.f('ix_totes_lot_id'))
        batch.drop_constraint(batch.f('fk_totes_lot_id_lots'), type_='foreignkey')
        batch.drop_column('lot_id')
    op.drop_index(op.f('ix_lots_status'), table_name='lots')
    op.drop_table('lots')
