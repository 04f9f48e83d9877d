"""URL converters beyond Werkzeug's: path segments that can only be opaque ids."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

from shared.crypto import KEYED_HASH


class KeyedHashConverter(BaseConverter):
    """A keyed hash (HMAC-SHA256, 64 lowercase hex digits), such as a patient's identity hash:
    the only text a URL may carry for a person, never a name or a number in clear."""

    regex = KEYED_HASH


def register_converters(app: Flask) -> None:
    """`<keyed_hash:…>` in routes."""
    app.url_map.converters["keyed_hash"] = KeyedHashConverter
