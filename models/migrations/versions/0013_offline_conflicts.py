"""The offline bench: journal entries the server refused at replay, kept with both
versions for a supervisor to settle.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'offline_conflicts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_key', sa.String(length=80), nullable=False),
        sa.Column('station', sa.String(length=40), nullable=False),
        sa.Column('username', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('rma_number', sa.String(length=40), nullable=True),
        sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('bench_version', sa.JSON(), nullable=False),
        sa.Column('server_version', sa.JSON(), nullable=False),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('settled_by_id', sa.Integer(), nullable=True),
        sa.Column('settlement', sa.String(length=20), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'],
                                name=op.f('fk_offline_conflicts_settled_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_conflicts')),
        sa.UniqueConstraint('entry_key', name=op.f('uq_offline_conflicts_entry_key')),
    )
    op.create_index(op.f('ix_offline_conflicts_rma_number'), 'offline_conflicts',
                    ['rma_number'])
    op.create_index(op.f('ix_offline_conflicts_settled_at'), 'offline_conflicts',
                    ['settled_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_offline_conflicts_settled_at'), table_name='offline_conflicts')
    op.drop_index(op.f('ix_offline_conflicts_rma_number'), table_name='offline_conflicts')
    op.drop_table('offline_conflicts')
