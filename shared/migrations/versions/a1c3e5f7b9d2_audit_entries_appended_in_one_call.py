"""audit trail: a transaction's entries locked, chained and inserted by one call (PostgreSQL)

Revision ID: a1c3e5f7b9d2
Revises: f2b4d6a8c0e1
Create Date: 2026-12-05 22:30:00

`audit_append(lock_key, entries)` takes the chain's advisory lock, reads its head, gives each
entry the next place and its link — sha256 over the previous link, a newline and the entry's
canonical fields (`shared.audit.chain.canonical`, which the caller sends as `tail`, the
canonical JSON array without its first element, the place) — and inserts them in one
statement (the head trigger moves the head once). The digest is the one Python computes
(`shared.audit.chain.digest`): the same UTF-8 bytes, hashed by PostgreSQL. A writer thus holds
the chain's lock for two waits on the database (this call, the commit) instead of three, and
for no Python work at all. It replaces `audit_chain_lock` (lock and head only), dropped.
"""

from alembic import context, op

revision = "a1c3e5f7b9d2"
down_revision = "f2b4d6a8c0e1"
branch_labels = None
depends_on = None

# The revision whose `audit_chain_lock` this one replaces (it comes back on downgrade).
CHAIN_LOCK_REVISION = "f2b4d6a8c0e1"

PG_APPEND = r"""
CREATE FUNCTION audit_append(lock_key bigint, entries jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    place bigint;
    previous text;
    tail text;
    places bigint[] := '{}';
    links text[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT c.head_seq, c.head_hash INTO place, previous FROM audit_chain c WHERE c.id = 1;
    place := coalesce(place, 0);
    previous := coalesce(previous, repeat('0', 64));
    FOR tail IN
        SELECT e.value ->> 'tail' FROM jsonb_array_elements(entries) WITH ORDINALITY AS e
         ORDER BY e.ordinality
    LOOP
        place := place + 1;
        previous := encode(
            sha256(convert_to(previous || E'\n[' || place::text || ',' || tail, 'UTF8')), 'hex');
        places := places || place;
        links := links || previous;
    END LOOP;
    INSERT INTO audit_entries (id, at, service, user_email, action, reference, ip, seq, hash)
    SELECT (e.value ->> 'id')::uuid, (e.value ->> 'at')::timestamptz, e.value ->> 'service',
           e.value ->> 'user_email', e.value ->> 'action', e.value ->> 'reference',
           e.value ->> 'ip', l.place, l.link
      FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(value, ordinality)
      JOIN unnest(places, links) WITH ORDINALITY AS l(place, link, ordinality)
        ON l.ordinality = e.ordinality
     ORDER BY e.ordinality;
    RETURN place;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_APPEND)
    op.execute("DROP FUNCTION audit_chain_lock(bigint)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(context.script.get_revision(CHAIN_LOCK_REVISION).module.PG_CHAIN_LOCK)
    op.execute("DROP FUNCTION audit_append(bigint, jsonb)")
