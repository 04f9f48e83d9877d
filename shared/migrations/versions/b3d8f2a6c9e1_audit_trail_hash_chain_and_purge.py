"""audit trail: hash chain, purge function, no TRUNCATE

Revision ID: b3d8f2a6c9e1
Revises: 7d5a9341e609
Create Date: 2026-12-02 09:30:00

Every audit entry gets its place in a hash chain (`seq`) and its link (`hash`, see
`shared.audit.chain`); the existing rows are chained here, oldest first. `audit_chain` holds
the chain's head and the anchor left by the retention purge.

PostgreSQL: the `relais.audit_purge_before` switch of `a7c3e9d2f1b4` is gone. UPDATE and
TRUNCATE of `audit_entries` are refused by triggers; DELETE too, except for the entries that
`audit_purge(retention_days)` (SECURITY DEFINER: it runs as the owner of the trail) marks in
`audit_chain.purging_through` inside its own call, a role without UPDATE on `audit_chain`
cannot set that mark. The function refuses a retention under 180 days and computes the
cut-off from the database's clock. The insert trigger moves the chain's head and refuses an
entry that does not take the next place.

SQLite: the same triggers, without roles: DELETE passes only up to the mark the purge sets in
its transaction.
"""

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import context, op

from shared.audit.chain import CHAIN_LOCK_KEY, GENESIS, digest
from shared.types import UTCDateTime, UUIDType

revision = "b3d8f2a6c9e1"
down_revision = "7d5a9341e609"
# The revision whose append-only triggers (with the purge switch) this one replaces.
APPEND_ONLY_REVISION = "a7c3e9d2f1b4"
branch_labels = None
depends_on = None

# shared.audit.retention.MIN_RETENTION_DAYS when this was written (a test checks they agree).
MIN_RETENTION_DAYS = 180

PG_REFUSE = """
CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
PG_DELETE_GUARD = """
CREATE FUNCTION audit_entries_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq <= (SELECT purging_through FROM audit_chain WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only: DELETE refused (audit_purge only)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
PG_ADVANCE_HEAD = """
CREATE FUNCTION audit_entries_advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO audit_chain (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
    UPDATE audit_chain SET head_seq = NEW.seq, head_hash = NEW.hash
     WHERE id = 1 AND head_seq = NEW.seq - 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit chain: entry % does not follow the head of the chain', NEW.seq
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END;
$$
"""
# Two integer constants of this module are the only values formatted in.
PG_PURGE = f"""
CREATE FUNCTION audit_purge(retention_days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    cutoff timestamptz;
    through bigint;
    anchor text;
    removed bigint;
BEGIN
    IF retention_days IS NULL OR retention_days < {MIN_RETENTION_DAYS} THEN
        RAISE EXCEPTION 'audit retention of % days refused: at least {MIN_RETENTION_DAYS}',
            retention_days USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    cutoff := now() - make_interval(days => retention_days);
    -- Only the start of the chain goes, up to the first entry still within the retention.
    SELECT min(seq) - 1 INTO through FROM audit_entries WHERE at >= cutoff;
    IF through IS NULL THEN
        SELECT max(seq) INTO through FROM audit_entries;
    END IF;
    SELECT hash INTO anchor FROM audit_entries WHERE seq = through;
    IF anchor IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE audit_chain SET purging_through = through WHERE id = 1;
    DELETE FROM audit_entries WHERE seq <= through;
    GET DIAGNOSTICS removed = ROW_COUNT;
    UPDATE audit_chain SET purging_through = NULL, anchor_seq = through, anchor_hash = anchor
     WHERE id = 1;
    RETURN removed;
END;
$$
"""  # noqa: S608
# name: (table, event, level, function)
PG_TRIGGERS = {
    "audit_entries_no_update": ("audit_entries", "BEFORE UPDATE", "ROW", "audit_refuse"),
    "audit_entries_no_truncate": ("audit_entries", "BEFORE TRUNCATE", "STATEMENT", "audit_refuse"),
    "audit_entries_delete_guard": (
        "audit_entries",
        "BEFORE DELETE",
        "ROW",
        "audit_entries_delete_guard",
    ),
    "audit_entries_chain": ("audit_entries", "BEFORE INSERT", "ROW", "audit_entries_advance_head"),
    "audit_chain_no_delete": ("audit_chain", "BEFORE DELETE", "ROW", "audit_refuse"),
    "audit_chain_no_truncate": ("audit_chain", "BEFORE TRUNCATE", "STATEMENT", "audit_refuse"),
}
PG_FUNCTIONS = (
    "audit_refuse()",
    "audit_entries_delete_guard()",
    "audit_entries_advance_head()",
    "audit_purge(integer)",
)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN
        SELECT RAISE(ABORT, 'audit_entries is append-only: UPDATE refused');
    END""",
    """CREATE TRIGGER audit_entries_delete_guard BEFORE DELETE ON audit_entries
    WHEN OLD.seq > coalesce((SELECT purging_through FROM audit_chain WHERE id = 1), 0)
    BEGIN
        SELECT RAISE(ABORT, 'audit_entries is append-only: DELETE refused');
    END""",
    """CREATE TRIGGER audit_entries_chain BEFORE INSERT ON audit_entries
    BEGIN
        INSERT OR IGNORE INTO audit_chain (id) VALUES (1);
        SELECT RAISE(ABORT, 'audit chain: entry does not follow the head of the chain')
         WHERE NEW.seq <> (SELECT head_seq + 1 FROM audit_chain WHERE id = 1);
        UPDATE audit_chain SET head_seq = NEW.seq, head_hash = NEW.hash WHERE id = 1;
    END""",
    """CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    BEGIN
        SELECT RAISE(ABORT, 'audit_chain is append-only: DELETE refused');
    END""",
)
SQLITE_TRIGGER_NAMES = (
    "audit_entries_no_update",
    "audit_entries_delete_guard",
    "audit_entries_chain",
    "audit_chain_no_delete",
)

entries = sa.table(
    "audit_entries",
    sa.column("id", UUIDType),
    sa.column("at", UTCDateTime),
    sa.column("service", sa.String),
    sa.column("user_email", sa.String),
    sa.column("action", sa.String),
    sa.column("reference", sa.String),
    sa.column("ip", sa.String),
    sa.column("seq", sa.BigInteger),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _append_only_revision().downgrade()  # its triggers go first
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("head_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("head_hash", sa.String(length=64), server_default=GENESIS, nullable=False),
        sa.Column("anchor_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), server_default=GENESIS, nullable=False),
        sa.Column("purging_through", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_seq"), ["seq"])
    if dialect == "postgresql":
        for statement in (PG_REFUSE, PG_DELETE_GUARD, PG_ADVANCE_HEAD, PG_PURGE):
            op.execute(statement)
        for name, (table, when, level, function) in PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION {function}()"
            )
        for function in PG_FUNCTIONS:
            op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def _chain_existing_rows() -> None:
    """Chain the rows written before the chain existed, in the order they were written."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(entries).order_by(entries.c.at, entries.c.id)).all()
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        previous = digest(previous, SimpleNamespace(**{**row._mapping, "seq": seq}))
        bind.execute(entries.update().where(entries.c.id == row.id).values(seq=seq, hash=previous))
    if rows:
        bind.execute(
            sa.text("INSERT INTO audit_chain (id, head_seq, head_hash) VALUES (1, :seq, :hash)"),
            {"seq": len(rows), "hash": previous},
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, (table, *_) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain")
    _append_only_revision().upgrade()  # its triggers come back


def _append_only_revision():
    return context.script.get_revision(APPEND_ONLY_REVISION).module
