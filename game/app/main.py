"""Entry points of the game: `run_game()` (the menu) and `run_play(args)` (one level, also headless).

Headless runs use SDL's dummy video and audio drivers and a fixed frame time (1/60 s), so a run of S seconds
is exactly S × 60 frames and the same seed gives the same screenshot.
"""
from __future__ import annotations

import io
import math
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


def no_display() -> str | None:
    """Why a window cannot be shown here (None if it can): the game would otherwise run invisibly."""
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver in ("dummy", "offscreen"):
        return (f"no display: SDL_VIDEODRIVER={driver} would run the game invisibly (unset it to play, or use "
                "`play LEVEL --headless` for a run without a window)")
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not driver:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return ("no display: DISPLAY and WAYLAND_DISPLAY are not set, so no window can open (play on a "
                    "desktop, or use `play LEVEL --headless` for a run without a window)")
    return None


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

    from game.store import NewerFormatError

    try:
        ctx = AppContext.create(headless=headless, audio=not headless)
    except NewerFormatError as err:
        print(f"endplate: {err}", file=sys.stderr)
        _quit(pygame)
        return 2
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
    """`endplate play LEVEL [--seed N] [--headless --seconds S --screenshot PNG] [--record JSONL | --replay JSONL]
    [--fire none|single|train] [--force]`. A level, option or output path that cannot be used prints one line
    and returns 2 (output paths are checked before the run); a result that could not be saved returns 1."""
    from game.levels import LevelError, load_level
    from game.levels.campaign import source_sha256
    from game.rules import replay as rp
    from game.store.safewrite import AtomicFile, OutputError, atomic_write, check_output

    try:
        level = load_level(args.level)
    except LevelError as err:
        for problem in err.problems:
            print(str(problem), file=sys.stderr)
        return 2
    headless = bool(getattr(args, "headless", False))
    force = bool(getattr(args, "force", False))
    screenshot = getattr(args, "screenshot", None)
    record = getattr(args, "record", None)
    replay_path = getattr(args, "replay", None)
    seed = int(getattr(args, "seed", 1))
    moves = None
    try:
        if record and replay_path:
            raise OutputError("--record: cannot be used with --replay (the replay is already recorded)")
        if screenshot:
            check_output(screenshot, "--screenshot", force=force)
        if record:
            check_output(record, "--record", force=force)
        if replay_path:
            head, moves, seed = _read_replay(replay_path, level, seed, rp)
    except (OutputError, rp.ReplayError) as err:
        print(f"endplate: {err}", file=sys.stderr)
        return 2
    if not headless and (problem := no_display()):
        print(f"endplate: {problem}", file=sys.stderr)
        return 2
    if headless:
        _headless_env()
    pygame = _init_pygame()
    from game.app.app import App
    from game.app.context import AppContext
    from game.store import NewerFormatError
    from game.view.input import key_event

    try:
        ctx = AppContext.create(headless=headless, seed=seed, audio=not headless)
    except NewerFormatError as err:
        print(f"endplate: {err}", file=sys.stderr)
        _quit(pygame)
        return 2
    record_file = None
    if record:
        try:
            record_file = AtomicFile(record, "--record", force=force)
            record_file.write(rp.dumps(rp.header(level.id, source_sha256(level), seed), []))
        except OutputError as err:
            print(f"endplate: {err}", file=sys.stderr)
            ctx.close()
            _quit(pygame)
            return 2
    scene = make("play", ctx, level, seed, record=record_file, level_path=str(args.level))
    if moves is not None:
        scene.play_back(moves)
    app = App(ctx, scene)
    seconds = getattr(args, "seconds", None)
    if headless and seconds is None:
        seconds = HEADLESS_DEFAULT_S
        if moves is not None:      # a replay runs to the level's end (and the debrief)
            seconds = min(3600.0, level.duration_model_s / level.pace_model_s_per_play_s + 3.0)
    fire = getattr(args, "fire", "none") or "none"
    frames = int(math.ceil(seconds * HEADLESS_FPS)) if seconds else None
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

    code = 0
    try:
        if headless:
            app.run(max_frames=frames, frame_s=1.0 / HEADLESS_FPS, on_frame=post_inputs)
        else:
            app.run(max_frames=frames, on_frame=post_inputs if fire != "none" else None)
        if screenshot:
            buf = io.BytesIO()
            pygame.image.save(ctx.window.surface, buf, "png")
            atomic_write(screenshot, buf.getvalue(), "--screenshot", force=force)
        if record_file is not None:
            scene.close()
            record_file.commit()
    except OutputError as err:
        print(f"endplate: {err}", file=sys.stderr)
        code = 2
    finally:
        if record_file is not None and not record_file.done:
            record_file.discard()
        app.close()
        summary = getattr(scene, "final_summary", None)
        problems = list(ctx.save_problems)
        if not ctx.store.persistent:
            problems.append(f"progress is not being saved ({ctx.store.path} could not be used)")
        ctx.close()
        _quit(pygame)
    if moves is not None and summary is not None:
        print(f"replay: {'won' if summary.won else 'lost'}, score {summary.score:.0f}, "
              f"{summary.stars} star{'s' if summary.stars != 1 else ''}")
    if screenshot and code == 0:
        print(f"screenshot: {screenshot}")
    if problems and code == 0:
        for problem in problems:
            print(f"endplate: {problem}", file=sys.stderr)
        code = 1
    return code


def _read_replay(path: str, level, seed: int, rp):
    """(header, moves, seed) of a replay file for `level`; ReplayError names what is wrong."""
    from game.levels.campaign import source_sha256
    from game.levels.loader import read_limited

    try:
        text = read_limited(path).decode("utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise rp.ReplayError(f"--replay: cannot read {path} ({getattr(err, 'strerror', None) or err})") from None
    head, moves = rp.loads(text, f"--replay {path}")
    if head is not None:
        if head.level_id != level.id:
            raise rp.ReplayError(f"--replay: {path} was recorded on level {head.level_id!r}, not {level.id!r}")
        if head.level_sha256 != source_sha256(level):
            raise rp.ReplayError(f"--replay: {path} was recorded on another version of {level.id!r} "
                                 "(the level text differs)")
        seed = head.seed
    return head, moves, seed


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
    if getattr(args, "record", None) or getattr(args, "screenshot", None) or getattr(args, "replay", None):
        return fail("play --class: --record, --replay and --screenshot are for single levels (the class server "
                    "keeps your replays)")
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

    from game.store import NewerFormatError

    try:
        ctx = AppContext.create(headless=headless, seed=run.seed, audio=not headless)
    except NewerFormatError as err:
        _quit(pygame)
        return fail(str(err))
    ctx.class_run = run
    try:
        ctx.store.class_join_remember(run.remembered())
    except Exception as err:        # only a later "Continue" in the game needs it
        print(f"endplate: the class could not be remembered for next time: {err}", file=sys.stderr)
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
            try:
                _class_headless(ctx, run, args, spec)
            except ClassError as err:         # e.g. the pre/post quiz could not be fetched: what was played is kept
                print(f"endplate: class: {err}", file=sys.stderr)
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
