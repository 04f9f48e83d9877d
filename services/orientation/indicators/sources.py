"""Sources of indicator blocks that live in other modules or services, imported only if present."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from services.orientation.indicators.period import Period

Figures = dict[str, Any]
Monthly = dict[str, Figures]
Source = Callable[[Period], tuple[Figures, Monthly]]


def module_present(dotted: str) -> bool:
    """Whether module `dotted` exists (without importing it, parents included)."""
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def by_month(rows: list[dict[str, Any]] | None, name: str) -> Monthly:
    """`[{"month": "YYYY-MM", …figures}]` (figures flat or under the block's name) → by label."""
    monthly: Monthly = {}
    for row in rows or []:
        figures = row.get(name, {key: value for key, value in row.items() if key != "month"})
        monthly[row["month"]] = dict(figures)
    return monthly


def module_source(
    module: str, totals: str | None, monthly: str, *, name: str, zero: Figures
) -> Source:
    """A source calling `module.totals(start, end)` and `module.monthly(start, end)`.

    `start` and `end` are the period's Europe/Paris dates, both inclusive. With `totals=None`
    the block's figures are counts over disjoint months, so the period's totals are the sums
    of the months' figures: the rows are read once, not once more for the totals.
    """

    def source(period: Period) -> tuple[Figures, Monthly]:
        if not module_present(module):
            return dict(zero), {}
        functions = importlib.import_module(module)
        start, end = period.first_day, period.last_day
        months = by_month(getattr(functions, monthly)(start, end), name)
        if totals is None:
            return _sums(months, zero), months
        return dict(getattr(functions, totals)(start, end)), months

    return source


def _sums(months: Monthly, zero: Figures) -> Figures:
    """The period's figures as the sums of its months' figures (additive counts only)."""
    sums = dict(zero)
    for figures in months.values():
        for key, value in figures.items():
            sums[key] = sums.get(key, 0) + value
    return sums
