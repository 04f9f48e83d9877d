"""Bar charts of monthly indicators, laid out on the server (the template only draws SVG)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 30
MONTHS_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int
    month: str


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart: one group per month, one bar per series."""

    key: str
    title: str
    series: tuple[str, ...]
    months: tuple[str, ...]
    rows: tuple[tuple[int, ...], ...]  # per month, one value per series (the data table)
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value) of the horizontal grid lines
    labels: tuple[tuple[float, str], ...]  # (x, month) under each group
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM


def month_label(label: str) -> str:
    """`2026-03` → `mars 2026`."""
    year, month = label.split("-")
    return f"{MONTHS_FR[int(month) - 1]} {year}"


def _nice_max(value: int) -> int:
    """A round upper bound for the axis (1, 2, 5 × 10^n)."""
    if value <= 4:
        return 4
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    key: str, title: str, by_month: list[dict[str, Any]], block: str, series: dict[str, str]
) -> Chart:
    """The chart of `series` (figure name → French label) of `block`, month by month."""
    months = tuple(month_label(m["month"]) for m in by_month)
    names = tuple(series)
    rows = tuple(
        tuple(int((m.get(block) or {}).get(name) or 0) for name in names) for m in by_month
    )
    top = _nice_max(max((v for row in rows for v in row), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(months), 1)
    bar_w = group_w * 0.8 / max(len(names), 1)
    bars = []
    labels = []
    for i, row in enumerate(rows):
        x0 = LEFT + i * group_w + group_w * 0.1
        labels.append((LEFT + i * group_w + group_w / 2, months[i]))
        for j, value in enumerate(row):
            h = plot_h * value / top
            bars.append(Bar(x0 + j * bar_w, TOP + plot_h - h, bar_w * 0.92, h, value, j, months[i]))
    ticks = tuple((TOP + plot_h - plot_h * k / 4, top * k // 4) for k in range(5))
    return Chart(
        key, title, tuple(series.values()), months, rows, tuple(bars), ticks, tuple(labels)
    )


CHARTS = (
    (
        "mt",
        "Patients sans médecin traitant",
        "medecin_traitant",
        {"signalements": "Signalements", "oriented": "Patients orientés"},
    ),
    (
        "epp",
        "Entretiens prénataux précoces",
        "epp",
        {"referrals": "Demandes", "completed": "EPP réalisés"},
    ),
    (
        "sh",
        "Sorties d'hospitalisation",
        "discharges",
        {"cases": "Sorties annoncées", "ready_before_discharge": "Prêtes avant la sortie"},
    ),
    (
        "snp",
        "Soins non programmés",
        "agenda",
        {"snp_slots_published": "Créneaux publiés", "snp_slots_booked": "Créneaux réservés"},
    ),
)


def charts(document: dict[str, Any]) -> list[Chart]:
    """Every chart of the indicators page."""
    return [
        bar_chart(key, title, document["by_month"], block, series)
        for key, title, block, series in CHARTS
    ]
