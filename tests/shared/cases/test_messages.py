"""Messages on every case type: who may read and write, who is told (without the message or
the patient), unread markers, audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, update

from services.agenda.teleconsultation.models import TeleconsultationCase
from services.notifications.models import InboxItem
from shared.audit.models import AuditEntry
from shared.cases.messages import CaseMessage
from shared.extensions import db
from shared.outbox.relay import current_relay
from tests.support import factories as f
from tests.support.agenda import in_days

Headers = dict[str, str]
BODY = "Le patient préfère être appelé le matin ; prévoir un interprète (arabe)."


@dataclass
class Scene:
    """A case, the people taking part in it, and people who must not reach it."""

    url: str  # the case's API address
    reference: str
    patient_name: str
    participants: dict[str, Headers]
    # Roles allowed on the routes who may not see this case (404).
    strangers: dict[str, Headers]
    # A role not allowed on the case type's routes at all (403).
    forbidden: Headers
    extra: dict[str, str] = field(default_factory=dict)


def _mt(app, client, accounts) -> Scene:
    world = f.World(client, accounts).with_people("coordinator", "submitter")
    case = world.case_in("proposed")
    return Scene(
        url=f"/api/orientation/cases/{case['id']}",
        reference=case["reference"],
        patient_name=case["patient"]["last_name"],
        participants={
            "coordinator": world.coordinator,
            "submitter": world.submitter,
            "gp": world.gp_headers,
        },
        strangers={"other_gp": world.other_gp_headers, "other": accounts.create("professional")},
        forbidden=accounts.create("reporting"),
    )


def _discharge(app, client, accounts) -> Scene:
    coordinator = accounts.create("coordinator")
    nurse, nurse_headers = f.professional_account(client, accounts, coordinator, profession="nurse")
    _other, other_nurse = f.professional_account(client, accounts, coordinator, profession="nurse")
    dac = accounts.create("dac")
    case = f.discharge(client, dac, nurse["id"])
    return Scene(
        url=f"/api/orientation/discharges/{case['id']}",
        reference=case["reference"],
        patient_name=case["patient"]["last_name"],
        participants={
            "coordinator": coordinator,
            "dac": dac,
            "other_dac": accounts.create("dac"),
            "nurse": nurse_headers,
        },
        strangers={"other_nurse": other_nurse},
        forbidden=accounts.create("reporting"),
    )


def _epp(app, client, accounts) -> Scene:
    coordinator = accounts.create("coordinator")
    referrer = accounts.create("professional")
    midwife = f.professional_account(client, accounts, coordinator, profession="midwife")
    _other, other_midwife = f.professional_account(
        client, accounts, coordinator, profession="midwife"
    )
    referral = f.epp_referral(
        client, referrer, state="assigned", coordinator=coordinator, midwife=midwife
    )
    return Scene(
        url=f"/api/orientation/epp-referrals/{referral['id']}",
        reference=referral["reference"],
        patient_name=referral["patient"]["last_name"],
        participants={"coordinator": coordinator, "referrer": referrer, "midwife": midwife[1]},
        strangers={"other_midwife": other_midwife, "other": accounts.create("professional")},
        forbidden=accounts.create("dac"),
    )


def _teleconsultation(app, client, accounts) -> Scene:
    coordinator = accounts.create("coordinator")
    _nurse, nurse_headers = f.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    gp, gp_headers = f.professional_account(client, accounts, coordinator)
    _other, other_gp = f.professional_account(client, accounts, coordinator)
    case = f.teleconsultation(client, nurse_headers, in_days(3))
    # The GP a pairing would have booked (pairing itself is tested with the agenda).
    with app.app_context():
        db.session.execute(
            update(TeleconsultationCase)
            .where(TeleconsultationCase.id == uuid.UUID(case["id"]))
            .values(professional_id=uuid.UUID(gp["id"]))
        )
        db.session.commit()
    return Scene(
        url=f"/api/agenda/teleconsultations/{case['id']}",
        reference=case["reference"],
        patient_name=case["patient"]["last_name"],
        participants={"coordinator": coordinator, "nurse": nurse_headers, "gp": gp_headers},
        strangers={"other_gp": other_gp},
        forbidden=accounts.create("dac"),
    )


SCENES = {
    "medecin_traitant": _mt,
    "sortie_hospitalisation": _discharge,
    "epp": _epp,
    "teleconsultation": _teleconsultation,
}


@pytest.fixture(params=sorted(SCENES))
def scene(request, app, client, accounts) -> Scene:
    return SCENES[request.param](app, client, accounts)


def _inbox(app, headers: Headers) -> list[InboxItem]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(InboxItem).where(
                    InboxItem.user_id == uuid.UUID(headers["X-Test-User-Id"]),
                    InboxItem.event_name.like("%.message"),
                )
            )
        )


def test_every_participant_may_write_and_the_others_are_told_without_the_content(
    app, client, scene
):
    for author_name, author in scene.participants.items():
        response = client.post(f"{scene.url}/messages", json={"body": BODY}, headers=author)
        assert response.status_code == 201, (author_name, response.get_json())
        posted = response.get_json()
        assert set(posted) >= {"id", "author", "body", "created_at"}
        assert posted["body"] == BODY
        assert posted["author"]["name"] == author["X-Test-Email"]
    with app.app_context():
        current_relay().relay_due()
    count = len(scene.participants)
    for name, headers in scene.participants.items():
        items = _inbox(app, headers)
        # One notification for each message written by someone else, none for their own.
        assert len(items) == count - 1, name
        for item in items:
            assert scene.reference in item.title
            text = item.title + item.body + item.link
            assert BODY[:20] not in text
            assert scene.patient_name not in text
    for name, headers in scene.strangers.items():
        assert _inbox(app, headers) == [], name


def test_who_may_not_see_the_case_gets_404_and_other_roles_403_and_nothing_is_stored(
    app, client, scene
):
    for name, headers in scene.strangers.items():
        assert client.get(f"{scene.url}/messages", headers=headers).status_code == 404, name
        response = client.post(f"{scene.url}/messages", json={"body": BODY}, headers=headers)
        assert response.status_code == 404, name
    assert client.get(f"{scene.url}/messages", headers=scene.forbidden).status_code == 403
    response = client.post(f"{scene.url}/messages", json={"body": BODY}, headers=scene.forbidden)
    assert response.status_code == 403
    missing = scene.url.rsplit("/", 1)[0] + f"/{uuid.uuid4()}/messages"
    any_participant = next(iter(scene.participants.values()))
    assert client.get(missing, headers=any_participant).status_code == 404
    assert f.count(app, CaseMessage) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   \n "},
        {"body": "x" * 4001},
        {},
        {"body": 12},
        {"body": "ok", "x": 1},
    ],
)
def test_bad_messages_are_refused_with_422_and_nothing_is_stored(app, client, accounts, body):
    scene = _mt(app, client, accounts)
    response = client.post(f"{scene.url}/messages", json=body, headers=scene.participants["gp"])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    assert f.count(app, CaseMessage) == 0


def test_the_longest_message_is_accepted(app, client, accounts):
    scene = _mt(app, client, accounts)
    body = {"body": "é" * 4000}
    response = client.post(f"{scene.url}/messages", json=body, headers=scene.participants["gp"])
    assert response.status_code == 201


def test_unread_markers_follow_each_reader(app, client, accounts):
    scene = _mt(app, client, accounts)
    people = scene.participants
    client.post(f"{scene.url}/messages", json={"body": "Premier."}, headers=people["coordinator"])
    client.post(f"{scene.url}/messages", json={"body": "Second."}, headers=people["coordinator"])

    def unread(who: str) -> list[bool]:
        response = client.get(f"{scene.url}/messages", headers=people[who])
        assert response.status_code == 200
        return [item["unread"] for item in response.get_json()["items"]]

    assert unread("gp") == [True, True]
    assert unread("gp") == [False, False]  # read now
    assert unread("coordinator") == [False, False]  # their own
    client.post(f"{scene.url}/messages", json={"body": "Réponse."}, headers=people["gp"])
    assert unread("coordinator") == [False, False, True]
    assert unread("submitter") == [True, True, True]
    items = client.get(f"{scene.url}/messages", headers=people["gp"]).get_json()["items"]
    assert [item["body"] for item in items] == ["Premier.", "Second.", "Réponse."]
    assert [item["author"]["role"] for item in items] == ["coordinator", "coordinator", "gp"]


def test_reading_and_writing_are_audited_and_the_body_is_sealed(app, client, accounts):
    scene = _mt(app, client, accounts)
    gp = scene.participants["gp"]
    with app.app_context():
        before = db.session.query(AuditEntry).filter_by(reference=scene.reference).count()
    client.post(f"{scene.url}/messages", json={"body": BODY}, headers=gp)
    client.get(f"{scene.url}/messages", headers=gp)
    with app.app_context():
        entries = list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.reference == scene.reference))
        )
        assert len(entries) == before + 2
        assert {e.action for e in entries[-2:]} == {"update", "read"}
        assert {e.user_email for e in entries[-2:]} == {gp["X-Test-Email"]}
        raw = db.session.execute(db.text("SELECT body FROM case_messages")).scalar_one()
        assert BODY not in raw and "interprète" not in raw
