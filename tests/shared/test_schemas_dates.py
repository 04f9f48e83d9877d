"""Date validators judge "today" by the CPTS's clock (Europe/Paris), not the server's."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError

import shared.timeutil
from shared.schemas import not_in_future, past_date


@pytest.fixture
def paris_is_two_days_ahead(monkeypatch):
    """Make Paris's date two days after the server's, whatever the server's clock says."""
    real_utcnow = shared.timeutil.utcnow
    monkeypatch.setattr(shared.timeutil, "utcnow", lambda: real_utcnow() + dt.timedelta(days=2))
    return shared.timeutil.today_paris()


@pytest.mark.parametrize("validator", [not_in_future, past_date()])
def test_a_date_up_to_today_in_paris_is_not_in_the_future(paris_is_two_days_ahead, validator):
    validator(paris_is_two_days_ahead)
    validator(paris_is_two_days_ahead - dt.timedelta(days=1))


@pytest.mark.parametrize("validator", [not_in_future, past_date()])
def test_the_day_after_today_in_paris_is_in_the_future(paris_is_two_days_ahead, validator):
    with pytest.raises(ValidationError, match="La date ne peut pas être dans le futur."):
        validator(paris_is_two_days_ahead + dt.timedelta(days=1))
