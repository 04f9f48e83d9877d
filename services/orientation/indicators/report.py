"""The annual report as a PDF: the indicators document of a calendar year, laid out in HTML
(`templates/indicators/report.html`: cover, one section per action of the health project with
its figures, charts as inline SVG, monthly tables and definitions) and printed by WeasyPrint.

No network: every resource is inline and the URL fetcher refuses anything else; fonts are the
system's (DejaVu from Debian's `fonts-dejavu-core`, through Pango/fontconfig).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template

from services.orientation.indicators import service
from services.orientation.indicators.charts import Chart, bar_chart, month_label, territory_months
from services.orientation.indicators.definitions import BY_KEY, PERIOD_RULE
from shared.periods import Period
from shared.timeutil import today_paris

PDF_MEDIA_TYPE = "application/pdf"


def _no_fetch(url: str, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Le rapport n'accède à aucune ressource externe ({url}).")


# (key, title of the action, figures shown [(block, figure)], chart or None, monthly columns)
ACTIONS: tuple[dict[str, Any], ...] = (
    {
        "key": "action-1",
        "title": "Action 1 — Accès à un médecin traitant",
        "figures": (
            ("directory", "volunteer_gps"),
            ("directory", "volunteer_capacity"),
            ("medecin_traitant", "signalements"),
            ("medecin_traitant", "oriented"),
            ("medecin_traitant", "oriented_ald"),
            ("medecin_traitant", "median_days_to_orientation"),
            ("medecin_traitant", "open_total"),
            ("medecin_traitant", "cancelled"),
        ),
        "chart": ("medecin_traitant", {"signalements": "Signalements", "oriented": "Orientés"}),
        "monthly": ("medecin_traitant", ("signalements", "oriented", "oriented_ald", "cancelled")),
        "territory": True,
    },
    {
        "key": "action-2",
        "title": "Action 2 — Soins non programmés et agenda partagé",
        "figures": (
            ("agenda", "snp_slots_published"),
            ("agenda", "snp_slots_booked"),
            ("agenda", "professionals_publishing"),
            ("agenda", "professionals_booking"),
        ),
        "chart": (
            "agenda",
            {"snp_slots_published": "Créneaux publiés", "snp_slots_booked": "Réservés"},
        ),
        "monthly": (
            "agenda",
            (
                "snp_slots_published",
                "snp_slots_booked",
                "professionals_publishing",
                "professionals_booking",
            ),
        ),
    },
    {
        "key": "action-4",
        "title": "Action 4 — Téléconsultation assistée",
        "figures": (
            ("teleconsultation", "completed"),
            ("teleconsultation", "nurses"),
            ("teleconsultation", "gps"),
        ),
        "chart": ("teleconsultation", {"completed": "Réalisées", "nurses": "Infirmiers"}),
        "monthly": ("teleconsultation", ("completed", "nurses", "gps")),
    },
    {
        "key": "action-7",
        "title": "Action 7 — Entretien prénatal précoce",
        "figures": (
            ("epp", "referrals"),
            ("epp", "patients_oriented"),
            ("epp", "completed"),
        ),
        "chart": ("epp", {"referrals": "Demandes", "completed": "EPP réalisés"}),
        "monthly": ("epp", ("referrals", "patients_oriented", "completed")),
    },
    {
        "key": "action-9",
        "title": "Action 9 — Sorties d'hospitalisation avec le DAC",
        "figures": (
            ("discharges", "cases"),
            ("discharges", "discharged"),
            ("discharges", "ready_before_discharge"),
        ),
        "chart": ("discharges", {"cases": "Annoncées", "ready_before_discharge": "Prêtes"}),
        "monthly": ("discharges", ("cases", "discharged", "ready_before_discharge")),
    },
)
NOT_IN_RELAIS = (
    "Action 3 — Liste des infirmiers en pratique avancée : non suivie dans Relais.",
    "Action 9 — Convention de partenariat avec le DAC : hors des données de Relais ; les "
    "sorties d'hospitalisation coordonnées avec le DAC sont comptées ci-dessus.",
)


def year_period(year: int) -> Period:
    """1 January to 31 December of `year`, cut at today for the current year."""
    last = min(dt.date(year, 12, 31), max(today_paris(), dt.date(year, 1, 1)))
    return Period(dt.date(year, 1, 1), last)


def report_html(year: int) -> str:
    """The report of `year` as one self-contained HTML page."""
    period = year_period(year)
    document = service.indicators(period)
    sections = []
    for action in ACTIONS:
        block, series = action["chart"]
        chart: Chart = bar_chart(
            action["key"], action["title"], document["by_month"], block, series
        )
        monthly_block, columns = action["monthly"]
        sections.append(
            {
                **action,
                "facts": [
                    (BY_KEY[f"{b}.{f}"], document.get(b, {}).get(f)) for b, f in action["figures"]
                ],
                "svg": chart,
                "columns": [BY_KEY[f"{monthly_block}.{c}"].label for c in columns],
                "rows": [
                    (
                        month_label(m["month"]),
                        [m.get(monthly_block, {}).get(c) for c in columns],
                    )
                    for m in document["by_month"]
                ],
            }
        )
    settings = current_app.config["RELAIS_SETTINGS"]
    return render_template(
        "indicators/report.html",
        year=year,
        period=document["period"],
        cpts_name=getattr(settings, "cpts_name", None) or "CPTS",
        sections=sections,
        territory=territory_months(document),
        definitions=BY_KEY.values(),
        period_rule=PERIOD_RULE,
        not_in_relais=NOT_IN_RELAIS,
        generated_on=today_paris(),
    )


def report_pdf(year: int) -> bytes:
    """The PDF of the report of `year`."""
    # Imported here: WeasyPrint loads Pango when imported, which only this use needs.
    from weasyprint import HTML

    pdf = HTML(string=report_html(year), url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)
