"""`relais db upgrade` is idempotent; `relais backup` writes a copy that restores."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess

import psycopg
import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from services.bootstrap import SCHEMA
from services.cli import cli
from shared.migrations.runner import alembic_config, upgrade
from tests.conftest import PG_ADMIN_URL


def _versions(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    engine.dispose()
    return versions


def test_db_upgrade_twice_changes_nothing_the_second_time(database_url):
    before = _versions(database_url)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        assert "Base de données à jour." in result.output
    assert _versions(database_url) == before
    heads = ScriptDirectory.from_config(alembic_config(database_url, SCHEMA)).get_heads()
    assert before == set(heads)


def test_db_upgrade_creates_a_fresh_database_then_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'neuve.sqlite3'}"
    runner = CliRunner()
    first = runner.invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": url})
    second = runner.invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    engine = create_engine(url)
    assert {"auth_users", "orientation_mt_cases", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_backup_of_a_sqlite_database_is_a_readable_private_copy(tmp_path, client, accounts):
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    upgrade(url, SCHEMA)
    with sqlite3.connect(tmp_path / "source.sqlite3") as conn:
        conn.execute(
            "INSERT INTO outbox_events (id, name, payload, created_at, attempts) "
            "VALUES ('0123456789abcdef0123456789abcdef', 'test.event', '{}', '2026-01-01', 0)"
        )
    destination = tmp_path / "sauvegardes" / "relais.sqlite3"
    result = CliRunner().invoke(
        cli, ["backup", "--output", str(destination)], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(destination)
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    with sqlite3.connect(destination) as copy:
        assert copy.execute("SELECT name FROM outbox_events").fetchall() == [("test.event",)]


def test_backup_refuses_to_overwrite_an_existing_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    upgrade(url, SCHEMA)
    existing = tmp_path / "deja-la.sqlite3"
    existing.write_text("ancienne sauvegarde")
    result = CliRunner().invoke(
        cli, ["backup", "--output", str(existing)], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 1
    assert "existe déjà" in result.output
    assert existing.read_text() == "ancienne sauvegarde"


@pytest.mark.postgres_only
def test_backup_of_postgresql_restores_into_a_new_database(database_url, tmp_path, accounts):
    accounts.create("coordinator", email="sauvegarde@relais.test")
    destination = tmp_path / "relais.dump"
    result = CliRunner().invoke(
        cli, ["backup", "--output", str(destination)], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    restored = f"relais_restore_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{restored}"')
    try:
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        subprocess.run(
            ["pg_restore", "--no-owner", "--dbname", f"{base}/{restored}", str(destination)],
            check=True,
            capture_output=True,
        )
        with psycopg.connect(f"{base}/{restored}") as conn:
            emails = [row[0] for row in conn.execute("SELECT email FROM auth_users")]
        assert emails == ["sauvegarde@relais.test"]
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
