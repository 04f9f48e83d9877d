"""The modules that declare tables, so the metadata is complete for migrations; every mapped
class; and the naming rule that tells a service's tables apart."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from shared.extensions import db

SHARED_MODEL_MODULES = (
    "shared.auth.models",
    "shared.audit.models",
    "shared.outbox.models",
    "shared.cases.references",
    "shared.cases.models",
)
SHARED_TABLE_PREFIXES = ("auth_", "audit_", "outbox_", "reference_", "case_")


def import_models(service_modules: Iterable[str]) -> None:
    """Import the model modules of `shared` and the services' ones (given by the caller)."""
    for module in (*SHARED_MODEL_MODULES, *service_modules):
        importlib.import_module(module)


def service_table_prefix(service: str) -> str:
    """A service's tables are named `<service>_…` (its migration branch and metrics rely on it)."""
    return f"{service}_"


def mapped_classes() -> list[Any]:
    """Every mapped model class (of the modules imported so far)."""
    model: Any = db.Model
    return [mapper.class_ for mapper in model.registry.mappers]
