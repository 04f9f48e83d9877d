"""Fixtures of the deployment tests: apps serving a subset of the services."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from shared.app_factory import create_app
from shared.extensions import db
from shared.settings import Settings


@pytest.fixture
def service_app(settings: Settings, app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build `create_app(services, settings + overrides)`; its connections closed afterwards.

    Depends on `app` so that the tables are emptied after the test as usual.
    """
    built: list[Flask] = []

    def build(*services: str, **overrides: object) -> Flask:
        application = create_app(services, dataclasses.replace(settings, **overrides))
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
