"""Periodic work (outbox re-dispatch, timers, digests), run by `relais worker` or embedded.

Each task is an importable function taking no argument, run inside an app context; each is
idempotent and safe when several workers run it at once. Add a task with one line below.
"""

from __future__ import annotations

import importlib
import logging

from shared.extensions import db

log = logging.getLogger(__name__)

# Timers first: the events they emit are then handed over by the relay in the same pass.
PERIODIC_TASKS = (
    "services.orientation.medecin_traitant.timers.sweep_proposals",
    "services.notifications.digest.send_due_digests",
    "shared.outbox.relay.relay_outbox",
)


def run_periodic_tasks() -> None:
    """Run every periodic task once; one failing task does not stop the others."""
    for path in PERIODIC_TASKS:
        module, _, name = path.rpartition(".")
        try:
            getattr(importlib.import_module(module), name)()
        except Exception:  # noqa: BLE001 - logged, retried at the next sweep
            log.exception("periodic task %s failed", path)
            db.session.rollback()
