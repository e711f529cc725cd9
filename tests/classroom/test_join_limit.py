"""The join rate limit lives in the database (class_join_tries, migration 0003): server instances on one
database share one budget per address, a restarted server keeps a lock-out, old tries are pruned, and tries
from several processes at the same moment cannot overrun the budget. On SQLite and PostgreSQL (db_url)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from class_helpers import LEVEL, TEACHER, TOKEN


class FakeClock:
    """Seconds since 1970 that a test moves by hand."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def apps(db_url):
    """apps(**create_app options) -> a TestClient on a new engine over the same database (a server process
    of its own, as far as the database can tell); closed at the end."""
    from fastapi.testclient import TestClient

    from game.classroom.app import create_app
    from game.classroom.db import open_database

    opened = []

    def make(limiter_options: dict | None = None, **options):
        from game.classroom.joinlimit import JoinLimiter

        engine = open_database(db_url)
        options.setdefault("workers", 0)
        if limiter_options is not None:
            options["join_limiter"] = JoinLimiter(engine, **limiter_options)
        client = TestClient(create_app(engine, TOKEN, **options))
        client.__enter__()
        opened.append((client, engine))
        return client

    def close(client) -> None:
        for i, (c, engine) in enumerate(opened):
            if c is client:
                c.__exit__(None, None, None)
                engine.dispose()
                del opened[i]
                return

    make.close = close
    yield make
    for client, engine in opened:
        client.__exit__(None, None, None)
        engine.dispose()


def _session(client) -> dict:
    r = client.post("/api/sessions", headers=TEACHER, json={"title": "Limits", "levels": [LEVEL], "seed": 1})
    assert r.status_code == 200, r.text
    return r.json()


def _join(client, code: str, nickname: str):
    return client.post("/api/join", json={"join_code": code, "nickname": nickname})


def _refused(r) -> None:
    assert r.status_code == 429, r.text
    detail = r.json()["detail"]
    assert detail.startswith("join: too many tries from this computer; wait ") and detail.endswith(" s")
    assert int(r.headers["Retry-After"]) >= 1


def _rows(db_url: str) -> list[tuple[bool, float]]:
    from game.classroom.db import JoinTry, make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(JoinTry.wrong, JoinTry.at).order_by(JoinTry.id))]
    finally:
        engine.dispose()


def test_two_servers_on_one_database_share_one_join_budget(apps):
    a = apps(join_per_minute=3)
    b = apps(join_per_minute=3)
    s = _session(a)
    code = s["join_code"]
    assert _join(a, code, "Ana").status_code == 200
    assert _join(b, code, "Ben").status_code == 200
    assert _join(a, code, "Cy").status_code == 200
    # three tries from this address in the last minute, through two servers: both refuse the fourth
    _refused(_join(b, code, "Dee"))
    _refused(_join(a, code, "Dee"))
    students = a.get(f"/api/sessions/{s['id']}/results", headers=TEACHER).json()["students"]
    assert sorted(st["nickname"] for st in students) == ["Ana", "Ben", "Cy"]


def test_a_restarted_server_keeps_the_lock_out_until_the_wrong_codes_are_old(apps, db_url):
    clock = FakeClock()
    limits = {"max_wrong": 3, "wrong_window_s": 600.0, "clock": clock}
    first = apps(limits)
    code = _session(first)["join_code"]
    for _ in range(3):
        r = _join(first, "XXXXXX", "Eve")
        assert r.status_code == 404 and r.json()["detail"].startswith("join_code")
        clock.t += 10.0
    _refused(_join(first, code, "Eve"))            # locked out, even with the right code
    apps.close(first)                               # the server stops ...

    again = apps(limits)                            # ... and starts again on the same database
    r = _join(again, code, "Eve")
    _refused(r)
    assert 560 <= float(r.json()["detail"].split("wait ")[1].rstrip(" s")) <= 571   # the oldest wrong code ages out
    clock.t += 571.0                                # the first wrong code is now over ten minutes old
    assert _join(again, code, "Eve").status_code == 200
    assert [w for w, _ in _rows(db_url)].count(True) == 2   # the two newer wrong codes still count


def test_old_tries_are_pruned_and_refused_tries_are_not_kept(db_url):
    from game.classroom.db import open_database
    from game.classroom.joinlimit import PRUNE_EVERY_S, JoinLimiter

    clock = FakeClock()
    engine = open_database(db_url)
    try:
        lim = JoinLimiter(engine, per_minute=2, max_wrong=5, wrong_window_s=600.0, clock=clock)
        assert lim.check("10.0.0.1") is None and lim.check("10.0.0.1") is None
        assert lim.check("10.0.0.1") == pytest.approx(60.0)           # refused: its row is taken back
        assert lim.wrong_code("10.0.0.1") == 0.25
        assert lim.check("10.0.0.2") is None
        assert len(_rows(db_url)) == 4                                 # 3 tries + 1 wrong code
        assert all(len(addr) == 64 and "10.0" not in addr for addr in _addresses(engine))   # hashes only
        clock.t += 60.0
        assert lim.prune() == 3                                        # the plain tries are a minute old
        assert _rows(db_url) == [(True, clock.t - 60.0)]
        clock.t += 540.0
        assert lim.prune() == 1 and _rows(db_url) == []                # the wrong code is ten minutes old
        # joins prune by themselves, at most every PRUNE_EVERY_S in each process
        for i in range(5):
            lim.check(f"10.0.1.{i}")
        clock.t += max(PRUNE_EVERY_S, 60.0) + 1
        assert lim.check("10.0.2.1") is None
        assert len(_rows(db_url)) == 1
    finally:
        engine.dispose()


def _addresses(engine) -> list[str]:
    from game.classroom.db import JoinTry

    with engine.connect() as conn:
        return list(conn.execute(select(JoinTry.address)).scalars())


def test_tries_at_the_same_moment_from_two_processes_cannot_overrun_the_budget(db_url):
    """Two engines (as two server processes) and eight threads ask at once: exactly the budget gets through."""
    from game.classroom.db import JoinTry, open_database
    from game.classroom.joinlimit import JoinLimiter

    engines = [open_database(db_url), open_database(db_url)]
    try:
        limiters = [JoinLimiter(e, per_minute=12) for e in engines]
        allowed: list[int] = []
        start = threading.Barrier(8)

        def hammer(lim: JoinLimiter) -> None:
            start.wait(timeout=30)
            for _ in range(10):
                if lim.check("192.0.2.7") is None:
                    allowed.append(1)

        threads = [threading.Thread(target=hammer, args=(limiters[i % 2],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert len(allowed) == 12
        with engines[0].connect() as conn:
            assert conn.execute(select(func.count()).select_from(JoinTry)).scalar_one() == 12
    finally:
        for e in engines:
            e.dispose()


def test_migration_0003_makes_an_indexed_table(db_url):
    from sqlalchemy import inspect

    from game.classroom.db import open_database

    engine = open_database(db_url)
    try:
        insp = inspect(engine)
        assert {c["name"] for c in insp.get_columns("class_join_tries")} == {"id", "address", "wrong", "at"}
        indexed = {tuple(ix["column_names"]) for ix in insp.get_indexes("class_join_tries")}
        assert ("address", "wrong", "at") in indexed and ("at",) in indexed
    finally:
        engine.dispose()


def test_a_refusal_is_answered_from_memory_until_it_ends_then_the_database_decides(db_url):
    from sqlalchemy import delete

    from game.classroom.db import JoinTry, open_database
    from game.classroom.joinlimit import JoinLimiter

    clock = FakeClock()
    engine = open_database(db_url)
    try:
        lim = JoinLimiter(engine, per_minute=1, clock=clock)
        other = JoinLimiter(engine, per_minute=1, clock=clock)          # another process on the database
        assert lim.check("198.51.100.4") is None
        clock.t += 20.0
        assert lim.check("198.51.100.4") == pytest.approx(40.0)
        assert other.check("198.51.100.4") == pytest.approx(40.0)       # the other process counts the same try
        with engine.begin() as conn:                                     # (only by hand can tries vanish)
            conn.execute(delete(JoinTry))
        clock.t += 10.0
        assert lim.check("198.51.100.4") == pytest.approx(30.0)         # remembered: no database needed
        assert other.check("198.51.100.4") == pytest.approx(30.0)
        clock.t += 30.0
        assert lim.check("198.51.100.4") is None                        # the refusal ended: the database says yes
        assert other.check("198.51.100.4") == pytest.approx(60.0)       # ... and counted that try for everyone
    finally:
        engine.dispose()
