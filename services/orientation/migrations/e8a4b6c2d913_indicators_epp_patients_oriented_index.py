"""indicators: index of accepted EPP referrals carrying the patient key

`epp.patients_oriented` counts distinct patients whose referral was accepted, month by month,
from this index alone on PostgreSQL (INCLUDE (patient_key)); SQLite gets the plain partial
index.

Revision ID: e8a4b6c2d913
Revises: b7c1d2e3f405
Create Date: 2026-12-05 14:55:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "e8a4b6c2d913"
down_revision = "b7c1d2e3f405"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_orientation_epp_referrals_indicators_accepted",
        "orientation_epp_referrals",
        ["accepted_at"],
        unique=False,
        postgresql_include=["patient_key"],
        postgresql_where=sa.text("accepted_at IS NOT NULL"),
        sqlite_where=sa.text("accepted_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_orientation_epp_referrals_indicators_accepted",
        table_name="orientation_epp_referrals",
    )
