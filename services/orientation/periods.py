"""Reporting periods: inclusive ranges of Europe/Paris dates, and their months."""

from __future__ import annotations

import datetime as dt

from shared.timeutil import PARIS


def paris_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants [from, to) covering the Paris dates `start` to `end` inclusive."""
    low = dt.datetime.combine(start, dt.time(), PARIS).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), PARIS).astimezone(dt.UTC)
    return low, high


def months(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """("YYYY-MM", first day, last day) of each month the period touches, clipped to it."""
    result = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        result.append(
            (
                f"{first:%Y-%m}",
                max(first, start),
                min(following - dt.timedelta(days=1), end),
            )
        )
        first = following
    return result
