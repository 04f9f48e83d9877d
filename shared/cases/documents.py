"""Documents on a case (a discharge report, a prescription, a letter): uploaded by whoever may
see the case, recognised by their content (PDF, JPEG, PNG; never by their name), stored
encrypted with the keys of the NIR (`ENCRYPTION_KEYS`; `relais keys rotate` re-seals them), and
every download audited.

The name of the file is sealed too (it often names the patient). Nothing is written to disk:
the upload stays in memory (`shared.http.uploads`) and the content goes to the database
encrypted.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from typing import Any

import filetype
from sqlalchemy import select

from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.messages import ensure_visible, visible_case
from shared.cases.models import CaseDocument
from shared.db import unit_of_work
from shared.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shared.extensions import db
from shared.timeutil import utcnow

MAX_BYTES = 10 * 1024 * 1024
MAX_LABEL = "10 Mo"
KINDS = {
    "compte_rendu": "Compte rendu",
    "ordonnance": "Ordonnance",
    "courrier": "Courrier",
    "autre": "Autre",
}
MEDIA_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
UNSUPPORTED = "Seuls les fichiers PDF, JPEG et PNG sont acceptés."
ACTIVE_PDF = (
    "Ce PDF contient du JavaScript : il est refusé. Enregistrez-le sans script (imprimer en PDF)."
)
# PDF names may spell a letter as `#xx` (`/J#53` is `/JS`).
_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_CANDIDATE = re.compile(rb"/(?:J|#4[aA])")
ACTIVE_NAMES = {b"/JS", b"/JavaScript"}
# How far before `stream` its dictionary is read (to tell an object stream).
HEADER_WINDOW = 4096


def media_type_of(content: bytes) -> str:
    """The content's type, from its bytes; 415 unless PDF, JPEG or PNG (an HTML page named
    `.pdf` is not a PDF), or a PDF carrying JavaScript."""
    guess = filetype.guess(content[:8192])
    mime = guess.mime if guess is not None else None
    if mime not in MEDIA_TYPES:
        raise UnsupportedMediaType(UNSUPPORTED)
    if mime == "application/pdf" and pdf_has_javascript(content):
        raise UnsupportedMediaType(ACTIVE_PDF)
    return mime


def pdf_has_javascript(content: bytes) -> bool:
    """Whether a PDF names `/JS` or `/JavaScript` in a dictionary: in clear or hex-escaped
    outside stream data, or inside a Flate-compressed object stream (`/Type /ObjStm`, where
    dictionaries may hide). The data of other streams (page contents, images) is not read: a
    script there is never run, and binary image data holds any three bytes by chance (a 5 MB
    scan holds `/JS` about one time in four)."""
    outside, position = [], 0
    for keyword, data_start, data_end in _streams(content):
        header = content[max(position, keyword - HEADER_WINDOW) : keyword]
        outside.append(content[position:keyword])
        position = data_end
        if b"#" in header:
            header = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), header)
        if b"/ObjStm" not in header:
            continue
        try:
            inflated = zlib.decompressobj().decompress(content[data_start:data_end], 4 * MAX_BYTES)
        except zlib.error:
            continue
        if _names_javascript(inflated):
            return True
    outside.append(content[position:])
    return _names_javascript(b"\n".join(outside))


def _streams(content: bytes) -> list[tuple[int, int, int]]:
    """Where each `stream … endstream` is: the keyword, its data's start and end (found with
    `bytes.find`: a lazy regex over megabytes of image data is slow)."""
    found, position = [], 0
    while (keyword := content.find(b"stream", position)) != -1:
        start = keyword + len(b"stream")
        if content.startswith(b"\r\n", start):
            start += 2
        elif content.startswith(b"\n", start):
            start += 1
        else:  # `endstream`, or a word that only ends in "stream"
            position = start
            continue
        end = content.find(b"endstream", start)
        if end == -1:
            break
        found.append((keyword, start, end))
        position = end + len(b"endstream")
    return found


def _names_javascript(data: bytes) -> bool:
    # Only names starting with `/J` (or `/#4A`, `/#4a`) can be `/JS` or `/JavaScript`.
    for start in _CANDIDATE.finditer(data):
        name = _NAME.match(data, start.start())
        if name is None:
            continue
        text = name.group()
        plain = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), text) if b"#" in text else text
        if plain in ACTIVE_NAMES:
            return True
    return False


def clean_filename(name: str | None, media_type: str) -> str:
    """The file's name without any folder, storable, with the extension of its real type."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"\0').strip()[:200]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'document'}.{MEDIA_TYPES[media_type]}"


def check_upload(kind: str | None, content: bytes | None) -> tuple[str, str]:
    """The document's kind and media type; 422, 413 or 415 in the contract's order."""
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = ["Choisissez le type : compte rendu, ordonnance, courrier ou autre."]
    if content is None:
        errors["file"] = ["Joignez un fichier (champ « file »)."]
    elif not content:
        errors["file"] = ["Le fichier est vide."]
    if errors:
        raise ValidationFailed(errors)
    assert content is not None and kind is not None
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(f"Le fichier dépasse la taille maximale ({MAX_LABEL}).")
    return kind, media_type_of(content)


def add_document(
    case_type: CaseType[Any],
    *,
    case_id: uuid.UUID,
    kind: str | None,
    filename: str | None,
    content: bytes | None,
    principal: Principal,
) -> CaseDocument:
    """Store a document on a case the caller may see (checked before the content is)."""
    ensure_visible(case_type, case_id, principal)
    kind, media_type = check_upload(kind, content)
    assert content is not None
    with unit_of_work():
        case = visible_case(case_type, case_id, principal)
        document = CaseDocument(
            case_kind=case_type.kind,
            case_id=case.id,
            reference=case.reference,
            kind=kind,
            filename=clean_filename(filename, media_type),
            media_type=media_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=principal.user_id,
            created_at=utcnow(),
        )
        db.session.add(document)
        record_audit(action="update", reference=case.reference)
    return document


def list_documents(
    case_type: CaseType[Any], *, case_id: uuid.UUID, principal: Principal
) -> list[CaseDocument]:
    """The case's documents, newest first (without their content); the read is audited."""
    with unit_of_work():
        case = visible_case(case_type, case_id, principal)
        found = documents_of(case_type.kind, case.id)
        record_audit(action="read", reference=case.reference)
    return found


def documents_of(kind: str, case_id: uuid.UUID) -> list[CaseDocument]:
    """The documents of one case, newest first, without their content."""
    return list(
        db.session.scalars(
            select(CaseDocument)
            .where(CaseDocument.case_kind == kind, CaseDocument.case_id == case_id)
            .order_by(CaseDocument.created_at.desc(), CaseDocument.id)
        )
    )


def download_document(
    case_type: CaseType[Any], *, case_id: uuid.UUID, document_id: uuid.UUID, principal: Principal
) -> tuple[CaseDocument, bytes]:
    """One document and its content, decrypted; the download is audited."""
    with unit_of_work():
        case = visible_case(case_type, case_id, principal)
        document = db.session.get(CaseDocument, document_id)
        if document is None or (document.case_kind, document.case_id) != (
            case_type.kind,
            case.id,
        ):
            raise NotFound("Document introuvable.")
        content = document.content
        record_audit(action="download", reference=case.reference)
    return document, content


def document_dict(document: CaseDocument) -> dict[str, Any]:
    """A document as the API describes it."""
    return {
        "id": str(document.id),
        "filename": document.filename,
        "kind": document.kind,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "created_at": document.created_at.isoformat(),
    }
