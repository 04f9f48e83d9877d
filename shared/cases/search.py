"""Finding patients across case types: what a search term means, and the query on one table.

A term matches a case when one of these holds:
- every word of it is part of the patient's names, in any order, without regard to case or
  accents (`patient_search`, "levy" finds "Lévy", "gros paul" finds Paul Gros);
- it is part of the case's reference ("000042", "MT-2026-0000"), when it holds a digit;
- it is a whole, valid NIR, compared through its keyed hash (`patient_key`);
- it is a French phone number, compared through its keyed hash (`patient_phone_hash`).
LIKE wildcards (`%`, `_`) and the escape character are matched literally. Each service searches
its own case types with `search_cases`; the orientation service merges their answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from shared.audit.service import record_audits
from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.service import record_reads
from shared.crypto import KEYED_HASH
from shared.db import unit_of_work
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.patients import nir_hash, phone_hash, search_text
from shared.validators import InvalidIdentifier, validate_nir, validate_phone

MIN_LENGTH = 2
MAX_LENGTH = 200
# At most this many cases per search (the most recently updated first).
LIMIT = 50
# What a result shows: read alone, so that no encrypted column is loaded and decrypted.
COLUMNS = (
    "id",
    "reference",
    "state",
    "patient_last_name",
    "patient_first_name",
    "patient_birth_date",
    "patient_identity_hash",
    "patient_key",
    "updated_at",
)
PHONE_CHARACTERS = re.compile(r"^[+\d][\d .\-()]{7,}$")


@dataclass(frozen=True)
class SearchTerms:
    """A validated search term, read every way it can match."""

    text: str
    words: tuple[str, ...]
    reference: str | None
    nir_key: str | None
    phone_key: str | None
    # Restricts the search to one patient, by the keyed hashes of their identity or NIR
    # (`patient_identity_hash`, `patient_key`): the patient page. None for an ordinary search.
    patient: tuple[str, ...] | None = None


def parse_terms(raw: str | None, *, field: str = "q") -> SearchTerms:
    """The term `raw` (the `q` parameter) or a 422 with a French message."""
    text = (raw or "").strip()
    if len(text) < MIN_LENGTH:
        raise ValidationFailed(
            {field: [f"Saisissez au moins {MIN_LENGTH} caractères pour rechercher."]}
        )
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(
            {field: [f"La recherche ne peut pas dépasser {MAX_LENGTH} caractères."]}
        )
    words = tuple(search_text(text).split())
    compact = re.sub(r"[\s.\-]", "", text)
    reference = text.upper() if any(c.isdigit() for c in text) else None
    nir_key = None
    if len(compact) == 15:
        try:
            nir_key = nir_hash(validate_nir(compact))
        except InvalidIdentifier:
            nir_key = None
    phone_key = None
    if nir_key is None and PHONE_CHARACTERS.match(text):
        try:
            phone_key = phone_hash(validate_phone(text))
        except InvalidIdentifier:
            phone_key = None
    return SearchTerms(text, words, reference, nir_key, phone_key)


def patient_terms(*keys: str) -> SearchTerms:
    """The terms of a patient page: every case whose identity or NIR hash is one of `keys`."""
    if not keys or not all(re.fullmatch(KEYED_HASH, key or "") for key in keys):
        raise ValidationFailed({"patient": ["Identifiant de patient invalide."]})
    return SearchTerms("", (), None, None, None, patient=tuple(sorted(set(keys))))


def terms_from_args(args: dict[str, Any]) -> SearchTerms:
    """The terms of a service's search endpoint: `patient` when given, else `q`."""
    if args.get("patient"):
        return patient_terms(*args["patient"].split(","))
    return parse_terms(args.get("q"))


def match(model: Any, terms: SearchTerms) -> ColumnElement[bool]:
    """The SQL condition for the cases of `model` that `terms` finds."""
    if terms.patient is not None:
        return or_(
            model.patient_identity_hash.in_(terms.patient), model.patient_key.in_(terms.patient)
        )
    conditions: list[ColumnElement[bool]] = []
    # Names hold no digit: a term with one is a reference, a NIR or a phone, never a name.
    if terms.words and not any(c.isdigit() for c in terms.text):
        conditions.append(
            and_(*(model.patient_search.contains(word, autoescape=True) for word in terms.words))
        )
    if terms.reference:
        conditions.append(model.reference.contains(terms.reference, autoescape=True))
    if terms.nir_key:
        conditions.append(model.patient_key == terms.nir_key)
    if terms.phone_key:
        conditions.append(model.patient_phone_hash == terms.phone_key)
    return or_(*conditions) if conditions else false()


def search_cases(
    case_types: Iterable[CaseType[Any]],
    terms: SearchTerms,
    principal: Principal,
    *,
    limit: int = LIMIT,
    audit: bool = True,
) -> list[tuple[CaseType[Any], Any]]:
    """The cases of `case_types` that `terms` finds and `principal` may see (rows of
    `COLUMNS`), most recently updated first, at most `limit`; each read is audited like a
    page of a list (`audit=False` for a first pass whose cases are not shown)."""
    found: list[tuple[CaseType[Any], Any]] = []
    for case_type in case_types:
        model = case_type.model
        query = (
            select(*(getattr(model, name) for name in COLUMNS))
            .where(case_type.visibility(principal), match(model, terms))
            .order_by(model.updated_at.desc(), model.id)
            .limit(limit)
        )
        found.extend((case_type, row) for row in db.session.execute(query))
    found.sort(key=lambda pair: pair[1].updated_at, reverse=True)
    found = found[:limit]
    if audit:
        record_reads([case for _type, case in found])
    return found


def audit_items(items: Sequence[dict[str, Any]]) -> None:
    """Audit the reads of the results shown (one entry per case), in one write; nothing to
    write (no transaction) when there are none."""
    if not items:
        return
    with unit_of_work():
        record_audits(action="read", references=[item["reference"] for item in items])


def search_item(case_type: CaseType[Any], case: Any, url: str | None = None) -> dict[str, Any]:
    """One result as the contract shows it, plus what the pages need: the state's French label,
    whether the case is closed, the page showing it, the patient's keys (the patient page)."""
    return {
        "reference": case.reference,
        "kind": case_type.kind,
        "state": case.state,
        "state_label": case_type.machine.labels.get(case.state, case.state),
        "closed": case_type.closed(case),
        "url": url,
        "id": str(case.id),
        "patient": {
            "last_name": case.patient_last_name,
            "first_name": case.patient_first_name,
            "birth_date": case.patient_birth_date.isoformat(),
        },
        "patient_id": case.patient_identity_hash,
        # The NIR's hash when known (else the identity's): the patient page follows it too.
        "patient_key": case.patient_key,
        "updated_at": case.updated_at.isoformat(),
    }


def merge_items(*groups: Sequence[dict[str, Any]], limit: int = LIMIT) -> list[dict[str, Any]]:
    """Results of several services in one list, most recently updated first."""
    items = [item for group in groups for item in group]
    items.sort(key=lambda item: dt.datetime.fromisoformat(item["updated_at"]), reverse=True)
    return items[:limit]
