"""Tests of game.store: round trips, crash safety, damaged files, validation, reports."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from game.store import (
    CSV_COLUMNS,
    DB_FILENAME,
    SCHEMA_VERSION,
    Settings,
    Store,
    StoreError,
    default_db_path,
    normalize_nickname,
)
from game.store import db as store_db

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / DB_FILENAME


@pytest.fixture
def store(db_path: Path):
    with Store.open(db_path) as s:
        yield s


@contextmanager
def _raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain autocommit connection, closed afterwards (so no -wal file is left behind)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _make_real_db(path: Path, attempts: int = 40) -> None:
    with Store.open(path) as s:
        pid = s.create_profile("Filler").id
        for i in range(attempts):
            s.record_result(pid, f"L{i % 5}", i, i % 4, True, 1.0, {"pad": "x" * 1500})


# --------------------------------------------------------------------------- opening


def test_env_var_overrides_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / DB_FILENAME
    with Store.open() as s:
        assert s.path == tmp_path / "data" / DB_FILENAME
        assert s.persistent and s.warnings == []
    assert (tmp_path / "data" / DB_FILENAME).is_file()


def test_new_database_has_schema_version_and_wal(store: Store, db_path: Path) -> None:
    with _raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_directory_path_uses_default_file_name(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        assert s.path == tmp_path / DB_FILENAME


def test_closed_store_refuses_work(db_path: Path) -> None:
    s = Store.open(db_path)
    s.close()
    s.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        s.list_profiles()


def test_unopenable_location_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    with Store.open(blocker / "sub" / DB_FILENAME) as s:
        assert not s.persistent
        assert len(s.warnings) == 1 and "will not be saved" in s.warnings[0]
        pid = s.create_profile("Temp").id  # still works for this session
        assert s.get_profile(pid) is not None
    assert blocker.read_text() == "a file where a directory should be"


# --------------------------------------------------------------------------- profiles


def test_profile_round_trip_and_last_used(db_path: Path) -> None:
    with Store.open(db_path) as s:
        ada = s.create_profile("  Ada  ", " 7b ")
        assert (ada.nickname, ada.class_code) == ("Ada", "7B")
        bo = s.create_profile("bo")
        assert bo.class_code == ""
        assert s.last_profile() is None
        s.use_profile(bo.id)
    with Store.open(db_path) as s:
        assert [p.nickname for p in s.list_profiles()] == ["Ada", "bo"]
        assert [p.nickname for p in s.list_profiles("7B")] == ["Ada"]
        assert s.last_profile() == bo
        renamed = s.rename(ada.id, "Ada L.")
        assert renamed.class_code == "7B"
        assert s.rename(ada.id, "Ada L.", "").class_code == ""
        assert s.get_profile(ada.id) == dataclasses.replace(ada, nickname="Ada L.", class_code="")
        s.record_result(bo.id, "L1", 1, 1, True, 1.0, {})
        s.save_autosave(bo.id, "L1", {"t": 1})
        s.save_settings(bo.id, Settings(muted=True))
        s.delete_profile(bo.id)
        assert s.get_profile(bo.id) is None
        assert s.last_profile() is None
        assert s.attempts(bo.id) == [] and s.load_autosave(bo.id) is None
        with pytest.raises(StoreError, match="profile_id"):
            s.delete_profile(bo.id)


@pytest.mark.parametrize(
    ("nickname", "class_code", "field"),
    [
        ("", None, "nickname"),
        ("   ", None, "nickname"),
        ("x" * 25, None, "nickname"),
        ("tab\there", None, "nickname"),
        (42, None, "nickname"),
        ("Ada", "7B!", "class_code"),
        ("Ada", "A" * 17, "class_code"),
        ("Ada", "class 7", "class_code"),
        ("Ada", "ÉCOLE", "class_code"),
    ],
)
def test_invalid_identity_names_the_field(store: Store, nickname: object, class_code: object, field: str) -> None:
    with pytest.raises(StoreError) as info:
        store.create_profile(nickname, class_code)  # type: ignore[arg-type]
    assert str(info.value).startswith(f"{field}:")
    assert "expected" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_nickname_limits_and_uniqueness_per_class(store: Store) -> None:
    assert store.create_profile("x" * 24).nickname == "x" * 24
    assert store.create_profile("Zoë ✓", "A-1").nickname == "Zoë ✓"
    store.create_profile("Sam", "7B")
    store.create_profile("sam", "7C")  # another class: fine
    with pytest.raises(StoreError, match="nickname: 'SAM' is already used in class 7B"):
        store.create_profile("SAM", "7b")


@hyp_settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_nickname_is_accepted_cleanly_or_refused_clearly(text: str) -> None:
    try:
        nick = normalize_nickname(text)
    except StoreError as exc:
        assert str(exc).startswith("nickname:")
    else:
        assert 1 <= len(nick) <= 24 and nick == nick.strip() and nick.isprintable()


# --------------------------------------------------------------------------- progress


def test_results_round_trip_best_and_completed(db_path: Path) -> None:
    with Store.open(db_path) as s:
        pid = s.create_profile("Ada").id
        s.record_result(pid, "L1", 500, 1, False, 30.0, {"reason": "fatigue"})
        s.record_result(pid, "L1", 300, 3, True, 45.5, {"twitches": [1, 2]})
        s.record_result(pid, "L2", 100, 0, False, 5, {})
    with Store.open(db_path) as s:
        attempts = s.attempts(pid)
        assert [(a.level_id, a.score, a.won) for a in attempts] == [("L1", 500, False), ("L1", 300, True), ("L2", 100, False)]
        assert attempts[1].details == {"twitches": [1, 2]}
        assert datetime.fromisoformat(attempts[0].attempted_at).tzinfo is not None
        best = s.best(pid, "L1")
        assert best is not None and (best.score, best.stars, best.attempts, best.won) == (500, 3, 2, True)
        assert s.best(pid, "L3") is None
        assert s.completed_levels(pid) == {"L1"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"stars": 4}, "stars"),
        ({"stars": True}, "stars"),
        ({"score": 1.5}, "score"),
        ({"won": 1}, "won"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"duration_s": -1.0}, "duration_s"),
        ({"level_id": ""}, "level_id"),
        ({"details": {"x": object()}}, "details"),
        ({"details": [1]}, "details"),
        ({"profile_id": 999}, "profile_id"),
    ],
)
def test_invalid_result_names_the_field(store: Store, kwargs: dict, field: str) -> None:
    pid = store.create_profile("Ada").id
    args = {"profile_id": pid, "level_id": "L1", "score": 1, "stars": 1, "won": True, "duration_s": 1.0, "details": {}}
    args.update(kwargs)
    with pytest.raises(StoreError, match=f"^{field}:"):
        store.record_result(**args)
    assert store.attempts(pid) == []


def test_unlock_order(store: Store) -> None:
    order = ["intro", "quantal", "fatigue", "myasthenia"]
    pid = store.create_profile("Ada").id
    assert [store.is_unlocked(pid, order, lv) for lv in order] == [True, False, False, False]
    store.record_result(pid, "intro", 10, 1, False, 1.0, {})  # lost: still locked
    assert not store.is_unlocked(pid, order, "quantal")
    store.record_result(pid, "intro", 10, 2, True, 1.0, {})
    store.record_result(pid, "fatigue", 10, 2, True, 1.0, {})  # won out of order
    assert [store.is_unlocked(pid, order, lv) for lv in order] == [True, True, False, True]
    other = store.create_profile("Bo").id
    assert not store.is_unlocked(other, order, "quantal")
    with pytest.raises(StoreError, match="^level_id:"):
        store.is_unlocked(pid, order, "nope")


# --------------------------------------------------------------------------- settings


def test_settings_round_trip_and_defaults(db_path: Path) -> None:
    custom = Settings(resolution=[1920, 1080], fullscreen=True, music_volume=0, palette="high-contrast",  # type: ignore[arg-type]
                      text_scale=1.5, reduced_motion=True, key_bindings={"fire": "F"})
    assert custom.resolution == (1920, 1080) and custom.key_bindings["fire"] == "f"
    assert custom.key_bindings == {"fire": "f"}  # only the changed keys are kept (defaults: game.view.input)
    with Store.open(db_path) as s:
        assert s.load_settings(None) == Settings()
        pid = s.create_profile("Ada").id
        s.save_settings(None, Settings(muted=True))
        assert s.load_settings(pid).muted  # no own settings: the defaults
        s.save_settings(pid, custom)
    with Store.open(db_path) as s:
        assert s.load_settings(pid) == custom
        assert s.load_settings(None) == Settings(muted=True)
        assert s.warnings == []


def test_settings_construction_is_strict() -> None:
    with pytest.raises(StoreError, match=r"^settings\.music_volume:.*from 0 to 1"):
        Settings(music_volume=1.5)
    with pytest.raises(StoreError, match=r"^settings\.text_scale:"):
        Settings(text_scale=0.5)
    with pytest.raises(StoreError, match=r"^settings\.palette:"):
        Settings(palette="rainbow")
    with pytest.raises(StoreError, match=r"^settings\.key_bindings:.*'Jump!'"):
        Settings(key_bindings={"Jump!": "j"})


def test_key_binding_conflict_refused_on_save(store: Store) -> None:
    clash = Settings(key_bindings={"fire": "t", "train": "t"})
    assert clash.key_conflicts() == {"t": ["fire", "train"]}
    with pytest.raises(StoreError, match=r"^settings\.key_bindings: 't' is bound to fire and train"):
        store.save_settings(None, clash)
    assert store.load_settings(None) == Settings()


def test_bad_stored_settings_fall_back_field_by_field(store: Store, db_path: Path) -> None:
    pid = store.create_profile("Ada").id
    stored = {
        "resolution": [10, 10],
        "fullscreen": "yes",
        "music_volume": 0.25,  # valid: kept
        "effects_volume": 7,
        "muted": True,  # valid: kept
        "key_bindings": {"fire": "f", "train": 3, "unknown_action": "u"},
        "palette": "rainbow",
        "text_scale": "big",
        "reduced_motion": None,
        "from_the_future": 1,
    }
    with _raw(db_path) as conn:
        conn.execute("INSERT INTO settings (profile_id, data) VALUES (?, ?)", (pid, json.dumps(stored)))
    loaded = store.load_settings(pid)
    assert loaded == Settings(music_volume=0.25, muted=True, key_bindings={"fire": "f", "unknown_action": "u"})
    joined = "\n".join(store.warnings)
    for name in ("resolution", "fullscreen", "effects_volume", "palette", "text_scale", "reduced_motion", "train"):
        assert name in joined, name
    assert "music_volume" not in joined and "unknown_action" not in joined
    assert all("expected" in w for w in store.warnings)
    assert len(store.warnings) == 7


def test_unparsable_or_conflicting_stored_settings(store: Store, db_path: Path) -> None:
    with _raw(db_path) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('settings', '{not json')")
    assert store.load_settings(None) == Settings()
    assert "not valid JSON" in store.warnings[-1]
    pid = store.create_profile("Ada").id
    with _raw(db_path) as conn:
        conn.execute("INSERT INTO settings VALUES (?, ?)", (pid, json.dumps({"key_bindings": {"fire": "t", "train": "t"}, "muted": True})))
    loaded = store.load_settings(pid)
    assert loaded.key_bindings == {} and loaded.muted
    assert "key_bindings" in store.warnings[-1]


@hyp_settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
                        st.sampled_from([f.name for f in dataclasses.fields(Settings)] + ["x"]) | st.text(max_size=5),
                        kids, max_size=6),
                    max_leaves=20))
def test_settings_from_any_json_never_crashes(data: object) -> None:
    settings, warnings = Settings.from_dict(data)
    assert isinstance(settings, Settings) and all(isinstance(w, str) for w in warnings)


# --------------------------------------------------------------------------- autosave


def test_autosave_round_trip(db_path: Path) -> None:
    with Store.open(db_path) as s:
        pid = s.create_profile("Ada").id
        assert s.load_autosave(pid) is None
        s.save_autosave(pid, "L1", {"t": 1.5, "fibres": [1, 2, 3]})
        s.save_autosave(pid, "L2", {"t": 9.0})  # one slot: replaced
    with Store.open(db_path) as s:
        assert s.load_autosave(pid) == ("L2", {"t": 9.0})
        with pytest.raises(StoreError, match="^payload:"):
            s.save_autosave(pid, "L3", {"bad": float("inf")})
        assert s.load_autosave(pid) == ("L2", {"t": 9.0})
        s.clear_autosave(pid)
        assert s.load_autosave(pid) is None
        s.clear_autosave(pid)


def test_unreadable_autosave_is_ignored_with_warning(store: Store, db_path: Path) -> None:
    pid = store.create_profile("Ada").id
    with _raw(db_path) as conn:
        conn.execute("INSERT INTO autosaves VALUES (?, 'L1', '2020-01-01T00:00:00+00:00', '[1, 2')", (pid,))
    assert store.load_autosave(pid) is None
    assert "autosave" in store.warnings[-1] and "set aside" in store.warnings[-1]
    kept = store._db.execute("SELECT value FROM meta WHERE key LIKE 'autosave-set-aside:%'").fetchone()
    assert kept is not None and "[1, 2" in kept[0]          # kept for rescue, out of the slot


# --------------------------------------------------------------------------- CSV report


def test_csv_export(store: Store, tmp_path: Path) -> None:
    ada = store.create_profile("Ada ✓", "7B").id
    evil = store.create_profile("=HYPERLINK(1)", "7B").id
    other = store.create_profile("Bo", "8A").id
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    store.record_result(ada, "L1", 900, 3, True, 61.25, {"x": 1}, at=at)
    store.record_result(evil, "L1", 10, 0, False, 2.0, {}, at=at + timedelta(minutes=1))
    store.record_result(other, "L1", 5, 1, True, 3.0, {}, at=at)

    out = tmp_path / "class-7b.csv"
    assert store.export_results_csv(out, "7b") == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets detect the encoding
    rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = {r[0]: r for r in rows[1:]}
    assert body["Ada ✓"][1:3] == ["7B", "L1"]
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}
    assert datetime.fromisoformat(body["Ada ✓"][col["attempted_at"]]) == at
    assert datetime.fromisoformat(body["Ada ✓"][col["attempted_at_utc"]]) == at
    assert [body["Ada ✓"][col[c]] for c in ("score", "stars", "won", "duration_s")] == ["900", "3", "1", "61.25"]
    assert "'=HYPERLINK(1)" in body  # not a formula in the spreadsheet
    assert '"Ada ✓"' in raw.decode("utf-8-sig")  # every text cell quoted
    assert oct(out.stat().st_mode & 0o777) == oct(0o644)

    with pytest.raises(StoreError, match="already exists"):
        store.export_results_csv(out)
    assert out.read_bytes() == raw
    assert store.export_results_csv(out, overwrite=True) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --------------------------------------------------------------------------- damaged files


def _assert_moved_aside(s: Store, db_path: Path, original: bytes, what: str) -> Path:
    moved = [p for p in db_path.parent.iterdir() if p.name.startswith(f"{DB_FILENAME}.corrupt-")]
    assert len(moved) == 1
    assert moved[0].read_bytes() == original
    assert len(s.warnings) == 1
    message = s.warnings[0]
    assert str(db_path) in message and str(moved[0]) in message and what in message
    assert "\n" not in message
    assert s.persistent and s.list_profiles() == []
    s.create_profile("Fresh")
    return moved[0]


def test_random_bytes_are_moved_aside(db_path: Path) -> None:
    original = os.urandom(4096)
    db_path.write_bytes(original)
    with Store.open(db_path) as s:
        moved = _assert_moved_aside(s, db_path, original, "not an SQLite database")
    assert moved.name[len(DB_FILENAME) + len(".corrupt-"):].replace("-", "").isdigit()


def test_truncated_database_is_moved_aside(db_path: Path) -> None:
    _make_real_db(db_path)
    original = db_path.read_bytes()[: db_path.stat().st_size // 2]
    db_path.write_bytes(original)
    with Store.open(db_path) as s:
        _assert_moved_aside(s, db_path, original, "damaged")


def test_newer_schema_is_left_untouched(db_path: Path) -> None:
    from game.store import NewerFormatError

    _make_real_db(db_path, attempts=1)
    with _raw(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    original = db_path.read_bytes()
    with pytest.raises(NewerFormatError, match=f"newer Endplate \\(format {SCHEMA_VERSION + 5}"):
        Store.open(db_path)
    with Store.open(db_path, read_only=True) as s:          # reports can still read it
        assert [p.nickname for p in s.list_profiles()] == ["Filler"]
    assert db_path.read_bytes() == original
    assert not [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]


def test_foreign_sqlite_file_is_moved_aside(db_path: Path) -> None:
    with _raw(db_path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    original = db_path.read_bytes()
    with Store.open(db_path) as s:
        _assert_moved_aside(s, db_path, original, "not Endplate's")


def test_moving_aside_never_overwrites(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "_corrupt_timestamp", lambda: "20260101-120000")
    taken = db_path.with_name(f"{DB_FILENAME}.corrupt-20260101-120000")
    taken.write_bytes(b"an earlier rescue")
    for attempt in (b"garbage one", b"garbage two"):
        db_path.write_bytes(attempt)
        Store.open(db_path).close()
    assert taken.read_bytes() == b"an earlier rescue"
    assert Path(f"{taken}-1").read_bytes() == b"garbage one"
    assert Path(f"{taken}-2").read_bytes() == b"garbage two"


# --------------------------------------------------------------------------- crash safety

_WRITER = """
import sys
from game.store import Store
store = Store.open(sys.argv[1])
pid = store.create_profile("Crashy").id
i = 0
while True:
    store.record_result(pid, "L1", i, i % 4, i % 2 == 0, 1.0, {"i": i, "pad": "x" * 500})
    store.save_autosave(pid, "L1", {"i": i})
    i += 1
    print(i, flush=True)
"""


def test_sigkill_mid_run_loses_nothing_committed(db_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db_path)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    committed = 0
    deadline = time.monotonic() + 20
    try:
        assert proc.stdout is not None
        while committed < 25 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            committed = int(line)
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, no checkpoint
        proc.wait()
    assert committed >= 25, proc.stderr.read() if proc.stderr else ""

    with Store.open(db_path) as s:
        assert s.warnings == []
        (profile,) = s.list_profiles()
        attempts = s.attempts(profile.id)
        assert len(attempts) >= committed
        assert [a.score for a in attempts] == list(range(len(attempts)))
        saved = s.load_autosave(profile.id)
        assert saved is not None and saved[1]["i"] >= committed - 1
    with _raw(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_companion_wal_files_move_with_the_damaged_file(db_path: Path) -> None:
    db_path.write_bytes(b"not a database at all")
    Path(f"{db_path}-wal").write_bytes(b"stale wal")
    Path(f"{db_path}-shm").write_bytes(b"stale shm")
    with Store.open(db_path) as s:
        (moved,) = [
            p for p in db_path.parent.glob(f"{DB_FILENAME}.corrupt-*") if not p.name.endswith(("-wal", "-shm"))
        ]
        assert Path(f"{moved}-wal").read_bytes() == b"stale wal"
        assert Path(f"{moved}-shm").read_bytes() == b"stale shm"
        s.create_profile("Fresh")
    with Store.open(db_path) as s:
        assert [p.nickname for p in s.list_profiles()] == ["Fresh"] and s.warnings == []


# --------------------------------------------------------------------------- the class token on this computer

TOKEN_TEXT = "tok-secret-0123456789abcdefghij"


def _queue_answer(s: Store, uuid: str) -> None:
    body = {"uuid": uuid, "phase": "pre", "question_id": "s-receptors-where", "answer": 1}
    s.outbox_add(uuid, "answer", "http://127.0.0.1:8750",
                 {"student_token": TOKEN_TEXT, "join_code": "KTMPQA", "nickname": "Ana", "session_id": 1,
                  "body": body})


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; Windows keeps the profile folder's rights")
def test_save_file_and_its_wal_are_readable_by_the_owner_only(db_path: Path) -> None:
    old = os.umask(0o022)                       # the usual umask would give 0644
    try:
        with Store.open(db_path) as s:
            s.class_join_remember({"server_url": "http://127.0.0.1:8750", "join_code": "KTMPQA",
                                   "nickname": "Ana", "student_token": TOKEN_TEXT})
            for name in (str(db_path), f"{db_path}-wal", f"{db_path}-shm"):
                assert os.path.exists(name), name
                assert oct(os.stat(name).st_mode & 0o777) == oct(0o600), name
        # a file made before (0644, with a 0644 -wal and -shm) is made owner-only when opened
        os.chmod(db_path, 0o644)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").touch()
            os.chmod(f"{db_path}{suffix}", 0o644)
        with Store.open(db_path) as s:
            assert s.class_join_recall()["student_token"] == TOKEN_TEXT
            for name in (str(db_path), f"{db_path}-wal", f"{db_path}-shm"):
                assert oct(os.stat(name).st_mode & 0o777) == oct(0o600), name
        # a damaged file moved aside (kept for rescue) is owner-only too
        db_path.unlink()
        db_path.write_bytes(b"not a database, say a half-copied one")
        os.chmod(db_path, 0o644)
        with Store.open(db_path) as s:
            (moved,) = [p for p in db_path.parent.glob(f"{DB_FILENAME}.corrupt-*")
                        if not p.name.endswith(("-wal", "-shm"))]
            assert oct(moved.stat().st_mode & 0o777) == oct(0o600)
            assert oct(db_path.stat().st_mode & 0o777) == oct(0o600)
    finally:
        os.umask(old)


def test_a_sent_outbox_item_no_longer_holds_the_token_an_unsent_one_does(db_path: Path) -> None:
    import httpx

    from game.netclient.outbox import ClassSync

    with Store.open(db_path) as s:
        _queue_answer(s, "00000000-0000-4000-8000-000000000001")
        _queue_answer(s, "00000000-0000-4000-8000-000000000002")
        s.outbox_sent("00000000-0000-4000-8000-000000000001")
        sent, unsent = s.outbox_all()
        assert sent["payload"]["student_token"] == "" and sent["sent_at"] is not None
        assert sent["payload"]["nickname"] == "Ana" and sent["payload"]["body"]["answer"] == 1   # the record stays
        assert unsent["payload"]["student_token"] == TOKEN_TEXT
    raw = db_path.read_bytes() + (Path(f"{db_path}-wal").read_bytes() if Path(f"{db_path}-wal").exists() else b"")
    assert raw.count(TOKEN_TEXT.encode()) >= 1     # the unsent item's copy
    with _raw(db_path) as conn:
        stored = dict(conn.execute("SELECT uuid, payload FROM outbox").fetchall())
    assert TOKEN_TEXT not in stored["00000000-0000-4000-8000-000000000001"]

    # the game restarts: the unsent item is sent with its token, then its token is blanked too
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        body = json.loads(request.content)
        return httpx.Response(200, json={"uuid": body["uuid"], "correct": None})

    with Store.open(db_path) as s:
        status = ClassSync(s, transport=httpx.MockTransport(handle)).flush(timeout_s=10)
        assert (status.queued, status.sent) == (0, 2)
        assert seen == [f"Bearer {TOKEN_TEXT}"]
        assert all(row["payload"]["student_token"] == "" for row in s.outbox_all())
    with _raw(db_path) as conn:
        assert all(TOKEN_TEXT not in p for (p,) in conn.execute("SELECT payload FROM outbox"))
    # nor in the file's bytes (freed space is zeroed: secure_delete; the -wal is gone after the last close)
    leftovers = [f for f in db_path.parent.iterdir() if f.is_file() and TOKEN_TEXT.encode() in f.read_bytes()]
    assert leftovers == []


def test_items_sent_by_an_older_version_lose_their_token_at_open(db_path: Path) -> None:
    with Store.open(db_path) as s:
        _queue_answer(s, "00000000-0000-4000-8000-000000000003")
    with _raw(db_path) as conn:      # as an older version left it: sent, token still there
        conn.execute("UPDATE outbox SET sent_at = '2026-12-01T10:00:00+00:00'")
    with Store.open(db_path) as s:
        (row,) = s.outbox_all()
        assert row["payload"]["student_token"] == "" and row["payload"]["join_code"] == "KTMPQA"
