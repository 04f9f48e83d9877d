"""teleconsultation video link and bookings list index

Revision ID: c3d5e7f9a1b2
Revises: c3d91e07a5b2
Create Date: 2026-12-05 15:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "c3d5e7f9a1b2"
down_revision = "c3d91e07a5b2"
branch_labels = None
depends_on = None

ACTIVE = sa.text("cancelled_at IS NULL")


def upgrade() -> None:
    op.add_column("agenda_tc_cases", sa.Column("video_url", sa.String(length=500), nullable=True))
    op.create_index(
        "ix_agenda_bookings_active_start",
        "agenda_bookings",
        ["start_at"],
        unique=False,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_agenda_bookings_active_start",
        table_name="agenda_bookings",
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    with op.batch_alter_table("agenda_tc_cases") as batch:
        batch.drop_column("video_url")
