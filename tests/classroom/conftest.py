"""Class server test set-up: a database on SQLite and on a throwaway PostgreSQL 15 cluster, the app under a
test client, a real `class serve` process, and winning/losing moves for level 1.

PostgreSQL: initdb + pg_ctl from /usr/lib/postgresql/15/bin (as user postgres when the tests run as root),
on a free port of 127.0.0.1, stopped at the end. Without those binaries the PostgreSQL runs are skipped with
the reason (`.ci/run` installs the `postgresql` package).
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from class_helpers import TOKEN, free_port, start_server  # noqa: E402

PG_BIN = Path(os.environ.get("ENDPLATE_PG_BIN", "/usr/lib/postgresql/15/bin"))


# --- PostgreSQL ------------------------------------------------------------------------------------------

def pytest_configure(config):
    # Starlette's test client suggests a package we do not use; the client itself works as documented.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL 15 cluster of our own: yields the base URL (database left off)."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL 15 binaries not found in {PG_BIN} (install the Debian postgresql package; .ci/run does)")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root but there is no 'postgres' user to run initdb as")
    base = Path(tempfile.mkdtemp(prefix="endplate-pg-"))
    if os.geteuid() == 0:
        os.chown(base, pw.pw_uid, pw.pw_gid)
    data = base / "data"
    r = _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-sync", "--locale=C"])
    if r.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed: {r.stderr[-500:]}")
    port = free_port()
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200"
    r = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "-t", "60", "start"])
    if r.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {r.stderr[-300:]} {log[-500:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def _fresh_pg_database(base_url: str) -> tuple[str, str]:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}", name


def _drop_pg_database(base_url: str, name: str) -> None:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL: one SQLite file, or one new database on the throwaway cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'class.sqlite3'}"
        return
    base = request.getfixturevalue("pg_server")
    url, name = _fresh_pg_database(base)
    try:
        yield url
    finally:
        _drop_pg_database(base, name)


@pytest.fixture
def make_client(db_url):
    """make_client(**create_app options) -> a TestClient on a fresh app over `db_url` (replays in threads)."""
    from fastapi.testclient import TestClient

    from game.classroom.app import create_app
    from game.classroom.db import open_database

    opened = []

    def make(**options):
        engine = open_database(db_url)
        options.setdefault("workers", 0)
        client = TestClient(create_app(engine, TOKEN, **options))
        client.__enter__()
        opened.append((client, engine))
        return client

    yield make
    for client, engine in opened:
        client.__exit__(None, None, None)
        engine.dispose()


@pytest.fixture
def client(make_client):
    return make_client()



@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("classdb") / "class.sqlite3"
    server = start_server(f"sqlite:///{db}")
    yield server
    server.stop()
