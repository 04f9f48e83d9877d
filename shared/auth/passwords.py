"""Password policy: long enough, and not a common or easily guessed password.

Guessability is estimated by zxcvbn (a maintained port of Dropbox's estimator): it matches the
password against its ranked lists of leaked passwords, names and words, with keyboard walks,
repeats, dates and l33t substitutions, and estimates how many guesses an attacker would need.
"""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 12
# zxcvbn's scale: 3 = "safely unguessable" (about 10^8 guesses or more).
MIN_STRENGTH_SCORE = 3
# zxcvbn's dictionaries are mostly English: the French words people build passwords from, and
# the words of the trade, count as known words too.
FRENCH_WORDS = (
    "motdepasse", "azerty", "bonjour", "soleil", "doudou", "chouchou", "loulou", "coucou",
    "jetaime", "france", "paris", "lyon", "marseille", "medecin", "docteur", "infirmier",
    "infirmiere", "sagefemme", "cabinet", "patient", "sante", "hopital", "pharmacie",
    "relais", "cpts",
)  # fmt: skip
# zxcvbn is quadratic in the length; beyond this, length alone makes a password strong enough.
MAX_CHECKED_LENGTH = 72


def password_problems(password: str, *, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """French messages explaining why `password` is refused (empty when it is acceptable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."]
    # Imported on first use: its dictionaries weigh ~11 MB in every server process, and a
    # password is checked only when one is set.
    from zxcvbn import zxcvbn

    estimate = zxcvbn(
        password[:MAX_CHECKED_LENGTH],
        user_inputs=[*user_inputs, *FRENCH_WORDS],
        max_length=MAX_CHECKED_LENGTH,
    )
    if estimate["score"] < MIN_STRENGTH_SCORE:
        return [
            "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un "
            "autre (par exemple une phrase de plusieurs mots)."
        ]
    return []
