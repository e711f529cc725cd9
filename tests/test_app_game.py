"""The game headless: scenes switch and close their model worlds, key events act through the model, a level
played to its end reaches its debrief, the same seed renders the same frame, broken levels show messages."""
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import esper  # noqa: E402
import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from game.app.app import App  # noqa: E402
from game.app.context import AppContext  # noqa: E402
from game.app.scene import Push  # noqa: E402
from game.levels import LEVELS_DIR, load_level  # noqa: E402
from game.sim.events import DrugEvent, ImpulseEvent  # noqa: E402
from game.store import Store  # noqa: E402
from game.view.input import key_event  # noqa: E402

FRAME = 1 / 60
LAB = LEVELS_DIR / "lab.toml"


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir(exist_ok=True)
    pygame.init()
    c = AppContext.create(headless=True, store=Store.open(tmp_path / "data"), audio=False,
                          levels_dir=tmp_path / "levels" if (tmp_path / "levels").exists() else None)
    yield c
    c.close()


def run(app: App, frames: int, posts: dict[int, list] | None = None) -> None:
    posts = posts or {}
    for i in range(frames):
        for ev in posts.get(i, []):
            pygame.event.post(ev)
        if not app.frame(FRAME):
            break


def tap(name: str) -> list:
    return [key_event(name, True), key_event(name, False)]


def capture_events(scene) -> list:
    seen: list = []
    original = scene.on_events

    def spy(events):
        seen.extend(events)
        original(events)

    scene.on_events = spy
    return seen


def test_keys_fire_impulses_trains_and_treatments_through_the_model(ctx):
    from game.app.scenes.play import PlayScene

    scene = PlayScene(ctx, load_level(LAB), seed=2)
    seen = capture_events(scene)
    app = App(ctx, scene)
    run(app, 20, {2: tap("space")})
    impulses = [e for e in seen if isinstance(e, ImpulseEvent)]
    assert len(impulses) == 1 and scene.run.readout().pulses == 1
    assert scene.player.last is not None and scene.player.last.event.pulse == 1     # the lens replays it
    # hold T: a train runs while the key is down
    run(app, 40, {0: [key_event("t", True)]})
    assert scene.run.readout().train_active
    run(app, 5, {0: [key_event("t", False)]})
    assert not scene.run.readout().train_active
    assert len([e for e in seen if isinstance(e, ImpulseEvent)]) > 5
    # number key 1: the level's first treatment (pyridostigmine) goes to the model
    run(app, 5, {0: tap("1")})
    assert any(isinstance(e, DrugEvent) and e.drug == "pyridostigmine" for e in seen)
    assert any(d.kind == "pyridostigmine" and not d.before_start for d in scene.run.summary().doses)
    # Up raises the train frequency through the run
    before = scene.run.frequency_hz
    run(app, 3, {0: tap("up")})
    assert scene.run.frequency_hz > before
    # Tab walks the keyboard focus over the lens structures (their name and one line show as a tooltip)
    run(app, 3, {0: tap("tab")})
    assert scene.focus == 0 and scene.lens_view.focus_region is not None
    app.close()


def test_scenes_switch_and_close_their_worlds(ctx):
    from game.app.scenes.lab import LabScene
    from game.app.scenes.menu import MenuScene
    from game.app.scenes.play import PlayScene

    before = set(esper.list_worlds())
    app = App(ctx, MenuScene(ctx))
    run(app, 2)
    app.apply(Push(PlayScene(ctx, load_level(LAB), seed=1)))
    run(app, 3)
    assert len(set(esper.list_worlds()) - before) == 1
    run(app, 3, {0: tap("escape")})                      # pause menu over the play scene
    assert app.top.name == "pause" and app.stack[-2].name == "play"
    # "Quit to the menu": the last item
    run(app, 8, {0: tap("up"), 2: tap("return")})
    assert [s.name for s in app.stack] == ["menu"]
    assert set(esper.list_worlds()) == before            # the level's world was deleted
    # the lab bench from the menu, and back
    run(app, 4, {0: tap("down"), 2: tap("return")})
    assert app.top.name == "lab" and len(set(esper.list_worlds()) - before) == 1
    lab = app.top
    lab._set_condition("mg-moderate")                     # a new preparation replaces the old world
    assert len(set(esper.list_worlds()) - before) == 1
    run(app, 3, {0: tap("escape")})
    assert app.top.name == "menu" and lab.closed
    assert set(esper.list_worlds()) == before
    app.close()


def tiny_level(folder: Path) -> Path:
    text = LAB.read_text(encoding="utf-8")
    text = text.replace('id = "lab"', 'id = "tiny"').replace("order = 0", "order = 1")
    text = text.replace("duration_model_s = 14400.0", "duration_model_s = 3.0")
    text = text.replace("min_demand_met_fraction = 0.0", "min_demand_met_fraction = 0.0\n")
    text += ('\n[[demand]]\nname = "Lift"\nkind = "lift"\nstart_s = 0.5\nduration_s = 1.5\nforce_fraction = 0.05\n')
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_level_played_to_its_end_reaches_the_debrief_and_quiz(ctx, tmp_path):
    from game.app.scenes.campaign import BriefingScene

    level = load_level(tiny_level(tmp_path / "lv"))
    assert ctx.sign_in("Ada", "7B") is None
    app = App(ctx, BriefingScene(ctx, level))
    run(app, 3, {1: tap("return")})
    assert app.top.name == "play"
    run(app, 400, {5: [key_event("t", True)]})            # hold a train through the task
    assert app.top.name == "debrief"
    summary = app.top.summary
    assert summary.finished and summary.won and summary.tasks[0].met_fraction > 0.5
    attempts = ctx.store.attempts(ctx.profile.id, "tiny")
    assert len(attempts) == 1 and attempts[0].won
    row = ctx.store._db.execute("SELECT level_kind, level_sha256, seed FROM results").fetchone()
    assert row[0] == "custom" and len(row[1]) == 64 and row[2] == 1
    assert ctx.store.best(ctx.profile.id, "tiny") is None     # a custom level is no campaign progress
    run(app, 3, {0: tap("return")})                        # first item: the quiz
    assert app.top.name == "quiz"
    quiz = app.top
    run(app, 3, {0: tap("return")})                        # check the (shuffled) order question
    assert quiz.checked is False
    run(app, 3, {0: tap("return")})                        # next: the choice question; pick 1 and check
    run(app, 3, {0: tap("1"), 1: tap("return")})
    assert quiz.checked is True and quiz.correct == 1
    app.close()


def render(seed: int, size=(640, 360)) -> np.ndarray:
    from game.app.scenes.play import PlayScene

    with tempfile.TemporaryDirectory() as tmp:
        c = AppContext.create(headless=True, store=Store.open(tmp), audio=False)
        c.window.resize(size)
        scene = PlayScene(c, load_level(LAB), seed=seed)
        scene.callouts.clear()
        app = App(c, scene)
        run(app, 50, {1: tap("space")})
        img = pygame.surfarray.array3d(c.window.surface).copy()
        app.close()
        c.close()
    return img


def test_same_seed_renders_the_same_frame(tmp_path):
    pygame.init()
    a, b = render(5), render(5)
    diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2)
    bad = float((diff > 8).mean())
    if bad > 0.001:
        out = Path(tempfile.mkdtemp(prefix="endplate-shot-"))
        pygame.image.save(pygame.surfarray.make_surface(a), str(out / "first.png"))
        pygame.image.save(pygame.surfarray.make_surface(b), str(out / "second.png"))
        pytest.fail(f"{bad:.2%} of pixels differ; frames saved in {out}")
    assert a.std() > 10                                     # not a blank frame


def test_broken_level_shows_its_message_in_the_menu(tmp_path, monkeypatch):
    from game.app.scenes.menu import MenuScene

    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "broken.toml").write_text('schema_version = 1\nid = "Bad Id"\n', encoding="utf-8")
    tiny_level(levels)
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir(exist_ok=True)
    pygame.init()
    ctx = AppContext.create(headless=True, store=Store.open(tmp_path / "data"), audio=False, levels_dir=levels)
    assert ctx.level_problems and "broken.toml" in str(ctx.level_problems[0])
    assert [lv.id for lv in ctx.levels] == ["tiny"]
    app = App(ctx, MenuScene(ctx))
    run(app, 5)
    assert app.running and app.top.name == "menu"
    run(app, 4, {0: tap("return")})                         # the campaign still opens with the good level
    assert app.top.name == "levels"
    app.close()
    ctx.close()
