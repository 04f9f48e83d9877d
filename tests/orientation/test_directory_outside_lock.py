"""Transitions that check a professional in the directory (`propose` a GP, `assign` a
midwife) ask the agenda before locking the case: with the services deployed apart, a slow or
failing agenda never holds a case row locked, and every check still holds under the lock."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from tests.support import factories, payloads
from tests.support.processes import plain_pg_url
from tests.support.servers import free_port, serve_wsgi

MT = "/api/orientation/cases"
EPP = "/api/orientation/epp-referrals"


def row_locked(database_url: str, table: str, row_id: str) -> bool:
    """Whether another transaction holds `row_id` of `table` locked (on SQLite: whether a
    write transaction is open, SQLite locking the whole database)."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0) as conn:
            conn.isolation_level = None
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            conn.execute("ROLLBACK")
            return False
    with psycopg.connect(plain_pg_url(database_url)) as conn:
        try:
            conn.execute(
                f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT",  # noqa: S608 - our table
                (uuid.UUID(row_id),),
            )
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            conn.rollback()
        return False


@dataclass
class Agenda:
    """The agenda service served apart, watching the directory calls orientation makes."""

    url: str
    database_url: str
    watched: tuple[str, str] | None = None  # (table, id) of the case whose lock is probed
    locked_during_calls: list[bool] = field(default_factory=list)
    during_next_call: Callable[[], Any] | None = None

    def directory_called(self) -> None:
        if self.watched:
            self.locked_during_calls.append(row_locked(self.database_url, *self.watched))
        if self.during_next_call:
            action, self.during_next_call = self.during_next_call, None
            action()


@pytest.fixture
def agenda(service_app, settings) -> Iterator[Agenda]:
    agenda_app = service_app("agenda")
    state: dict[str, Agenda] = {}

    def watching(environ, start_response):
        if environ["PATH_INFO"] == "/api/agenda/professionals":
            state["agenda"].directory_called()
        return agenda_app(environ, start_response)

    with serve_wsgi(watching) as url:
        state["agenda"] = Agenda(url=url, database_url=settings.database_url)
        yield state["agenda"]


@pytest.fixture
def apart(service_app, agenda):
    """The orientation service alone, reaching the directory over HTTP."""
    return service_app("orientation", service_urls={"agenda": agenda.url}).test_client()


@pytest.fixture
def people(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    return {
        "coordinator": coordinator,
        "gp": gp,
        "gp_headers": gp_headers,
        "nurse": factories.professional(client, coordinator, profession="nurse"),
        "midwife": factories.professional(client, coordinator, profession="midwife"),
        "submitter": accounts.create("professional"),
    }


def _triaged_case(client, people, submitter=None) -> dict[str, Any]:
    case = factories.signalement(client, submitter or people["submitter"])
    return factories.fire(client, case, "triage", people["coordinator"], {"synthesis": "Synthèse."})


def _propose(client, people, case, professional_id, **kwargs):
    return client.post(
        f"{MT}/{case['id']}/transitions/propose",
        json={"professional_id": professional_id},
        headers=kwargs.pop("headers", people["coordinator"]),
        **kwargs,
    )


def test_propose_asks_the_directory_while_the_case_is_not_locked(apart, agenda, people, client):
    case = _triaged_case(client, people)
    agenda.watched = ("orientation_mt_cases", case["id"])

    response = _propose(apart, people, case, people["gp"]["id"])

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["proposed_professional_id"] == people["gp"]["id"]
    assert agenda.locked_during_calls == [False]


def test_assign_asks_the_directory_while_the_referral_is_not_locked(apart, agenda, people, client):
    created = client.post(EPP, json=factories.epp_referral_body(), headers=people["submitter"])
    referral = created.get_json()
    agenda.watched = ("orientation_epp_referrals", referral["id"])

    response = apart.post(
        f"{EPP}/{referral['id']}/transitions/assign",
        json={"professional_id": people["midwife"]["id"]},
        headers=people["coordinator"],
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assigned_professional_id"] == people["midwife"]["id"]
    assert agenda.locked_during_calls == [False]


def test_a_change_made_during_the_directory_call_is_seen_under_the_lock(
    apart, agenda, people, client, app
):
    """The checks run again once the case is locked: a case put on hold while the directory
    answered is not proposed (409), and nothing of the proposal is stored."""
    case = _triaged_case(client, people)
    held: list[int] = []
    agenda.during_next_call = lambda: held.append(
        client.post(
            f"{MT}/{case['id']}/transitions/hold",
            json={"reason": "Patient injoignable."},
            headers=people["coordinator"],
        ).status_code
    )

    response = _propose(apart, people, case, people["gp"]["id"])

    assert held == [200]
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_transition"
    current = client.get(f"{MT}/{case['id']}", headers=people["coordinator"]).get_json()
    assert (current["state"], current["version"]) == ("on_hold", case["version"] + 1)
    assert current["proposed_professional_id"] is None
    assert [h["transition"] for h in current["history"]] == ["submit", "triage", "hold"]


def test_an_unreachable_directory_stores_nothing(service_app, people, client, app):
    down = service_app("orientation", service_urls={"agenda": f"http://127.0.0.1:{free_port()}"})
    case = _triaged_case(client, people)
    before = factories.table_counts(app)

    response = _propose(down.test_client(), people, case, people["gp"]["id"])

    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "code": "service_unavailable",
        "message": "L'annuaire (service agenda) ne répond pas.",
    }
    assert factories.table_counts(app) == before
    current = client.get(f"{MT}/{case['id']}", headers=people["coordinator"]).get_json()
    assert (current["state"], current["version"]) == ("triaged", case["version"])


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        ("a_gp_may_not_propose", 403, "forbidden"),
        ("stale_version", 409, "version_conflict"),
        ("not_triaged_yet", 409, "invalid_transition"),
        ("no_professional", 422, "validation_error"),
    ],
)
def test_a_refused_proposal_never_calls_the_directory(
    apart, agenda, people, client, app, refusal, status, code
):
    # The GP signalled the patient: they see the case, so they are told 403, not 404.
    case = _triaged_case(client, people, submitter=people["gp_headers"])
    if refusal == "not_triaged_yet":
        case = client.post(
            "/api/orientation/signalements",
            json=payloads.signalement(),
            headers=people["submitter"],
        ).get_json()
    agenda.watched = ("orientation_mt_cases", case["id"])
    before = factories.table_counts(app)
    body = {} if refusal == "no_professional" else {"professional_id": people["gp"]["id"]}
    headers = people["gp_headers"] if refusal == "a_gp_may_not_propose" else people["coordinator"]
    if refusal == "stale_version":
        headers = {**headers, "If-Match": f'"{case["version"] - 1}"'}

    response = apart.post(f"{MT}/{case['id']}/transitions/propose", json=body, headers=headers)

    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert agenda.locked_during_calls == []
    assert factories.table_counts(app) == before


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nurse", "Ce professionnel n'est pas médecin généraliste."),
        ("unknown", "Ce professionnel n'existe pas dans l'annuaire."),
        (
            "declined_before",
            "Ce médecin a déjà refusé ce patient ou laissé expirer la proposition.",
        ),
    ],
)
def test_the_directory_answer_still_validates_the_proposal(
    apart, agenda, people, client, app, target, message
):
    case = _triaged_case(client, people)
    professional_id = {"nurse": people["nurse"]["id"], "unknown": str(uuid.uuid4())}.get(
        target, people["gp"]["id"]
    )
    if target == "declined_before":
        assert _propose(client, people, case, people["gp"]["id"]).status_code == 200
        declined = client.post(
            f"{MT}/{case['id']}/transitions/decline",
            json={"reason": "Patientèle complète."},
            headers=people["gp_headers"],
        )
        case = declined.get_json()
        # Closed to new patients since: the earlier refusal is still the reason given.
        closed = client.patch(
            f"/api/agenda/professionals/{people['gp']['id']}",
            json={"accepts_new_patients": False},
            headers=people["coordinator"],
        )
        assert closed.status_code == 200, closed.get_json()
    before = factories.table_counts(app)

    response = _propose(apart, people, case, professional_id)

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"] == {"professional_id": [message]}
    assert factories.table_counts(app) == before
