"""The class server: a FastAPI app over the class database.

    app = create_app(engine, teacher_token)      # uvicorn.run(app, ...) — see game/classroom/cli.py

Students join with a code and a nickname and get a per-session bearer token; they send attempts (replays)
and quiz answers. Every attempt is played again on the deterministic model in a process pool
(game.classroom.verify) and the server keeps its own score. The teacher (bearer token, or the HttpOnly
cookie it is exchanged for at /dashboard?token=...) creates sessions and watches the dashboard, which is
updated live through server-sent events (/api/sessions/{id}/events).

Endpoint functions that touch the database are plain `def` functions: FastAPI runs them in its thread pool,
so the event loop never waits on the database or on a replay.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from concurrent.futures.process import BrokenProcessPool
import json
import logging
import secrets
import threading
import uuid as uuidlib
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from game.validation import first_error
from game.classroom import analysis, db, verify
from game.classroom.joinlimit import JoinLimiter
from game.classroom.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_SEED,
    AnswerIn,
    AnswerOut,
    AttemptIn,
    AttemptOut,
    AttemptRow,
    CreateSession,
    JoinRequest,
    JoinResponse,
    LeaderRow,
    LevelOut,
    OwnAttempt,
    PrePostOut,
    Results,
    ResultsFile,
    SessionCreated,
    SessionInfo,
    StudentResults,
    StudentView,
)
from game.classroom.security import (
    TEACHER_COOKIE,
    SizeCapMiddleware,
    cookie_value,
    new_student_token,
    same,
    token_hash,
)
from game.levels import LEVELS_DIR, LevelError, parse_level_text
from game.rules.debrief import check_answer
from game.rules.prepost import Bank, answer_text, load_bank
from game.sim.version import MODEL_VERSION

log = logging.getLogger("endplate.classroom")
STATIC = Path(__file__).resolve().parent / "static"
LEADERBOARD_SIZE = 10
MAX_ATTEMPT_BYTES = 1_100_000          # a replay of at most 1 MB, plus the attempt's other fields
MAX_UPLOAD_BYTES = 20_000_000          # a pack (its own limits are checked by game.levels.packs)
MAX_IMPORT_BYTES = 30_000_000
DEFAULT_BODY_BYTES = 64_000


class Problem(HTTPException):
    """A 4xx with a one-line JSON detail."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)


def _utc(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


# --- live updates ----------------------------------------------------------------------------------------

POLL_S = 1.0          # how often an open event stream looks at the database for changes made by other processes
KEEP_ALIVE_S = 15.0


class Notifier:
    """Tells the dashboards' event streams that a session changed (called from worker threads).

    Within this process a change wakes the streams at once; every change also bumps the session's counter in
    the database (`class_sessions.changes`), which each stream reads every POLL_S, so a change made by
    another server process on the same database (several workers, or servers behind one address) reaches
    every dashboard too."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine
        self.loop: asyncio.AbstractEventLoop | None = None
        self.version: dict[int, int] = {}
        self.waiters: dict[int, set[asyncio.Event]] = {}
        self.lock = threading.Lock()
        self.stopping = False

    def changed(self, session_id: int) -> None:
        if self.engine is not None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(db.Session).where(db.Session.id == session_id)
                                 .values(changes=db.Session.changes + 1))
            except Exception as err:   # the change itself is saved; only other processes' dashboards wait
                log.warning("could not count a change of session %s: %s", session_id, err)
        with self.lock:
            self.version[session_id] = self.version.get(session_id, 0) + 1
            events = list(self.waiters.get(session_id, ()))
        if self.loop is not None and events:
            for ev in events:
                try:
                    self.loop.call_soon_threadsafe(ev.set)
                except RuntimeError:   # the loop has closed
                    pass

    def stored_changes(self, session_id: int) -> int:
        """The session's change counter in the database (0 without a database or for an unknown session)."""
        if self.engine is None:
            with self.lock:
                return self.version.get(session_id, 0)
        with self.engine.connect() as conn:
            return int(conn.execute(select(db.Session.changes).where(db.Session.id == session_id)).scalar() or 0)

    def subscribe(self, session_id: int) -> asyncio.Event:
        ev = asyncio.Event()
        with self.lock:
            self.waiters.setdefault(session_id, set()).add(ev)
        return ev

    def unsubscribe(self, session_id: int, ev: asyncio.Event) -> None:
        with self.lock:
            self.waiters.get(session_id, set()).discard(ev)

    def stop(self) -> None:
        self.stopping = True
        with self.lock:
            events = [e for s in self.waiters.values() for e in s]
        if self.loop is not None:
            for ev in events:
                try:
                    self.loop.call_soon_threadsafe(ev.set)
                except RuntimeError:
                    pass


# --- the app -------------------------------------------------------------------------------------------

class Server:
    """State shared by the endpoints: database, tokens, the replay pool, the level catalogue."""

    def __init__(self, engine: Engine, teacher_token: str, workers: int | None, levels_dir: Path,
                 join_per_minute: int, join_limiter: JoinLimiter | None = None) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.teacher_token = teacher_token
        self.cookie = cookie_value(teacher_token)
        self.workers = workers
        self.levels_dir = levels_dir
        # in the database: every server process on it (and a restarted one) shares the budgets
        self.limiter = join_limiter or JoinLimiter(engine, per_minute=join_per_minute)
        self.notifier = Notifier(engine)
        self._pool: concurrent.futures.Executor | None = None
        self._pool_lock = threading.Lock()
        self._campaign: dict[str, tuple[str, str]] | None = None
        self.bank: Bank = load_bank()
        self._level_cache: dict[str, Any] = {}

    # replays run in worker processes (workers=0: in threads, for tests of the API alone)
    def pool(self) -> concurrent.futures.Executor:
        with self._pool_lock:
            if self._pool is None:
                if self.workers == 0:
                    self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
                else:
                    import multiprocessing as mp
                    ctx = mp.get_context("spawn")
                    self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                                                     initializer=verify.worker_init)
                    for _ in range(self.workers or 2):
                        self._pool.submit(verify.warm_up)
            return self._pool

    def reset_pool(self) -> None:
        """A worker died (killed, out of memory): start a new pool for the next replays."""
        with self._pool_lock:
            old, self._pool = self._pool, None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.notifier.stop()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def campaign(self) -> dict[str, tuple[str, str]]:
        """Campaign levels: id -> (title, exact file text)."""
        if self._campaign is None:
            found: list[tuple[int, str, str, str]] = []
            for f in sorted(self.levels_dir.glob("*.toml")):
                text = f.read_text(encoding="utf-8")
                try:
                    parsed = parse_level_text(text, str(f))
                except LevelError:
                    continue
                found.append((parsed.order, parsed.id, parsed.title, text))
            self._campaign = {lid: (title, text) for _, lid, title, text in sorted(found)}
        return self._campaign

    def level(self, toml: str):
        key = verify_sha(toml)
        if key not in self._level_cache:
            self._level_cache[key] = parse_level_text(toml, "session level")
        return self._level_cache[key]


def create_app(engine: Engine, teacher_token: str, *, workers: int | None = None,
               levels_dir: Path = LEVELS_DIR, join_per_minute: int = 60, docs: bool = True,
               join_limiter: JoinLimiter | None = None) -> FastAPI:
    """The ASGI app. `workers`: replay processes (None: one per CPU; 0: threads, for tests).
    `join_limiter`: the join rate limit (default: `join_per_minute` tries a minute, kept in `engine`)."""
    server = Server(engine, teacher_token, workers, levels_dir, join_per_minute, join_limiter)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        server.notifier.loop = asyncio.get_running_loop()
        try:
            server.limiter.prune()          # tries left by earlier runs that no window needs any more
        except Exception as err:            # noqa: BLE001 - pruning is housekeeping; joins prune again later
            log.warning("could not prune old join tries: %s", err)
        server.pool()
        yield
        server.close()

    app = FastAPI(title="Endplate class server", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Sessions, joining, replay-verified attempts, quiz answers and the teacher's "
                              "dashboard. See docs/classroom.md.")
    app.state.server = server
    app.add_middleware(SizeCapMiddleware, caps={"/api/attempts": MAX_ATTEMPT_BYTES, "/api/levels": MAX_UPLOAD_BYTES,
                                                "/api/packs": MAX_UPLOAD_BYTES, "/api/import": MAX_IMPORT_BYTES},
                       default=DEFAULT_BODY_BYTES)

    # --- errors: one JSON detail naming the field, never a traceback ---------------------------------

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("body",)]
        where = ".".join(loc) or "body"
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if first.get("type") == "json_invalid":
            where, msg = "body", "is not valid JSON"
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        return JSONResponse(status_code=422, content={"detail": f"{where}: {msg}{more}",
                                                      "errors": [{"field": ".".join(str(x) for x in e.get("loc", ())),
                                                                  "problem": str(e.get("msg", ""))} for e in errors[:20]]})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):  # pragma: no cover - a bug: logged, not shown
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error (logged on the server)"})

    # --- auth --------------------------------------------------------------------------------------

    def teacher(request: Request) -> None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and same(auth[7:].strip(), server.teacher_token):
            return
        cookie = request.cookies.get(TEACHER_COOKIE)
        if cookie and same(cookie, server.cookie):
            return
        raise Problem(401, "teacher token: missing or wrong (open the dashboard link the server printed)")

    def student(request: Request) -> db.Student:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise Problem(401, "Authorization: expected 'Bearer <student_token>' from /api/join")
        h = token_hash(auth[7:].strip())
        with server.sessions() as s:
            st = s.scalar(select(db.Student).where(db.Student.token_hash == h))
        if st is None or st.removed:
            raise Problem(401, "student token: not known (join the session again)")
        return st

    def get_session(s: DbSession, session_id: int) -> db.Session:
        row = s.get(db.Session, session_id)
        if row is None:
            raise Problem(404, f"session {session_id}: not found")
        return row

    def refresh_status(s: DbSession, row: db.Session) -> str:
        if row.status == "open" and row.closes_at is not None and _utc(row.closes_at) <= datetime.now(UTC):
            row.status = "closed"
            s.commit()
        return row.status

    def session_info(s: DbSession, row: db.Session, seed: int) -> SessionInfo:
        levels = s.scalars(select(db.SessionLevel).where(db.SessionLevel.session_id == row.id)
                           .order_by(db.SessionLevel.position)).all()
        return SessionInfo(id=row.id, title=row.title, seed=seed, quiz_mode=row.quiz_mode, model_version=MODEL_VERSION,
                           status=row.status, levels=[LevelOut(id=lv.level_id, title=lv.title, sha256=lv.sha256,
                                                               toml=lv.toml) for lv in levels])

    # --- pages -------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=303)

    @app.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request, token: str | None = None):
        if token is not None:
            if not same(token, server.teacher_token):
                return HTMLResponse(_login_page("That teacher token is not right."), status_code=401)
            resp = RedirectResponse("/dashboard", status_code=303)
            resp.set_cookie(TEACHER_COOKIE, server.cookie, httponly=True, samesite="strict", path="/")
            return resp
        cookie = request.cookies.get(TEACHER_COOKIE)
        if not cookie or not same(cookie, server.cookie):
            return HTMLResponse(_login_page(None), status_code=401)
        return FileResponse(STATIC / "dashboard.html", media_type="text/html",
                            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                     "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        allowed = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
        if name not in allowed:
            raise Problem(404, f"static/{name}: not found")
        return FileResponse(STATIC / name, media_type=allowed[name], headers={"Cache-Control": "no-cache"})

    @app.post("/api/logout", include_in_schema=False)
    def logout() -> JSONResponse:
        resp = JSONResponse({"ok": True})
        resp.delete_cookie(TEACHER_COOKIE, path="/")
        return resp

    # --- teacher: levels and sessions ----------------------------------------------------------------

    @app.get("/api/levels", dependencies=[Depends(teacher)])
    def list_levels() -> dict[str, Any]:
        out = [{"id": k, "title": v[0], "source": "campaign"} for k, v in server.campaign().items()]
        with server.sessions() as s:
            for lv in s.scalars(select(db.LibraryLevel).order_by(db.LibraryLevel.uploaded_at)).all():
                out.append({"id": lv.level_id, "title": lv.title, "source": lv.source})
        return {"levels": out}

    def add_library(s: DbSession, level, text: str, source: str) -> dict[str, Any]:
        if level.id in server.campaign():
            raise Problem(409, f"id: {level.id!r} is a campaign level's id; give the uploaded level another id")
        row = s.scalar(select(db.LibraryLevel).where(db.LibraryLevel.level_id == level.id))
        sha = verify_sha(text)
        if row is None:
            s.add(db.LibraryLevel(level_id=level.id, title=level.title, sha256=sha, toml=text, source=source))
        else:   # a new version; sessions already made keep their own copy of the old text
            row.title, row.sha256, row.toml, row.source, row.uploaded_at = level.title, sha, text, source, db.utcnow()
        return {"id": level.id, "title": level.title, "sha256": sha, "source": source}

    @app.post("/api/levels", dependencies=[Depends(teacher)])
    async def upload_level(file: UploadFile = File(...)) -> dict[str, Any]:
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        name = file.filename or "level.toml"
        if len(data) > 1_000_000:
            raise Problem(413, f"file {name}: a level file must be at most 1 MB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(422, f"file {name}: not UTF-8 text (a level is a .toml text file)") from None
        try:
            level = parse_level_text(text, name)
        except LevelError as err:
            raise Problem(422, "; ".join(str(p) for p in err.problems[:3])) from None

        def store() -> dict[str, Any]:
            with server.sessions() as s:
                out = add_library(s, level, text, "upload")
                s.commit()
                return out
        from starlette.concurrency import run_in_threadpool
        return {"levels": [await run_in_threadpool(store)]}

    @app.post("/api/packs", dependencies=[Depends(teacher)])
    async def upload_pack(file: UploadFile = File(...)) -> dict[str, Any]:
        from game.levels.packs import PackError, read_pack_bytes

        data = await file.read(MAX_UPLOAD_BYTES + 1)
        name = file.filename or "pack.endplate"
        try:
            loaded = read_pack_bytes(data, name)
        except PackError as err:
            raise Problem(422, str(err)) from None
        if loaded.problems:
            raise Problem(422, f"{name}: " + "; ".join(loaded.problems[:3]))

        def store() -> list[dict[str, Any]]:
            with server.sessions() as s:
                out = [add_library(s, pl.level, pl.text, f"pack:{loaded.pack.id}") for pl in loaded.levels]
                s.commit()
                return out
        from starlette.concurrency import run_in_threadpool
        return {"pack": loaded.pack.id, "title": loaded.pack.title, "levels": await run_in_threadpool(store)}

    def level_text(s: DbSession, level_id: str) -> tuple[str, str]:
        if level_id in server.campaign():
            return server.campaign()[level_id]
        row = s.scalar(select(db.LibraryLevel).where(db.LibraryLevel.level_id == level_id))
        if row is None:
            raise Problem(422, f"levels: {level_id!r} is not a campaign level or an uploaded level (GET /api/levels lists them)")
        return row.title, row.toml

    @app.post("/api/sessions", dependencies=[Depends(teacher)], response_model=SessionCreated)
    def create_session(body: CreateSession) -> SessionCreated:
        with server.sessions() as s:
            texts = [(lid, *level_text(s, lid)) for lid in body.levels]
            for _ in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if s.scalar(select(db.Session.id).where(db.Session.join_code == code)) is None:
                    break
            row = db.Session(title=body.title, join_code=code, seed=body.seed, quiz_mode=body.quiz_mode,
                             status="open", closes_at=_utc(body.closes_at))
            s.add(row)
            s.flush()
            for i, (lid, title, text) in enumerate(texts):
                s.add(db.SessionLevel(session_id=row.id, position=i, level_id=lid, title=title,
                                      sha256=verify_sha(text), toml=text))
            s.commit()
            return SessionCreated(id=row.id, join_code=row.join_code, title=row.title)

    @app.get("/api/sessions", dependencies=[Depends(teacher)])
    def list_sessions(archived: bool = False) -> dict[str, Any]:
        with server.sessions() as s:
            q = select(db.Session).order_by(db.Session.created_at.desc())
            rows = s.scalars(q).all()
            out = []
            for r in rows:
                refresh_status(s, r)
                if r.status == "archived" and not archived:
                    continue
                n = s.scalar(select(func.count()).select_from(db.Student).where(db.Student.session_id == r.id,
                                                                                db.Student.removed.is_(False)))
                out.append({"id": r.id, "title": r.title, "join_code": r.join_code, "status": r.status,
                            "quiz_mode": r.quiz_mode, "seed": r.seed, "students": n,
                            "created_at": _utc(r.created_at).isoformat(timespec="seconds"),
                            "closes_at": _utc(r.closes_at).isoformat(timespec="seconds") if r.closes_at else None})
            return {"sessions": out}

    def set_status(session_id: int, status: str) -> dict[str, Any]:
        with server.sessions() as s:
            row = get_session(s, session_id)
            if row.status == "archived" and status != "archived":
                raise Problem(409, f"session {session_id}: archived; it cannot be opened again")
            row.status = status
            if status == "open":
                row.closes_at = None
            s.commit()
        server.notifier.changed(session_id)
        return {"id": session_id, "status": status}

    @app.post("/api/sessions/{session_id}/close", dependencies=[Depends(teacher)])
    def close_session(session_id: int) -> dict[str, Any]:
        return set_status(session_id, "closed")

    @app.post("/api/sessions/{session_id}/reopen", dependencies=[Depends(teacher)])
    def reopen_session(session_id: int) -> dict[str, Any]:
        return set_status(session_id, "open")

    @app.post("/api/sessions/{session_id}/archive", dependencies=[Depends(teacher)])
    def archive_session(session_id: int) -> dict[str, Any]:
        return set_status(session_id, "archived")

    @app.delete("/api/sessions/{session_id}", dependencies=[Depends(teacher)])
    def delete_session(session_id: int) -> dict[str, Any]:
        """Deletes the session and everything its students sent (for data deletion requests)."""
        with server.sessions() as s:
            get_session(s, session_id)
            for table in (db.Answer, db.Attempt, db.Student, db.SessionLevel):
                s.execute(delete(table).where(table.session_id == session_id))
            s.execute(delete(db.Session).where(db.Session.id == session_id))
            s.commit()
        server.notifier.changed(session_id)
        return {"id": session_id, "deleted": True}

    def student_in(s: DbSession, session_id: int, student_id: int) -> db.Student:
        st = s.get(db.Student, student_id)
        if st is None or st.session_id != session_id:
            raise Problem(404, f"student {student_id}: not in session {session_id}")
        return st

    @app.post("/api/sessions/{session_id}/students/{student_id}/remove", dependencies=[Depends(teacher)])
    def remove_student(session_id: int, student_id: int) -> dict[str, Any]:
        """The nickname leaves the grid and the leaderboard; its token stops working; the name is free again.
        Its rows stay (marked removed) until the session is deleted."""
        with server.sessions() as s:
            st = student_in(s, session_id, student_id)
            st.removed = True
            st.token_hash = None
            st.nickname_key = f"{st.nickname_key}#removed-{st.id}"[:80]
            s.commit()
        server.notifier.changed(session_id)
        return {"id": student_id, "removed": True}

    @app.post("/api/sessions/{session_id}/students/{student_id}/reset", dependencies=[Depends(teacher)])
    def reset_student(session_id: int, student_id: int) -> dict[str, Any]:
        """The student's token stops working; the next join with the same nickname takes the place over,
        results kept (a student who moved to another computer)."""
        with server.sessions() as s:
            st = student_in(s, session_id, student_id)
            if st.removed:
                raise Problem(409, f"student {student_id}: removed; nothing to reset")
            st.token_hash = None
            s.commit()
        server.notifier.changed(session_id)
        return {"id": student_id, "reset": True}

    # --- teacher: results --------------------------------------------------------------------------

    def load_data(session_id: int) -> analysis.Data:
        with server.sessions() as s:
            row = get_session(s, session_id)
            refresh_status(s, row)
            levels = s.scalars(select(db.SessionLevel).where(db.SessionLevel.session_id == session_id)
                               .order_by(db.SessionLevel.position)).all()
            students = s.scalars(select(db.Student).where(db.Student.session_id == session_id)
                                 .order_by(db.Student.joined_at, db.Student.id)).all()
            attempts = s.scalars(select(db.Attempt).where(db.Attempt.session_id == session_id)
                                 .order_by(db.Attempt.received_at, db.Attempt.id)).all()
            answers = s.scalars(select(db.Answer).where(db.Answer.session_id == session_id)).all()
            return analysis.Data(
                session={"id": row.id, "title": row.title, "join_code": row.join_code, "status": row.status,
                         "quiz_mode": row.quiz_mode, "seed": row.seed, "created_at": _utc(row.created_at),
                         "closes_at": _utc(row.closes_at)},
                levels=[{"id": lv.level_id, "title": lv.title, "sha256": lv.sha256, "position": lv.position} for lv in levels],
                students=[{"id": st.id, "nickname": st.nickname, "joined_at": _utc(st.joined_at), "removed": st.removed,
                           "reset": st.token_hash is None and not st.removed} for st in students],
                attempts=[{c: getattr(a, c) for c in ("id", "uuid", "student_id", "level_id", "score", "stars", "won",
                                                       "verified", "claimed_score", "claimed_stars", "reason", "time_s",
                                                       "source")} | {"received_at": _utc(a.received_at)} for a in attempts],
                answers=[{c: getattr(a, c) for c in ("id", "student_id", "phase", "question_key", "objective", "prompt",
                                                      "answer_text", "correct")} | {"received_at": _utc(a.received_at)}
                         for a in answers],
                bank=server.bank)

    @app.get("/api/sessions/{session_id}/results", dependencies=[Depends(teacher)], response_model=Results)
    def results(session_id: int) -> Results:
        d = load_data(session_id)
        by: dict[int, list[AttemptRow]] = {}
        for a in d.attempts:
            by.setdefault(a["student_id"], []).append(AttemptRow(
                uuid=a["uuid"], level_id=a["level_id"], score=a["score"], stars=a["stars"], won=a["won"],
                verified=a["verified"], claimed_score=a["claimed_score"], claimed_stars=a["claimed_stars"],
                reason=a["reason"], time_s=a["time_s"], received_at=a["received_at"]))
        return Results(session_id=session_id, title=d.session["title"], join_code=d.session["join_code"],
                       status=d.session["status"], levels=[lv["id"] for lv in d.levels],
                       students=[StudentResults(id=st["id"], nickname=st["nickname"], joined_at=st["joined_at"],
                                                removed=st["removed"], attempts=by.get(st["id"], []))
                                 for st in d.students])

    @app.get("/api/sessions/{session_id}/dashboard", dependencies=[Depends(teacher)])
    def dashboard_data(session_id: int) -> dict[str, Any]:
        d = load_data(session_id)
        board = analysis.leaderboard(d)
        return {
            "session": {k: (v.isoformat(timespec="seconds") if isinstance(v, datetime) else v) for k, v in d.session.items()},
            "model_version": MODEL_VERSION,
            "levels": d.levels,
            "students": [{"id": s["id"], "nickname": s["nickname"], "removed": s["removed"], "reset": s["reset"],
                          "joined_at": s["joined_at"].isoformat(timespec="seconds")} for s in d.students],
            "grid": [{k: (v.isoformat(timespec="seconds") if isinstance(v, datetime) else v) for k, v in r.items()}
                     for r in analysis.grid(d)],
            "leaderboard": board,
            "projector": [{"rank": r["rank"], "name": analysis.projector_name(r["nickname"]), "stars": r["stars"]}
                          for r in board[:5]],
            "items": analysis.item_analysis(d),
            "gains": analysis.gains(d) if d.session["quiz_mode"] == "pre-post" else None,
            "counts": {"attempts": len(d.attempts), "verified": sum(1 for a in d.attempts if a["verified"]),
                       "answers": len(d.answers)},
        }

    def csv_response(text: str, name: str) -> Response:
        return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/sessions/{session_id}/results.csv", dependencies=[Depends(teacher)])
    def results_csv(session_id: int) -> Response:
        return csv_response(analysis.results_csv(load_data(session_id)), f"endplate-session-{session_id}-results.csv")

    @app.get("/api/sessions/{session_id}/items.csv", dependencies=[Depends(teacher)])
    def items_csv(session_id: int) -> Response:
        return csv_response(analysis.items_csv(load_data(session_id)), f"endplate-session-{session_id}-items.csv")

    @app.get("/api/sessions/{session_id}/gains.csv", dependencies=[Depends(teacher)])
    def gains_csv(session_id: int) -> Response:
        return csv_response(analysis.gains_csv(load_data(session_id)), f"endplate-session-{session_id}-gains.csv")

    @app.get("/api/sessions/{session_id}/gains.svg", dependencies=[Depends(teacher)])
    def gains_svg(session_id: int) -> Response:
        return Response(analysis.gains_svg(load_data(session_id)), media_type="image/svg+xml")

    @app.get("/api/sessions/{session_id}/report", dependencies=[Depends(teacher)], include_in_schema=False)
    def report(session_id: int) -> HTMLResponse:
        return HTMLResponse(analysis.report_html(load_data(session_id), MODEL_VERSION),
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"})

    @app.get("/api/sessions/{session_id}/events", dependencies=[Depends(teacher)])
    async def events(session_id: int, request: Request) -> StreamingResponse:
        """Server-sent events: `update` whenever the session's data changes (the page then reloads its JSON),
        a comment every 15 s to keep the connection open."""
        notifier = server.notifier
        if notifier.loop is None:
            notifier.loop = asyncio.get_running_loop()

        async def stream():
            from starlette.concurrency import run_in_threadpool

            ev = notifier.subscribe(session_id)
            try:
                seen = await run_in_threadpool(notifier.stored_changes, session_id)
                yield f"event: update\ndata: {seen}\n\n"
                quiet_s = 0.0
                while not notifier.stopping:
                    try:
                        await asyncio.wait_for(ev.wait(), timeout=POLL_S)
                        ev.clear()
                    except TimeoutError:
                        pass
                    if notifier.stopping or await request.is_disconnected():
                        break
                    now = await run_in_threadpool(notifier.stored_changes, session_id)
                    if now != seen:
                        seen, quiet_s = now, 0.0
                        yield f"event: update\ndata: {seen}\n\n"
                        continue
                    quiet_s += POLL_S
                    if quiet_s >= KEEP_ALIVE_S:
                        quiet_s = 0.0
                        yield ": keep-alive\n\n"
            finally:
                notifier.unsubscribe(session_id, ev)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # --- students ----------------------------------------------------------------------------------

    @app.post("/api/join", response_model=JoinResponse)
    async def join(body: JoinRequest, request: Request) -> JoinResponse:
        from starlette.concurrency import run_in_threadpool

        address = request.client.host if request.client else "unknown"
        wait = await run_in_threadpool(server.limiter.check, address)     # a database write: not on the loop
        if wait is not None:
            raise Problem(429, f"join: too many tries from this computer; wait {wait:.0f} s",
                          headers={"Retry-After": str(int(wait) + 1)})

        def do() -> JoinResponse | None:
            with server.sessions() as s:
                row = s.scalar(select(db.Session).where(db.Session.join_code == body.join_code))
                if row is None:
                    return None
                if refresh_status(s, row) != "open":
                    raise Problem(409, f"join_code: the session {row.title!r} is {row.status}; ask your teacher")
                key = body.nickname.casefold()
                token = new_student_token()
                st = s.scalar(select(db.Student).where(db.Student.session_id == row.id, db.Student.nickname_key == key))
                if st is not None:
                    if st.token_hash is not None:
                        raise Problem(409, f"nickname: {body.nickname!r} is already taken in this session; choose another")
                    st.token_hash = token_hash(token)        # a join the teacher reset: take it over
                else:
                    seed = row.seed if row.seed is not None else secrets.randbelow(MAX_SEED) + 1
                    st = db.Student(session_id=row.id, nickname=body.nickname, nickname_key=key,
                                    token_hash=token_hash(token), seed=seed, removed=False)
                    s.add(st)
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()
                    raise Problem(409, f"nickname: {body.nickname!r} is already taken in this session; choose another") from None
                info = session_info(s, row, st.seed)
                return JoinResponse(student_token=token, nickname=st.nickname, session=info), row.id

        result = await run_in_threadpool(do)
        if result is None:
            await asyncio.sleep(await run_in_threadpool(server.limiter.wrong_code, address))
            raise Problem(404, "join_code: no session has this code; check it with your teacher")
        response, session_id = result
        await run_in_threadpool(server.notifier.changed, session_id)
        return response

    @app.get("/api/session", response_model=StudentView)
    def my_session(me: db.Student = Depends(student)) -> StudentView:
        with server.sessions() as s:
            row = get_session(s, me.session_id)
            refresh_status(s, row)
            info = session_info(s, row, me.seed)
            own = s.scalars(select(db.Attempt).where(db.Attempt.student_id == me.id).order_by(db.Attempt.received_at)).all()
            answered = s.scalars(select(db.Answer).where(db.Answer.student_id == me.id)).all()
        d = load_data(me.session_id)
        board = [LeaderRow(rank=r["rank"], nickname=r["nickname"], stars=r["stars"], score=r["score"])
                 for r in analysis.leaderboard(d)[:LEADERBOARD_SIZE]]
        return StudentView(nickname=me.nickname, session=info, leaderboard=board,
                           attempts=[OwnAttempt(level_id=a.level_id, verified=a.verified, score=a.score, stars=a.stars,
                                                won=a.won, reason=a.reason) for a in own],
                           answered=sorted({f"{a.phase}:{a.question_key}" for a in answered}))

    @app.get("/api/prepost", response_model=PrePostOut)
    def prepost(me: db.Student = Depends(student)) -> PrePostOut:
        return PrePostOut(objectives=dict(server.bank.objectives), items=server.bank.public())

    def open_for(s: DbSession, session_id: int) -> db.Session:
        row = get_session(s, session_id)
        if refresh_status(s, row) != "open":
            raise Problem(409, f"session: {row.status}; the teacher no longer takes results (save a results file instead)")
        return row

    def already_sent(s: DbSession, table, uuid: str, me: db.Student, what: str):
        """The row this student already sent under `uuid` (a resend), None for a new uuid; 409 when the uuid
        belongs to another student's row."""
        row = s.scalar(select(table).where(table.uuid == uuid))
        if row is not None and row.student_id != me.id:
            raise Problem(409, f"uuid: already used by another {what}; make a new one")
        return row

    def existing_attempt(s: DbSession, uuid: str, me: db.Student) -> AttemptOut | None:
        a = already_sent(s, db.Attempt, uuid, me, "attempt")
        if a is None:
            return None
        return AttemptOut(uuid=a.uuid, verified=a.verified, score=a.score, stars=a.stars, won=a.won, reason=a.reason,
                          duplicate=True)

    def prepare_attempt(me: db.Student, body: AttemptIn, check_open: bool) -> tuple[AttemptOut | None, dict]:
        """(the stored answer if this uuid is known, else None; the work: moves, level text or refusal)"""
        uuid = str(body.uuid)
        with server.sessions() as s:
            if (dup := existing_attempt(s, uuid, me)) is not None:
                return dup, {}
            if check_open:
                open_for(s, me.session_id)
            lv = s.scalar(select(db.SessionLevel).where(db.SessionLevel.session_id == me.session_id,
                                                        db.SessionLevel.level_id == body.level_id))
        moves = [m.model_dump() for m in body.moves]
        work: dict[str, Any] = {"moves": moves, "toml": None, "reason": ""}
        if lv is None:
            work["reason"] = f"refused: level {body.level_id!r} is not in this session"
        elif body.level_sha256 != lv.sha256:
            work["reason"] = (f"refused: level hash {body.level_sha256[:12]}… is not the text this session sent "
                              f"({lv.sha256[:12]}…)")
        elif body.model_version != MODEL_VERSION:
            work["reason"] = (f"refused: played on model {body.model_version}, the server verifies with "
                              f"{MODEL_VERSION}; update the game")
        elif body.seed != me.seed:
            work["reason"] = f"refused: seed {body.seed} is not this student's seed {me.seed}"
        elif len(json.dumps(moves)) > 1_000_000:
            work["reason"] = "refused: the replay is larger than 1 MB"
        else:
            work["toml"] = lv.toml
        return None, work

    def store_attempt(me: db.Student, body: AttemptIn, work: dict, result: dict | None, source: str) -> AttemptOut:
        uuid = str(body.uuid)
        reason = work["reason"]
        verified = False
        score = stars = won = None
        if result is not None:
            if result["ok"]:
                score, stars, won = result["score"], result["stars"], result["won"]
                verified, reason = verify.judge(body.claimed.model_dump(), result)
            else:
                reason = result["reason"]
        with server.sessions() as s:
            s.add(db.Attempt(uuid=uuid, session_id=me.session_id, student_id=me.id, level_id=body.level_id,
                             level_sha256=body.level_sha256, seed=body.seed, model_version=body.model_version,
                             moves=work["moves"], claimed_score=body.claimed.score, claimed_stars=body.claimed.stars,
                             claimed_won=body.claimed.won, verified=verified, score=score, stars=stars, won=won,
                             reason=reason[:300], time_s=body.time_s, source=source,
                             received_at=db.utcnow()))
            try:
                s.commit()
            except IntegrityError:   # the same uuid arrived twice at once: the first one stays
                s.rollback()
                dup = existing_attempt(s, uuid, me)
                if dup is None:
                    raise
                return dup
        server.notifier.changed(me.session_id)
        return AttemptOut(uuid=uuid, verified=verified, score=score, stars=stars, won=won, reason=reason)

    def failed(err: BaseException) -> dict:
        if isinstance(err, BrokenProcessPool):
            server.reset_pool()
        return {"ok": False, "reason": f"could not be verified ({type(err).__name__}); send it again later"}

    def record_attempt(me: db.Student, body: AttemptIn, source: str, check_open: bool = True) -> AttemptOut:
        """The same as POST /api/attempts, for callers outside the event loop (class import)."""
        dup, work = prepare_attempt(me, body, check_open)
        if dup is not None:
            return dup
        result = None
        if work["toml"] is not None:
            try:
                result = server.pool().submit(verify.verify, work["toml"], me.seed, work["moves"]).result(timeout=600)
            except Exception as err:  # a broken worker: keep the attempt, unverified, with the reason
                result = failed(err)
        return store_attempt(me, body, work, result, source)

    inflight: dict[tuple[int, str], asyncio.Future] = {}

    @app.post("/api/attempts", response_model=AttemptOut)
    async def attempts(body: AttemptIn, me: db.Student = Depends(student)) -> AttemptOut:
        """Waits for the replay without holding a thread: the dashboard and joins stay quick under load. A
        resend that arrives while the first copy is still being verified waits for that one's answer."""
        from starlette.concurrency import run_in_threadpool

        key = (me.id, str(body.uuid))
        if key in inflight:
            first = await asyncio.shield(inflight[key])
            if first is not None:
                return first.model_copy(update={"duplicate": True})
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        inflight[key] = done
        out: AttemptOut | None = None
        try:
            dup, work = await run_in_threadpool(prepare_attempt, me, body, True)
            if dup is not None:
                out = dup
                return dup
            result = None
            if work["toml"] is not None:
                try:
                    future = server.pool().submit(verify.verify, work["toml"], me.seed, work["moves"])
                    result = await asyncio.wait_for(asyncio.wrap_future(future), timeout=600)
                except Exception as err:
                    result = failed(err)
            out = await run_in_threadpool(store_attempt, me, body, work, result, "api")
            return out
        finally:
            inflight.pop(key, None)
            if not done.done():
                done.set_result(out)     # None after an error: a waiting resend then goes the normal way

    def judge_answer(s: DbSession, me: db.Student, row: db.Session, body: AnswerIn) -> tuple[str, str | None, str, bool, str, str]:
        """(question key, objective, prompt, correct, feedback, answer text)"""
        if body.phase == "level":
            if body.level_id is None:
                raise Problem(422, "level_id: needed for a level quiz answer (phase 'level')")
            lv = s.scalar(select(db.SessionLevel).where(db.SessionLevel.session_id == me.session_id,
                                                        db.SessionLevel.level_id == body.level_id))
            if lv is None:
                raise Problem(422, f"level_id: {body.level_id!r} is not in this session")
            quiz = server.level(lv.toml).quiz
            q = body.question_id
            if isinstance(q, str) and q.isdigit():
                q = int(q)
            if not isinstance(q, int) or not 0 <= q < len(quiz):
                raise Problem(422, f"question_id: level {body.level_id!r} has questions 0..{len(quiz) - 1}" if quiz
                              else f"question_id: level {body.level_id!r} has no quiz")
            question = quiz[q]
            ok, why = check_answer(question, body.answer)
            return f"{body.level_id}#{q}", None, question.question, ok, why, answer_text(question, body.answer)
        if row.quiz_mode != "pre-post":
            raise Problem(422, f"phase: this session has quiz mode {row.quiz_mode!r}, so no {body.phase!r} answers")
        try:
            item = server.bank.item(body.question_id)
        except KeyError:
            raise Problem(422, f"question_id: {body.question_id!r} is not a pre/post item (GET /api/prepost lists them)") from None
        ok, why = check_answer(item, body.answer)
        return item.id, item.objective, item.question, ok, why, answer_text(item, body.answer)

    def existing_answer(s: DbSession, uuid: str, me: db.Student) -> AnswerOut | None:
        a = already_sent(s, db.Answer, uuid, me, "answer")
        if a is None:
            return None
        return AnswerOut(uuid=a.uuid, duplicate=True, correct=a.correct if a.phase == "level" else None)

    def record_answer(me: db.Student, body: AnswerIn, source: str, check_open: bool = True) -> AnswerOut:
        uuid = str(body.uuid)
        try:
            answer_json = json.loads(json.dumps(body.answer))
        except (TypeError, ValueError):
            raise Problem(422, "answer: must be JSON (a number, text, a list or an object)") from None
        if len(json.dumps(answer_json)) > 4000:
            raise Problem(422, "answer: longer than 4000 characters")
        with server.sessions() as s:
            if (dup := existing_answer(s, uuid, me)) is not None:
                return dup
            row = open_for(s, me.session_id) if check_open else get_session(s, me.session_id)
            key, objective, prompt, ok, why, text = judge_answer(s, me, row, body)
            s.add(db.Answer(uuid=uuid, session_id=me.session_id, student_id=me.id, phase=body.phase,
                            level_id=body.level_id, question_key=key, objective=objective, prompt=prompt[:300],
                            answer=answer_json, answer_text=text[:600], correct=ok, time_s=body.time_s, source=source,
                            received_at=db.utcnow()))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                dup = existing_answer(s, uuid, me)
                if dup is None:
                    raise
                return dup
        server.notifier.changed(me.session_id)
        if body.phase == "level":
            return AnswerOut(uuid=uuid, correct=ok, feedback=why)
        return AnswerOut(uuid=uuid, correct=None, feedback=None)

    @app.post("/api/answers", response_model=AnswerOut)
    def answers(body: AnswerIn, me: db.Student = Depends(student)) -> AnswerOut:
        return record_answer(me, body, "api")

    # --- importing a results file ------------------------------------------------------------------

    def import_results(data: ResultsFile, session_id: int | None = None) -> dict[str, Any]:
        """Stores a student's results file as if it had been sent: same verification, same dedup by uuid.
        The session is the one with the file's join code (closed sessions too: the file is late by nature)."""
        with server.sessions() as s:
            row = s.scalar(select(db.Session).where(db.Session.join_code == data.join_code))
            if row is None or (session_id is not None and row.id != session_id):
                raise Problem(404, f"join_code: {data.join_code} is not the code of {'this' if session_id else 'any'} session")
            if row.status == "archived":
                raise Problem(409, f"session {row.id}: archived; results can no longer be added")
            key = data.nickname.casefold()
            st = s.scalar(select(db.Student).where(db.Student.session_id == row.id, db.Student.nickname_key == key))
            if st is None:
                st = db.Student(session_id=row.id, nickname=data.nickname, nickname_key=key, token_hash=None,
                                seed=row.seed if row.seed is not None else (data.attempts[0].seed if data.attempts else 1),
                                removed=False)
                s.add(st)
                s.commit()
            s.refresh(st)
            s.expunge(st)
        counts = {"session_id": row.id, "nickname": st.nickname, "attempts": 0, "duplicates": 0, "verified": 0,
                  "answers": 0, "answer_duplicates": 0, "problems": []}
        for a in data.attempts:
            out = record_attempt(st, a, "import", check_open=False)
            counts["duplicates" if out.duplicate else "attempts"] += 1
            counts["verified"] += int(out.verified and not out.duplicate)
        for ans in data.answers:
            try:
                out2 = record_answer(st, ans, "import", check_open=False)
            except Problem as p:
                counts["problems"].append(f"answer {ans.uuid}: {p.detail}")
                continue
            counts["answer_duplicates" if out2.duplicate else "answers"] += 1
        server.notifier.changed(row.id)
        return counts

    app.state.import_results = import_results

    @app.post("/api/import", dependencies=[Depends(teacher)])
    async def import_file(file: UploadFile = File(...)) -> dict[str, Any]:
        from pydantic import ValidationError
        from starlette.concurrency import run_in_threadpool

        name = file.filename or "results.json"
        raw = await file.read(MAX_IMPORT_BYTES + 1)
        try:
            data = ResultsFile.model_validate_json(raw)
        except ValidationError as err:
            where, msg, _ = first_error(err, "file")
            raise Problem(422, f"{name}: {where}: {msg}") from None
        return await run_in_threadpool(import_results, data)

    if docs:
        @app.get("/docs", include_in_schema=False)
        def api_docs() -> HTMLResponse:
            """The API reference, drawn here from the OpenAPI schema (no scripts fetched from elsewhere;
            the machine-readable schema is /openapi.json)."""
            return HTMLResponse(_api_reference(app.openapi()))

    @app.get("/api/health", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"ok": True, "model_version": MODEL_VERSION}

    return app


def verify_sha(text: str) -> str:
    from game.rules.replay import level_sha256

    return level_sha256(text)


def _login_page(error: str | None) -> str:
    msg = f'<p class="err">{error}</p>' if error else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Endplate class dashboard</title>
<style>body{{font:16px sans-serif;max-width:32em;margin:4em auto;padding:0 1em}}.err{{color:#b00020}}
input{{font:inherit;width:100%;padding:.4em}}button{{font:inherit;margin-top:.6em;padding:.4em 1em}}</style></head>
<body><h1>Endplate class dashboard</h1>{msg}
<p>Open the dashboard link that <code>class serve</code> printed, or paste its teacher token here.</p>
<form method="get" action="/dashboard"><label>Teacher token <input name="token" autocomplete="off" required></label>
<button type="submit">Open the dashboard</button></form></body></html>"""


def _api_reference(spec: dict[str, Any]) -> str:
    import html as h

    schemas = spec.get("components", {}).get("schemas", {})

    def fields(ref: str | None) -> str:
        if not ref:
            return ""
        model = schemas.get(ref.rsplit("/", 1)[-1], {})
        need = set(model.get("required", []))
        rows = []
        for name, prop in model.get("properties", {}).items():
            kind = prop.get("type") or ",".join(x.get("type", x.get("$ref", "").rsplit("/", 1)[-1])
                                                for x in prop.get("anyOf", [])) or prop.get("$ref", "").rsplit("/", 1)[-1]
            rows.append(f"<li><code>{h.escape(name)}</code>{'' if name in need else '?'} <i>{h.escape(str(kind))}</i> "
                        f"{h.escape(prop.get('description', ''))}</li>")
        return "<ul>" + "".join(rows) + "</ul>"

    parts = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {})
            ref = next((c.get("schema", {}).get("$ref") for c in body.values()), None)
            ok = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            out = ok.get("schema", {}).get("$ref")
            doc = h.escape((op.get("description") or "").strip())
            parts.append(f"<h2><code>{method.upper()} {h.escape(path)}</code></h2><p>{doc}</p>"
                         + (f"<h3>Request</h3>{fields(ref)}" if ref else "")
                         + (f"<h3>Answer</h3>{fields(out)}" if out else ""))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Endplate class server API</title>"
            "<style>body{font:15px/1.45 sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "h2{font-size:16px;margin-top:1.6em;border-top:1px solid #ddd;padding-top:.8em}h3{font-size:14px}"
            "</style></head><body><h1>Endplate class server API</h1><p>Errors are 4xx with a JSON "
            "<code>detail</code> naming the field. Machine-readable: <a href='/openapi.json'>/openapi.json</a>. "
            "See docs/classroom.md.</p>" + "".join(parts) + "</body></html>")


def new_uuid() -> str:
    return str(uuidlib.uuid4())
