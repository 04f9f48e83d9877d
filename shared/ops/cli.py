"""Operator commands: `relais check`, `relais backup`."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from shared.commands import command_settings


@click.command("check")
def check() -> None:
    """List what is unsafe in this configuration for production (exit 1 if anything is)."""
    from shared.ops.checks import check_accounts, check_environment

    findings = check_environment(os.environ) + check_accounts(os.environ)
    for finding in findings:
        label = "DANGER" if finding.unsafe else "conseil"
        click.echo(f"[{label}] {finding.setting} : {finding.message}")
    unsafe = [f for f in findings if f.unsafe]
    if unsafe:
        click.echo(f"{len(unsafe)} réglage(s) dangereux pour la production.", err=True)
        sys.exit(1)
    click.echo("Aucun réglage dangereux.")


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier à écrire (var/backups/relais-<date>.<ext> par défaut).",
)
def backup(output: Path | None) -> None:
    """Copy the database to one file (pg_dump custom format, or a SQLite file)."""
    from shared.ops.backup import BackupFailed, backup_database

    settings = command_settings()
    if output is None:
        suffix = "sqlite3" if settings.database_url.startswith("sqlite") else "dump"
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        output = Path("var") / "backups" / f"relais-{stamp}.{suffix}"
    try:
        written = backup_database(settings.database_url, output)
    except FileExistsError as exc:
        raise click.ClickException(f"Le fichier existe déjà : {output}.") from exc
    except BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(written))
