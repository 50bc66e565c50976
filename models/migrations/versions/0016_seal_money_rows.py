"""Row seals for what money is computed from and what was paid: order lines,
settlements and exported decisions written from now on are sealed in the audit log
(app/seals.py); the rows already here predate their seals (the highest id, and for
exported decisions the highest batch, is recorded).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# table: the column whose highest value marks the rows from before seals
CUTOVER = {"order_lines": "id", "settlements": "id", "exported_decisions": "batch_id"}


def upgrade() -> None:
    conn = op.get_bind()
    for table, column in CUTOVER.items():
        top = conn.execute(sa.text(f"SELECT coalesce(max({column}), 0) FROM {table}")).scalar()
        conn.execute(sa.text("INSERT INTO app_meta (key, value) VALUES (:k, :v)"),
                     {"k": f"audit_seal_from_{table}", "v": str(top or 0)})


def downgrade() -> None:
    conn = op.get_bind()
    for table in CUTOVER:
        conn.execute(sa.text("DELETE FROM app_meta WHERE key = :k"),
                     {"k": f"audit_seal_from_{table}"})
