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
        self,
        *roles: str,
        professional_id: uuid.UUID | str | None = None,
        email: str | None = None,
        idnps: str | None = None,
    ) -> Headers:
        """An account with `roles` (linked to a directory entry if given); its headers."""
        token = uuid.uuid4().hex
        with self.app.app_context():
            user = User(
                email=email or f"{roles[0]}-{uuid.uuid4().hex[:8]}@relais.test",
                password_hash=self.password_hash,
                professional_id=uuid.UUID(str(professional_id)) if professional_id else None,
                idnps=idnps,
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


# Where the API serves each kind of case.
CASE_URLS = {
    "medecin_traitant": f"{MT}/cases",
    "sortie_hospitalisation": DISCHARGES,
    "epp": EPP,
    "teleconsultation": TELECONSULTATIONS,
}


def fire(client: FlaskClient, case: dict[str, Any], name: str, by: Headers, body=None) -> dict:
    """Fire transition `name` of `case` (as the API returned it) as `by`; asserts it succeeded
    and returns the case."""
    url = f"{CASE_URLS[case['kind']]}/{case['id']}/transitions/{name}"
    response = client.post(url, json=body or {}, headers=by)
    assert response.status_code == 200, (name, response.get_json())
    return response.get_json()


def created(client: FlaskClient, url: str, body: dict[str, Any], by: Headers) -> dict:
    """POST a new case to `url` as `by`; asserts it was created."""
    response = client.post(url, json=body, headers=by)
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


def signalement_of_priority(priority: int) -> dict[str, Any]:
    """A signalement body whose computed priority is `priority`: 1 an ALD at 70 or more (the
    default body), 2 an ALD alone, 3 no criterion at all (no ALD)."""
    if priority == 1:
        return payloads.signalement()
    body = payloads.signalement(
        ald=priority == 2,
        ald_label="Diabète de type 2" if priority == 2 else None,
        vulnerabilities=[],
    )
    payloads.changed_patient(body["patient"], birth_date="1990-03-14")
    return body


def signalement(
    client: FlaskClient, by: Headers, body: dict[str, Any] | None = None, **patient: Any
) -> dict[str, Any]:
    """A médecin-traitant case in `submitted`, signalled by `by`: a generated patient, with
    `patient` fields changed."""
    body = body or payloads.signalement()
    if patient:
        payloads.changed_patient(body["patient"], **patient)
    return created(client, f"{MT}/signalements", body, by)


class World:
    """The people of a test, each made the first time a test uses them: a coordinator, a
    submitting professional, two GPs with their accounts; and médecin-traitant cases."""

    def __init__(self, client: FlaskClient, accounts: Accounts):
        self.client = client
        self.accounts = accounts

    @property
    def app(self) -> Flask:
        """The application under test."""
        return self.client.application

    def with_people(self, *names: str) -> World:
        """Make these people now, in this order (e.g. before the events a test counts)."""
        for name in names:
            getattr(self, name)
        return self

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

    def submit(
        self, body: dict[str, Any] | None = None, headers: Headers | None = None, **patient: Any
    ) -> dict[str, Any]:
        """A new case in `submitted`, signalled by `headers` (the submitter by default)."""
        by = self.submitter if headers is None else headers
        return signalement(self.client, by, body, **patient)

    def default_body(self, name: str) -> dict[str, Any]:
        """A valid body for transition `name` of a case of this world, fired now."""
        if name == "propose":
            return {"professional_id": self.gp["id"]}
        if name == "confirm":  # declared today: a declaration never precedes its case
            return {"declared_on": today_paris().isoformat()}
        return MT_BODIES.get(name, {})

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
            body = self.default_body(name)
        return self.client.post(
            f"{MT}/cases/{case_id}/transitions/{name}",
            json=body,
            headers=self.coordinator if headers is None else headers,
            **kwargs,
        )

    def fired(
        self, case: dict[str, Any], name: str, headers: Headers | None = None, body=None
    ) -> dict[str, Any]:
        """Fire a transition that must succeed (by the coordinator by default); the case."""
        response = self.fire(case["id"], name, headers, body)
        assert response.status_code == 200, (name, response.get_json())
        return response.get_json()

    def case_in(self, state: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A case driven by the coordinator (the GP for `accept` and `confirm`) to `state`
        (see MT_PATHS), proposed to `gp`."""
        case = self.submit(body)
        for name in MT_PATHS[state]:
            headers = self.gp_headers if name in ("accept", "confirm") else self.coordinator
            case = self.fired(case, name, headers)
        return case

    def case_through(
        self,
        created_at: dt.datetime,
        steps: Iterable[Step] = (),
        body: dict[str, Any] | None = None,
        bodies: dict[str, dict[str, Any]] | None = None,
        **patient: Any,
    ) -> dict[str, Any]:
        """A case signalled at `created_at` (with `patient` fields changed), then taken by the
        coordinator through `steps`, each fired at its instant; every proposal goes to a GP
        registered for it, so that no decline nor monthly capacity stands in the way. `bodies`
        replace transition bodies."""
        self.with_people("coordinator", "submitter")  # their tokens are issued now, not then
        with at(created_at):
            case = self.submit(body, **patient)
        for name, instant in steps:
            with at(instant):
                if name == "propose":
                    payload = {"professional_id": self.add_professional()["id"]}
                elif name == "confirm":
                    payload = {}  # no declaration date: it must not be after the instant
                else:
                    payload = MT_BODIES.get(name, {})
                case = self.fired(case, name, self.coordinator, (bodies or {}).get(name, payload))
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


@pytest.fixture
def world(client: FlaskClient, accounts: Accounts) -> World:
    """A `World` whose coordinator, submitter and both GPs exist from the start (import this
    fixture into a directory's conftest.py)."""
    return World(client, accounts).with_people("coordinator", "submitter", "gp", "other_gp")


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
        case = fire(client, case, name, dac, _discharge_transition_body(name))
    return case


def discharge_through(
    client: FlaskClient,
    dac: Headers,
    created_at: dt.datetime,
    steps: Sequence[Step],
    *professional_ids: str,
) -> dict[str, Any]:
    """A discharge created by `dac` at `created_at` (planned three days later), then taken by
    them through `steps`, each fired at its instant (a discharge on its Paris date)."""
    with at(created_at):
        case = discharge(client, dac, *professional_ids)
    for name, instant in steps:
        with at(instant):
            case = fire(client, case, name, dac, _discharge_transition_body(name))
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


EPP_PATHS: dict[str, tuple[str, ...]] = {
    "submitted": (),
    "assigned": ("assign",),
    "accepted": ("assign", "accept"),
    "completed": ("assign", "accept", "complete"),
    "cancelled": ("cancel",),
}
Midwife = tuple[dict[str, Any], Headers]  # a directory entry and its account


def _fire_epp(
    client: FlaskClient,
    referral: dict[str, Any],
    name: str,
    *,
    by: Headers,
    coordinator: Headers | None,
    midwife: Midwife | None,
) -> dict[str, Any]:
    """Fire `name` as whoever may: the coordinator assigns (and cancels, or the referrer),
    the midwife answers and records the EPP (done today)."""
    if name in ("cancel", "assign"):
        actor = coordinator or by
    else:
        assert midwife is not None, f"{name} is the midwife's"
        actor = midwife[1]
    body: dict[str, Any] = {}
    if name == "assign":
        assert midwife is not None, "assign to whom?"
        body = {"professional_id": midwife[0]["id"]}
    elif name == "complete":
        body = {"epp_date": today_paris().isoformat()}
    elif name == "decline":
        body = {"reason": "Agenda complet."}
    return fire(client, referral, name, actor, body)


def epp_referral(
    client: FlaskClient,
    by: Headers,
    *,
    state: str = "submitted",
    coordinator: Headers | None = None,
    midwife: Midwife | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An EPP referral made by `by` and taken to `state` (EPP_PATHS): assigned by
    `coordinator` to `midwife`, who answers."""
    referral = created(client, EPP, epp_referral_body(**overrides), by)
    for name in EPP_PATHS[state]:
        referral = _fire_epp(
            client, referral, name, by=by, coordinator=coordinator, midwife=midwife
        )
    return referral


def epp_referral_through(
    client: FlaskClient,
    by: Headers,
    created_at: dt.datetime,
    steps: Sequence[Step],
    *,
    coordinator: Headers,
    midwife: Midwife,
    **overrides: Any,
) -> dict[str, Any]:
    """An EPP referral made by `by` at `created_at` (body `overrides`), then taken through
    `steps`, each fired at its instant (an EPP completed is dated that day)."""
    with at(created_at):
        referral = epp_referral(client, by, **overrides)
    for name, instant in steps:
        with at(instant):
            referral = _fire_epp(
                client, referral, name, by=by, coordinator=coordinator, midwife=midwife
            )
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
    if state in ("scheduled", "completed"):
        case = fire(client, case, "pair", nurse)
    if state == "completed":
        assert gp is not None, "the GP of the slot completes it"
        case = fire(client, case, "complete", gp)
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
