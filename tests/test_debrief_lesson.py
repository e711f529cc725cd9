"""The debrief's lesson is never cut off unseen: on a small screen with large text it moves to the wider
column and scrolls (PgUp/PgDn), with a note while there is more below."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from game.app import shots  # noqa: E402
from game.view import text as tx  # noqa: E402
from game.view.input import key_event  # noqa: E402


def _debrief(size, text_scale):
    ctx = shots._ctx(Path(tempfile.mkdtemp(prefix="endplate-debrief-")), size, text_scale, "okabe-ito")
    app = shots.build("debrief", ctx)
    return app, app.scene if hasattr(app, "scene") else app.stack[-1]


def _page_down(app) -> None:
    pygame.event.post(key_event("page down", True))
    pygame.event.post(key_event("page down", False))
    app.frame(1 / 60)


def test_a_long_lesson_scrolls_to_its_last_line_at_1024x576_text_150():
    app, scene = _debrief((1024, 576), 1.5)
    try:
        lesson = "\n".join(scene.report.lesson)
        assert scene.lesson_more, "the level 4 lesson is longer than the panel at this size"
        tops = [scene.lesson_top]
        for _ in range(20):
            if not scene.lesson_more:
                break
            _page_down(app)
            tops.append(scene.lesson_top)
        assert not scene.lesson_more and tops[-1] > 0 and tops == sorted(tops)
        # the panel is in the wider left column, not squeezed beside the buttons
        assert scene.lesson_rect.x < scene.form.rect.x
        assert tx.wrap_lines(lesson, 17, scene.lesson_rect.w)      # laid out at the panel's width
    finally:
        app.close()


def test_the_lesson_fits_whole_on_a_large_screen():
    app, scene = _debrief((1920, 1080), 1.0)
    try:
        assert not scene.lesson_more and scene.lesson_top == 0
    finally:
        app.close()
