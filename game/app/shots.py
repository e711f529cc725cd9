"""Every screen of the game drawn headless at a chosen window size, text size and palette: for the layout
test (which records the text boxes drawn, see `game.view.text.start_recording`) and for screenshots.

    uv run python -m game.app.shots --size 1024x576 --text 1.5 --palette default --out /tmp/shots

Scenes are built through the router by name, on a throw-away data folder, and run for a few fixed frames
(play fires the nerve) so that their panels hold what a player would see.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Sequence

SCENES = ("menu", "levels", "briefing", "play", "labels", "pause", "help", "debrief", "quiz", "settings", "lab")
SIZES = ((1024, 576), (1280, 720), (1920, 1080))
TEXT_SCALES = (1.0, 1.5)
FRAME_S = 1.0 / 60.0


def _ctx(data_dir: Path, size: tuple[int, int], text_scale: float, palette: str):
    import pygame

    from game.app.context import AppContext
    from game.store import Store

    os.environ["ENDPLATE_DATA_DIR"] = str(data_dir)
    pygame.init()
    store = Store.open(data_dir)
    ctx = AppContext.create(headless=True, store=store, audio=False)
    ctx.sign_in("Ada", "")
    settings = dataclasses.replace(ctx.settings, resolution=tuple(size), text_scale=text_scale, palette=palette)
    ctx.apply_settings(settings)
    return ctx


def _level(ctx, level_id: str = "ptosis"):
    for lv in ctx.levels:
        if lv.id == level_id:
            return lv
    return ctx.campaign[0]


def build(name: str, ctx, level_id: str = "ptosis"):
    """An App showing the scene `name`, after a few frames of it."""
    import pygame

    from game.app.app import App
    from game.app.router import make
    from game.app.scene import Push
    from game.view.input import key_event

    level = _level(ctx, level_id)

    def frames(app, n: int, fire_at: tuple[int, ...] = ()) -> None:
        for i in range(n):
            if i in fire_at:
                key = ctx.bindings.key_for("fire")
                pygame.event.post(key_event(key, True))
                pygame.event.post(key_event(key, False))
            app.frame(FRAME_S)

    if name in ("play", "labels", "pause", "help", "debrief"):
        play = make("play", ctx, level, 1)
        play.callouts.clear()
        app = App(ctx, play)
        frames(app, 45, fire_at=(2, 25))
        if name == "labels":                  # L: structure labels in the lens and the legend
            play.lens_view.labels = True
        if name == "pause":
            app.apply(Push(make("pause", ctx, play)))
        elif name == "help":
            app.apply(Push(make("help", ctx, level)))
        elif name == "debrief":
            summary = play.run.summary()
            log = list(play.run.log)
            app.close()
            app = App(ctx, make("debrief", ctx, level, summary, log, 30.0, seed=1))
        frames(app, 1)
        return app
    args = {"briefing": (level,), "quiz": (level,)}.get(name, ())
    app = App(ctx, make(name, ctx, *args))
    frames(app, 10 if name == "lab" else 2)
    return app


def scenes(size: tuple[int, int], variants: Sequence[tuple[float, str]], names=SCENES,
           on_frame: Callable | None = None) -> Iterator[tuple[str, float, str, object]]:
    """(scene name, text scale, palette, the window surface after drawing it) for each scene and each
    (text scale, palette) variant; each scene is built once and drawn again per variant (settings applied,
    layout redone). `on_frame(name)` is called just before each drawing (the layout test records there)."""
    from game.view import text as tx

    with tempfile.TemporaryDirectory(prefix="endplate-shots-") as tmp:
        ctx = _ctx(Path(tmp), size, variants[0][0], variants[0][1])
        try:
            for name in names:
                app = build(name, ctx)
                try:
                    for scale, palette in variants:
                        ctx.apply_settings(dataclasses.replace(ctx.settings, text_scale=scale, palette=palette))
                        for sc in app.stack:
                            sc.resize(ctx.window.size)
                        if on_frame is not None:
                            on_frame(name)
                        app.draw()
                        tx.stop_recording()
                        yield name, scale, palette, ctx.window.surface
                finally:
                    tx.stop_recording()
                    app.close()
        finally:
            ctx.close()


def layout_problems(size: tuple[int, int], variants: Sequence[tuple[float, str]],
                    names=SCENES) -> dict[tuple[str, float, str], list[str]]:
    """(scene, text scale, palette) -> what is wrong with its text layout (see `Recording.problems`)."""
    import pygame

    from game.view import text as tx

    out: dict[tuple[str, float, str], list[str]] = {}
    recs: list = []

    def start(name: str) -> None:
        recs.append(tx.start_recording())

    for name, scale, palette, surface in scenes(size, variants, names, on_frame=start):
        out[(name, scale, palette)] = recs[-1].problems(pygame.Rect((0, 0), surface.get_size()))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m game.app.shots", description="Screenshots of every scene.")
    p.add_argument("--size", default="1280x720", help="window size WxH (default 1280x720)")
    p.add_argument("--text", type=float, default=1.0, help="text size (1.0 = 100%%)")
    p.add_argument("--palette", default="okabe-ito", help="colour palette: okabe-ito or high-contrast")
    p.add_argument("--scenes", default=",".join(SCENES), help="comma-separated scene names")
    p.add_argument("--out", default=".", help="folder for the PNG files")
    p.add_argument("--check", action="store_true", help="print layout problems instead of saving pictures")
    a = p.parse_args(argv)
    for k, v in (("SDL_VIDEODRIVER", "dummy"), ("SDL_AUDIODRIVER", "dummy"), ("PYGAME_HIDE_SUPPORT_PROMPT", "1")):
        os.environ.setdefault(k, v)
    import pygame

    w, h = (int(x) for x in a.size.lower().split("x"))
    variants = [(a.text, a.palette)]
    if a.check:
        bad = 0
        for (name, scale, pal), problems in layout_problems((w, h), variants, tuple(a.scenes.split(","))).items():
            for line in problems:
                print(f"{name} {w}x{h} {scale:g} {pal}: {line}")
            bad += len(problems)
        return 1 if bad else 0
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, scale, pal, surface in scenes((w, h), variants, tuple(a.scenes.split(","))):
        path = out / f"{name}-{w}x{h}-{int(scale * 100)}-{pal}.png"
        pygame.image.save(surface, str(path))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
