"""Periodic work (outbox re-dispatch, timers, digests), run by `relais worker` or embedded.

Each task is a function taking no argument, run inside an app context; each is idempotent and
safe when several workers run it at once. The composition root gives the app its list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from flask import Flask, current_app

from shared.extensions import db

log = logging.getLogger(__name__)

PeriodicTask = Callable[[], object]


def init_periodic_tasks(app: Flask, tasks: Sequence[PeriodicTask]) -> None:
    """Give `app` the tasks its sweeps run, in this order."""
    app.extensions["relais_periodic_tasks"] = tuple(tasks)


def run_periodic_tasks() -> None:
    """Run every periodic task of the current app once; one failing does not stop the others."""
    for task in current_app.extensions["relais_periodic_tasks"]:
        try:
            task()
        except Exception:  # noqa: BLE001 - logged, retried at the next sweep
            log.exception("periodic task %s.%s failed", task.__module__, task.__qualname__)
            db.session.rollback()
