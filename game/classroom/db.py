"""Storage of the class server: SQLAlchemy 2 tables, migrated by Alembic (game/classroom/migrations).

The default database is one SQLite file in the game's data folder (`class.sqlite3`); a URL such as
`postgresql+psycopg://user:pass@host/endplate` runs the same code on PostgreSQL. `open_database(url)`
brings the schema up to date (Alembic `upgrade head`) and returns an Engine.

What is stored (see docs/classroom.md, "For school IT"): sessions (title, code, levels and their texts),
students (a nickname chosen by the student, a hash of their token, a seed), attempts (the moves, the
claimed and the verified result) and quiz answers. No names beyond the nickname, no emails; join tries
keep a SHA-256 of the client's address for at most ten minutes (the join rate limit, `class_join_tries`).
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DB_FILENAME = "class.sqlite3"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Session(Base):
    __tablename__ = "class_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiz_mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="open")   # open | closed | archived
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # bumped on every change to the session's data, by whichever server process made it: the dashboards'
    # event streams in every process watch it (migration 0002)
    changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SessionLevel(Base):
    __tablename__ = "class_session_levels"
    __table_args__ = (UniqueConstraint("session_id", "level_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    level_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    toml: Mapped[str] = mapped_column(Text)


class LibraryLevel(Base):
    """A level uploaded from the dashboard (alone or in a pack), offered when creating sessions."""
    __tablename__ = "class_library_levels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level_id: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    toml: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(120))       # "upload" or "pack:<id>"
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Student(Base):
    __tablename__ = "class_students"
    __table_args__ = (UniqueConstraint("session_id", "nickname_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    nickname: Mapped[str] = mapped_column(String(24))
    nickname_key: Mapped[str] = mapped_column(String(80))     # NFKC casefolded; "#removed-<id>" appended on removal
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)  # None after a reset
    seed: Mapped[int] = mapped_column(Integer)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    __tablename__ = "class_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("class_students.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[str] = mapped_column(String(40))
    level_sha256: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(40))
    moves: Mapped[list] = mapped_column(JSON)
    claimed_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    claimed_stars: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_won: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    stars: Mapped[int | None] = mapped_column(Integer, nullable=True)
    won: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(12), default="api")     # api | import
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Answer(Base):
    __tablename__ = "class_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("class_students.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(8))             # level | pre | post
    level_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    question_key: Mapped[str] = mapped_column(String(90))     # "<level_id>#<index>" or the pre/post item id
    objective: Mapped[str | None] = mapped_column(String(40), nullable=True)
    prompt: Mapped[str] = mapped_column(String(300))
    answer: Mapped[object] = mapped_column(JSON)
    answer_text: Mapped[str] = mapped_column(String(600))
    correct: Mapped[bool] = mapped_column(Boolean)
    time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(12), default="api")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JoinTry(Base):
    """One try to join from one address (migration 0003), for the join rate limit shared by every server
    process (game/classroom/joinlimit.py). Pruned once older than the limit's longest window."""
    __tablename__ = "class_join_tries"
    __table_args__ = (Index("ix_class_join_tries_address", "address", "wrong", "at"),
                      Index("ix_class_join_tries_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))      # SHA-256 (hex) of the client's address
    wrong: Mapped[bool] = mapped_column(Boolean)          # the join code matched no session
    at: Mapped[float] = mapped_column(Float)              # seconds since 1970 (the limiter's clock)


def default_url() -> str:
    from game.store.db import data_dir

    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DB_FILENAME}"


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated: one line for the user."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration (Alembic `upgrade head`)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str | None = None) -> Engine:
    url = url or default_url()
    try:
        engine = make_engine(url)
        migrate(engine)
    except Exception as err:  # a bad URL, a server that is down, no permission
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DatabaseError(f"--db: cannot open {_safe_url(url)}: {first}") from None
    return engine


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database URL"
