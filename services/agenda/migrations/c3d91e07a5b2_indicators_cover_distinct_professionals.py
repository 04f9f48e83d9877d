"""indicators: the slots, bookings and teleconsultation indexes carry the professionals

The indicators count distinct professionals publishing SNP slots, distinct accounts booking
them and distinct nurses and GPs of completed teleconsultations; the indexes that serve the
monthly range scans now INCLUDE those columns (PostgreSQL only: SQLite has no INCLUDE), so the
counts stay index-only.

Revision ID: c3d91e07a5b2
Revises: d4e5f6071829
Create Date: 2026-12-05 14:50:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "c3d91e07a5b2"
down_revision = "d4e5f6071829"
branch_labels = None
depends_on = None

# (index, table, columns, predicate, included columns)
INDEXES = (
    (
        "ix_agenda_slots_search",
        "agenda_slots",
        ["kind", "start_at"],
        "withdrawn_at IS NULL",
        ["professional_id"],
    ),
    (
        "ix_agenda_bookings_indicators_active",
        "agenda_bookings",
        ["kind", "start_at"],
        "cancelled_at IS NULL",
        ["created_by"],
    ),
    (
        "ix_agenda_tc_cases_indicators_completed",
        "agenda_tc_cases",
        ["completed_at"],
        "state = 'completed'",
        ["nurse_professional_id", "professional_id"],
    ),
)


def _recreate(include: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, predicate, included in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(
            name,
            table,
            columns,
            unique=False,
            postgresql_where=sa.text(predicate),
            postgresql_include=included if include else [],
        )


def upgrade() -> None:
    _recreate(include=True)


def downgrade() -> None:
    _recreate(include=False)
