"""`class bench`: a load benchmark of the class server (not a test; figures for docs/classroom.md).

Starts a real `class serve` on a free port of 127.0.0.1 (its own process, a temporary SQLite file unless
--db is given), then N simulated students join at once and each sends M attempts one after another (half
of them winning replays of level 1, half empty ones), plus one resend of an attempt already sent, as an
outbox does after a lost answer. Reports attempts lost (sent but not stored), duplicates (stored twice),
request latency p50/p99 and verified replays per second. Every wait is bounded.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

LEVEL = "healthy-junction"
WIN = [
    {"t_s": 29.0, "kind": "train_start", "value": 12.0}, {"t_s": 31.5, "kind": "set_frequency", "value": 10.0},
    {"t_s": 40.0, "kind": "rest", "value": None}, {"t_s": 59.0, "kind": "train_start", "value": 13.0},
    {"t_s": 80.0, "kind": "rest", "value": None}, {"t_s": 99.0, "kind": "train_start", "value": 22.0},
    {"t_s": 101.5, "kind": "set_frequency", "value": 25.0}, {"t_s": 110.0, "kind": "rest", "value": None},
    {"t_s": 134.0, "kind": "train_start", "value": 18.0}, {"t_s": 165.0, "kind": "rest", "value": None},
]
TOTAL_LIMIT_S = 1800.0
REQUEST_LIMIT_S = 600.0


def _start(db_url: str) -> tuple[subprocess.Popen, dict]:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(root / "main.py"), "class", "serve", "--json", "--port", "0",
                             "--db", db_url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=root, env=env, start_new_session=True)
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = ""
    deadline = time.monotonic() + 180
    while not line and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=1.0):
            line = proc.stdout.readline()
    sel.close()
    if not line:
        _stop(proc)
        raise RuntimeError("the server did not start")
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


async def _run(url: str, token: str, students: int, attempts: int) -> dict:
    import httpx

    from game.sim.version import MODEL_VERSION

    teacher = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    sent: list[str] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=students + 5, max_keepalive_connections=students + 5)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_LIMIT_S, limits=limits) as http:
        for _ in range(240):
            try:
                if (await http.get("/api/health")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
        s = (await http.post("/api/sessions", headers=teacher,
                             json={"title": "bench", "levels": [LEVEL], "seed": 1, "quiz_mode": "off"})).json()

        async def timed(method: str, path: str, **kw):
            t = time.perf_counter()
            r = await http.request(method, path, **kw)
            latencies.append(time.perf_counter() - t)
            return r

        async def student(i: int) -> None:
            r = await timed("POST", "/api/join", json={"join_code": s["join_code"], "nickname": f"student {i:02d}"})
            if r.status_code != 200:
                errors.append(f"join {i}: {r.status_code} {r.text[:100]}")
                return
            joined = r.json()
            me = {"Authorization": f"Bearer {joined['student_token']}"}
            lv = joined["session"]["levels"][0]
            first = None
            for k in range(attempts):
                win = (i + k) % 2 == 0
                body = {"uuid": str(uuid.uuid4()), "level_id": lv["id"], "level_sha256": lv["sha256"], "seed": 1,
                        "model_version": MODEL_VERSION, "moves": WIN if win else [],
                        "claimed": {"score": 100.0, "stars": 3, "won": True} if win else
                                   {"score": 0.0, "stars": 0, "won": False}, "time_s": 180.0}
                first = first or body
                sent.append(body["uuid"])
                r = await timed("POST", "/api/attempts", headers=me, json=body)
                if r.status_code != 200:
                    errors.append(f"attempt {i}/{k}: {r.status_code} {r.text[:100]}")
            if first is not None:   # the outbox resends one it never heard back about
                r = await timed("POST", "/api/attempts", headers=me, json=first)
                if r.status_code != 200 or not r.json().get("duplicate"):
                    errors.append(f"resend {i}: {r.status_code} {r.text[:100]}")

        teacher_lat: list[float] = []
        done = asyncio.Event()

        async def teacher_watch() -> None:
            """The teacher's dashboard reloads once a second during the load: does it stay quick?"""
            while not done.is_set():
                t = time.perf_counter()
                r = await http.get(f"/api/sessions/{s['id']}/dashboard", headers=teacher)
                if r.status_code == 200:
                    teacher_lat.append(time.perf_counter() - t)
                try:
                    await asyncio.wait_for(done.wait(), timeout=1.0)
                except TimeoutError:
                    pass

        watcher = asyncio.create_task(teacher_watch())
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.gather(*(student(i) for i in range(students))), timeout=TOTAL_LIMIT_S)
        finally:
            wall = time.perf_counter() - t0
            done.set()
            await asyncio.wait_for(watcher, timeout=REQUEST_LIMIT_S)
        res = (await http.get(f"/api/sessions/{s['id']}/results", headers=teacher)).json()
    stored = [a["uuid"] for st in res["students"] for a in st["attempts"]]
    verified = sum(1 for st in res["students"] for a in st["attempts"] if a["verified"])
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] if lat else float("nan")  # noqa: E731
    return {
        "students": students, "attempts_per_student": attempts, "attempts_sent": len(sent),
        "attempts_stored": len(stored), "attempts_lost": len(set(sent) - set(stored)),
        "duplicates": len(stored) - len(set(stored)), "verified": verified,
        "requests": len(lat), "latency_p50_s": round(p(0.50), 3), "latency_p99_s": round(p(0.99), 3),
        "latency_mean_s": round(statistics.fmean(lat), 3) if lat else None,
        "wall_s": round(wall, 1), "verified_replays_per_s": round(verified / wall, 2) if wall else None,
        "dashboard_p50_s": round(sorted(teacher_lat)[len(teacher_lat) // 2], 3) if teacher_lat else None,
        "dashboard_max_s": round(max(teacher_lat), 3) if teacher_lat else None,
        "cpus": os.cpu_count(), "errors": errors[:10],
    }


def run_bench(args) -> int:
    tmp = None
    db_url = args.db
    if db_url is None:
        tmp = tempfile.TemporaryDirectory(prefix="endplate-bench-")
        db_url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    proc, info = _start(db_url)
    try:
        result = asyncio.run(_run(info["url"], info["teacher_token"], args.students, args.attempts))
    finally:
        _stop(proc)
        if tmp is not None:
            tmp.cleanup()
    result["database"] = db_url.split(":", 1)[0]
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['students']} students x {result['attempts_per_student']} attempts on {result['database']} "
              f"({result['cpus']} CPUs), {result['wall_s']} s")
        print(f"attempts sent {result['attempts_sent']}, stored {result['attempts_stored']}, lost "
              f"{result['attempts_lost']}, duplicates {result['duplicates']}, verified {result['verified']}")
        print(f"request latency p50 {result['latency_p50_s']} s, p99 {result['latency_p99_s']} s "
              f"({result['requests']} requests); verified replays {result['verified_replays_per_s']}/s")
        print(f"teacher dashboard during the load: p50 {result['dashboard_p50_s']} s, max {result['dashboard_max_s']} s")
        for e in result["errors"]:
            print(f"error: {e}")
    return 0 if result["attempts_lost"] == 0 and result["duplicates"] == 0 and not result["errors"] else 1
