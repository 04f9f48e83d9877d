"""Recurring publication: ordinary slots whose Paris wall-clock time holds across DST."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.agenda.slots.models import Slot
from services.agenda.slots.service import expand_recurrence
from shared.extensions import db
from shared.timeutil import PARIS
from tests.support import factories
from tests.support.agenda import in_days

# Tuesdays from early March to mid-November 2027: both changes (28 March, 31 October) inside.
SPAN = {"weekday": 2, "start_date": "2027-03-02", "weeks": 38}


@pytest.fixture
def gp(client, accounts):
    coordinator = accounts.create("coordinator")
    return factories.professional_account(client, accounts, coordinator)


def _recurring(client, headers, **overrides):
    body = {
        "kind": "snp",
        "weekday": 2,
        "start_time": "08:00",
        "end_time": "09:00",
        "slot_minutes": 20,
        "count": 3,
        "weeks": 8,
    }
    body.update(overrides)
    return client.post("/api/agenda/slots/recurring", json=body, headers=headers)


def test_every_tuesday_three_slots_of_twenty_minutes_for_eight_weeks(client, gp):
    _professional, headers = gp
    response = _recurring(client, headers, start_date=in_days(1).isoformat())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] == 24
    starts = [dt.datetime.fromisoformat(item["start"]) for item in body["items"]]
    assert {start.isoweekday() for start in starts} == {2}
    assert sorted({f"{s:%H:%M}" for s in starts}) == ["08:00", "08:20", "08:40"]
    # They are ordinary slots: listed, bookable, withdrawable one by one.
    listed = client.get("/api/agenda/slots?per_page=100", headers=headers).get_json()
    assert listed["total"] == 24


def test_local_time_holds_across_both_dst_changes(client, gp):
    _professional, headers = gp
    response = _recurring(client, headers, count=1, **SPAN)
    assert response.status_code == 201, response.get_json()
    items = response.get_json()["items"]
    assert len(items) == 38
    local = [dt.datetime.fromisoformat(item["start"]) for item in items]
    assert {f"{moment:%H:%M}" for moment in local} == {"08:00"}
    offsets = {moment.date().isoformat(): moment.utcoffset() for moment in local}
    assert offsets["2027-03-23"] == dt.timedelta(hours=1)  # before the spring change
    assert offsets["2027-03-30"] == dt.timedelta(hours=2)  # summer time
    assert offsets["2027-10-26"] == dt.timedelta(hours=2)
    assert offsets["2027-11-02"] == dt.timedelta(hours=1)  # back to winter time
    utc_hours = {dt.datetime.fromisoformat(i["start"]).astimezone(dt.UTC).hour for i in items}
    assert utc_hours == {6, 7}


def test_expansion_on_the_nights_of_the_change_keeps_durations_and_wall_clock():
    spring = expand_recurrence(
        weekday=7,
        start_time="01:00",
        end_time="04:00",
        slot_minutes=60,
        count=None,
        weeks=1,
        start_date=dt.date(2027, 3, 28),
    )
    local = [(s.astimezone(PARIS), e.astimezone(PARIS)) for s, e in spring]
    # 02:00 does not exist on 28 March: that slot is left out, the others keep an hour.
    assert [f"{s:%H:%M}" for s, _e in local] == ["01:00", "03:00"]
    assert [e - s for s, e in spring] == [dt.timedelta(hours=1), dt.timedelta(hours=1)]
    autumn = expand_recurrence(
        weekday=7,
        start_time="08:00",
        end_time="09:00",
        slot_minutes=30,
        count=2,
        weeks=1,
        start_date=dt.date(2027, 10, 31),
    )
    assert [e - s for s, e in autumn] == [dt.timedelta(minutes=30)] * 2
    assert autumn[0][0].astimezone(PARIS).utcoffset() == dt.timedelta(hours=1)


def test_a_recurrence_overlapping_an_existing_slot_stores_nothing(app, client, gp):
    professional, headers = gp
    assert _recurring(client, headers, count=1, **SPAN).status_code == 201
    response = _recurring(client, headers, start_time="08:10", end_time="08:40", count=1, **SPAN)
    assert response.status_code == 422
    assert "chevauche" in response.get_json()["error"]["fields"]["start"][0]
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 38


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_time": "07:00"}, "end_time"),
        ({"slot_minutes": 90}, "slot_minutes"),
        ({"count": 4}, "count"),
        ({"weeks": 60}, "weeks"),
        ({"weekday": 8}, "weekday"),
        ({"start_time": "8h"}, "start_time"),
        ({"start_date": "2020-01-07"}, "start_date"),
    ],
)
def test_bad_recurrences_are_refused_in_french_and_store_nothing(app, client, gp, overrides, field):
    _professional, headers = gp
    response = _recurring(client, headers, **overrides)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"], error
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 0
