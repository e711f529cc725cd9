"""Two `class serve` processes on one database (as behind a load balancer, or with several workers): a change
made through one reaches the live event stream of a dashboard connected to the other (the session's change
counter in the database, `class_sessions.changes`, read by every stream each second)."""
from __future__ import annotations

import time

import httpx
import pytest

from class_helpers import LEVEL, start_server


def _next_update(lines, deadline: float) -> str:
    while time.monotonic() < deadline:
        line = next(lines)
        if line.startswith("data:"):
            return line
    raise AssertionError("no update event before the deadline")


SHARED_TOKEN = "shared-teacher-token-for-two-servers"


def test_a_change_through_one_server_reaches_the_other_servers_dashboard(db_url, monkeypatch):
    """... and the join rate limit (counted in the database, class_join_tries) is one budget for both
    processes, which a server started afresh on the database still knows."""
    monkeypatch.setenv("ENDPLATE_TEACHER_TOKEN", SHARED_TOKEN)     # one teacher token for both processes
    budget = ("--join-per-minute", "3")
    a = start_server(db_url, *budget, workers=1)
    try:
        b = start_server(db_url, *budget, workers=1)
        try:
            with httpx.Client(base_url=a.url, timeout=30.0) as ha, httpx.Client(base_url=b.url, timeout=30.0) as hb:
                teacher_a = {"Authorization": f"Bearer {a.token}"}
                s = ha.post("/api/sessions", headers=teacher_a, json={"title": "Two servers", "levels": [LEVEL]}).json()
                with ha.stream("GET", f"/api/sessions/{s['id']}/events", headers=teacher_a, timeout=10.0) as stream:
                    lines = stream.iter_lines()
                    assert next(lines).startswith("event: update")
                    first = _next_update(lines, time.monotonic() + 10.0)
                    # a student joins through the OTHER server
                    first_try = time.monotonic()
                    r = hb.post("/api/join", json={"join_code": s["join_code"], "nickname": "Ada"})
                    assert r.status_code == 200, r.text
                    t0 = time.monotonic()
                    second = _next_update(lines, t0 + 10.0)
                    assert second != first and time.monotonic() - t0 < 5.0
                # and both servers' dashboard data have the student, with the one shared teacher token
                assert a.token == b.token == SHARED_TOKEN
                for h in (ha, hb):
                    d = h.get(f"/api/sessions/{s['id']}/results", headers=teacher_a).json()
                    assert [st["nickname"] for st in d["students"]] == ["Ada"]
                # three join tries a minute from this address, through either server: a fourth is refused by both
                for h, nick in ((ha, "Ben"), (hb, "Cy")):
                    r = h.post("/api/join", json={"join_code": s["join_code"], "nickname": nick})
                    assert r.status_code == 200, r.text
                for h in (ha, hb):
                    r = h.post("/api/join", json={"join_code": s["join_code"], "nickname": "Dee"})
                    assert r.status_code == 429 and r.json()["detail"].startswith("join: too many tries"), r.text
        finally:
            b.stop()
    finally:
        a.stop()
    c = start_server(db_url, *budget, workers=1)                    # a restart forgets nothing
    try:
        r = httpx.post(c.url + "/api/join", json={"join_code": s["join_code"], "nickname": "Dee"}, timeout=30.0)
        if time.monotonic() - first_try > 55.0:      # a very slow machine: the minute of the budget has passed
            pytest.skip("the restart took most of a minute; the tries it should remember are too old to judge")
        assert r.status_code == 429 and "wait" in r.json()["detail"], r.text
    finally:
        c.stop()


def test_a_malformed_shared_teacher_token_is_refused(monkeypatch, capsys):
    from game.cli import main

    monkeypatch.setenv("ENDPLATE_TEACHER_TOKEN", "short")
    assert main(["class", "serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("class serve: ENDPLATE_TEACHER_TOKEN: expected at least 22") and "Traceback" not in err

