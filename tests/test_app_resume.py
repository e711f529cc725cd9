"""Continuing a level from its autosave rebuilds the same model state (the model is deterministic)."""
from __future__ import annotations

import pygame
import pytest

from game.app.context import AppContext
from game.app.scenes.menu import MenuScene
from game.app.scenes.play import PlayScene
from game.app.scene import Push
from game.store import Store


@pytest.fixture
def ctx(tmp_path):
    store = Store.open(tmp_path / "endplate.sqlite3")
    c = AppContext.create(headless=True, store=store)
    profile = store.create_profile("Tester")
    store.use_profile(profile.id)
    c.profile = profile
    yield c
    store.close()
    pygame.quit()


def test_autosave_and_continue_rebuild_the_same_state(ctx):
    level = next(lv for lv in ctx.campaign if lv.order == 2)
    play = PlayScene(ctx, level, 5)
    play.act("train_start", 20.0)
    play.run.advance(3.0)
    play.act("train_stop")
    play.run.advance(2.0)
    play.act("fire")
    play.run.advance(1.0)
    before = play.run.readout()
    play.autosave()
    play.close()

    menu = MenuScene(ctx)
    menu.resize((1280, 720))
    menu.enter()
    cont = next(i for i in menu.form.items if i.label.startswith("Continue"))
    result = cont.on_activate()
    assert isinstance(result, Push)
    resumed = result.scene
    after = resumed.run.readout()
    assert after.t_s == pytest.approx(before.t_s)
    assert after.pulses == before.pulses
    assert after.rrp_fraction == pytest.approx(before.rrp_fraction, rel=1e-6)
    assert after.force == pytest.approx(before.force, rel=1e-6, abs=1e-9)
    resumed.close()


def test_player_screen_exports_the_class_results(ctx, tmp_path, monkeypatch):
    from game.app.scenes.menu import ProfileScene

    monkeypatch.setattr(type(ctx), "export_dir", lambda self: tmp_path / "exports")
    ctx.store.record_result(ctx.profile.id, "healthy-junction", 80, 2, True, 60.0, {})
    scene = ProfileScene(ctx)
    scene.code.value = ""
    item = next(i for i in scene.form.items if i.label.startswith("Export"))
    item.on_activate()
    files = list((tmp_path / "exports").glob("results-all-*.csv"))
    assert len(files) == 1 and "Tester" in files[0].read_text(encoding="utf-8-sig")
    assert "saved to" in scene.form.message
    item.on_activate()                                    # a second export gets its own file
    assert len(list((tmp_path / "exports").glob("results-all-*.csv"))) == 2
