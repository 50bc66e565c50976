"""The scan path reads nothing that grows with the tables. Receive lists this station's
unfinished inspections (drafts), newest first (it was read after every scan): a partial
index on the drafts alone (by station, then start time) makes that read as small as the
list, instead of a read of the whole inspections table. The window also asks every 2 s
(on SQLite; PostgreSQL notifies) for answers given to this station's requests since its
last look: an index by station and answer time reads those few, not every approval.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The same predicate as the query's: `is_draft` on PostgreSQL, `is_draft = 1` on
    # SQLite (its planner uses a partial index only for a WHERE term it finds verbatim).
    op.create_index('ix_inspections_station_drafts', 'inspections',
                    ['station_id', 'started_at'], postgresql_where=sa.text('is_draft'),
                    sqlite_where=sa.text('is_draft = 1'))
    op.create_index('ix_approvals_station_answered', 'approvals',
                    ['station_id', 'answered_at'])


def downgrade() -> None:
    op.drop_index('ix_approvals_station_answered', table_name='approvals')
    op.drop_index('ix_inspections_station_drafts', table_name='inspections')
