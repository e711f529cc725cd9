"""Command line of the level editor (registered in game/cli.py's COMMAND_MODULES):

    uv run main.py edit [LEVEL.toml] [--copy] [--headless --screenshot out.png] [--size WxH] [--text-size S]
    uv run main.py new-level PATH [--from LEVEL]

A wrong option or a bad file prints one line naming it and exits 2; nothing is overwritten.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

EXIT_USAGE = 2


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{3,5})x(\d{3,5})", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"expected a window size like 1280x720, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 360 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"expected a size from 640x360 to 7680x4320, got {text}")
    return w, h


def _text_size(text: str) -> float:
    try:
        v = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a text size such as 1.5 or 150%, got {text!r}") from None
    if not 0.75 <= v <= 2.0:
        raise argparse.ArgumentTypeError(f"expected a text size from 0.75 to 2 (75% to 200%), got {text}")
    return v


def register(sub) -> dict:
    edit = sub.add_parser("edit", help="open the level editor (on LEVEL, or a new level from the template)")
    edit.add_argument("level", nargs="?", metavar="LEVEL", help="a level file; campaign levels open read-only")
    edit.add_argument("--copy", action="store_true", help="start a new level as a copy of LEVEL")
    edit.add_argument("--headless", action="store_true", help="no window (dummy video driver); with --screenshot")
    edit.add_argument("--screenshot", metavar="PNG", help="save a picture of the editor once its previews are ready")
    edit.add_argument("--check", action="store_true", help="headless: run the check (F6) before the screenshot")
    edit.add_argument("--size", type=_size, default=None, help="window size, e.g. 1920x1080")
    edit.add_argument("--text-size", type=_text_size, default=None, help="text size, e.g. 1.5 or 150%%")
    edit.add_argument("--section", default=None, metavar="NAME",
                      help="open the form on this section (e.g. Quiz), for screenshots")
    edit.add_argument("--palette", choices=("okabe-ito", "high-contrast"), default=None, help="colour palette")

    new = sub.add_parser("new-level", help="write a valid starting level file (never overwrites)")
    new.add_argument("path", metavar="PATH", help="the new level file, e.g. my-level.toml")
    new.add_argument("--from", dest="source", metavar="LEVEL", default=None,
                     help="copy this level file instead of the built-in template")
    return {"edit": run_edit, "new-level": run_new_level}


def run_new_level(args: argparse.Namespace, out=None) -> int:
    from game.editor.document import DocumentError, LevelDocument

    out = out or sys.stdout
    target = Path(args.path)
    if target.suffix != ".toml":
        print(f"endplate: new-level: {target}: give a file name ending in .toml", file=sys.stderr)
        return EXIT_USAGE
    if target.exists():
        print(f"endplate: new-level: {target}: already exists; not overwritten", file=sys.stderr)
        return EXIT_USAGE
    if not target.parent.is_dir():
        print(f"endplate: new-level: {target}: folder {target.parent} not found", file=sys.stderr)
        return EXIT_USAGE
    try:
        doc = LevelDocument.new(args.source)
    except DocumentError as e:
        print(f"endplate: new-level: --from {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.source is not None and (problems := doc.problems()):
        for p in problems:
            print(f"endplate: new-level: --from {args.source}: {p.location + ': ' if p.location else ''}{p.message}",
                  file=sys.stderr)
        return EXIT_USAGE
    slug = re.sub(r"[^a-z0-9]+", "-", target.stem.lower()).strip("-")[:40].strip("-")
    if args.source is None and slug:
        doc.set(("id",), slug)
    try:
        doc.save(target)
    except DocumentError as e:
        print(f"endplate: new-level: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {target} (id {doc.get(('id',))}); edit it with: uv run main.py edit {target}", file=out)
    return 0


def run_edit(args: argparse.Namespace) -> int:
    """Open the editor window (or, headless, render it once for a screenshot)."""
    import dataclasses
    import os

    from game.editor.document import DocumentError, LevelDocument

    if args.level is not None:
        try:
            LevelDocument.open(args.level)          # a missing or unreadable file: one line, exit 2
        except DocumentError as e:
            print(f"endplate: edit: {e}", file=sys.stderr)
            return EXIT_USAGE
    if args.copy and args.level is None:
        print("endplate: edit: --copy needs a LEVEL to copy", file=sys.stderr)
        return EXIT_USAGE
    if args.screenshot:
        parent = Path(args.screenshot).expanduser().resolve().parent
        if not parent.is_dir():
            print(f"endplate: edit: --screenshot: folder {parent} does not exist", file=sys.stderr)
            return EXIT_USAGE
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.init()
    from game.app.app import App
    from game.app.context import AppContext
    from game.app.router import make
    from game.view import text as tx

    ctx = AppContext.create(headless=args.headless, audio=not args.headless)
    changes = {}
    if args.size:
        changes["resolution"] = args.size
    if args.text_size:
        changes["text_scale"] = args.text_size
    if args.palette:
        changes["palette"] = args.palette
    if changes:
        ctx.apply_settings(dataclasses.replace(ctx.settings, **changes))    # for this run only, not saved
    if args.copy:
        scene = make("editor", ctx, copy_of=args.level)
    else:
        scene = make("editor", ctx, path=args.level)
    app = App(ctx, scene)
    if args.section:
        names = [name for name, _ in scene.sections]
        match = [i for i, name in enumerate(names) if name.lower().startswith(args.section.lower())]
        if not match:
            app.close()
            ctx.close()
            pygame.quit()
            print(f"endplate: edit: --section: expected one of {', '.join(names)}, got {args.section!r}",
                  file=sys.stderr)
            return EXIT_USAGE
        scene.show_section(match[0])
    try:
        if args.headless:
            frame = 1.0 / 60.0
            app.run(max_frames=2, frame_s=frame)
            if args.check:
                scene.start_check()
            scene.session.preview.wait(120.0)
            scene.session.check.wait(600.0)
            app.run(max_frames=app.frames + 3, frame_s=frame)
        else:
            app.run()
        if args.screenshot:
            pygame.image.save(ctx.window.surface, str(args.screenshot))
    finally:
        app.close()
        ctx.close()
        pygame.quit()
        tx.clear_cache()
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    return 0
