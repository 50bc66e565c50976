"""Archive of policy files by content hash; decisions reference the policy they used.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:22:29.222472
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_versions',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('policy_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('first_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_policy_versions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_policy_sha256'), ['policy_sha256'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_decisions_policy_sha256_policy_versions'), 'policy_versions', ['policy_sha256'], ['sha256'])



def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decisions_policy_sha256_policy_versions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_decisions_policy_sha256'))

    op.drop_table('policy_versions')
