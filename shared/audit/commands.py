"""`relais audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

import sys

import click
from sqlalchemy import create_engine, pool
from sqlalchemy.orm import Session

from shared.audit.verification import verify_chain
from shared.commands import command_settings


@click.command("verify")
def audit_verify() -> None:
    """Recompute the audit trail's hash chain; exit 1 at its first broken link."""
    settings = command_settings()
    # Reading the trail needs no application: an engine on the database is enough.
    engine = create_engine(settings.database_url, poolclass=pool.NullPool)
    try:
        with Session(engine) as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    broken = report.broken
    if broken is None:
        click.echo("Chaîne intacte.")
        click.echo(
            f"{report.checked} entrée(s) vérifiée(s), n° {report.first_seq} à {report.head_seq} ; "
            f"empreinte de tête : {report.head_hash}"
        )
        return
    where = f"n° {broken.seq}"
    if broken.entry_id is not None and broken.at is not None:
        where += f" (id {broken.entry_id}, {broken.at.isoformat()})"
    click.echo(f"Chaîne rompue à l'entrée {where} : {broken.reason}.", err=True)
    click.echo(f"{report.checked} entrée(s) intacte(s) avant elle.", err=True)
    sys.exit(1)
