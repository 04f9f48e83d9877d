"""indicators: territory baseline table, index of accepted EPP referrals

`orientation_territory_baseline`: the CPAM/Rézone count of patients without a médecin traitant
per commune and month, uploaded by the coordination. `epp.patients_oriented` counts distinct
patients whose referral was accepted, month by month, from the new index alone on PostgreSQL
(INCLUDE (patient_key)); SQLite gets the plain partial index.

Revision ID: e8a4b6c2d913
Revises: c3d4e5f60718
Create Date: 2026-12-05 14:55:00.000000
"""

from alembic import op
import sqlalchemy as sa

from shared.types import UTCDateTime


revision = "e8a4b6c2d913"
down_revision = "c3d4e5f60718"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orientation_territory_baseline",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("patients_without_mt", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_territory_baseline")),
    )
    op.create_index(
        "uq_orientation_territory_baseline_commune_month",
        "orientation_territory_baseline",
        ["commune_insee", "month"],
        unique=True,
    )
    op.create_index(
        "ix_orientation_territory_baseline_month",
        "orientation_territory_baseline",
        ["month"],
        unique=False,
    )
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
        "ix_orientation_territory_baseline_month", table_name="orientation_territory_baseline"
    )
    op.drop_index(
        "uq_orientation_territory_baseline_commune_month",
        table_name="orientation_territory_baseline",
    )
    op.drop_table("orientation_territory_baseline")
    op.drop_index(
        "ix_orientation_epp_referrals_indicators_accepted",
        table_name="orientation_epp_referrals",
    )
