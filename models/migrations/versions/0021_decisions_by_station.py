"""Signing in lists the dresses this station decided in the last 16 hours that are still
in no tote: at a million returns SQLite read every decision for it (SCAN decisions,
about 1 s), since nothing indexed a station's decisions by time. An index by station,
then decision time, makes it a seek.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-13 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_decisions_station_id_decided_at', 'decisions',
                    ['station_id', 'decided_at'])


def downgrade() -> None:
    op.drop_index('ix_decisions_station_id_decided_at', table_name='decisions')
