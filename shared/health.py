"""`/healthz` (the process answers) and `/readyz` (its database and Redis answer)."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from shared.auth.permissions import public
from shared.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@public
def healthz():
    """The process is up."""
    return {"status": "ok"}


@blueprint.get("/readyz")
@public
def readyz():
    """The database (and Redis, when configured) answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = "indisponible"
    finally:
        db.session.rollback()
    settings = current_app.config["RELAIS_SETTINGS"]
    if settings.redis_url:
        # redis is imported only by a process configured with it (`relais run` never is).
        from shared.queue import redis_connection

        try:
            redis_connection(settings.redis_url).ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001
            checks["redis"] = "indisponible"
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ok" if ready else "indisponible", "checks": checks}, 200 if ready else 503
