"""Grading QA, second part: a re-grade that changes the decision supersedes it (with an
approval of kind qa_regrade where the money goes up), the first inspector is told once;
the calibration set (reference dresses with an agreed grade) and calibration rounds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_KINDS = ('refund_over_threshold', 'policy_exception', 'hold')
NEW_KINDS = (*OLD_KINDS, 'qa_regrade')


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='approvalkind', native_enum=False, create_constraint=True,
                   length=21)


def upgrade() -> None:
    with op.batch_alter_table('approvals') as batch:
        batch.alter_column('kind', existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS),
                           existing_nullable=False)
    with op.batch_alter_table('qa_samples') as batch:
        batch.add_column(sa.Column('approval_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('new_decision_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('told_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(batch.f('fk_qa_samples_approval_id_approvals'),
                                 'approvals', ['approval_id'], ['id'])
        batch.create_foreign_key(batch.f('fk_qa_samples_new_decision_id_decisions'),
                                 'decisions', ['new_decision_id'], ['id'])
        batch.create_index(batch.f('ix_qa_samples_approval_id'), ['approval_id'])
    # The QA queue: what waits, oldest due first, read from the top.
    op.create_index('ix_qa_samples_waiting_due', 'qa_samples', ['due_on', 'id'],
                    postgresql_where=sa.text("status = 'waiting'"),
                    sqlite_where=sa.text("status = 'waiting'"))
    op.create_table(
        'calibration_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_item_id', sa.Integer(), nullable=False),
        sa.Column('agreed_grade', sa.String(length=1), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'],
                                name=op.f('fk_calibration_items_return_item_id_return_items')),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                                name=op.f('fk_calibration_items_added_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_items')),
        sa.UniqueConstraint('return_item_id', name=op.f('uq_calibration_items_return_item_id')),
    )
    op.create_table(
        'calibration_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('order', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_calibration_rounds_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_rounds')),
    )
    op.create_index(op.f('ix_calibration_rounds_user_id'), 'calibration_rounds', ['user_id'])
    op.create_table(
        'calibration_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=1), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['calibration_rounds.id'],
                                name=op.f('fk_calibration_answers_round_id_calibration_rounds')),
        sa.ForeignKeyConstraint(['item_id'], ['calibration_items.id'],
                                name=op.f('fk_calibration_answers_item_id_calibration_items')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_answers')),
        sa.UniqueConstraint('round_id', 'item_id',
                            name=op.f('uq_calibration_answers_round_id')),
    )


def downgrade() -> None:
    op.drop_table('calibration_answers')
    op.drop_index(op.f('ix_calibration_rounds_user_id'), table_name='calibration_rounds')
    op.drop_table('calibration_rounds')
    op.drop_table('calibration_items')
    op.drop_index('ix_qa_samples_waiting_due', table_name='qa_samples')
    with op.batch_alter_table('qa_samples') as batch:
        batch.drop_index(batch.f('ix_qa_samples_approval_id'))
        batch.drop_constraint(batch.f('fk_qa_samples_new_decision_id_decisions'),
                              type_='foreignkey')
        batch.drop_constraint(batch.f('fk_qa_samples_approval_id_approvals'),
                              type_='foreignkey')
        batch.drop_column('told_at')
        batch.drop_column('new_decision_id')
        batch.drop_column('approval_id')
    op.execute("UPDATE approvals SET kind = 'policy_exception' WHERE kind = 'qa_regrade'")
    with op.batch_alter_table('approvals') as batch:
        batch.alter_column('kind', existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS),
                           existing_nullable=False)
