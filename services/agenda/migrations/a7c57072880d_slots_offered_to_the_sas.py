"""slots offered to the SAS

Revision ID: a7c57072880d
Revises: 4c6f8ed15557
Create Date: 2026-12-05 11:04:42.020375
"""

from alembic import op
import sqlalchemy as sa


revision = "a7c57072880d"
down_revision = "4c6f8ed15557"
branch_labels = None
depends_on = None

OFFERED_TO_SAS = sa.text("withdrawn_at IS NULL AND sas_visible AND kind = 'snp'")


def upgrade() -> None:
    op.add_column(
        "agenda_slots",
        sa.Column("sas_visible", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # SNP slots are offered to the SAS unless their professional says otherwise (the contract's
    # default): the ones published before this migration too.
    op.execute("UPDATE agenda_slots SET sas_visible = TRUE WHERE kind = 'snp'")
    op.create_index(
        "ix_agenda_slots_sas",
        "agenda_slots",
        ["professional_id", "start_at"],
        unique=False,
        postgresql_where=OFFERED_TO_SAS,
        sqlite_where=OFFERED_TO_SAS,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_agenda_slots_sas",
        table_name="agenda_slots",
        postgresql_where=OFFERED_TO_SAS,
        sqlite_where=OFFERED_TO_SAS,
    )
    with op.batch_alter_table("agenda_slots", schema=None) as batch_op:
        batch_op.drop_column("sas_visible")
