"""Signing in reads nothing that grows with the tables: the status bar's printer line
counts this station's jobs waiting and reads its last attempt, and the printer's history
lists its last jobs; with an index by station (then status, then id) those are seeks,
not a walk of every print job the warehouse ever sent.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-13 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_print_jobs_station_id_status', 'print_jobs', ['station_id', 'status'])
    op.create_index('ix_print_jobs_station_id_id', 'print_jobs', ['station_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_print_jobs_station_id_id', table_name='print_jobs')
    op.drop_index('ix_print_jobs_station_id_status', table_name='print_jobs')
