"""What each figure of the indicators document means, in French: one place for the API
(`GET /api/orientation/indicators/definitions`), the page's "?" and the exports' headers.

Each definition says what is counted, which date decides the month, and whether patients or
cases are counted. Keys are `block.figure` as in the document.
"""

from __future__ import annotations

from dataclasses import dataclass

PERIOD_RULE = (
    "Les dates s'entendent à l'heure de Paris : un mois va du 1er à 0 h au dernier jour à "
    "minuit, changements d'heure compris."
)


@dataclass(frozen=True)
class Definition:
    key: str  # `block.figure`
    label: str  # the French column header of the exports
    definition: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "definition": self.definition}


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "medecin_traitant.signalements",
        "Patients sans médecin traitant : signalements reçus",
        "Dossiers « patient sans médecin traitant » créés pendant la période, quel que soit "
        "leur devenir (annulés compris). Le mois est celui de la réception du signalement. "
        "Compte des dossiers.",
    ),
    Definition(
        "medecin_traitant.oriented",
        "Patients orientés vers un médecin traitant",
        "Patients distincts dont un dossier a été orienté (médecin traitant confirmé) pendant "
        "la période : un patient orienté deux fois compte une fois. Le mois est celui de "
        "l'orientation ; un patient compte une fois dans chaque mois où il a été orienté.",
    ),
    Definition(
        "medecin_traitant.oriented_ald",
        "Patients en ALD orientés",
        "Parmi les patients orientés, ceux dont la première orientation de la période concernait "
        "une affection de longue durée. Patients distincts, mois de l'orientation.",
    ),
    Definition(
        "medecin_traitant.median_days_to_orientation",
        "Délai médian signalement → orientation (jours)",
        "Médiane, en jours, du temps entre la réception du signalement et l'orientation, pour "
        "les orientations de la période.",
    ),
    Definition(
        "medecin_traitant.p90_days_to_orientation",
        "Délai signalement → orientation, 90e centile (jours)",
        "90 % des orientations de la période ont eu lieu dans ce délai (en jours) après le "
        "signalement.",
    ),
    Definition(
        "medecin_traitant.open_total",
        "Dossiers en cours en fin de période",
        "Dossiers ni orientés ni annulés au dernier instant de la période (ou maintenant si la "
        "période n'est pas finie). Compte des dossiers.",
    ),
    Definition(
        "medecin_traitant.cancelled",
        "Dossiers annulés",
        "Dossiers annulés pendant la période, par motif. Le mois est celui de l'annulation. "
        "Compte des dossiers.",
    ),
    Definition(
        "medecin_traitant.by_source",
        "Signalements et orientations par origine",
        "Signalements reçus et patients orientés pendant la période selon l'origine du dossier "
        "(professionnel, partenaire, hôpital, patient, aidant, import). Un patient orienté "
        "compte une fois, sous l'origine du dossier orienté.",
    ),
    Definition(
        "epp.referrals",
        "EPP : orientations reçues",
        "Demandes d'entretien prénatal précoce créées pendant la période, annulées comprises. "
        "Le mois est celui de la création. Compte des demandes.",
    ),
    Definition(
        "epp.completed",
        "EPP réalisés",
        "Demandes terminées dont la date d'EPP enregistrée tombe dans la période. Le mois est "
        "celui de l'EPP. Compte des demandes.",
    ),
    Definition(
        "epp.patients_oriented",
        "EPP : patientes orientées",
        "Patientes distinctes dont une demande a été acceptée par une sage-femme pendant la "
        "période, même annulée ensuite. Le mois est celui de l'acceptation ; une patiente "
        "compte une fois dans la période.",
    ),
    Definition(
        "discharges.cases",
        "Sorties d'hospitalisation : dossiers reçus",
        "Dossiers de sortie créés pendant la période, annulés compris. Le mois est celui de la "
        "création. Compte des dossiers.",
    ),
    Definition(
        "discharges.discharged",
        "Sorties réalisées",
        "Dossiers dont la date de sortie effective tombe dans la période. Le mois est celui de "
        "la sortie. Compte des dossiers.",
    ),
    Definition(
        "discharges.ready_before_discharge",
        "Sorties prêtes avant la sortie",
        "Parmi les sorties réalisées, celles dont le dossier (date, compte rendu, ordonnance) "
        "était prêt au plus tard la veille de la sortie. Mois de la sortie. Compte des dossiers.",
    ),
    Definition(
        "agenda.snp_slots_published",
        "Créneaux de soins non programmés publiés",
        "Créneaux de soins non programmés publiés et non retirés dont l'horaire tombe dans la "
        "période. Le mois est celui du créneau. Compte des créneaux.",
    ),
    Definition(
        "agenda.snp_slots_booked",
        "Créneaux de soins non programmés réservés",
        "Créneaux de soins non programmés portant une réservation active (non annulée). Le mois "
        "est celui du créneau. Compte des créneaux.",
    ),
    Definition(
        "agenda.professionals_publishing",
        "Professionnels publiant des créneaux",
        "Professionnels distincts ayant au moins un créneau de soins non programmés publié dans "
        "la période. Le mois est celui du créneau.",
    ),
    Definition(
        "agenda.professionals_booking",
        "Professionnels réservant des créneaux",
        "Comptes distincts ayant une réservation active sur un créneau de soins non programmés "
        "de la période. Le mois est celui du créneau.",
    ),
    Definition(
        "agenda.teleconsultations_completed",
        "Téléconsultations assistées réalisées (agenda)",
        "Téléconsultations assistées terminées pendant la période. Le mois est celui de la "
        "réalisation. Compte des téléconsultations.",
    ),
    Definition(
        "teleconsultation.completed",
        "Téléconsultations assistées réalisées",
        "Téléconsultations assistées terminées pendant la période. Le mois est celui de la "
        "réalisation. Compte des téléconsultations.",
    ),
    Definition(
        "teleconsultation.nurses",
        "Infirmiers ayant fait une téléconsultation assistée",
        "Infirmiers distincts ayant accompagné au moins une téléconsultation terminée pendant "
        "la période. Le mois est celui de la réalisation.",
    ),
    Definition(
        "teleconsultation.gps",
        "Médecins ayant fait une téléconsultation assistée",
        "Médecins distincts ayant assuré au moins une téléconsultation terminée pendant la "
        "période. Le mois est celui de la réalisation.",
    ),
    Definition(
        "directory.volunteer_gps",
        "Médecins généralistes volontaires",
        "Médecins généralistes actifs de l'annuaire qui acceptent de nouveaux patients, à la "
        "date du calcul (l'annuaire ne garde pas l'historique). Compte des médecins.",
    ),
    Definition(
        "directory.volunteer_capacity",
        "Places mensuelles des médecins volontaires",
        "Somme des places par mois déclarées par les médecins généralistes volontaires, à la "
        "date du calcul.",
    ),
)

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}


def label(block: str, figure: str) -> str:
    """The French header of `block.figure`; the key itself for a figure not defined here."""
    found = BY_KEY.get(f"{block}.{figure}")
    return found.label if found else f"{block}.{figure}"


def definitions_document() -> dict[str, object]:
    """The document of `GET /api/orientation/indicators/definitions`."""
    return {"period_rule": PERIOD_RULE, "items": [d.as_dict() for d in DEFINITIONS]}
