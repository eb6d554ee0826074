"""Is a new password good enough? One answer, ``password_problems``, for every place
a password is set: the users screen (``StrongPassword`` on its field), ``flask
create-user`` and any other path through ``AppUser.set_password``.

Length alone let ``1111111111`` through. Like Django's validators, a password is
refused when it is all digits, made of too few different characters, or similar to
the account's username or full name; and when a maintained strength estimator,
zxcvbn (Dropbox's, MIT; its lists hold the 30,000 most common passwords, common
words and names, keyboard rows, sequences, repeats and dates), rates it below
``MIN_SCORE``. The user is told why, in their language, on the password field.

Existing hashes are never re-checked: this applies when a password is set, not at
login (the demo accounts keep ``demo-pass-2026``, which passes anyway).
"""
from __future__ import annotations

import re
import threading
from difflib import SequenceMatcher
from types import SimpleNamespace

from flask_babel import gettext as _
from wtforms.validators import ValidationError
from zxcvbn import zxcvbn

from models.user import MIN_PASSWORD_LENGTH

#: At least this many characters (NIST SP 800-63B asks for 8; we ask for more).
MIN_LENGTH = MIN_PASSWORD_LENGTH

#: zxcvbn's score, 0-4: 3 is "safely unguessable: moderate protection from an
#: offline slow-hash attack" (about 10^8 guesses and more), which our scrypt hashes are.
MIN_SCORE = 3

#: Fewer different characters than this is a repeat (``aaaaabbbbb``, ``1212121212``).
MIN_DISTINCT = 5

#: Django's UserAttributeSimilarityValidator default: a difflib ratio at or above it
#: counts as "too similar" to the username or full name.
MAX_SIMILARITY = 0.7

#: zxcvbn refuses longer input (and slows down with it); the first 72 characters
#: being strong is enough.
ESTIMATE_LENGTH = 72

#: zxcvbn keeps the user's words in a module-level dictionary while it estimates:
#: one estimate at a time per process (threaded workers).
_estimating = threading.Lock()


class WeakPassword(ValueError):
    """Raised by ``AppUser.set_password``; ``problems`` are the user-facing reasons."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def personal_words(user) -> dict[str, list[str]]:
    """The user's username and full name, whole and in parts, lower case."""
    words = {}
    for field in ("username", "full_name"):
        value = (getattr(user, field, None) or "").strip().lower()
        if value:
            words[field] = [value, *(part for part in re.split(r"[\W_]+", value)
                                     if len(part) >= 3 and part != value)]
    return words


def similar_field(password: str, user) -> str | None:
    """``username`` or ``full_name`` when the password is close to it or contains it."""
    lowered = password.lower()
    for field, words in personal_words(user).items():
        for word in words:
            if word in lowered and 2 * len(word) >= len(lowered):  # half of it or more
                return field
            if SequenceMatcher(a=lowered, b=word).quick_ratio() >= MAX_SIMILARITY:
                return field
    return None


def guessable_because(password: str, user) -> str | None:
    """Why zxcvbn rates the password below MIN_SCORE (its weakest part), or None."""
    user_inputs = [word for words in personal_words(user).values() for word in words]
    with _estimating:
        estimate = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=user_inputs)
    if estimate["score"] >= MIN_SCORE:
        return None
    matches = [m for m in estimate["sequence"] if m["pattern"] != "bruteforce"]
    if not matches:
        return _("it is too simple for its length")
    weakest = max(matches, key=lambda m: len(m["token"]))
    return reason_of(weakest)


def reason_of(match: dict) -> str:
    pattern = match["pattern"]
    if pattern == "dictionary":
        source = match.get("dictionary_name")
        if source == "passwords":
            return _("it is or contains a commonly used password")
        if source == "user_inputs":
            return _("it contains the username or the full name")
        if source in ("surnames", "male_names", "female_names"):
            return _("it is built on a common name")
        return _("it is built on a common word")
    return {
        "spatial": _("it uses keys next to each other on the keyboard (like qwerty)"),
        "repeat": _("it repeats characters or parts (like aaa or abcabc)"),
        "sequence": _("it is a sequence (like abc or 6543)"),
        "regex": _("it contains a recent year"),
        "date": _("it contains a date"),
    }.get(pattern, _("it is too simple for its length"))


def password_problems(password: str, user=None) -> list[str]:
    """What is wrong with ``password`` as a new password for ``user`` (anything with
    ``username`` and ``full_name``; None when unknown); empty when it is acceptable.
    Each item is a sentence for the user, in the request's language."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("The password must have at least %(count)s characters.",
                          count=MIN_LENGTH))
    simple = password.isdigit() or len(set(password)) < MIN_DISTINCT
    if password.isdigit():
        problems.append(_("The password cannot be all digits."))
    if len(set(password)) < MIN_DISTINCT:
        problems.append(_("The password must use at least %(count)s different characters.",
                          count=MIN_DISTINCT))
    field = similar_field(password, user)
    if field is not None:
        problems.append(_("The password is too similar to the username.")
                        if field == "username" else
                        _("The password is too similar to the full name."))
    if not simple and field is None and password:
        reason = guessable_because(password, user)
        if reason is not None:
            problems.append(_("The password is easy to guess: %(reason)s. A few unrelated "
                              "words make a strong one.", reason=reason))
    return problems


class StrongPassword:
    """WTForms validator: the field's new password must pass ``password_problems``,
    judged against the username and full name in the same form."""

    def __call__(self, form, field):
        if not field.data:
            return
        user = SimpleNamespace(**{name: getattr(getattr(form, name, None), "data", None)
                                  for name in ("username", "full_name")})
        problems = password_problems(field.data, user)
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])
