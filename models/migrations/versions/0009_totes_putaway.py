"""After the bench: locations, totes, item moves; where each dress is, and when it was
restocked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'locations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('takes', sa.JSON(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
        sa.UniqueConstraint('code', name=op.f('uq_locations_code')),
    )
    op.create_table(
        'totes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('disposition', sa.String(length=30), nullable=True),
        sa.Column('brand', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_totes_location_id_locations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_totes')),
        sa.UniqueConstraint('code', name=op.f('uq_totes_code')),
    )
    op.create_index(op.f('ix_totes_status'), 'totes', ['status'])
    op.create_table(
        'item_moves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_item_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('from_tote_id', sa.Integer(), nullable=True),
        sa.Column('to_tote_id', sa.Integer(), nullable=True),
        sa.Column('from_location_id', sa.Integer(), nullable=True),
        sa.Column('to_location_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'],
                                name=op.f('fk_item_moves_return_item_id_return_items')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_item_moves_user_id_users')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_item_moves_station_id_stations')),
        sa.ForeignKeyConstraint(['from_tote_id'], ['totes.id'],
                                name=op.f('fk_item_moves_from_tote_id_totes')),
        sa.ForeignKeyConstraint(['to_tote_id'], ['totes.id'],
                                name=op.f('fk_item_moves_to_tote_id_totes')),
        sa.ForeignKeyConstraint(['from_location_id'], ['locations.id'],
                                name=op.f('fk_item_moves_from_location_id_locations')),
        sa.ForeignKeyConstraint(['to_location_id'], ['locations.id'],
                                name=op.f('fk_item_moves_to_location_id_locations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_moves')),
    )
    for column in ('return_item_id', 'from_tote_id', 'to_tote_id', 'to_location_id'):
        op.create_index(op.f(f'ix_item_moves_{column}'), 'item_moves', [column])
    with op.batch_alter_table('return_items') as batch:
        batch.add_column(sa.Column('tote_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('restocked_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(batch.f('fk_return_items_tote_id_totes'), 'totes',
                                 ['tote_id'], ['id'])
        batch.create_foreign_key(batch.f('fk_return_items_location_id_locations'),
                                 'locations', ['location_id'], ['id'])
        batch.create_index(batch.f('ix_return_items_tote_id'), ['tote_id'])
        batch.create_index(batch.f('ix_return_items_location_id'), ['location_id'])


def downgrade() -> None:
    with op.batch_alter_table('return_items') as batch:
        batch.drop_index(batch.f('ix_return_items_location_id'))
        batch.drop_index(batch.f('ix_return_items_tote_id'))
        batch.drop_constraint(batch.f('fk_return_items_location_id_locations'),
                              type_='foreignkey')
        batch.drop_constraint(batch.f('fk_return_items_tote_id_totes'), type_='foreignkey')
        batch.drop_column('restocked_at')
        batch.drop_column('location_id')
        batch.drop_column('tote_id')
    op.drop_table('item_moves')
    op.drop_table('totes')
    op.drop_table('locations')
