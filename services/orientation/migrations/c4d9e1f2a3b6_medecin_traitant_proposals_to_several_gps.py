"""medecin_traitant: proposals to several GPs at once (one row per GP asked)

The case's single `proposed_professional_id` becomes rows of `orientation_mt_proposals`: a
case proposed now keeps its GP as one pending proposal.

Revision ID: c4d9e1f2a3b6
Revises: e8a4b6c2d913
Create Date: 2026-12-05 14:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import shared.types

revision = "c4d9e1f2a3b6"
down_revision = "e8a4b6c2d913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orientation_mt_proposals",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("professional_id", sa.Uuid(), nullable=False),
        sa.Column("proposed_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", shared.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["orientation_mt_cases.id"],
            name=op.f("fk_orientation_mt_proposals_case_id_orientation_mt_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "case_id", "professional_id", name=op.f("pk_orientation_mt_proposals")
        ),
    )
    with op.batch_alter_table("orientation_mt_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orientation_mt_proposals_professional",
            ["professional_id", "status"],
            unique=False,
        )
    op.execute(
        "INSERT INTO orientation_mt_proposals (case_id, professional_id, proposed_at, status) "
        "SELECT id, proposed_professional_id, COALESCE(proposed_at, updated_at), 'pending' "
        "FROM orientation_mt_cases "
        "WHERE state = 'proposed' AND proposed_professional_id IS NOT NULL"
    )
    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_mt_cases_proposed_professional_id"))
        batch_op.drop_column("proposed_professional_id")


def downgrade() -> None:
    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_professional_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_orientation_mt_cases_proposed_professional_id"),
            ["proposed_professional_id"],
            unique=False,
        )
    # A broadcast case keeps its first GP only.
    op.execute(
        "UPDATE orientation_mt_cases SET proposed_professional_id = ("
        "SELECT p.professional_id FROM orientation_mt_proposals p "
        "WHERE p.case_id = orientation_mt_cases.id AND p.status = 'pending' "
        "ORDER BY p.proposed_at, p.professional_id LIMIT 1) WHERE state = 'proposed'"
    )
    op.drop_table("orientation_mt_proposals")
