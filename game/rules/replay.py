"""Replays: the moves of a run, written and read as JSON lines, and played again on the deterministic model.

A replay file (`play --record`, `check-level --record`, a class attempt) starts with one header object and
then has one move a line:

    {"endplate_replay": 1, "level_id": "ptosis", "level_sha256": "…", "seed": 1, "model_version": "…"}
    {"t_s": 1.5, "kind": "fire", "value": null}
    …

`t_s` is the model time at which the move was made. The model is deterministic for a seed, so applying the
same moves at the same model times gives the same run: that is how the game continues an autosave, how
`play --replay` shows a run again and how a class server verifies a result it did not see being played.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from game.levels.schema import Level
from game.rules.session import Action, LevelRun, RunSummary
from game.sim.version import MODEL_VERSION
from game.validation import first_error

REPLAY_FORMAT = 1
MAX_MOVES = 100_000
MAX_REPLAY_BYTES = 1_000_000


class ReplayError(ValueError):
    """A replay that cannot be read: the message names the line and what was expected."""


class Move(BaseModel):
    """One move: what the player did (an `Action` of the session) at a model time."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    t_s: float = Field(ge=0.0, description="model time of the move, seconds")
    kind: str = Field(min_length=1, max_length=40, description="the session action, e.g. fire, train_on, treat")
    value: float | int | str | bool | None = Field(default=None, description="the action's value, if any")

    @field_validator("t_s")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number of seconds")
        return v

    @field_validator("value")
    @classmethod
    def _finite_value(cls, v):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError("must be a finite number")
        if isinstance(v, str) and len(v) > 100:
            raise ValueError("must be at most 100 characters")
        return v


class ReplayHeader(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    endplate_replay: int = Field(ge=1, le=REPLAY_FORMAT)
    level_id: str = Field(min_length=1, max_length=100)
    level_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    seed: int = Field(ge=1, le=2**31 - 1)
    model_version: str = Field(min_length=1, max_length=40)


def level_sha256(text: str | bytes) -> str:
    """The SHA-256 of a level's text (UTF-8 bytes as stored in its file): what a result was played on."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def header(level_id: str, sha256: str, seed: int) -> dict[str, Any]:
    return {"endplate_replay": REPLAY_FORMAT, "level_id": level_id, "level_sha256": sha256, "seed": int(seed),
            "model_version": MODEL_VERSION}


def dumps(head: dict[str, Any] | None, moves: Iterable[Move | dict]) -> str:
    """The replay as JSON lines (header first when given)."""
    lines = [json.dumps(head)] if head is not None else []
    for m in moves:
        lines.append(json.dumps(m.model_dump() if isinstance(m, Move) else m))
    return "\n".join(lines) + "\n"


def parse_moves(entries: Sequence[Any], where: str = "moves") -> list[Move]:
    """Validated moves, in time order; a bad entry raises ReplayError naming it."""
    if len(entries) > MAX_MOVES:
        raise ReplayError(f"{where}: {len(entries)} moves is too many (at most {MAX_MOVES})")
    moves: list[Move] = []
    for i, entry in enumerate(entries):
        try:
            move = Move.model_validate(entry)
        except ValidationError as err:
            field, msg, _ = first_error(err, "move")
            raise ReplayError(f"{where}[{i}].{field}: {msg}") from None
        if moves and move.t_s < moves[-1].t_s:
            raise ReplayError(f"{where}[{i}].t_s: {move.t_s} is earlier than the move before it ({moves[-1].t_s})")
        moves.append(move)
    return moves


def loads(text: str, where: str = "replay") -> tuple[ReplayHeader | None, list[Move]]:
    """Read a replay file's text: (header or None for an old headerless file, moves)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_REPLAY_BYTES:
        raise ReplayError(f"{where}: larger than {MAX_REPLAY_BYTES // 1_000_000} MB")
    head: ReplayHeader | None = None
    entries: list[Any] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise ReplayError(f"{where}: line {n} is not JSON") from None
        if isinstance(obj, dict) and "endplate_replay" in obj:
            if head is not None or entries:
                raise ReplayError(f"{where}: line {n}: the header must be the first line")
            try:
                head = ReplayHeader.model_validate(obj)
            except ValidationError as err:
                field, msg, _ = first_error(err)
                raise ReplayError(f"{where}: line {n}: header field {field}: {msg}") from None
            continue
        entries.append(obj)
    return head, parse_moves(entries, where)


def apply_moves(run: LevelRun, moves: Iterable[Move | dict], until_s: float | None = None) -> list[dict]:
    """Advance `run` move by move, making each at its model time; returns the moves the session accepted
    (a refused move changes nothing, as in play). With `until_s`, runs on to that model time."""
    accepted: list[dict] = []
    for m in moves:
        move = m if isinstance(m, Move) else Move.model_validate(m)
        if move.t_s > run.t_s:
            run.advance(move.t_s - run.t_s)
        if run.finished:
            break
        if run.act(Action(move.kind, move.value)) is None:
            accepted.append(move.model_dump())
    if until_s is not None and until_s > run.t_s and not run.finished:
        run.advance(until_s - run.t_s)
    return accepted


def replay(level: Level, seed: int, moves: Iterable[Move | dict]) -> RunSummary:
    """Play the moves on a fresh run of `level` with `seed`, then let the level run to its end: the result the
    moves earn, whoever claims otherwise."""
    run = LevelRun(level, seed=seed, impulse_events=False)
    try:
        apply_moves(run, moves)
        while not run.finished:
            run.advance(max(1.0, level.duration_model_s - run.t_s))
        return run.summary()
    finally:
        run.close()
