"""The game's class client without a class server process: an in-memory stand-in speaks the API through
httpx.MockTransport (the real server is used in tests/test_class_client_server.py). Joining checks the
level texts and the model version; the outbox keeps everything while the server is down and sends each
item once when it is back; the results file is new, complete and in the server's format."""
from __future__ import annotations

import json
import os
import uuid as uuidlib

import httpx
import pytest

from game.classroom.models import AnswerIn, AttemptIn, ResultsFile
from game.levels import LEVELS_DIR, load_level
from game.netclient.api import ClassClient, ClassError, normalize_url
from game.netclient.classrun import ClassRun, save_results_files
from game.netclient.outbox import ClassSync
from game.netclient.scripted import level_answer, parse_spec, prepost_answer
from game.rules.debrief import check_answer
from game.rules.prepost import load_bank
from game.rules.replay import level_sha256, replay
from game.sim.version import MODEL_VERSION
from game.store import Store

LEVEL_TEXT = (LEVELS_DIR / "01-healthy-junction.toml").read_text(encoding="utf-8")
URL = "http://127.0.0.1:8750"


class FakeServer:
    """Just enough of the class API: one session, attempts and answers stored by uuid."""

    def __init__(self, *, level_text: str = LEVEL_TEXT, sha: str | None = None, model_version: str = MODEL_VERSION,
                 quiz_mode: str = "after-level") -> None:
        self.level_text = level_text
        self.sha = sha or level_sha256(level_text)
        self.model_version = model_version
        self.quiz_mode = quiz_mode
        self.down = False
        self.lose_reply = False          # store the item, then drop the connection before answering
        self.attempts: dict[str, dict] = {}
        self.answers: dict[str, dict] = {}
        self.posts = 0

    def session(self) -> dict:
        return {"id": 1, "title": "Lesson", "seed": 7, "quiz_mode": self.quiz_mode, "status": "open",
                "model_version": self.model_version,
                "levels": [{"id": "healthy-junction", "title": "Healthy", "sha256": self.sha, "toml": self.level_text}]}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        body = json.loads(request.content or b"null")
        if path == "/api/join":
            if body["join_code"] != "KTMPQA":
                return httpx.Response(404, json={"detail": "join_code: no open session with this code"})
            return httpx.Response(200, json={"student_token": "tok-" + "x" * 20, "nickname": body["nickname"],
                                             "session": self.session()})
        assert request.headers["authorization"] == "Bearer tok-" + "x" * 20
        if path == "/api/session":
            return httpx.Response(200, json={
                "nickname": "Ana", "session": self.session(),
                "leaderboard": [{"rank": 1, "nickname": "Ana", "stars": 0, "score": 0.0}],
                "attempts": [{"level_id": a["level_id"], "verified": True, "score": a["claimed"]["score"],
                              "stars": a["claimed"]["stars"], "won": a["claimed"]["won"], "reason": ""}
                             for a in self.attempts.values()],
                "answered": sorted({f"{a['phase']}:{a['question_id']}" if a["phase"] != "level" else
                                    f"level:{a['level_id']}#{a['question_id']}" for a in self.answers.values()})})
        if path == "/api/prepost":
            bank = load_bank()
            return httpx.Response(200, json={"objectives": dict(bank.objectives), "items": bank.public()})
        self.posts += 1
        if path == "/api/attempts":
            a = AttemptIn.model_validate(body)
            duplicate = str(a.uuid) in self.attempts
            self.attempts.setdefault(str(a.uuid), body)
            if self.lose_reply:
                raise httpx.ReadError("connection reset", request=request)
            return httpx.Response(200, json={"uuid": str(a.uuid), "verified": True, "score": a.claimed.score,
                                             "stars": a.claimed.stars, "won": a.claimed.won, "reason": "",
                                             "duplicate": duplicate})
        if path == "/api/answers":
            a = AnswerIn.model_validate(body)
            duplicate = str(a.uuid) in self.answers
            self.answers.setdefault(str(a.uuid), body)
            return httpx.Response(200, json={"uuid": str(a.uuid), "recorded": True, "duplicate": duplicate,
                                             "correct": None})
        return httpx.Response(404, json={"detail": "not found"})


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def _attempt(run: ClassRun, store: Store) -> str:
    lv = run.levels[0]
    moves = [{"t_s": 0.5, "kind": "fire", "value": None}, {"t_s": 1.5, "kind": "fire", "value": None}]
    summary = replay(lv.level, run.seed, moves)
    return run.queue_attempt(store, lv, moves, summary, time_s=12.0)


def test_join_takes_the_session_and_checks_what_it_plays():
    server = FakeServer()
    run = ClassRun.join("127.0.0.1", "ktm-pqa", "Ana", transport=server.transport())
    assert run.server_url == URL and run.join_code == "KTMPQA" and run.seed == 7
    assert [lv.id for lv in run.levels] == ["healthy-junction"]
    assert run.levels[0].level.title and run.next_level() is run.levels[0]

    tampered = FakeServer(level_text=LEVEL_TEXT.replace("180.0", "90.0"), sha=level_sha256(LEVEL_TEXT))
    with pytest.raises(ClassError, match="does not match the SHA-256"):
        ClassRun.join(URL, "KTMPQA", "Ana", transport=tampered.transport())

    newer = FakeServer(model_version="2099.1.1")
    with pytest.raises(ClassError, match="update Endplate.*2099.1.1"):
        ClassRun.join(URL, "KTMPQA", "Ana", transport=newer.transport())

    with pytest.raises(ClassError, match="join_code: no open session"):
        ClassRun.join(URL, "AAAAAA", "Ana", transport=server.transport())
    server.down = True
    with pytest.raises(ClassError, match="cannot reach") as err:
        ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    assert err.value.retry


def test_server_addresses_are_read_as_typed():
    assert normalize_url(" 192.168.1.20 ") == "http://192.168.1.20:8750"
    assert normalize_url("http://host:9000/") == "http://host:9000"
    for bad in ("", "a b", "ftp://x", "http://h:99999"):
        with pytest.raises(ClassError, match="server address"):
            normalize_url(bad)


def test_outbox_keeps_everything_while_the_server_is_down_and_sends_each_item_once(tmp_path, store):
    server = FakeServer()
    run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    server.down = True
    first = _attempt(run, store)
    q = run.levels[0].level.quiz[0]
    answer = run.queue_answer(store, "level", 0, level_answer(q, "right"), run.levels[0].id)
    sync = ClassSync(store, transport=server.transport())
    status = sync.flush(timeout_s=10)
    assert status.queued == 2 and status.sent == 0 and "cannot reach" in status.last_error
    store.close()                                            # the game is closed while offline ...

    again = Store.open(tmp_path / "data")                    # ... and started later: nothing was lost
    try:
        pending = {row["uuid"] for row in again.outbox_pending()}
        assert pending == {first, answer}
        # the server comes back but the reply to the attempt is lost: it stays pending and is resent
        server.down, server.lose_reply = False, True
        sync = ClassSync(again, transport=server.transport())
        sync.flush(timeout_s=10, rounds=1)
        assert first in server.attempts and again.outbox_counts()["queued"] >= 1
        server.lose_reply = False
        status = sync.flush(timeout_s=10)
        assert (status.queued, status.sent, status.refused) == (0, 2, 0)
        assert list(server.attempts) == [first] and list(server.answers) == [answer]     # each stored once
        assert sync.replies[first]["verified"] is True
        assert not sync.sync_now()                           # nothing left to send
    finally:
        again.close()


def test_a_refused_item_is_not_sent_again(store):
    server = FakeServer()
    run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    uid = _attempt(run, store)
    original = server.handle

    def refuse(request):
        if request.url.path == "/api/attempts":
            return httpx.Response(409, json={"detail": "level_sha256: this session has no level with that text"})
        return original(request)

    sync = ClassSync(store, transport=httpx.MockTransport(refuse))
    status = sync.flush(timeout_s=10)
    assert (status.queued, status.sent, status.refused) == (0, 0, 1)
    row = store.outbox_all()[0]
    assert row["uuid"] == uid and "no level with that text" in row["last_error"]
    assert not sync.sync_now()


def test_sending_never_blocks_the_caller(store):
    """sync_now returns at once; the outcome is applied on a later tick (the game's frame)."""
    import threading

    gate = threading.Event()
    server = FakeServer()
    run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    _attempt(run, store)

    def slow(request):
        gate.wait(10)
        return server.handle(request)

    sync = ClassSync(store, transport=httpx.MockTransport(slow))
    assert sync.sync_now() and sync.busy
    sync.tick(1 / 60)
    assert sync.status.queued == 1                # still waiting; the frame went on
    gate.set()
    sync.wait(10)
    assert sync.status.sent == 1 and not sync.busy


def test_results_file_is_new_complete_and_importable(tmp_path, store):
    server = FakeServer()
    run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    uid = _attempt(run, store)
    run.queue_answer(store, "pre", "q-chain-order", ["a", "b"])
    out = tmp_path / "exports"
    [path] = save_results_files(store, out)
    doc = ResultsFile.model_validate_json(path.read_text(encoding="utf-8"))
    assert doc.join_code == "KTMPQA" and doc.nickname == "Ana"
    assert [str(a.uuid) for a in doc.attempts] == [uid] and len(doc.answers) == 1
    assert json.loads(path.read_text(encoding="utf-8"))["server_url"] == URL
    before = path.read_bytes()
    [second] = save_results_files(store, out)                 # same second: a new name, the first untouched
    assert second != path and path.read_bytes() == before
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]


def test_scripted_quiz_answers_are_right_or_wrong_as_asked():
    level = load_level(LEVELS_DIR / "01-healthy-junction.toml")
    for q in level.quiz:
        assert check_answer(q, level_answer(q, "right"))[0]
        assert not check_answer(q, level_answer(q, "wrong"))[0]
    bank = load_bank()
    for public in bank.public():
        assert bank.check(public["id"], prepost_answer(public, "right"))[0]
        assert not bank.check(public["id"], prepost_answer(public, "wrong"))[0]
    assert parse_spec("pre:wrong,post:right") == {"pre": "wrong", "level": "skip", "post": "right"}
    with pytest.raises(ValueError, match="expected skip"):
        parse_spec("pre=wrong")


def test_outbox_store_methods_refuse_bad_input(store):
    from game.store import StoreError

    with pytest.raises(StoreError, match="kind"):
        store.outbox_add(str(uuidlib.uuid4()), "other", URL, {})
    uid = str(uuidlib.uuid4())
    store.outbox_add(uid, "answer", URL, {"body": {"uuid": uid}})
    store.outbox_add(uid, "answer", URL, {"body": {"uuid": uid, "changed": True}})     # same uuid: no change
    assert [r["payload"] for r in store.outbox_all()] == [{"body": {"uuid": uid}}]
    store.outbox_failed(uid, "down")
    assert store.outbox_pending()[0]["tries"] == 1
    store.outbox_sent(uid)
    assert store.outbox_counts() == {"queued": 0, "sent": 1, "refused": 0}


def test_a_restarted_game_carries_on_in_the_class(store):
    server = FakeServer(quiz_mode="pre-post")
    run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
    run.queue_answer(store, "pre", "s-receptors-where", 1)
    _attempt(run, store)
    ClassSync(store, transport=server.transport()).flush(timeout_s=10)
    store.class_join_remember(run.remembered())
    saved = store.class_join_recall()
    assert saved["student_token"] == run.token and saved["nickname"] == "Ana"
    again = ClassRun.resume(saved, transport=server.transport())
    assert again.token == run.token and again.seed == run.seed
    done = again.played["healthy-junction"]
    assert done.verified is True and again.finished() and "pre" in again.quizzed and "post" not in again.quizzed
    store.class_join_remember(None)
    assert store.class_join_recall() is None
    with pytest.raises(ClassError, match="student_token"):
        ClassRun.resume({"server_url": URL, "join_code": "KTMPQA", "nickname": "Ana"})


def test_class_screen_asks_the_pre_quiz_first_and_sends_each_answer(tmp_path):
    """The class screen with a pre/post session: the pre quiz comes first (levels wait), shows no marks,
    and every answer goes to the outbox with its item id and then to the server."""
    import pygame

    from game.app import classplay
    from game.app.app import App
    from game.app.context import AppContext
    from game.app.router import make
    from game.view.input import key_event

    server = FakeServer(quiz_mode="pre-post")
    pygame.init()
    ctx = AppContext.create(headless=True, store=Store.open(tmp_path / "data"), audio=False)
    try:
        run = ctx.class_run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
        run.prepost = load_bank().public()
        sync = classplay.sync(ctx)
        sync.transport = server.transport()
        app = App(ctx, make("class", ctx))
        app.frame(1 / 60)
        items = app.top.form.items
        assert items[0].label == "Quiz before you start" and app.top.form.focus == 0
        level = next(it for it in items if it.label.startswith("1."))
        assert not level.enabled
        for ev in (key_event("return", True), key_event("return", False)):
            pygame.event.post(ev)
        app.frame(1 / 60)
        quiz = app.top
        assert quiz.name == "quiz" and quiz.reveal is False
        while quiz.q is not None:                     # answer every item (first option, given order, any match)
            if quiz.q.kind == "choice":
                quiz.choice = 0
            elif quiz.q.kind == "match":
                quiz.picks = list(range(len(quiz.q.pairs)))
            quiz.submit()
            assert quiz.checked is None               # no right/wrong shown
        rows = [r for r in ctx.store.outbox_all() if r["kind"] == "answer"]
        assert [r["payload"]["body"]["question_id"] for r in rows] == [it.id for it in load_bank().items]
        assert all(r["payload"]["body"]["phase"] == "pre" for r in rows)
        for ev in (key_event("escape", True), key_event("escape", False)):
            pygame.event.post(ev)
        app.frame(1 / 60)
        assert app.top.name == "class"
        items = app.top.form.items
        assert items[0].label.startswith("1.") and items[0].enabled
        sync.wait(10)
        for _ in range(200):                          # the answers go out in the background (bounded)
            if sync.status.sent == len(rows):
                break
            sync.wait(1)
            sync.tick(1 / 60)
        assert len(server.answers) == len(rows) and sync.status.queued == 0
        scene = app.top
        for _ in range(200):                          # the leaderboard is asked for in the background too
            app.frame(1 / 60)
            if scene.board:
                break
            if scene.board_job is not None:
                scene.board_job._thread.join(5)
        assert [r.nickname for r in scene.board] == ["Ana"]
        app.close()
    finally:
        ctx.close()
        pygame.quit()


def test_player_screen_saves_the_results_file(tmp_path, monkeypatch):
    import pygame

    from game.app.context import AppContext
    from game.app.router import make

    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    pygame.init()
    ctx = AppContext.create(headless=True, store=Store.open(tmp_path / "data"), audio=False)
    try:
        scene = make("profile", ctx)
        scene._results_file()
        assert "No class results" in scene.form.message            # nothing yet: says so, writes nothing
        server = FakeServer()
        run = ClassRun.join(URL, "KTMPQA", "Ana", transport=server.transport())
        uid = _attempt(run, ctx.store)
        scene = make("profile", ctx)
        item = next(it for it in scene.form.items if it.label == "Save results file")
        assert item.detail == "1 waiting, 0 sent"
        scene._results_file()
        assert scene.form.message_level == "ok", scene.form.message
        [path] = list((tmp_path / "data" / "exports").glob("endplate-results-KTMPQA-Ana-*.json"))
        assert str(path) in scene.form.message and scene.form.message_level == "ok"
        assert [str(a.uuid) for a in ResultsFile.model_validate_json(path.read_text("utf-8")).attempts] == [uid]
    finally:
        ctx.close()
        pygame.quit()
