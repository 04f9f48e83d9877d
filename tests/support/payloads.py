"""Valid request bodies (generated identities only), to be varied by each test."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

_counter = itertools.count(1)


def make_nir(
    sex: str = "2",
    year: str = "50",
    month: str = "03",
    dept: str = "69",
    commune: str = "123",
    order: int | None = None,
) -> str:
    """A NIR with a valid key, unique per call unless `order` is given (by default, of a woman
    born in March 1950, as `patient()`)."""
    order = order if order is not None else next(_counter) % 1000
    body = f"{sex}{year}{month}{dept}{commune}{order:03d}"
    return body + stdnum_nir.calc_check_digits(body + "00")


def make_rpps(seed: int | None = None) -> str:
    """An 11-digit RPPS number with a valid Luhn key."""
    seed = seed if seed is not None else next(_counter)
    body = f"1000{seed:06d}"
    return body + luhn.calc_check_digit(body)


def patient(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {
        "last_name": f"Testnom{n}",
        "first_name": f"Prénomtest{n}",
        "birth_date": "1950-03-14",
        "sex": "F",
        "phone": "0612345678",
        "email": None,
        "address": {"line": f"{n} rue des Essais", "postal_code": "69003", "city": "Lyon"},
    }
    return changed_patient(body, **overrides)


def changed_patient(patient: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`patient` with `changes` made in place (and returned); unless a NIR is among them, a new
    NIR that agrees with the sex and birth date, as the API requires."""
    patient.update(changes)
    if "nir" not in changes:
        born = dt.date.fromisoformat(str(patient["birth_date"]))
        sex_digit = "1" if patient["sex"] == "M" else "2"
        patient["nir"] = make_nir(sex=sex_digit, year=f"{born:%y}", month=f"{born:%m}")
    return patient


def signalement(**situation_overrides: Any) -> dict[str, Any]:
    situation = {
        "ald": True,
        "ald_label": "Diabète de type 2",
        "vulnerabilities": ["isolement"],
        "reduced_mobility": False,
        "needs_home_visits": False,
        "languages": ["fr"],
        "reason": "Médecin traitant parti à la retraite.",
    }
    situation.update(situation_overrides)
    return {
        "patient": patient(),
        "situation": situation,
        "consent": {"patient_informed": True, "data_sharing": True},
    }


def professional(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {
        "rpps": make_rpps(),
        "last_name": f"Docteurtest{n}",
        "first_name": "Camille",
        "profession": "gp",
        "address": "1 place de l'Essai",
        "postal_code": "69003",
        "city": "Lyon",
        "accepts_new_patients": True,
        "new_patient_capacity": 5,
        "languages": ["fr"],
        "home_visits": False,
        "teleconsultation": True,
    }
    body.update(overrides)
    return body


def deep(body: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(body)
