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
* **A damaged file is never overwritten.**  If the file is not SQLite, fails
  SQLite's integrity check, was written by a newer version, or lacks our tables,
  it is renamed to `endplate.sqlite3.corrupt-YYYYmmdd-HHMMSS` (never replacing
  an existing file), a fresh database is started, and a one-line message is
  added to `Store.warnings` for the game to show.  Someone can still rescue the
  old file by hand.
* **The game keeps running when the disk says no.**  If the data directory or
  the file cannot be opened at all (read-only disk, locked by another program),
  the store falls back to an in-memory database, sets `persistent = False` and
  warns that progress will not be saved this session.
* **Schema changes are migrations** appended to `game.store.schema.MIGRATIONS`
  and tracked with `PRAGMA user_version`.

Methods raise `StoreError` (a `ValueError`) for invalid input, naming the field
and what is expected.  I/O failures while the game runs (disk full) surface as
`sqlite3.Error` or `OSError`.  A `Store` must be used from the thread that
opened it.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import platformdirs

from game.store.errors import StoreError
from game.store.records import (
    Attempt,
    Best,
    Profile,
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

__all__ = ["CSV_COLUMNS", "DB_FILENAME", "ENV_DATA_DIR", "Store", "data_dir", "default_db_path"]

DB_FILENAME = "endplate.sqlite3"
ENV_DATA_DIR = "ENDPLATE_DATA_DIR"
CSV_COLUMNS = ("nickname", "class_code", "level_id", "attempted_at", "score", "stars", "won", "duration_s")

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
            raise _Damaged(
                f"was written by a newer version of Endplate (schema {version}; "
                f"this version reads up to schema {SCHEMA_VERSION})"
            )
        if version == 0:
            (foreign,) = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()
            if foreign:
                raise _Damaged("holds tables that are not Endplate's")
        conn.execute("PRAGMA journal_mode = WAL")  # 'memory' for :memory:, may stay 'delete' on odd filesystems
        conn.execute("PRAGMA synchronous = FULL")
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


def _connect_checked(path: Path) -> sqlite3.Connection:
    """Open `path` as our database.  Raises `_Damaged`, or `sqlite3.Error`/`OSError` for I/O trouble."""
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            if fh.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                raise _Damaged("is not an SQLite database")
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    try:
        _prepare(conn)
    except BaseException:
        conn.close()
        raise
    return conn


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


def _csv_text(text: str) -> str:
    """Stop a spreadsheet from reading a nickname like '=HYPERLINK(...)' as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Store:
        """Open (creating if needed) the database at `path`, a file or a directory.

        Without `path`, uses `default_db_path()`.  Never raises for a damaged or
        unopenable file: see the module docstring and `warnings`.
        """
        warnings: list[str] = []
        db_path = Path(path) if path is not None else default_db_path()
        if db_path.is_dir():
            db_path = db_path / DB_FILENAME

        def fallback(problem: str) -> Store:
            warnings.append(
                f"The save file {db_path} {problem}; progress will not be saved this session."
            )
            return cls(_memory_connection(), db_path, warnings, persistent=False)

        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            conn = _connect_checked(db_path)
        except _Damaged as damage:
            try:
                moved = _move_aside(db_path)
            except OSError as exc:
                return fallback(f"{damage.reason} and could not be moved aside ({exc})")
            warnings.append(
                f"The save file {db_path} {damage.reason}; it was moved to {moved} "
                "and a new save file was started."
            )
            try:
                conn = _connect_checked(db_path)
            except (_Damaged, sqlite3.Error, OSError) as exc:
                return fallback(f"could not be created ({exc})")
        except (sqlite3.Error, OSError) as exc:
            return fallback(f"could not be opened ({exc})")
        return cls(conn, db_path, warnings, persistent=True)

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
        for pid, other in conn.execute("SELECT id, nickname FROM profiles WHERE class_code = ?", (class_code,)):
            if pid != own_id and other.casefold() == folded:
                where = f"class {class_code}" if class_code else "the profiles without a class code"
                raise StoreError(f"nickname: {nickname!r} is already used in {where} (expected a different nickname)")

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
    ) -> Attempt:
        """Keep one attempt (every attempt is kept).  `at` defaults to now and must be timezone-aware."""
        level = _check_level_id(level_id)
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
                "INSERT INTO results (profile_id, level_id, attempted_at, score, stars, won, duration_s, details) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, level, when, score, stars, int(won), float(duration_s), details_json),
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

    def best(self, profile_id: int, level_id: str) -> Best | None:
        """Best score and best stars for a level (each the maximum over attempts), or None if never tried."""
        pid = _check_id(profile_id)
        score, stars, count, won = self._db.execute(
            "SELECT max(score), max(stars), count(*), max(won) FROM results WHERE profile_id = ? AND level_id = ?",
            (pid, _check_level_id(level_id)),
        ).fetchone()
        if count == 0:
            return None
        return Best(score=score, stars=stars, attempts=count, won=bool(won))

    def completed_levels(self, profile_id: int) -> set[str]:
        """Ids of the levels this profile has won at least once."""
        pid = _check_id(profile_id)
        rows = self._db.execute("SELECT DISTINCT level_id FROM results WHERE profile_id = ? AND won = 1", (pid,))
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
            self._warn(f"Autosave of profile {pid}: the stored data is not a JSON object; it was ignored.")
            return None
        return row[0], payload

    def clear_autosave(self, profile_id: int) -> None:
        """Empty the profile's autosave slot (no error if it was empty)."""
        pid = _check_id(profile_id)
        with self._write() as conn:
            conn.execute("DELETE FROM autosaves WHERE profile_id = ?", (pid,))

    # ----------------------------------------------------------------- reports

    def export_results_csv(
        self, path: str | os.PathLike[str], class_code: str | None = None, *, overwrite: bool = False
    ) -> int:
        """Write every attempt (of one class, if given; "" = no class) as a CSV file; return the row count.

        UTF-8 with a byte-order mark so spreadsheet programs detect the encoding;
        times are ISO-8601 in local time with their offset; `won` is 1 or 0.
        Text starting with = + - @ is prefixed with ' so it is not run as a
        formula.  Refuses to replace an existing file unless `overwrite=True`.
        The file appears complete or not at all.
        """
        target = Path(path)
        code = None if class_code is None else normalize_class_code(class_code)
        if not overwrite and os.path.lexists(target):
            raise StoreError(f"path: {target} already exists (expected a new file name, or overwrite=True)")
        sql = (
            "SELECT p.nickname, p.class_code, r.level_id, r.attempted_at, r.score, r.stars, r.won, r.duration_s "
            "FROM results r JOIN profiles p ON p.id = r.profile_id"
        )
        params: tuple[Any, ...] = ()
        if code is not None:
            sql += " WHERE p.class_code = ?"
            params = (code,)
        rows = self._db.execute(sql + " ORDER BY p.class_code, p.nickname COLLATE NOCASE, r.id", params).fetchall()

        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(CSV_COLUMNS)
                for nickname, cls_code, level, when, score, stars, won, duration in rows:
                    local = datetime.fromisoformat(when).astimezone().isoformat(timespec="seconds")
                    writer.writerow(
                        [_csv_text(nickname), _csv_text(cls_code), _csv_text(level), local,
                         score, stars, int(won), round(duration, 3)]
                    )
                fh.flush()
                os.fsync(fh.fileno())
            if overwrite:
                os.replace(tmp, target)
            elif not _move_no_clobber(tmp, target):
                raise StoreError(f"path: {target} already exists (expected a new file name, or overwrite=True)")
        finally:
            if tmp.exists():
                tmp.unlink()
        return len(rows)

    # ----------------------------------------------------------------- class outbox
    # Attempts and quiz answers for a class server wait here until the server has them (game/netclient).
    # `payload` is a JSON object: {"student_token", "join_code", "nickname", "body"}; `body` is what is
    # sent, and carries the same `uuid` as the row, so a resend is recognised by the server.
    # A row is pending while `sent_at` is NULL. A row the server refused for good keeps its `sent_at` and
    # says why in `last_error` (it is not sent again). Rows are never deleted by the game.

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
        """The server has the item (or refused it for good: `refused` says why); it is not sent again."""
        with self._write() as conn:
            conn.execute("UPDATE outbox SET sent_at = ?, tries = tries + 1, last_error = ? WHERE uuid = ?",
                         (_iso(_utc_now()), str(refused)[:500], uuid))

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
