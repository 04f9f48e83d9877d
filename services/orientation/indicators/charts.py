"""Bar charts of monthly indicators, laid out on the server (the template only draws SVG)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 10, 30


@lru_cache(maxsize=1)
def _french() -> Locale:
    """fr_FR, parsed once: given as text, Babel parses it again for every figure of a page."""
    return Locale.parse("fr_FR")


def number(value: int | float | None) -> str:
    """French formatting of a figure (`12 345`, `2,5`; a narrow no-break space groups the
    thousands, so a figure never wraps); `—` for none."""
    if value is None:
        return "—"
    return _french_number(value)


@lru_cache(maxsize=4096, typed=True)  # 1 and 1.0: each its own entry
def _french_number(value: int | float) -> str:
    # A page shows some 300 figures, mostly the same few (zeros, small counts): Babel
    # formats each distinct value once.
    return format_decimal(value, locale=_french())


def percent(value: float | None) -> str:
    """`2,1 %` (French, one decimal); `—` for none."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.0\u202f%", locale=_french())


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
    ticks: tuple[tuple[float, str], ...]  # (y, label) of the horizontal grid lines
    labels: tuple[tuple[float, str], ...]  # (x, month) under each group
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM


def month_label(label: str) -> str:
    """`2026-03` → `mars 2026` (Babel's French abbreviated month)."""
    year, month = label.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MMM y", locale=_french())


def nice_axis(value: int | float, intervals: int = 4) -> tuple[int, int]:
    """(top, step) of an axis from 0 showing `value`: the step is a whole 1, 2 or 5 × 10^n,
    so every grid line falls on an integer, and at most `intervals` steps reach the top."""
    if value <= intervals:
        return intervals, 1
    raw = value / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def bar_chart(
    key: str, title: str, by_month: list[dict[str, Any]], block: str, series: dict[str, str]
) -> Chart:
    """The chart of `series` (figure name → French label) of `block`, month by month."""
    months = tuple(month_label(m["month"]) for m in by_month)
    names = tuple(series)
    rows = tuple(
        tuple(int((m.get(block) or {}).get(name) or 0) for name in names) for m in by_month
    )
    top, step = nice_axis(max((v for row in rows for v in row), default=0))
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
    ticks = tuple(
        (TOP + plot_h - plot_h * value / top, number(value)) for value in range(0, top + 1, step)
    )
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
    (
        "tc",
        "Téléconsultation assistée",
        "teleconsultation",
        {"completed": "Téléconsultations", "nurses": "Infirmiers"},
    ),
)


def charts(document: dict[str, Any]) -> list[Chart]:
    """Every chart of the indicators page (the territory's when a baseline is loaded)."""
    found = [
        bar_chart(key, title, document["by_month"], block, series)
        for key, title, block, series in CHARTS
    ]
    territory = territory_months(document)
    if territory:
        found.insert(
            1,
            bar_chart(
                "territory",
                "Territoire : patients sans médecin traitant",
                territory,
                "territory",
                {"patients_without_mt": "Patients sans médecin traitant (CPAM)"},
            ),
        )
    return found


def territory_months(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The baseline's months in the shape of `by_month` (`{"month", "territory": {...}}`), with
    the CPTS's oriented patients of the same month; empty without a baseline."""
    baseline = (document.get("territory") or {}).get("patients_without_mt_by_month") or []
    oriented = {m["month"]: m["medecin_traitant"]["oriented"] for m in document["by_month"]}
    return [
        {"month": row["month"], "territory": row, "oriented": oriented.get(row["month"], 0)}
        for row in baseline
    ]
