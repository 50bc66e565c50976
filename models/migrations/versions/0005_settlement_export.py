"""The settlement export: batches and the decisions each handed to the shop, once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 11:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'export_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decisions', sa.Integer(), nullable=False),
        sa.Column('csv_name', sa.String(length=120), nullable=False),
        sa.Column('user', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_batches')),
    )
    op.create_table(
        'exported_decisions',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['export_batches.id'],
                                name=op.f('fk_exported_decisions_batch_id_export_batches')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_exported_decisions_decision_id_decisions')),
        sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_exported_decisions')),
    )
    op.create_index(op.f('ix_exported_decisions_batch_id'), 'exported_decisions',
                    ['batch_id'])
    # The row export runs lock while they claim, so two desks exporting at once queue.
    op.execute("INSERT INTO app_meta (key, value) VALUES ('export_claim', '0')")


def downgrade() -> None:
    op.execute("DELETE FROM app_meta WHERE key = 'export_claim'")
    op.drop_index(op.f('ix_exported_decisions_batch_id'), table_name='exported_decisions')
    op.drop_table('exported_decisions')
    op.drop_table('export_batches')
