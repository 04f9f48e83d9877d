"""What a block's source is, and the sources whose totals are the sums of their months."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.periods import Period

Figures = dict[str, Any]
Monthly = dict[str, Figures]
Source = Callable[[Period], tuple[Figures, Monthly]]


def summed(monthly: Callable[[Period], Monthly], *, zero: Figures) -> Source:
    """A source whose figures are counts over disjoint months: the period's totals are the
    sums of the months' figures, so the rows are read once, not once more for the totals."""

    def source(period: Period) -> tuple[Figures, Monthly]:
        months = monthly(period)
        totals = dict(zero)
        for figures in months.values():
            for key, value in figures.items():
                totals[key] = totals.get(key, 0) + value
        return totals, months

    return source
