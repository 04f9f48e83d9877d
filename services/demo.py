"""Generated demo data for `make run`: directory, one account per role, a few cases.

Every identity is produced by Faker (fr_FR, fixed seed): no real person appears here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from faker import Faker
from sqlalchemy import select
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from services.agenda.directory.service import register_professional
from services.orientation.medecin_traitant.service import submit_signalement
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.auth.service import create_user
from shared.extensions import db

DEMO_PASSWORD = "demo-relais-2026"  # noqa: S105 - development demo accounts only
DEMO_DOMAIN = "demo.relais.test"
SEED = 2026
COMMUNES = [("69003", "Lyon"), ("69100", "Villeurbanne"), ("69500", "Bron"),
            ("69200", "Vénissieux"), ("69300", "Caluire-et-Cuire"), ("69008", "Lyon")]
ROLES = ("coordinator", "gp", "midwife", "nurse", "professional", "dac", "reporting", "admin")


def _rpps(rng: random.Random) -> str:
    body = f"10{rng.randrange(10**8):08d}"
    return body + luhn.calc_check_digit(body)


def _nir(rng: random.Random, sex: str, birth: dt.date) -> str:
    body = f"{'2' if sex == 'F' else '1'}{birth:%y%m}69{rng.randrange(1, 999):03d}{rng.randrange(1, 999):03d}"
    return body + stdnum_nir.calc_check_digits(body + "00")


def _professionals(fake: Faker, rng: random.Random) -> dict[str, list]:
    created: dict[str, list] = {"gp": [], "midwife": [], "nurse": [], "pharmacist": []}
    plan = [("gp", 6), ("midwife", 2), ("nurse", 3), ("pharmacist", 1)]
    for profession, count in plan:
        for index in range(count):
            postal_code, city = COMMUNES[index % len(COMMUNES)]
            created[profession].append(register_professional(data={
                "rpps": _rpps(rng), "last_name": fake.last_name(), "first_name": fake.first_name(),
                "profession": profession, "address": fake.street_address(),
                "postal_code": postal_code, "city": city,
                "accepts_new_patients": profession == "gp" and index != 5,
                "new_patient_capacity": 4 if profession == "gp" else 0,
                "languages": ["fr", "en"] if index % 2 else ["fr", "ar"],
                "home_visits": index % 3 == 0, "teleconsultation": index % 2 == 0,
                "phone": None, "mssante_email": f"{profession}{index}@{DEMO_DOMAIN}",
            }))
    return created


def _signalements(fake: Faker, rng: random.Random, submitter: User) -> int:
    principal = Principal(user_id=submitter.id, email=submitter.email, roles=submitter.roles)
    for _ in range(6):
        sex = rng.choice("FM")
        birth = fake.date_of_birth(minimum_age=18, maximum_age=92)
        postal_code, city = rng.choice(COMMUNES)
        submit_signalement(principal=principal, data={
            "patient": {"last_name": fake.last_name(),
                        "first_name": fake.first_name_female() if sex == "F" else fake.first_name_male(),
                        "birth_date": birth, "sex": sex, "nir": _nir(rng, sex, birth),
                        "phone": "+33612345678", "email": None,
                        "address": {"line": fake.street_address(), "postal_code": postal_code,
                                    "city": city}},
            "situation": {"ald": rng.random() < 0.4, "ald_label": None,
                          "vulnerabilities": rng.sample(["c2s", "isolement", "precarite",
                                                         "handicap"], k=rng.randrange(0, 3)),
                          "reduced_mobility": rng.random() < 0.2,
                          "needs_home_visits": rng.random() < 0.2, "languages": ["fr"],
                          "reason": "Médecin traitant parti à la retraite (données de démonstration)."},
            "consent": {"patient_informed": True, "data_sharing": True},
        })
    return 6


def seed_demo_data() -> Iterator[str]:
    """Create the demo data once; yield the lines to print (accounts and password)."""
    already = db.session.scalar(select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}"))
    if already is None:
        fake = Faker("fr_FR")
        fake.seed_instance(SEED)
        rng = random.Random(SEED)
        professionals = _professionals(fake, rng)
        linked = {"gp": professionals["gp"][0].id, "midwife": professionals["midwife"][0].id,
                  "nurse": professionals["nurse"][0].id}
        users = {role: create_user(email=f"{role}@{DEMO_DOMAIN}", password=DEMO_PASSWORD,
                                   roles=[role], professional_id=linked.get(role))
                 for role in ROLES}
        count = _signalements(fake, rng, users["professional"])
        yield f"Données de démonstration créées : {count} signalements, 12 professionnels."
    else:
        yield "Données de démonstration déjà présentes."
    yield f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :"
    for role in ROLES:
        yield f"  {role:<13} {role}@{DEMO_DOMAIN}"
