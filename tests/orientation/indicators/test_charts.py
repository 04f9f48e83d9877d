"""Chart axes: grid lines on whole, round numbers; French formatting by Babel."""

from __future__ import annotations

import pytest

from services.orientation.indicators.charts import bar_chart, month_label, nice_axis, number


@pytest.mark.parametrize(
    ("value", "axis"),
    [
        (0, (4, 1)),
        (3, (4, 1)),
        (10, (10, 5)),
        (9, (10, 5)),
        (7, (8, 2)),
        (37, (40, 10)),
        (101, (150, 50)),
        (12_345, (15_000, 5_000)),
    ],
)
def test_nice_axis_steps_are_whole_round_numbers(value, axis):
    top, step = nice_axis(value)
    assert (top, step) == axis
    assert top >= value and top // step <= 4 and top % step == 0


def test_tick_labels_are_never_fractions():
    chart = bar_chart("x", "X", [{"month": "2026-01", "b": {"n": 10}}], "b", {"n": "N"})
    assert [label for _y, label in chart.ticks] == ["0", "5", "10"]


def test_french_formats():
    assert number(12345) == "12\u202f345"
    assert number(2.5) == "2,5"
    assert month_label("2026-02") == "févr. 2026"
