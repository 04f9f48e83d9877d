"""Paris wall-clock times on the nights of the clock changes."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.timeutil import exists_in_paris, from_paris


@pytest.mark.parametrize(
    ("local", "exists"),
    [
        (dt.datetime(2027, 3, 28, 1, 59), True),
        (dt.datetime(2027, 3, 28, 2, 0), False),
        (dt.datetime(2027, 3, 28, 2, 30), False),
        (dt.datetime(2027, 3, 28, 3, 0), True),
        (dt.datetime(2027, 10, 31, 2, 30), True),  # twice, but it exists
        (dt.datetime(2027, 3, 29, 2, 30), True),
    ],
)
def test_only_the_hour_the_spring_change_skips_does_not_exist(local, exists):
    assert exists_in_paris(local) is exists


def test_the_repeated_autumn_hour_is_its_first_occurrence_in_summer_time():
    moment = from_paris(dt.datetime(2027, 10, 31, 2, 30))
    assert moment.utcoffset() == dt.timedelta(hours=2)
    assert moment.astimezone(dt.UTC) == dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)
