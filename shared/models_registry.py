"""Import every module that declares tables, so metadata is complete for migrations."""

from __future__ import annotations

import importlib
from typing import Any

MODEL_MODULES = (
    "shared.auth.models",
    "shared.audit.models",
    "shared.outbox.models",
    "shared.cases.references",
    "services.orientation.models",
    "services.agenda.models",
    "services.notifications.models",
)


def import_all_models() -> None:
    """Import the model modules of `shared` and of every service."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def mapped_classes() -> list[Any]:
    """Every mapped model class (of the modules imported so far)."""
    from shared.extensions import db

    model: Any = db.Model
    return [mapper.class_ for mapper in model.registry.mappers]
