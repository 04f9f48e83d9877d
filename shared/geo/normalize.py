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
# The three cities divided into municipal arrondissements, each with its own postal code.
ARRONDISSEMENT_CITIES = frozenset({"paris", "lyon", "marseille"})
# "3", "03", "3e", "3eme", "3 eme", "1er", "iiie", "xve"… then "arrondissement" or a short form.
_ARRONDISSEMENT = re.compile(
    r"^0?(?P<number>\d{1,2}|[ivx]{1,5})\s?(?:er|e|eme|ieme|em|me)?"
    r"(?:\s(?:arrondissement|arr|arrdt|ardt))?$"
)
_ROMAN = {"i": 1, "v": 5, "x": 10}


def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics or ligatures (``Œuilly-Évry`` -> ``OEuilly-Evry``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _roman_to_int(numeral: str) -> int:
    values = [_ROMAN[char] for char in numeral]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True))


def _arrondissement(words: list[str]) -> list[str]:
    """``["lyon", "3e", "arrondissement"]`` -> ``["lyon", "3"]``; other names unchanged."""
    if len(words) < 2 or words[0] not in ARRONDISSEMENT_CITIES:
        return words
    match = _ARRONDISSEMENT.match(" ".join(words[1:]))
    if match is None:
        return words
    number = match["number"]
    return [words[0], str(int(number) if number.isdigit() else _roman_to_int(number))]


def normalize_name(name: str) -> str:
    """Return a comparison key for a commune name (``St-Étienne`` -> ``saint etienne``,
    ``Lyon 3e Arrondissement`` and ``LYON 03`` -> ``lyon 3``)."""
    # Lower case; accents, punctuation, leading article and CEDEX suffix removed; St -> saint.
    text = _CEDEX_SUFFIX.sub("", _NON_ALPHANUMERIC.sub(" ", strip_accents(name).lower()))
    words = text.split()
    words = [_ABBREVIATIONS.get(word, word) for word in words]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(_arrondissement(words))


def city_of_arrondissement(normalized: str) -> str | None:
    """``lyon 3`` -> ``lyon``: the city an arrondissement's key belongs to, else None."""
    city, _, number = normalized.partition(" ")
    return city if city in ARRONDISSEMENT_CITIES and number.isdigit() else None
