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
]

SCHEMA_VERSION = len(MIGRATIONS)

EXPECTED_COLUMNS: dict[str, frozenset[str]] = {
    "profiles": frozenset({"id", "nickname", "class_code", "created_at"}),
    "results": frozenset(
        {"id", "profile_id", "level_id", "attempted_at", "score", "stars", "won", "duration_s", "details"}
    ),
    "settings": frozenset({"profile_id", "data"}),
    "autosaves": frozenset({"profile_id", "level_id", "saved_at", "payload"}),
    "meta": frozenset({"key", "value"}),
}
