"""case messages, thread read markers and documents (every case type)

Revision ID: c4f1a8e2d7b3
Revises: 65cbb82fb58e
Create Date: 2026-12-05 14:50:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.crypto
import shared.types


revision = "c4f1a8e2d7b3"
down_revision = "65cbb82fb58e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("author_user_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.String(length=254), nullable=False),
        sa.Column("author_role", sa.String(length=32), nullable=False),
        sa.Column("body", shared.crypto.EncryptedString(), nullable=False),
        sa.Column("created_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_messages_case", "case_messages", ["case_kind", "case_id", "created_at"]
    )
    op.create_table(
        "case_thread_reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_kind", "case_id", "user_id"),
    )
    op.create_index("ix_case_thread_reads_user_id", "case_thread_reads", ["user_id"])
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_kind", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", shared.crypto.EncryptedString(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", shared.crypto.EncryptedBytes(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_documents_case", "case_documents", ["case_kind", "case_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_documents_case", table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_index("ix_case_thread_reads_user_id", table_name="case_thread_reads")
    op.drop_table("case_thread_reads")
    op.drop_index("ix_case_messages_case", table_name="case_messages")
    op.drop_table("case_messages")
