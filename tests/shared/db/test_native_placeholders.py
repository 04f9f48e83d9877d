"""PostgreSQL statements travel with the server's own `$n` placeholders, through psycopg's raw
cursors, so that psycopg never rewrites them (`shared.db.engine_options`)."""

from __future__ import annotations

import pytest
from psycopg import RawCursor, RawServerCursor
from sqlalchemy import event, select, text

from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.support.factories import signalement

pytestmark = pytest.mark.postgres_only


def test_a_case_insert_wider_than_psycopgs_rewrite_cache_is_sent_as_written(app, client, accounts):
    professional = accounts.create("professional")
    sent: list[tuple[str, str, object]] = []

    def capture(_conn, cursor, statement, parameters, _context, _many) -> None:
        sent.append((type(cursor).__name__, statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        case = signalement(client, professional)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with app.app_context():
        inserts = [row for row in sent if row[1].startswith("INSERT INTO orientation_mt_cases")]
        assert len(inserts) == 1
        cursor, statement, parameters = inserts[0]
        assert cursor == RawCursor.__name__
        # More parameters than psycopg caches the rewrite of (50): the reason for raw cursors.
        assert isinstance(parameters, tuple) and len(parameters) > 50
        assert "$1" in statement and f"${len(parameters)}" in statement
        assert "%(" not in statement
        # And the row is there, as written.
        stored = db.session.scalar(text("SELECT reference FROM orientation_mt_cases"))
        assert stored == case["reference"]


def test_server_side_cursors_take_the_same_placeholders(app, client, accounts):
    """`yield_per` streams through a named (server-side) cursor: a raw one too."""
    professional = accounts.create("professional")
    for _ in range(3):
        signalement(client, professional)
    with app.app_context():
        connection = db.session.connection()
        assert connection.connection.driver_connection.server_cursor_factory is RawServerCursor
        streamed = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "create")
            .order_by(AuditEntry.seq)
            .execution_options(yield_per=2)
        ).all()
        assert len(streamed) == 3
