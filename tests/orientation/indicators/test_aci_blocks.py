"""The blocks added for the ACI report (issue 20), on hand-built scenarios: distinct patients
of accepted EPP referrals, distinct professionals of the agenda and of teleconsultations, the
volunteer GPs of the directory; Paris months (DST), cancelled and reopened cases."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update

from services.agenda.teleconsultation.models import TeleconsultationCase
from shared.extensions import db
from shared.timeutil import today_paris
from tests.support import factories as f
from tests.support import payloads
from tests.support.agenda import booking_body, publish
from tests.support.factories import signalement_of_priority, utc
from tests.support.indicators import indicators_document


def test_epp_patients_oriented_counts_distinct_patients_of_accepted_referrals(client, accounts):
    coordinator, pharmacist = accounts.create("coordinator"), accounts.create("professional")
    midwife = f.professional_account(client, accounts, coordinator, profession="midwife")

    def made(created_at, *steps, **body):
        f.epp_referral_through(
            client, pharmacist, created_at, steps, coordinator=coordinator, midwife=midwife, **body
        )

    anne = payloads.patient(birth_date="1994-06-02", sex="F")
    # 31 March 2026 is summer time (UTC+2): 21:30 UTC is 23:30 in Paris, still March.
    made(
        utc(2026, 3, 20, 9),
        ("assign", utc(2026, 3, 20, 10)),
        ("accept", utc(2026, 3, 31, 21, 30)),
        ("cancel", utc(2026, 4, 1, 9)),  # cancelled afterwards: she was oriented all the same
        patient=anne,
    )
    # The same patient referred again and accepted in April: once in the period.
    made(
        utc(2026, 4, 2, 9),
        ("assign", utc(2026, 4, 2, 10)),
        ("accept", utc(2026, 4, 3, 9)),
        patient=dict(anne),
    )
    # 22:30 UTC on 31 March is 00:30 on 1 April in Paris: an April acceptance.
    made(
        utc(2026, 3, 25, 9), ("assign", utc(2026, 3, 25, 10)), ("accept", utc(2026, 3, 31, 22, 30))
    )
    # Declined, never accepted: not oriented.
    made(utc(2026, 3, 5, 9), ("assign", utc(2026, 3, 5, 10)), ("decline", utc(2026, 3, 6, 9)))

    body = indicators_document(client, accounts.create("reporting"), "2026-03-01", "2026-04-30")
    assert body["epp"]["patients_oriented"] == 2
    assert [m["epp"]["patients_oriented"] for m in body["by_month"]] == [1, 2]
    april = indicators_document(client, accounts.create("reporting"), "2026-04-01", "2026-04-30")
    assert april["epp"]["patients_oriented"] == 2
    march = indicators_document(client, accounts.create("reporting"), "2026-03-01", "2026-03-31")
    assert march["epp"]["patients_oriented"] == 1


def _slot(client, headers, pid, day: str, start: str, end: str, kind="snp") -> dict:
    response = publish(
        client, headers, pid, day=dt.date.fromisoformat(day), start=start, end=end, kind=kind
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_agenda_counts_distinct_professionals_publishing_and_booking(client, accounts):
    coordinator = accounts.create("coordinator")
    first, second = (f.professional(client, coordinator)["id"] for _ in range(2))
    # 23:00 on 31 January in Paris is January; 00:30 on 1 February is February (UTC: 31 Jan).
    _slot(client, coordinator, first, "2027-01-31", "23:00", "23:30")
    february = _slot(client, coordinator, first, "2027-02-01", "00:30", "01:00")
    _slot(client, coordinator, first, "2027-02-02", "09:00", "09:20")
    other = _slot(client, coordinator, second, "2027-02-10", "09:00", "09:20")
    withdrawn = _slot(client, coordinator, second, "2027-03-10", "09:00", "09:20")
    assert client.delete(f"/api/agenda/slots/{withdrawn['id']}", headers=coordinator).status_code
    _slot(client, coordinator, second, "2027-03-11", "09:00", "09:20", kind="teleconsultation")

    pharmacist, physio = accounts.create("professional"), accounts.create("professional")
    for slot, who in ((february, pharmacist), (other, pharmacist)):
        url = f"/api/agenda/slots/{slot['id']}/booking"
        assert client.post(url, json=booking_body(), headers=who).status_code == 201
    # A booking cancelled: the account that made it did not book in the end.
    third = _slot(client, coordinator, first, "2027-02-03", "09:00", "09:20")
    url = f"/api/agenda/slots/{third['id']}/booking"
    response = client.post(url, json=booking_body(), headers=physio)
    assert response.status_code == 201, response.get_json()
    cancelled = client.delete(f"/api/agenda/bookings/{response.get_json()['id']}", headers=physio)
    assert cancelled.status_code in (200, 204), cancelled.get_json()

    reporting = accounts.create("reporting")
    body = indicators_document(client, reporting, "2027-01-01", "2027-03-31")
    assert body["agenda"]["professionals_publishing"] == 2
    assert body["agenda"]["professionals_booking"] == 1
    assert body["agenda"]["snp_slots_published"] == 5
    months = [m["agenda"] for m in body["by_month"]]
    assert [m["professionals_publishing"] for m in months] == [1, 2, 0]
    assert [m["professionals_booking"] for m in months] == [0, 1, 0]
    # The agenda's own endpoint carries the same figures.
    own = indicators_document(
        client, reporting, "2027-01-01", "2027-03-31", url="/api/agenda/indicators"
    )
    assert own["agenda"]["professionals_publishing"] == 2


def test_teleconsultation_counts_distinct_nurses_and_gps_by_month_of_completion(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = f.professional_account(client, accounts, coordinator)
    nurses = [
        f.professional_account(client, accounts, coordinator, profession="nurse")[1]
        for _ in range(2)
    ]
    day = today_paris() + dt.timedelta(days=2)
    for start, end in (("14:00", "14:30"), ("14:30", "15:00"), ("15:00", "15:30")):
        _slot(client, coordinator, gp["id"], day.isoformat(), start, end, kind="teleconsultation")
    one = f.teleconsultation(client, nurses[0], day, state="completed", gp=gp_headers)
    two = f.teleconsultation(client, nurses[0], day, state="completed", gp=gp_headers)
    f.teleconsultation(client, nurses[1], day, state="scheduled")  # never completed
    # Completed on either side of midnight, Paris time, on the last day of March 2027 (UTC+2).
    with app.app_context():
        for case, instant in ((one, utc(2027, 3, 31, 21, 30)), (two, utc(2027, 3, 31, 22, 30))):
            db.session.execute(
                update(TeleconsultationCase)
                .where(TeleconsultationCase.id == uuid.UUID(case["id"]))
                .values(completed_at=instant)
            )
        db.session.commit()

    reporting = accounts.create("reporting")
    body = indicators_document(client, reporting, "2027-03-01", "2027-04-30")
    assert body["teleconsultation"] == {"nurses": 1, "gps": 1, "completed": 2}
    assert [m["teleconsultation"] for m in body["by_month"]] == [
        {"nurses": 1, "gps": 1, "completed": 1},
        {"nurses": 1, "gps": 1, "completed": 1},
    ]
    assert body["agenda"]["teleconsultations_completed"] == 2
    april = indicators_document(client, reporting, "2027-04-01", "2027-04-30")
    assert april["teleconsultation"] == {"nurses": 1, "gps": 1, "completed": 1}


def test_directory_counts_gps_accepting_new_patients_and_their_places(client, accounts):
    coordinator = accounts.create("coordinator")
    f.professional(client, coordinator, new_patient_capacity=4)
    f.professional(client, coordinator, new_patient_capacity=6)
    f.professional(client, coordinator, accepts_new_patients=False, new_patient_capacity=0)
    f.professional(client, coordinator, profession="nurse", new_patient_capacity=9)
    body = indicators_document(client, accounts.create("reporting"), "2026-01-01", "2026-12-31")
    assert body["directory"] == {"volunteer_gps": 2, "volunteer_capacity": 10}
    # A state now, not counts by month: the months do not repeat it.
    assert all("directory" not in month for month in body["by_month"])


def test_by_source_is_broken_down_by_month_and_counts_a_patient_once_in_the_period(
    world, client, accounts
):
    first = signalement_of_priority(2)
    # Signalement on 31 March 23:30 Paris (21:30 UTC, summer time), oriented on 1 April 00:30
    # Paris (22:30 UTC on 31 March).
    world.case_then("oriented", utc(2026, 3, 31, 21, 30), utc(2026, 3, 31, 22, 30), body=first)
    # The same patient signalled again and oriented again in May: once in the period.
    again = {**signalement_of_priority(2), "patient": first["patient"]}
    world.case_then("oriented", utc(2026, 5, 2, 9), utc(2026, 5, 20, 9), body=again)
    # A cancelled case still counts as received.
    world.case_then(
        "cancelled",
        utc(2026, 4, 10, 9),
        utc(2026, 4, 11, 9),
        bodies={"cancel": {"reason": "duplicate"}},
    )
    body = indicators_document(client, accounts.create("reporting"), "2026-03-01", "2026-05-31")
    total = body["medecin_traitant"]["by_source"]["professional"]
    assert total == {"signalements": 3, "oriented": 1}
    monthly = [m["medecin_traitant"]["by_source"]["professional"] for m in body["by_month"]]
    assert monthly == [
        {"signalements": 1, "oriented": 0},
        {"signalements": 1, "oriented": 1},
        {"signalements": 1, "oriented": 1},
    ]
    assert body["by_month"][0]["medecin_traitant"]["by_source"]["partner"] == {
        "signalements": 0,
        "oriented": 0,
    }
