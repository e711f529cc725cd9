"""Key bindings: the defaults live with the input code, the store keeps only what the player changed, and a
saved key pygame does not know (or one that clashes) falls back to the default for that action and is named
on the Settings screen instead of crashing play."""
from __future__ import annotations

import dataclasses

import pygame
import pytest

from game.app.app import App
from game.app.context import AppContext
from game.app.router import make
from game.levels import LEVELS_DIR, load_level
from game.store import Settings, Store
from game.view.input import DEFAULT_KEY_BINDINGS, Bindings, key_event


def test_the_store_keeps_only_changed_keys():
    pygame.init()
    assert Settings().key_bindings == {}
    b = Bindings({"fire": "f"})
    assert b.key_for("fire") == "f" and b.key_for("train") == DEFAULT_KEY_BINDINGS["train"]
    assert b.changes() == {"fire": "f"} and not b.problems


def test_an_unknown_stored_key_falls_back_to_the_default_and_says_so():
    pygame.init()
    b = Bindings({"fire": "no-such-key", "rest": "t"})       # and rest clashes with train's default
    assert b.key_for("fire") == "space"
    assert b.key_for("rest") == "r" and b.key_for("train") == "t"
    text = " ".join(b.problems)
    assert "no-such-key" in text and "Fire one impulse" in text and "Rest" in text


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path))
    pygame.init()
    store = Store.open(tmp_path)
    pid = store.create_profile("Ada").id
    store.save_settings(pid, Settings(key_bindings={"fire": "notakey"}))
    c = AppContext.create(headless=True, store=store, audio=False)
    c.sign_in("Ada", "")
    yield c
    c.close()


def test_play_and_settings_survive_a_stored_key_pygame_does_not_know(ctx):
    assert ctx.settings.key_bindings == {"fire": "notakey"}
    scene = make("play", ctx, load_level(LEVELS_DIR / "lab.toml"), 1)
    app = App(ctx, scene)
    pygame.event.post(key_event("space", True))
    pygame.event.post(key_event("space", False))
    for _ in range(10):
        app.frame(1 / 60)
    assert scene.run.readout().pulses == 1                   # Space still fires
    app.close()
    settings = make("settings", ctx)
    assert "notakey" in settings.form.message and settings.form.message_level == "warn"
    ctx.apply_settings(dataclasses.replace(ctx.settings, key_bindings={}))
    assert not ctx.bindings.problems
