"""indicators read open cases of a past instant from the history since then

Revision ID: a1eec74980a3
Revises: f75ee4179bbb
Create Date: 2026-11-25 13:55:12.000000

Open cases by state at the end of a past period are now the open cases of today with the
transitions since then undone (services/orientation/indicators/queries.py, `_open_then`): the
history is read by instant (`ix_orientation_mt_history_at`) instead of case by case
(`ix_orientation_mt_history_case_at`, which served nothing else: a case's own history is read
through the plain index on case_id). The cancelled cases' index also carries `created_at`,
so the open cases of a past instant are counted by age from indexes alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "a1eec74980a3"
down_revision = "f75ee4179bbb"
branch_labels = None
depends_on = None

CANCELLED = "cancelled_at IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_orientation_mt_history_case_at", table_name="orientation_mt_history")
    op.create_index(
        "ix_orientation_mt_history_at",
        "orientation_mt_history",
        ["at"],
        unique=False,
        postgresql_include=["from_state", "to_state"],
    )
    _cancelled_index(include=["cancel_reason", "created_at"])


def downgrade() -> None:
    _cancelled_index(include=["cancel_reason"])
    op.drop_index("ix_orientation_mt_history_at", table_name="orientation_mt_history")
    op.create_index(
        "ix_orientation_mt_history_case_at",
        "orientation_mt_history",
        ["case_id", "at"],
        unique=False,
        postgresql_include=["to_state"],
    )


def _cancelled_index(include: list[str]) -> None:
    op.drop_index("ix_orientation_mt_cases_indicators_cancelled", table_name="orientation_mt_cases")
    op.create_index(
        "ix_orientation_mt_cases_indicators_cancelled",
        "orientation_mt_cases",
        ["cancelled_at"],
        unique=False,
        postgresql_include=include,
        postgresql_where=sa.text(CANCELLED),
        sqlite_where=sa.text(CANCELLED),
    )
