"""File uploads: a view may accept a body larger than the default limit, and uploaded files of
ordinary size stay in memory, never in a temporary file on disk (a patient's document would
otherwise sit there in clear while the request runs).

`@accepts_upload(max_bytes)`, put right under the route decorator, raises the request's size
limit for that view before anything reads the body (the pages' CSRF check reads the form);
a larger body is refused with a French 413 naming the limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, request

from shared.errors import PayloadTooLarge

F = TypeVar("F", bound=Callable[..., Any])
# Multipart framing and the form's other fields, on top of the file itself.
MULTIPART_MARGIN = 64 * 1024
# Bodies up to this size keep their files in memory (Werkzeug spools beyond 500 KB to disk).
IN_MEMORY_MAX_BYTES = 16 * 1024 * 1024


def accepts_upload(max_bytes: int, label: str) -> Callable[[F], F]:
    """The view accepts a file of up to `max_bytes` (`label`: "10 Mo", said in the 413)."""

    def mark(view: F) -> F:
        view.max_upload_bytes = max_bytes  # type: ignore[attr-defined]
        view.max_upload_label = label  # type: ignore[attr-defined]
        return view

    return mark


class UploadRequest(Request):
    """A request whose uploaded files stay in memory up to `IN_MEMORY_MAX_BYTES`."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= IN_MEMORY_MAX_BYTES:
            return io.BytesIO()
        return super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )


def _raise_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_upload_bytes", None)
    if limit is None:
        return
    allowed = limit + MULTIPART_MARGIN
    if (request.content_length or 0) > allowed:
        raise PayloadTooLarge(f"Le fichier dépasse la taille maximale ({view.max_upload_label}).")  # type: ignore[union-attr]
    request.max_content_length = allowed


def install(app: Flask) -> None:
    """Use `UploadRequest` and raise the limit of upload views before any other hook runs."""
    app.request_class = UploadRequest
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit)
