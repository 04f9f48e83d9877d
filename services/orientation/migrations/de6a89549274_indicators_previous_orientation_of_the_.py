"""indicators: previous orientation of the patient, covering indexes

Revision ID: de6a89549274
Revises: f0fbe50d9603
Create Date: 2026-11-25 11:03:07.403579
"""

import sqlalchemy as sa
from alembic import op

import shared.types


revision = "de6a89549274"
down_revision = "f0fbe50d9603"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "previous_oriented_at", shared.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    # Existing orientations: the patient's previous orientation, if any.
    op.execute(
        "UPDATE orientation_mt_cases SET previous_oriented_at = ("
        " SELECT max(p.oriented_at) FROM orientation_mt_cases p"
        " WHERE p.patient_key = orientation_mt_cases.patient_key"
        " AND p.oriented_at < orientation_mt_cases.oriented_at)"
        " WHERE oriented_at IS NOT NULL"
    )

    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orientation_mt_cases_indicators_cancelled",
            ["cancelled_at"],
            unique=False,
            postgresql_include=["cancel_reason"],
            postgresql_where=sa.text("cancelled_at IS NOT NULL"),
            sqlite_where=sa.text("cancelled_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_orientation_mt_cases_indicators_created",
            ["created_at"],
            unique=False,
            postgresql_include=["priority", "ald", "patient_postal_code", "patient_city"],
        )
        batch_op.create_index(
            "ix_orientation_mt_cases_indicators_oriented",
            ["oriented_at"],
            unique=False,
            postgresql_include=[
                "previous_oriented_at",
                "ald",
                "priority",
                "created_at",
                "patient_postal_code",
                "patient_city",
            ],
            postgresql_where=sa.text("oriented_at IS NOT NULL"),
            sqlite_where=sa.text("oriented_at IS NOT NULL"),
        )

    with op.batch_alter_table("orientation_mt_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orientation_mt_history_case_at",
            ["case_id", "at"],
            unique=False,
            postgresql_include=["to_state"],
        )


def downgrade() -> None:
    with op.batch_alter_table("orientation_mt_history", schema=None) as batch_op:
        batch_op.drop_index("ix_orientation_mt_history_case_at", postgresql_include=["to_state"])

    with op.batch_alter_table("orientation_mt_cases", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_orientation_mt_cases_indicators_oriented",
            postgresql_include=[
                "previous_oriented_at",
                "ald",
                "priority",
                "created_at",
                "patient_postal_code",
                "patient_city",
            ],
            postgresql_where=sa.text("oriented_at IS NOT NULL"),
            sqlite_where=sa.text("oriented_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_orientation_mt_cases_indicators_created",
            postgresql_include=["priority", "ald", "patient_postal_code", "patient_city"],
        )
        batch_op.drop_index(
            "ix_orientation_mt_cases_indicators_cancelled",
            postgresql_include=["cancel_reason"],
            postgresql_where=sa.text("cancelled_at IS NOT NULL"),
            sqlite_where=sa.text("cancelled_at IS NOT NULL"),
        )
        batch_op.drop_column("previous_oriented_at")
