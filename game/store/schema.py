"""The database schema as an append-only list of migrations.

`PRAGMA user_version` holds the number of migrations applied.  Migration `i`
(0-based) takes a database from version `i` to `i + 1`; each runs in its own
transaction together with the version bump, so a crash mid-migration leaves the
previous version intact.  To change the schema, *append* a step; never edit a
step that has shipped, because pupils' files were made by it.

`EXPECTED_COLUMNS` is what the current version must find after migrating.  A
file claiming our version but lacking these is treated as damaged rather than
patched up silently.

`APPLICATION_ID` ('ENDP') marks our files in the SQLite header, so a stray
SQLite file from another program is recognised as "not ours".
"""

from __future__ import annotations

__all__ = ["APPLICATION_ID", "EXPECTED_COLUMNS", "MIGRATIONS", "SCHEMA_VERSION"]

APPLICATION_ID = 0x454E4450  # b"ENDP"

# Each migration is a tuple of single SQL statements (not a script: executescript
# would commit in the middle of our transaction).
MIGRATIONS: list[tuple[str, ...]] = [
    # 1: profiles, results, per-profile settings, autosave slots, small key/value meta.
    (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE profiles (
            id          INTEGER PRIMARY KEY,
            nickname    TEXT NOT NULL,
            class_code  TEXT NOT NULL DEFAULT '',
            created_at  TEXT NOT NULL
        )""",
        """CREATE TABLE results (
            id           INTEGER PRIMARY KEY,
            profile_id   INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
            level_id     TEXT NOT NULL,
            attempted_at TEXT NOT NULL,
            score        INTEGER NOT NULL,
            stars        INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 3),
            won          INTEGER NOT NULL CHECK (won IN (0, 1)),
            duration_s   REAL NOT NULL,
            details      TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX results_by_profile_level ON results (profile_id, level_id)",
        """CREATE TABLE settings (
            profile_id  INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
            data        TEXT NOT NULL
        )""",
        """CREATE TABLE autosaves (
            profile_id  INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
            level_id    TEXT NOT NULL,
            saved_at    TEXT NOT NULL,
            payload     TEXT NOT NULL
        )""",
        """CREATE TABLE meta (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        )""",
    ),
    # 2: what a result was played on (level text hash, campaign/custom/modified/pack, seed, the moves), the quiz
    # answers of an attempt, and the outbox of results waiting for a class server.
    (
        "ALTER TABLE results ADD COLUMN level_sha256 TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN level_kind TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN pack_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN seed INTEGER",
        "ALTER TABLE results ADD COLUMN moves TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE quiz_answers (
            id           INTEGER PRIMARY KEY,
            result_id    INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
            question     INTEGER NOT NULL,
            kind         TEXT NOT NULL,
            prompt       TEXT NOT NULL,
            answer       TEXT NOT NULL,
            expected     TEXT NOT NULL,
            correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
            answered_at  TEXT NOT NULL,
            time_s       REAL NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX quiz_answers_by_result ON quiz_answers (result_id)",
        """CREATE TABLE outbox (
            uuid        TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            server_url  TEXT NOT NULL,
            payload     TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            sent_at     TEXT,
            tries       INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT NOT NULL DEFAULT ''
        )""",
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)

EXPECTED_COLUMNS: dict[str, frozenset[str]] = {
    "profiles": frozenset({"id", "nickname", "class_code", "created_at"}),
    "results": frozenset(
        {"id", "profile_id", "level_id", "attempted_at", "score", "stars", "won", "duration_s", "details",
         "level_sha256", "level_kind", "pack_id", "seed", "moves"}
    ),
    "settings": frozenset({"profile_id", "data"}),
    "autosaves": frozenset({"profile_id", "level_id", "saved_at", "payload"}),
    "meta": frozenset({"key", "value"}),
    "quiz_answers": frozenset(
        {"id", "result_id", "question", "kind", "prompt", "answer", "expected", "correct", "answered_at", "time_s"}
    ),
    "outbox": frozenset(
        {"uuid", "kind", "server_url", "payload", "created_at", "sent_at", "tries", "last_error"}
    ),
}
