"""The editor's logic without pygame: document round trip, commands with undo/redo, the form from the
schema, per-field errors, safe saving, drafts, the preview and the check, and the CLI commands."""
from __future__ import annotations

from pathlib import Path

import pytest

from game.cli import main as cli_main
from game.editor import drafts
from game.editor.custom import Watcher, list_custom
from game.editor.document import DocumentError, LevelDocument, is_campaign_file
from game.editor.form import describe, parse_input
from game.editor.history import History, InsertItem, MoveItem, RemoveItem, SetValue
from game.editor.runs import preview_level, run_check, run_preview, warnings_for, SeedResult
from game.editor.session import EditorSession
from game.levels import LEVELS_DIR, load_level

HAND = Path(__file__).parent / "data" / "editor-handwritten.toml"
PTOSIS = LEVELS_DIR / "04-ptosis.toml"


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_round_trip_of_a_commented_hand_written_file_is_unchanged(tmp_path):
    src = HAND.read_text()
    doc = LevelDocument.open(HAND)
    assert doc.text() == src and not doc.dirty
    target = tmp_path / "copy.toml"
    doc.save(target)
    assert target.read_text() == src
    # an edit changes that value only: every comment, spacing and order stays
    doc.set(("demand", 0, "start_s"), 12.5)
    out = doc.text()
    changed = [(a, b) for a, b in zip(src.splitlines(), out.splitlines()) if a != b]
    assert changed == [("start_s = 10.0", "start_s = 12.5")]
    assert len(out.splitlines()) == len(src.splitlines())


def test_campaign_levels_open_read_only_and_are_never_overwritten(data):
    assert is_campaign_file(PTOSIS)
    s = EditorSession.open(PTOSIS, data_dir=data)
    assert s.doc.read_only
    assert not s.set(("title",), "Changed")
    assert s.doc.get(("title",)) == "4. Heavy eyelids"
    before = PTOSIS.read_bytes()
    with pytest.raises(DocumentError, match="Save as copy"):
        s.doc.save()
    copy = s.save_copy()
    assert copy is not None and copy.parent == data / "levels"
    assert PTOSIS.read_bytes() == before
    level = load_level(copy)
    assert level.id == "ptosis-copy" and "(copy)" in level.title
    s.close()


def test_template_edit_invalid_field_error_no_save_fix_undo_redo(tmp_path, data):
    s = EditorSession.open(data_dir=data)
    assert s.level is not None and s.problems == []
    form = {f.key: f for f in s.form}
    spec = form["duration_model_s"]
    assert spec.unit == "s (model)" and spec.minimum == 0.1
    # type a bad number: kept in the draft, reported at the field in the schema's words
    assert s.type_into(("duration_model_s",), spec, "12a")
    assert s.error_at(("duration_model_s",)) == 'should be a number (got "12a")'
    assert s.level is None
    target = tmp_path / "mine.toml"
    assert s.save(target) is None and not target.exists()
    assert "not saved" in s.messages[-1].text
    # out of range, then a task that ends after the level
    s.type_into(("duration_model_s",), spec, "0.01")
    assert s.error_at(("duration_model_s",)) == "should be at least 0.1 (got 0.01)"
    s.history.seal()
    s.type_into(("duration_model_s",), spec, "1000")
    assert "after the level ends" in s.error_at(("demand", 1))
    s.type_into(("duration_model_s",), spec, "2400")
    assert s.problems == [] and s.level is not None
    # typing in one field merged into one step; undo goes back to before it, redo forward
    s.undo()
    assert s.doc.get(("duration_model_s",)) == 0.01
    s.undo()
    assert s.doc.get(("duration_model_s",)) == 2400.0      # the template's value
    s.redo()
    s.redo()
    assert s.doc.get(("duration_model_s",)) == 2400.0 and s.level is not None
    assert s.save(target) == target
    assert load_level(target).duration_model_s == 2400.0
    s.close()


def test_commands_on_lists_and_undo_restores_text_exactly():
    doc = LevelDocument.open(PTOSIS)
    doc.read_only = False
    src = doc.text()
    h = History(doc)
    h.do(InsertItem(("demand",), 1, {"name": "X", "kind": "read", "start_s": 5.0, "duration_s": 5.0,
                                      "force_fraction": 0.1}))
    h.do(RemoveItem(("hints",), 0))
    h.do(MoveItem(("quiz",), 0, 3))
    h.do(SetValue(("patient", "mechanism", "block"), 0.5))
    h.do(SetValue(("briefing",), "Line one\nLine two\n"))
    data = doc.data()
    assert data["demand"][1]["name"] == "X" and len(data["hints"]) == 3
    assert data["quiz"][3]["question"].startswith("Match each way")
    assert data["patient"]["mechanism"] == {"block": 0.5}
    assert doc.level() is not None
    assert len(h.done) == 5
    while h.undo():
        pass
    assert doc.text() == src
    while h.redo():
        pass
    assert doc.data() == data


def test_group_is_one_step():
    doc = LevelDocument.open(HAND)
    h = History(doc)
    h.begin("move task")
    for x in (11.0, 12.0, 13.0):
        h.do(SetValue(("demand", 0, "start_s"), x))
    h.end()
    assert len(h.done) == 1
    h.undo()
    assert doc.get(("demand", 0, "start_s")) == 10.0


def test_form_comes_from_the_schema():
    form = {f.key: f for f in describe()}
    assert form["patient"].kind == "table"
    assert form["patient"].child("achr_fraction").optional
    assert form["demand"].kind == "tables"
    assert [c.key for c in form["demand"].item.children] == ["name", "kind", "start_s", "duration_s",
                                                             "force_fraction"]
    assert set(form["quiz"].variants) == {"order", "choice", "match"}
    assert form["briefing"].kind == "prose" and form["briefing"].max_length == 2000
    assert form["controls"].child("train_max_hz").unit == "Hz"
    assert form["muscle_group"].kind == "choice" and "eyelid" in form["muscle_group"].choices
    # every new quiz item of every kind starts valid enough to be filled in
    for kind in ("order", "choice", "match"):
        item = form["quiz"].new_item(kind)
        assert item["kind"] == kind
    spec = form["order"]
    assert parse_input(spec, "3") == 3 and parse_input(spec, "3.5") == 3.5 and parse_input(spec, "x") == "x"


def test_a_new_schema_field_needs_no_editor_code():
    from pydantic import Field
    from game.levels.fields import Section

    class Extra(Section):
        colour_mood: float = Field(0.5, title="Mood", description="How cheerful (fraction, 0..1).", ge=0, le=1)

    (spec,) = describe(Extra)
    assert (spec.title, spec.kind, spec.minimum, spec.maximum, spec.unit) == ("Mood", "number", 0, 1, "fraction")


def test_preview_shows_force_and_demand(data):
    level = load_level(PTOSIS)
    p = run_preview(level)
    assert p.duration_s == 3600.0 and len(p.t_s) > 100
    assert max(p.demand) == pytest.approx(max(t.force_fraction for t in level.demand))
    assert 0.0 < max(p.force) <= 1.0
    lv = preview_level(level)
    assert lv.treatments == [] and lv.patient.n_fibers <= 200


def test_check_warnings():
    def r(who, won, treatments=0):
        return SeedResult(who, 1, won, 50.0, 1, 0.5, 0.9, treatments, "")
    level = load_level(PTOSIS)
    assert warnings_for(level, [r("bot", False), r("idle", False)])[0].startswith("Cannot be won")
    w = warnings_for(level, [r("bot", True, 0), r("idle", True)])
    assert any("without any treatment" in x for x in w) and any("doing nothing" in x for x in w)
    assert warnings_for(level, [r("bot", True, 1), r("idle", False)]) == []
    w = warnings_for(level, [r("bot", True, 1), r("untreated", True), r("idle", False)])
    assert len(w) == 1 and "without any treatment" in w[0]


def test_check_run_with_progress_and_cancel():
    level = load_level(LEVELS_DIR / "01-healthy-junction.toml")
    seen = []
    report = run_check(level, seeds=(1,), progress=lambda f, what: seen.append(f))
    assert [x.who for x in report.results] == ["bot", "idle"]          # level 1 offers no treatment
    assert report.results[0].won and not report.results[1].won
    assert seen[-1] == 1.0 and seen == sorted(seen)
    from game.editor.runs import Cancelled
    with pytest.raises(Cancelled):
        run_check(level, seeds=(1,), cancelled=lambda: True)


def test_drafts_are_offered_back_after_a_crash(tmp_path, data):
    path = tmp_path / "lvl.toml"
    path.write_text(HAND.read_text())
    s = EditorSession.open(path, data_dir=data)
    s.set(("title",), "Changed but not saved")
    s.tick(0.0)
    s.tick(31.0)                             # the 30 s autosave
    assert drafts.find_draft(path, drafts.drafts_dir(data)) is not None
    s.stop_runs()                            # ... and the program dies without saving
    again = EditorSession.open(path, data_dir=data)
    assert again.draft_offer is not None
    again.restore_draft()
    assert again.doc.get(("title",)) == "Changed but not saved"
    assert again.save() == path
    assert drafts.find_draft(path, drafts.drafts_dir(data)) is None
    again.close()


def test_changed_on_disk_is_reloaded(tmp_path, data):
    path = tmp_path / "lvl.toml"
    path.write_text(HAND.read_text())
    s = EditorSession.open(path, data_dir=data)
    path.write_text(HAND.read_text().replace('title = "Hand written"', 'title = "From a text editor"'))
    s.on_disk_change()
    assert s.doc.get(("title",)) == "From a text editor"
    path.write_text(HAND.read_text().replace("age_years = 30", "age_years = 300"))
    s.on_disk_change()
    assert s.error_at(("patient", "age_years")) == "should be at most 120 (got 300)"
    s.stop_runs()


def test_custom_levels_listing_and_watcher(tmp_path):
    folder = tmp_path / "levels"
    folder.mkdir()
    (folder / "a.toml").write_text(HAND.read_text())
    (folder / "b.toml").write_text("schema_version = 1\n")
    found = list_custom(folder, packs=False)
    assert [c.valid for c in found] == [True, False]
    assert found[0].level_id == "hand-written" and found[1].problems
    w = Watcher()
    w.watch(folder / "a.toml")
    assert w.changed() == []
    (folder / "a.toml").write_text(HAND.read_text() + "\n# touched\n")
    assert w.changed() == [folder / "a.toml"]


def test_new_level_cli(tmp_path, capsys):
    target = tmp_path / "fresh-one.toml"
    assert cli_main(["new-level", str(target)]) == 0
    assert load_level(target).id == "fresh-one"
    before = target.read_bytes()
    assert cli_main(["new-level", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == before
    copy = tmp_path / "copy.toml"
    assert cli_main(["new-level", str(copy), "--from", str(PTOSIS)]) == 0
    assert load_level(copy).id == "ptosis-copy"
    assert cli_main(["new-level", str(tmp_path / "x.toml"), "--from", str(tmp_path / "missing.toml")]) == 2
    assert cli_main(["validate", str(target), str(copy)]) == 0


def test_template_is_won_by_the_bot_but_not_without_its_tablet():
    from game.rules.bot import BotOptions, check_level, play
    level = LevelDocument.new().level()
    assert level is not None
    assert check_level(level, 1).winnable
    untreated, _ = play(level, 1, BotOptions(treat=False))
    assert not untreated.won               # the check gives a new level no warning


def test_timeline_hits_and_drags_each_part():
    from game.editor.timeline import Box, Timeline, drug_windows, force_scale
    tl = Timeline(Box(0, 0, 1000, 100), 1000.0, force_max=0.5)
    task = {"name": "A", "kind": "hold", "start_s": 100.0, "duration_s": 200.0, "force_fraction": 0.25}
    assert tl.bar(task) == Box(100, 50, 200, 50)
    assert tl.hit([task], 200, 80) == (0, "move")
    assert tl.hit([task], 101, 80) == (0, "start")
    assert tl.hit([task], 299, 80) == (0, "end")
    assert tl.hit([task], 200, 50) == (0, "force")
    assert tl.hit([task], 600, 80) is None
    assert tl.drag(task, "move", 50, 0) == {"start_s": 150.0}
    assert tl.drag(task, "move", 5000, 0) == {"start_s": 800.0}            # stays inside the level
    assert tl.drag(task, "start", -50, 0) == {"start_s": 50.0, "duration_s": 250.0}
    assert tl.drag(task, "end", 100, 0) == {"duration_s": 300.0}
    assert tl.drag(task, "force", 0, -20) == {"force_fraction": 0.35}       # 20 px of 100 = 0.1 of 0.5
    assert force_scale(0.14, 0.24) == 0.5 and force_scale(0.9) == 1.0
    # start doses and the level's drugs along the bottom
    windows = drug_windows({"duration_model_s": 3600.0, "start": {"doses": [
        {"drug": "pyridostigmine", "dose_mg": 60.0, "before_start_s": 1800.0}]},
        "treatments": [{"kind": "pyridostigmine", "dose_mg": 60.0}, {"kind": "plex"}]})
    assert [w[3] for w in windows] == ["start", "treatment"]
    assert windows[0][1] == 0.0 and windows[1][1] > 15 * 60      # a tablet acts after a quarter of an hour


def test_worker_cancels_the_old_job_on_a_new_one():
    import threading
    from game.editor.runs import Cancelled, Worker
    started = threading.Event()

    def slow(tag, *, cancelled, progress):
        started.set()
        for _ in range(2000):
            if cancelled():
                raise Cancelled
            threading.Event().wait(0.005)
        return tag

    def quick(tag, *, cancelled, progress):
        progress(1.0)
        return tag

    w = Worker()
    w.start(slow, "old")
    assert started.wait(10)
    w.start(quick, "new")                   # cancels "old" (waits for it to stop), then runs "new"
    assert w.wait(10) and w.result == "new" and not w.running


def test_the_editor_logic_has_no_pygame():
    from imports import imported_modules
    folder = Path(__file__).resolve().parents[1] / "game" / "editor"
    for path in folder.glob("*.py"):
        if path.name == "commands.py":          # the CLI layer (like game/cli.py): run_edit starts the app
            continue
        for name in imported_modules(path):
            assert name.split(".")[0] not in ("pygame", "pygame_gui"), (path.name, name)
            assert not name.startswith(("game.app", "game.view", "game.ui")), (path.name, name)


def test_two_custom_levels_with_one_id_are_flagged_in_the_list_and_on_save(data):
    # results are kept by level id: two custom files with the same id would mix their scores
    folder = data / "levels"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.toml").write_text(HAND.read_text())
    (folder / "b.toml").write_text(HAND.read_text().replace('title = "', 'title = "Other ', 1))
    (folder / "c.toml").write_text(HAND.read_text().replace('"hand-written"', '"its-own"', 1))
    found = {c.path.name: c for c in list_custom(folder, packs=False)}
    assert all(c.valid for c in found.values())
    assert "also the id of b.toml" in found["a.toml"].warnings[0]
    assert "also the id of a.toml" in found["b.toml"].warnings[0]
    assert found["c.toml"].warnings == []
    # saving a level with an id another custom file has: saved, with a warning that says which file
    s = EditorSession.open(folder / "c.toml", data_dir=data)
    s.set(("id",), "hand-written")
    assert s.save() == folder / "c.toml"
    assert s.messages[-1].level == "warn" and "also the id of a.toml" in s.messages[-1].text
    s.set(("id",), "its-own-again")
    s.save()
    assert s.messages[-1].level == "ok"
    s.close()
