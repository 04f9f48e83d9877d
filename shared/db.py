"""Database engine tuning and the unit of work that owns every commit.

SQLite (the embedded default) gets WAL and `BEGIN IMMEDIATE` for write transactions, which
serialises writers the way `SELECT … FOR UPDATE` serialises them on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import Engine, Select, event

from shared.extensions import db

_write_intent: ContextVar[bool] = ContextVar("relais_write_intent", default=False)
SQLITE_BUSY_TIMEOUT_SECONDS = 30

T = TypeVar("T")


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options suited to the configured backend."""
    if database_url.startswith("sqlite"):
        return {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        }
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def configure_engine(app: Flask) -> None:
    """Attach backend-specific listeners to the app's engine."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when and how a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def unit_of_work() -> Iterator[Any]:
    """Run the block in one write transaction: commit on success, roll back on any error.

    On SQLite, any read-only transaction left open by the request (authentication, say) is
    closed first so that the write transaction starts with `BEGIN IMMEDIATE`. PostgreSQL
    simply carries on in it (READ COMMITTED: each statement sees the latest commits), which
    saves a commit, a pool checkout and a new BEGIN on every write.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
    token = _write_intent.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)


def for_update(statement: Select[Any]) -> Select[Any]:
    """Lock the selected rows until commit (a no-op on SQLite, already serialised), and read
    them as they are now: objects the session already holds from an earlier, unlocked read
    (sessions keep objects across commits) are refreshed, never trusted."""
    return statement.with_for_update().execution_options(populate_existing=True)


@contextmanager
def one_snapshot() -> Iterator[Any]:
    """Run the block's reads against one snapshot of the database, for a report built from
    several statements (the indicators): a case oriented between two of them cannot be
    counted by one and missed by the other.

    PostgreSQL: the request's transaction so far is committed, then the block runs in a
    read-only REPEATABLE READ transaction, ended (rolled back) after it; the connection's
    usual settings come back when it returns to the pool. SQLite: the block's reads share the
    transaction they open (SQLite reads in a transaction see one snapshot)."""
    session = db.session
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    try:
        yield session
    finally:
        session.rollback()
