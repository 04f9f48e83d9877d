"""Import every module that declares tables, so metadata is complete for migrations."""

from __future__ import annotations

import importlib

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
