"""Shared test set-up: headless SDL before pygame is imported anywhere, and a fresh esper world per test."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import game  # noqa: E402,F401  - one BLAS thread, set before anything imports numpy (see game/__init__.py)

import esper  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_esper_world():
    """Every test starts in an empty esper world and leaves no world behind."""
    before = set(esper.list_worlds())
    esper.switch_world("test")
    yield
    esper.switch_world("default")
    for name in set(esper.list_worlds()) - before - {"default"}:
        esper.delete_world(name)


# Solved quantal tables (game.sim.table_cache) go to a folder of this test session, never the user's cache.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

_CACHE_DIR = tempfile.mkdtemp(prefix="endplate-test-cache-")
os.environ["ENDPLATE_CACHE_DIR"] = _CACHE_DIR
atexit.register(shutil.rmtree, _CACHE_DIR, True)


@pytest.fixture
def app_ctx(tmp_path, monkeypatch):
    """A headless AppContext over a fresh data folder (ENDPLATE_DATA_DIR points at it); text scale reset after."""
    import pygame

    from game.app.context import AppContext
    from game.store import Store
    from game.view import text as tx

    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir(exist_ok=True)
    pygame.init()
    c = AppContext.create(headless=True, store=Store.open(tmp_path / "data"), audio=False)
    yield c
    tx.set_text_scale(1.0)
    c.close()
