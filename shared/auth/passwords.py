"""Password policy: long enough, and not a common or easily guessed password.

Guessability is estimated by zxcvbn (a maintained port of Dropbox's estimator): it matches the
password against its ranked lists of leaked passwords, names and words, with keyboard walks,
repeats, dates and l33t substitutions, and estimates how many guesses an attacker would need.

An attacker tries the account's own words first (its e-mail, the name in it) and the product's
(relais, cpts, médecin traitant…), with digits and symbols around them. zxcvbn knows them when
told (`user_inputs`), but it counts every piece of a password as a guess of its own:
"Relais2026!!" (a known word, then six characters) reaches its score 3. So the policy also
takes those words out and asks what remains to be hard to guess on its own.
"""

from __future__ import annotations

import re
import threading

MIN_PASSWORD_LENGTH = 12
# zxcvbn's scale: 3 = "safely unguessable" (about 10^8 guesses or more).
MIN_STRENGTH_SCORE = 3
# zxcvbn's dictionaries are mostly English: the French words people build passwords from, and
# the words of the trade and of the product, count as known words too.
KNOWN_WORDS = (
    "motdepasse", "azerty", "bonjour", "soleil", "doudou", "chouchou", "loulou", "coucou",
    "jetaime", "france", "paris", "lyon", "marseille", "medecin", "médecin", "docteur",
    "infirmier", "infirmiere", "sagefemme", "cabinet", "patient", "sante", "santé", "hopital",
    "pharmacie", "relais", "cpts", "traitant", "demo", "démo", "coordination", "orientation",
    "agenda", "signalement",
)  # fmt: skip
# The substitutions zxcvbn's l33t matcher knows, to find the words above written "R3l@is".
L33T = {
    "a": "4@", "b": "8", "c": "({[<", "e": "3", "g": "69", "i": "1!|", "l": "1|7", "o": "0",
    "s": "$5", "t": "+7", "x": "%", "z": "2",
}  # fmt: skip
# zxcvbn is quadratic in the length; beyond this, length alone makes a password strong enough.
MAX_CHECKED_LENGTH = 72
WEAK = (
    "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre (par "
    "exemple une phrase de plusieurs mots, sans votre adresse ni le nom du service)."
)
# zxcvbn keeps the user's words in a module-level dictionary during each call.
_zxcvbn_lock = threading.Lock()


def password_problems(password: str, *, email: str = "") -> list[str]:
    """French messages explaining why `password` is refused for the account of `email` (empty
    when it is acceptable). The CLI and every page that sets a password go through here."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."]
    words = _account_words(email) + KNOWN_WORDS
    checked = password[:MAX_CHECKED_LENGTH]
    remainder = _known_words_pattern(words).sub("", checked)
    if any(_score(text, words) < MIN_STRENGTH_SCORE for text in {checked, remainder}):
        return [WEAK]
    return []


def _account_words(email: str) -> tuple[str, ...]:
    """The e-mail, and the words it is made of (the name in `prenom.nom@…`, the domain's)."""
    email = email.strip().lower()
    parts = [part for part in re.split(r"[@._+\-]+", email) if len(part) >= 3]
    return (email, *parts) if email else ()


def _known_words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Matches any of `words`, whatever the case, plain or in l33t; longest words first."""
    alternatives = (_l33t_pattern(word) for word in sorted(words, key=len, reverse=True))
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _l33t_pattern(word: str) -> str:
    return "".join(
        f"[{re.escape(char + L33T[char])}]" if char in L33T else re.escape(char) for char in word
    )


def _score(password: str, words: tuple[str, ...]) -> int:
    if not password:
        return 0  # nothing left once the known words are out (zxcvbn fails on "")
    # Imported on first use: its dictionaries weigh ~14 MB in every server process, and a
    # password is checked only when one is set.
    from zxcvbn import zxcvbn

    with _zxcvbn_lock:
        return zxcvbn(password, user_inputs=list(words), max_length=MAX_CHECKED_LENGTH)["score"]
