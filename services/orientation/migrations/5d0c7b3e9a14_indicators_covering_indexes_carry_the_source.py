"""indicators: the médecin-traitant covering indexes carry the case's source

`medecin_traitant.by_source` counts signalements by `created_at` and patients oriented by
`oriented_at`, month by month, grouped by `source`. The two covering indexes that serve those
range scans did not carry `source`, so each scan visited a year of wide case rows (2.9 s of
the 3.7 s the block took on a million cases); with `source` INCLUDEd the scans are index-only
like the other breakdowns'. PostgreSQL only: SQLite has no INCLUDE.

Revision ID: 5d0c7b3e9a14
Revises: c4d9e1f2a3b6
Create Date: 2026-12-05 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5d0c7b3e9a14"
down_revision = "c4d9e1f2a3b6"
branch_labels = None
depends_on = None

CREATED = ["priority", "ald", "patient_postal_code", "patient_city"]
ORIENTED = [
    "previous_oriented_at",
    "ald",
    "priority",
    "created_at",
    "patient_postal_code",
    "patient_city",
]
ORIENTED_ONLY = sa.text("oriented_at IS NOT NULL")


def _recreate(extra: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    table = "orientation_mt_cases"
    op.drop_index("ix_orientation_mt_cases_indicators_created", table_name=table)
    op.create_index(
        "ix_orientation_mt_cases_indicators_created",
        table,
        ["created_at"],
        unique=False,
        postgresql_include=CREATED + extra,
    )
    op.drop_index("ix_orientation_mt_cases_indicators_oriented", table_name=table)
    op.create_index(
        "ix_orientation_mt_cases_indicators_oriented",
        table,
        ["oriented_at"],
        unique=False,
        postgresql_include=ORIENTED + extra,
        postgresql_where=ORIENTED_ONLY,
    )


def upgrade() -> None:
    _recreate(["source"])


def downgrade() -> None:
    _recreate([])
