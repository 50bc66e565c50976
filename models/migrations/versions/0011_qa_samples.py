"""Grading QA: decided units set aside for a blind re-grade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'qa_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_item_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('inspector_id', sa.Integer(), nullable=False),
        sa.Column('first_grade', sa.String(length=1), nullable=False),
        sa.Column('why', sa.String(length=20), nullable=False),
        sa.Column('rate_percent', sa.Integer(), nullable=False),
        sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('second_grade', sa.String(length=1), nullable=True),
        sa.Column('regraded_by_id', sa.Integer(), nullable=True),
        sa.Column('regraded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('agreed', sa.Boolean(), nullable=True),
        sa.Column('outcome_after', sa.String(length=30), nullable=True),
        sa.Column('money_delta', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'],
                                name=op.f('fk_qa_samples_return_item_id_return_items')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_qa_samples_decision_id_decisions')),
        sa.ForeignKeyConstraint(['inspector_id'], ['users.id'],
                                name=op.f('fk_qa_samples_inspector_id_users')),
        sa.ForeignKeyConstraint(['regraded_by_id'], ['users.id'],
                                name=op.f('fk_qa_samples_regraded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_samples')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_qa_samples_decision_id')),
    )
    for column in ('return_item_id', 'inspector_id', 'status'):
        op.create_index(op.f(f'ix_qa_samples_{column}'), 'qa_samples', [column])
    # An inspector's first decision (are they new?), read once per bench.
    op.create_index(op.f('ix_decisions_decided_by_id'), 'decisions', ['decided_by_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_decisions_decided_by_id'), table_name='decisions')
    for column in ('status', 'inspector_id', 'return_item_id'):
        op.drop_index(op.f(f'ix_qa_samples_{column}'), table_name='qa_samples')
    op.drop_table('qa_samples')
