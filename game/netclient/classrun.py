"""A joined class: the session the server sent, checked, and the attempts and answers made in it.

`ClassRun.join(url, code, nickname)` asks the server, then refuses to go on when the game's model version
differs from the server's (the student must update) or when a level's text does not have the SHA-256 the
server announced (it could not be verified, so it is not played). Attempts and answers are queued in the
store's outbox with a fresh uuid each (`queue_attempt`, `queue_answer`) and sent by `ClassSync`.
"""
from __future__ import annotations

import json
import os
import tempfile
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterable

import httpx

from game.levels import Level, LevelError
from game.levels.loader import parse_level_text
from game.classroom.models import QUIZ_MODES, RESULTS_FORMAT, AnswerIn, AttemptIn, SessionInfo, normalise_code
from game.netclient.api import ClassClient, ClassError, JoinResponse, normalize_url
from game.rules.replay import level_sha256
from game.sim.version import MODEL_VERSION



@dataclass
class ClassLevel:
    id: str
    title: str
    sha256: str
    text: str
    level: Level


@dataclass
class LevelDone:
    """What the game knows of one played level of the session (the latest attempt)."""
    uuid: str
    score: float
    stars: int
    won: bool
    attempts: int = 1
    verified: bool | None = None      # known from the server (a resumed class), else from the sync replies


@dataclass
class ClassRun:
    server_url: str
    join_code: str
    nickname: str
    token: str
    session: SessionInfo
    levels: list[ClassLevel]
    seed: int
    played: dict[str, LevelDone] = field(default_factory=dict)
    quizzed: set[str] = field(default_factory=set)      # "pre", "post" and level ids whose quiz was taken
    prepost: list[dict[str, Any]] | None = None         # the pre/post items (GET /api/prepost), once fetched
    transport: Any = field(default=None, repr=False)   # tests: an httpx transport for every later call

    # -- joining --------------------------------------------------------------------------------------------
    @classmethod
    def join(cls, server: str, join_code: str, nickname: str, *, transport: httpx.BaseTransport | None = None) -> "ClassRun":
        """Join the session; raises ClassError with one line to show (wrong code, update needed, ...)."""
        url = normalize_url(server)
        code = normalise_code(join_code or "")
        nick = (nickname or "").strip()
        if not code:
            raise ClassError("join code: empty (expected the 6 characters your teacher shows)")
        if not nick:
            raise ClassError("nickname: empty (expected 1 to 24 characters)")
        with ClassClient(url, transport=transport) as client:
            reply = client.join(code, nick)
        run = cls.from_reply(url, code, reply.nickname or nick, reply)
        run.transport = transport
        return run

    @classmethod
    def from_reply(cls, url: str, code: str, nickname: str, reply: JoinResponse) -> "ClassRun":
        s = reply.session
        if s.model_version != MODEL_VERSION:
            raise ClassError(f"update Endplate: this class uses model version {s.model_version}, this game has "
                             f"{MODEL_VERSION} (results could not be verified)")
        if not s.levels:
            raise ClassError("the class session has no levels yet: ask your teacher")
        levels = [check_level(lv.id, lv.title, lv.sha256, lv.toml) for lv in s.levels]
        # the server decides the seed: one for everybody (a fair leaderboard) or one per student
        return cls(url, code, nickname, reply.student_token, s, levels, int(s.seed))

    @classmethod
    def resume(cls, saved: dict[str, Any], *, transport: httpx.BaseTransport | None = None) -> "ClassRun":
        """Carry on in a class joined before (the game was closed): the session and what was already played
        and answered come from the server (GET /api/session with the student's token)."""
        try:
            url, code, nick, token = (str(saved[k]) for k in ("server_url", "join_code", "nickname", "student_token"))
        except KeyError as err:
            raise ClassError(f"the class joined before is not fully remembered ({err.args[0]} missing); join again") from None
        with ClassClient(url, token, transport=transport) as client:
            view = client.session()
        run = cls.from_reply(url, code, view.nickname or nick,
                             JoinResponse(student_token=token, nickname=view.nickname, session=view.session))
        run.transport = transport
        for a in view.attempts:
            done = run.played.get(a.level_id)
            run.played[a.level_id] = LevelDone("", float(a.score or 0.0), int(a.stars or 0), bool(a.won),
                                               (done.attempts + 1) if done else 1, a.verified)
        for key in view.answered:
            phase, _, rest = key.partition(":")
            run.quizzed.add(phase if phase in ("pre", "post") else rest.split("#", 1)[0])
        return run

    def remembered(self) -> dict[str, Any]:
        """What the store keeps to resume this class after a restart."""
        return {"server_url": self.server_url, "join_code": self.join_code, "nickname": self.nickname,
                "student_token": self.token, "title": self.title}

    @property
    def quiz_mode(self) -> str:
        return self.session.quiz_mode if self.session.quiz_mode in QUIZ_MODES else "off"

    @property
    def title(self) -> str:
        return self.session.title or f"Class {self.join_code}"

    def next_level(self) -> ClassLevel | None:
        """The first level of the session not played yet (levels are played in the order given)."""
        return next((lv for lv in self.levels if lv.id not in self.played), None)

    def finished(self) -> bool:
        return all(lv.id in self.played for lv in self.levels)

    def client(self, transport: httpx.BaseTransport | None = None) -> ClassClient:
        return ClassClient(self.server_url, self.token, transport=transport or self.transport)

    # -- the outbox -----------------------------------------------------------------------------------------
    def _payload(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"student_token": self.token, "join_code": self.join_code, "nickname": self.nickname,
                "session_id": self.session.id, "body": body}

    def attempt_body(self, lv: ClassLevel, moves: Iterable[dict], summary, *, time_s: float | None = None) -> dict:
        """The attempt as the server takes it (checked with the server's own model)."""
        body = AttemptIn.model_validate({
            "uuid": str(uuidlib.uuid4()),
            "level_id": lv.id,
            "level_sha256": lv.sha256,
            "seed": self.seed,
            "model_version": MODEL_VERSION,
            "moves": [{"t_s": float(m["t_s"]), "kind": str(m["kind"]), "value": m.get("value")} for m in moves],
            "claimed": {"score": min(100.0, max(0.0, float(round(summary.score, 6)))), "stars": int(summary.stars),
                        "won": bool(summary.won)},
            "time_s": None if time_s is None else min(86_400.0, max(0.0, float(time_s))),
            "played_at": datetime.now(UTC),
        })
        return body.model_dump(mode="json")

    def queue_attempt(self, store, lv: ClassLevel, moves: Iterable[dict], summary, *,
                      time_s: float | None = None) -> str:
        """Put a finished attempt in the outbox (first, before any sending); returns its uuid."""
        body = self.attempt_body(lv, moves, summary, time_s=time_s)
        store.outbox_add(body["uuid"], "attempt", self.server_url, self._payload(body))
        done = self.played.get(lv.id)
        self.played[lv.id] = LevelDone(body["uuid"], float(summary.score), int(summary.stars), bool(summary.won),
                                       (done.attempts + 1) if done else 1)
        return body["uuid"]

    def queue_answer(self, store, phase: str, question_id: int | str, answer: Any, level_id: str | None = None,
                     *, time_s: float | None = None) -> str:
        """Put one quiz answer in the outbox: phase "level" (question_id = the position in the level's quiz)
        or "pre"/"post" (question_id = the item's id)."""
        body = AnswerIn.model_validate({
            "uuid": str(uuidlib.uuid4()), "phase": phase, "question_id": question_id, "answer": answer,
            "level_id": level_id if phase == "level" else None,
            "time_s": None if time_s is None else min(86_400.0, max(0.0, float(time_s)))}).model_dump(mode="json")
        store.outbox_add(body["uuid"], "answer", self.server_url, self._payload(body))
        return body["uuid"]


def check_level(level_id: str, title: str, sha256: str, text: str) -> ClassLevel:
    """A level text from the server, checked: its SHA-256 must be the announced one, and it must load."""
    got = level_sha256(text)
    if got != sha256:
        raise ClassError(f"level {level_id}: its text does not match the SHA-256 the server announced "
                         f"({got[:12]}... instead of {sha256[:12]}...); it will not be played - tell your teacher")
    try:
        level = parse_level_text(text, f"class level {level_id}")
    except LevelError as err:
        first = err.problems[0] if err.problems else "invalid"
        raise ClassError(f"level {level_id}: this game cannot read it ({first}); update Endplate") from None
    return ClassLevel(level_id, title or level.title, sha256, text, level)


# -- the results file (no network at all) --------------------------------------------------------------------

def results_documents(store) -> list[dict[str, Any]]:
    """One results document per (server, join code, nickname) found in the outbox, with every attempt and
    answer (sent or not: the import stores each uuid once)."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in store.outbox_all():
        p = row["payload"]
        key = (row["server_url"], str(p.get("join_code", "")), str(p.get("nickname", "")))
        doc = groups.setdefault(key, {"endplate_results": RESULTS_FORMAT, "server_url": key[0],
                                      "join_code": key[1], "nickname": key[2], "attempts": [], "answers": []})
        body = p.get("body")
        if isinstance(body, dict):
            doc["attempts" if row["kind"] == "attempt" else "answers"].append(body)
    return list(groups.values())


def _safe(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:24].strip("-")
    return keep or "player"


def write_new_file(folder: Path, stem: str, suffix: str, text: str) -> Path:
    """Write `text` to a new file in `folder` (never replacing one: -2, -3... are added), atomically: the
    file appears complete or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        for k in range(1, 1000):
            target = folder / (f"{stem}{suffix}" if k == 1 else f"{stem}-{k}{suffix}")
            try:
                os.link(tmp, target)          # fails if the name exists: nothing is overwritten
            except FileExistsError:
                continue
            except OSError:                   # no hard links here (some USB sticks): create-exclusive instead
                try:
                    with open(target, "x", encoding="utf-8") as fh:
                        fh.write(text)
                except FileExistsError:
                    continue
            return target
        raise OSError(f"{folder}: no free file name for {stem}{suffix}")
    finally:
        tmp.unlink(missing_ok=True)


def save_results_files(store, folder: Path) -> list[Path]:
    """Write a results file per class joined on this computer into `folder`; returns the files written."""
    paths = []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for doc in results_documents(store):
        stem = f"endplate-results-{_safe(doc['join_code'])}-{_safe(doc['nickname'])}-{stamp}"
        paths.append(write_new_file(Path(folder), stem, ".json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n"))
    return paths
