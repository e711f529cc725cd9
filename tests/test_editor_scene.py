"""The level editor scene driven by posted input (mouse, keys, typed text), headless: fields, inline
errors, undo/redo, timeline drags, test play and back, saving, then `validate` and `check-level`."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
import pytest  # noqa: E402
from pygame_gui.elements import UITextEntryLine  # noqa: E402

from game.app.app import App  # noqa: E402
from game.app.router import make  # noqa: E402
from game.cli import main as cli_main  # noqa: E402
from game.levels import LEVELS_DIR, load_level  # noqa: E402

FRAME = 1 / 60


@pytest.fixture
def ctx(app_ctx):
    return app_ctx          # tests/conftest.py


def frames(app: App, n: int = 3, events: list | None = None) -> None:
    for ev in events or []:
        pygame.event.post(ev)
    for _ in range(n):
        app.frame(FRAME)


def click(app: App, pos, n: int = 2) -> None:
    pos = (int(pos[0]), int(pos[1]))
    frames(app, 1, [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))])
    frames(app, n, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1),
                    pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1)])


def key(k: int, mod: int = 0) -> list:
    return [pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0),
            pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode="", scancode=0)]


def type_into(app: App, entry, text: str) -> None:
    """Click the entry, select all, type `text` (TEXTINPUT), as a user would."""
    click(app, entry.rect.center)
    frames(app, 2, key(pygame.K_a, pygame.KMOD_CTRL))
    frames(app, 3, [pygame.event.Event(pygame.TEXTINPUT, text=text)])


def entry(scene, path: str) -> UITextEntryLine:
    el = scene.view.values[path]
    assert isinstance(el, UITextEntryLine)
    return el


def error_labels(scene) -> list[str]:
    """The error lines shown in the form (under their fields)."""
    import html
    return [html.unescape(el.html_text) for el in scene.view.error_labels if el.alive()]


def section(app: App, scene, name: str) -> None:
    button = next(b for b, i in scene.section_buttons.items() if scene.sections[i][0] == name)
    click(app, button.rect.center)


def test_a_level_made_in_the_editor_by_posted_input(ctx, tmp_path):
    scene = make("editor", ctx)
    app = App(ctx, scene)
    frames(app, 3)
    s = scene.session
    assert s.level is not None
    # name it, by typing
    type_into(app, entry(scene, "id"), "posted-level")
    type_into(app, entry(scene, "title"), "Made by posted input")
    assert s.doc.get(("id",)) == "posted-level"
    # make a field invalid: the error shows at the field, in the schema's words, and nothing is saved
    type_into(app, entry(scene, "duration_model_s"), "12a")
    assert s.doc.get(("duration_model_s",)) == "12a"
    assert s.error_at(("duration_model_s",)) == 'should be a number (got "12a")'
    assert any('should be a number (got "12a")' in t for t in error_labels(scene))
    frames(app, 3, key(pygame.K_s, pygame.KMOD_CTRL))
    saved = tmp_path / "data" / "levels" / "posted-level.toml"
    assert not saved.exists() and "not saved" in s.messages[-1].text
    # fix it
    type_into(app, entry(scene, "duration_model_s"), "3000")
    assert s.doc.get(("duration_model_s",)) == 3000.0 and s.problems == []
    assert not any(t.startswith("! ") for t in error_labels(scene))
    # undo and redo (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y), here while still in the text field
    frames(app, 3, key(pygame.K_z, pygame.KMOD_CTRL))
    assert s.doc.get(("duration_model_s",)) == 2400.0
    assert entry(scene, "duration_model_s").get_text() == "2400"
    frames(app, 3, key(pygame.K_z, pygame.KMOD_CTRL | pygame.KMOD_SHIFT))
    assert s.doc.get(("duration_model_s",)) == 3000.0
    frames(app, 3, key(pygame.K_z, pygame.KMOD_CTRL))
    frames(app, 3, key(pygame.K_y, pygame.KMOD_CTRL))
    assert s.doc.get(("duration_model_s",)) == 3000.0
    assert entry(scene, "duration_model_s").get_text() == "3000"
    frames(app, 2, key(pygame.K_ESCAPE))                       # leave the text field
    # drag the first task along the timeline: one undo step
    tl = scene.timeline()
    bar = tl.bar(s.tasks()[0])
    start0 = s.tasks()[0]["start_s"]
    steps = len(s.history.done)
    x, y = bar.x + bar.w // 2, bar.y + bar.h // 2
    frames(app, 1, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1)])
    for dx in (20, 40, 60, 80):
        frames(app, 1, [pygame.event.Event(pygame.MOUSEMOTION, pos=(x + dx, y), rel=(20, 0), buttons=(1, 0, 0))])
    frames(app, 2, [pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x + 80, y), button=1)])
    moved = s.tasks()[0]["start_s"]
    assert moved > start0 + 0.5 * 80 / tl.box.w * 3000
    assert len(s.history.done) == steps + 1
    frames(app, 3, key(pygame.K_z, pygame.KMOD_CTRL))
    assert s.tasks()[0]["start_s"] == start0
    frames(app, 3, key(pygame.K_y, pygame.KMOD_CTRL))
    assert s.tasks()[0]["start_s"] == moved
    # double-click on an empty part of the timeline adds a task; Delete removes it
    n = len(s.tasks())
    empty = (int(tl.x_of(1800.0)), tl.box.y + tl.box.h // 4)
    assert tl.hit(s.tasks(), *empty) is None
    frames(app, 1, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=empty, button=1),
                    pygame.event.Event(pygame.MOUSEBUTTONUP, pos=empty, button=1)])
    frames(app, 2, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=empty, button=1),
                    pygame.event.Event(pygame.MOUSEBUTTONUP, pos=empty, button=1)])
    assert len(s.tasks()) == n + 1 and s.level is not None
    frames(app, 3, key(pygame.K_DELETE))
    assert len(s.tasks()) == n
    # test play (F5) in the real play scene, and back with Esc: everything as it was
    history = list(s.history.done)
    frames(app, 3, key(pygame.K_F5))
    assert app.top is not scene and app.top.name == "test-play"
    assert app.top.play.name == "play" and app.top.play.level.id == "posted-level"
    frames(app, 30)
    frames(app, 3, key(pygame.K_ESCAPE))
    assert app.top is scene and s.history.done == history and not scene.closed
    # save (Ctrl+S) into the custom levels folder; validate and check-level accept it
    frames(app, 3, key(pygame.K_s, pygame.KMOD_CTRL))
    assert saved.exists(), s.messages[-1].text
    app.close()
    assert cli_main(["validate", str(saved)]) == 0
    assert load_level(saved).duration_model_s == 3000.0
    assert cli_main(["check-level", str(saved)]) == 0         # the bot wins it


def test_lists_and_quiz_questions_by_buttons(ctx):
    scene = make("editor", ctx)
    app = App(ctx, scene)
    frames(app, 3)
    s = scene.session
    section(app, scene, "Quiz")
    add_match = next(b for b, bd in scene.view.bindings.items() if bd.role == "add" and bd.extra == "match")
    click(app, add_match.rect.center, 3)
    quiz = s.get(("quiz",))
    assert [q["kind"] for q in quiz] == ["choice", "match"]
    assert len(quiz[1]["pairs"]) == 2
    up = next(b for b, bd in scene.view.bindings.items() if bd.role == "up" and bd.path == ("quiz",) and bd.index == 1)
    click(app, up.rect.center, 3)
    assert [q["kind"] for q in s.get(("quiz",))] == ["match", "choice"]
    remove = next(b for b, bd in scene.view.bindings.items() if bd.role == "remove" and bd.path == ("quiz",)
                  and bd.index == 0)
    click(app, remove.rect.center, 3)
    assert [q["kind"] for q in s.get(("quiz",))] == ["choice"]
    # the new pair of the match question needed filling in: the error was shown; undo brings it back
    frames(app, 3, key(pygame.K_z, pygame.KMOD_CTRL))
    assert [q["kind"] for q in s.get(("quiz",))] == ["match", "choice"]
    section(app, scene, "Texts and hints")
    add_hint = next(b for b, bd in scene.view.bindings.items() if bd.role == "add" and bd.path == ("hints",))
    click(app, add_hint.rect.center, 3)
    assert len(s.get(("hints",))) == 3
    app.close()


def test_campaign_level_opens_read_only_and_saves_as_copy(ctx, tmp_path):
    scene = make("editor", ctx, LEVELS_DIR / "04-ptosis.toml")
    app = App(ctx, scene)
    frames(app, 3)
    s = scene.session
    assert s.doc.read_only
    before = (LEVELS_DIR / "04-ptosis.toml").read_bytes()
    frames(app, 3, key(pygame.K_s, pygame.KMOD_CTRL))
    copy = tmp_path / "data" / "levels" / "ptosis-copy.toml"
    assert copy.exists() and (LEVELS_DIR / "04-ptosis.toml").read_bytes() == before
    assert load_level(copy).id == "ptosis-copy"
    app.close()


def test_custom_levels_screen_lists_plays_and_reloads(ctx, tmp_path):
    folder = tmp_path / "data" / "levels"
    folder.mkdir(parents=True)
    assert cli_main(["new-level", str(folder / "mine.toml")]) == 0
    scene = make("custom-levels", ctx)
    app = App(ctx, scene)
    frames(app, 2)
    assert [e.valid for e in scene.entries] == [True]
    assert scene.form.items[0].label == "My level"
    # changed on disk by a text editor: read again within a second, with its problem shown
    text = (folder / "mine.toml").read_text()
    (folder / "mine.toml").write_text(text.replace("age_years = 40", "age_years = 400"))
    frames(app, 70)
    assert [e.valid for e in scene.entries] == [False]
    assert "age_years" in scene.form.items[0].help and "(has problems)" in scene.form.items[0].label
    (folder / "mine.toml").write_text(text)
    frames(app, 70)
    assert scene.entries[0].valid
    # Enter plays it (its briefing first); E opens it in the editor
    frames(app, 2, key(pygame.K_RETURN))
    assert app.top.name == "briefing"
    frames(app, 2, key(pygame.K_ESCAPE))
    assert app.top is scene
    frames(app, 2, key(pygame.K_e))
    assert app.top.name == "editor" and app.top.session.doc.path == folder / "mine.toml"
    app.close()


def test_edit_headless_screenshot(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    png = tmp_path / "editor.png"
    assert cli_main(["edit", str(LEVELS_DIR / "04-ptosis.toml"), "--headless", "--screenshot", str(png),
                     "--size", "1024x576"]) == 0
    pygame.init()
    assert pygame.image.load(str(png)).get_size() == (1024, 576)
    assert cli_main(["edit", str(tmp_path / "missing.toml"), "--headless"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_quiz_kind_check_box_and_draft_offer(ctx, tmp_path):
    import pygame_gui
    from pygame_gui.elements import UICheckBox

    from game.editor.session import EditorSession

    level = tmp_path / "mine.toml"
    assert cli_main(["new-level", str(level)]) == 0
    # a session that autosaved and then died without saving
    lost = EditorSession.open(level)
    lost.set(("title",), "Work that was not saved")
    lost.autosave()
    lost.stop_runs()
    scene = make("editor", ctx, level)
    app = App(ctx, scene)
    frames(app, 3)
    s = scene.session
    assert s.draft_offer is not None and s.doc.get(("title",)) == "My level"
    restore = next(b for b, what in scene.offer_buttons.items() if what == "restore")
    click(app, restore.rect.center, 3)
    assert s.doc.get(("title",)) == "Work that was not saved" and s.draft_offer is None
    # a check box: release strength on
    section(app, scene, "Player controls")
    box = scene.view.values["controls.release"]
    assert isinstance(box, UICheckBox) and not box.is_checked
    click(app, box.rect.center, 3)
    assert s.doc.get(("controls", "release")) is True and s.level is not None
    # a quiz question changes kind through its drop-down: its fields follow
    section(app, scene, "Quiz")
    dd = next(el for el, b in scene.view.bindings.items() if b.role == "variant")
    frames(app, 3, [pygame.event.Event(pygame_gui.UI_DROP_DOWN_MENU_CHANGED, text="order", ui_element=dd)])
    q = s.get(("quiz", 0))
    assert q["kind"] == "order" and q["question"] == "Why does rest help Sam's arm?" and len(q["items"]) == 2
    assert "quiz.0.items.0" in scene.view.values
    frames(app, 3, key(pygame.K_s, pygame.KMOD_CTRL))
    assert load_level(level).quiz[0].kind == "order"
    app.close()


def test_custom_levels_lists_installed_packs(ctx, tmp_path):
    from game.levels.packs import build_pack

    src = tmp_path / "pack-src"
    src.mkdir()
    assert cli_main(["new-level", str(src / "first.toml")]) == 0
    (src / "pack.toml").write_text('schema_version = 1\nid = "class-7b"\ntitle = "Class 7B"\nauthor = "Ms K"\n'
                                   'description = "Our levels."\nlevels = ["first.toml"]\n')
    packed = build_pack(src, tmp_path / "class.endplate")
    scene = make("custom-levels", ctx)
    app = App(ctx, scene)
    frames(app, 2)
    assert scene.entries == []
    # install from the screen: type the file's path, choose Install
    i = scene.form.items.index(scene.pack_file)
    scene.form.focus = i
    scene.pack_file.value = str(packed)
    install = scene.form.items[i + 1]
    scene.form.focus = i + 1
    frames(app, 2, key(pygame.K_RETURN))
    assert [(e.source, e.pack_id, e.level_id) for e in scene.entries] == [("pack", "class-7b", "first")]
    assert install.label == "Install the pack"
    app.close()


def test_menu_opens_the_editor_and_the_custom_levels(ctx):
    menu = make("menu", ctx)
    app = App(ctx, menu)
    frames(app, 2)
    labels = [i.label for i in menu.form.items]
    assert "Level editor" in labels and "Custom levels" in labels
    menu.form.focus = labels.index("Level editor")
    frames(app, 2, key(pygame.K_RETURN))
    start = app.top
    assert start.name == "editor-start"
    # copy a campaign level: a new, editable level with its own id
    start.form.focus = [i.label for i in start.form.items].index("Copy a campaign level")
    frames(app, 2, key(pygame.K_RETURN))
    start.form.focus = [i.label for i in start.form.items].index("04-ptosis")
    frames(app, 3, key(pygame.K_RETURN))
    editor = app.top
    assert editor.name == "editor" and not editor.session.doc.read_only
    assert editor.session.doc.get(("id",)) == "ptosis-copy" and editor.session.doc.path is None
    frames(app, 2, key(pygame.K_ESCAPE))
    assert app.top is start
    app.close()


def test_file_dialogs_open_and_save_as(ctx, tmp_path):
    import pygame_gui

    scene = make("editor", ctx)
    app = App(ctx, scene)
    frames(app, 3)
    button = next(b for b, k in scene.top_buttons.items() if k == "saveas")
    click(app, button.rect.center, 3)
    assert scene.file_dialog is not None and scene.file_dialog.alive()
    target = tmp_path / "chosen.toml"
    frames(app, 3, [pygame.event.Event(pygame_gui.UI_FILE_DIALOG_PATH_PICKED, text=str(target),
                                       ui_element=scene.file_dialog)])
    assert load_level(target).id == "my-level" and scene.session.doc.path == target
    # a campaign file is never the target of Save as
    frames(app, 3, [pygame.event.Event(pygame_gui.UI_FILE_DIALOG_PATH_PICKED,
                                       text=str(LEVELS_DIR / "04-ptosis.toml"), ui_element=None)])
    assert "never overwritten" in scene.session.messages[-1].text
    # Open... then Esc closes the dialog and leaves the editor as it was
    button = next(b for b, k in scene.top_buttons.items() if k == "open")
    click(app, button.rect.center, 3)
    assert scene.file_dialog.alive()
    frames(app, 3, key(pygame.K_ESCAPE))
    assert app.top is scene and scene.file_dialog is None
    # picking a file to open replaces the editor's level
    scene._file_dialog("open", "Open a level file")
    frames(app, 3, [pygame.event.Event(pygame_gui.UI_FILE_DIALOG_PATH_PICKED, text=str(LEVELS_DIR / "01-healthy-junction.toml"),
                                       ui_element=scene.file_dialog)])
    assert app.top.name == "editor" and app.top.session.doc.get(("id",)) == "healthy-junction"
    app.close()
