"""intake: source of médecin-traitant cases, discharge ↔ signalement links, public throttle

Revision ID: b7c1d2e3f405
Revises: a1eec74980a3
Create Date: 2026-12-05 12:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import shared.crypto
import shared.types

revision = "b7c1d2e3f405"
down_revision = "a1eec74980a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        # Every case recorded so far was submitted by a member professional.
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="professional")
        )
        batch_op.add_column(sa.Column("discharge_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("discharge_reference", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("contact_relationship", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("contact_phone", shared.crypto.EncryptedString(), nullable=True)
        )
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("intake_notes", sa.JSON(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_orientation_mt_cases_source"), ["source"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_orientation_mt_cases_discharge_id"), ["discharge_id"], unique=False
        )
    with op.batch_alter_table("orientation_sh_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_has_gp", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("signalement_case_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("signalement_reference", sa.String(length=32), nullable=True))
    op.create_table(
        "orientation_public_submissions",
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("window_start", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ip", name=op.f("pk_orientation_public_submissions")),
    )


def downgrade() -> None:
    op.drop_table("orientation_public_submissions")
    with op.batch_alter_table("orientation_sh_cases", schema=None) as batch_op:
        batch_op.drop_column("signalement_reference")
        batch_op.drop_column("signalement_case_id")
        batch_op.drop_column("patient_has_gp")
    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_mt_cases_discharge_id"))
        batch_op.drop_index(batch_op.f("ix_orientation_mt_cases_source"))
        for column in (
            "intake_notes",
            "contact_email",
            "contact_phone",
            "contact_name",
            "contact_relationship",
            "discharge_reference",
            "discharge_id",
        ):
            batch_op.drop_column(column)
        batch_op.drop_column("source")
