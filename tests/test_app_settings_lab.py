"""Settings change through the menu, apply at once and persist; the lab exports CSV without overwriting."""
import csv
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.app.app import App  # noqa: E402
from game.app.lab_export import PULSE_COLUMNS, TRACE_COLUMNS, Recording, export_recording, write_csv  # noqa: E402
from game.store import Store  # noqa: E402
from game.view import text as tx  # noqa: E402
from game.view.input import key_event  # noqa: E402


def tap(name: str) -> list:
    return [key_event(name, True), key_event(name, False)]


def run(app, frames, posts=None):
    posts = posts or {}
    for i in range(frames):
        for ev in posts.get(i, []):
            pygame.event.post(ev)
        app.frame(1 / 60)


@pytest.fixture
def ctx(app_ctx):
    return app_ctx          # tests/conftest.py


def item_index(scene, label_start: str) -> int:
    return next(i for i, it in enumerate(scene.form.items) if it.label.startswith(label_start))


def test_settings_apply_at_once_and_persist(ctx, tmp_path):
    from game.app.scenes.settings import SettingsScene

    assert ctx.sign_in("Ada", "7B") is None
    scene = SettingsScene(ctx)
    app = App(ctx, scene)
    # text size: move to it and press Right twice
    k = item_index(scene, "Text size")
    run(app, 1 + k + 3, {**{i: tap("down") for i in range(k)}, k + 1: tap("right"), k + 2: tap("right")})
    assert ctx.settings.text_scale == pytest.approx(1.25)
    assert tx.get_text_scale() == pytest.approx(1.25)                  # applied now
    # palette: the Colours row
    scene.form.focus = item_index(scene, "Colours")
    run(app, 2, {0: tap("right")})
    assert ctx.settings.palette == "high-contrast" and ctx.palette.name == "high-contrast"
    # mute
    scene.form.focus = item_index(scene, "Mute")
    run(app, 2, {0: tap("return")})
    assert ctx.settings.muted and ctx.audio.muted
    # rebind "fire" by pressing a key: Enter, then the key
    scene.form.focus = item_index(scene, "Key: Fire")
    run(app, 3, {0: tap("return"), 1: tap("f")})
    assert ctx.settings.key_bindings["fire"] == "f"
    assert ctx.bindings.translate(key_event("f")).action == "fire"      # applied to play at once
    # binding a key another action uses swaps them (no conflict is ever saved)
    run(app, 3, {0: tap("return"), 1: tap("t")})
    assert ctx.settings.key_bindings["fire"] == "t" and ctx.settings.key_bindings["train"] == "f"
    app.close()
    # persisted: a new store on the same file gives the same settings for the profile
    with Store.open(tmp_path / "data") as store:
        saved = store.load_settings(ctx.profile.id)
    assert saved.text_scale == pytest.approx(1.25) and saved.palette == "high-contrast" and saved.muted
    assert saved.key_bindings["fire"] == "t"


def test_window_size_setting_resizes_and_relayouts(ctx):
    from game.app.scenes.play import PlayScene
    from game.levels import LEVELS_DIR, load_level

    play = PlayScene(ctx, load_level(LEVELS_DIR / "lab.toml"))
    app = App(ctx, play)
    assert ctx.update_settings(resolution=(1024, 576)) is None
    for s in app.stack:
        s.resize(ctx.window.size)
    assert ctx.window.size == (1024, 576)
    assert play.rects["controls"].right <= 1024 and play.rects["scope"].bottom <= 576
    run(app, 2)
    app.close()


def test_lab_csv_export_has_columns_and_never_overwrites(ctx, tmp_path):
    from game.app.scenes.lab import LabScene

    lab = LabScene(ctx, seed=2)
    app = App(ctx, lab)
    run(app, 200, {1: tap("space")})                  # RNS 3 Hz x 10 (default stimulus), ~1.3 s of it
    assert len(lab.rec.pulses) >= 3
    lab.export()
    files = sorted((tmp_path / "data" / "exports").glob("*.csv"))
    assert len(files) == 3, lab.message
    pulses = next(f for f in files if f.name.endswith("-pulses.csv"))
    with open(pulses, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == PULSE_COLUMNS and len(rows) == len(lab.rec.pulses) + 1
    traces = next(f for f in files if f.name.endswith("-traces.csv"))
    with open(traces, encoding="utf-8-sig", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == TRACE_COLUMNS
    assert str(pulses.parent) in lab.message
    # a second export in the same second gets new names; writing onto an existing file is refused
    lab.export()
    assert len(list((tmp_path / "data" / "exports").glob("*.csv"))) == 6
    with pytest.raises(FileExistsError):
        write_csv(pulses, PULSE_COLUMNS, [])
    first = export_recording(tmp_path / "data" / "exports", Recording(pulses=[{"pulse": 1}]), stem="x")
    again = export_recording(tmp_path / "data" / "exports", Recording(pulses=[{"pulse": 2}]), stem="x")
    assert first[0].name == "x-pulses.csv" and again[0].name == "x-2-pulses.csv"
    assert "1" in first[0].read_text(encoding="utf-8-sig").splitlines()[1]
    app.close()


def test_lab_marks_measure_between_two_points(ctx):
    from game.app.scenes.lab import LabScene

    lab = LabScene(ctx, seed=1)
    lab.stimulus = "single"
    app = App(ctx, lab)
    run(app, 30, {1: tap("space")})
    assert lab.epps
    for t in (1.0, 4.0):
        lab.cursor_t = t
        lab.add_mark()
    (ta, va), (tb, vb) = lab.marks
    assert tb - ta == pytest.approx(3.0) and va != vb
    app.close()


def test_lab_bench_uses_the_lab_protocols_fibre_counts(ctx):
    # the game's bench shows the same smooth CMAP as `experiment` (row 19): 2000 fibres, LEMS 20,000
    from game.app.scenes.lab import LabScene
    from game.sim.experiments import lab_fibers

    lab = LabScene(ctx, seed=1)
    assert lab.sim.spec.n_fibers == lab_fibers("healthy") >= 1000
    lab._set_condition("lems")
    assert lab.sim.spec.n_fibers == lab_fibers("lems") > lab_fibers("healthy")
    lab.close()
