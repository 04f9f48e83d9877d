"""indicators indexes for the per-month parallel scans

Revision ID: f75ee4179bbb
Revises: 49115f12fbeb
Create Date: 2026-11-25 13:40:14.773699

Partial indexes serve the EPP and discharge indicators from the index alone. On PostgreSQL
only (SQLAlchemy does not model them, see the médecin-traitant case model):
- `ix_orientation_mt_cases_delay`, an index on the delay `oriented_at - created_at` (with the
  instants it is computed from, for index-only reads): the percentiles' second pass reads the
  few delays at a given rank from it;
- `st_orientation_mt_cases_dimensions`, extended statistics (ndistinct) on the columns the
  indicators group by: without them the planner multiplies the distinct counts of postal
  code and city as if independent, expects tens of thousands of groups per month, and gives
  up running the months in parallel workers;
- `st_orientation_mt_cases_delay_days`, statistics on the whole days of that delay (the
  percentiles' histogram groups by them: ~250 values, not one per row), for the same reason.
Expression statistics need PostgreSQL 14 or later.
"""

import sqlalchemy as sa
from alembic import op

revision = "f75ee4179bbb"
down_revision = "49115f12fbeb"
branch_labels = None
depends_on = None

COMPLETED = sa.text("state = 'completed'")
DISCHARGED = sa.text("state IN ('discharged', 'followed_up')")


def upgrade() -> None:
    op.create_index(
        "ix_orientation_epp_referrals_indicators_completed",
        "orientation_epp_referrals",
        ["epp_date"],
        unique=False,
        postgresql_where=COMPLETED,
        sqlite_where=COMPLETED,
    )
    op.create_index(
        "ix_orientation_sh_cases_indicators_discharged",
        "orientation_sh_cases",
        ["actual_discharge_date"],
        unique=False,
        postgresql_include=["ready_on"],
        postgresql_where=DISCHARGED,
        sqlite_where=DISCHARGED,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_orientation_mt_cases_delay ON orientation_mt_cases "
            "((oriented_at - created_at)) INCLUDE (oriented_at, created_at) "
            "WHERE oriented_at IS NOT NULL"
        )
        op.execute(
            "CREATE STATISTICS st_orientation_mt_cases_dimensions (ndistinct) "
            "ON priority, ald, patient_postal_code, patient_city FROM orientation_mt_cases"
        )
        op.execute(
            "CREATE STATISTICS st_orientation_mt_cases_delay_days "
            "ON (date_part('day', oriented_at - created_at)) FROM orientation_mt_cases"
        )
        op.execute("ANALYZE orientation_mt_cases")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS st_orientation_mt_cases_delay_days")
        op.execute("DROP STATISTICS st_orientation_mt_cases_dimensions")
        op.execute("DROP INDEX ix_orientation_mt_cases_delay")
    op.drop_index(
        "ix_orientation_sh_cases_indicators_discharged", table_name="orientation_sh_cases"
    )
    op.drop_index(
        "ix_orientation_epp_referrals_indicators_completed",
        table_name="orientation_epp_referrals",
    )
