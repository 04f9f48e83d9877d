"""What every `relais` command shares: settings from the environment and an app to work in.

Commands declared in `shared/` never import the services. The `relais` group (the composition
root, `services/cli.py`) puts its application factory in the click context, the way Flask's own
CLI carries its `ScriptInfo`, and `command_app`/`app_context` build the app with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import Flask

from shared.extensions import db
from shared.settings import ConfigurationError, Settings


@dataclass(frozen=True)
class AppFactory:
    """The composition root's application factory, carried by the `relais` click context."""

    create_app: Callable[[tuple[str, ...], Settings], Flask]
    services: tuple[str, ...]  # every service: what a command gets unless it asks for fewer


def command_settings() -> Settings:
    """The settings from the environment; a configuration error ends the command with it."""
    try:
        return Settings.from_environ()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def command_app(services: tuple[str, ...] | None = None, settings: Settings | None = None) -> Flask:
    """The app of `services` (every service by default), built by the `relais` group's factory."""
    factory = click.get_current_context().find_object(AppFactory)
    if factory is None:
        raise RuntimeError("this command builds its app with the `relais` group's factory")
    chosen = factory.services if services is None else services
    return factory.create_app(chosen, settings or command_settings())


@contextmanager
def app_context(
    services: tuple[str, ...] | None = None, settings: Settings | None = None
) -> Iterator[Flask]:
    """An app context for one command; its connections are closed when the command ends."""
    app = command_app(services, settings)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
