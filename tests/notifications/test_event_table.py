"""Each declared event reaches the people it concerns, and only them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from services.notifications.events import EVENTS
from services.notifications.models import InboxItem
from services.notifications.service import process_event
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.schemas import CANCEL_REASONS
from services.orientation.medecin_traitant.timers import sweep_proposals
from shared.db import unit_of_work
from shared.extensions import db
from shared.outbox.emit import emit
from shared.outbox.relay import current_relay
from tests.support.factories import World

CANCEL_REASON = next(iter(CANCEL_REASONS))

GP, NURSE, MIDWIFE, CITY_1, CITY_2 = (uuid.uuid4() for _ in range(5))


@pytest.fixture
def people(accounts):
    return {
        "coordinator": accounts.create("coordinator"),
        "submitter": accounts.create("professional"),
        "gp": accounts.create("gp", professional_id=GP),
        "nurse": accounts.create("nurse", professional_id=NURSE),
        "midwife": accounts.create("midwife", professional_id=MIDWIFE),
        "city_1": accounts.create("nurse", professional_id=CITY_1),
        "city_2": accounts.create("professional", professional_id=CITY_2),
        "bystander": accounts.create("gp", professional_id=uuid.uuid4()),
    }


CASES = [
    ("medecin_traitant.submit", {}, {"coordinator"}),
    ("medecin_traitant.propose", {"professional_ids": [str(GP)]}, {"gp"}),
    # Proposed to several GPs at once: each is told, and each is reminded.
    ("medecin_traitant.propose", {"professional_ids": [str(GP), str(NURSE)]}, {"gp", "nurse"}),
    ("medecin_traitant.reminder", {"professional_ids": [str(GP)]}, {"gp"}),
    ("medecin_traitant.accept", {"professional_id": str(GP)}, {"coordinator", "submitter"}),
    # The GPs asked with the one who accepted hear that their proposal is withdrawn.
    ("medecin_traitant.withdraw", {"professional_ids": [str(GP)]}, {"gp"}),
    ("medecin_traitant.interest", {"professional_id": str(GP)}, {"coordinator"}),
    ("medecin_traitant.decline", {"professional_id": str(GP)}, {"coordinator", "submitter"}),
    ("medecin_traitant.expire", {"professional_id": str(GP)}, {"coordinator", "submitter"}),
    ("medecin_traitant.confirm", {"professional_id": str(GP)}, {"submitter"}),
    ("medecin_traitant.cancel", {"professional_ids": [str(GP)]}, {"gp"}),
    ("medecin_traitant.duplicate_attempt", {}, {"coordinator"}),
    *(
        (
            f"sortie_hospitalisation.{name}",
            {"city_professional_ids": [str(CITY_1), str(CITY_2)]},
            {"city_1", "city_2"},
        )
        for name in ("mark_ready", "discharge", "date_changed", "cancel")
    ),
    ("epp.submit", {}, {"coordinator"}),
    ("epp.assign", {"professional_id": str(MIDWIFE)}, {"midwife"}),
    ("epp.accept", {"professional_id": str(MIDWIFE)}, {"coordinator"}),
    ("epp.decline", {"professional_id": str(MIDWIFE)}, {"coordinator"}),
    ("epp.cancel", {"professional_id": str(MIDWIFE)}, {"midwife"}),
    ("epp.cancel", {"professional_id": None}, set()),
    ("epp.duplicate_attempt", {}, {"coordinator"}),
    ("medecin_traitant.public_note", {}, {"coordinator"}),
    # The acknowledgement goes to the e-mail given on the public form, never to an account.
    ("medecin_traitant.public_acknowledgement", {"note": None}, set()),
    # E-mail only, to the address it names: no inbox entry for anyone (test_account_mail.py).
    ("account.mail", {"to": "invitee@relais.test", "subject": "Relais", "text": "Lien"}, set()),
    ("agenda.booking_created", {"professional_id": str(GP)}, {"gp"}),
    ("directory.availability_reminder", {"professional_id": str(GP)}, {"gp"}),
    ("agenda.booking_cancelled", {"professional_id": str(GP)}, {"gp"}),
    *(
        (
            f"teleconsultation.{name}",
            {"professional_id": str(GP), "nurse_professional_id": str(NURSE)},
            {"gp", "nurse"},
        )
        for name in ("pair", "cancel", "no_show")
    ),
    (
        "teleconsultation.cancel",
        {"professional_id": None, "nurse_professional_id": str(NURSE)},
        {"nurse"},
    ),
    # A message: the participants the case type listed (roles, accounts, directory entries).
    *(
        (
            f"{kind}.message",
            {
                "roles": ["coordinator"],
                "user_ids": ["<submitter>"],
                "professional_ids": [str(GP), str(CITY_1)],
            },
            {"coordinator", "submitter", "gp", "city_1"},
        )
        for kind in ("medecin_traitant", "sortie_hospitalisation", "epp", "teleconsultation")
    ),
]


def test_every_declared_event_is_covered_here():
    assert {name for name, _, _ in CASES} == set(EVENTS)


@pytest.mark.parametrize(
    ("name", "extra", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_event_reaches_exactly_its_recipients(app, people, name, extra, expected):
    user_ids = {who: headers["X-Test-User-Id"] for who, headers in people.items()}
    payload = {
        "case_id": str(uuid.uuid4()),
        "created_by": user_ids["submitter"],
        "actor_user_id": str(uuid.UUID(int=0)),
        **extra,
    }
    if "user_ids" in payload:
        payload["user_ids"] = [user_ids["submitter"]]
    with app.app_context():
        with unit_of_work():
            event = emit(name, reference="XX-2026-000001", payload=payload)
        assert process_event(event.id) == "delivered"
        owners = set(db.session.scalars(select(InboxItem.user_id)))
    assert owners == {uuid.UUID(user_ids[who]) for who in expected}


def test_reminder_and_expiry_are_notified_to_the_gp_then_to_coordination_and_submitter(
    app, client, accounts
):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    with app.app_context():
        current_relay().relay_due()
        proposed_at = db.session.get(MedecinTraitantCase, uuid.UUID(case["id"])).proposed_at
        sweep_proposals(now=proposed_at + dt.timedelta(days=7, minutes=1))
        sweep_proposals(now=proposed_at + dt.timedelta(days=14, minutes=1))
        current_relay().relay_due()

    def titles(headers):
        items = client.get("/api/notifications/inbox", headers=headers).get_json()["items"]
        return sorted(item["title"].split(" MT-")[0] for item in items)

    assert titles(world.gp_headers) == ["Proposition de patient", "Rappel : proposition de patient"]
    assert titles(world.coordinator) == ["Nouveau signalement", "Proposition expirée"]
    assert titles(world.submitter) == ["Proposition expirée"]


def _gp_titles(client, world):
    items = client.get("/api/notifications/inbox", headers=world.gp_headers).get_json()["items"]
    return sorted(item["title"].split(" MT-")[0] for item in items)


def test_cancelling_a_proposed_case_tells_the_gp_who_was_asked(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    world.fired(case, "cancel", world.coordinator, {"reason": CANCEL_REASON})
    with app.app_context():
        current_relay().relay_due()
    assert _gp_titles(client, world) == ["Proposition annulée", "Proposition de patient"]


def test_cancelling_an_accepted_case_tells_the_gp_who_accepted(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.case_in("proposed")
    world.fired(case, "accept", world.gp_headers, {})
    world.fired(case, "cancel", world.coordinator, {"reason": CANCEL_REASON})
    with app.app_context():
        current_relay().relay_due()
    assert "Proposition annulée" in _gp_titles(client, world)


def test_cancelling_before_any_proposal_tells_no_gp(app, client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()
    world.fired(case, "cancel", world.coordinator, {"reason": CANCEL_REASON})
    with app.app_context():
        current_relay().relay_due()
        names = set(db.session.scalars(select(InboxItem.event_name)))
    assert "medecin_traitant.cancel" not in names
    assert _gp_titles(client, world) == []
