"""accounts: auth_version, moved by the database on every change that can end a token

Revision ID: 9d2b3f09f749
Revises: c4f1a8e2d7b3
Create Date: 2026-12-05 15:00:00

`auth_users.auth_version` counts the changes that can make one of the account's bearer tokens
stop working or change who it stands for. Triggers move it, in the transaction of the change,
whatever wrote it (the application, `relais user disable`, an administrator in psql):

- an account's `active`, `email`, `professional_id` or `organisation_id` changes;
- a role row is added, changed or removed;
- a token is revoked, deleted, moved to another account or session, or its expiry is brought
  forward;
- a page session is revoked, deleted, moved, or either of its ends is brought forward (the idle
  end pushed back by activity does not count).

The token cache (`shared/auth/token_cache.py`) serves a token again only while the account's
version is the one it saw: a revocation is refused on the next request, in every process.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "9d2b3f09f749"
down_revision = "c4f1a8e2d7b3"
branch_labels = None
depends_on = None

# Conditions under which a row change moves its account's version (`o`/`n`: old/new row).
# Only this module's constants are formatted into the statements below.
TOKEN_CHANGED = (
    "n.revoked_at IS DISTINCT FROM o.revoked_at OR n.expires_at < o.expires_at"  # noqa: S105  # nosec B105
    " OR n.user_id <> o.user_id OR n.page_session_id IS DISTINCT FROM o.page_session_id"
)
SESSION_CHANGED = (
    "n.revoked_at IS DISTINCT FROM o.revoked_at OR n.expires_at < o.expires_at"
    " OR n.idle_expires_at < o.idle_expires_at OR n.user_id <> o.user_id"
)
USER_CHANGED = (
    "n.active IS DISTINCT FROM o.active OR n.email IS DISTINCT FROM o.email"
    " OR n.professional_id IS DISTINCT FROM o.professional_id"
    " OR n.organisation_id IS DISTINCT FROM o.organisation_id"
)
# The tables whose rows name an account in `user_id`, and when an update of one counts.
CHILDREN = {
    "auth_tokens": TOKEN_CHANGED,
    "auth_page_sessions": SESSION_CHANGED,
    "auth_user_roles": "TRUE",
}

PG_BUMP_CHILD = """
CREATE FUNCTION auth_version_bump_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE auth_users SET auth_version = auth_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id) THEN
        UPDATE auth_users SET auth_version = auth_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END;
$$
"""
PG_BUMP_USER = """
CREATE FUNCTION auth_version_bump_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.auth_version := OLD.auth_version + 1;
    RETURN NEW;
END;
$$
"""


def _pg(condition: str) -> str:
    return re.sub(r"\bo\.", "OLD.", re.sub(r"\bn\.", "NEW.", condition))


def _sqlite(condition: str) -> str:
    return _pg(condition).replace("IS DISTINCT FROM", "IS NOT").replace("TRUE", "1")


def upgrade() -> None:
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(
            sa.Column("auth_version", sa.BigInteger(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_BUMP_CHILD)
        op.execute(PG_BUMP_USER)
        for table, condition in CHILDREN.items():
            op.execute(
                f"CREATE TRIGGER {table}_auth_version AFTER UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({_pg(condition)}) EXECUTE FUNCTION auth_version_bump_child()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_auth_version_delete AFTER DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION auth_version_bump_child()"
            )
        op.execute(
            "CREATE TRIGGER auth_user_roles_auth_version_insert AFTER INSERT ON auth_user_roles "
            "FOR EACH ROW EXECUTE FUNCTION auth_version_bump_child()"
        )
        op.execute(
            "CREATE TRIGGER auth_users_auth_version BEFORE UPDATE ON auth_users FOR EACH ROW "
            f"WHEN ({_pg(USER_CHANGED)}) EXECUTE FUNCTION auth_version_bump_user()"
        )
        return
    bump = "UPDATE auth_users SET auth_version = auth_version + 1 WHERE id = {}.user_id;"
    for table, condition in CHILDREN.items():
        op.execute(
            f"CREATE TRIGGER {table}_auth_version AFTER UPDATE ON {table} FOR EACH ROW "  # noqa: S608  # nosec B608
            f"WHEN {_sqlite(condition)} BEGIN {bump.format('OLD')} "
            f"UPDATE auth_users SET auth_version = auth_version + 1 "
            f"WHERE id = NEW.user_id AND NEW.user_id <> OLD.user_id; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_auth_version_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"BEGIN {bump.format('OLD')} END"
        )
    op.execute(
        "CREATE TRIGGER auth_user_roles_auth_version_insert AFTER INSERT ON auth_user_roles "
        f"FOR EACH ROW BEGIN {bump.format('NEW')} END"
    )
    # SQLite has no BEFORE trigger that can change NEW: the version moves right after, in the
    # same statement (recursive triggers are off, and `auth_version` is no trigger column).
    op.execute(
        "CREATE TRIGGER auth_users_auth_version AFTER UPDATE ON auth_users FOR EACH ROW "  # noqa: S608  # nosec B608
        f"WHEN {_sqlite(USER_CHANGED)} BEGIN "
        "UPDATE auth_users SET auth_version = auth_version + 1 WHERE id = NEW.id; END"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in [
        *((f"{t}_auth_version", t) for t in CHILDREN),
        *((f"{t}_auth_version_delete", t) for t in CHILDREN),
        ("auth_user_roles_auth_version_insert", "auth_user_roles"),
        ("auth_users_auth_version", "auth_users"),
    ]:
        op.execute(
            f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}"
        )
    if postgresql:
        op.execute("DROP FUNCTION auth_version_bump_child()")
        op.execute("DROP FUNCTION auth_version_bump_user()")
    with op.batch_alter_table("auth_users") as batch:
        batch.drop_column("auth_version")
