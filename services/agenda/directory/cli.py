"""`relais directory …`: import the Annuaire Santé extract or the CPTS's list."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shared.commands import app_context


@click.group()
def directory() -> None:
    """Annuaire des professionnels et des structures."""


@directory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=click.Choice(["rpps", "csv", "xlsx"]), required=True)
@click.option("--dry-run", is_flag=True, help="Analyser sans rien enregistrer.")
@click.option("--departement", default=None, help="Ne garder qu'un département (ex. 77).")
@click.option("--communes", default=None, help="Codes INSEE séparés par des virgules.")
@click.option("--professions", default=None, help="ex. gp,nurse,midwife")
def import_command(
    file: Path,
    file_format: str,
    dry_run: bool,
    departement: str | None,
    communes: str | None,
    professions: str | None,
) -> None:
    """Import FILE into the directory; prints the report as JSON (exit 2 on refusal)."""
    from services.agenda.directory import imports
    from shared.errors import DomainError, ValidationFailed

    def progress(line: int, report: imports.ImportReport) -> None:
        click.echo(
            f"… ligne {line:,} : {report.created} créés, {report.updated} mis à jour, "
            f"{report.skipped} ignorés, {report.rejected_total} rejetés".replace(",", " "),
            err=True,
        )

    with app_context(services=("agenda",)):
        try:
            if file_format == "rpps":
                filters = imports.ExtractFilters.parse(
                    departement=departement, communes=communes, professions=professions
                )
                with file.open("rb") as stream:
                    report = imports.import_extract(
                        stream, filters=filters, dry_run=dry_run, progress=progress
                    )
            else:
                rows = imports.list_rows(file.read_bytes(), file_format)
                report = imports.import_list(rows, dry_run=dry_run)
        except ValidationFailed as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            for where, messages in exc.fields.items():
                click.echo(f"  {where} : {' '.join(messages)}", err=True)
            sys.exit(2)
        except DomainError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            sys.exit(2)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
