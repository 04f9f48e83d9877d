"""accounts: Pro Santé Connect identity, access requests, one-time links, TOTP

Revision ID: 65cbb82fb58e
Revises: 4e171d0c1643
Create Date: 2026-12-05 11:58:35.786750

Accounts gain the Pro Santé Connect identifier (`idnps`, unique), an organisation link, their
last login and its method, and a TOTP secret (sealed) with the last step accepted. Page
sessions record how they were opened. New tables: access requests of unknown PSC identities
(at most one pending per person), single-use links (invitations, password resets; hashes only)
and second-factor recovery codes (hashes only).
"""

from alembic import op
import sqlalchemy as sa
import shared.crypto
import shared.types


revision = "65cbb82fb58e"
down_revision = "4e171d0c1643"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_access_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idnps", sa.String(length=32), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("professions", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", shared.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_users.id"],
            name=op.f("fk_auth_access_requests_user_id_auth_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_access_requests")),
    )
    op.create_index(
        op.f("ix_auth_access_requests_status"), "auth_access_requests", ["status"], unique=False
    )
    op.create_index(
        "uq_auth_access_requests_pending",
        "auth_access_requests",
        ["idnps"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "auth_one_time_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", shared.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", shared.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_users.id"],
            name=op.f("fk_auth_one_time_links_user_id_auth_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_one_time_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_one_time_links_token_hash")),
    )
    op.create_index(
        op.f("ix_auth_one_time_links_user_id"), "auth_one_time_links", ["user_id"], unique=False
    )
    op.create_table(
        "auth_recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", shared.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_users.id"],
            name=op.f("fk_auth_recovery_codes_user_id_auth_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_recovery_codes")),
    )
    op.create_index(
        op.f("ix_auth_recovery_codes_user_id"), "auth_recovery_codes", ["user_id"], unique=False
    )
    op.add_column(
        "auth_page_sessions",
        sa.Column("method", sa.String(length=16), nullable=False, server_default="password"),
    )
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("idnps", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("last_login_at", shared.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("last_login_method", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("totp_secret", shared.crypto.EncryptedString(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.create_index(
            batch.f("ix_auth_users_organisation_id"), ["organisation_id"], unique=False
        )
        batch.create_unique_constraint(batch.f("uq_auth_users_idnps"), ["idnps"])


def downgrade() -> None:
    with op.batch_alter_table("auth_users") as batch:
        batch.drop_constraint(batch.f("uq_auth_users_idnps"), type_="unique")
        batch.drop_index(batch.f("ix_auth_users_organisation_id"))
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("last_login_method")
        batch.drop_column("last_login_at")
        batch.drop_column("idnps")
        batch.drop_column("organisation_id")
    op.drop_column("auth_page_sessions", "method")
    op.drop_index(op.f("ix_auth_recovery_codes_user_id"), table_name="auth_recovery_codes")
    op.drop_table("auth_recovery_codes")
    op.drop_index(op.f("ix_auth_one_time_links_user_id"), table_name="auth_one_time_links")
    op.drop_table("auth_one_time_links")
    op.drop_index(
        "uq_auth_access_requests_pending",
        table_name="auth_access_requests",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_auth_access_requests_status"), table_name="auth_access_requests")
    op.drop_table("auth_access_requests")
