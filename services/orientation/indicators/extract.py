"""The pseudonymised case-level extract for evaluation (admin only).

No name, NIR, phone, e-mail, address or birth date leaves here: the patient is a keyed hash
(HMAC with the application's keyring, salted with a purpose so it cannot be joined with the
stored `patient_key`), the age is a band at the date of the signalement, the place is the
commune. The case reference is left out too: it would lead back to the case in the application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, select

from services.orientation.indicators.queries import commune_of
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from shared.crypto import current_keyring
from shared.extensions import db
from shared.periods import Period
from shared.timeutil import PARIS

AGE_BANDS = ((18, "0-17"), (40, "18-39"), (60, "40-59"), (70, "60-69"), (80, "70-79"))
OLDEST_BAND = "80+"
COLUMNS = (
    "patient_pseudonyme",
    "type",
    "signale_le",
    "etat",
    "priorite",
    "ald",
    "vulnerabilites",
    "tranche_age",
    "sexe",
    "code_insee",
    "commune",
    "oriente_le",
    "jours_jusqu_orientation",
    "annule_le",
    "motif_annulation",
)


def age_band(birth: dt.date, on: dt.date) -> str:
    """The age band of someone born on `birth`, on date `on`."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for limit, label in AGE_BANDS:
        if age < limit:
            return label
    return OLDEST_BAND


def _paris_date(at: dt.datetime | None) -> str | None:
    return at.astimezone(PARIS).date().isoformat() if at else None


def extract_rows(period: Period) -> Iterator[dict[str, Any]]:
    """One pseudonymised row per médecin-traitant case signalled in the period, oldest first."""
    keyring = current_keyring()
    query = (
        select(
            Case.patient_key,
            Case.created_at,
            Case.state,
            Case.priority,
            Case.ald,
            Case.vulnerabilities,
            Case.patient_birth_date,
            Case.patient_sex,
            Case.patient_postal_code,
            Case.patient_city,
            Case.oriented_at,
            Case.cancelled_at,
            Case.cancel_reason,
        )
        .where(and_(Case.created_at >= period.start, Case.created_at < period.end))
        .order_by(Case.created_at, Case.id)
        .execution_options(yield_per=2000)
    )
    for row in db.session.execute(query):
        created_on = row.created_at.astimezone(PARIS).date()
        insee, commune = commune_of(row.patient_postal_code, row.patient_city)
        days = (
            round((row.oriented_at - row.created_at).total_seconds() / 86400, 1)
            if row.oriented_at
            else None
        )
        yield {
            "patient_pseudonyme": keyring.keyed_hash("extract:" + row.patient_key),
            "type": Case.kind,
            "signale_le": created_on.isoformat(),
            "etat": row.state,
            "priorite": row.priority,
            "ald": row.ald,
            "vulnerabilites": ",".join(row.vulnerabilities or []),
            "tranche_age": age_band(row.patient_birth_date, created_on),
            "sexe": row.patient_sex,
            "code_insee": insee,
            "commune": commune,
            "oriente_le": _paris_date(row.oriented_at),
            "jours_jusqu_orientation": days,
            "annule_le": _paris_date(row.cancelled_at),
            "motif_annulation": row.cancel_reason,
        }
