"""Database engine tuning and the unit of work that owns every commit.

SQLite (the embedded default) gets WAL and `BEGIN IMMEDIATE` for write transactions, which
serialises writers the way `SELECT … FOR UPDATE` serialises them on PostgreSQL. Its file holds
health data: it is created readable by the service's user only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import ColumnElement, Engine, Select, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.extensions import db
from shared.settings import DEFAULT_SQLITE_PATH

_write_intent: ContextVar[bool] = ContextVar("relais_write_intent", default=False)
SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_PREFIX = "sqlite:///"
PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600

T = TypeVar("T")


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options suited to the configured backend.

    PostgreSQL: SQLAlchemy writes the server's own placeholders (`$1`, `$2`…) and psycopg's raw
    cursors send them as they are. With the default `%(name)s` style psycopg rewrites every
    statement into `$n` form before sending it, and caches the rewrite only for statements of
    at most 50 parameters: a case's INSERT (56 columns) was parsed again at every signalement,
    the largest single cost of the web worker (docs/performance.md). SQL passed by hand
    (`exec_driver_sql`) therefore uses `$n` placeholders and a tuple of values. The app's
    server-side cursors get the same treatment when it connects (`configure_engine`)."""
    if database_url.startswith("sqlite"):
        return {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        }
    from psycopg import RawCursor  # not imported by the embedded (SQLite) mode

    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        "paramstyle": "numeric_dollar",
        "connect_args": {"cursor_factory": RawCursor},
    }


def secure_sqlite_file(database_url: str) -> None:
    """Create the SQLite file (0600) and its folder (0700) before SQLite would, with the umask's
    modes (0644, world-readable); tighten a file left readable by others, and the project's own
    `var/` folder. SQLite gives its `-wal` and `-shm` files the database file's mode."""
    if not database_url.startswith(SQLITE_PREFIX):
        return
    path = Path(database_url.removeprefix(SQLITE_PREFIX))
    if not path.name or path.name == ":memory:":
        return
    path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    if path.parent.resolve() == DEFAULT_SQLITE_PATH.parent.resolve():
        path.parent.chmod(PRIVATE_FOLDER)
    path.touch(mode=PRIVATE_FILE, exist_ok=True)
    path.chmod(PRIVATE_FILE)


def configure_engine(app: Flask) -> None:
    """Attach backend-specific listeners to the app's engine."""
    secure_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        else:
            _configure_postgresql(engine)


def _configure_postgresql(engine: Engine) -> None:
    from psycopg import RawServerCursor

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Server-side cursors (`yield_per`: exports, the audit's verification) take the same
        # `$n` placeholders as the raw cursors of `engine_options`.
        dbapi_connection.server_cursor_factory = RawServerCursor


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


def dialect_insert(model: type) -> Any:
    """The backend's INSERT construct for `model`, which knows `ON CONFLICT` (both backends)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model)


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


def among(column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values` for many values (a batch of a thousand keys). On PostgreSQL the values
    go as one array, `IN (SELECT unnest(:values))`: planned as one probe of the column's index
    per value whatever the table's statistics, where an `IN` list of a thousand values is
    planned as a scan of the whole table while the table has none (a table just filled by an
    import, when autovacuum is off or has not come by yet). A plain `IN` elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    element = column.type
    if getattr(element, "length", None) is not None:
        # Not `varchar(11)[]`: that cast cuts a longer value, which would then match.
        element = element.copy()
        element.length = None
    array = bindparam(None, list(values), type_=ARRAY(element))
    return column.in_(select(func.unnest(array)).scalar_subquery())


def counts(queries: Sequence[Select[Any]]) -> list[int]:
    """The counts of several one-count queries in one statement (`SELECT (q1), (q2), …`): one
    round trip instead of one each, for the top bar's tasks."""
    if not queries:
        return []
    row = db.session.execute(select(*(query.scalar_subquery() for query in queries))).one()
    return [int(value or 0) for value in row]


def bulk_insert(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many new rows of `table` inside the session's transaction: `COPY … FROM STDIN` on
    PostgreSQL (several times faster than a multi-row INSERT), an executemany elsewhere.

    For COPY, a column a row leaves out takes its Python-side default (or NULL) and JSON values
    are serialised here; the values must otherwise be what the driver binds as they are (no
    encrypted columns: those go through the ORM types)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(table.columns)
    names = ", ".join(f'"{column.name}"' for column in columns)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for values in _copy_values(columns, rows):
            copy.write_row(values)


def _copy_values(columns: list[Any], rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """Each row's COPY values in the order of `columns`. What a row lacks and which values are
    JSON is worked out once for each set of keys (the rows of one batch share theirs), so that
    a row costs one lookup per column."""
    names = [column.name for column in columns]
    json_at = [i for i, column in enumerate(columns) if column.type.__class__.__name__ == "JSON"]
    keys: set[str] | None = None
    missing: list[tuple[int, Callable[[], Any]]] = []
    for row in rows:
        if keys is None or row.keys() != keys:
            keys = set(row)
            missing = [
                (i, _python_default(column))
                for i, column in enumerate(columns)
                if column.name not in keys
            ]
        values = list(map(row.get, names))
        for i, default in missing:
            values[i] = default()
        for i in json_at:
            value = values[i]
            if value is not None:
                values[i] = json.dumps(value)
        yield values


def _python_default(column: Any) -> Callable[[], Any]:
    """The value a column left out of an insert takes on the Python side (None: NULL)."""
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg
