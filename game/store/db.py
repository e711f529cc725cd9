"""The store: profiles, results, settings and autosaves in one SQLite file.

Why it is built this way:

* **One file in the user's data directory** (`platformdirs.user_data_dir("endplate")`,
  or `$ENDPLATE_DATA_DIR`, or an explicit path for tests), so a classroom laptop
  keeps every pupil's progress without accounts or a server.
* **Nothing already saved is lost when the game is killed.**  The database runs
  in WAL mode with `synchronous=FULL`, and every write is one explicit
  transaction (`BEGIN IMMEDIATE` ... `COMMIT`, the same guarantee as
  `with conn:` but taking the write lock up front so two open game windows
  queue instead of deadlocking).  A commit either happened completely or not at
  all.
* **One creator at a time.**  Checking, creating and migrating the file happen
  under a lock file (`endplate.sqlite3.lock`, an OS advisory lock), so two
  programs opening a fresh data folder together cannot both create it, and a
  file is only called damaged after it was checked under that lock.
* **A file from a newer Endplate is left untouched.**  `Store.open` raises
  `NewerFormatError` ("made by a newer Endplate (format N); update to use it"),
  or, with `read_only=True` (reports), reads it without changing it.
* **A damaged file is never overwritten.**  If the file is not SQLite, fails
  SQLite's integrity check, or lacks our tables,
  it is renamed to `endplate.sqlite3.corrupt-YYYYmmdd-HHMMSS` (never replacing
  an existing file), a fresh database is started, and a one-line message is
  added to `Store.warnings` for the game to show.  Someone can still rescue the
  old file by hand.
* **The game keeps running when the disk says no.**  If the data directory or
  the file cannot be opened at all (read-only disk, locked by another program),
  the store falls back to an in-memory database, sets `persistent = False` and
  warns that progress will not be saved this session.  Commands that must not
  pretend (reports) pass `fallback=False` and get `StoreUnavailable` instead.
* **Schema changes are migrations** appended to `game.store.schema.MIGRATIONS`
  and tracked with `PRAGMA user_version`.
* **Readable by its owner only.**  The file holds a class token (the class
  joined last, and the outbox items not sent yet), so on POSIX the file and its
  `-wal`/`-shm` companions are made mode 0600 when created or opened
  (`_owner_only`); Windows keeps the permissions of the user's profile folder.
  A sent outbox item has its token blanked (`outbox_sent`).

Methods raise `StoreError` (a `ValueError`) for invalid input, naming the field
and what is expected.  I/O failures while the game runs (disk full) surface as
`sqlite3.Error` or `OSError`.  A `Store` must be used from the thread that
opened it.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import platformdirs

from game.store import csvsafe
from game.store.errors import NewerFormatError, StoreError, StoreUnavailable
from game.store.records import (
    Attempt,
    Best,
    Profile,
    nickname_skeleton,
    normalize_class_code,
    normalize_nickname,
)
from game.store.schema import (
    APPLICATION_ID,
    EXPECTED_COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
)
from game.store.settings import Settings

__all__ = ["CSV_COLUMNS", "DB_FILENAME", "ENV_DATA_DIR", "LEVEL_KINDS", "ReportRow", "Store", "data_dir",
           "default_db_path"]

DB_FILENAME = "endplate.sqlite3"
ENV_DATA_DIR = "ENDPLATE_DATA_DIR"
CSV_COLUMNS = ("nickname", "class_code", "level_id", "level_title", "level_kind", "attempted_at",
               "attempted_at_utc", "score", "stars", "won", "duration_s", "quiz_right", "quiz_asked")
# What a result was played on: a genuine campaign file, a custom level, a modified copy of a campaign level
# (a campaign id with other text), a level of a pack; "" for results saved before levels were hashed.
LEVEL_KINDS = ("campaign", "custom", "modified", "pack", "")
# Results that count for campaign progress, stars and unlocks ("" = saved before hashing: kept, not lost).
_PROGRESS_KINDS = "('campaign', '')"
LOCK_TIMEOUT_S = 15.0
MOVES_MAX_CHARS = 2_000_000

LEVEL_ID_MAX = 100
_SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_META_LAST_PROFILE = "last_profile_id"
_META_DEFAULT_SETTINGS = "settings"
_INT64 = 2**63


def data_dir() -> Path:
    """The directory holding the database: `$ENDPLATE_DATA_DIR` if set, else the platform's."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("endplate", appauthor=False))


def default_db_path() -> Path:
    """Where `Store.open()` keeps its file when no path is given."""
    return data_dir() / DB_FILENAME


def _corrupt_timestamp() -> str:
    """Local time for the name of a moved-aside file (a function so tests can pin it)."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One attempt as the teacher's report shows it."""

    nickname: str
    class_code: str
    level_id: str
    level_kind: str
    attempted_at_utc: datetime
    score: int
    stars: int
    won: bool
    duration_s: float
    quiz_right: int
    quiz_asked: int


class _Newer(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class _Unusable(Exception):
    """The path cannot hold our database (a folder, a device); nothing there is touched."""


class _Damaged(Exception):
    """The file exists but cannot be used as our database; `reason` completes 'The save file X ...'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- opening


def _primary_code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1) or -1) & 0xFF


def _prepare(conn: sqlite3.Connection) -> None:
    """Check, migrate and configure a fresh connection; raise `_Damaged` if the file is unusable.

    The checks run before anything is written, so a file that turns out to be
    damaged is moved aside with its bytes as they were.
    """
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise _Damaged(f"failed SQLite's integrity check ({problems[0]})")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id not in (0, APPLICATION_ID):
            raise _Damaged(f"was not made by Endplate (application id {app_id:#x})")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise _Newer(version)
        if version == 0:
            (foreign,) = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()
            if foreign:
                raise _Damaged("holds tables that are not Endplate's")
        conn.execute("PRAGMA journal_mode = WAL")  # 'memory' for :memory:, may stay 'delete' on odd filesystems
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")   # a blanked token does not linger in freed space
        for step in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                if _primary_code(exc) == sqlite3.SQLITE_ERROR:
                    raise _Damaged(f"could not be upgraded from schema {step} ({exc})") from exc
                raise
            conn.execute("COMMIT")
        for table, columns in EXPECTED_COLUMNS.items():
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not columns <= present:
                raise _Damaged(f"does not have the tables of schema {SCHEMA_VERSION} (table {table!r})")
    except sqlite3.DatabaseError as exc:
        if _primary_code(exc) in _DAMAGE_CODES:
            raise _Damaged(f"is damaged ({exc})") from exc
        raise


OWNER_ONLY = 0o600   # the save file's mode on POSIX: it holds class tokens (see _owner_only)


def _owner_only(path: Path) -> None:
    """On POSIX, create `path` if missing with mode 0600 and make it and its existing -wal/-shm 0600.

    SQLite gives the -wal and -shm files it creates the database file's permissions, so creating the file
    ourselves with 0600 before SQLite opens it leaves no moment when the token is readable by others. A file
    we cannot change (another user's) stays as it is: the store still works. Windows is left alone (the
    data folder is in the user's profile, which other users cannot read by default)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        pass
    except OSError:
        return              # a folder we cannot write to: SQLite will say so
    else:
        os.close(fd)
    _chmod_owner_only(path)


def _chmod_owner_only(path: Path) -> None:
    """Make `path` and its existing -wal/-shm mode 0600 (POSIX; errors are ignored)."""
    if os.name != "posix":
        return
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        try:
            if os.path.isfile(name) and (os.stat(name).st_mode & 0o777) != OWNER_ONLY:
                os.chmod(name, OWNER_ONLY)
        except OSError:
            pass


def _connect_checked(path: Path) -> sqlite3.Connection:
    """Open `path` as our database.  Raises `_Damaged`, or `sqlite3.Error`/`OSError` for I/O trouble."""
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            if fh.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                raise _Damaged("is not an SQLite database")
    _owner_only(path)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    try:
        _prepare(conn)
    except BaseException:
        conn.close()
        raise
    _owner_only(path)        # a -wal/-shm left by an older version keeps its mode until we change it
    return conn


@contextmanager
def _creation_lock(path: Path) -> Iterator[None]:
    """Hold the lock file beside `path` while the database is checked, created or migrated.

    Other programs wait (up to LOCK_TIMEOUT_S) and then find the file complete. Where no lock file can be
    made (a read-only folder) nobody can create the database either, so we go on without one.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError(
                    f"another program kept {lock_path.name} locked for more than {LOCK_TIMEOUT_S:g} s")
            time.sleep(0.02)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:          # no locking on this file system: carry on as before
        return True
    return True


def _unlock(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open our database without changing it (a newer format, or a report on a read-only disk)."""
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, timeout=5.0,
                                   isolation_level=None)
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        except sqlite3.Error as exc:
            last = exc
            continue
        if problems != ["ok"]:
            conn.close()
            raise _Damaged(f"failed SQLite's integrity check ({problems[0]})")
        for table, columns in EXPECTED_COLUMNS.items():
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not columns <= present:
                conn.close()
                raise _Damaged(f"does not have the tables of format {SCHEMA_VERSION} (table {table!r})")
        return conn
    assert last is not None
    raise last


def _move_no_clobber(src: Path, dst: Path) -> bool:
    """Rename `src` to `dst` unless `dst` exists; return whether it moved."""
    try:
        os.link(src, dst)  # fails atomically if dst exists
    except FileExistsError:
        return False
    except OSError:  # no hard links here (FAT, some network drives)
        if os.path.lexists(dst):
            return False
        try:
            os.rename(src, dst)
        except FileExistsError:
            return False
        return True
    os.unlink(src)
    return True


def _move_aside(path: Path) -> Path:
    """Move a damaged database (and its -wal/-shm companions) to a fresh `.corrupt-<time>` name."""
    base = f"{path.name}.corrupt-{_corrupt_timestamp()}"
    for n in itertools.count():
        target = path.with_name(base if n == 0 else f"{base}-{n}")
        if any(os.path.lexists(f"{target}{suffix}") for suffix in ("-wal", "-shm")):
            continue
        if _move_no_clobber(path, target):
            break
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            _move_no_clobber(companion, Path(f"{target}{suffix}"))
    return target


def _memory_connection() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _prepare(conn)
    return conn


# --------------------------------------------------------------------------- validation


def _check_id(value: object, name: str = "profile_id") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise StoreError(f"{name}: expected a whole number, got {type(value).__name__}")
    return value


def _check_level_id(value: object) -> str:
    expected = f"non-empty printable text of at most {LEVEL_ID_MAX} characters"
    if not isinstance(value, str) or not value or len(value) > LEVEL_ID_MAX or not value.isprintable():
        raise StoreError(f"level_id: got {value!r:.80}, expected {expected}")
    return value


def _to_json(value: object, name: str) -> str:
    if not isinstance(value, dict):
        raise StoreError(f"{name}: expected a dict, got {type(value).__name__}")
    try:
        return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{name}: must be JSON data (dicts, lists, text, finite numbers, booleans, None): {exc}") from None


# --------------------------------------------------------------------------- the store


class Store:
    """Persistent profiles, results, settings and autosaves.  Open with `Store.open()`.

    Attributes:
        path: the database file in use (or that would have been used, if `persistent` is False).
        warnings: one-line human messages about problems met (damaged file moved
            aside, settings reset); the game shows them and may clear the list.
        persistent: False when running on an in-memory fallback database.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, warnings: list[str], persistent: bool) -> None:
        """Use `Store.open()`; this only wires up an already prepared connection."""
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.warnings = warnings
        self.persistent = persistent
        self.read_only = False
        self.last_export_skipped = 0

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
             fallback: bool = True) -> Store:
        """Open (creating if needed) the database at `path`, a file or a directory.

        Without `path`, uses `default_db_path()`.  A damaged file is moved aside
        and an unopenable one replaced by an in-memory store (see `warnings`),
        unless `fallback=False`: then `StoreUnavailable` is raised.  A file made
        by a newer Endplate raises `NewerFormatError` and is not touched; with
        `read_only=True` it is opened for reading (as is any file: nothing is
        created, migrated or moved).
        """
        warnings: list[str] = []
        db_path = Path(path) if path is not None else default_db_path()
        if db_path.is_dir() and db_path.name != DB_FILENAME:
            db_path = db_path / DB_FILENAME
        if read_only:
            if not db_path.is_file():
                raise StoreUnavailable(f"no save file at {db_path} (nothing has been played on this computer yet)")
            try:
                conn = _connect_read_only(db_path)
            except _Damaged as damage:
                raise StoreUnavailable(f"The save file {db_path} {damage.reason}") from None
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"The save file {db_path} could not be read ({exc})") from None
            store = cls(conn, db_path, warnings, persistent=True)
            store.read_only = True
            return store

        def fallback_store(problem: str) -> Store:
            message = f"The save file {db_path} {problem}; progress will not be saved this session."
            if not fallback:
                raise StoreUnavailable(message.split("; progress")[0])
            warnings.append(message)
            return cls(_memory_connection(), db_path, warnings, persistent=False)

        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if db_path.exists() and not db_path.is_file():
                raise _Unusable("is a folder or a device, not a save file")
            with _creation_lock(db_path):
                return cls._open_locked(db_path, warnings, fallback_store)
        except _Newer as newer:
            raise NewerFormatError(
                f"The save file {db_path} was made by a newer Endplate (format {newer.version}); update to use it "
                f"(this version reads up to format {SCHEMA_VERSION})") from None
        except _Unusable as exc:
            return fallback_store(str(exc))
        except (sqlite3.Error, OSError) as exc:
            return fallback_store(f"could not be opened ({exc})")

    @classmethod
    def _open_locked(cls, db_path: Path, warnings: list[str], fallback_store) -> Store:
        try:
            conn = _connect_checked(db_path)
        except _Damaged as damage:
            try:
                moved = _move_aside(db_path)
            except OSError as exc:
                return fallback_store(f"{damage.reason} and could not be moved aside ({exc})")
            _chmod_owner_only(moved)     # what is kept for rescue may hold a class token too
            warnings.append(
                f"The save file {db_path} {damage.reason}; it was moved to {moved} "
                "and a new save file was started."
            )
            try:
                conn = _connect_checked(db_path)
            except (_Damaged, sqlite3.Error, OSError) as exc:
                return fallback_store(f"could not be created ({exc})")
        store = cls(conn, db_path, warnings, persistent=True)
        store._forget_sent_tokens()
        return store

    def close(self) -> None:
        """Close the database (idempotent).  Everything saved was already committed."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("store: it is closed (expected an open store)")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is saved, or none of it."""
        conn = self._db
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _require_profile(self, conn: sqlite3.Connection, profile_id: object) -> Profile:
        pid = _check_id(profile_id)
        row = conn.execute(
            "SELECT id, nickname, class_code, created_at FROM profiles WHERE id = ?", (pid,)
        ).fetchone()
        if row is None:
            raise StoreError(f"profile_id: no profile with id {pid}")
        return Profile(*row)

    # ----------------------------------------------------------------- profiles

    def _check_unique(self, conn: sqlite3.Connection, nickname: str, class_code: str, own_id: int | None) -> None:
        folded = nickname.casefold()
        skeleton = nickname_skeleton(nickname)
        for pid, other in conn.execute("SELECT id, nickname FROM profiles WHERE class_code = ?", (class_code,)):
            if pid == own_id:
                continue
            where = f"class {class_code}" if class_code else "the profiles without a class code"
            if other.casefold() == folded:
                raise StoreError(f"nickname: {nickname!r} is already used in {where} (expected a different nickname)")
            if nickname_skeleton(other) == skeleton:
                raise StoreError(f"nickname: {nickname!r} looks like {other!r}, already used in {where} "
                                 "(expected a nickname that looks different)")

    def create_profile(self, nickname: str, class_code: str | None = None) -> Profile:
        """Add a player.  Nicknames are unique (ignoring case) within a class code."""
        nick = normalize_nickname(nickname)
        code = normalize_class_code(class_code)
        created = _iso(_utc_now())
        with self._write() as conn:
            self._check_unique(conn, nick, code, None)
            cur = conn.execute(
                "INSERT INTO profiles (nickname, class_code, created_at) VALUES (?, ?, ?)", (nick, code, created)
            )
            pid = cur.lastrowid
        assert pid is not None
        return Profile(pid, nick, code, created)

    def list_profiles(self, class_code: str | None = None) -> list[Profile]:
        """All profiles sorted by nickname, or only those of `class_code` ("" = no class)."""
        sql = "SELECT id, nickname, class_code, created_at FROM profiles"
        params: tuple[Any, ...] = ()
        if class_code is not None:
            sql += " WHERE class_code = ?"
            params = (normalize_class_code(class_code),)
        rows = self._db.execute(sql, params).fetchall()
        return sorted((Profile(*row) for row in rows), key=lambda p: (p.nickname.casefold(), p.id))

    def get_profile(self, profile_id: int) -> Profile | None:
        """The profile, or None if there is none with this id."""
        pid = _check_id(profile_id)
        row = self._db.execute(
            "SELECT id, nickname, class_code, created_at FROM profiles WHERE id = ?", (pid,)
        ).fetchone()
        return Profile(*row) if row else None

    def rename(self, profile_id: int, nickname: str, class_code: str | None = None) -> Profile:
        """Change the nickname; also the class code unless it is None ("" removes it)."""
        nick = normalize_nickname(nickname)
        with self._write() as conn:
            current = self._require_profile(conn, profile_id)
            code = current.class_code if class_code is None else normalize_class_code(class_code)
            self._check_unique(conn, nick, code, current.id)
            conn.execute("UPDATE profiles SET nickname = ?, class_code = ? WHERE id = ?", (nick, code, current.id))
        return Profile(current.id, nick, code, current.created_at)

    def delete_profile(self, profile_id: int) -> None:
        """Delete a profile with its results, settings and autosave."""
        with self._write() as conn:
            current = self._require_profile(conn, profile_id)
            conn.execute("DELETE FROM profiles WHERE id = ?", (current.id,))
            conn.execute(
                "DELETE FROM meta WHERE key = ? AND value = ?", (_META_LAST_PROFILE, str(current.id))
            )

    def use_profile(self, profile_id: int) -> Profile:
        """Remember this profile as the last one used (offered first on the next start)."""
        with self._write() as conn:
            profile = self._require_profile(conn, profile_id)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_META_LAST_PROFILE, str(profile.id)),
            )
        return profile

    def last_profile(self) -> Profile | None:
        """The profile last passed to `use_profile`, if it still exists."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_META_LAST_PROFILE,)).fetchone()
        if row is None or not str(row[0]).isdigit():
            return None
        return self.get_profile(int(row[0]))

    # ----------------------------------------------------------------- progress

    def record_result(
        self,
        profile_id: int,
        level_id: str,
        score: int,
        stars: int,
        won: bool,
        duration_s: float,
        details: dict[str, Any],
        *,
        at: datetime | None = None,
        level_sha256: str = "",
        level_kind: str = "",
        pack_id: str = "",
        seed: int | None = None,
        moves: Sequence[Any] | None = None,
    ) -> Attempt:
        """Keep one attempt (every attempt is kept).  `at` defaults to now and must be timezone-aware.

        `level_sha256` is the SHA-256 (hex) of the level text played, `level_kind` one of LEVEL_KINDS
        (only "campaign" counts for progress; see `game.levels.campaign`), `seed` the run's seed and
        `moves` the accepted moves (JSON data) so the run can be replayed.
        """
        level = _check_level_id(level_id)
        if not isinstance(level_sha256, str) or (
            level_sha256 and (len(level_sha256) != 64 or any(c not in "0123456789abcdef" for c in level_sha256))
        ):
            raise StoreError(f"level_sha256: got {level_sha256!r:.80}, expected 64 lowercase hex digits or ''")
        if level_kind not in LEVEL_KINDS:
            raise StoreError(f"level_kind: got {level_kind!r:.40}, expected one of "
                             + ", ".join(repr(k) for k in LEVEL_KINDS))
        if not isinstance(pack_id, str) or len(pack_id) > LEVEL_ID_MAX or not pack_id.isprintable():
            raise StoreError(f"pack_id: got {pack_id!r:.80}, expected printable text of at most {LEVEL_ID_MAX} characters")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed < 2**31):
            raise StoreError(f"seed: got {seed!r:.40}, expected a whole number from 1 to {2**31 - 1}")
        moves_json = ""
        if moves is not None:
            if not isinstance(moves, (list, tuple)):
                raise StoreError(f"moves: expected a list of moves, got {type(moves).__name__}")
            try:
                moves_json = json.dumps(list(moves), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
            except (TypeError, ValueError) as exc:
                raise StoreError(f"moves: must be JSON data with finite numbers: {exc}") from None
            if len(moves_json) > MOVES_MAX_CHARS:
                raise StoreError(f"moves: {len(moves_json)} characters of moves, expected at most {MOVES_MAX_CHARS}")
        if not isinstance(score, int) or isinstance(score, bool) or not -_INT64 < score < _INT64:
            raise StoreError(f"score: got {score!r:.40}, expected a whole number")
        if not isinstance(stars, int) or isinstance(stars, bool) or not 0 <= stars <= 3:
            raise StoreError(f"stars: got {stars!r:.40}, expected a whole number from 0 to 3")
        if not isinstance(won, bool):
            raise StoreError(f"won: got {won!r:.40}, expected True or False")
        if (
            not isinstance(duration_s, (int, float))
            or isinstance(duration_s, bool)
            or not math.isfinite(duration_s)
            or duration_s < 0
        ):
            raise StoreError(f"duration_s: got {duration_s!r:.40}, expected a finite number of seconds >= 0")
        details_json = _to_json(details, "details")
        if at is None:
            at = _utc_now()
        elif not isinstance(at, datetime) or at.utcoffset() is None:
            raise StoreError(f"at: got {at!r:.60}, expected a timezone-aware datetime")
        when = _iso(at)
        with self._write() as conn:
            pid = self._require_profile(conn, profile_id).id
            cur = conn.execute(
                "INSERT INTO results (profile_id, level_id, attempted_at, score, stars, won, duration_s, details, "
                "level_sha256, level_kind, pack_id, seed, moves) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, level, when, score, stars, int(won), float(duration_s), details_json,
                 level_sha256, level_kind, pack_id, seed, moves_json),
            )
            rid = cur.lastrowid
        assert rid is not None
        return Attempt(rid, pid, level, when, score, stars, won, float(duration_s), json.loads(details_json))

    def attempts(self, profile_id: int, level_id: str | None = None) -> list[Attempt]:
        """Every recorded attempt of a profile (optionally of one level), oldest first."""
        pid = _check_id(profile_id)
        sql = (
            "SELECT id, profile_id, level_id, attempted_at, score, stars, won, duration_s, details "
            "FROM results WHERE profile_id = ?"
        )
        params: tuple[Any, ...] = (pid,)
        if level_id is not None:
            sql += " AND level_id = ?"
            params = (pid, _check_level_id(level_id))
        result = []
        for rid, p, level, when, score, stars, won, duration, details in self._db.execute(sql + " ORDER BY id", params):
            try:
                details_obj = json.loads(details)
            except ValueError:
                details_obj = {}
            result.append(Attempt(rid, p, level, when, score, stars, bool(won), duration, details_obj))
        return result

    def best_of_kind(self, profile_id: int, level_id: str, kind: str, pack_id: str = "") -> Best | None:
        """Best score and stars of a level among attempts of one kind ("custom", "modified", or "pack" with
        its `pack_id`): pack and custom scores are kept apart from the campaign's and from each other, and
        a pack's survive installing a new version of it (they are keyed by pack id and level id)."""
        if kind not in ("campaign", "custom", "modified", "pack"):
            raise StoreError(f"kind: got {kind!r:.40}, expected campaign, custom, modified or pack")
        if kind == "campaign":
            return self.best(profile_id, level_id)
        pid = _check_id(profile_id)
        score, stars, count, won = self._db.execute(
            "SELECT max(score), max(stars), count(*), max(won) FROM results WHERE profile_id = ? AND level_id = ? "
            "AND level_kind = ? AND pack_id = ? AND typeof(score) = 'integer' AND stars BETWEEN 0 AND 3",
            (pid, _check_level_id(level_id), kind, pack_id if kind == "pack" else ""),
        ).fetchone()
        if count == 0:
            return None
        return Best(score=score, stars=stars, attempts=count, won=bool(won))

    def best(self, profile_id: int, level_id: str) -> Best | None:
        """Best score and best stars for a level (each the maximum over attempts), or None if never tried.

        Only attempts on the genuine campaign file count (and those saved before levels were hashed).
        """
        pid = _check_id(profile_id)
        score, stars, count, won = self._db.execute(
            "SELECT max(score), max(stars), count(*), max(won) FROM results WHERE profile_id = ? AND level_id = ? "
            f"AND level_kind IN {_PROGRESS_KINDS} AND typeof(score) = 'integer' AND stars BETWEEN 0 AND 3",
            (pid, _check_level_id(level_id)),
        ).fetchone()
        if count == 0:
            return None
        return Best(score=score, stars=stars, attempts=count, won=bool(won))

    def completed_levels(self, profile_id: int) -> set[str]:
        """Ids of the levels this profile has won at least once (on the genuine campaign file)."""
        pid = _check_id(profile_id)
        rows = self._db.execute(
            f"SELECT DISTINCT level_id FROM results WHERE profile_id = ? AND won = 1 AND level_kind IN {_PROGRESS_KINDS}",
            (pid,))
        return {row[0] for row in rows}

    def is_unlocked(self, profile_id: int, level_ids_in_order: Sequence[str], level_id: str) -> bool:
        """The first level is always open; any other opens once the level before it has been won."""
        order = list(level_ids_in_order)
        try:
            index = order.index(level_id)
        except ValueError:
            raise StoreError(f"level_id: {level_id!r:.80} is not in level_ids_in_order") from None
        if index == 0:
            return True
        return order[index - 1] in self.completed_levels(profile_id)

    # ----------------------------------------------------------------- settings

    def load_settings(self, profile_id: int | None) -> Settings:
        """The profile's settings, else the default settings, else `Settings()`.

        Never raises for bad stored data: invalid fields take their default and
        a warning is added to `warnings`.
        """
        conn = self._db
        row = None
        label = "Settings"
        if profile_id is not None:
            pid = _check_id(profile_id)
            row = conn.execute("SELECT data FROM settings WHERE profile_id = ?", (pid,)).fetchone()
            label = f"Settings of profile {pid}"
        if row is None:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_DEFAULT_SETTINGS,)).fetchone()
            label = "Default settings"
        if row is None:
            return Settings()
        try:
            data = json.loads(row[0])
        except ValueError:
            self._warn(f"{label}: the stored data is not valid JSON; all settings use their defaults.")
            return Settings()
        settings, problems = Settings.from_dict(data)
        for problem in problems:
            self._warn(problem.replace("Settings", label, 1))
        return settings

    def save_settings(self, profile_id: int | None, settings: Settings) -> None:
        """Save settings for a profile, or the defaults when `profile_id` is None.

        Raises `StoreError` if two actions share a key.
        """
        if not isinstance(settings, Settings):
            raise StoreError(f"settings: expected a Settings, got {type(settings).__name__}")
        settings.check_key_bindings()
        data = json.dumps(settings.to_dict(), allow_nan=False, ensure_ascii=False)
        with self._write() as conn:
            if profile_id is None:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (_META_DEFAULT_SETTINGS, data),
                )
            else:
                pid = self._require_profile(conn, profile_id).id
                conn.execute(
                    "INSERT INTO settings (profile_id, data) VALUES (?, ?) "
                    "ON CONFLICT (profile_id) DO UPDATE SET data = excluded.data",
                    (pid, data),
                )

    # ----------------------------------------------------------------- autosave

    def save_autosave(self, profile_id: int, level_id: str, payload: dict[str, Any]) -> None:
        """Replace the profile's single autosave slot (atomically: old or new, never half)."""
        level = _check_level_id(level_id)
        payload_json = _to_json(payload, "payload")
        with self._write() as conn:
            pid = self._require_profile(conn, profile_id).id
            conn.execute(
                "INSERT INTO autosaves (profile_id, level_id, saved_at, payload) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (profile_id) DO UPDATE SET level_id = excluded.level_id, "
                "saved_at = excluded.saved_at, payload = excluded.payload",
                (pid, level, _iso(_utc_now()), payload_json),
            )

    def load_autosave(self, profile_id: int) -> tuple[str, dict[str, Any]] | None:
        """`(level_id, payload)` of the profile's autosave, or None (also if it is unreadable, with a warning)."""
        pid = _check_id(profile_id)
        row = self._db.execute("SELECT level_id, payload FROM autosaves WHERE profile_id = ?", (pid,)).fetchone()
        if row is None:
            return None
        try:
            payload = json.loads(row[1])
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            try:
                self.set_aside_autosave(pid, "the stored data is not a JSON object")
            except (sqlite3.Error, OSError):
                self._warn(f"Autosave of profile {pid}: the stored data is not a JSON object; it was ignored.")
            return None
        return row[0], payload

    def set_aside_autosave(self, profile_id: int, reason: str) -> None:
        """Move an autosave that cannot be used out of the slot (kept in `meta` for rescue) and say so."""
        pid = _check_id(profile_id)
        with self._write() as conn:
            row = conn.execute("SELECT level_id, saved_at, payload FROM autosaves WHERE profile_id = ?",
                               (pid,)).fetchone()
            if row is None:
                return
            key = f"autosave-set-aside:{pid}:{_iso(_utc_now())}"
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (key, json.dumps({"level_id": row[0], "saved_at": row[1], "payload": row[2],
                                           "reason": reason}, ensure_ascii=False)))
            conn.execute("DELETE FROM autosaves WHERE profile_id = ?", (pid,))
        self._warn(f"Your autosave could not be used ({reason}); it was set aside and the game starts normally.")

    def clear_autosave(self, profile_id: int) -> None:
        """Empty the profile's autosave slot (no error if it was empty)."""
        pid = _check_id(profile_id)
        with self._write() as conn:
            conn.execute("DELETE FROM autosaves WHERE profile_id = ?", (pid,))

    # ----------------------------------------------------------------- reports

    def report_rows(self, class_code: str | None = None) -> tuple[list[ReportRow], int]:
        """Every attempt (of one class, if given; "" = players without a class) for a report, and the number
        of damaged rows skipped (a date that is not a date, text where a number belongs...)."""
        code = None if class_code is None else normalize_class_code(class_code)
        sql = (
            "SELECT p.nickname, p.class_code, r.level_id, r.level_kind, r.attempted_at, r.score, r.stars, r.won, "
            "r.duration_s, (SELECT count(*) FROM quiz_answers q WHERE q.result_id = r.id), "
            "(SELECT total(q.correct = 1) FROM quiz_answers q WHERE q.result_id = r.id) "
            "FROM results r JOIN profiles p ON p.id = r.profile_id"
        )
        params: tuple[Any, ...] = ()
        if code is not None:
            sql += " WHERE p.class_code = ?"
            params = (code,)
        rows: list[ReportRow] = []
        skipped = 0
        for nick, cls_code, level, kind, when, score, stars, won, duration, asked, right in self._db.execute(
            sql + " ORDER BY p.class_code, p.nickname COLLATE NOCASE, r.id", params
        ):
            try:
                rows.append(_report_row(nick, cls_code, level, kind, when, score, stars, won, duration, asked, right))
            except (TypeError, ValueError, OverflowError):
                skipped += 1
        return rows, skipped

    def export_results_csv(
        self, path: str | os.PathLike[str], class_code: str | None = None, *, overwrite: bool = False,
        titles: dict[str, str] | None = None,
    ) -> int:
        """Write every attempt (of one class, if given; "" = no class) as a CSV file; return the row count.

        UTF-8 with a byte-order mark so spreadsheet programs detect the encoding; every text cell quoted
        and formula starts neutralised (`game.store.csvsafe`); times in local time with their offset and
        in UTC; `won` is 1 or 0; `level_title` from `titles` (level id -> title) when given.  Refuses to
        replace an existing file unless `overwrite=True`; the file appears complete or not at all
        (`game.store.safewrite`), readable by others.  Damaged rows are skipped: their number is in
        `last_export_skipped`.
        """
        from game.store.safewrite import AtomicFile, OutputError

        rows, skipped = self.report_rows(class_code)
        try:
            out = AtomicFile(path, "path", force=overwrite, encoding="utf-8-sig", newline="")
            with out:
                write_report_csv(out.file, rows, titles or {})
        except OutputError as err:
            raise StoreError(str(err).replace("add --force", "pass overwrite=True")) from None
        self.last_export_skipped = skipped
        return len(rows)

    # ----------------------------------------------------------------- quiz answers
    # (kept apart: one row per answered question, tied to the attempt the quiz followed)

    _QUIZ_KINDS = ("order", "choice", "match")

    def record_quiz_answers(self, result_id: int, answers: Sequence[dict[str, Any]]) -> list[QuizAnswer]:
        """Keep quiz answers with an attempt (all of them or none).  Each answer is a dict with `question`
        (0-based position in the quiz), `kind` ("order", "choice" or "match"), `prompt`, `answer` and
        `expected` (JSON data), `correct` (bool), `time_s` (seconds >= 0) and optionally `answered_at`
        (a timezone-aware datetime; default now)."""
        from game.store.records import QuizAnswer

        rid = _check_id(result_id, "result_id")
        if isinstance(answers, (str, bytes, dict)) or not isinstance(answers, Sequence):
            raise StoreError(f"answers: expected a list of dicts, got {type(answers).__name__}")
        rows: list[tuple[Any, ...]] = []
        for i, a in enumerate(answers):
            where = f"answers[{i}]"
            if not isinstance(a, dict):
                raise StoreError(f"{where}: expected a dict, got {type(a).__name__}")
            q = a.get("question")
            if not isinstance(q, int) or isinstance(q, bool) or not 0 <= q < 1000:
                raise StoreError(f"{where}.question: got {q!r:.40}, expected a whole number from 0 to 999")
            if a.get("kind") not in self._QUIZ_KINDS:
                raise StoreError(f"{where}.kind: got {a.get('kind')!r:.40}, expected one of {', '.join(self._QUIZ_KINDS)}")
            prompt = a.get("prompt")
            if not isinstance(prompt, str) or len(prompt) > 2000:
                raise StoreError(f"{where}.prompt: expected text of at most 2000 characters")
            if not isinstance(a.get("correct"), bool):
                raise StoreError(f"{where}.correct: got {a.get('correct')!r:.40}, expected True or False")
            t = a.get("time_s", 0.0)
            if not isinstance(t, (int, float)) or isinstance(t, bool) or not math.isfinite(t) or t < 0:
                raise StoreError(f"{where}.time_s: got {t!r:.40}, expected a finite number of seconds >= 0")
            at = a.get("answered_at") or _utc_now()
            if not isinstance(at, datetime) or at.utcoffset() is None:
                raise StoreError(f"{where}.answered_at: got {at!r:.60}, expected a timezone-aware datetime")
            answer, expected = (self._quiz_json(a.get(k), f"{where}.{k}") for k in ("answer", "expected"))
            rows.append((rid, q, a["kind"], prompt, answer, expected, int(a["correct"]), _iso(at), float(t)))
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM results WHERE id = ?", (rid,)).fetchone() is None:
                raise StoreError(f"result_id: no attempt with id {rid}")
            conn.executemany(
                "INSERT INTO quiz_answers (result_id, question, kind, prompt, answer, expected, correct, "
                "answered_at, time_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return [QuizAnswer(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), bool(r[6]), r[7], r[8])
                for r in rows]

    @staticmethod
    def _quiz_json(value: object, name: str) -> str:
        try:
            return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{name}: must be JSON data (lists, dicts, text, finite numbers, booleans): {exc}") from None

    def quiz_answers(self, result_id: int) -> list[QuizAnswer]:
        """The quiz answers kept with an attempt, in the order they were given."""
        from game.store.records import QuizAnswer

        rid = _check_id(result_id, "result_id")
        out = []
        for row in self._db.execute(
            "SELECT result_id, question, kind, prompt, answer, expected, correct, answered_at, time_s "
            "FROM quiz_answers WHERE result_id = ? ORDER BY id", (rid,)):
            try:
                answer, expected = json.loads(row[4]), json.loads(row[5])
            except ValueError:
                answer, expected = row[4], row[5]
            out.append(QuizAnswer(row[0], row[1], row[2], row[3], answer, expected, bool(row[6]), row[7], row[8]))
        return out


    # ----------------------------------------------------------------- class outbox
    # Attempts and quiz answers for a class server wait here until the server has them (game/netclient).
    # `payload` is a JSON object: {"student_token", "join_code", "nickname", "body"}; `body` is what is
    # sent, and carries the same `uuid` as the row, so a resend is recognised by the server.
    # A row is pending while `sent_at` is NULL. A row the server refused for good keeps its `sent_at` and
    # says why in `last_error` (it is not sent again). Rows are never deleted by the game.
    # Once a row is sent (or refused for good) its `student_token` is blanked (""): the token is needed only
    # to send, and the rest (join code, nickname, body) is what the results file needs.

    OUTBOX_KINDS = ("attempt", "answer")

    def outbox_add(self, uuid: str, kind: str, server_url: str, payload: dict[str, Any]) -> None:
        """Queue one item (an `attempt` or an `answer`); adding the same uuid again changes nothing."""
        if kind not in self.OUTBOX_KINDS:
            raise StoreError(f"kind: got {kind!r:.40}, expected one of {', '.join(self.OUTBOX_KINDS)}")
        if not isinstance(uuid, str) or not 8 <= len(uuid) <= 64:
            raise StoreError(f"uuid: got {uuid!r:.70}, expected text of 8 to 64 characters")
        if not isinstance(server_url, str) or not server_url:
            raise StoreError("server_url: expected the class server's address")
        payload_json = _to_json(payload, "payload")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO outbox (uuid, kind, server_url, payload, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (uuid) DO NOTHING",
                (uuid, kind, server_url, payload_json, _iso(_utc_now())),
            )

    def _outbox_rows(self, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT uuid, kind, server_url, payload, created_at, sent_at, tries, last_error FROM outbox "
            f"{where} ORDER BY created_at, rowid", params).fetchall()
        out = []
        for uuid, kind, url, payload, created, sent, tries, error in rows:
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                self._warn(f"Outbox item {uuid}: the stored data is not a JSON object; it was skipped.")
                continue
            out.append({"uuid": uuid, "kind": kind, "server_url": url, "payload": data, "created_at": created,
                        "sent_at": sent, "tries": tries, "last_error": error})
        return out

    def outbox_pending(self, limit: int = 200) -> list[dict[str, Any]]:
        """Items not yet delivered, oldest first (attempts before the answers made after them)."""
        return self._outbox_rows("WHERE sent_at IS NULL", ())[: max(0, int(limit))]

    def outbox_all(self, server_url: str | None = None) -> list[dict[str, Any]]:
        """Every item (delivered or not), of one server if given, oldest first."""
        if server_url is None:
            return self._outbox_rows("", ())
        return self._outbox_rows("WHERE server_url = ?", (server_url,))

    def outbox_sent(self, uuid: str, refused: str = "") -> None:
        """The server has the item (or refused it for good: `refused` says why); it is not sent again, and
        its payload no longer keeps the student token."""
        with self._write() as conn:
            conn.execute("UPDATE outbox SET sent_at = ?, tries = tries + 1, last_error = ? WHERE uuid = ?",
                         (_iso(_utc_now()), str(refused)[:500], uuid))
            row = conn.execute("SELECT payload FROM outbox WHERE uuid = ?", (uuid,)).fetchone()
            blanked = _without_token(row[0]) if row else None
            if blanked is not None:
                conn.execute("UPDATE outbox SET payload = ? WHERE uuid = ?", (blanked, uuid))

    def _forget_sent_tokens(self) -> int:
        """Blank the token of sent items saved by a version that kept it (run at open); returns how many."""
        try:
            rows = self._db.execute("SELECT uuid, payload FROM outbox WHERE sent_at IS NOT NULL "
                                    "AND instr(payload, 'student_token') > 0").fetchall()
            changes = [(b, uuid) for uuid, payload in rows if (b := _without_token(payload)) is not None]
            if changes:
                with self._write() as conn:
                    conn.executemany("UPDATE outbox SET payload = ? WHERE uuid = ?", changes)
        except sqlite3.Error:      # a busy or read-only file: try again at the next start
            return 0
        return len(changes)

    def outbox_failed(self, uuid: str, error: str) -> None:
        """A try that did not reach the server: the item stays pending."""
        with self._write() as conn:
            conn.execute("UPDATE outbox SET tries = tries + 1, last_error = ? WHERE uuid = ? AND sent_at IS NULL",
                         (str(error)[:500], uuid))

    def outbox_counts(self) -> dict[str, int]:
        """{"queued": n, "sent": n, "refused": n} over every item."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(sent_at IS NULL), 0), COALESCE(SUM(sent_at IS NOT NULL AND last_error = ''), 0), "
            "COALESCE(SUM(sent_at IS NOT NULL AND last_error != ''), 0) FROM outbox").fetchone()
        return {"queued": int(row[0]), "sent": int(row[1]), "refused": int(row[2])}

    _META_CLASS_JOIN = "class_join"

    def class_join_remember(self, join: dict[str, Any] | None) -> None:
        """Keep the class joined last (server, code, nickname, student token), so that a restarted game can
        carry on in it; None forgets it."""
        with self._write() as conn:
            if join is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (self._META_CLASS_JOIN,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             (self._META_CLASS_JOIN, _to_json(join, "join")))

    def class_join_recall(self) -> dict[str, Any] | None:
        """The class joined last (see class_join_remember), or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (self._META_CLASS_JOIN,)).fetchone()
        try:
            data = json.loads(row[0]) if row else None
        except ValueError:
            data = None
        return data if isinstance(data, dict) else None


def _without_token(payload: str) -> str | None:
    """The outbox payload with its `student_token` blanked, or None when there is none to blank."""
    try:
        data = json.loads(payload)
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not data.get("student_token"):
        return None
    data["student_token"] = ""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _report_row(nick, cls_code, level, kind, when, score, stars, won, duration, asked, right) -> ReportRow:
    if not all(isinstance(v, str) for v in (nick, cls_code, level, kind, when)):
        raise TypeError("text expected")
    moment = datetime.fromisoformat(when)
    if moment.utcoffset() is None:
        raise ValueError("time without a zone")
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError("score")
    if not isinstance(stars, int) or not 0 <= stars <= 3 or won not in (0, 1):
        raise ValueError("stars/won")
    if isinstance(duration, str) or not math.isfinite(float(duration)) or float(duration) < 0:
        raise ValueError("duration")
    return ReportRow(nick, cls_code, level, kind, moment.astimezone(UTC), score, stars, bool(won),
                     float(duration), int(right or 0), int(asked or 0))


def write_report_csv(fh: Any, rows: Sequence[ReportRow], titles: dict[str, str]) -> None:
    """The report's CSV (header CSV_COLUMNS) to an open text file."""
    w = csvsafe.writer(fh)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([r.nickname, r.class_code, r.level_id, titles.get(r.level_id, ""), r.level_kind or "unknown",
                    r.attempted_at_utc.astimezone().isoformat(timespec="seconds"),
                    r.attempted_at_utc.isoformat(timespec="seconds"), r.score, r.stars, int(r.won),
                    round(r.duration_s, 3), r.quiz_right, r.quiz_asked])
