"""Item holds (one bench per item), completed request keys (no action done twice), photo
reuse found at capture (photos.reused_on), and decisions.claim_open with its index, which
keeps the claims queue fast at a million returns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit chain's head rows exist from the start, so the first two benches to write
    # lock the same row instead of both inserting it.
    op.execute("INSERT INTO app_meta (key, value) SELECT 'audit_last_seq', "
               "CAST(coalesce(max(seq), 0) AS VARCHAR) FROM audit_events WHERE NOT EXISTS "
               "(SELECT 1 FROM app_meta WHERE key = 'audit_last_seq')")
    op.execute("INSERT INTO app_meta (key, value) SELECT 'audit_last_hash', "
               "coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), "
               "'" + "0" * 64 + "') WHERE NOT EXISTS "
               "(SELECT 1 FROM app_meta WHERE key = 'audit_last_hash')")
    op.create_table(
        'item_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'],
                                name=op.f('fk_item_holds_return_item_id_return_items')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_item_holds_station_id_stations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_item_holds_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_holds')),
        sa.UniqueConstraint('return_item_id', name=op.f('uq_item_holds_return_item_id')),
    )
    op.create_table(
        'completed_requests',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_completed_requests')),
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reused_on', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_open', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_decisions_claim_open'), ['claim_open'])
    # Claims open today: a claim or a photos request, not superseded, on an item whose
    # claim has not been closed.
    op.execute("UPDATE decisions SET claim_open = true WHERE superseded = false AND "
               "(claim_resolution_due_on IS NOT NULL OR resolution = 'photos_required') "
               "AND return_item_id IN (SELECT id FROM return_items "
               "WHERE decision_status <> 'completed')")


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_claim_open'))
        batch_op.drop_column('claim_open')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('reused_on')
    op.drop_table('completed_requests')
    op.drop_table('item_holds')
