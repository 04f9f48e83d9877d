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


def test_demo_data_has_discharges_referrals_bookings_and_teleconsultations(app):
    with app.app_context():
        lines = list(seed_demo_data())
        assert any("Sorties d'hospitalisation : 4" in line for line in lines)
        discharges = list(db.session.scalars(select(DischargeCase)))
        states = Counter(case.state for case in discharges)
        assert states == {"announced": 1, "preparing": 1, "ready": 1, "discharged": 1}
        stuck = next(case for case in discharges if case.state == "preparing")
        assert stuck.prescription is None
        referrals = list(db.session.scalars(select(EppReferral)))
        assert Counter(r.state for r in referrals) == {"submitted": 1, "assigned": 1, "accepted": 1}
        late = [r for r in referrals if is_late(r.pregnancy_start_date, today_paris())]
        assert len(late) == 1 and late[0].state == "submitted"
        assert db.session.scalar(select(Booking.id).where(Booking.kind == "snp")) is not None
        teleconsultations = list(db.session.scalars(select(TeleconsultationCase)))
        assert len(teleconsultations) == 2


def test_demo_pages_of_the_dac_and_the_midwife_are_not_empty(app, client):
    with app.app_context():
        list(seed_demo_data())
    dac = client.get("/api/orientation/discharges", headers=_headers(app, "dac")).get_json()
    assert dac["total"] == 4
    midwife = client.get("/api/orientation/epp-referrals", headers=_headers(app, "midwife"))
    assert midwife.status_code == 200
    assert len(midwife.get_json()["items"]) >= 2
    nurse = client.get("/api/agenda/teleconsultations", headers=_headers(app, "nurse"))
    assert len(nurse.get_json()["items"]) == 2
