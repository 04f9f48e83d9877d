"""Pregnancy weeks and the lateness rule of EPP referrals (Europe/Paris dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.orientation.epp.states import STATES

MAX_WEEKS = 42
# The EPP is recommended early (from the 4th month at the latest); past 16 full weeks the
# referral is late and goes to the top of the lists.
LATE_AFTER_WEEKS = 16


def weeks_on(start: dt.date, on: dt.date) -> int:
    """Completed weeks of pregnancy on date `on`."""
    return (on - start).days // 7


def start_from_weeks(weeks: int, on: dt.date) -> dt.date:
    """The start date that gives `weeks` completed weeks on `on`."""
    return on - dt.timedelta(weeks=weeks)


def late_cutoff(today: dt.date) -> dt.date:
    """Referrals whose pregnancy started before this date are past 16 weeks (late)."""
    return today - dt.timedelta(weeks=LATE_AFTER_WEEKS)


def is_late(start: dt.date, today: dt.date) -> bool:
    """More than 16 weeks (112 days) of pregnancy on `today`."""
    return start < late_cutoff(today)


def referral_is_late(referral: Any, today: dt.date) -> bool:
    """An open referral whose pregnancy is past 16 weeks on `today` (flagged, listed first)."""
    return referral.state in STATES.open and is_late(referral.pregnancy_start_date, today)
