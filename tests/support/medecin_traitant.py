"""A small world for médecin-traitant tests: accounts, GPs, and cases driven to any state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.extensions import db
from tests.support import payloads

BASE = "/api/orientation"
# Valid bodies, one per transition, so a test can fire any of them.
BODIES: dict[str, dict[str, Any]] = {
    "triage": {"synthesis": "Patiente isolée, diabète équilibré."},
    "accept": {},
    "decline": {"reason": "Patientèle complète."},
    "confirm": {"declared_on": "2026-01-05"},
    "hold": {"reason": "Patient injoignable pour l'instant."},
    "resume": {},
    "cancel": {"reason": "found_gp"},
    "expire": {},
}
# How to reach each state from `submitted` (the coordinator fires these).
PATHS: dict[str, tuple[str, ...]] = {
    "submitted": (),
    "triaged": ("triage",),
    "proposed": ("triage", "propose"),
    "accepted": ("triage", "propose", "accept"),
    "oriented": ("triage", "propose", "accept", "confirm"),
    "on_hold_from_submitted": ("hold",),
    "on_hold_from_triaged": ("triage", "hold"),
    "cancelled": ("cancel",),
}


def table_counts(app: Flask) -> dict[str, int]:
    """Row count of every table: compared before and after a refused request."""
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables
        }


@dataclass
class World:
    """A coordinator, a submitting professional, two GPs with their accounts."""

    app: Flask
    client: FlaskClient
    accounts: Any
    coordinator: dict[str, str] = field(init=False)
    submitter: dict[str, str] = field(init=False)
    gp: dict[str, Any] = field(init=False)
    gp_headers: dict[str, str] = field(init=False)
    other_gp: dict[str, Any] = field(init=False)
    other_gp_headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.coordinator = self.accounts.create("coordinator")
        self.submitter = self.accounts.create("professional")
        self.gp = self.add_professional()
        self.gp_headers = self.accounts.create("gp", professional_id=self.gp["id"])
        self.other_gp = self.add_professional()
        self.other_gp_headers = self.accounts.create("gp", professional_id=self.other_gp["id"])

    def add_professional(self, **overrides: Any) -> dict[str, Any]:
        """A directory entry registered through the API (a GP accepting patients by default)."""
        response = self.client.post(
            "/api/agenda/professionals",
            json=payloads.professional(**overrides),
            headers=self.coordinator,
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def submit(self, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        """A new case in `submitted`, signalled by `headers` (the submitter by default)."""
        response = self.client.post(
            f"{BASE}/signalements",
            json=body or payloads.signalement(),
            headers=self.submitter if headers is None else headers,
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def fire(
        self,
        case_id: str,
        name: str,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        """POST a transition; returns the raw response."""
        if body is None:
            body = {"professional_id": self.gp["id"]} if name == "propose" else BODIES.get(name, {})
        return self.client.post(
            f"{BASE}/cases/{case_id}/transitions/{name}",
            json=body,
            headers=self.coordinator if headers is None else headers,
            **kwargs,
        )

    def case_in(self, state: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A case driven by the coordinator (the GP for `accept`) to `state` (see PATHS)."""
        case = self.submit(body)
        for name in PATHS[state]:
            headers = self.gp_headers if name in ("accept", "confirm") else self.coordinator
            response = self.fire(case["id"], name, headers)
            assert response.status_code == 200, (name, response.get_json())
            case = response.get_json()
        return case

    def get(self, case_id: str, headers: dict[str, str] | None = None):
        """GET one case; returns the raw response."""
        return self.client.get(
            f"{BASE}/cases/{case_id}", headers=self.coordinator if headers is None else headers
        )


@pytest.fixture
def world(app: Flask, client: FlaskClient, accounts: Any) -> World:
    """A fresh `World` (import this fixture into a directory's conftest.py)."""
    return World(app=app, client=client, accounts=accounts)
