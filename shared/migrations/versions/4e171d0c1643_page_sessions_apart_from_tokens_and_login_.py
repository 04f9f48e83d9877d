"""page sessions apart from API tokens; login failures counted per account and address

Revision ID: 4e171d0c1643
Revises: 7d5a9341e609
Create Date: 2026-12-05 11:15:58.991250

`auth_page_sessions` holds one row per browser session (the SHA-256 of the cookie's random id);
an API token may be bound to one (`auth_tokens.page_session_id`): the pages' calls to the other
services. `auth_login_failures` becomes one counter per account and address, and one per
address (`email` empty), so that an attempt is counted atomically before its password is
checked; the former rows (one per failure, kept 15 minutes) are dropped.
"""

from alembic import op
import sqlalchemy as sa
import shared.types


revision = "4e171d0c1643"
down_revision = "7d5a9341e609"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_page_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_expires_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", shared.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_users.id"],
            name=op.f("fk_auth_page_sessions_user_id_auth_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_page_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_auth_page_sessions_session_hash")),
    )
    with op.batch_alter_table("auth_page_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_page_sessions_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_session_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_auth_tokens_page_session_id"), ["page_session_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_auth_tokens_page_session_id_auth_page_sessions"),
            "auth_page_sessions",
            ["page_session_id"],
            ["id"],
            ondelete="CASCADE",
        )

    # Transient rows (15 minutes at most): dropped rather than converted to counters.
    op.execute("DELETE FROM auth_login_failures")
    with op.batch_alter_table("auth_login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), nullable=False))
        batch_op.add_column(
            sa.Column("window_start", shared.types.UTCDateTime(timezone=True), nullable=False)
        )
        batch_op.add_column(
            sa.Column("retry_at", shared.types.UTCDateTime(timezone=True), nullable=False)
        )
        batch_op.create_unique_constraint("uq_auth_login_failures_email_ip", ["email", "ip"])


def downgrade() -> None:
    op.execute("DELETE FROM auth_login_failures")
    with op.batch_alter_table("auth_login_failures", schema=None) as batch_op:
        batch_op.drop_constraint("uq_auth_login_failures_email_ip", type_="unique")
        batch_op.drop_column("retry_at")
        batch_op.drop_column("window_start")
        batch_op.drop_column("count")

    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_auth_tokens_page_session_id_auth_page_sessions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_auth_tokens_page_session_id"))
        batch_op.drop_column("page_session_id")

    with op.batch_alter_table("auth_page_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_page_sessions_user_id"))
    op.drop_table("auth_page_sessions")
