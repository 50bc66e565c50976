"""Row seals: decisions, approvals and users written from now on are sealed in the audit
log; the rows already here predate their seals (their highest id is recorded).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in ("decisions", "approvals", "users"):
        top = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
        conn.execute(sa.text("INSERT INTO app_meta (key, value) VALUES (:k, :v)"),
                     {"k": f"audit_seal_from_{table}", "v": str(top or 0)})


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM app_meta WHERE key LIKE 'audit_seal_from_%'"))
