"""Imports into the directory: the Annuaire Santé public extract (streamed, filtered, one
professional per RPPS with its sites, idempotent, valid rows kept) and the CPTS's own list
(CSV `;` or XLSX, all or nothing). See `docs/directory.md` and `interop/annuaire-sante.md`."""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select

from services.agenda.directory.models import PracticeSite, Professional
from services.agenda.directory.schemas import ProfessionalCreateSchema
from services.agenda.directory.service import locate_entry, search_key
from shared.db import among, bulk_insert, unit_of_work
from shared.errors import UnsupportedMediaType, ValidationFailed
from shared.geo import Commune, by_insee, communes_by_insee, locate
from shared.http.parsing import flatten_errors
from shared.timeutil import utcnow
from shared.types import new_uuids
from shared.validators import InvalidIdentifier, validate_phone, validate_rpps

EXTRACT_HEADER = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
]
# The columns the import reads; a file lacking one is refused (422 naming the first missing).
USED_COLUMNS = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Code savoir-faire",
    "Code mode exercice",
    "Numéro SIRET site",
    "Numéro FINESS site",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Téléphone (coord. structure)",
)
# TRE_G15 profession codes; a physician with savoir-faire SM54 is a GP.
PROFESSION_CODES = {
    "10": "specialist",
    "21": "pharmacist",
    "40": "dentist",
    "50": "midwife",
    "60": "nurse",
    "70": "physiotherapist",
    "91": "speech_therapist",
}
GENERAL_PRACTICE = "SM54"
BATCH = 1000
REJECTED_KEPT = 1000  # the report lists the first ones and counts them all
PROGRESS_EVERY = 100_000


@dataclass(frozen=True)
class ExtractFilters:
    """Which rows of the national extract belong to the CPTS (GDPR: nothing else)."""

    departement: str | None = None
    communes: frozenset[str] = frozenset()
    professions: frozenset[str] = frozenset()

    @classmethod
    def parse(
        cls, *, departement: str | None, communes: str | None, professions: str | None
    ) -> ExtractFilters:
        """Filters as typed on the command line or in the query string (comma-separated)."""
        from services.agenda.directory.models import PROFESSIONS

        wanted = frozenset(p.strip() for p in (professions or "").split(",") if p.strip())
        unknown = sorted(wanted - set(PROFESSIONS))
        if unknown:
            raise ValidationFailed(
                {"professions": [f"Profession inconnue : {', '.join(unknown)}."]}
            )
        codes = frozenset(c.strip().upper() for c in (communes or "").split(",") if c.strip())
        missing = sorted(c for c in codes if by_insee(c) is None)
        if missing:
            raise ValidationFailed(
                {"communes": [f"Code commune INSEE inconnu : {', '.join(missing)}."]}
            )
        dep = (departement or "").strip().upper() or None
        if dep is not None and not (len(dep) in (2, 3) and dep.isalnum()):
            raise ValidationFailed(
                {"departement": ["Numéro de département attendu (ex. 77, 2A, 974)."]}
            )
        return cls(departement=dep, communes=codes, professions=wanted)

    def keeps(self, commune: Commune) -> bool:
        """Whether a site in `commune` is in the territory."""
        if self.communes and commune.insee not in self.communes:
            return False
        return self.departement is None or departement_of(commune.insee) == self.departement


def departement_of(insee: str) -> str:
    """The département of an INSEE code (`974xx` -> `974`, `2Axxx` -> `2A`)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rejected_total: int = 0
    dry_run: bool = False

    def reject(self, line: int, reason: str) -> None:
        """Count a row that cannot be used; keep the first ones for the report."""
        self.rejected_total += 1
        if len(self.rejected) < REJECTED_KEPT:
            self.rejected.append({"line": line, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        """The contract's report."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "rejected_total": self.rejected_total,
            "dry_run": self.dry_run,
        }


@dataclass
class Imported:
    """One professional as the extract describes them (its lines merged)."""

    rpps: str
    last_name: str
    first_name: str
    profession: str
    sites: dict[tuple[str, ...], dict[str, Any]]

    def reference(self) -> dict[str, Any]:
        """The fields the import owns (identity and practice place); never availability."""
        first = next(iter(self.sites.values()))
        return {
            "last_name": self.last_name,
            "first_name": self.first_name,
            "profession": self.profession,
            "address": first["address"],
            "postal_code": first["postal_code"],
            "city": first["city"],
            "insee": first["insee"],
            "latitude": first["latitude"],
            "longitude": first["longitude"],
            "search_name": _search_name(self.last_name, self.first_name),
        }


@functools.lru_cache(maxsize=65_536)
def _search_part(name: str) -> str:
    """`search_key` of one name, remembered: an extract repeats the same first names and
    common last names on thousands of professionals."""
    return search_key(name)


def _search_name(last_name: str, first_name: str) -> str:
    """`search_key(last_name, first_name)`, one name at a time."""
    return " ".join(_search_part(name) for name in (last_name, first_name) if name)


def _check_header(line: str) -> list[str]:
    header = [name.strip() for name in line.rstrip("\r\n").split("|")]
    if header and header[-1] == "":
        header.pop()  # the trailing `|`
    present = set(header)
    for column in USED_COLUMNS:
        if column not in present:
            raise ValidationFailed(
                {"file": [f"Colonne manquante dans l'extraction : « {column} »."]},
                message=f"L'en-tête de l'extraction ne contient pas la colonne « {column} ».",
            )
    return header


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The decoded lines of an uploaded text file; 415 when it is not UTF-8 text. Read through
    `io.TextIOWrapper` (decoding in C, a chunk at a time), not `codecs`' line-by-line reader."""
    reader = io.TextIOWrapper(
        io.BufferedReader(_Readable(stream), 1 << 16), encoding="utf-8-sig", newline=""
    )
    try:
        first = reader.readline()
        if "\x00" in first:
            raise UnsupportedMediaType("Le fichier n'est pas un fichier texte.")
        yield first
        yield from reader
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaType("Le fichier n'est pas un texte UTF-8.") from exc


class _Readable(io.RawIOBase):
    """Any object with `read(n)` (a file, an upload's stream) as the raw stream of a
    `TextIOWrapper`, which also wants `readable()` and `readinto()`. Closing it (when the
    wrapper is collected) leaves the caller's stream open."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@functools.lru_cache(maxsize=65_536)
def _commune(insee: str, postal_code: str, city: str, cedex: str) -> Commune | None:
    """The commune of a row (the extract repeats the same few thousand places: cached)."""
    if insee:
        found = by_insee(insee)
        if found is not None:
            return found
    if not postal_code and cedex[:5].isdigit():
        postal_code = cedex[:5]
    name = city or cedex[5:].strip()
    return locate(postal_code, name) if postal_code else None


def _profession(code: str, skill: str) -> str:
    """The directory's profession of a TRE_G15 profession code (and savoir-faire)."""
    if code == "10" and skill == GENERAL_PRACTICE:
        return "gp"
    return PROFESSION_CODES.get(code, "other")


def _phone(raw: str) -> str | None:
    """A site's phone in E.164 form, or None when it is not a French number (the site is kept
    without it). Not cached: `validate_phone` reads the usual forms in microseconds."""
    try:
        return validate_phone(raw) if raw else None
    except InvalidIdentifier:
        return None


def import_extract(
    stream: IO[bytes],
    *,
    filters: ExtractFilters,
    dry_run: bool = False,
    progress: Callable[[int, ImportReport], None] | None = None,
) -> ImportReport:
    """Import the Annuaire Santé extract line by line; valid rows are kept, the others listed."""
    report = ImportReport(dry_run=dry_run)
    lines = _text_lines(stream)
    header_line = next(lines, None)
    if header_line is None:
        raise ValidationFailed({"file": ["Le fichier est vide."]})
    header = _check_header(header_line)
    at = {name: header.index(name) for name in USED_COLUMNS}
    width = len(header)
    i_type, i_id, i_last, i_first = (
        at["Type d'identifiant PP"],
        at["Identifiant PP"],
        at["Nom d'exercice"],
        at["Prénom d'exercice"],
    )
    i_prof, i_skill = at["Code profession"], at["Code savoir-faire"]
    i_pc, i_insee, i_city, i_cedex = (
        at["Code postal (coord. structure)"],
        at["Code commune (coord. structure)"],
        at["Libellé commune (coord. structure)"],
        at["Bureau cedex (coord. structure)"],
    )
    site_at = tuple(at[name] for name in SITE_COLUMNS)
    wanted = filters.professions
    by_code = communes_by_insee()
    territory: dict[str, bool] = {}  # INSEE code -> in the territory
    pending: dict[str, Imported] = {}
    seen: dict[str, str] = {}  # rpps -> "created" | "updated" | "unchanged", across batches
    line_number = 1
    for line_number, line in enumerate(lines, start=2):
        if progress is not None and line_number % PROGRESS_EVERY == 0:
            progress(line_number, report)
        cells = line.rstrip("\r\n").split("|")
        if len(cells) == width + 1 and cells[-1] == "":
            cells.pop()
        if len(cells) != width:
            if line.strip():
                report.reject(
                    line_number, f"Ligne mal formée : {len(cells)} champs au lieu de {width}."
                )
            continue
        if wanted:
            profession = _profession(cells[i_prof], cells[i_skill])
            if profession not in wanted:
                report.skipped += 1
                continue
        # Most rows give the INSEE code as INSEE writes it: one look-up in the commune table.
        commune = by_code.get(cells[i_insee]) or _commune(
            cells[i_insee].strip(),
            cells[i_pc].strip(),
            cells[i_city].strip(),
            cells[i_cedex].strip(),
        )
        if commune is None:
            if filters.departement or filters.communes:
                report.skipped += 1  # no usable place: cannot be shown in the territory
            else:
                report.reject(
                    line_number, "Commune introuvable (code INSEE et code postal inconnus)."
                )
            continue
        kept = territory.get(commune.insee)
        if kept is None:
            kept = territory[commune.insee] = filters.keeps(commune)
        if not kept:
            report.skipped += 1
            continue
        if cells[i_type].strip() != "8":
            report.reject(line_number, "Identifiant ADELI : un numéro RPPS est nécessaire.")
            continue
        try:
            rpps = validate_rpps(cells[i_id])
        except InvalidIdentifier:
            report.reject(line_number, f"Numéro RPPS invalide : « {cells[i_id].strip()} ».")
            continue
        last_name, first_name = cells[i_last].strip(), cells[i_first].strip()
        if not last_name or not first_name:
            report.reject(line_number, "Nom ou prénom d'exercice manquant.")
            continue
        if not wanted:
            profession = _profession(cells[i_prof], cells[i_skill])
        site = _site(cells, site_at, commune)
        key = (site["siret"] or site["finess"] or "", site["address"] or "", site["postal_code"])
        entry = pending.get(rpps)
        if entry is None:
            # Flushed only between professionals: the lines of one (consecutive in the
            # national file) land in one batch, so a re-import compares whole site lists.
            if len(pending) >= BATCH:
                _flush(pending, seen, report)
                pending = {}
            entry = pending[rpps] = Imported(
                rpps, last_name[:100], first_name[:100], profession, {}
            )
        elif profession == "gp":
            entry.profession = "gp"
        entry.sites.setdefault(key, site)
    if pending:
        _flush(pending, seen, report)
    if progress is not None:
        progress(line_number, report)
    return report


# The columns a site is read from, in the order `_site` unpacks their positions.
SITE_COLUMNS = (
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Enseigne commerciale site",
    "Raison sociale site",
    "Code postal (coord. structure)",
    "Téléphone (coord. structure)",
    "Numéro SIRET site",
    "Numéro FINESS site",
    "Code mode exercice",
)


def _site(cells: list[str], at: tuple[int, ...], commune: Commune) -> dict[str, Any]:
    """One practice site of a row; `at`: the positions of `SITE_COLUMNS` in the header."""
    number, repeat, kind, street_name, sign, company, postal, phone, siret, finess, mode = at
    street = " ".join(
        part
        for part in (
            cells[number].strip() + cells[repeat].strip(),
            cells[kind].strip(),
            cells[street_name].strip(),
        )
        if part
    )
    name = cells[sign].strip() or cells[company].strip() or None
    postal_code = cells[postal].strip()
    if not (len(postal_code) == 5 and postal_code.isdigit()):
        postal_code = commune.postal_codes[0] if commune.postal_codes else "00000"
    return {
        "name": name[:200] if name else None,
        "address": street[:200] or None,
        "postal_code": postal_code,
        "city": commune.name[:100],
        "insee": commune.insee,
        "latitude": commune.latitude,
        "longitude": commune.longitude,
        "phone": _phone(cells[phone].strip()),
        "siret": cells[siret].strip()[:14] or None,
        "finess": cells[finess].strip()[:9] or None,
        "mode": cells[mode].strip()[:1] or None,
    }


SITE_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "insee",
    "phone",
    "siret",
    "finess",
    "mode",
)


def _site_tuple(site: PracticeSite | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(site, dict):
        return tuple(site[f] for f in SITE_FIELDS)
    return tuple(getattr(site, f) for f in SITE_FIELDS)


# The columns of a new entry that the extract does not give (multi-row inserts name every one).
NEW_ENTRY: dict[str, Any] = {
    "capacity_updated_at": None,
    "languages": ["fr"],
    "qualifications": [],
}


def _flush(pending: dict[str, Imported], seen: dict[str, str], report: ImportReport) -> None:
    """Write one batch of professionals (one transaction; nothing in a dry run). New entries
    go in with two bulk inserts (professionals, then their sites: `COPY` on PostgreSQL);
    existing ones are compared and updated through the ORM."""
    with unit_of_work() as session:
        existing = {
            p.rpps: p
            for p in session.scalars(select(Professional).where(among(Professional.rpps, pending)))
        }
        now = utcnow()
        ids = new_uuids()
        new_professionals: list[dict[str, Any]] = []
        new_sites: list[dict[str, Any]] = []
        for rpps, entry in pending.items():
            professional = existing.get(rpps)
            earlier = seen.get(rpps)
            if professional is None:
                status = "created"
                if not report.dry_run:
                    professional_id = next(ids)
                    first = next(iter(entry.sites.values()))
                    new_professionals.append(
                        {
                            **NEW_ENTRY,
                            "id": professional_id,
                            "rpps": rpps,
                            "phone": first["phone"],
                            "created_at": now,
                            "updated_at": now,
                            **entry.reference(),
                        }
                    )
                    new_sites.extend(
                        {
                            "id": next(ids),
                            "professional_id": professional_id,
                            "position": i,
                            **site,
                        }
                        for i, site in enumerate(entry.sites.values())
                    )
            else:
                status = _update(
                    professional, entry, merge=earlier is not None, write=not report.dry_run
                )
            if earlier is None:
                seen[rpps] = status
                setattr(report, status, getattr(report, status) + 1)
            elif earlier == "unchanged" and status == "updated":
                seen[rpps] = "updated"
                report.unchanged -= 1
                report.updated += 1
        if report.dry_run:
            session.rollback()
        elif new_professionals:
            bulk_insert(session, Professional.__table__, new_professionals)
            bulk_insert(session, PracticeSite.__table__, new_sites)


def _update(professional: Professional, entry: Imported, *, merge: bool, write: bool) -> str:
    """Bring an existing entry in line with the extract; `merge` adds the sites of a later
    batch to those this import already wrote. Availability is never touched."""
    wanted = entry.reference()
    changes = {k: v for k, v in wanted.items() if getattr(professional, k) != v}
    if merge:
        changes = {}  # the first batch set the identity and the main place
    current = [_site_tuple(s) for s in professional.sites]
    incoming = [site for site in entry.sites.values() if _site_tuple(site) not in current]
    if merge:
        sites_changed = bool(incoming)
    else:
        sites_changed = current != [_site_tuple(s) for s in entry.sites.values()]
    if not changes and not sites_changed:
        return "unchanged"
    if write:
        for key, value in changes.items():
            setattr(professional, key, value)
        if merge:
            start = len(professional.sites)
            professional.sites.extend(
                PracticeSite(position=start + i, **site) for i, site in enumerate(incoming)
            )
        elif sites_changed:
            professional.sites = [
                PracticeSite(position=i, **site) for i, site in enumerate(entry.sites.values())
            ]
    return "updated"


# --- the CPTS's own list (CSV `;` or XLSX), all or nothing --------------------------------

LIST_COLUMNS = (
    ("rpps", "rpps"),
    ("nom", "last_name"),
    ("prenom", "first_name"),
    ("profession", "profession"),
    ("adresse", "address"),
    ("code_postal", "postal_code"),
    ("commune", "city"),
    ("telephone", "phone"),
    ("mssante", "mssante_email"),
    ("accepte_nouveaux_patients", "accepts_new_patients"),
    ("places_par_mois", "new_patient_capacity"),
    ("langues", "languages"),
    ("visites_a_domicile", "home_visits"),
    ("teleconsultation", "teleconsultation"),
    ("qualifications", "qualifications"),
)
COLUMN_OF = {api: column for column, api in LIST_COLUMNS}
BOOLEAN_COLUMNS = {"accepte_nouveaux_patients", "visites_a_domicile", "teleconsultation"}
LIST_VALUED = {"langues", "qualifications"}
# Identity and practice fields an import keeps up to date; availability is set at creation only.
LIST_OWNED = (
    "last_name",
    "first_name",
    "profession",
    "address",
    "postal_code",
    "city",
    "qualifications",
)
TEMPLATE_EXAMPLE = (
    "10000000017",
    "Exemple",
    "Camille",
    "gp",
    "1 place de l'Essai",
    "77000",
    "Melun",
    "0164000000",
    "camille.exemple@exemple.mssante.fr",
    "oui",
    "3",
    "fr,en",
    "non",
    "oui",
    "msu,etp",
)


def _cell(column: str, raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    if column in BOOLEAN_COLUMNS:
        return {"oui": True, "non": False}.get(text.lower(), text)
    if column in LIST_VALUED:
        return [part.strip() for part in text.split(",") if part.strip()]
    if column == "places_par_mois":
        return int(text) if text.lstrip("-").isdigit() else text
    return text


def _rows_from_csv(data: bytes) -> Iterator[list[Any]]:
    if b"\x00" in data[:4096]:
        raise UnsupportedMediaType("Le fichier n'est pas un fichier CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaType("Le fichier CSV doit être encodé en UTF-8.") from exc
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=";")


def _rows_from_xlsx(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsupportedMediaType("Le fichier n'est pas un classeur XLSX.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnsupportedMediaType("Le fichier n'est pas un classeur XLSX lisible.") from exc
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        yield [
            ""
            if v is None
            else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            for v in row
        ]


def list_rows(data: bytes, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of the CPTS's list as API bodies, numbered as in the file (header = 1)."""
    rows = _rows_from_csv(data) if file_format == "csv" else _rows_from_xlsx(data)
    header = [str(h).strip().lower() for h in next(rows, [])]
    for column, _api in LIST_COLUMNS:
        if column not in header:
            raise ValidationFailed(
                {"file": [f"Colonne manquante : « {column} »."]},
                message=f"L'en-tête du fichier ne contient pas la colonne « {column} ».",
            )
    index = {column: header.index(column) for column, _api in LIST_COLUMNS}
    for number, row in enumerate(rows, start=2):
        if not any(str(cell).strip() for cell in row):
            continue
        body: dict[str, Any] = {}
        for column, api in LIST_COLUMNS:
            i = index[column]
            value = _cell(column, row[i] if i < len(row) else "")
            if value not in ("", []):
                body[api] = value
        yield number, body


def import_list(
    rows: Iterable[tuple[int, dict[str, Any]]], *, dry_run: bool = False
) -> ImportReport:
    """Import the CPTS's list: every row valid, or nothing stored (422 with a line-by-line
    French report)."""
    schema = ProfessionalCreateSchema()
    valid: dict[str, tuple[int, dict[str, Any]]] = {}
    errors: dict[str, list[str]] = {}
    for number, body in rows:
        try:
            data = schema.load(body)
        except Exception as exc:  # noqa: BLE001 - marshmallow's ValidationError, reported
            messages = flatten_errors(getattr(exc, "messages", {"_schema": [str(exc)]}))
            errors[f"ligne {number}"] = [
                f"{COLUMN_OF.get(path.split('.')[0], path)} : {' '.join(texts)}"
                for path, texts in messages.items()
            ]
            continue
        earlier = valid.get(data["rpps"])
        if earlier is not None:
            errors[f"ligne {number}"] = [f"rpps : déjà présent ligne {earlier[0]}."]
            continue
        valid[data["rpps"]] = (number, data)
    if errors:
        raise ValidationFailed(
            errors, message="Le fichier contient des erreurs : rien n'a été importé."
        )
    report = ImportReport(dry_run=dry_run)
    with unit_of_work() as session:
        existing = {
            p.rpps: p
            for p in session.scalars(select(Professional).where(Professional.rpps.in_(valid)))
        }
        now = utcnow()
        for rpps, (_number, data) in valid.items():
            professional = existing.get(rpps)
            if professional is None:
                report.created += 1
                professional = Professional(
                    **{**data, "cpts_member": True, "capacity_updated_at": now}
                )
                professional.search_name = search_key(
                    professional.last_name, professional.first_name
                )
                locate_entry(professional)
                session.add(professional)
                continue
            changes = {
                k: data[k] for k in LIST_OWNED if k in data and getattr(professional, k) != data[k]
            }
            if not professional.cpts_member:
                changes["cpts_member"] = True
            if not changes:
                report.unchanged += 1
                continue
            report.updated += 1
            moved = {"postal_code", "city"} & changes.keys()
            for key, value in changes.items():
                setattr(professional, key, value)
            professional.search_name = search_key(professional.last_name, professional.first_name)
            if moved:
                professional.latitude = professional.longitude = None
                professional.insee = None
                locate_entry(professional)
        if dry_run:
            session.rollback()
    return report


def template_xlsx() -> bytes:
    """The CPTS list's template: French headers and one example row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Professionnels"
    sheet.append([column for column, _api in LIST_COLUMNS])
    sheet.append(list(TEMPLATE_EXAMPLE))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
