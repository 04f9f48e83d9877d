"""search: normalised patient names and phone hash of teleconsultations (trigram-indexed) and bookings

Revision ID: d4e5f6071829
Revises: e41eeb5e2a0c
Create Date: 2026-12-05 14:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

from shared.patients import search_text

revision = "d4e5f6071829"
down_revision = "e41eeb5e2a0c"
branch_labels = None
depends_on = None

TRIGRAM = ("agenda_tc_cases",)
PLAIN = ("agenda_bookings",)


def add_search_columns(table: str, *, trigram: bool) -> None:
    """The columns, their values for the rows already there, and the indexes. The phone hash
    needs the keyring, which migrations do not have: `relais keys rotate` fills it in."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("patient_search", sa.String(length=210), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("patient_phone_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(f"ix_{table}_patient_phone_hash", ["patient_phone_hash"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, patient_last_name, patient_first_name FROM {table}")  # noqa: S608
    ).all()
    update = sa.text(f"UPDATE {table} SET patient_search = :search WHERE id = :id")  # noqa: S608
    for start in range(0, len(rows), 5000):
        batch = rows[start : start + 5000]
        bind.execute(update, [{"id": r[0], "search": search_text(r[1], r[2])} for r in batch])
    if trigram and bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("patient_search", "reference"):
            op.execute(
                f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
            )


def drop_search_columns(table: str, *, trigram: bool) -> None:
    if trigram and op.get_bind().dialect.name == "postgresql":
        for column in ("patient_search", "reference"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{table}_patient_phone_hash")
        batch_op.drop_column("patient_phone_hash")
        batch_op.drop_column("patient_search")


def upgrade() -> None:
    for table in TRIGRAM:
        add_search_columns(table, trigram=True)
    for table in PLAIN:
        add_search_columns(table, trigram=False)


def downgrade() -> None:
    for table in TRIGRAM:
        drop_search_columns(table, trigram=True)
    for table in PLAIN:
        drop_search_columns(table, trigram=False)
