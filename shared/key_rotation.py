"""Key rotation: re-seal every encrypted column (identities, TOTP secrets, messages, documents)
with the current key and recompute the hashes.

Procedure (docs/security.md): put the new key first in `ENCRYPTION_KEYS`, keeping the old one
after it, deploy, run `relais keys rotate`, then drop the old key from the list.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, Text, select, type_coerce
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import flag_modified

from shared.crypto import EncryptedBytes, EncryptedString, current_keyring
from shared.db import unit_of_work
from shared.extensions import db
from shared.models_registry import mapped_classes
from shared.patients import PatientMixin

# Rows re-sealed per flush.
BATCH = 20


def generate_key_spec(kid: str | None = None) -> str:
    """A new `kid:base64` entry for `ENCRYPTION_KEYS` (32 random bytes)."""
    kid = kid or "k" + dt.date.today().strftime("%Y%m%d")
    if not kid.isalnum():
        raise ValueError("a key id is letters and digits only")
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


@dataclass(frozen=True)
class RotationReport:
    """How many rows were re-sealed, per table."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows re-sealed in every table."""
        return sum(self.rows.values())


def _encrypted_models() -> list[tuple[Any, list[str]]]:
    found = []
    for model in mapped_classes():
        columns = [
            attr.key
            for attr in model.__mapper__.column_attrs
            if isinstance(attr.columns[0].type, EncryptedString | EncryptedBytes)
        ]
        if columns:
            found.append((model, columns))
    return sorted(found, key=lambda item: item[0].__tablename__)


def stale_values() -> dict[str, int]:
    """Stored encrypted values not sealed with the current key, per table."""
    current = current_keyring().keys[0][0] + ":"
    stale: dict[str, int] = {}
    for model, columns in _encrypted_models():
        for name in columns:
            column = getattr(model, name)
            binary = isinstance(column.type, EncryptedBytes)
            raw = type_coerce(column, LargeBinary if binary else Text)
            for value in db.session.scalars(select(raw).where(raw.is_not(None))):
                if not _sealed_with(value, current):
                    stale[model.__tablename__] = stale.get(model.__tablename__, 0) + 1
    return stale


def _sealed_with(stored: Any, kid_prefix: str) -> bool:
    """Whether a stored value (text, or a document's bytes) starts with `<kid>:`."""
    if isinstance(stored, str):
        return stored.startswith(kid_prefix)
    return bytes(stored[: len(kid_prefix)]) == kid_prefix.encode()


def rotate_keys() -> RotationReport:
    """Re-encrypt every encrypted column with the first key, and rehash patient identities."""
    rows: dict[str, int] = {}
    with unit_of_work() as session:
        for model, columns in _encrypted_models():
            count = 0
            key = model.__mapper__.primary_key[0]
            ids = list(session.scalars(select(key).order_by(key)))
            # A few rows at a time, forgotten once written: documents weigh up to 10 MB each.
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                query = select(model).where(key.in_(batch)).with_for_update()
                # Deferred columns (a document's content) are loaded with the row.
                query = query.options(*(undefer(getattr(model, name)) for name in columns))
                objs = list(session.scalars(query))
                for obj in objs:
                    for name in columns:
                        # Loading decrypted with whichever key sealed it; writing seals with
                        # the first.
                        flag_modified(obj, name)
                    if isinstance(obj, PatientMixin) and not obj.patient_erased:
                        obj.rehash_patient()
                    count += 1
                session.flush()
                for obj in objs:
                    session.expunge(obj)
            rows[model.__tablename__] = count
    return RotationReport(rows=rows)
