"""The unit lifecycle: which unit bought a returned unit is, which approval a decision
waits for, settlements keyed by the unit bought (with reversals), and the old
approved/rejected states folded into decided.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('return_items') as batch:
        batch.add_column(sa.Column('line_unit', sa.Integer(), nullable=True))
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('approval_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_decisions_approval_id'), ['approval_id'])
    op.create_table(
        'settlements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('unit_key', sa.String(length=120), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['export_batches.id'],
                                name=op.f('fk_settlements_batch_id_export_batches')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_settlements_decision_id_decisions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements')),
        sa.UniqueConstraint('decision_id', 'kind', name='uq_settlements_decision_id_kind'),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_settlements_idempotency_key')),
    )
    op.create_index(op.f('ix_settlements_batch_id'), 'settlements', ['batch_id'])
    op.create_index(op.f('ix_settlements_decision_id'), 'settlements', ['decision_id'])
    op.create_index(op.f('ix_settlements_unit_key'), 'settlements', ['unit_key'])
    # Lines already sent keep the key the shop saw.
    op.execute(
        "INSERT INTO settlements (batch_id, decision_id, kind, unit_key, revision, "
        "idempotency_key) SELECT batch_id, decision_id, 'settlement', "
        "'legacy-decision-' || decision_id, 1, 'returnbench-decision-' || decision_id "
        "FROM exported_decisions")
    # Approved and rejected were end states that never reached the export: the decision
    # on file stands, so they are decided (and completed once exported).
    op.execute("UPDATE return_items SET decision_status = 'decided' "
               "WHERE decision_status IN ('approved', 'rejected')")
    op.execute(
        "UPDATE return_items SET decision_status = 'completed' WHERE decision_status = "
        "'decided' AND id IN (SELECT d.return_item_id FROM decisions d JOIN "
        "exported_decisions e ON e.decision_id = d.id WHERE d.superseded = false)")


def downgrade() -> None:
    op.drop_index(op.f('ix_settlements_unit_key'), table_name='settlements')
    op.drop_index(op.f('ix_settlements_decision_id'), table_name='settlements')
    op.drop_index(op.f('ix_settlements_batch_id'), table_name='settlements')
    op.drop_table('settlements')
    with op.batch_alter_table('decisions') as batch:
        batch.drop_index(batch.f('ix_decisions_approval_id'))
        batch.drop_column('approval_id')
    with op.batch_alter_table('return_items') as batch:
        batch.drop_column('line_unit')
