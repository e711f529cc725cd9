"""A real `class serve` process on a free 127.0.0.1 port: a lesson end to end with two students (replays
verified in the server's process pool), live events, the command line's refusals, Ctrl+C, `class import`."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid

import httpx

from class_helpers import LEVEL, ROOT, WINNING_MOVES, attempt, start_server


def _env() -> dict:
    return dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")


def test_lesson_end_to_end_on_a_real_server(real_server):
    url = real_server.url
    teacher = {"Authorization": f"Bearer {real_server.token}"}
    with httpx.Client(base_url=url, timeout=60.0) as http:
        s = http.post("/api/sessions", headers=teacher, json={"title": "Lesson", "levels": [LEVEL], "seed": 1,
                                                             "quiz_mode": "pre-post"}).json()
        students = {}
        for name in ("Ana", "Ben"):
            r = http.post("/api/join", json={"join_code": s["join_code"], "nickname": name})
            assert r.status_code == 200, r.text
            students[name] = r.json()
        items = http.get("/api/prepost", headers={"Authorization": f"Bearer {students['Ana']['student_token']}"}).json()
        assert len(items["items"]) >= 12 and all("answer_index" not in it for it in items["items"])
        # the live stream announces changes
        with http.stream("GET", f"/api/sessions/{s['id']}/events", headers=teacher, timeout=30.0) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith("event: update")
        for name, moves, pre, post in (("Ana", WINNING_MOVES, 0, 2), ("Ben", [], 0, 0)):
            me = {"Authorization": f"Bearer {students[name]['student_token']}"}
            lv = students[name]["session"]["levels"][0]
            for phase, answer in (("pre", pre), ("post", post)):
                r = http.post("/api/answers", headers=me, json={"uuid": str(uuid.uuid4()), "phase": phase,
                                                                "question_id": "s-ache-role", "answer": answer})
                assert r.status_code == 200, r.text
            claimed = {"score": 100.0, "stars": 3, "won": True} if moves else {"score": 0.0, "stars": 0, "won": False}
            r = http.post("/api/attempts", headers=me, json=attempt(lv, 1, moves, claimed))
            assert r.status_code == 200 and r.json()["verified"] is True, r.text
        res = http.get(f"/api/sessions/{s['id']}/results", headers=teacher).json()
        got = {st["nickname"]: st["attempts"][0] for st in res["students"]}
        assert got["Ana"]["stars"] == 3 and got["Ana"]["verified"] and got["Ben"]["stars"] == 0 and got["Ben"]["verified"]
        d = http.get(f"/api/sessions/{s['id']}/dashboard", headers=teacher).json()
        assert d["gains"]["class"]["nmj-structures"] == {**d["gains"]["class"]["nmj-structures"], "pre": 0.0, "post": 50.0,
                                                         "g": 0.5, "matched": 2}
        rows = list(csv.DictReader(io.StringIO(http.get(f"/api/sessions/{s['id']}/results.csv", headers=teacher)
                                               .content.decode("utf-8-sig"))))
        assert sorted(r["nickname"] for r in rows) == ["Ana", "Ben"]
        # attempt replays are checked in worker processes: the server process has children
        assert real_server.proc.poll() is None


def test_busy_port_and_bad_database_are_refused(real_server, capsys):
    port = real_server.url.rsplit(":", 1)[1]
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "class", "serve", "--port", port, "--db",
                        real_server.db_url], capture_output=True, text=True, timeout=120, cwd=ROOT, env=_env())
    assert r.returncode == 2 and "busy" in r.stderr and "Traceback" not in r.stderr
    from game.cli import main
    assert main(["class", "serve", "--port", "0", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("class serve: --db: cannot open") and "Traceback" not in err


def test_class_import_command(tmp_path, real_server):
    teacher = {"Authorization": f"Bearer {real_server.token}"}
    with httpx.Client(base_url=real_server.url, timeout=60.0) as http:
        s = http.post("/api/sessions", headers=teacher, json={"title": "Offline", "levels": [LEVEL], "seed": 1}).json()
        lv = next(x for x in http.get("/api/levels", headers=teacher).json()["levels"] if x["id"] == LEVEL)
        joined = http.post("/api/join", json={"join_code": s["join_code"], "nickname": "Sam"}).json()
    level = joined["session"]["levels"][0]
    assert lv["title"] == level["title"]
    file = tmp_path / "sam.json"
    file.write_text(json.dumps({"endplate_results": 1, "join_code": s["join_code"], "nickname": "Sam",
                                "attempts": [attempt(level, 1, WINNING_MOVES)], "answers": []}))
    bad = tmp_path / "bad.json"
    bad.write_text('{"endplate_results": 1, "join_code": "??", "nickname": "x"}')
    cmd = [sys.executable, str(ROOT / "main.py"), "class", "import", "--db", real_server.db_url]
    r = subprocess.run(cmd + [str(file), str(bad), str(tmp_path / "missing.json")], capture_output=True, text=True,
                       timeout=180, cwd=ROOT, env=_env())
    assert r.returncode == 2 and "bad.json: join_code" in r.stderr and "missing.json: cannot read" in r.stderr
    assert "Traceback" not in r.stderr
    assert "1 attempts (1 verified)" in r.stdout, r.stdout
    from game.classroom.cli import import_files
    out = io.StringIO()
    assert import_files([str(file)], real_server.db_url, out=out) == 0
    assert "already there: 1 attempts" in out.getvalue()
    with httpx.Client(base_url=real_server.url, timeout=60.0) as http:
        res = http.get(f"/api/sessions/{s['id']}/results", headers=teacher).json()
    assert [len(st["attempts"]) for st in res["students"]] == [1]


def test_resends_while_the_first_is_still_verified_are_stored_once(real_server):
    """An outbox that times out and sends again while the server is still replaying: one row, same answer."""
    import asyncio

    teacher = {"Authorization": f"Bearer {real_server.token}"}

    async def go():
        async with httpx.AsyncClient(base_url=real_server.url, timeout=120.0) as http:
            s = (await http.post("/api/sessions", headers=teacher, json={"title": "Resend", "levels": [LEVEL]})).json()
            joined = (await http.post("/api/join", json={"join_code": s["join_code"], "nickname": "Uma"})).json()
            me = {"Authorization": f"Bearer {joined['student_token']}"}
            body = attempt(joined["session"]["levels"][0], 1, WINNING_MOVES)
            replies = await asyncio.gather(*(http.post("/api/attempts", headers=me, json=body) for _ in range(4)))
            res = (await http.get(f"/api/sessions/{s['id']}/results", headers=teacher)).json()
            return [r.json() for r in replies], res

    replies, res = asyncio.run(go())
    assert all(r["verified"] and r["stars"] == 3 for r in replies)
    assert sorted(r["duplicate"] for r in replies) == [False, True, True, True]
    assert len(res["students"][0]["attempts"]) == 1


def test_ctrl_c_stops_the_server_cleanly(real_server):
    """Runs last in this file: the module's server gets SIGINT (as from Ctrl+C) and must exit 0, quietly."""
    assert real_server.stop() == 0
    err = real_server.proc.stderr.read()
    assert "Traceback" not in err and "stopped" in err
