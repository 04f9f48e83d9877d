"""Clock access in one place, so tests can freeze time and timestamps stay timezone-aware."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def today_paris() -> dt.date:
    """Today's date as seen in Europe/Paris, where the CPTS works."""
    return utcnow().astimezone(PARIS).date()
