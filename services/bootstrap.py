"""The composition root: the services that make up Relais, and how `shared` is wired to them.

`shared/` is a library that never imports a service: which services to mount, who consumes the
outbox, which periodic tasks run, where the migrations and the models are — all is given here.
The `relais` command is in `services/cli.py`; each service's `wsgi.py` builds its app here.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from services.agenda.app import register as register_agenda
from services.agenda.directory.models import Professional
from services.agenda.directory.service import remind_stale_availability
from services.notifications.app import register as register_notifications
from services.notifications.digest import send_due_digests
from services.orientation.app import register as register_orientation
from services.orientation.medecin_traitant.timers import sweep_proposals
from shared.app_factory import Service, build_app
from shared.auth.hooks import AccountHooks
from shared.extensions import db
from shared.migrations.schema import Schema
from shared.outbox.relay import relay_outbox
from shared.settings import Settings

HERE = Path(__file__).resolve().parent

ALL_SERVICES = (
    Service(
        name="orientation",
        title="Relais — orientation (médecin traitant, sorties d'hospitalisation, EPP)",
        register=register_orientation,
    ),
    Service(name="agenda", title="Relais — agenda partagé et annuaire", register=register_agenda),
    Service(name="notifications", title="Relais — notifications", register=register_notifications),
)
SERVICES = tuple(service.name for service in ALL_SERVICES)

# The consumer of every outbox event, by dotted path: RQ enqueues it by name.
OUTBOX_CONSUMER = "services.notifications.jobs.deliver_event"

# Timers first: the events they emit are then handed over by the relay in the same pass.
PERIODIC_TASKS = (sweep_proposals, remind_stale_availability, send_due_digests, relay_outbox)

# Each service's tables: declared in its `models.py`, migrated on its own branch.
SCHEMA = Schema(
    service_versions={name: HERE / name / "migrations" for name in SERVICES},
    service_model_modules=tuple(f"services.{name}.models" for name in SERVICES),
)


def professional_by_rpps(rpps: str) -> uuid.UUID | None:
    """The id of the directory entry with this RPPS."""
    return db.session.scalar(select(Professional.id).where(Professional.rpps == rpps))


ACCOUNT_HOOKS = AccountHooks(professional_by_rpps=professional_by_rpps)


def create_app(services: tuple[str, ...] = SERVICES, settings: Settings | None = None) -> Flask:
    """Build a Flask app serving `services` (all of them for the embedded server)."""
    by_name = {service.name: service for service in ALL_SERVICES}
    return build_app(
        [by_name[name] for name in services],
        settings or Settings.from_environ(),
        outbox_consumer=OUTBOX_CONSUMER,
        periodic_tasks=PERIODIC_TASKS,
        account_hooks=ACCOUNT_HOOKS,
    )
