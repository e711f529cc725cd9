"""The class server's JSON API as pydantic models: requests, responses and the student's results file.

The game's class client imports this module (and only this one from game.classroom), so it stays free of
FastAPI and SQLAlchemy: pydantic and the replay move model only.

    POST /api/sessions      CreateSession -> SessionCreated            (teacher)
    POST /api/join          JoinRequest -> JoinResponse
    POST /api/attempts      AttemptIn -> AttemptOut                    (student bearer)
    POST /api/answers       AnswerIn -> AnswerOut                      (student bearer)
    GET  /api/session       -> StudentView                             (student bearer)
    GET  /api/prepost       -> PrePostOut                              (student bearer)
    GET  /api/sessions/{id}/results -> Results                         (teacher)

A results file (saved by a student's game where there is no network; `class import FILE`) is a
`ResultsFile`: {"endplate_results": 1, "server_url"?, "join_code", "nickname", "attempts": [AttemptIn],
"answers": [AnswerIn]}.
"""
from __future__ import annotations

import re
import unicodedata
import uuid as _uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from game.rules.replay import MAX_MOVES, Move

QUIZ_MODES = ("after-level", "pre-post", "off")
PHASES = ("level", "pre", "post")
# Join codes use letters and digits that cannot be misread (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
NICKNAME_MAX = 24
MAX_SEED = 2**31 - 1
RESULTS_FORMAT = 1

QuizMode = Literal[QUIZ_MODES]  # type: ignore[valid-type]
Phase = Literal[PHASES]  # type: ignore[valid-type]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def normalise_nickname(value: str) -> str:
    """A nickname as stored: NFKC, surrounding spaces removed, inner runs of spaces made one."""
    text = unicodedata.normalize("NFKC", value)
    return re.sub(" {2,}", " ", text).strip(" ")


def check_nickname(value: str) -> str:
    text = normalise_nickname(value)
    if not text:
        raise ValueError("must have 1 to 24 printable characters")
    if len(text) > NICKNAME_MAX:
        raise ValueError(f"must be at most {NICKNAME_MAX} characters (got {len(text)})")
    if not text.isprintable():
        raise ValueError("must contain only printable characters (no tabs, line breaks or control characters)")
    return text


def normalise_code(value: str) -> str:
    return "".join(value.split()).upper().replace("-", "")


def check_code(value: str) -> str:
    code = normalise_code(value)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise ValueError(f"must be the {CODE_LENGTH}-character code the teacher shows (letters and digits)")
    return code


# --- teacher -------------------------------------------------------------------------------------------

class CreateSession(_In):
    title: str = Field(min_length=1, max_length=100, description="shown to students and in reports")
    levels: list[str] = Field(min_length=1, max_length=30, description="level ids, in the order to play")
    seed: int | None = Field(default=1, ge=1, le=MAX_SEED,
                             description="one seed for everybody (a fair leaderboard), or null for one each")
    quiz_mode: QuizMode = Field(default="after-level", description="after-level, pre-post or off")
    closes_at: datetime | None = Field(default=None, description="optional closing time (ISO 8601)")

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = v.strip()
        if not v or not v.isprintable():
            raise ValueError("must be 1 to 100 printable characters")
        return v

    @field_validator("levels")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each level may appear once")
        return v


class SessionCreated(BaseModel):
    id: int
    join_code: str
    title: str


# --- joining -------------------------------------------------------------------------------------------

class _Identity(_In):
    """A join code and a nickname, checked the same way wherever a student names themselves (the
    subclass declares both fields, in its own order)."""

    @field_validator("join_code", check_fields=False)
    @classmethod
    def _code(cls, v: str) -> str:
        return check_code(v)

    @field_validator("nickname", check_fields=False)
    @classmethod
    def _nick(cls, v: str) -> str:
        return check_nickname(v)


class JoinRequest(_Identity):
    join_code: str = Field(min_length=1, max_length=20, description="the 6-character code on the board")
    nickname: str = Field(min_length=1, max_length=100, description="1 to 24 printable characters")


class LevelOut(BaseModel):
    id: str
    title: str
    sha256: str = Field(description="SHA-256 of `toml` (UTF-8); the game checks it and sends it back")
    toml: str = Field(description="the exact level text to play")


class SessionInfo(BaseModel):
    id: int
    title: str
    seed: int = Field(description="the seed this student plays with")
    quiz_mode: QuizMode
    model_version: str = Field(description="the model the server verifies with; a game with another one must update")
    status: str = Field(description="open, closed or archived")
    levels: list[LevelOut]


class JoinResponse(BaseModel):
    student_token: str
    nickname: str
    session: SessionInfo


# --- attempts and answers ------------------------------------------------------------------------------

class Claimed(_In):
    score: float = Field(ge=0.0, le=100.0)
    stars: int = Field(ge=0, le=3)
    won: bool


class AttemptIn(_In):
    uuid: _uuid.UUID = Field(description="made by the client; a resend with the same uuid is stored once")
    level_id: str = Field(min_length=1, max_length=40)
    level_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    seed: int = Field(ge=1, le=MAX_SEED)
    model_version: str = Field(min_length=1, max_length=40)
    moves: list[Move] = Field(max_length=MAX_MOVES, description="the recorded moves: t_s, kind, value")
    claimed: Claimed
    time_s: float | None = Field(default=None, ge=0.0, le=86_400.0, description="seconds of play (wall clock)")
    played_at: datetime | None = None


class AttemptOut(BaseModel):
    uuid: str
    verified: bool
    score: float | None
    stars: int | None
    won: bool | None
    reason: str = Field(description="empty when verified; otherwise why not")
    duplicate: bool = Field(default=False, description="true when this uuid was already stored")


class AnswerIn(_In):
    uuid: _uuid.UUID
    phase: Phase
    level_id: str | None = Field(default=None, min_length=1, max_length=40, description="for phase level")
    question_id: int | str = Field(description="the question's position in the level quiz, or the pre/post item id")
    answer: Any = Field(description="choice: option text or position; order: the texts in order; match: {left: right}")
    time_s: float | None = Field(default=None, ge=0.0, le=86_400.0)

    @field_validator("question_id")
    @classmethod
    def _qid(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 0 <= v < 100:
            raise ValueError("must be a question position from 0")
        if isinstance(v, str) and not 1 <= len(v) <= 40:
            raise ValueError("must be 1 to 40 characters")
        return v


class AnswerOut(BaseModel):
    uuid: str
    recorded: bool = True
    duplicate: bool = False
    correct: bool | None = Field(description="level quizzes: right or not; pre/post: null (not revealed)")
    feedback: str | None = None


# --- what a student may see ----------------------------------------------------------------------------

class LeaderRow(BaseModel):
    rank: int
    nickname: str
    stars: int
    score: float


class OwnAttempt(BaseModel):
    level_id: str
    verified: bool
    score: float | None
    stars: int | None
    won: bool | None
    reason: str


class StudentView(BaseModel):
    nickname: str
    session: SessionInfo
    leaderboard: list[LeaderRow]
    attempts: list[OwnAttempt]
    answered: list[str] = Field(default_factory=list, description="phase:question keys already answered")


class PrePostOut(BaseModel):
    objectives: dict[str, str]
    items: list[dict[str, Any]]


# --- what the teacher sees -----------------------------------------------------------------------------

class AttemptRow(BaseModel):
    uuid: str
    level_id: str
    score: float | None
    stars: int | None
    won: bool | None
    verified: bool
    claimed_score: float | None
    claimed_stars: int | None
    reason: str
    time_s: float | None
    received_at: datetime


class StudentResults(BaseModel):
    id: int
    nickname: str
    joined_at: datetime
    removed: bool
    attempts: list[AttemptRow]


class Results(BaseModel):
    session_id: int
    title: str
    join_code: str
    status: str
    levels: list[str]
    students: list[StudentResults]


# --- the results file ----------------------------------------------------------------------------------

class ResultsFile(_Identity):
    endplate_results: Literal[1]
    server_url: str | None = Field(default=None, max_length=500)
    join_code: str = Field(min_length=1, max_length=20)
    nickname: str = Field(min_length=1, max_length=100)
    attempts: list[AttemptIn] = Field(default_factory=list, max_length=1000)
    answers: list[AnswerIn] = Field(default_factory=list, max_length=5000)

