"""`relais seed-demo`: a newcomer sees every kind of case, in telling states."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from sqlalchemy import select

from services.agenda.bookings.models import Booking
from services.agenda.teleconsultation.models import TeleconsultationCase
from services.demo import DEMO_DOMAIN, seed_demo_data
from services.orientation.discharges.models import DischargeCase
from services.orientation.epp.models import EppReferral
from services.orientation.epp.pregnancy import is_late
from shared.auth.models import ApiToken, User
from shared.auth.service import hash_token
from shared.extensions import db
from shared.timeutil import today_paris, utcnow


def _headers(app, role: str) -> dict[str, str]:
    """A bearer token for the demo account of `role`."""
    token = uuid.uuid4().hex
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == f"{role}@{DEMO_DOMAIN}"))
        expires = utcnow() + dt.timedelta(days=1)
        db.session.add(ApiToken(token_hash=hash_token(token), user_id=user.id, expires_at=expires))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _hand_made(cases):
    """The demo's own cases, not the history's synthetic ones (references marked `S`)."""
    return [case for case in cases if "-S" not in case.reference]


def test_demo_data_has_discharges_referrals_bookings_and_teleconsultations(app):
    with app.app_context():
        lines = list(seed_demo_data())
        assert any("Sorties d'hospitalisation : 4" in line for line in lines)
        discharges = _hand_made(db.session.scalars(select(DischargeCase)))
        states = Counter(case.state for case in discharges)
        assert states == {"announced": 1, "preparing": 1, "ready": 1, "discharged": 1}
        stuck = next(case for case in discharges if case.state == "preparing")
        assert stuck.prescription is None
        referrals = _hand_made(db.session.scalars(select(EppReferral)))
        assert Counter(r.state for r in referrals) == {"submitted": 1, "assigned": 1, "accepted": 1}
        late = [r for r in referrals if is_late(r.pregnancy_start_date, today_paris())]
        assert len(late) == 1 and late[0].state == "submitted"
        assert db.session.scalar(select(Booking.id).where(Booking.kind == "snp")) is not None
        teleconsultations = _hand_made(db.session.scalars(select(TeleconsultationCase)))
        assert len(teleconsultations) == 2


def test_demo_pages_of_the_dac_and_the_midwife_are_not_empty(app, client):
    with app.app_context():
        list(seed_demo_data())
    dac = _every_item(client, "/api/orientation/discharges", _headers(app, "dac"))
    assert len(_references(dac)) == 4
    midwife = client.get("/api/orientation/epp-referrals", headers=_headers(app, "midwife"))
    assert midwife.status_code == 200
    assert len(midwife.get_json()["items"]) >= 2
    nurse = client.get("/api/agenda/teleconsultations", headers=_headers(app, "nurse"))
    assert len(_references(nurse.get_json()["items"])) == 2


def _every_item(client, url, headers):
    """Every item of a paginated list, page after page."""
    items, page = [], 1
    while True:
        answer = client.get(url, headers=headers, query_string={"page": page, "per_page": 100})
        body = answer.get_json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


def _references(items):
    return [item["reference"] for item in items if "-S" not in item["reference"]]


def test_every_indicator_of_the_last_twelve_months_shows_something_on_the_demo(app, client):
    with app.app_context():
        list(seed_demo_data())
    today = today_paris()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    document = client.get(
        "/api/orientation/indicators",
        headers=_headers(app, "reporting"),
        query_string={"from": first.isoformat(), "to": today.isoformat()},
    ).get_json()
    totals = {
        "medecin_traitant": ("signalements", "oriented", "oriented_ald"),
        "epp": ("referrals", "completed", "patients_oriented"),
        "discharges": ("cases", "ready_before_discharge", "discharged"),
        "agenda": ("snp_slots_published", "snp_slots_booked", "professionals_publishing"),
        "teleconsultation": ("nurses", "gps", "completed"),
        "directory": ("volunteer_gps", "volunteer_capacity"),
    }
    for block, figures in totals.items():
        for figure in figures:
            assert document[block][figure] > 0, (block, figure)
    months = document["by_month"]
    assert len(months) == 12
    # every monthly chart has bars in most months, not only the current one
    for block, figure in [
        ("medecin_traitant", "oriented"),
        ("epp", "referrals"),
        ("discharges", "cases"),
        ("agenda", "snp_slots_published"),
    ]:
        assert sum(1 for month in months if month[block][figure] > 0) >= 9, (block, figure)
    baseline = document["territory"]["patients_without_mt_by_month"]
    assert len(baseline) == 12
    assert all(month["patients_without_mt"] > 0 for month in baseline)
