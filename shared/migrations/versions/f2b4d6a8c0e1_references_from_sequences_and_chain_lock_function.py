"""references from a sequence per prefix and year; the audit chain locked and read at once
(PostgreSQL)

Revision ID: f2b4d6a8c0e1
Revises: e5a7c9b1d3f2
Create Date: 2026-12-05 21:30:00

`reference_next(prefix, year)` returns the next number of a case reference from the sequence
`reference_<prefix>_<year>`, which it creates the first time a year asks for it, starting after
the number the counter row `reference_counters` (prefix, year) reached (the numbering of the
current year goes on where it was). Sequences lock nothing until the commit: creations of one
prefix no longer take turns, and a rolled-back creation leaves a gap (`shared/cases/references.py`).
The function runs as the schema's owner (SECURITY DEFINER): the application's role creates
nothing (docs/deploy.md). Each sequence is OWNED BY `reference_counters.value`, so it goes
with that table (dropped with it, restarted by `TRUNCATE … RESTART IDENTITY`).

`audit_chain_lock(key)` takes the chain's advisory lock and then reads the head (NULLs while
the chain is empty), in one round trip (a volatile function's statement after the lock sees
what the previous holder committed).

SQLite keeps the counter row in the case's own transaction and its lone writer.
"""

from alembic import op

revision = "f2b4d6a8c0e1"
down_revision = "e5a7c9b1d3f2"
branch_labels = None
depends_on = None

# Only this module's constants are formatted into the statements below.
PG_REFERENCE_NEXT = r"""
CREATE FUNCTION reference_next(ref_prefix text, ref_year integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    sequence_name text;
    start_value bigint;
BEGIN
    IF ref_prefix !~ '^[A-Z]{1,8}$' OR ref_year NOT BETWEEN 2000 AND 2999 THEN
        RAISE EXCEPTION 'reference_next: bad prefix or year (%, %)', ref_prefix, ref_year
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    sequence_name := format('reference_%s_%s', lower(ref_prefix), ref_year);
    IF to_regclass(sequence_name) IS NULL THEN
        SELECT coalesce(max(value), 0) + 1 INTO start_value FROM reference_counters
         WHERE prefix = ref_prefix AND year = ref_year;
        BEGIN
            EXECUTE format(
                'CREATE SEQUENCE %I START WITH %s OWNED BY reference_counters.value',
                sequence_name, start_value);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;  -- created meanwhile by another transaction
        END;
    END IF;
    RETURN nextval(sequence_name::regclass);
END;
$$
"""
PG_CHAIN_LOCK = """
CREATE FUNCTION audit_chain_lock(lock_key bigint, OUT head_seq bigint, OUT head_hash text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT c.head_seq, c.head_hash INTO head_seq, head_hash FROM audit_chain c WHERE c.id = 1;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_REFERENCE_NEXT)
    op.execute(PG_CHAIN_LOCK)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION audit_chain_lock(bigint)")
    op.execute("DROP FUNCTION reference_next(text, integer)")
