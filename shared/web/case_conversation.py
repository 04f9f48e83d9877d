"""The thread and the documents on every case page, once for all case types.

A case type's pages call `add_conversation_pages(blueprint, CASE_TYPE, …)` once: it adds the
forms' routes (post a message, upload a document, download one) to its page blueprint. Its
case template shows both sections (thread, then documents, each with its form) with
`{% with conversation = case_conversation(case) %}{% include "web/_conversation.html" %}`.
The work is done by `shared/cases/messages.py` and `shared/cases/documents.py`, as for the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from shared.cases import documents, messages
from shared.cases.case_type import CaseType
from shared.cases.conversation_schemas import MessageBodySchema
from shared.cases.endpoints import attachment
from shared.errors import DomainError, ValidationFailed
from shared.http.parsing import load
from shared.http.uploads import accepts_upload
from shared.web.case_pages import page_principal
from shared.web.pages import page


@dataclass(frozen=True)
class ConversationPages:
    """Where a case type's conversation forms post, and its case page."""

    case_type: CaseType[Any]
    blueprint: str
    case_endpoint: str
    id_arg: str

    def case_url(self, case_id: uuid.UUID, anchor: str) -> str:
        values: dict[str, Any] = {self.id_arg: case_id}
        return url_for(f"{self.blueprint}.{self.case_endpoint}", **values) + anchor

    def url(self, view: str, case_id: uuid.UUID, **values: Any) -> str:
        return url_for(f"{self.blueprint}.{view}_{self.case_type.kind}", case_id=case_id, **values)


_BY_MODEL: dict[type, ConversationPages] = {}


def add_conversation_pages(
    blueprint: Blueprint,
    case_type: CaseType[Any],
    *,
    roles: tuple[str, ...],
    case_endpoint: str,
    id_arg: str = "case_id",
    prefix: str = "",
) -> None:
    """Add the conversation routes under `<prefix>/<case id>/…` of `blueprint`, reached by
    holders of `roles` for a case they may see; after a post, back to the case page
    (`case_endpoint`, whose id argument is `id_arg`)."""
    pages = ConversationPages(case_type, blueprint.name, case_endpoint, id_arg)
    _BY_MODEL[case_type.model] = pages
    base = f"{prefix}/<uuid:case_id>"
    kind = case_type.kind

    @page(*roles)
    def post_message(case_id: uuid.UUID) -> ResponseReturnValue:
        """Post a message from the case page's thread form."""
        principal = page_principal()
        messages.ensure_visible(case_type, case_id, principal)
        try:
            data = load(MessageBodySchema(), {"body": request.form.get("body", "")})
        except ValidationFailed as error:
            flash("Message non envoyé : " + _first(error), "error")
            return redirect(pages.case_url(case_id, "#fil"), code=303)
        messages.post_message(case_type, case_id=case_id, body=data["body"], principal=principal)
        flash("Message envoyé.", "success")
        return redirect(pages.case_url(case_id, "#fil"), code=303)

    @accepts_upload(documents.MAX_BYTES, documents.MAX_LABEL)
    @page(*roles)
    def add_document(case_id: uuid.UUID) -> ResponseReturnValue:
        """Attach a document from the case page's documents form."""
        principal = page_principal()
        messages.ensure_visible(case_type, case_id, principal)
        upload = request.files.get("file")
        try:
            documents.add_document(
                case_type,
                case_id=case_id,
                kind=request.form.get("kind"),
                filename=upload.filename if upload else None,
                content=upload.read() if upload and upload.filename else None,
                principal=principal,
            )
        except ValidationFailed as error:
            flash("Document non joint : " + _first(error), "error")
        except DomainError as error:  # 413, 415
            flash("Document non joint : " + error.message, "error")
        else:
            flash("Document joint au dossier.", "success")
        return redirect(pages.case_url(case_id, "#documents"), code=303)

    @page(*roles)
    def download_document(case_id: uuid.UUID, document_id: uuid.UUID) -> ResponseReturnValue:
        """Download a document of the case (audited)."""
        document, content = documents.download_document(
            case_type, case_id=case_id, document_id=document_id, principal=page_principal()
        )
        return attachment(document, content)

    for rule, view, method in (
        (f"{base}/messages", post_message, "POST"),
        (f"{base}/documents", add_document, "POST"),
        (f"{base}/documents/<uuid:document_id>", download_document, "GET"),
    ):
        blueprint.add_url_rule(
            rule, endpoint=f"{view.__name__}_{kind}", view_func=view, methods=[method]
        )
    blueprint.add_app_template_global(case_conversation, "case_conversation")


def _first(error: ValidationFailed) -> str:
    for problems in error.fields.values():
        if problems:
            return str(problems[0])
    return error.message


def case_conversation(case: Any) -> dict[str, Any]:
    """What the thread and documents sections of `case`'s page show (the thread is then read;
    both reads are audited)."""
    pages = _BY_MODEL[type(case)]
    principal = page_principal()
    return {
        "thread": messages.read_thread(pages.case_type, case_id=case.id, principal=principal),
        "documents": documents.list_documents(
            pages.case_type, case_id=case.id, principal=principal
        ),
        "document_kinds": documents.KINDS,
        "max_label": documents.MAX_LABEL,
        "max_body": messages.MAX_BODY,
        "message_url": pages.url("post_message", case.id),
        "document_url": pages.url("add_document", case.id),
        "download_url": lambda document: pages.url(
            "download_document", case.id, document_id=document.id
        ),
    }
