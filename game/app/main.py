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
    from game.app.classplay import sync
    sync(ctx)               # class results left from an earlier run are sent (in the background) from the start
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


CLASS_FLUSH_S = 20.0          # how long `play --class` waits for the server to take the results at the end


def run_class_play(args) -> int:
    """`endplate play --class URL --code CODE --nickname NAME [--headless --seconds S --fire ... --quiz SPEC]`:
    join the class server and play the session's levels in order. With a window the class screen opens;
    headless, each level is played for --seconds (or to its end) and then runs on to its end with no more
    moves, the attempt and the quiz answers go to the outbox, and everything is sent before the exit."""
    from game.netclient.api import ClassError
    from game.netclient.classrun import ClassRun
    from game.netclient.scripted import parse_spec

    def fail(message: str) -> int:
        print(f"endplate: {message}", file=sys.stderr)
        return 2

    missing = [name for name, v in (("--class URL", args.class_url), ("--code", args.code),
                                    ("--nickname", args.nickname)) if not v]
    if missing:
        return fail(f"play: joining a class needs {', '.join(missing)} (expected --class URL --code CODE "
                    "--nickname NAME)")
    if args.level is not None:
        return fail(f"play: give a LEVEL file or --class, not both (got {args.level!r} and --class)")
    if getattr(args, "record", None) or getattr(args, "screenshot", None):
        return fail("play --class: --record and --screenshot are for single levels (the class server keeps "
                    "your replays)")
    try:
        spec = parse_spec(getattr(args, "quiz", "skip"))
    except ValueError as err:
        return fail(f"--quiz: {err}")
    try:
        run = ClassRun.join(args.class_url, args.code, args.nickname)
    except ClassError as err:
        return fail(f"class: {err}")
    headless = bool(getattr(args, "headless", False))
    if headless:
        _headless_env()
    pygame = _init_pygame()
    from game.app.app import App
    from game.app.classplay import sync
    from game.app.context import AppContext

    ctx = AppContext.create(headless=headless, seed=run.seed, audio=not headless)
    ctx.class_run = run
    sender = sync(ctx)
    print(f"joined {run.title!r} as {run.nickname} ({len(run.levels)} levels, seed {run.seed}, "
          f"quiz {run.quiz_mode})")
    try:
        if not headless:
            app = App(ctx, make("class", ctx))
            try:
                app.run()
            finally:
                app.close()
        else:
            _class_headless(ctx, run, args, spec)
        status = sender.flush(CLASS_FLUSH_S)
    finally:
        ctx.close()
        _quit(pygame)
    for lv in run.levels:
        done = run.played.get(lv.id)
        if done is None:
            continue
        reply = sender.replies.get(done.uuid)
        if reply is None:
            print(f"{lv.id}: score {done.score:.0f}, {done.stars} stars ({'won' if done.won else 'lost'}); not sent yet")
        else:
            mark = "verified" if reply.get("verified") else f"not verified ({reply.get('reason') or 'no reason given'})"
            print(f"{lv.id}: score {float(reply.get('score') or 0):.0f}, {reply.get('stars')} stars, {mark}")
    print(status.line())
    return 0


def _class_headless(ctx, run, args, spec: dict[str, str]) -> None:
    """Play every level of the session headless, with scripted quiz answers."""
    import pygame

    from game.app.app import App
    from game.app.classplay import finish_early, sync
    from game.netclient.scripted import level_answer, prepost_answer
    from game.view.input import key_event

    def answer_prepost(phase: str) -> None:
        if run.quiz_mode != "pre-post" or spec[phase] == "skip":
            return
        if run.prepost is None:
            with run.client() as client:
                run.prepost = [dict(it) for it in client.prepost().items]
        for item in run.prepost:
            run.queue_answer(ctx.store, phase, item["id"], prepost_answer(item, spec[phase]))
        run.quizzed.add(phase)

    answer_prepost("pre")
    seconds = getattr(args, "seconds", None) or HEADLESS_DEFAULT_S
    fire = getattr(args, "fire", "none") or "none"
    frames = int(round(seconds * HEADLESS_FPS))
    first = int(round(FIRST_FIRE_S * HEADLESS_FPS))
    every = int(round(SINGLE_EVERY_S * HEADLESS_FPS))
    fire_key = ctx.bindings.key_for("fire")
    train_key = ctx.bindings.key_for("train")
    for lv in run.levels:
        scene = make("play", ctx, lv.level, run.seed, class_level=lv)
        app = App(ctx, scene)

        def post_inputs(a: App, scene=scene) -> None:
            if scene.run.finished:            # the level ended before --seconds: stop here
                a.running = False
                return
            f = a.frames
            if fire == "single" and f >= first and (f - first) % every == 0:
                pygame.event.post(key_event(fire_key, True))
                pygame.event.post(key_event(fire_key, False))
            elif fire == "train" and f == first:
                pygame.event.post(key_event(train_key, True))

        try:
            app.run(max_frames=frames, frame_s=1.0 / HEADLESS_FPS, on_frame=post_inputs)
            finish_early(scene)
        finally:
            app.close()
            pygame.event.clear()
        done = run.played.get(lv.id)
        if done is not None:
            print(f"played {lv.id}: score {done.score:.0f}, {done.stars} stars ({'won' if done.won else 'lost'})")
        if run.quiz_mode == "after-level" and spec["level"] != "skip" and lv.level.quiz:
            for i, q in enumerate(lv.level.quiz):
                run.queue_answer(ctx.store, "level", i, level_answer(q, spec["level"]), lv.id)
            run.quizzed.add(lv.id)
        sync(ctx).sync_now()
    answer_prepost("post")
