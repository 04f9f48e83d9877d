"""The application factory's machinery: `build_app` mounts the services it is given.

The composition root (`services/bootstrap.py`) declares the services and the wiring; this
module never imports a service.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.audit.views import make_audit_blueprint
from shared.auth.hooks import AccountHooks, init_account_hooks
from shared.auth.views import blueprint as auth_blueprint
from shared.crypto import Keyring
from shared.db import configure_engine, engine_options
from shared.extensions import db
from shared.health import blueprint as health_blueprint
from shared.http import hardening
from shared.http.converters import register_converters
from shared.http.errors import register_error_handlers
from shared.http.openapi import build_spec
from shared.ops import install_operations
from shared.outbox.relay import init_outbox
from shared.periodic import PeriodicTask, init_periodic_tasks
from shared.settings import Settings
from shared.web import register_web

# A caller's request id is reused only if it is short and plain (it ends up in every log line).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class Service:
    """A service as the factory mounts it."""

    name: str
    title: str  # of its OpenAPI document
    register: Callable[[Flask], None]  # mounts its blueprints and pages


def build_app(
    services: Sequence[Service],
    settings: Settings,
    *,
    outbox_consumer: str,
    periodic_tasks: Sequence[PeriodicTask],
    account_hooks: AccountHooks,
) -> Flask:
    """A Flask app serving `services`; its events go to `outbox_consumer` (a dotted path), its
    sweeps run `periodic_tasks`, and accounts reach the mailer and directory by `account_hooks`."""
    app = Flask("relais", root_path=str(Path(__file__).resolve().parent))
    app.config.from_mapping(settings.to_flask_config())
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # French text stays readable
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings.database_url)
    app.config["RELAIS_SERVICES"] = tuple(service.name for service in services)
    register_extensions(app)
    register_converters(app)
    init_account_hooks(app, account_hooks)
    register_background_work(app, outbox_consumer, periodic_tasks)
    register_blueprints(app, services)
    register_error_handlers(app)
    register_request_hooks(app)
    install_operations(app)
    register_web(app)
    hardening.install(app)
    trust_proxies(app, settings.proxy_hops)
    return app


def trust_proxies(app: Flask, hops: int) -> None:
    """Behind the gateway, take the caller's address from X-Forwarded-For: login throttling
    and the audit trail would otherwise see every caller as the gateway."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in `shared.extensions`."""
    settings: Settings = app.config["RELAIS_SETTINGS"]
    app.extensions["relais_keyring"] = (
        Keyring.parse(settings.encryption_keys)
        if settings.encryption_keys
        else Keyring.derived_from_secret(settings.secret_key)
    )
    db.init_app(app)
    configure_engine(app)


def register_background_work(
    app: Flask, outbox_consumer: str, periodic_tasks: Sequence[PeriodicTask]
) -> None:
    """The outbox relay and the periodic tasks its sweeps run."""
    init_outbox(app, outbox_consumer)
    init_periodic_tasks(app, periodic_tasks)


def register_blueprints(app: Flask, services: Sequence[Service]) -> None:
    """Mount health, auth, and for each service its API, audit trail and OpenAPI document."""
    app.register_blueprint(health_blueprint)
    app.register_blueprint(auth_blueprint)
    for service in services:
        service.register(app)
        app.register_blueprint(make_audit_blueprint(service.name))
        _register_openapi(app, service)


def _register_openapi(app: Flask, service: Service) -> None:
    def openapi_document():
        return build_spec(app, service.name, service.title)

    openapi_document.__relais_public__ = True  # type: ignore[attr-defined]
    app.add_url_rule(
        f"/api/{service.name}/openapi.json", f"{service.name}_openapi", openapi_document
    )


def register_request_hooks(app: Flask) -> None:
    """A request id on every request and response (security headers: `shared.http.hardening`)."""

    @app.before_request
    def _assign_request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)

    @app.after_request
    def _response_headers(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response
