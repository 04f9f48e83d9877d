"""The one place tests make things: accounts, directory entries, patients and cases in a state.

Everything goes through the API the application serves (directory entries, signalements,
discharges, EPP referrals, teleconsultations) and reaches a state by firing the real
transitions, never by writing a state column. Accounts are the exception: they are rows with a
password hashed once per run, because argon2 is deliberately slow. A case "in the past" is
made the same way with the clock set to each instant (`time_machine`), so its history and
timestamps are the ones the services write. Patients are generated payloads
(`tests.support.payloads`), never real people.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.auth.models import ApiToken, User, UserRole
from shared.auth.service import hash_token
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.timeutil import PARIS, today_paris, utcnow
from tests.support import payloads

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only
Headers = dict[str, str]
# (transition, instant it is fired at) — the history of a case made in the past.
Step = tuple[str, dt.datetime]

MT = "/api/orientation"
DISCHARGES = "/api/orientation/discharges"
EPP = "/api/orientation/epp-referrals"
TELECONSULTATIONS = "/api/agenda/teleconsultations"


def utc(*args: int) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- accounts -------------------------------------------------------------------------------


class Accounts:
    """Creates users with roles (and a linked directory entry) and returns ready-to-use
    Authorization headers."""

    def __init__(self, app: Flask, password_hash: str):
        self.app = app
        self.password_hash = password_hash

    def create(
        self, *roles: str, professional_id: uuid.UUID | str | None = None, email: str | None = None
    ) -> Headers:
        token = uuid.uuid4().hex
        with self.app.app_context():
            user = User(
                email=email or f"{roles[0]}-{uuid.uuid4().hex[:8]}@relais.test",
                password_hash=self.password_hash,
                professional_id=uuid.UUID(str(professional_id)) if professional_id else None,
                role_rows=[UserRole(role=role) for role in roles],
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                ApiToken(
                    token_hash=hash_token(token),
                    user_id=user.id,
                    expires_at=utcnow().replace(year=utcnow().year + 1),
                )
            )
            db.session.commit()
            user_id = user.id
        return {
            "Authorization": f"Bearer {token}",
            "X-Test-User-Id": str(user_id),
            "X-Test-Email": user.email,
        }


# --- the directory --------------------------------------------------------------------------


def professional(client: FlaskClient, by: Headers, **overrides: Any) -> dict[str, Any]:
    """A directory entry registered through the agenda API by `by` (a coordinator): a GP in
    Lyon accepting new patients unless `overrides` say otherwise."""
    response = client.post(
        "/api/agenda/professionals", json=payloads.professional(**overrides), headers=by
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def professional_account(
    client: FlaskClient, accounts: Accounts, by: Headers, **overrides: Any
) -> tuple[dict[str, Any], Headers]:
    """A directory entry and the account linked to it, whose role is its profession."""
    entry = professional(client, by, **overrides)
    return entry, accounts.create(entry["profession"], professional_id=entry["id"])


# --- firing transitions ---------------------------------------------------------------------


def fire(client: FlaskClient, url: str, name: str, headers: Headers, body=None) -> dict:
    """Fire transition `name` of the case at `url` (its API address); asserts it succeeded."""
    response = client.post(f"{url}/transitions/{name}", json=body or {}, headers=headers)
    assert response.status_code == 200, (name, response.get_json())
    return response.get_json()


def created(client: FlaskClient, url: str, body: dict[str, Any], headers: Headers) -> dict:
    """POST a new case to `url`; asserts it was created."""
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def at(instant: dt.datetime) -> time_machine.travel:
    """The clock stopped at `instant`: what the services write meanwhile is dated then."""
    return time_machine.travel(instant, tick=False)


def spread(start: dt.datetime, end: dt.datetime | None, count: int) -> list[dt.datetime]:
    """`count` instants after `start`: evenly up to `end` (the last one), or a minute apart."""
    if end is None:
        return [start + dt.timedelta(minutes=index + 1) for index in range(count)]
    return [start + (end - start) * (index + 1) / count for index in range(count)]


# --- médecin-traitant cases -----------------------------------------------------------------

# Valid bodies, one per transition, so a test can fire any of them.
MT_BODIES: dict[str, dict[str, Any]] = {
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
MT_PATHS: dict[str, tuple[str, ...]] = {
    "submitted": (),
    "triaged": ("triage",),
    "proposed": ("triage", "propose"),
    "accepted": ("triage", "propose", "accept"),
    "oriented": ("triage", "propose", "accept", "confirm"),
    "on_hold_from_submitted": ("hold",),
    "on_hold_from_triaged": ("triage", "hold"),
    "cancelled": ("cancel",),
}


def situation(*, priority: int = 1, ald: bool | None = None) -> dict[str, Any]:
    """A signalement's `situation` (and the patient's birth date) giving `priority`: 1 is an
    ALD and age 70+; 2 an ALD alone; 3 no criterion. `ald` overrides the ALD."""
    has_ald = priority in (1, 2) if ald is None else ald
    body = payloads.signalement(
        ald=has_ald,
        ald_label="Diabète de type 2" if has_ald else None,
        vulnerabilities=["isolement"] if priority == 1 else [],
    )
    if priority != 1:
        body["patient"]["birth_date"] = "1990-03-14"
    elif not has_ald:
        body["situation"]["vulnerabilities"] = ["c2s", "isolement"]
    return body


def signalement(
    client: FlaskClient, by: Headers, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A médecin-traitant case in `submitted`, signalled by `by` (a generated patient)."""
    return created(client, f"{MT}/signalements", body or payloads.signalement(), by)


class World:
    """The people of a test, each made the first time a test uses them: a coordinator, a
    submitting professional, two GPs with their accounts; and médecin-traitant cases."""

    def __init__(self, app: Flask, client: FlaskClient, accounts: Accounts):
        self.app = app
        self.client = client
        self.accounts = accounts

    @cached_property
    def coordinator(self) -> Headers:
        return self.accounts.create("coordinator")

    @cached_property
    def submitter(self) -> Headers:
        return self.accounts.create("professional")

    @cached_property
    def _gp(self) -> tuple[dict[str, Any], Headers]:
        return professional_account(self.client, self.accounts, self.coordinator)

    @property
    def gp(self) -> dict[str, Any]:
        return self._gp[0]

    @property
    def gp_headers(self) -> Headers:
        return self._gp[1]

    @cached_property
    def _other_gp(self) -> tuple[dict[str, Any], Headers]:
        return professional_account(self.client, self.accounts, self.coordinator)

    @property
    def other_gp(self) -> dict[str, Any]:
        return self._other_gp[0]

    @property
    def other_gp_headers(self) -> Headers:
        return self._other_gp[1]

    def add_professional(self, **overrides: Any) -> dict[str, Any]:
        """A directory entry registered by the coordinator (a GP accepting patients by default)."""
        return professional(self.client, self.coordinator, **overrides)

    def submit(self, body: dict[str, Any] | None = None, headers: Headers | None = None) -> dict:
        """A new case in `submitted`, signalled by `headers` (the submitter by default)."""
        return signalement(self.client, self.submitter if headers is None else headers, body)

    def fire(
        self,
        case_id: str,
        name: str,
        headers: Headers | None = None,
        body: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        """POST a transition; returns the raw response."""
        if body is None:
            body = (
                {"professional_id": self.gp["id"]} if name == "propose" else MT_BODIES.get(name, {})
            )
        return self.client.post(
            f"{MT}/cases/{case_id}/transitions/{name}",
            json=body,
            headers=self.coordinator if headers is None else headers,
            **kwargs,
        )

    def case_in(self, state: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A case driven by the coordinator (the GP for `accept` and `confirm`) to `state`
        (see MT_PATHS), proposed to `gp`."""
        case = self.submit(body)
        for name in MT_PATHS[state]:
            headers = self.gp_headers if name in ("accept", "confirm") else self.coordinator
            response = self.fire(case["id"], name, headers)
            assert response.status_code == 200, (name, response.get_json())
            case = response.get_json()
        return case

    def case_through(
        self,
        created_at: dt.datetime,
        steps: Iterable[Step] = (),
        body: dict[str, Any] | None = None,
        bodies: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A case signalled at `created_at`, then taken by the coordinator through `steps`,
        each fired at its instant; every proposal goes to a GP registered for it, so that no
        decline nor monthly capacity stands in the way. `bodies` replace transition bodies."""
        with at(created_at):
            case = self.submit(body)
        url = f"{MT}/cases/{case['id']}"
        for name, instant in steps:
            with at(instant):
                if name == "propose":
                    payload = {"professional_id": self.add_professional()["id"]}
                elif name == "confirm":
                    payload = {}  # no declaration date: it must not be after the instant
                else:
                    payload = MT_BODIES.get(name, {})
                case = fire(
                    self.client, url, name, self.coordinator, (bodies or {}).get(name, payload)
                )
        return case

    def case_then(
        self,
        state: str,
        created_at: dt.datetime,
        until: dt.datetime | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A case signalled at `created_at` and taken to `state` (see MT_PATHS), its last
        transition at `until` (a minute apart without it)."""
        path = MT_PATHS[state]
        return self.case_through(
            created_at, zip(path, spread(created_at, until, len(path)), strict=True), **kwargs
        )

    def get(self, case_id: str, headers: Headers | None = None):
        """GET one case; returns the raw response."""
        return self.client.get(
            f"{MT}/cases/{case_id}", headers=self.coordinator if headers is None else headers
        )

    def proposed(self) -> dict[str, Any]:
        """A case submitted by the submitter, triaged and proposed to `gp`."""
        return self.case_in("proposed")


@pytest.fixture
def world(app: Flask, client: FlaskClient, accounts: Accounts) -> World:
    """A `World` whose coordinator, submitter and both GPs exist from the start (import this
    fixture into a directory's conftest.py)."""
    made = World(app=app, client=client, accounts=accounts)
    for person in ("coordinator", "submitter", "gp", "other_gp"):
        getattr(made, person)
    return made


# --- hospital discharges --------------------------------------------------------------------

DISCHARGE_PATHS: dict[str, tuple[str, ...]] = {
    "announced": (),
    "preparing": ("prepare",),
    "ready": ("prepare", "mark_ready"),
    "discharged": ("prepare", "mark_ready", "discharge"),
    "followed_up": ("prepare", "mark_ready", "discharge", "follow_up"),
    "cancelled": ("cancel",),
}


def discharge_body(
    *professional_ids: str, complete: bool = True, **overrides: Any
) -> dict[str, Any]:
    """A `POST /discharges` body; `complete` fills what `mark_ready` needs."""
    today = today_paris()
    body: dict[str, Any] = {
        "patient": payloads.patient(),
        "hospital": {"name": "Centre hospitalier de test", "service": "Gériatrie"},
        "admission_date": (today - dt.timedelta(days=5)).isoformat(),
        "home_services": ["ssiad"],
        "city_professionals": [{"professional_id": pid} for pid in professional_ids],
    }
    if complete:
        body |= {
            "planned_discharge_date": (today + dt.timedelta(days=3)).isoformat(),
            "summary": "Chute à domicile, fracture du poignet opérée, autonomie conservée.",
            "prescription": "Paracétamol 1 g x3/j pendant 5 jours ; soins de plaie J+2.",
        }
    body.update(overrides)
    return body


def _discharge_transition_body(name: str) -> dict[str, Any]:
    if name == "discharge":
        return {"actual_date": today_paris().isoformat()}
    if name == "follow_up":
        return {"outcome": "Appel de suivi : retour à domicile sans difficulté."}
    return {}


def discharge(
    client: FlaskClient,
    dac: Headers,
    *professional_ids: str,
    state: str = "announced",
    **overrides: Any,
) -> dict[str, Any]:
    """A discharge case created by `dac` and taken by them to `state` (DISCHARGE_PATHS)."""
    case = created(client, DISCHARGES, discharge_body(*professional_ids, **overrides), dac)
    for name in DISCHARGE_PATHS[state]:
        case = fire(
            client, f"{DISCHARGES}/{case['id']}", name, dac, _discharge_transition_body(name)
        )
    return case


def discharge_through(
    client: FlaskClient, dac: Headers, created_at: dt.datetime, steps: Sequence[Step]
) -> dict[str, Any]:
    """A discharge created at `created_at` (planned three days later), then taken through
    `steps`, each fired at its instant (a discharge on its instant's Paris date)."""
    with at(created_at):
        case = discharge(client, dac)
    for name, instant in steps:
        with at(instant):
            case = fire(
                client, f"{DISCHARGES}/{case['id']}", name, dac, _discharge_transition_body(name)
            )
    return case


# --- EPP referrals --------------------------------------------------------------------------


def epp_referral_body(*, weeks: int | None = 10, **overrides: Any) -> dict[str, Any]:
    """A `POST /epp-referrals` body."""
    body: dict[str, Any] = {
        "patient": payloads.patient(birth_date="1994-06-02", sex="F"),
        "pregnancy": {"weeks": weeks},
        "notes": "Première grossesse.",
    }
    body.update(overrides)
    return body


def epp_referral(
    client: FlaskClient,
    by: Headers,
    *,
    state: str = "submitted",
    coordinator: Headers | None = None,
    midwife: tuple[dict[str, Any], Headers] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An EPP referral made by `by`, assigned by `coordinator` to `midwife` (entry, headers)
    and taken to `state`: submitted, assigned, accepted, completed or cancelled."""
    referral = created(client, EPP, epp_referral_body(**overrides), by)
    url = f"{EPP}/{referral['id']}"
    if state == "cancelled":
        return fire(client, url, "cancel", coordinator or by)
    if state == "submitted":
        return referral
    assert coordinator is not None and midwife is not None, "assigning needs both"
    entry, headers = midwife
    referral = fire(client, url, "assign", coordinator, {"professional_id": entry["id"]})
    if state in ("accepted", "completed"):
        referral = fire(client, url, "accept", headers)
    if state == "completed":
        referral = fire(client, url, "complete", headers, {"epp_date": today_paris().isoformat()})
    assert referral["state"] == state
    return referral


# --- teleconsultations ----------------------------------------------------------------------


def paris(day: dt.date, hhmm: str) -> str:
    """`day` at `hhmm` in Paris, ISO 8601 with its offset."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=PARIS).isoformat()


def teleconsultation_body(day: dt.date, **overrides: Any) -> dict[str, Any]:
    """A `POST /teleconsultations` body: a window over `day`'s working hours in Paris."""
    body = {
        "patient": payloads.patient(),
        "reason": "Plaie chronique à réévaluer.",
        "window": {"from": paris(day, "08:00"), "to": paris(day, "18:00")},
    }
    body.update(overrides)
    return body


def teleconsultation(
    client: FlaskClient,
    nurse: Headers,
    day: dt.date,
    *,
    state: str = "requested",
    gp: Headers | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A teleconsultation requested by `nurse` over `day`, paired by her with a published
    slot (`scheduled`), then completed by the `gp` of that slot (`completed`)."""
    case = created(client, TELECONSULTATIONS, teleconsultation_body(day, **overrides), nurse)
    url = f"{TELECONSULTATIONS}/{case['id']}"
    if state in ("scheduled", "completed"):
        case = fire(client, url, "pair", nurse)
    if state == "completed":
        assert gp is not None, "the GP of the slot completes it"
        case = fire(client, url, "complete", gp)
    assert case["state"] == state
    return case


# --- reading back ---------------------------------------------------------------------------


def count(app: Flask, model: Any) -> int:
    """Rows of `model` in the database."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def table_counts(app: Flask) -> dict[str, int]:
    """Row count of every table: compared before and after a refused request."""
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables
        }


def events(app: Flask, name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events called `name`, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.created_at)
        )
        return [row.payload for row in rows]
