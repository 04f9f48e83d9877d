"""Reporting periods: Europe/Paris calendar dates turned into UTC instants for the queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.timeutil import PARIS


def paris_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which `day` begins in Europe/Paris (DST handled by zoneinfo)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)


@dataclass(frozen=True)
class Month:
    """One calendar month of a period, clipped to the period's bounds."""

    label: str  # "YYYY-MM"
    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return paris_midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return paris_midnight(self.last_day + dt.timedelta(days=1))


@dataclass(frozen=True)
class Period:
    """From `first_day` to `last_day` inclusive, as calendar dates in Europe/Paris."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        """First instant of the period (UTC)."""
        return paris_midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """First instant after the period (UTC, exclusive bound)."""
        return paris_midnight(self.last_day + dt.timedelta(days=1))

    def months(self) -> list[Month]:
        """The calendar months the period touches, each clipped to the period."""
        months = []
        day = self.first_day
        while day <= self.last_day:
            next_month = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            last = min(next_month - dt.timedelta(days=1), self.last_day)
            months.append(Month(f"{day:%Y-%m}", day, last))
            day = next_month
        return months

    def as_dict(self) -> dict[str, str]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}

    @property
    def slug(self) -> str:
        """`2026-01-01_2026-12-31`, for file names."""
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"
