"""The authenticated caller, as views and services see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: identity, roles and the directory entry they act for."""

    user_id: uuid.UUID
    email: str
    roles: frozenset[str]
    professional_id: uuid.UUID | None = None
    token: str | None = None
    organisation_id: uuid.UUID | None = None
    # `password` or `psc` for a page session, `token` for a bearer token.
    auth_method: str = "token"

    def has(self, *roles: str) -> bool:
        """True when the caller holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)


SYSTEM = Principal(user_id=uuid.UUID(int=0), email="system@relais", roles=frozenset({"system"}))
