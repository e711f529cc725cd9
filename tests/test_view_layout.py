"""Every screen at 1024x576, 1280x720 and 1920x1080, with text at 100% and 150%, in both palettes: the text
boxes the drawing code produces (recorded by game.view.text) stay on the screen and inside the panel they
start in, are not clipped, do not overlap, and are never smaller than 11 px."""
from __future__ import annotations

import pygame
import pytest

from game.app.shots import SCENES, SIZES, TEXT_SCALES, layout_problems
from game.view import text as tx
from game.view.palette import PALETTE_NAMES


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_text_stays_in_its_panel_and_never_overlaps(size):
    variants = [(scale, palette) for scale in TEXT_SCALES for palette in PALETTE_NAMES]
    problems = layout_problems(size, variants)
    assert {name for name, _, _ in problems} == set(SCENES) and len(problems) == len(SCENES) * len(variants)
    bad = [f"{name} {scale:g} {palette}: {p}" for (name, scale, palette), lines in problems.items() for p in lines]
    assert not bad, "\n".join(bad[:30])


def test_the_recorder_sees_overlaps_clipping_and_small_text():
    pygame.init()
    tx.set_text_scale(1.0)
    surface = pygame.Surface((600, 200))
    rec = tx.start_recording()
    try:
        tx.note_panel(pygame.Rect(10, 10, 120, 60))
        tx.draw_text(surface, "a line far too long for its panel", (20, 20), 22, (255, 255, 255))
        tx.draw_text(surface, "one", (20, 120), 22, (255, 255, 255))
        tx.draw_text(surface, "two", (24, 122), 22, (255, 255, 255))
        surface.set_clip(pygame.Rect(0, 150, 300, 10))
        tx.draw_text(surface, "cut", (20, 150), 22, (255, 255, 255))
    finally:
        tx.stop_recording()
    found = rec.problems(surface.get_rect())
    assert any("sticks out of its panel" in p for p in found)
    assert any("'one'" in p and "overlaps" in p for p in found)
    assert any("clipped" in p for p in found)
    assert all(t.px >= tx.MIN_PX for t in rec.texts)


def test_a_long_word_wraps_quickly_and_is_cached():
    pygame.init()
    tx.set_text_scale(1.0)
    word = "https://example.org/" + "x" * 2000
    font = tx.get_font(20)
    lines = tx.wrap_lines("See " + word + " here.", 20, 300)
    assert len(lines) > 5 and all(font.size(ln)[0] <= 300 for ln in lines)
    assert "".join(lines).replace(" ", "") == ("See" + word + "here.")
    # the second call is a cache hit: the same list comes back
    assert tx.wrap_lines("See " + word + " here.", 20, 300) is lines


@pytest.mark.parametrize("scale", TEXT_SCALES)
def test_every_campaign_quiz_question_fits_the_smallest_window(scale, tmp_path):
    # the scenes above draw one level's first question; the rows of every question of every campaign level
    # (match rows showing their longest answer) must fit 1024x576 too: a long match row once ran under its
    # answer in level 11
    from game.app.app import App
    from game.app.router import make
    from game.app.shots import _ctx

    ctx = _ctx(tmp_path, (1024, 576), scale, PALETTE_NAMES[0])
    bad, seen = [], 0
    try:
        for level in ctx.campaign:
            quiz = make("quiz", ctx, level)
            app = App(ctx, quiz)
            try:
                for i in range(len(quiz.questions)):
                    quiz.index = i
                    quiz._setup()
                    if quiz.q.kind == "match":
                        longest = max(range(len(quiz.rights)), key=lambda k: len(quiz.rights[k]))
                        quiz.picks = [longest] * len(quiz.picks)
                    rec = tx.start_recording()
                    try:
                        app.draw()
                    finally:
                        tx.stop_recording()
                    seen += 1
                    bad += [f"{level.id} question {i + 1}: {p}" for p in rec.problems(ctx.window.surface.get_rect())]
            finally:
                app.close()
    finally:
        ctx.close()
    assert seen >= 2 * len(ctx.campaign)
    assert not bad, "\n".join(bad[:20])
