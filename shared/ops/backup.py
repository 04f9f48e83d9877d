"""Copy the database to one file: `pg_dump` for PostgreSQL, the online backup API for SQLite."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump, a fixed program
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupFailed(RuntimeError):
    """The backup could not be written."""


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database at `database_url` to `destination`."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Health data: the copy is readable by its owner only, from its first byte.
    destination.touch(mode=0o600, exist_ok=False)
    try:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(url.database or "", destination)
        elif url.get_backend_name() == "postgresql":
            _backup_postgresql(url, destination)
        else:
            raise BackupFailed(f"Base non prise en charge : {url.get_backend_name()}.")
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return destination


def _backup_sqlite(path: str, destination: Path) -> None:
    if not path or not Path(path).exists():
        raise BackupFailed(f"Fichier SQLite introuvable : {path}.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _backup_postgresql(url, destination: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed("pg_dump est introuvable : installez le client PostgreSQL.")
    # Connection settings through the environment: a password never shows in `ps`.
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
    ):
        if value is not None:
            env[variable] = str(value)
    result = subprocess.run(  # noqa: S603  # nosec B603 - fixed program, no shell
        [pg_dump, "--format=custom", "--no-owner", "--file", str(destination)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupFailed(f"pg_dump a échoué : {result.stderr.strip()}")
