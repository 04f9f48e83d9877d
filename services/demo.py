"""Generated demo data for `make run`: directory, one account per role, a few cases of every
type (médecin traitant, discharges, EPP referrals, SNP booking, teleconsultations) in telling
states, then 18 months of history (synthetic cases and the territory's baseline) so that every
indicator and chart of the annual report shows something.

Every identity is produced by Faker (fr_FR, fixed seed): no real person appears here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from faker import Faker
from sqlalchemy import select
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from services.agenda.demo import seed_agenda_cases_demo, seed_agenda_demo
from services.agenda.directory.service import register_organisation, register_professional
from services.orientation.demo import seed_orientation_demo
from services.orientation.indicators import territory
from services.orientation.indicators.synthetic import seed_synthetic
from services.orientation.medecin_traitant.service import submit_signalement
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.auth.service import create_user
from shared.extensions import db
from shared.geo import locate
from shared.timeutil import today_paris, utcnow

DEMO_PASSWORD = "demo-relais-2026"  # noqa: S105 - development demo accounts only  # nosec B105
DEMO_DOMAIN = "demo.relais.test"
SEED = 2026
COMMUNES = [
    ("69003", "Lyon"),
    ("69100", "Villeurbanne"),
    ("69500", "Bron"),
    ("69200", "Vénissieux"),
    ("69300", "Caluire-et-Cuire"),
    ("69008", "Lyon"),
]
ROLES = ("coordinator", "gp", "midwife", "nurse", "professional", "dac", "reporting", "admin")


def _rpps(rng: random.Random) -> str:
    body = f"10{rng.randrange(10**8):08d}"
    return body + luhn.calc_check_digit(body)


def _nir(rng: random.Random, sex: str, birth: dt.date) -> str:
    body = f"{'2' if sex == 'F' else '1'}{birth:%y%m}69{rng.randrange(1, 999):03d}{rng.randrange(1, 999):03d}"
    return body + stdnum_nir.calc_check_digits(body + "00")


# Places for new patients, by profession and index: 0 is "full" (the entry still accepts new
# patients in principle but has no place left this month); None means "not accepting".
CAPACITIES: dict[str, list[int | None]] = {
    "gp": [4, 2, 6, 0, 3, None],
    "midwife": [6, 4],
    "nurse": [8, 0, 5],
    "pharmacist": [None],
}
QUALIFICATIONS: dict[str, list[list[str]]] = {
    "gp": [["msu", "etp"], [], ["protocoles"], ["msu"], [], []],
    "midwife": [["etp"], []],
    "nurse": [["ipa", "protocoles"], ["etp"], []],
    "pharmacist": [["protocoles"]],
}
# Days since each entry's availability was last confirmed: most are fresh, a few are stale.
FRESHNESS_DAYS = [2, 9, 40, 1, 75, 15]


def _professionals(fake: Faker, rng: random.Random) -> dict[str, list]:
    created: dict[str, list] = {"gp": [], "midwife": [], "nurse": [], "pharmacist": []}
    for profession, capacities in CAPACITIES.items():
        for index, capacity in enumerate(capacities):
            postal_code, city = COMMUNES[index % len(COMMUNES)]
            professional = register_professional(
                data={
                    "rpps": _rpps(rng),
                    "last_name": fake.last_name(),
                    "first_name": fake.first_name(),
                    "profession": profession,
                    "address": fake.street_address(),
                    "postal_code": postal_code,
                    "city": city,
                    "accepts_new_patients": capacity is not None,
                    "new_patient_capacity": capacity or 0,
                    "languages": ["fr", "en"] if index % 2 else ["fr", "ar"],
                    "home_visits": index % 3 == 0,
                    "teleconsultation": index % 2 == 0,
                    "phone": f"+3347{rng.randrange(10**7):07d}",
                    "mssante_email": f"{profession}{index}@{DEMO_DOMAIN}",
                    "qualifications": QUALIFICATIONS[profession][index],
                    "cpts_member": profession != "pharmacist",
                }
            )
            days = FRESHNESS_DAYS[index % len(FRESHNESS_DAYS)]
            professional.capacity_updated_at = utcnow() - dt.timedelta(days=days)
            created[profession].append(professional)
    db.session.commit()
    return created


# A few structures of each kind the coordinators call, with the communes they serve.
ORGANISATIONS = [
    ("dac", "DAC Rhône Est", 0, [0, 1, 2, 3, 4]),
    ("pmi", "PMI Villeurbanne Centre", 1, [1]),
    ("pmi", "PMI Bron Parilly", 2, [2, 3]),
    ("ccas", "CCAS de Vénissieux", 3, [3]),
    ("ccas", "CCAS de Bron", 2, [2]),
    ("cmp", "CMP adultes Lyon 3e", 0, [0, 5]),
    ("cmp", "CMP enfants Villeurbanne", 1, [1, 4]),
    ("ssiad", "SSIAD Caluire et environs", 4, [4, 0]),
    ("ssiad", "SSIAD Est lyonnais", 3, [2, 3]),
    ("had", "HAD Lyon Métropole", 5, [0, 1, 2, 3, 4, 5]),
    ("ehpad", "EHPAD Les Tilleuls", 2, []),
    ("france_services", "France Services Vénissieux", 3, [3]),
]


def _organisations(fake: Faker) -> int:
    located = [locate(postal_code, city) for postal_code, city in COMMUNES]
    communes = [commune.insee for commune in located if commune is not None]
    assert len(communes) == len(COMMUNES)  # noqa: S101 - the demo communes are known  # nosec B101
    for kind, name, where, served in ORGANISATIONS:
        postal_code, city = COMMUNES[where]
        register_organisation(
            data={
                "name": f"{name} (démonstration)",
                "kind": kind,
                "address": fake.street_address(),
                "postal_code": postal_code,
                "city": city,
                "phone": f"+33478{len(name):02d}{where:04d}",
                "email": f"{kind}{where}@{DEMO_DOMAIN}",
                "communes_served": sorted({communes[i] for i in served}),
                "description": "Structure fictive des données de démonstration.",
            }
        )
    return len(ORGANISATIONS)


def _patient(
    fake: Faker,
    rng: random.Random,
    *,
    sex: str | None = None,
    minimum_age: int = 18,
    maximum_age: int = 92,
) -> dict[str, Any]:
    """A generated patient, as the API's `patient` object (JSON-ready)."""
    sex = sex or rng.choice("FM")
    birth = fake.date_of_birth(minimum_age=minimum_age, maximum_age=maximum_age)
    postal_code, city = rng.choice(COMMUNES)
    return {
        "last_name": fake.last_name(),
        "first_name": fake.first_name_female() if sex == "F" else fake.first_name_male(),
        "birth_date": birth.isoformat(),
        "sex": sex,
        "nir": _nir(rng, sex, birth),
        "phone": "+33612345678",
        "email": None,
        "address": {"line": fake.street_address(), "postal_code": postal_code, "city": city},
    }


def _signalements(fake: Faker, rng: random.Random, submitter: User) -> int:
    principal = Principal(user_id=submitter.id, email=submitter.email, roles=submitter.roles)
    for _ in range(6):
        patient = _patient(fake, rng)
        patient["birth_date"] = dt.date.fromisoformat(patient["birth_date"])
        submit_signalement(
            principal=principal,
            data={
                "patient": patient,
                "situation": {
                    "ald": rng.random() < 0.4,
                    "ald_label": None,
                    "vulnerabilities": rng.sample(
                        ["c2s", "isolement", "precarite", "handicap"], k=rng.randrange(0, 3)
                    ),
                    "reduced_mobility": rng.random() < 0.2,
                    "needs_home_visits": rng.random() < 0.2,
                    "languages": ["fr"],
                    "reason": "Médecin traitant parti à la retraite (données de démonstration).",
                },
                "consent": {"patient_informed": True, "data_sharing": True},
            },
        )
    return 6


# History for the indicators: synthetic cases spread over the last 18 months (the generator of
# the benchmarks, with its own generated professionals and references marked `S`; the most
# recent of them are naturally still open) and a baseline of patients without a médecin
# traitant for the demo communes.
HISTORY_MONTHS = 18
HISTORY_CASES = 360
HISTORY_PROFESSIONALS = 10


def _territory_baseline(rng: random.Random, uploaded_by: User) -> int:
    """A CPAM-like baseline per demo commune and month, slowly falling; rows stored."""
    located = {locate(postal_code, city) for postal_code, city in COMMUNES}
    communes = sorted(commune.insee for commune in located if commune is not None)
    today = today_paris()
    index = today.year * 12 + today.month - 1
    months = [dt.date(n // 12, n % 12 + 1, 1) for n in range(index - HISTORY_MONTHS + 1, index + 1)]
    lines = ["commune_insee;month;patients_without_mt;population"]
    for insee in communes:
        population = rng.randrange(20_000, 160_000)
        without = int(population * rng.uniform(0.05, 0.09))
        for month in months:
            lines.append(f"{insee};{month:%Y-%m};{without};{population}")
            without = max(0, without - rng.randrange(0, 40))
    return territory.upload("\r\n".join(lines).encode(), uploaded_by=uploaded_by.id)["rows"]


def seed_demo_data() -> Iterator[str]:
    """Create the demo data once; yield the lines to print (accounts and password)."""
    already = db.session.scalar(select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}"))
    if already is None:
        fake = Faker("fr_FR")
        fake.seed_instance(SEED)
        rng = random.Random(SEED)  # noqa: S311 - reproducible demo data  # nosec B311
        professionals = _professionals(fake, rng)
        linked = {
            "gp": professionals["gp"][0].id,
            "midwife": professionals["midwife"][0].id,
            "nurse": professionals["nurse"][0].id,
        }
        users = {
            role: create_user(
                email=f"{role}@{DEMO_DOMAIN}",
                password=DEMO_PASSWORD,
                roles=[role],
                professional_id=linked.get(role),
                weak_password_allowed=True,
            )
            for role in ROLES
        }
        count = _signalements(fake, rng, users["professional"])
        structures = _organisations(fake)
        yield (
            f"Données de démonstration créées : {count} signalements, "
            f"{sum(map(len, professionals.values()))} professionnels, {structures} structures."
        )
        slots = seed_agenda_demo(professionals=professionals, coordinator=users["coordinator"])
        yield f"Agenda de démonstration : {slots} créneaux publiés."

        def patient(**kwargs: Any) -> dict[str, Any]:
            return _patient(fake, rng, **kwargs)

        discharges, referrals = seed_orientation_demo(
            patient=patient, professionals=professionals, users=users
        )
        yield f"Sorties d'hospitalisation : {discharges} ; demandes d'EPP : {referrals}."
        bookings, teleconsultations = seed_agenda_cases_demo(
            patient=patient, coordinator=users["coordinator"], nurse=users["nurse"]
        )
        yield f"Réservations SNP : {bookings} ; téléconsultations : {teleconsultations}."
        history = seed_synthetic(
            cases=HISTORY_CASES,
            professionals=HISTORY_PROFESSIONALS,
            months=HISTORY_MONTHS,
            seed=SEED,
        )
        baseline = _territory_baseline(rng, users["admin"])
        yield (
            f"Historique pour les indicateurs : {HISTORY_CASES} dossiers sur {HISTORY_MONTHS} "
            f"mois ({sum(history.values())} lignes), {baseline} chiffres du territoire."
        )
    else:
        yield "Données de démonstration déjà présentes."
    yield f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :"
    for role in ROLES:
        yield f"  {role:<13} {role}@{DEMO_DOMAIN}"
