"""Test fixtures: real PostgreSQL (default) or SQLite (`--db sqlite`), one app per test."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import text

from bench.redis_lease import leased_redis_url
from services.bootstrap import SCHEMA, SERVICES, create_app
from shared.auth.service import _hasher
from shared.extensions import db
from shared.migrations.runner import upgrade
from shared.outbox.relay import stop_embedded_threads
from shared.settings import Settings
from tests.support.database import triggers_lifted
from tests.support.factories import TEST_PASSWORD, Accounts
from tests.support.psc_standin import psc_settings, standin  # noqa: F401 - fixtures
from tests.support.smtp import smtp, smtp_factory  # noqa: F401 - fixtures of every test folder

PG_ADMIN_URL = os.environ.get("RELAIS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("RELAIS_TEST_BACKEND", "postgresql"),
        choices=("postgresql", "sqlite"),
        help="database backend for the suite",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "sqlite":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_delivery_thread_outlives_its_test() -> Iterator[None]:
    """Apps built outside the test environment (production, development) start the embedded
    delivery thread at their first request; left running, it would deliver the next tests'
    events on its own schedule. Their connections are closed with them."""
    yield
    for relay in stop_embedded_threads():
        _close_connections(relay.app)


def _close_connections(application: Flask) -> None:
    """End the app's session and close its pooled connections."""
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--db")


def _recreate_pg_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database, migrated with the project's own Alembic migrations."""
    if backend == "postgresql":
        name = os.environ.get("RELAIS_TEST_DB_NAME", "relais_test") + f"_{os.getpid()}"
        url = _recreate_pg_database(name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'relais.sqlite3'}"
    upgrade(url, SCHEMA)
    yield url
    if backend == "postgresql":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database of this run's own (leased, see `bench.redis_lease`): flushing it never
    touches another run's jobs."""
    with leased_redis_url() as url:
        yield url


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[Redis]:
    """The run's Redis database, emptied before and after the test."""
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        secret_key="_718EgG_6Owhvt7WBTA_dB1HMKxohX-29b7Yvy8OHnU",
    )  # noqa: S106


@contextlib.contextmanager
def built_app(settings: Settings) -> Iterator[Flask]:
    """Every service in one app, as `relais run` serves them; tables emptied afterwards."""
    application = create_app(SERVICES, settings)
    yield application
    with application.app_context():
        db.session.remove()
        _empty_tables()
    _close_connections(application)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """Every service in one app, as `relais run` serves them; tables emptied afterwards."""
    with built_app(settings) as application:
        yield application


def _empty_tables() -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    with db.engine.begin() as conn, triggers_lifted(conn):
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Hashed once: argon2 is deliberately slow.
    return _hasher.hash(TEST_PASSWORD)


@pytest.fixture
def accounts(app: Flask, password_hash: str) -> Accounts:
    """Accounts with roles, made by `tests.support.factories`."""
    return Accounts(app, password_hash)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture
def runner_env(settings: Settings) -> dict[str, str]:
    """Environment under which a `relais` command reaches the test database."""
    return {
        "RELAIS_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEYS": "",
        "REDIS_URL": "",
    }


@pytest.fixture
def cli_runner(runner_env: dict[str, str]):
    """Invoke `relais …` in-process against the test database; extra env as keywords."""
    from click.testing import CliRunner

    from services.cli import cli

    def invoke(args: list[str], input: str | None = None, **env: str):
        return CliRunner().invoke(cli, args, input=input, env={**runner_env, **env})

    return invoke


@pytest.fixture
def service_app(settings: Settings, app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build `create_app(services, settings + overrides)`: services as deployed apart (e.g.
    orientation calling the agenda over HTTP); their connections closed afterwards.

    Depends on `app` so that the tables are emptied after the test as usual.
    """
    built: list[Flask] = []

    def build(*services: str, **overrides: object) -> Flask:
        application = create_app(services, dataclasses.replace(settings, **overrides))
        built.append(application)
        return application

    yield build
    for application in built:
        _close_connections(application)
