"""What the API views of every case type do alike, driven by its declaration: read one case,
fire a transition, list a page. Each view keeps its own route, roles and documentation; the
messages and documents of a case are the same routes for every case type
(`register_conversation`)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select

from shared.auth.permissions import allow, current_principal
from shared.auth.principal import Principal
from shared.cases import documents, messages
from shared.cases.case_type import CaseType
from shared.cases.conversation_schemas import (
    DocumentListSchema,
    DocumentSchema,
    MessageBodySchema,
    MessageListSchema,
    MessageSchema,
)
from shared.cases.presentation import case_response, present_cases
from shared.cases.service import fire_transition, get_visible_case
from shared.http.openapi import documented
from shared.http.pagination import paginate
from shared.http.parsing import if_match_version, json_body, json_object
from shared.http.uploads import accepts_upload


def read_case_response(case_type: CaseType[Any], case_id: uuid.UUID) -> tuple:
    """One case the caller may see, with its history (404 otherwise)."""
    principal = current_principal()
    case = get_visible_case(case_type, case_id=case_id, principal=principal)
    return case_response(case_type, case, principal)


def transition_response(case_type: CaseType[Any], case_id: uuid.UUID, name: str) -> tuple:
    """Fire `name` with the request's JSON body and `If-Match`; the case as it is now."""
    body = json_object(allow_empty=True)
    principal = current_principal()
    case = fire_transition(
        case_type,
        case_id=case_id,
        name=name,
        principal=principal,
        body=body,
        if_match=if_match_version(),
    )
    return case_response(case_type, case, principal)


def page_response(
    case_type: CaseType[Any], query: Select[Any], args: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    """The page `args` asks for (`page`, `per_page`) of the cases `query` selects."""
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: present_cases(case_type, rows, principal),
    )


def register_conversation(
    blueprint: Blueprint, case_type: CaseType[Any], collection: str, roles: tuple[str, ...]
) -> None:
    """Add the messages and documents of `case_type` to its API blueprint, under
    `/<collection>/{id}/messages` and `/<collection>/{id}/documents`; callers holding one of
    `roles` reach them, and only for a case they may see (404 otherwise)."""
    name = collection.replace("/", "_")
    base = f"/{collection}/<uuid:case_id>"

    @allow(*roles)
    @documented(
        summary="Messages du dossier",
        response=MessageListSchema,
        errors=(404,),
    )
    def list_messages(case_id: uuid.UUID) -> ResponseReturnValue:
        """The case's messages, oldest first; `unread` marks those posted by others since the
        caller last read the thread (reading it marks it read)."""
        thread = messages.read_thread(case_type, case_id=case_id, principal=current_principal())
        return {
            "items": [
                messages.message_dict(m, unread=m.id in thread.unread) for m in thread.messages
            ]
        }

    @allow(*roles)
    @documented(
        summary="Écrire dans le fil du dossier",
        body=MessageBodySchema,
        response=MessageSchema,
        status=201,
        errors=(404,),
    )
    def post_message(case_id: uuid.UUID) -> ResponseReturnValue:
        """Post a message (1 to 4,000 characters); the other participants are told, without
        its content."""
        principal = current_principal()
        messages.ensure_visible(case_type, case_id, principal)
        data = json_body(MessageBodySchema())
        message = messages.post_message(
            case_type, case_id=case_id, body=data["body"], principal=principal
        )
        return messages.message_dict(message), 201

    @accepts_upload(documents.MAX_BYTES, documents.MAX_LABEL)
    @allow(*roles)
    @documented(
        summary="Joindre un document au dossier (multipart : file, kind)",
        response=DocumentSchema,
        status=201,
        errors=(404, 413, 415, 422),
    )
    def add_document(case_id: uuid.UUID) -> ResponseReturnValue:
        """PDF, JPEG or PNG (recognised by content), 10 MB at most; `kind` is compte_rendu,
        ordonnance, courrier or autre. Stored encrypted."""
        upload = request.files.get("file")
        document = documents.add_document(
            case_type,
            case_id=case_id,
            kind=request.form.get("kind"),
            filename=upload.filename if upload else None,
            content=upload.read() if upload else None,
            principal=current_principal(),
        )
        return documents.document_dict(document), 201

    @allow(*roles)
    @documented(summary="Documents du dossier", response=DocumentListSchema, errors=(404,))
    def list_documents(case_id: uuid.UUID) -> ResponseReturnValue:
        """The case's documents, newest first."""
        found = documents.list_documents(case_type, case_id=case_id, principal=current_principal())
        return {"items": [documents.document_dict(d) for d in found]}

    @allow(*roles)
    @documented(
        summary="Télécharger un document du dossier",
        errors=(404,),
        file_types=tuple(documents.MEDIA_TYPES),
    )
    def download_document(case_id: uuid.UUID, document_id: uuid.UUID) -> ResponseReturnValue:
        """The document as uploaded (`Content-Disposition: attachment`); audited."""
        document, content = documents.download_document(
            case_type, case_id=case_id, document_id=document_id, principal=current_principal()
        )
        return attachment(document, content)

    for rule, view, methods in (
        (f"{base}/messages", list_messages, ["GET"]),
        (f"{base}/messages", post_message, ["POST"]),
        (f"{base}/documents", list_documents, ["GET"]),
        (f"{base}/documents", add_document, ["POST"]),
        (f"{base}/documents/<uuid:document_id>", download_document, ["GET"]),
    ):
        blueprint.add_url_rule(
            rule, endpoint=f"{name}_{view.__name__}", view_func=view, methods=methods
        )


def attachment(document: Any, content: bytes) -> Response:
    """A document's content as a download, under its (sanitised) name."""
    response = Response(content, mimetype=document.media_type)
    response.headers["Content-Disposition"] = content_disposition(document.filename)
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one (RFC 6266 / 5987)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
