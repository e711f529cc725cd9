"""The pre/post quiz: one bank of items asked before a class session (pre) and after it (post).

    bank = load_bank()                          # levels/quiz/prepost.toml, validated
    bank.public()                               # what a student sees: no answers, stable shuffles
    ok, why = bank.check("q-chain-order", answer)
    pre = objective_scores(bank, {"s-ache-role": True, ...})     # {objective: percent right}
    g = normalised_gain(pre_pct, post_pct)      # Hake's <g> = (post - pre) / (100 - pre)

Items are level-quiz questions (game.levels.schema: choice, order, match; same keys, same checking by
game.rules.debrief.check_answer) with three more keys: a stable `id`, the learning `objective` it measures
and the misconception codes its wrong options aim at (`targets`). Pure: no pygame, no I/O beyond reading
the bank file.
"""
from __future__ import annotations

import hashlib
import random
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, ValidationError, model_validator

from game.validation import first_error
from game.levels.fields import SLUG_PATTERN, Section
from game.levels.loader import LEVELS_DIR
from game.levels.schema import ChoiceQuestion, MatchQuestion, OrderQuestion
from game.rules.debrief import check_answer

BANK_PATH = LEVELS_DIR / "quiz" / "prepost.toml"
BANK_FORMAT = 1
# The seed text's four learning objectives (shared/reference/nmj-seed.md), in teaching order.
OBJECTIVES = ("nmj-structures", "sequence-of-events", "mg-pathophysiology", "symptoms-and-why")
MISCONCEPTION = r"^(M([1-9]|10)|G[1-5])$"

Objective = Literal[OBJECTIVES]  # type: ignore[valid-type]


class _Tagged(Section):
    id: str = Field(title="Id", description="Stable item id (lowercase words and hyphens, up to 40).",
                    min_length=1, max_length=40, pattern=SLUG_PATTERN)
    objective: Objective = Field(title="Objective", description="The learning objective the item measures.")
    targets: list[Annotated[str, Field(pattern=MISCONCEPTION)]] = Field(
        default_factory=list, max_length=6, title="Misconceptions",
        description="Codes of the misconceptions its wrong options aim at (M1..M10, G1..G5).")


class ChoiceItem(ChoiceQuestion, _Tagged):
    pass


class OrderItem(OrderQuestion, _Tagged):
    pass


class MatchItem(MatchQuestion, _Tagged):
    pass


Item = Annotated[Union[ChoiceItem, OrderItem, MatchItem], Field(discriminator="kind")]


class Bank(Section):
    format: Literal[1] = Field(title="Format", description="Version of the bank file format; this game reads 1.")
    objectives: dict[Objective, Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        title="Objectives", description="Each learning objective's title as shown to teachers.")
    items: list[Item] = Field(min_length=1, max_length=60, title="Items", description="The items (1..60).")

    @model_validator(mode="after")
    def _consistent(self) -> Bank:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.id in seen:
                raise ValueError(f"items[{i}].id: {item.id!r} is used twice; ids must be unique")
            seen.add(item.id)
        missing = [o for o in OBJECTIVES if o not in self.objectives]
        if missing:
            raise ValueError(f"objectives: no title for {', '.join(missing)}")
        return self

    # --- use ---------------------------------------------------------------------------------------------

    def item(self, key: str | int) -> ChoiceItem | OrderItem | MatchItem:
        """An item by id, or by position (int, or a string of digits). KeyError when there is none."""
        if isinstance(key, bool):
            raise KeyError(key)
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, int):
            if 0 <= key < len(self.items):
                return self.items[key]
            raise KeyError(key)
        for it in self.items:
            if it.id == key:
                return it
        raise KeyError(key)

    def check(self, key: str | int, answer: object) -> tuple[bool, str]:
        """Is `answer` right for item `key` (see check_answer for the answer forms), and why."""
        return check_answer(self.item(key), answer)

    def public(self) -> list[dict[str, Any]]:
        """The items as a student gets them: no right answers, no explanations."""
        return [public_item(it) for it in self.items]

    def by_objective(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {o: [] for o in OBJECTIVES}
        for it in self.items:
            out[it.objective].append(it.id)
        return out


def _shuffled(item_id: str, values: list[str], avoid: list[str] | None = None) -> list[str]:
    """A shuffle that is the same every time for an item (so pre and post look alike) and, for order
    items, never the right order itself."""
    seed = int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    out = list(values)
    for _ in range(20):
        rng.shuffle(out)
        if out != (avoid or []):
            break
    return out


def public_item(item: ChoiceItem | OrderItem | MatchItem) -> dict[str, Any]:
    """An item without its answer. choice: `options` in file order (answer with an option's text or
    position); order: `items` shuffled (answer with the texts in your order); match: `left` in order and
    `right` shuffled (answer with {left: right})."""
    base = {"id": item.id, "objective": item.objective, "kind": item.kind, "question": item.question}
    if isinstance(item, ChoiceItem):
        base["options"] = list(item.options)
    elif isinstance(item, OrderItem):
        base["items"] = _shuffled(item.id, list(item.items), avoid=list(item.items))
    else:
        base["left"] = [p.left for p in item.pairs]
        base["right"] = _shuffled(item.id, [p.right for p in item.pairs])
    return base


def answer_text(item: ChoiceItem | OrderItem | MatchItem, answer: object) -> str:
    """A short text of an answer for reports (the option chosen, the order given, the pairs)."""
    if isinstance(item, ChoiceItem):
        if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(item.options):
            return item.options[answer]
        return str(answer)
    if isinstance(answer, Mapping):
        return "; ".join(f"{k} -> {v}" for k, v in answer.items())
    if isinstance(answer, (list, tuple)):
        return " | ".join(str(a) if not isinstance(a, (list, tuple)) else " -> ".join(map(str, a)) for a in answer)
    return str(answer)


class BankError(ValueError):
    """The bank file cannot be used: the message names the file and the field."""


def parse_bank(text: str, file: str = "<prepost>") -> Bank:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BankError(f"{file}: not valid TOML ({err})") from None
    try:
        return Bank.model_validate(data)
    except ValidationError as err:
        where, msg, _ = first_error(err)
        raise BankError(f"{file}: {where}: {msg}") from None


_cache: dict[str, Bank] = {}


def load_bank(path: str | Path = BANK_PATH) -> Bank:
    """The bank at `path` (read once per process)."""
    key = str(Path(path).resolve())
    if key not in _cache:
        p = Path(path)
        _cache[key] = parse_bank(p.read_text(encoding="utf-8"), str(p))
    return _cache[key]


# --- scores and gain -----------------------------------------------------------------------------------

def objective_scores(bank: Bank, correct: Mapping[str, bool]) -> dict[str, float | None]:
    """Percent right per objective over the items answered (None where none of its items was answered)."""
    out: dict[str, float | None] = {}
    for objective, ids in bank.by_objective().items():
        answered = [correct[i] for i in ids if i in correct]
        out[objective] = 100.0 * sum(answered) / len(answered) if answered else None
    return out


def total_score(correct: Mapping[str, bool]) -> float | None:
    return 100.0 * sum(correct.values()) / len(correct) if correct else None


def normalised_gain(pre_pct: float | None, post_pct: float | None) -> float | None:
    """Hake's normalised gain (post - pre) / (100 - pre), from percentages; None when it is undefined
    (a missing score, or a pre-test already at 100%)."""
    if pre_pct is None or post_pct is None or pre_pct >= 100.0:
        return None
    return (post_pct - pre_pct) / (100.0 - pre_pct)


def gain_band(g: float | None) -> str:
    """Hake's bands: low below 0.3, medium to 0.7, high above."""
    if g is None:
        return "n/a"
    return "low" if g < 0.3 else ("medium" if g <= 0.7 else "high")
