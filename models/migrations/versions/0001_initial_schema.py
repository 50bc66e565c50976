"""Initial schema: catalogue, orders, returns, inspections, decisions, approvals, audit.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 08:05:07.155985
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('app_meta',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_meta'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=True),
    sa.Column('station', sa.String(length=40), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=40), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('tier', sa.Enum('standard', 'priority', 'enterprise', name='customertier', native_enum=False, create_constraint=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_name'), ['name'], unique=False)

    op.create_table('stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('hostname', sa.String(length=120), nullable=True),
    sa.Column('printer', sa.String(length=120), nullable=True),
    sa.Column('printer_backend', sa.String(length=20), nullable=True),
    sa.Column('camera', sa.String(length=120), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations')),
    sa.UniqueConstraint('name', name=op.f('uq_stations_name'))
    )
    op.create_table('styles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('brand', sa.Enum('kissprom', 'stacees', name='brand', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('silhouette', sa.String(length=40), nullable=False),
    sa.Column('msrp', sa.BigInteger(), nullable=False),
    sa.Column('price_tier', sa.Enum('budget', 'mid', 'designer', name='pricetier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('clearance', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_styles')),
    sa.UniqueConstraint('code', name=op.f('uq_styles_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('inspector', 'claims', 'supervisor', 'manager', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('brand', sa.Enum('kissprom', 'stacees', name='brand', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('customer_tier', sa.Enum('standard', 'priority', 'enterprise', name='customertier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('shipping_paid', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_customer_id'), ['customer_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('style_id', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=30), nullable=False),
    sa.Column('size', sa.String(length=4), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['style_id'], ['styles.id'], name=op.f('fk_products_style_id_styles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku')),
    sa.UniqueConstraint('style_id', 'colour', 'size', name='uq_products_variant')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_style_id'), ['style_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_paid', sa.BigInteger(), nullable=False),
    sa.Column('msrp', sa.BigInteger(), nullable=False),
    sa.Column('unit_tax', sa.BigInteger(), nullable=False),
    sa.Column('clearance', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)

    op.create_table('return_authorizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.Enum('ups', 'fedex', 'usps', 'dhl', name='carrier', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('tracking_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shipped_by_customer_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('authorized', 'in_transit', 'received', 'inspecting', 'closed', 'cancelled', name='rmastatus', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_return_authorizations_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_authorizations')),
    sa.UniqueConstraint('number', name=op.f('uq_return_authorizations_number'))
    )
    with op.batch_alter_table('return_authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_authorizations_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_authorizations_tracking_number'), ['tracking_number'], unique=False)

    op.create_table('carrier_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.Enum('ups', 'fedex', 'usps', 'dhl', name='carrier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('declared_value', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('open', 'submitted', 'settled', 'denied', name='carrierclaimstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_carrier_claims_opened_by_id_users')),
    sa.ForeignKeyConstraint(['rma_id'], ['return_authorizations.id'], name=op.f('fk_carrier_claims_rma_id_return_authorizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_claims'))
    )
    with op.batch_alter_table('carrier_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_claims_rma_id'), ['rma_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=True),
    sa.Column('scanned_code', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['rma_id'], ['return_authorizations.id'], name=op.f('fk_receipts_rma_id_return_authorizations')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_receipts_station_id_stations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_rma_id'), ['rma_id'], unique=False)

    op.create_table('return_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('unit_no', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('sizing', 'changed_mind', 'quality_defect', 'shipping_damage', 'wrong_item_sent', 'late_delivery', 'other', name='returnreason', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('customer_comment', sa.Text(), nullable=True),
    sa.Column('requested', sa.Enum('refund', 'exchange', 'repair_credit', 'replacement', name='requestedresolution', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('exchange_size', sa.String(length=4), nullable=True),
    sa.Column('reception_status', sa.Enum('awaiting', 'received', 'missing', 'wrong_item', 'extra', name='receptionstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decision_status', sa.Enum('pending', 'decided', 'awaiting_approval', 'approved', 'rejected', 'completed', name='decisionstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('inspection_due_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_return_items_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['rma_id'], ['return_authorizations.id'], name=op.f('fk_return_items_rma_id_return_authorizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_items'))
    )
    with op.batch_alter_table('return_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_items_decision_status'), ['decision_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_items_reception_status'), ['reception_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_items_rma_id'), ['rma_id'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_item_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('A', 'B', 'C', 'D', 'X', name='grade', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('worn', sa.Boolean(), nullable=False),
    sa.Column('altered', sa.Boolean(), nullable=False),
    sa.Column('tags_attached', sa.Boolean(), nullable=False),
    sa.Column('matches_order', sa.Boolean(), nullable=False),
    sa.Column('damage_severity', sa.Enum('none', 'minor', 'moderate', 'severe', name='damageseverity', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('damage_cause', sa.Enum('shipping', 'manufacturing', 'customer', 'unknown', name='damagecause', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_draft', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'], name=op.f('fk_inspections_return_item_id_return_items')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_inspections_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_return_item_id'), ['return_item_id'], unique=False)

    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('item', 'exchange', 'return', 'carrier_claim', 'authorization_log', name='labelkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('printer', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', 'cancelled', name='printjobstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('return_item_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'], name=op.f('fk_print_jobs_return_item_id_return_items')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_print_jobs_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_jobs'))
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_jobs_status'), ['status'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_item_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Enum('refund', 'exchange', 'replacement', 'repair_credit', 'store_credit', 'alteration_credit', 'return_to_customer', 'hold', 'photos_required', name='resolution', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('refund', sa.BigInteger(), nullable=False),
    sa.Column('restocking_fee', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('disposition', sa.Enum('restock', 'prep_and_restock', 'refurbish', 'liquidate', 'return_to_customer', 'hold', name='disposition', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('approval_level', sa.Enum('supervisor', 'manager', name='approvallevel', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('carrier_claim', sa.Boolean(), nullable=False),
    sa.Column('inspection_due_on', sa.Date(), nullable=True),
    sa.Column('refund_due_on', sa.Date(), nullable=True),
    sa.Column('exchange_ship_due_on', sa.Date(), nullable=True),
    sa.Column('claim_resolution_due_on', sa.Date(), nullable=True),
    sa.Column('policy_id', sa.String(length=40), nullable=False),
    sa.Column('policy_version', sa.String(length=40), nullable=False),
    sa.Column('policy_sha256', sa.String(length=64), nullable=False),
    sa.Column('case', sa.JSON(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_decisions_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['return_item_id'], ['return_items.id'], name=op.f('fk_decisions_return_item_id_return_items')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_decisions_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_return_item_id'), ['return_item_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Enum('whole_item', 'damage_closeup', 'box_and_label', 'other', name='photoslot', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('focus_score', sa.Double(), nullable=True),
    sa.Column('exposure_score', sa.Double(), nullable=True),
    sa.Column('perceptual_hash', sa.String(length=32), nullable=True),
    sa.Column('annotations', sa.JSON(), nullable=False),
    sa.Column('quality_override', sa.Boolean(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_photos_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_photos_station_id_stations')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_photos_taken_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_perceptual_hash'), ['perceptual_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rma_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('refund_over_threshold', 'policy_exception', 'hold', name='approvalkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('level', sa.Enum('supervisor', 'manager', name='approvallevel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'denied', 'cancelled', name='approvalstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_outcome', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_approvals_answered_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_approvals_decision_id_decisions')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_approvals_requested_by_id_users')),
    sa.ForeignKeyConstraint(['rma_id'], ['return_authorizations.id'], name=op.f('fk_approvals_rma_id_return_authorizations')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_approvals_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_rma_id'), ['rma_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_status'), ['status'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_status'))
        batch_op.drop_index(batch_op.f('ix_approvals_rma_id'))

    op.drop_table('approvals')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_photos_perceptual_hash'))
        batch_op.drop_index(batch_op.f('ix_photos_inspection_id'))

    op.drop_table('photos')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_return_item_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_jobs_status'))

    op.drop_table('print_jobs')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_return_item_id'))

    op.drop_table('inspections')
    with op.batch_alter_table('return_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_items_rma_id'))
        batch_op.drop_index(batch_op.f('ix_return_items_reception_status'))
        batch_op.drop_index(batch_op.f('ix_return_items_decision_status'))

    op.drop_table('return_items')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_rma_id'))

    op.drop_table('receipts')
    with op.batch_alter_table('carrier_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_claims_rma_id'))

    op.drop_table('carrier_claims')
    with op.batch_alter_table('return_authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_authorizations_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_return_authorizations_order_id'))

    op.drop_table('return_authorizations')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_style_id'))

    op.drop_table('products')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_customer_id'))

    op.drop_table('orders')
    op.drop_table('users')
    op.drop_table('styles')
    op.drop_table('stations')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_name'))
        batch_op.drop_index(batch_op.f('ix_customers_email'))

    op.drop_table('customers')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('app_meta')

