"""Encryption at rest of patient identifiers, and keyed hashes to find them again.

Values are sealed with AES-256-GCM; the stored text is `<key id>:<base64(nonce + ciphertext)>`
so keys can rotate: new values use the first key of `ENCRYPTION_KEYS`, old ones stay readable
while their key is listed. Hashes use HMAC-SHA256 with a key derived from the first key, so
duplicate detection works without decrypting anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import LargeBinary, Text
from sqlalchemy.types import TypeDecorator

# What `Keyring.keyed_hash` returns: HMAC-SHA256 as 64 lowercase hex digits.
KEYED_HASH = "[0-9a-f]{64}"


class KeyringError(RuntimeError):
    """The configured keys are malformed, or a value was sealed with an unknown key."""


@dataclass(frozen=True)
class Keyring:
    """Encryption keys by id; the first is used for new values."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Parse `kid:base64key[,kid:base64key…]` (32-byte keys)."""
        keys = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            kid, _, encoded = item.partition(":")
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            if not kid or len(key) != 32:
                raise KeyringError("ENCRYPTION_KEYS: each entry is kid:base64 of 32 bytes")
            keys.append((kid, key))
        if not keys:
            raise KeyringError("ENCRYPTION_KEYS is empty")
        return cls(tuple(keys))

    @classmethod
    def derived_from_secret(cls, secret: str) -> Keyring:
        """A development keyring derived from SECRET_KEY (never used in production)."""
        key = HKDF(algorithm=SHA256(), length=32, salt=b"relais-dev", info=b"encryption").derive(
            secret.encode()
        )
        return cls((("dev", key),))

    @functools.cached_property
    def hash_key(self) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=b"relais", info=b"hmac").derive(
            self.keys[0][1]
        )

    def encrypt(self, plaintext: str) -> str:
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), kid.encode())
        return f"{kid}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        kid, _, encoded = stored.partition(":")
        key = dict(self.keys).get(kid)
        if key is None:
            raise KeyringError(f"no key {kid!r} in ENCRYPTION_KEYS")
        raw = base64.b64decode(encoded)
        return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode()

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        """`<key id>:` then nonce and ciphertext, for binary content (documents)."""
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        return kid.encode() + b":" + nonce + AESGCM(key).encrypt(nonce, plaintext, kid.encode())

    def decrypt_bytes(self, stored: bytes) -> bytes:
        kid_raw, _, raw = bytes(stored).partition(b":")
        kid = kid_raw.decode()
        key = dict(self.keys).get(kid)
        if key is None:
            raise KeyringError(f"no key {kid!r} in ENCRYPTION_KEYS")
        return AESGCM(key).decrypt(raw[:12], raw[12:], kid_raw)

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self.hash_key, value.encode(), hashlib.sha256).hexdigest()


def current_keyring() -> Keyring:
    """The keyring of the running app."""
    return current_app.extensions["relais_keyring"]


def normalise_identity(*parts: str) -> str:
    """Case-, accent- and space-insensitive form of identity parts, for hashing."""
    text = "|".join(parts)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("-", " ").replace("'", " ").split())


class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted with the app's keyring."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else current_keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else current_keyring().decrypt(value)


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column (a document's content) stored encrypted with the app's keyring."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else current_keyring().encrypt_bytes(value)

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else current_keyring().decrypt_bytes(value)
