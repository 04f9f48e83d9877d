"""Patient identity columns shared by every case type, with identifiers encrypted at rest."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.crypto import EncryptedString, current_keyring, normalise_identity

ERASED = "Anonyme"


def search_text(*names: str) -> str:
    """Names as the search compares them: lower case, without accents, hyphens and
    apostrophes as spaces (`"Lévy-Durand", "Zoé"` → `"levy durand zoe"`)."""
    return normalise_identity(" ".join(names))


def phone_hash(e164: str) -> str:
    """The keyed hash of a phone number in E.164 form (`patient_phone_hash`)."""
    return current_keyring().keyed_hash("phone:" + e164)


def nir_hash(nir: str) -> str:
    """The keyed hash of a validated NIR: a case's `patient_key` when its NIR is known."""
    return current_keyring().keyed_hash("nir:" + nir)


def search_indexes(table: str) -> tuple[Index, ...]:
    """PostgreSQL trigram indexes that make `LIKE '%…%'` on the names and the reference fast
    (`pg_trgm`, created by the migrations); SQLite scans, which is fine at its sizes."""
    return tuple(
        Index(
            f"ix_{table}_{column}_trgm",
            column,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            info={"dialects": ("postgresql",)},
        )
        for column in ("patient_search", "reference")
    )


class PatientMixin:
    """The contract's `patient` object, flattened into the case row."""

    patient_last_name: Mapped[str] = mapped_column(String(100))
    patient_first_name: Mapped[str] = mapped_column(String(100))
    patient_birth_date: Mapped[dt.date]
    patient_sex: Mapped[str] = mapped_column(String(1))
    patient_nir: Mapped[str | None] = mapped_column(EncryptedString)
    patient_phone: Mapped[str] = mapped_column(EncryptedString)
    patient_email: Mapped[str | None] = mapped_column(String(254))
    patient_address_line: Mapped[str] = mapped_column(String(200))
    patient_postal_code: Mapped[str] = mapped_column(String(5), index=True)
    patient_city: Mapped[str] = mapped_column(String(100))
    # HMAC of the NIR when known, else of name + birth date: finds the same patient again.
    patient_key: Mapped[str] = mapped_column(String(64), index=True)
    # HMAC of name + birth date, always set: catches a duplicate submitted once with a NIR
    # and once without.
    patient_identity_hash: Mapped[str] = mapped_column(String(64), index=True)
    # What the search matches names against: "last first", lower case, without accents
    # (`search_text`); trigram-indexed on PostgreSQL (`search_indexes`).
    patient_search: Mapped[str] = mapped_column(String(210), default="", server_default="")
    # HMAC of the E.164 phone: finds a patient by phone without decrypting every row. Cases
    # created before it existed get it at the next `relais keys rotate` (which rehashes all).
    patient_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    def set_patient(self, patient: dict[str, Any]) -> None:
        """Copy a validated `PatientSchema` payload into the columns, computing the hashes."""
        self.patient_last_name = patient["last_name"]
        self.patient_first_name = patient["first_name"]
        self.patient_birth_date = patient["birth_date"]
        self.patient_sex = patient["sex"]
        self.patient_nir = patient.get("nir")
        self.patient_phone = patient["phone"]
        self.patient_email = patient.get("email")
        self.patient_address_line = patient["address"]["line"]
        self.patient_postal_code = patient["address"]["postal_code"]
        self.patient_city = patient["address"]["city"]
        self.rehash_patient()

    def rehash_patient(self) -> None:
        """Recompute the keyed hashes from the identity (after a change of key, or an edit)."""
        keyring = current_keyring()
        identity = normalise_identity(
            self.patient_last_name, self.patient_first_name, self.patient_birth_date.isoformat()
        )
        self.patient_identity_hash = keyring.keyed_hash("identity:" + identity)
        self.patient_search = search_text(self.patient_last_name, self.patient_first_name)
        self.patient_phone_hash = phone_hash(self.patient_phone) if self.patient_phone else None
        self.patient_key = (
            nir_hash(self.patient_nir) if self.patient_nir else self.patient_identity_hash
        )

    def anonymise_patient(self) -> None:
        """Erase the identity (right to erasure); keeps sex, birth year and commune (indicators)."""
        self.patient_last_name = ERASED
        self.patient_first_name = ERASED
        self.patient_birth_date = dt.date(self.patient_birth_date.year, 1, 1)
        self.patient_nir = None
        self.patient_phone = ""
        self.patient_email = None
        self.patient_address_line = ""
        # Random hashes: the erased case matches no one, not even a later case of the same person.
        keyring = current_keyring()
        self.patient_identity_hash = keyring.keyed_hash("erased:" + secrets.token_hex(16))
        self.patient_key = self.patient_identity_hash
        self.patient_search = ""
        self.patient_phone_hash = None

    @property
    def patient_erased(self) -> bool:
        """Whether the identity was erased at the patient's request."""
        return self.patient_last_name == ERASED and self.patient_nir is None

    def patient_dict(self) -> dict[str, Any]:
        """The contract's `patient` object."""
        return {
            "last_name": self.patient_last_name,
            "first_name": self.patient_first_name,
            "birth_date": self.patient_birth_date.isoformat(),
            "sex": self.patient_sex,
            "nir": self.patient_nir,
            "phone": self.patient_phone,
            "email": self.patient_email,
            "address": {
                "line": self.patient_address_line,
                "postal_code": self.patient_postal_code,
                "city": self.patient_city,
            },
        }

    def patient_age(self, on: dt.date) -> int:
        """Age in whole years on date `on`."""
        born = self.patient_birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
