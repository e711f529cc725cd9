"""The game's class client against the real class server (`class serve` in a subprocess on a free port of
127.0.0.1, in its own process group, stopped by the test): a headless student joins, plays and gets a
verified result; the outbox survives the server being down and then up (no loss, no duplicate); a level
text changed on the way is refused; and a whole lesson: two headless students, verified results and quiz
answers in the dashboard, CSVs downloaded, learning gain shown."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from game.cli import main
from game.netclient.api import ClassError
from game.netclient.classrun import ClassRun
from game.netclient.outbox import ClassSync
from game.rules.prepost import load_bank
from game.rules.replay import replay
from game.store import Store

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


class Server:
    """`endplate class serve --json` as a subprocess; `stop()` ends its process group."""

    def __init__(self, db: Path, data: Path, port: int = 0) -> None:
        env = {**os.environ, "ENDPLATE_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "main.py", "class", "serve", "--port", str(port), "--json", "--workers", "1",
             "--db", f"sqlite:///{db}"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True)
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        if not first or not first[0].strip():
            self.stop()
            raise RuntimeError(f"class serve did not start: {self.proc.stderr.read()[:2000] if self.proc.stderr else ''}")
        info = json.loads(first[0])
        self.url: str = info["url"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.teacher = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {info['teacher_token']}"},
                                    timeout=30.0, trust_env=False)

    def create_session(self, levels: list[str], quiz_mode: str, title: str = "Lesson") -> tuple[int, str]:
        r = self.teacher.post("/api/sessions", json={"title": title, "levels": levels, "seed": 3,
                                                     "quiz_mode": quiz_mode})
        assert r.status_code == 200, r.text
        return r.json()["id"], r.json()["join_code"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
            except ProcessLookupError:
                pass
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
        if hasattr(self, "teacher"):
            self.teacher.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the tests that do not stop it (each makes its own session)."""
    tmp = tmp_path_factory.mktemp("class-server")
    s = Server(tmp / "class.sqlite3", tmp / "server-data")
    yield s
    s.stop()


@pytest.fixture
def student_data(tmp_path, monkeypatch):
    data = tmp_path / "student-data"
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(data))
    return data


def test_headless_student_joins_plays_and_gets_a_verified_result(server, student_data, capsys):
    sid, code = server.create_session(["healthy-junction"], "after-level")
    rc = main(["play", "--class", server.url, "--code", code, "--nickname", "Ana", "--headless", "--seconds", "1.5",
               "--fire", "single", "--quiz", "level:right"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "healthy-junction:" in out and ", verified" in out and "0 waiting" in out
    results = server.teacher.get(f"/api/sessions/{sid}/results").json()
    [ana] = results["students"]
    [attempt] = ana["attempts"]
    assert ana["nickname"] == "Ana" and attempt["verified"] is True and attempt["reason"] == ""
    assert attempt["score"] == attempt["claimed_score"]
    board = server.teacher.get(f"/api/sessions/{sid}/dashboard").json()
    assert board["counts"]["answers"] == 4 and board["counts"]["verified"] == 1      # the level's 4 questions
    with Store.open(student_data) as store:
        assert store.outbox_counts() == {"queued": 0, "sent": 5, "refused": 0}


def test_wrong_code_and_missing_options_exit_2(server, student_data, capsys):
    assert main(["play", "--class", server.url, "--code", "AAAAAA", "--nickname", "Ana", "--headless"]) == 2
    assert "join_code" in capsys.readouterr().err
    assert main(["play", "--class", server.url, "--headless"]) == 2
    assert "--code" in capsys.readouterr().err
    assert main(["play", "--headless"]) == 2
    assert "LEVEL" in capsys.readouterr().err


class Tamper(httpx.HTTPTransport):
    """Between the server and the game, someone changes a level text but not its announced SHA-256."""

    def handle_request(self, request):
        resp = super().handle_request(request)
        if request.url.path != "/api/join":
            return resp
        data = json.loads(resp.read())
        data["session"]["levels"][0]["toml"] = data["session"]["levels"][0]["toml"].replace("180.0", "1800.0")
        return httpx.Response(resp.status_code, json=data)


def test_a_level_text_changed_on_the_way_is_refused(server):
    _, code = server.create_session(["healthy-junction"], "off")
    with pytest.raises(ClassError, match="does not match the SHA-256"):
        ClassRun.join(server.url, code, "Bo", transport=Tamper())
    assert ClassRun.join(server.url, code, "Cy").levels[0].id == "healthy-junction"


class Gate:
    """A door on its own port of 127.0.0.1 in front of the class server: while shut, nothing listens there
    (connections are refused, as with a server that is down); while open, bytes pass both ways."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener: socket.socket | None = None
        self.conns: list[socket.socket] = []
        self.port = 0
        self.open()

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self.listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(100_000):                     # bounded: about 3 hours of 0.1 s waits
            if self.listener is not sock:
                return
            try:
                client, _ = sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=30)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def shut(self) -> None:
        sock, self.listener = self.listener, None
        if sock is not None:
            sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self.conns.clear()


def test_outbox_survives_the_server_going_down_and_coming_back(server, student_data):
    gate = Gate(server.port)
    url = f"http://127.0.0.1:{gate.port}"
    try:
        sid, code = server.create_session(["healthy-junction"], "after-level")
        run = ClassRun.join(url, code, "Dee")
        gate.shut()                                               # the server is gone before anything is sent
        with Store.open(student_data) as store:
            lv = run.levels[0]
            moves = [{"t_s": 0.5, "kind": "fire", "value": None}]
            uid = run.queue_attempt(store, lv, moves, replay(lv.level, run.seed, moves))
            run.queue_answer(store, "level", 0, [0, 1, 2], lv.id)
            status = ClassSync(store).flush(timeout_s=20)
            assert status.queued == 2 and status.sent == 0 and "cannot reach" in status.last_error
        gate.open()                                               # back, at the same address
        with Store.open(student_data) as store:                   # a new run of the game
            sync = ClassSync(store)
            status = sync.flush(timeout_s=30)
            assert (status.queued, status.sent) == (0, 2), status
            assert sync.replies[uid]["verified"] is True
            body = store.outbox_all()[0]["payload"]["body"]
        with run.client() as client:                              # a resend (reply lost) is stored once
            assert client.send_attempt(body).duplicate is True
        [dee] = server.teacher.get(f"/api/sessions/{sid}/results").json()["students"]
        assert [a["level_id"] for a in dee["attempts"]] == ["healthy-junction"]
        assert server.teacher.get(f"/api/sessions/{sid}/dashboard").json()["counts"]["answers"] == 1
    finally:
        gate.shut()


def test_results_file_from_a_computer_without_network_is_imported_once(server, student_data, tmp_path):
    """Joined, then the network went: the results file goes to the teacher's import (verified like a sent
    attempt); when the network comes back the same results are sent and still counted once."""
    from game.netclient.classrun import save_results_files

    gate = Gate(server.port)
    try:
        sid, code = server.create_session(["healthy-junction"], "after-level")
        run = ClassRun.join(f"http://127.0.0.1:{gate.port}", code, "Fay")
        gate.shut()
        with Store.open(student_data) as store:
            lv = run.levels[0]
            moves = [{"t_s": 0.5, "kind": "fire", "value": None}, {"t_s": 2.0, "kind": "fire", "value": None}]
            run.queue_attempt(store, lv, moves, replay(lv.level, run.seed, moves))
            run.queue_answer(store, "level", 1, 0, lv.id)
            assert ClassSync(store).flush(timeout_s=20).queued == 2
            [path] = save_results_files(store, tmp_path / "exports")
        r = server.teacher.post("/api/import", files={"file": (path.name, path.read_bytes(), "application/json")})
        assert r.status_code == 200, r.text
        [fay] = server.teacher.get(f"/api/sessions/{sid}/results").json()["students"]
        assert [(a["level_id"], a["verified"]) for a in fay["attempts"]] == [("healthy-junction", True)]
        gate.open()
        with Store.open(student_data) as store:
            status = ClassSync(store).flush(timeout_s=30)
            assert (status.queued, status.sent, status.refused) == (0, 2, 0)
        [fay] = server.teacher.get(f"/api/sessions/{sid}/results").json()["students"]
        assert len(fay["attempts"]) == 1
        assert server.teacher.get(f"/api/sessions/{sid}/dashboard").json()["counts"]["answers"] == 1
    finally:
        gate.shut()


def test_a_lesson_end_to_end(server, tmp_path, monkeypatch, capsys):
    """Server, two headless students with pre and post quizzes, verified results and quiz answers in the
    dashboard, the CSVs, and the learning gain."""
    sid, code = server.create_session(["healthy-junction", "vesicle-pool"], "pre-post", title="NMJ lesson")
    for nick, quiz in (("Ana", "pre:wrong,post:right"), ("Ben", "pre:wrong,post:wrong")):
        monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / f"data-{nick}"))     # two computers
        rc = main(["play", "--class", server.url, "--code", code, "--nickname", nick, "--headless",
                   "--seconds", "0.5", "--fire", "single", "--quiz", quiz])
        out = capsys.readouterr().out
        assert rc == 0 and "0 waiting" in out, out
    board = server.teacher.get(f"/api/sessions/{sid}/dashboard").json()
    assert sorted(s["nickname"] for s in board["students"]) == ["Ana", "Ben"]
    assert board["counts"]["attempts"] == 4 and board["counts"]["verified"] == 4
    n_items = len(load_bank().items)
    assert board["counts"]["answers"] == 4 * n_items                 # pre and post, two students
    asked = {(row["phase"], row["question"]): row for row in board["items"]}
    for item in load_bank().items:                                    # item analysis: pre all wrong, post half
        assert asked[("pre", item.id)]["share_right"] == 0.0 and asked[("post", item.id)]["share_right"] == 0.5
    gains = board["gains"]                                            # Ana learnt everything, Ben nothing
    students = {st["nickname"]: st["objectives"]["all"] for st in gains["students"]}
    assert students["Ana"] == {"pre": 0.0, "post": 100.0, "g": 1.0}
    assert students["Ben"]["g"] == 0.0
    assert gains["class"]["all"]["g"] == pytest.approx(0.5)
    results_csv = server.teacher.get(f"/api/sessions/{sid}/results.csv")
    items_csv = server.teacher.get(f"/api/sessions/{sid}/items.csv")
    gains_csv = server.teacher.get(f"/api/sessions/{sid}/gains.csv")
    svg = server.teacher.get(f"/api/sessions/{sid}/gains.svg")
    for r in (results_csv, items_csv, gains_csv, svg):
        assert r.status_code == 200
    assert "Ana" in results_csv.text and "Ben" in results_csv.text and "vesicle-pool" in results_csv.text
    assert "<svg" in svg.text
    assert "Ana" in gains_csv.text and len(items_csv.text.splitlines()) > n_items


def _tiny_level_text() -> str:
    """A 1-model-second level (the lab bench level, shortened, with one small task and the lab's quiz)."""
    text = (ROOT / "levels" / "lab.toml").read_text(encoding="utf-8")
    text = text.replace('id = "lab"', 'id = "tiny"').replace("order = 0", "order = 1")
    text = text.replace("duration_model_s = 14400.0", "duration_model_s = 1.0")
    return text + '\n[[demand]]\nname = "Lift"\nkind = "lift"\nstart_s = 0.2\nduration_s = 0.5\nforce_fraction = 0.05\n'


def test_the_game_joins_plays_and_shows_the_verified_result(server, student_data, monkeypatch):
    """Through the screens: Join a class, the class screen, a level to its end, the quiz, back; the sync
    status turns to sent and the level shows the server's verified result."""
    import time

    import pygame

    from game.app.app import App
    from game.app.context import AppContext
    from game.app.router import make
    from game.app.scenes import play
    from game.view.input import key_event

    monkeypatch.setattr(play, "END_DELAY_S", 0.2)          # the final state stays on screen only briefly

    r = server.teacher.post("/api/levels", files={"file": ("tiny.toml", _tiny_level_text().encode(), "text/plain")})
    assert r.status_code == 200, r.text
    sid, code = server.create_session(["tiny"], "after-level")

    def frames(app, n, posts=None, until=None, pause_s=0.0):
        for i in range(n):
            for ev in (posts or {}).get(i, []):
                pygame.event.post(ev)
            app.frame(1 / 60)
            if until is not None and until(app):
                return True
            if pause_s:
                time.sleep(pause_s)
        return until is None

    def tap(name):
        return [key_event(name, True), key_event(name, False)]

    def typed(text):
        return [pygame.event.Event(pygame.TEXTINPUT, text=text)]

    pygame.init()
    ctx = AppContext.create(headless=True, store=Store.open(student_data), audio=False)
    app = App(ctx, make("join", ctx))
    try:
        frames(app, 8, {0: typed(server.url), 1: tap("down"), 2: typed(code), 3: tap("down"), 4: typed("Eve"),
                        5: tap("down"), 6: tap("return")})
        assert frames(app, 1000, until=lambda a: a.top.name == "class", pause_s=0.01), app.top.form.message
        run = ctx.class_run
        assert run.nickname == "Eve" and [lv.id for lv in run.levels] == ["tiny"]
        frames(app, 3, {0: tap("return")})                  # the first level -> its briefing
        assert app.top.name == "briefing"
        frames(app, 3, {0: tap("return")})
        assert app.top.name == "play" and app.top.class_level is run.levels[0]
        assert frames(app, 600, until=lambda a: a.top.name == "debrief")        # 1 s of play
        assert ctx.store.outbox_counts()["queued"] + ctx.store.outbox_counts()["sent"] == 1
        frames(app, 3, {0: tap("return")})                  # Take the quiz
        assert app.top.name == "quiz"
        frames(app, 3, {0: tap("return")})                  # check the first question (an answer is sent)
        frames(app, 3, {0: tap("escape")})                  # leave the quiz, then the debrief
        frames(app, 3, {0: tap("escape")})
        assert app.top.name == "class"
        assert frames(app, 2000, until=lambda a: ctx.class_sync.status.sent == 2, pause_s=0.01), ctx.class_sync.status
        frames(app, 2)
        level_item = next(it for it in app.top.form.items if it.label.startswith("1."))
        assert "verified" in level_item.detail and "not verified" not in level_item.detail
    finally:
        app.close()
        ctx.close()
        pygame.quit()
    [eve] = server.teacher.get(f"/api/sessions/{sid}/results").json()["students"]
    assert [(a["level_id"], a["verified"]) for a in eve["attempts"]] == [("tiny", True)]
    assert server.teacher.get(f"/api/sessions/{sid}/dashboard").json()["counts"]["answers"] == 1
