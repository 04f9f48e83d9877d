"""`relais orientation import FILE [--dry-run]`: load a CPTS's existing waiting list."""

from __future__ import annotations

import json
from pathlib import Path

import click

from services.orientation.medecin_traitant.intake.waiting_list import import_waiting_list
from shared.auth.principal import SYSTEM
from shared.commands import app_context
from shared.errors import ValidationFailed


@click.group("orientation")
def orientation() -> None:
    """Orientation des patients : import d'une liste d'attente."""


@orientation.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Vérifier le fichier sans rien enregistrer.")
def import_command(file: Path, dry_run: bool) -> None:
    """Importer une liste d'attente (CSV « ; » ou XLSX, colonnes du modèle) : tout ou rien.

    Prints the report as JSON; exit 2 with the rejected rows when any row is refused."""
    with app_context(("orientation",)):
        try:
            report = import_waiting_list(data=file.read_bytes(), principal=SYSTEM, dry_run=dry_run)
        except ValidationFailed as error:
            click.echo(error.message, err=True)
            for line, messages in error.fields.items():
                click.echo(f"  {line} : {' ; '.join(messages)}", err=True)
            raise SystemExit(2) from error
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
