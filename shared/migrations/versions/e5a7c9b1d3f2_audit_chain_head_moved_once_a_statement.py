"""audit trail: the chain's head moved once per INSERT statement, not once per row (PostgreSQL)

Revision ID: e5a7c9b1d3f2
Revises: 9d2b3f09f749
Create Date: 2026-12-05 18:20:00

A page of a list audits every case it shows with one multi-row INSERT
(`shared.audit.service.record_audits`). The row trigger of `b3d8f2a6c9e1` updated the single
row of `audit_chain` once per entry: fifty versions of that row per page read, each update
walking past the versions before it (the row's dead versions wait for vacuum, so the cost of
an entry grew with the traffic). Its replacement runs once per statement, after it, over the
entries the statement added (a transition table): they must take the places right after the
head, one each and without a gap, and the head moves to the last of them. The refusal is
the same (SQLSTATE unique_violation, "does not follow the head of the chain"), and it still
runs as the trail's owner, whoever inserts.

SQLite keeps its row trigger: it has no statement triggers.
"""

from alembic import context, op

revision = "e5a7c9b1d3f2"
down_revision = "9d2b3f09f749"
branch_labels = None
depends_on = None

# The revision whose row trigger this one replaces (its function comes back on downgrade).
ROW_TRIGGER_REVISION = "b3d8f2a6c9e1"

PG_ADVANCE_HEAD = """
CREATE FUNCTION audit_entries_advance_head_once() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    first_seq bigint;
    last_seq bigint;
    added_count bigint;
    last_hash text;
BEGIN
    SELECT min(seq), max(seq), count(*) INTO first_seq, last_seq, added_count FROM added;
    IF added_count = 0 THEN
        RETURN NULL;
    END IF;
    SELECT hash INTO last_hash FROM added WHERE seq = last_seq;
    INSERT INTO audit_chain (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
    -- `seq` is unique: as many entries as places from first to last means no gap.
    UPDATE audit_chain SET head_seq = last_seq, head_hash = last_hash
     WHERE id = 1 AND head_seq = first_seq - 1 AND last_seq - first_seq + 1 = added_count;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit chain: an entry of % to % does not follow the head of the chain',
            first_seq, last_seq USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NULL;
END;
$$
"""
PG_TRIGGER = (
    "CREATE TRIGGER audit_entries_chain AFTER INSERT ON audit_entries "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION audit_entries_advance_head_once()"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER audit_entries_chain ON audit_entries")
    op.execute("DROP FUNCTION audit_entries_advance_head()")
    op.execute(PG_ADVANCE_HEAD)
    op.execute("REVOKE ALL ON FUNCTION audit_entries_advance_head_once() FROM PUBLIC")
    op.execute(PG_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    row_trigger = context.script.get_revision(ROW_TRIGGER_REVISION).module
    op.execute("DROP TRIGGER audit_entries_chain ON audit_entries")
    op.execute("DROP FUNCTION audit_entries_advance_head_once()")
    op.execute(row_trigger.PG_ADVANCE_HEAD)
    op.execute("REVOKE ALL ON FUNCTION audit_entries_advance_head() FROM PUBLIC")
    table, when, level, function = row_trigger.PG_TRIGGERS["audit_entries_chain"]
    op.execute(
        f"CREATE TRIGGER audit_entries_chain {when} ON {table} "
        f"FOR EACH {level} EXECUTE FUNCTION {function}()"
    )
