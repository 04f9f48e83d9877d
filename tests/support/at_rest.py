"""What the database holds at rest, as bytes: to show that no identifier is stored in clear."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_file_bytes(database_url: str) -> bytes:
    """The SQLite database file and its write-ahead log, as they are on disk."""
    path = Path(make_url(database_url).database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def pg_dump_data(database_url: str) -> bytes:
    """`pg_dump --data-only` of the PostgreSQL database: what a backup would hold."""
    url = make_url(database_url)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("pg_dump") or "pg_dump",
            "--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--data-only", url.database or "",
        ],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
