"""Signing in shows an inspector the blind re-grades that changed their decisions and
that they have not been shown: on PostgreSQL that read walked every QA sample (an index
by the unit, no condition). An index by inspector, then when they were told, reads
theirs not yet told.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-13 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_qa_samples_inspector_told', 'qa_samples', ['inspector_id', 'told_at'])


def downgrade() -> None:
    op.drop_index('ix_qa_samples_inspector_told', table_name='qa_samples')
