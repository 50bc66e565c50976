"""The approvals queue (every desk reads it every few seconds): pending requests, oldest
first. It walked every request ever made in time order (ix_approvals_requested_at) to
find the few pending; an index by status, then time, seeks them in order.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-13 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_approvals_status_requested_at', 'approvals',
                    ['status', 'requested_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_approvals_status_requested_at', table_name='approvals')
