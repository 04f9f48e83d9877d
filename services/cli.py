"""The `relais` command: serve, migrate, seed, manage accounts (part of the composition root)."""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
import uuid

import click

from services.agenda.directory.cli import directory
from services.agenda.directory.service import get_professional
from services.bootstrap import SCHEMA, SERVICES, create_app
from services.orientation.indicators.cli import seed_synthetic
from services.orientation.medecin_traitant.intake.cli import orientation
from shared import security_commands
from shared.audit.commands import audit_verify
from shared.auth.service import create_user
from shared.commands import AppFactory, app_context, command_app, command_settings
from shared.errors import DomainError, NotFound, ValidationFailed
from shared.ops.cli import backup, check
from shared.settings import DEFAULT_PORT, Settings, served_url


class RelaisGroup(click.Group):
    """The `relais` group, whose `worker` command is imported only when it is asked for: it
    brings RQ and redis (about 9 MB), which `relais run` without Redis never needs."""

    lazy = {"worker": "services.notifications.worker:worker"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, the lazy ones included."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command `cmd_name`, imported now if it is a lazy one."""
        if cmd_name in self.lazy:
            module, _, name = self.lazy[cmd_name].partition(":")
            return getattr(importlib.import_module(module), name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=RelaisGroup)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Relais : orientation des patients et coordination des soins pour les CPTS."""
    # Commands that need an app, wherever they are declared, build it with this factory.
    ctx.obj = AppFactory(create_app=create_app, services=SERVICES)


@cli.command()
@click.option("--port", type=int, default=None, envvar="PORT", help="Port d'écoute (8000).")
@click.option("--host", default="127.0.0.1", show_default=True)
def run(port: int | None, host: str) -> None:
    """Serve every service in one process (embedded mode)."""
    from shared.server import serve

    port = port or DEFAULT_PORT
    serve(command_app(settings=_served_settings(host, port)), host=host, port=port)


def _served_settings(host: str, port: int) -> Settings:
    """The settings of `relais run` on host:port: without PUBLIC_URL, links point to it."""
    settings = command_settings()
    if os.environ.get("PUBLIC_URL"):
        return settings
    return dataclasses.replace(settings, public_url=served_url(host=host, port=port))


@cli.command()
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--port", type=int, default=None, envvar="PORT")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(service: str, port: int | None, host: str) -> None:
    """Serve one service."""
    from shared.server import serve as serve_app

    serve_app(command_app((service,)), host=host, port=port or DEFAULT_PORT)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (idempotent)."""
    # Alembic is loaded by the `db` commands only: `relais run` and its workers never need it.
    from shared.migrations.runner import upgrade

    upgrade(command_settings().database_url, SCHEMA)
    click.echo("Base de données à jour.")


@db.command("revision")
@click.option("--branch", required=True, type=click.Choice(["shared", *SERVICES]))
@click.option("-m", "--message", required=True)
def db_revision(branch: str, message: str) -> None:
    """Autogenerate a migration on one branch (for developers)."""
    from shared.migrations.runner import new_revision

    new_revision(command_settings().database_url, SCHEMA, branch=branch, message=message)


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--professional-id", default=None)
@click.option("--organisation-id", default=None)
@click.option("--idnps", default=None, help="Identifiant Pro Santé Connect (8 + RPPS).")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Lire le mot de passe sur l'entrée standard.",
)
def user_add(
    email: str,
    roles: tuple[str, ...],
    professional_id: str | None,
    organisation_id: str | None,
    idnps: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; prints its id."""

    password = sys.stdin.readline().rstrip("\n") if password_stdin else ""
    try:
        pid = uuid.UUID(professional_id) if professional_id else None
        oid = uuid.UUID(organisation_id) if organisation_id else None
    except ValueError:
        click.echo(
            "Erreur : --professional-id et --organisation-id doivent être un identifiant (UUID).",
            err=True,
        )
        sys.exit(2)
    with app_context(services=()):
        try:
            if pid is not None:
                _require_directory_entry(pid)
            created = create_user(
                email=email,
                password=password,
                roles=list(roles),
                professional_id=pid,
                organisation_id=oid,
                idnps=idnps,
            )
        except ValidationFailed as exc:
            for field, messages in exc.fields.items():
                click.echo(f"Erreur ({field}) : {' '.join(messages)}", err=True)
            sys.exit(2)
        except DomainError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            sys.exit(2)
        click.echo(str(created.id))


def _require_directory_entry(professional_id: uuid.UUID) -> None:
    """Refuse an id no directory entry carries.

    Read in the database every service of a CPTS shares, where the agenda keeps its directory
    even when it runs apart (`AGENDA_URL`): over HTTP, a command has no caller's token to show.
    """

    try:
        get_professional(professional_id)
    except NotFound as exc:
        raise ValidationFailed(
            {
                "professional_id": [
                    f"Aucune fiche de l'annuaire ne porte l'identifiant {professional_id}."
                ]
            }
        ) from exc


@cli.command("seed-demo")
def seed_demo() -> None:
    """Load generated demo data and print the demo accounts (development only)."""
    from services.demo import seed_demo_data

    settings = command_settings()
    if settings.env == "production":
        raise click.ClickException("Les données de démonstration sont refusées en production.")
    with app_context(settings=settings):
        for line in seed_demo_data():
            click.echo(line)


cli.add_command(check)
cli.add_command(backup)
cli.add_command(security_commands.security)
cli.add_command(security_commands.audit)
security_commands.audit.add_command(audit_verify)
cli.add_command(security_commands.keys)
cli.add_command(security_commands.patient)
user.add_command(security_commands.user_disable)
cli.add_command(seed_synthetic)
cli.add_command(directory)
cli.add_command(orientation)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="relais")
