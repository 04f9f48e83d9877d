"""Database chores of the tests that the application itself is not allowed to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Connection, event, text

from shared.extensions import db


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements sent to the database while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def triggers_lifted(conn: Connection) -> Iterator[None]:
    """Run the block, inside `conn`'s transaction, with every trigger off, as a database
    superuser could (the audit trail's triggers refuse TRUNCATE, UPDATE and DELETE).

    PostgreSQL: `session_replication_role = replica` (superuser only) for the block. SQLite,
    which cannot switch triggers off: they are dropped and created again from their own text,
    in the same transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        conn.execute(text("SET LOCAL session_replication_role = origin"))
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).all()
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in triggers:
        conn.exec_driver_sql(sql)
