"""Programmatic Alembic: `relais db upgrade` and new revisions per service branch."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from shared.db import secure_sqlite_file
from shared.migrations.schema import Schema

__all__ = ["Schema", "alembic_config", "new_revision", "upgrade"]

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str, schema: Schema) -> Config:
    """An Alembic config whose version locations are the branch of `shared` and each service."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option(
        "version_locations", " ".join(str(path) for path in schema.branches.values())
    )
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["relais_schema"] = schema
    return config


def upgrade(database_url: str, schema: Schema) -> None:
    """Bring the database to the newest revision of every branch (idempotent)."""
    secure_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url, schema), "heads")


def new_revision(database_url: str, schema: Schema, *, branch: str, message: str) -> None:
    """Autogenerate a revision on one branch from the difference between models and database."""
    config = alembic_config(database_url, schema)
    config.attributes["relais_branch"] = branch
    has_branch = any(
        branch in (revision.branch_labels or ())
        for revision in ScriptDirectory.from_config(config).walk_revisions()
    )
    command.revision(
        config,
        message=message,
        autogenerate=True,
        head=f"{branch}@head" if has_branch else "base",
        branch_label=None if has_branch else branch,
        version_path=str(schema.branches[branch]),
    )
