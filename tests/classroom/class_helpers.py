"""Shared values and helpers of the class server tests."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-teacher-token-0123456789"
LEVEL = "healthy-junction"
# Moves that win level 1 on seed 1 (the load benchmark sends the same; the replay checks them each time).
from game.classroom.bench import WIN as WINNING_MOVES  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attempt(level: dict, seed: int, moves: list, claimed: dict | None = None, **extra) -> dict:
    from game.sim.version import MODEL_VERSION

    body = {"uuid": str(uuid.uuid4()), "level_id": level["id"], "level_sha256": level["sha256"], "seed": seed,
            "model_version": MODEL_VERSION, "moves": moves,
            "claimed": claimed or {"score": 100.0, "stars": 3, "won": True}, "time_s": 185.0}
    body.update(extra)
    return body


TEACHER = {"Authorization": f"Bearer {TOKEN}"}


# --- a real server ---------------------------------------------------------------------------------------

class RealServer:
    def __init__(self, proc: subprocess.Popen, info: dict, db_url: str) -> None:
        self.proc, self.info, self.db_url = proc, info, db_url
        self.url = info["url"]
        self.token = info["teacher_token"]

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                return -9
        return self.proc.returncode


def start_server(db_url: str, *extra: str, workers: int = 2, wait_s: float = 120.0) -> RealServer:
    """`class serve --json` in its own process group on a free 127.0.0.1 port; waits for its first line."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "class", "serve", "--json", "--port", "0",
                             "--db", db_url, "--workers", str(workers), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + wait_s
    line = ""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=1.0):
            line = proc.stdout.readline()
            break
    sel.close()
    if not line:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"class serve did not start: {err[-800:]}")
    server = RealServer(proc, json.loads(line), db_url)
    import httpx

    for _ in range(240):   # the socket is bound before the line is printed; wait until the app answers
        try:
            if httpx.get(server.url + "/api/health", timeout=2.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.25)
    return server
