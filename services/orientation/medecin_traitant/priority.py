"""Priority of a signalement, from the Assurance Maladie's fragility criteria first.

ALD, C2S and age 70+ are the criteria the Assurance Maladie uses to count fragile patients
without a médecin traitant; each weighs 3. The other vulnerabilities, reduced mobility and
the need for home visits weigh 1 each. Priority 1 (most urgent) needs at least one
Assurance Maladie criterion and a score of 4 or more; 2 is any criterion or a score of 2+.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FRAGILITY_WEIGHT = 3
OTHER_WEIGHT = 1
VULNERABILITY_LABELS = {
    "isolement": "Isolement",
    "precarite": "Précarité",
    "handicap": "Situation de handicap",
    "barriere_linguistique": "Barrière linguistique",
    "sortie_hospitalisation": "Sortie d'hospitalisation",
    "grossesse": "Grossesse",
    "sans_domicile": "Sans domicile",
    "troubles_cognitifs": "Troubles cognitifs",
}


@dataclass(frozen=True)
class Priority:
    level: int
    score: int
    reasons: list[str]


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in whole years on `on`."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def compute_priority(
    *,
    birth_date: dt.date,
    ald: bool,
    ald_label: str | None,
    vulnerabilities: list[str],
    reduced_mobility: bool,
    needs_home_visits: bool,
    today: dt.date,
) -> Priority:
    """The priority level (1 = most urgent), its score and the reasons behind it, in French."""
    reasons: list[str] = []
    fragility = 0
    if ald:
        fragility += 1
        reasons.append(f"Affection de longue durée (ALD){f' : {ald_label}' if ald_label else ''}")
    if "c2s" in vulnerabilities:
        fragility += 1
        reasons.append("Bénéficiaire de la Complémentaire santé solidaire (C2S)")
    age = age_on(birth_date, today)
    if age >= 70:
        fragility += 1
        reasons.append(f"70 ans ou plus ({age} ans)")
    others = [VULNERABILITY_LABELS[v] for v in vulnerabilities if v in VULNERABILITY_LABELS]
    if reduced_mobility:
        others.append("Mobilité réduite")
    if needs_home_visits:
        others.append("Besoin de visites à domicile")
    reasons.extend(others)
    score = fragility * FRAGILITY_WEIGHT + len(others) * OTHER_WEIGHT
    if fragility and score >= 4:
        level = 1
    elif fragility or score >= 2:
        level = 2
    else:
        level = 3
    if not reasons:
        reasons.append("Aucun critère de fragilité déclaré")
    return Priority(level=level, score=score, reasons=reasons)
