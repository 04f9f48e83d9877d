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


def from_paris(local: dt.datetime) -> dt.datetime:
    """A naive Paris wall-clock time as an aware datetime. A time the autumn change repeats is
    the first of its two instants (summer time), as calendar applications read it (RFC 5545);
    a time the spring change skips is read with the offset before the change (02:30 → 03:30),
    so check `exists_in_paris` first wherever a person typed it."""
    return local.replace(tzinfo=PARIS, fold=0)


def exists_in_paris(local: dt.datetime) -> bool:
    """False for the wall-clock times the spring change skips (02:00–02:59 that night)."""
    return from_paris(local).astimezone(dt.UTC).astimezone(PARIS).replace(tzinfo=None) == local
