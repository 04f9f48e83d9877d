"""What the migrations cover, as the composition root declares it. Kept apart from
`runner.py` so that building the application does not import Alembic (only `relais db …`
and the tests that migrate do)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Schema:
    """What the migrations cover besides `shared`'s own tables, given by the composition root:
    each service's migrations folder (its branch) and the modules declaring its tables."""

    service_versions: Mapping[str, Path]
    service_model_modules: tuple[str, ...]

    @property
    def branches(self) -> dict[str, Path]:
        """Branch name → folder of its revisions; `shared` first."""
        return {"shared": HERE / "versions", **self.service_versions}
