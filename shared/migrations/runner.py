"""Programmatic Alembic: `relais db upgrade` and new revisions per service branch."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]
BRANCHES = {
    "shared": ROOT / "shared" / "migrations" / "versions",
    "orientation": ROOT / "services" / "orientation" / "migrations",
    "agenda": ROOT / "services" / "agenda" / "migrations",
    "notifications": ROOT / "services" / "notifications" / "migrations",
}


def alembic_config(database_url: str) -> Config:
    """An Alembic config whose version locations are the branch of `shared` and each service."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "shared" / "migrations"))
    config.set_main_option("version_locations", " ".join(str(path) for path in BRANCHES.values()))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Bring the database to the newest revision of every branch (idempotent)."""
    command.upgrade(alembic_config(database_url), "heads")


def new_revision(database_url: str, *, branch: str, message: str) -> None:
    """Autogenerate a revision on one branch from the difference between models and database."""
    config = alembic_config(database_url)
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
        version_path=str(BRANCHES[branch]),
    )
