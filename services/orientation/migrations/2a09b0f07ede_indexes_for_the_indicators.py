"""indexes for the indicators

Revision ID: 2a09b0f07ede
Revises: 86e01a209177
Create Date: 2026-11-25 10:51:11.285221
"""
import sqlalchemy as sa
from alembic import op


revision = '2a09b0f07ede'
down_revision = '86e01a209177'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orientation_mt_cases', schema=None) as batch_op:
        batch_op.create_index('ix_orientation_mt_cases_indicators_cancelled', ['cancelled_at'], unique=False, postgresql_include=['cancel_reason'], postgresql_where=sa.text('cancelled_at IS NOT NULL'), sqlite_where=sa.text('cancelled_at IS NOT NULL'))
        batch_op.create_index('ix_orientation_mt_cases_indicators_created', ['created_at'], unique=False, postgresql_include=['priority', 'ald', 'patient_postal_code', 'patient_city'])
        batch_op.create_index('ix_orientation_mt_cases_indicators_oriented', ['oriented_at'], unique=False, postgresql_include=['patient_key', 'ald', 'priority', 'created_at', 'patient_postal_code', 'patient_city'], postgresql_where=sa.text('oriented_at IS NOT NULL'), sqlite_where=sa.text('oriented_at IS NOT NULL'))

    with op.batch_alter_table('orientation_mt_history', schema=None) as batch_op:
        batch_op.create_index('ix_orientation_mt_history_case_at', ['case_id', 'at'], unique=False, postgresql_include=['to_state'])



def downgrade() -> None:
    with op.batch_alter_table('orientation_mt_history', schema=None) as batch_op:
        batch_op.drop_index('ix_orientation_mt_history_case_at', postgresql_include=['to_state'])

    with op.batch_alter_table('orientation_mt_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_orientation_mt_cases_indicators_oriented', postgresql_include=['patient_key', 'ald', 'priority', 'created_at', 'patient_postal_code', 'patient_city'], postgresql_where=sa.text('oriented_at IS NOT NULL'), sqlite_where=sa.text('oriented_at IS NOT NULL'))
        batch_op.drop_index('ix_orientation_mt_cases_indicators_created', postgresql_include=['priority', 'ald', 'patient_postal_code', 'patient_city'])
        batch_op.drop_index('ix_orientation_mt_cases_indicators_cancelled', postgresql_include=['cancel_reason'], postgresql_where=sa.text('cancelled_at IS NOT NULL'), sqlite_where=sa.text('cancelled_at IS NOT NULL'))

