"""Import of a CPTS's existing waiting list (CSV `;` or XLSX): all rows or none.

Every row is checked with the API's own signalement schema; duplicates (of an open case, or
of an earlier row of the file) are reported and skipped; any rejected row stores nothing.
Each created case keeps its original `received_on` date as its creation instant (waiting
times and indicators stay true), has `source: import`, starts `triaged` when the row carries
a synthesis, and gets its own audit entry. Rows do not notify the coordination one by one:
the importer is the coordination.

The patients of the list were registered by the CPTS with their consent; the import records
that consent as given (`consent_at` is the import's instant).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import or_, select

from services.orientation.medecin_traitant.intake.sources import IMPORT
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.schemas import SignalementSchema
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT, new_case
from shared.auth.principal import Principal
from shared.cases.service import create_case, record_step
from shared.db import unit_of_work
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.spreadsheets import Table, write_xlsx
from shared.timeutil import from_paris, today_paris

COLUMNS = (
    "nom",
    "prenom",
    "date_naissance",
    "sexe",
    "nir",
    "telephone",
    "adresse",
    "code_postal",
    "commune",
    "ald",
    "ald_libelle",
    "fragilites",
    "mobilite_reduite",
    "visites_a_domicile",
    "langues",
    "motif",
    "recu_le",
    "synthese",
)
REQUIRED = (
    "nom",
    "prenom",
    "date_naissance",
    "sexe",
    "telephone",
    "adresse",
    "code_postal",
    "commune",
    "motif",
)
# Rows per import: checked and stored in one transaction within the request's time limit.
MAX_ROWS = 10_000
MAX_BYTES = 8 * 1024 * 1024
MAX_LABEL = "8 Mo"
# Where each API field comes from, to name the column in a row's error.
COLUMN_OF = {
    "patient.last_name": "nom",
    "patient.first_name": "prenom",
    "patient.birth_date": "date_naissance",
    "patient.sex": "sexe",
    "patient.nir": "nir",
    "patient.phone": "telephone",
    "patient.address.line": "adresse",
    "patient.address.postal_code": "code_postal",
    "patient.address.city": "commune",
    "patient.address": "code_postal",
    "situation.ald": "ald",
    "situation.ald_label": "ald_libelle",
    "situation.vulnerabilities": "fragilites",
    "situation.reduced_mobility": "mobilite_reduite",
    "situation.needs_home_visits": "visites_a_domicile",
    "situation.languages": "langues",
    "situation.reason": "motif",
}
EXAMPLE = (
    "Exemple",
    "Camille",
    "14/03/1950",
    "F",
    "",
    "06 12 34 56 78",
    "3 rue des Essais",
    "69003",
    "Lyon",
    "oui",
    "Diabète de type 2",
    "isolement,c2s",
    "non",
    "non",
    "fr",
    "Médecin traitant parti à la retraite",
    "15/01/2026",
    "",
)


class FileRefused(ValidationFailed):
    """The file as a whole cannot be read (format, encoding, columns, size)."""

    def __init__(self, message: str):
        super().__init__({"file": [message]}, message)


@dataclass
class Report:
    """What an import did (or would do): the contract's `{created, duplicates, rejected}`."""

    created: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    cases: list[tuple[int, MedecinTraitantCase, dt.datetime, str | None]] = field(
        default_factory=list
    )

    def as_dict(self) -> dict[str, Any]:
        """The report as the API returns it."""
        return {"created": self.created, "duplicates": self.duplicates, "rejected": self.rejected}


def template() -> bytes:
    """The XLSX template: the columns, one example row."""
    return write_xlsx({"Liste d'attente": Table(COLUMNS, [EXAMPLE])})


# --- reading the file -------------------------------------------------------------------------


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-empty row; `FileRefused` in French."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Le fichier dépasse {MAX_LABEL} : découpez-le.")
    if data.startswith(b"PK\x03\x04"):
        header, rows = _xlsx_rows(data)
    else:
        header, rows = _csv_rows(data)
    _check_header(header)
    found: list[tuple[int, dict[str, str]]] = []
    for number, values in rows:
        cells = [_text(v) for v in values]
        if not any(cells):
            continue
        if len(found) >= MAX_ROWS:
            raise FileRefused(
                f"Le fichier compte plus de {MAX_ROWS} lignes : importez-le en plusieurs "
                f"fichiers de {MAX_ROWS} lignes au plus. Rien n'a été importé."
            )
        cells += [""] * (len(header) - len(cells))
        record = dict(zip(header, cells, strict=False))
        _restore_numbers(record, dict(zip(header, values, strict=False)))
        found.append((number, record))
    if not found:
        raise FileRefused("Le fichier ne contient aucune ligne de patient.")
    return found


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: Excel's "CSV (séparateur : point-virgule)" writes Windows-1252. Its bytes
    # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined: a file holding them is something else.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "Encodage du fichier non reconnu : enregistrez-le en « CSV UTF-8 (délimité par "
            "des points-virgules) »."
        ) from exc


def _csv_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    if ";" not in first:
        raise FileRefused(
            "Le séparateur des colonnes doit être le point-virgule (;) : "
            "enregistrez le fichier en « CSV (séparateur : point-virgule) »."
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FileRefused(f"Fichier CSV illisible : {exc}.") from exc
    header = [h.strip().lower() for h in rows[0]] if rows else []
    return header, [(n, row) for n, row in enumerate(rows[1:], start=2)]


def _xlsx_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook  # a few MB: imported when a workbook comes

    try:
        # Values only: a formula gives its last computed value, never runs; macros are
        # not even loaded.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused("Classeur XLSX illisible : enregistrez-le à nouveau en .xlsx.") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    header = [_text(h).lower() for h in rows[0]] if rows else []
    return header, [(n, row) for n, row in enumerate(rows[1:], start=2)]


def _restore_numbers(record: dict[str, str], raw: dict[str, Any]) -> None:
    """A spreadsheet stores 01000 and 0612345678 as numbers, without their leading zero."""
    if isinstance(raw.get("code_postal"), int | float):
        record["code_postal"] = record["code_postal"].zfill(5)
    if isinstance(raw.get("telephone"), int | float) and len(record["telephone"]) == 9:
        record["telephone"] = "0" + record["telephone"]


def _check_header(header: list[str]) -> None:
    header = [h for h in header if h]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("colonnes manquantes : " + ", ".join(missing))
        if unknown:
            parts.append("colonnes inconnues : " + ", ".join(unknown))
        raise FileRefused(
            "La première ligne doit nommer les colonnes du modèle ("
            + " ; ".join(parts)
            + "). Téléchargez le modèle pour la liste exacte."
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- checking the rows ------------------------------------------------------------------------

_FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _date(text: str) -> str:
    """`JJ/MM/AAAA` as `AAAA-MM-JJ`; anything else is left for the schema to judge."""
    match = _FRENCH_DATE.match(text)
    return f"{match[3]}-{match[2]}-{match[1]}" if match else text


def _boolean(text: str, column: str, errors: dict[str, str]) -> bool:
    value = text.strip().lower()
    if value in ("", "non"):
        return False
    if value == "oui":
        return True
    errors[column] = "« oui » ou « non » attendu."
    return False


def _list(text: str) -> list[str]:
    return [part.strip().lower() for part in text.split(",") if part.strip()]


def _received(text: str, errors: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(_date(text))
    except ValueError:
        errors["recu_le"] = "Date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ."
        return None
    if day > today_paris():
        errors["recu_le"] = "La date de réception ne peut pas être dans le futur."
    return day


def _payload(row: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    languages = _list(row.get("langues", "")) or ["fr"]
    return {
        "patient": {
            "last_name": row["nom"],
            "first_name": row["prenom"],
            "birth_date": _date(row["date_naissance"]),
            "sex": row["sexe"].upper(),
            "nir": row.get("nir") or None,
            "phone": row["telephone"],
            "address": {
                "line": row["adresse"],
                "postal_code": row["code_postal"],
                "city": row["commune"],
            },
        },
        "situation": {
            "ald": _boolean(row.get("ald", ""), "ald", errors),
            "ald_label": row.get("ald_libelle") or None,
            "vulnerabilities": _list(row.get("fragilites", "")),
            "reduced_mobility": _boolean(
                row.get("mobilite_reduite", ""), "mobilite_reduite", errors
            ),
            "needs_home_visits": _boolean(
                row.get("visites_a_domicile", ""), "visites_a_domicile", errors
            ),
            "languages": languages,
            "reason": row["motif"],
        },
        "consent": {"patient_informed": True, "data_sharing": True},
    }


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found += _flatten(value, path)
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(prefix, m) for m in messages]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, prefix)]
    return [(prefix, str(messages))]


def _column(path: str) -> str:
    while path and path not in COLUMN_OF:
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return COLUMN_OF.get(path, path or "ligne")


def check(rows: list[tuple[int, dict[str, str]]]) -> Report:
    """Validate every row, find duplicates (open cases, earlier rows); nothing stored."""
    report = Report()
    schema = SignalementSchema()
    seen: dict[str, int] = {}
    drafts = []
    for number, row in rows:
        errors: dict[str, str] = {}
        payload = _payload(row, errors)
        received = _received(row.get("recu_le", ""), errors)
        synthesis = row.get("synthese") or None
        if synthesis and len(synthesis) > 8000:
            errors["synthese"] = "8 000 caractères au plus."
        try:
            data = schema.load(payload)
        except ValidationError as exc:
            for path, message in _flatten(exc.messages):
                errors.setdefault(_column(path), message)
            data = None
        if errors:
            report.rejected += [
                {"line": number, "field": column, "reason": reason}
                for column, reason in errors.items()
            ]
            continue
        assert data is not None
        case = new_case(data)
        keys = (case.patient_key, case.patient_identity_hash)
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            report.duplicates.append({"line": number, "reference": None, "same_as_line": earlier})
            continue
        for key in keys:
            seen[key] = number
        received_at = from_paris(dt.datetime.combine(received or today_paris(), dt.time(12)))
        drafts.append((number, case, received_at, synthesis))
    existing = _open_cases_of([case for _, case, _, _ in drafts])
    for number, case, received_at, synthesis in drafts:
        reference = existing.get(case.patient_key) or existing.get(case.patient_identity_hash)
        if reference:
            report.duplicates.append({"line": number, "reference": reference})
        else:
            report.cases.append((number, case, received_at, synthesis))
    report.duplicates.sort(key=lambda d: d["line"])
    report.created = len(report.cases)
    return report


def _open_cases_of(cases: list[MedecinTraitantCase]) -> dict[str, str]:
    """{patient key or identity hash: reference} of the open cases of these patients."""
    model = MedecinTraitantCase
    found: dict[str, str] = {}
    for start in range(0, len(cases), 500):
        chunk = cases[start : start + 500]
        keys = [c.patient_key for c in chunk]
        hashes = [c.patient_identity_hash for c in chunk]
        rows = db.session.execute(
            select(model.reference, model.patient_key, model.patient_identity_hash).where(
                model.state.in_(MEDECIN_TRAITANT.machine.case_states.open),
                or_(model.patient_key.in_(keys), model.patient_identity_hash.in_(hashes)),
            )
        )
        for reference, key, identity in rows:
            found[key] = found[identity] = reference
    return found


# --- storing ----------------------------------------------------------------------------------


def import_waiting_list(*, data: bytes, principal: Principal, dry_run: bool) -> Report:
    """Check the file and, unless `dry_run`, store every new case in one transaction;
    `ValidationFailed` (422, the report keyed `ligne <n>`) when any row is rejected."""
    report = check(read_rows(data))
    if report.rejected:
        fields: dict[str, list[str]] = {}
        for item in report.rejected:
            fields.setdefault(f"ligne {item['line']}", []).append(
                f"{item['field']} : {item['reason']}"
            )
        raise ValidationFailed(
            fields,
            f"{len(fields)} ligne(s) refusée(s) : rien n'a été importé. Corrigez-les puis "
            "importez à nouveau le fichier.",
        )
    if dry_run:
        return report
    with unit_of_work():
        for _, case, received_at, synthesis in report.cases:
            case.source = IMPORT
            create_case(
                MEDECIN_TRAITANT, case, principal=principal, at=received_at, announced=False
            )
            if synthesis:
                case.synthesis = synthesis
                case.state = "triaged"
                record_step(
                    MEDECIN_TRAITANT,
                    case,
                    name="triage",
                    before="submitted",
                    principal=principal,
                    comment=synthesis,
                    data=None,
                    at=received_at,
                )
    return report
