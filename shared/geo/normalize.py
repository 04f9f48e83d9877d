"""Normalisation of French commune names for tolerant comparisons."""

from __future__ import annotations

import re
import unicodedata

# Ligatures that Unicode decomposition leaves untouched.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Leading articles, which INSEE stores apart from the name ("Rochelle", article "La").
_ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
# Postal "CEDEX" suffix of business addresses ("Lyon Cedex 03"): not part of the name.
_CEDEX_SUFFIX = re.compile(r"\bcedex\b.*$")


def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics or ligatures (``Œuilly-Évry`` -> ``OEuilly-Evry``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_name(name: str) -> str:
    """Return a comparison key for a commune name (``St-Étienne`` -> ``saint etienne``)."""
    # Lower case; accents, punctuation, leading article and CEDEX suffix removed; St -> saint.
    text = _CEDEX_SUFFIX.sub("", _NON_ALPHANUMERIC.sub(" ", strip_accents(name).lower()))
    words = text.split()
    words = [_ABBREVIATIONS.get(word, word) for word in words]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)
