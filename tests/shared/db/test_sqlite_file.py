"""The embedded database holds health data: its folder and files are the service user's only."""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from services.bootstrap import create_app
from shared.extensions import db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask of most shells (files 0644, folders 0755 unless we say otherwise)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_db_upgrade_creates_the_file_0600(cli_runner, tmp_path):
    database = tmp_path / "fresh" / "relais.sqlite3"
    result = cli_runner(["db", "upgrade"], DATABASE_URL=f"sqlite:///{database}")
    assert result.exit_code == 0, result.output
    assert _mode(database.parent) == 0o700
    assert _mode(database) == 0o600


def test_the_default_var_folder_is_tightened_even_when_it_already_exists(
    cli_runner, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir(mode=0o755)  # as `mkdir -p var` left it before
    result = cli_runner(["db", "upgrade"], DATABASE_URL="")
    assert result.exit_code == 0, result.output
    assert _mode(tmp_path / "var") == 0o700
    assert _mode(tmp_path / "var" / "relais.sqlite3") == 0o600


def test_the_app_creates_its_database_and_journal_files_0600(settings, tmp_path):
    database = tmp_path / "app" / "relais.sqlite3"
    app = create_app(
        ("orientation",), dataclasses.replace(settings, database_url=f"sqlite:///{database}")
    )
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            modes = {path.name: _mode(path) for path in database.parent.iterdir()}
        db.engine.dispose()
    assert _mode(database.parent) == 0o700
    assert set(modes) == {"relais.sqlite3", "relais.sqlite3-wal", "relais.sqlite3-shm"}
    assert set(modes.values()) == {0o600}


def test_an_existing_database_file_readable_by_others_is_tightened(settings, tmp_path):
    database = tmp_path / "relais.sqlite3"
    database.touch(mode=0o644)
    app = create_app(
        ("orientation",), dataclasses.replace(settings, database_url=f"sqlite:///{database}")
    )
    with app.app_context():
        db.engine.dispose()
    assert _mode(database) == 0o600
