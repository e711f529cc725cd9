"""Entry points of the game: `run_game()` (the menu) and `run_play(args)` (one level, also headless).

Headless runs use SDL's dummy video and audio drivers and a fixed frame time (1/60 s), so a run of S seconds
is exactly S × 60 frames and the same seed gives the same screenshot.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from game.app.router import make

HEADLESS_FPS = 60
FIRST_FIRE_S = 0.25            # headless --fire: the first impulse this long after the start
SINGLE_EVERY_S = 1.0           # headless --fire single: one impulse a second
HEADLESS_DEFAULT_S = 10.0      # headless without --seconds


def _headless_env() -> None:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def _init_pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.init()
    return pygame


def run_game(*, headless: bool = False, max_frames: int | None = None) -> int:
    """Open the window on the main menu and run until the player quits."""
    if headless:
        _headless_env()
    pygame = _init_pygame()
    from game.app.app import App
    from game.app.context import AppContext

    ctx = AppContext.create(headless=headless, audio=not headless)
    app = App(ctx, make("menu", ctx))
    try:
        app.run(max_frames=max_frames, frame_s=1.0 / HEADLESS_FPS if headless else None)
    finally:
        app.close()
        ctx.close()
        _quit(pygame)
    return 0


def _quit(pygame) -> None:
    """Shut pygame down and forget the fonts made with it (a later init in the same process starts clean)."""
    from game.view import text as tx

    pygame.quit()
    tx.clear_cache()


def run_play(args) -> int:
    """`endplate play LEVEL [--seed N] [--headless --seconds S --screenshot PNG] [--record JSONL]
    [--fire none|single|train]`. A level that cannot be used prints its problems and returns 2."""
    from game.levels import LevelError, load_level

    try:
        level = load_level(args.level)
    except LevelError as err:
        for problem in err.problems:
            print(str(problem), file=sys.stderr)
        return 2
    headless = bool(getattr(args, "headless", False))
    if headless:
        _headless_env()
    screenshot = getattr(args, "screenshot", None)
    if screenshot:
        parent = Path(screenshot).expanduser().resolve().parent
        if not parent.is_dir():
            print(f"endplate: --screenshot: folder {parent} does not exist", file=sys.stderr)
            return 2
    record = getattr(args, "record", None)
    if record and not Path(record).expanduser().resolve().parent.is_dir():
        print(f"endplate: --record: folder {Path(record).parent} does not exist", file=sys.stderr)
        return 2
    pygame = _init_pygame()
    from game.app.app import App
    from game.app.context import AppContext
    from game.view.input import key_event

    seed = int(getattr(args, "seed", 1) or 1)
    ctx = AppContext.create(headless=headless, seed=seed, audio=not headless)
    scene = make("play", ctx, level, seed, record=record, level_path=str(args.level))
    app = App(ctx, scene)
    seconds = getattr(args, "seconds", None)
    if headless and seconds is None:
        seconds = HEADLESS_DEFAULT_S
    fire = getattr(args, "fire", "none") or "none"
    frames = int(round(seconds * HEADLESS_FPS)) if seconds else None
    first = int(round(FIRST_FIRE_S * HEADLESS_FPS))
    every = int(round(SINGLE_EVERY_S * HEADLESS_FPS))
    fire_key = ctx.bindings.key_for("fire")
    train_key = ctx.bindings.key_for("train")

    def post_inputs(a: App) -> None:
        f = a.frames
        if fire == "single" and f >= first and (f - first) % every == 0:
            pygame.event.post(key_event(fire_key, True))
            pygame.event.post(key_event(fire_key, False))
        elif fire == "train" and f == first:
            pygame.event.post(key_event(train_key, True))     # held down until the run ends

    try:
        if headless:
            app.run(max_frames=frames, frame_s=1.0 / HEADLESS_FPS, on_frame=post_inputs)
        else:
            app.run(max_frames=frames, on_frame=post_inputs if fire != "none" else None)
        if screenshot:
            pygame.image.save(ctx.window.surface, str(screenshot))
    finally:
        app.close()
        ctx.close()
        _quit(pygame)
    if screenshot:
        print(f"screenshot: {screenshot}")
    return 0
