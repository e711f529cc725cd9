"""Plain records returned by the store, and validation of classroom identity.

Endplate has no accounts: a pupil is a *nickname* plus an optional *class code*
typed on a shared laptop.  Both are normalised here (trimmed, NFKC, class code in
upper case) so that "7b " and "7B" are the same class, and rejected with a
`StoreError` naming the field when they cannot be stored.

Look-alike nicknames ("Ada" and "Аda" with a Cyrillic А) would give rows a
teacher cannot tell apart, so a nickname may not mix Latin letters with Greek or
Cyrillic ones, and `nickname_skeleton` folds case and confusable letters so the
store can refuse a nickname that looks like one already in the class.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from game.store.errors import StoreError

__all__ = [
    "CLASS_CODE_MAX",
    "NICKNAME_MAX",
    "Attempt",
    "Best",
    "Profile",
    "nickname_skeleton",
    "normalize_class_code",
    "normalize_nickname",
]

NICKNAME_MAX = 24
CLASS_CODE_MAX = 16
_CLASS_CODE_RE = re.compile(r"[A-Za-z0-9-]*")


@dataclass(frozen=True, slots=True)
class Profile:
    """A player on this computer.  `class_code` is "" when none was given."""

    id: int
    nickname: str
    class_code: str
    created_at: str  # ISO-8601, UTC


@dataclass(frozen=True, slots=True)
class Attempt:
    """One finished (won or lost) attempt at a level."""

    id: int
    profile_id: int
    level_id: str
    attempted_at: str  # ISO-8601, UTC
    score: int
    stars: int
    won: bool
    duration_s: float
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Best:
    """Best score and best stars over all attempts at one level (each maximised on its own)."""

    score: int
    stars: int
    attempts: int
    won: bool  # won at least once


def normalize_nickname(value: object) -> str:
    """Return the trimmed nickname, or raise `StoreError` saying what is expected."""
    expected = f"1 to {NICKNAME_MAX} printable characters"
    if not isinstance(value, str):
        raise StoreError(f"nickname: expected text ({expected}), got {type(value).__name__}")
    nickname = unicodedata.normalize("NFKC", value).strip()
    if not nickname:
        raise StoreError(f"nickname: must not be empty (expected {expected})")
    if len(nickname) > NICKNAME_MAX:
        raise StoreError(f"nickname: {len(nickname)} characters is too long (expected {expected})")
    if not nickname.isprintable():
        raise StoreError(f"nickname: contains a control character (expected {expected})")
    scripts = {_script(ch) for ch in nickname if ch.isalpha()} - {""}
    if len(scripts & {"LATIN", "GREEK", "CYRILLIC"}) > 1:
        raise StoreError(f"nickname: {nickname!r} mixes {' and '.join(sorted(s.title() for s in scripts))} letters "
                         "that look alike (expected letters of one alphabet)")
    return nickname


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


# Greek and Cyrillic letters that look like Latin ones (lower case, after casefold).
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y", "ζ": "z", "μ": "u",
})


def nickname_skeleton(nickname: str) -> str:
    """What a nickname looks like: NFKC, case folded, Greek and Cyrillic look-alikes mapped to Latin."""
    return unicodedata.normalize("NFKC", nickname).casefold().translate(_CONFUSABLE)


def normalize_class_code(value: object) -> str:
    """Return the class code in upper case ("" for none), or raise `StoreError`."""
    expected = f"0 to {CLASS_CODE_MAX} characters from A-Z, 0-9 and '-'"
    if value is None:
        return ""
    if not isinstance(value, str):
        raise StoreError(f"class_code: expected text ({expected}), got {type(value).__name__}")
    code = value.strip()
    if len(code) > CLASS_CODE_MAX:
        raise StoreError(f"class_code: {len(code)} characters is too long (expected {expected})")
    if not _CLASS_CODE_RE.fullmatch(code):
        raise StoreError(f"class_code: {value!r} has other characters (expected {expected})")
    return code.upper()


@dataclass(frozen=True, slots=True)
class QuizAnswer:
    """One answer to one quiz question, kept with the attempt it followed (`Store.quiz_answers`).

    `answer` and `expected` are JSON data: the student's answer and the right one, in the form
    `game.rules.debrief.check_answer` takes (order: list of items; choice: option index; match: {left: right}).
    """

    result_id: int
    question: int          # position of the question in the level's quiz (0-based)
    kind: str              # "order" | "choice" | "match"
    prompt: str
    answer: Any
    expected: Any
    correct: bool
    answered_at: str       # ISO-8601 UTC
    time_s: float          # seconds from showing the question to checking the answer
