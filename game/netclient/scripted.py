"""Quiz answers for headless students (tests and scripts: `play --class ... --headless --quiz SPEC`).

SPEC is `skip`, `right` or `wrong` for every quiz, or per phase, e.g. `pre:wrong,post:right,level:right`
(a phase not named is skipped). Right answers of the pre/post items come from the bank the game ships
(game/rules/prepost.py); the server checks every answer itself whatever the client thinks.
"""
from __future__ import annotations

from typing import Any

PHASES = ("pre", "level", "post")
MODES = ("skip", "right", "wrong")


def parse_spec(text: str) -> dict[str, str]:
    """{phase: mode}; raises ValueError naming what was expected."""
    t = (text or "skip").strip().lower()
    if t in MODES:
        return {p: t for p in PHASES}
    out = {p: "skip" for p in PHASES}
    for part in t.split(","):
        phase, sep, mode = part.strip().partition(":")
        if not sep or phase not in PHASES or mode not in MODES:
            raise ValueError(f"expected skip, right, wrong, or PHASE:MODE pairs like pre:wrong,post:right "
                             f"(phases {', '.join(PHASES)}), got {text!r}")
        out[phase] = mode
    return out


def level_answer(question, mode: str) -> Any:
    """An answer to a level quiz question (game.levels.schema), right or wrong."""
    from game.rules.debrief import answer_key

    key = answer_key(question)
    if mode == "right":
        return key
    return _wrong(question.kind, key, list(getattr(question, "options", []) or []))


def prepost_answer(item: dict[str, Any], mode: str) -> Any:
    """An answer to a public pre/post item (as GET /api/prepost sends it)."""
    key = None
    try:
        from game.rules.debrief import answer_key
        from game.rules.prepost import load_bank

        key = answer_key(load_bank().item(item["id"]))
    except (KeyError, OSError, ValueError, ImportError):
        key = None
    kind = item.get("kind")
    if key is None:                        # no local key: a plausible answer from what the item shows
        if kind == "choice":
            return 0
        if kind == "order":
            return list(item.get("items", []))
        return dict(zip(item.get("left", []), item.get("right", [])))
    if mode == "right":
        return key
    return _wrong(kind, key, list(item.get("options", []) or []))


def _wrong(kind: str, key: Any, options: list[str]) -> Any:
    if kind == "choice":
        return next((i for i in range(max(len(options), 2)) if i != key), 0)
    if kind == "order":
        return list(reversed(key))
    lefts, rights = list(key), [key[k] for k in key]
    rights = rights[1:] + rights[:1]
    return dict(zip(lefts, rights))
