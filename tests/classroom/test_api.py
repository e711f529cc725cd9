"""The class server's HTTP API on SQLite and on PostgreSQL: sessions, joining, replay-verified attempts,
quiz answers, the teacher's results and downloads, the controls, and refusals of bad input."""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from game.sim.version import MODEL_VERSION
from class_helpers import LEVEL, TEACHER, TOKEN, WINNING_MOVES, attempt


def new_session(client, **body) -> dict:
    payload = {"title": "7B biology", "levels": [LEVEL, "ptosis"], "seed": 1, "quiz_mode": "pre-post"} | body
    r = client.post("/api/sessions", headers=TEACHER, json=payload)
    assert r.status_code == 200, r.text
    return r.json()


def join(client, code: str, nickname: str) -> tuple[dict, dict]:
    r = client.post("/api/join", json={"join_code": code, "nickname": nickname})
    assert r.status_code == 200, r.text
    body = r.json()
    return body, {"Authorization": f"Bearer {body['student_token']}"}


def level_of(joined: dict, level_id: str = LEVEL) -> dict:
    return next(lv for lv in joined["session"]["levels"] if lv["id"] == level_id)


def test_lesson_flow_verified_result_and_csv(client):
    s = new_session(client)
    assert len(s["join_code"]) == 6 and not set(s["join_code"]) & set("0O1IL2Z5S8B")
    joined, me = join(client, s["join_code"].lower(), "  Ana  ")
    assert joined["nickname"] == "Ana"
    info = joined["session"]
    assert info["model_version"] == MODEL_VERSION and info["seed"] == 1 and info["quiz_mode"] == "pre-post"
    assert [lv["id"] for lv in info["levels"]] == [LEVEL, "ptosis"]
    from game.rules.replay import level_sha256
    assert all(level_sha256(lv["toml"]) == lv["sha256"] for lv in info["levels"])

    r = client.post("/api/attempts", headers=me, json=attempt(level_of(joined), 1, WINNING_MOVES))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["verified"] is True and out["stars"] == 3 and out["won"] is True and out["reason"] == ""

    res = client.get(f"/api/sessions/{s['id']}/results", headers=TEACHER).json()
    (student,) = res["students"]
    assert student["nickname"] == "Ana"
    (a,) = student["attempts"]
    assert a["level_id"] == LEVEL and a["verified"] and a["stars"] == 3 and a["claimed_score"] == 100.0

    text = client.get(f"/api/sessions/{s['id']}/results.csv", headers=TEACHER).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["nickname"] == "Ana" and rows[0]["verified"] == "yes" and rows[0]["stars"] == "3"


def test_forged_and_refused_attempts(client):
    s = new_session(client)
    joined, me = join(client, s["join_code"], "Bo")
    lv = level_of(joined)
    # claims 3 stars with a replay that does nothing: stored as what the replay earns
    r = client.post("/api/attempts", headers=me, json=attempt(lv, 1, []))
    forged = r.json()
    assert r.status_code == 200 and forged["verified"] is False
    assert forged["stars"] == 0 and forged["won"] is False and "claim does not match" in forged["reason"]
    # a level text the session does not have
    r = client.post("/api/attempts", headers=me, json=attempt(lv | {"sha256": "ab" * 32}, 1, WINNING_MOVES))
    out = r.json()
    assert out["verified"] is False and out["stars"] is None and "level hash" in out["reason"]
    # another model version
    r = client.post("/api/attempts", headers=me, json=attempt(lv, 1, WINNING_MOVES, model_version="1999.1.1"))
    out = r.json()
    assert out["verified"] is False and out["score"] is None and "model 1999.1.1" in out["reason"]
    # another seed, and a level that is not in the session
    assert "seed" in client.post("/api/attempts", headers=me, json=attempt(lv, 7, WINNING_MOVES)).json()["reason"]
    other = lv | {"id": "cholinergic-trap"}
    assert "not in this session" in client.post("/api/attempts", headers=me, json=attempt(other, 1, [])).json()["reason"]

    res = client.get(f"/api/sessions/{s['id']}/results", headers=TEACHER).json()
    atts = res["students"][0]["attempts"]
    assert len(atts) == 5 and not any(a["verified"] for a in atts)
    assert atts[0]["stars"] == 0 and atts[0]["claimed_stars"] == 3
    board = client.get(f"/api/sessions/{s['id']}/dashboard", headers=TEACHER).json()["leaderboard"]
    assert board[0]["stars"] == 0          # the claim never reaches the leaderboard


def test_same_uuid_is_stored_once(client):
    s = new_session(client)
    joined, me = join(client, s["join_code"], "Cy")
    body = attempt(level_of(joined), 1, [])
    first = client.post("/api/attempts", headers=me, json=body).json()
    again = client.post("/api/attempts", headers=me, json=body).json()
    assert first["duplicate"] is False and again["duplicate"] is True and again["score"] == first["score"]
    ans = {"uuid": str(uuid.uuid4()), "phase": "pre", "question_id": "s-ache-role", "answer": 2}
    assert client.post("/api/answers", headers=me, json=ans).json()["duplicate"] is False
    assert client.post("/api/answers", headers=me, json=ans).json()["duplicate"] is True
    d = client.get(f"/api/sessions/{s['id']}/dashboard", headers=TEACHER).json()
    assert d["counts"] == {"attempts": 1, "verified": 0, "answers": 1}
    # another student cannot reuse a uuid
    _, other = join(client, s["join_code"], "Di")
    assert client.post("/api/attempts", headers=other, json=body).status_code == 409


@pytest.mark.parametrize("path,payload,field", [
    ("/api/join", {"join_code": "ACDEFG", "nickname": "x" * 25}, "nickname"),
    ("/api/join", {"join_code": "ACDEFG", "nickname": "a\tb"}, "nickname"),
    ("/api/join", {"join_code": "ACDEFG", "nickname": "   "}, "nickname"),
    ("/api/join", {"join_code": "AB", "nickname": "Ana"}, "join_code"),
    ("/api/join", {"join_code": "ACDEFG"}, "nickname"),
    ("/api/join", {"join_code": "ACDEFG", "nickname": "Ana", "extra": 1}, "extra"),
    ("/api/join", [1, 2], "body"),
])
def test_bad_join_input_names_the_field(client, path, payload, field):
    r = client.post(path, json=payload)
    assert 400 <= r.status_code < 500
    assert r.json()["detail"].startswith(field), r.json()


def test_bad_attempt_and_answer_input_names_the_field(client):
    s = new_session(client)
    joined, me = join(client, s["join_code"], "Ed")
    lv = level_of(joined)
    good = attempt(lv, 1, [])
    cases = [
        ({k: v for k, v in good.items() if k != "uuid"}, "uuid"),
        (good | {"uuid": "not-a-uuid"}, "uuid"),
        (good | {"moves": [{"t_s": -1, "kind": "fire"}]}, "moves.0.t_s"),
        (good | {"moves": [{"t_s": 1, "kind": "fire", "value": {"x": 1}}]}, "moves.0.value"),
        (good | {"claimed": {"score": 100, "stars": 5, "won": True}}, "claimed.stars"),
        (good | {"seed": 0}, "seed"),
        (good | {"level_sha256": "xyz"}, "level_sha256"),
    ]
    for body, field in cases:
        r = client.post("/api/attempts", headers=me, json=body)
        assert r.status_code == 422 and r.json()["detail"].startswith(field), (field, r.json())
    too_many = good | {"moves": [{"t_s": 1.0, "kind": "fire"}] * 100_001}
    r = client.post("/api/attempts", headers=me | {"Content-Type": "application/json"}, content=json.dumps(too_many))
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    answer_cases = [
        ({"uuid": str(uuid.uuid4()), "phase": "during", "question_id": 0, "answer": 1}, "phase"),
        ({"uuid": str(uuid.uuid4()), "phase": "level", "question_id": 0, "answer": 1}, "level_id"),
        ({"uuid": str(uuid.uuid4()), "phase": "level", "level_id": LEVEL, "question_id": 99, "answer": 1}, "question_id"),
        ({"uuid": str(uuid.uuid4()), "phase": "pre", "question_id": "no-such-item", "answer": 1}, "question_id"),
    ]
    for body, field in answer_cases:
        r = client.post("/api/answers", headers=me, json=body)
        assert r.status_code == 422 and r.json()["detail"].startswith(field), (field, r.json())
    r = client.post("/api/sessions", headers=TEACHER, json={"title": "x", "levels": ["no-such-level"]})
    assert r.status_code == 422 and r.json()["detail"].startswith("levels")
    r = client.post("/api/join", content=b"x" * 70_000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_teacher_auth_cookie_and_student_isolation(client):
    assert client.post("/api/sessions", json={"title": "x", "levels": [LEVEL]}).status_code == 401
    assert client.get("/api/sessions", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/dashboard", follow_redirects=False).status_code == 401
    r = client.get(f"/dashboard?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() not in cookie
    assert client.get("/api/sessions").status_code == 200          # the cookie now works
    client.cookies.clear()
    assert client.get("/api/sessions").status_code == 401

    a = new_session(client, title="A")
    b = new_session(client, title="B")
    ja, ma = join(client, a["join_code"], "Fay")
    jb, mb = join(client, b["join_code"], "Gus")
    client.post("/api/attempts", headers=ma, json=attempt(level_of(ja), 1, WINNING_MOVES))
    view_b = client.get("/api/session", headers=mb).json()
    assert view_b["session"]["id"] == b["id"] and view_b["leaderboard"] == [
        {"rank": 1, "nickname": "Gus", "stars": 0, "score": 0.0}]
    # a student token opens no teacher endpoint
    assert client.get(f"/api/sessions/{a['id']}/results", headers=ma).status_code == 401
    # the leaderboard shows others' nickname, stars and score only
    _, mc = join(client, a["join_code"], "Hal")
    view = client.get("/api/session", headers=mc).json()
    assert {tuple(sorted(r)) for r in view["leaderboard"]} == {("nickname", "rank", "score", "stars")}
    assert view["attempts"] == []


def test_nicknames_unique_after_nfkc_and_case(client):
    s = new_session(client)
    join(client, s["join_code"], "Ana")
    for same in ("ana", "ＡＮＡ", " Ana "):
        r = client.post("/api/join", json={"join_code": s["join_code"], "nickname": same})
        assert r.status_code == 409 and r.json()["detail"].startswith("nickname")


def test_join_rate_limit_and_wrong_codes(make_client):
    client = make_client(join_per_minute=3)
    s = new_session(client)
    r = client.post("/api/join", json={"join_code": "XXXXXX", "nickname": "Ivy"})
    assert r.status_code == 404 and r.json()["detail"].startswith("join_code")
    join(client, s["join_code"], "Jo")
    join(client, s["join_code"], "Kim")
    r = client.post("/api/join", json={"join_code": s["join_code"], "nickname": "Lu"})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_controls_close_remove_reset_archive_delete(client):
    s = new_session(client, quiz_mode="after-level")
    joined, me = join(client, s["join_code"], "Max")
    _, mo = join(client, s["join_code"], "Ned")
    sid = s["id"]
    client.post("/api/attempts", headers=me, json=attempt(level_of(joined), 1, WINNING_MOVES))
    students = client.get(f"/api/sessions/{sid}/dashboard", headers=TEACHER).json()["students"]
    max_id = next(x["id"] for x in students if x["nickname"] == "Max")
    ned_id = next(x["id"] for x in students if x["nickname"] == "Ned")
    # reset: the old token stops, the same nickname joins again and keeps its results
    assert client.post(f"/api/sessions/{sid}/students/{max_id}/reset", headers=TEACHER).status_code == 200
    assert client.get("/api/session", headers=me).status_code == 401
    _, me2 = join(client, s["join_code"], "Max")
    assert client.get("/api/session", headers=me2).json()["attempts"][0]["stars"] == 3
    # remove: gone from the grid and the leaderboard, the token stops, the name is free
    assert client.post(f"/api/sessions/{sid}/students/{ned_id}/remove", headers=TEACHER).status_code == 200
    assert client.get("/api/session", headers=mo).status_code == 401
    d = client.get(f"/api/sessions/{sid}/dashboard", headers=TEACHER).json()
    assert [r["nickname"] for r in d["leaderboard"]] == ["Max"] and [g["nickname"] for g in d["grid"]] == ["Max"]
    # close: no new joins or attempts; reopen; archive for good
    assert client.post(f"/api/sessions/{sid}/close", headers=TEACHER).json()["status"] == "closed"
    assert client.post("/api/join", json={"join_code": s["join_code"], "nickname": "Ola"}).status_code == 409
    assert client.post("/api/attempts", headers=me2, json=attempt(level_of(joined), 1, [])).status_code == 409
    assert client.post(f"/api/sessions/{sid}/reopen", headers=TEACHER).json()["status"] == "open"
    assert client.post(f"/api/sessions/{sid}/archive", headers=TEACHER).json()["status"] == "archived"
    assert client.post(f"/api/sessions/{sid}/reopen", headers=TEACHER).status_code == 409
    assert sid not in [x["id"] for x in client.get("/api/sessions", headers=TEACHER).json()["sessions"]]
    assert sid in [x["id"] for x in client.get("/api/sessions?archived=true", headers=TEACHER).json()["sessions"]]
    assert client.delete(f"/api/sessions/{sid}", headers=TEACHER).json()["deleted"] is True
    assert client.get(f"/api/sessions/{sid}/results", headers=TEACHER).status_code == 404


def test_quiz_answers_item_analysis_gains_and_safe_csv(client):
    s = new_session(client)
    sid = s["id"]
    joined, a = join(client, s["join_code"], "=cmd|' /C calc'!A0")
    _, b = join(client, s["join_code"], "Pia")
    from game.rules.prepost import load_bank
    bank = load_bank()

    def send(who, phase, item_id, answer):
        r = client.post("/api/answers", headers=who, json={"uuid": str(uuid.uuid4()), "phase": phase,
                                                           "question_id": item_id, "answer": answer})
        assert r.status_code == 200, r.text
        assert r.json()["correct"] is None          # pre/post answers are not revealed
    right = bank.item("s-ache-role").answer_index
    for who in (a, b):
        send(who, "pre", "s-ache-role", 0)                  # both wrong before
        send(who, "post", "s-ache-role", right)             # both right after
    send(a, "pre", "y-pattern", 2)
    send(a, "post", "y-pattern", 2)
    # a level quiz answer is judged from the level text the server sent, and the verdict comes back
    quiz0 = next(lv for lv in joined["session"]["levels"] if lv["id"] == LEVEL)
    from game.levels import parse_level_text
    from game.rules.debrief import answer_key
    q = parse_level_text(quiz0["toml"]).quiz[0]
    r = client.post("/api/answers", headers=a, json={"uuid": str(uuid.uuid4()), "phase": "level", "level_id": LEVEL,
                                                    "question_id": 0, "answer": answer_key(q)})
    assert r.json()["correct"] is True and r.json()["feedback"]

    d = client.get(f"/api/sessions/{sid}/dashboard", headers=TEACHER).json()
    items = {(x["phase"], x["question"]): x for x in d["items"]}
    pre = items[("pre", "s-ache-role")]
    assert pre["answered"] == 2 and pre["share_right"] == 0 and pre["common_wrong"] == bank.item("s-ache-role").options[0]
    assert items[("post", "s-ache-role")]["share_right"] == 1.0
    g = d["gains"]["class"]
    assert g["nmj-structures"]["pre"] == 0 and g["nmj-structures"]["post"] == 100 and g["nmj-structures"]["g"] == 1.0
    assert g["symptoms-and-why"]["matched"] == 1 and g["symptoms-and-why"]["g"] is None   # pre at 100%
    assert g["all"]["matched"] == 2

    svg = client.get(f"/api/sessions/{sid}/gains.svg", headers=TEACHER)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "⟨g⟩ 1.00" in svg.text
    for name in ("results.csv", "items.csv", "gains.csv"):
        r = client.get(f"/api/sessions/{sid}/{name}", headers=TEACHER)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    gains_rows = list(csv.DictReader(io.StringIO(client.get(f"/api/sessions/{sid}/gains.csv", headers=TEACHER)
                                                 .content.decode("utf-8-sig"))))
    assert any(r["nickname"] == "'=cmd|' /C calc'!A0" for r in gains_rows)
    report = client.get(f"/api/sessions/{sid}/report", headers=TEACHER).text
    assert "<svg" in report and "Hardest questions" in report and "&#x27;" in report or "&#39;" in report


def test_upload_level_and_pack(client, tmp_path):
    text = open("tests/data/example-ptosis.toml", encoding="utf-8").read()
    r = client.post("/api/levels", headers=TEACHER, files={"file": ("mine.toml", text.encode(), "text/plain")})
    assert r.status_code == 200, r.text
    new_id = r.json()["levels"][0]["id"]
    assert new_id in [lv["id"] for lv in client.get("/api/levels", headers=TEACHER).json()["levels"]]
    s = new_session(client, levels=[new_id])
    joined, _ = join(client, s["join_code"], "Quin")
    assert joined["session"]["levels"][0]["toml"] == text
    bad = client.post("/api/levels", headers=TEACHER, files={"file": ("bad.toml", b"id = 3\n", "text/plain")})
    assert bad.status_code == 422 and "bad.toml" in bad.json()["detail"]
    # a pack: built with the same code as `pack build`, checked with the same code as `pack install`
    from game.levels.packs import build_pack
    folder = tmp_path / "pk"
    folder.mkdir()
    (folder / "a.toml").write_text(text.replace(f'id = "{new_id}"', 'id = "pack-level-a"'), encoding="utf-8")
    (folder / "pack.toml").write_text('schema_version = 1\nid = "week-3"\ntitle = "Week 3"\nauthor = "Ms R"\n'
                                      'description = "One level."\nlevels = ["a.toml"]\n', encoding="utf-8")
    out = build_pack(folder, tmp_path / "w3.endplate")
    r = client.post("/api/packs", headers=TEACHER, files={"file": ("w3.endplate", out.read_bytes(), "application/zip")})
    assert r.status_code == 200, r.text
    assert r.json()["levels"][0]["id"] == "pack-level-a" and r.json()["levels"][0]["source"] == "pack:week-3"
    r = client.post("/api/packs", headers=TEACHER, files={"file": ("x.endplate", b"not a zip", "application/zip")})
    assert r.status_code == 422 and "x.endplate" in r.json()["detail"]


def test_import_results_file(client):
    s = new_session(client)
    joined, me = join(client, s["join_code"], "Rae")
    lv = level_of(joined)
    sent = attempt(lv, 1, WINNING_MOVES)
    client.post("/api/attempts", headers=me, json=sent)
    file = {"endplate_results": 1, "server_url": "http://example.invalid", "join_code": s["join_code"],
            "nickname": "Rae", "attempts": [sent, attempt(lv, 1, [], claimed={"score": 0.0, "stars": 0, "won": False})],
            "answers": [{"uuid": str(uuid.uuid4()), "phase": "pre", "question_id": 0, "answer": 1}]}
    r = client.post("/api/import", headers=TEACHER, files={"file": ("rae.json", json.dumps(file).encode(), "application/json")})
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["attempts"], c["duplicates"], c["verified"], c["answers"]) == (1, 1, 1, 1)
    res = client.get(f"/api/sessions/{s['id']}/results", headers=TEACHER).json()
    assert len(res["students"][0]["attempts"]) == 2
    r = client.post("/api/import", headers=TEACHER, files={"file": ("x.json", b'{"endplate_results": 2}', "application/json")})
    assert r.status_code == 422 and r.json()["detail"].startswith("x.json: endplate_results")


def test_closing_time_closes_the_session(client):
    s = new_session(client, closes_at="2020-01-01T08:00:00Z")
    r = client.post("/api/join", json={"join_code": s["join_code"], "nickname": "Tia"})
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    listed = client.get("/api/sessions", headers=TEACHER).json()["sessions"]
    assert next(x for x in listed if x["id"] == s["id"])["status"] == "closed"


def test_api_reference_page_needs_nothing_from_elsewhere(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "POST /api/attempts" in r.text and "<script" not in r.text
    assert "level_sha256" in r.text and "/api/join" in client.get("/openapi.json").json()["paths"]
