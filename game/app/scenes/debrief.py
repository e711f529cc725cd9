"""After a level: the debrief (score, stars, what happened and why) and the quiz.

The result is recorded in the store once, when the debrief opens (a "Guest" profile is made if nobody
signed in, so that levels unlock in order on a shared computer too).
"""
from __future__ import annotations

import random

import pygame

from game.app.router import make
from game.app.scene import Pop, Push, Replace, Reset, Scene
from game.rules.debrief import check_answer, debrief
from game.view.instruments import draw_stars
from game.ui.forms import Form, Item
from game.view import text as tx
from game.view.instruments import draw_panel

GUEST = "Guest"


def _debrief_lines(level, summary, log) -> list[str]:
    return list(debrief(level, summary, log))


def check(question, answer) -> bool:
    """Is `answer` right? (the explanation comes from the question itself)"""
    return check_answer(question, answer)[0]


class DebriefScene(Scene):
    name = "debrief"

    def __init__(self, ctx, level, summary, log, wall_s: float = 0.0, *, level_path: str | None = None,
                 seed: int = 1) -> None:
        super().__init__(ctx)
        self.level = level
        self.summary = summary
        self.log = log
        self.wall_s = wall_s
        self.level_path = level_path
        self.seed = seed
        self.lines = _debrief_lines(level, summary, log)
        self.recorded = False
        self.record_error = ""
        self.form = Form(self._items(), "", width=380)

    def _next_level(self):
        camp = self.ctx.campaign
        ids = [lv.id for lv in camp]
        if self.level.id in ids and ids.index(self.level.id) + 1 < len(camp):
            return camp[ids.index(self.level.id) + 1]
        return None

    def _items(self) -> list[Item]:

        items = []
        if self.level.quiz:
            items.append(Item("Take the quiz", on_activate=lambda: Push(QuizScene(self.ctx, self.level)),
                              help=f"{len(self.level.quiz)} short questions on this level's idea."))
        nxt = self._next_level()
        if nxt is not None and self.summary.won:
            items.append(Item(f"Next: {nxt.title}", on_activate=lambda: Replace(make("briefing", self.ctx, nxt)),
                              help=nxt.concept))
        items.append(Item("Play again", on_activate=lambda: Replace(
            make("play", self.ctx, self.level, self.seed, level_path=self.level_path)), help="Try this level again."))
        items.append(Item("Levels", on_activate=lambda: Reset(make("menu", self.ctx)) if self.level_path else
                          Replace(make("levels", self.ctx)), help="Back to the level list."))
        return items

    def enter(self) -> None:
        if self.recorded:
            return
        self.recorded = True
        ctx = self.ctx
        if ctx.profile is None and not ctx.headless:
            ctx.sign_in(GUEST, "")
        if ctx.profile is None:
            return
        s = self.summary
        try:
            ctx.store.record_result(ctx.profile.id, self.level.id, score=int(round(s.score)), stars=int(s.stars),
                                    won=bool(s.won), duration_s=float(self.wall_s),
                                    details={"outcome": s.outcome, "reason": s.reason, "demand_met": s.demand_met,
                                             "seed": s.seed, "model_s": s.duration_model_s})
            ctx.store.clear_autosave(ctx.profile.id)
        except Exception as err:       # the debrief must show even if saving fails
            self.record_error = f"Your result could not be saved: {err}"

    def resize(self, size) -> None:
        w, h = size
        self.form.set_area(pygame.Rect(w - 410, h - 260, 400, 250))

    def handle(self, event):
        r = self.form.handle(event)
        if r == "back":
            return Reset(make("menu", self.ctx))
        return r

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        s = self.summary
        won = s.won
        title = ("Level complete: " if won else "Level lost: ") + self.level.title
        tx.draw_text(surface, title, (30, 18), 36, pal.ok if won else pal.danger, bold=True)
        draw_stars(surface, (150, 110), s.stars, 26, pal)
        tx.draw_text(surface, f"Score {s.score:.0f} / 100", (280, 96), 30, pal.text, shadow=False)
        tx.draw_text(surface, s.reason, (280, 130), 19, pal.text_dim, shadow=False)
        why = pygame.Rect(30, 170, int(w * 0.55), h - 190)
        inner = draw_panel(surface, why, pal, "What happened, and why")
        y = inner.y
        for line in self.lines:
            if y > inner.bottom - tx.line_height(18):
                break
            tx.draw_text(surface, "-", (inner.x, y), 18, pal.accent, shadow=False)
            y += tx.draw_wrapped(surface, line, pygame.Rect(inner.x + 16, y, inner.w - 16, inner.bottom - y), 18,
                                 pal.text) + 6
        rem = pygame.Rect(why.right + 20, 170, w - why.right - 50, h - 190 - 270)
        inner = draw_panel(surface, rem, pal, "Remember")
        tx.draw_wrapped(surface, tx.prose(self.level.debrief), inner, 18, pal.text)
        if self.record_error:
            tx.draw_text(surface, self.record_error, (30, h - 6), 15, pal.warn, anchor="bottomleft", shadow=False)
        elif self.ctx.profile is not None:
            tx.draw_text(surface, f"Saved for {self.ctx.profile.nickname}.", (30, h - 6), 15, pal.text_dim,
                         anchor="bottomleft", shadow=False)
        self.form.draw(surface, pal)


class QuizScene(Scene):
    """The level's quiz, one question at a time, keyboard and mouse."""

    name = "quiz"

    def __init__(self, ctx, level, seed: int = 0) -> None:
        super().__init__(ctx)
        self.level = level
        self.questions = list(level.quiz)
        self.index = 0
        self.rng = random.Random(seed or 12345)
        self.correct = 0
        self.size = (1280, 720)
        self._setup()

    def _setup(self) -> None:
        self.checked: bool | None = None
        self.focus = 0
        self.held: int | None = None
        self.rects: list[pygame.Rect] = []
        self.button = pygame.Rect(0, 0, 0, 0)
        if self.index >= len(self.questions):
            return
        q = self.questions[self.index]
        if q.kind == "order":
            self.order = list(q.items)
            while self.order == list(q.items) and len(self.order) > 1:
                self.rng.shuffle(self.order)
        elif q.kind == "choice":
            self.choice: int | None = None
        elif q.kind == "match":
            self.rights = [p.right for p in q.pairs]
            self.rng.shuffle(self.rights)
            self.picks: list[int | None] = [None] * len(q.pairs)

    @property
    def q(self):
        return self.questions[self.index] if self.index < len(self.questions) else None

    def answer(self):
        q = self.q
        if q.kind == "order":
            return list(self.order)
        if q.kind == "choice":
            return self.choice
        return {p.left: (self.rights[k] if k is not None else None) for p, k in zip(q.pairs, self.picks)}

    def complete(self) -> bool:
        q = self.q
        if q.kind == "choice":
            return self.choice is not None
        if q.kind == "match":
            return all(k is not None for k in self.picks)
        return True

    def submit(self) -> None:
        if not self.complete():
            return
        self.checked = check(self.q, self.answer())
        if self.checked:
            self.correct += 1
            self.ctx.audio.play("success")

    def next(self):
        self.index += 1
        self._setup()
        return None

    def n_rows(self) -> int:
        q = self.q
        return len(self.order) if q.kind == "order" else (len(q.options) if q.kind == "choice" else len(q.pairs))

    def handle(self, event):
        q = self.q
        if q is None:
            if event.type == pygame.KEYDOWN or (event.type == pygame.MOUSEBUTTONDOWN and event.button == 1):
                return Pop()
            return None
        if event.type == pygame.KEYDOWN:
            k = event.key
            if k == pygame.K_ESCAPE:
                return Pop()
            if self.checked is not None:
                if k in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                    return self.next()
                return None
            n = self.n_rows()
            if k in (pygame.K_UP, pygame.K_DOWN):
                d = -1 if k == pygame.K_UP else 1
                if q.kind == "order" and self.held is not None:
                    j = self.held + d
                    if 0 <= j < n:
                        self.order[self.held], self.order[j] = self.order[j], self.order[self.held]
                        self.held = j
                        self.focus = j
                else:
                    self.focus = (self.focus + d) % n
            elif k in (pygame.K_LEFT, pygame.K_RIGHT) and q.kind == "match":
                d = -1 if k == pygame.K_LEFT else 1
                cur = self.picks[self.focus]
                self.picks[self.focus] = (0 if d > 0 else len(self.rights) - 1) if cur is None else \
                    (cur + d) % len(self.rights)
            elif pygame.K_1 <= k <= pygame.K_9 and q.kind == "choice" and k - pygame.K_1 < n:
                self.choice = self.focus = k - pygame.K_1
            elif k == pygame.K_SPACE:
                if q.kind == "order":
                    self.held = None if self.held is not None else self.focus
                elif q.kind == "choice":
                    self.choice = self.focus
                elif q.kind == "match":
                    cur = self.picks[self.focus]
                    self.picks[self.focus] = 0 if cur is None else (cur + 1) % len(self.rights)
            elif k in (pygame.K_RETURN, pygame.K_KP_ENTER):
                if q.kind == "choice" and self.choice is None:
                    self.choice = self.focus
                self.held = None
                self.submit()
            return None
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.checked is not None:
                return self.next()
            if self.button.collidepoint(event.pos):
                self.held = None
                self.submit()
                return None
            for i, r in enumerate(self.rects):
                if r.collidepoint(event.pos):
                    self.focus = i
                    if q.kind == "choice":
                        self.choice = i
                    elif q.kind == "order":
                        if self.held is None:
                            self.held = i
                        else:
                            self.order[self.held], self.order[i] = self.order[i], self.order[self.held]
                            self.held = None
                    elif q.kind == "match":
                        cur = self.picks[i]
                        self.picks[i] = 0 if cur is None else (cur + 1) % len(self.rights)
        return None

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        q = self.q
        if q is None:
            tx.draw_text(surface, f"Quiz done: {self.correct} of {len(self.questions)} right", (w // 2, h // 2 - 20), 34,
                         pal.text, anchor="center")
            tx.draw_text(surface, "Any key: back", (w // 2, h // 2 + 30), 19, pal.text_dim, anchor="center",
                         shadow=False)
            return
        tx.draw_text(surface, f"Question {self.index + 1} of {len(self.questions)}", (30, 20), 20, pal.text_dim,
                     shadow=False)
        used = tx.draw_wrapped(surface, q.question, pygame.Rect(30, 50, w - 60, 90), 28, pal.text)
        top = 50 + used + 20
        hint = {"order": "Up/Down: choose an item; Space: pick it up, then Up/Down moves it; Enter: check. "
                         "Mouse: click two items to swap them.",
                "choice": "1-9 or Up/Down + Space: choose; Enter: check. Mouse: click an answer, then Check.",
                "match": "Up/Down: choose a row; Left/Right: change its match; Enter: check. Mouse: click to cycle."}[q.kind]
        tx.draw_text(surface, hint, (30, h - 10), 16, pal.text_dim, anchor="bottomleft", shadow=False)
        n = self.n_rows()
        row_h = min(56, (h - top - 170) // max(1, n))
        self.rects = []
        for i in range(n):
            r = pygame.Rect(60, top + i * row_h, w - 120, row_h - 8)
            self.rects.append(r)
            focused = i == self.focus and self.checked is None
            fill = pal.panel
            if q.kind == "choice" and self.choice == i:
                fill = pal.accent if self.checked is None else (pal.ok if self.checked else pal.danger)
                fill = tuple(int(a * 0.35 + b * 0.65) for a, b in zip(fill, pal.panel))
            if q.kind == "order" and self.held == i:
                fill = tuple(int(a * 0.35 + b * 0.65) for a, b in zip(pal.warn, pal.panel))
            pygame.draw.rect(surface, fill, r, border_radius=6)
            pygame.draw.rect(surface, pal.highlight if focused else pal.panel_edge, r, 2 if focused else 1,
                             border_radius=6)
            if q.kind == "order":
                text = f"{i + 1}.  {self.order[i]}" + ("   (moving)" if self.held == i else "")
                tx.draw_text(surface, text, (r.x + 14, r.centery), tx.fit_size(text, r.w - 28, 20, 12), pal.text,
                             anchor="midleft", shadow=False)
            elif q.kind == "choice":
                mark = "(x)" if self.choice == i else "( )"
                text = f"{i + 1}. {mark}  {q.options[i]}"
                tx.draw_text(surface, text, (r.x + 14, r.centery), tx.fit_size(text, r.w - 28, 20, 12), pal.text,
                             anchor="midleft", shadow=False)
            else:
                left = q.pairs[i].left
                k = self.picks[i]
                right = self.rights[k] if k is not None else "choose..."
                half = r.w // 2 - 20
                tx.draw_text(surface, left, (r.x + 14, r.centery), tx.fit_size(left, half - 10, 19, 11), pal.text,
                             anchor="midleft", shadow=False)
                tx.draw_text(surface, "->", (r.centerx - 6, r.centery), 19, pal.text_dim, anchor="center", shadow=False)
                tx.draw_text(surface, "< " + right + " >", (r.centerx + 14, r.centery),
                             tx.fit_size("< " + right + " >", half, 19, 11), pal.text if k is not None else pal.text_dim,
                             anchor="midleft", shadow=False)
        y = top + n * row_h + 10
        if self.checked is None:
            self.button = pygame.Rect(w - 260, y, 200, 44)
            ok = self.complete()
            pygame.draw.rect(surface, pal.accent if ok else pal.panel, self.button, border_radius=8)
            tx.draw_text(surface, "Check (Enter)", self.button.center, 21, pal.panel if ok else pal.text_dim,
                         anchor="center", shadow=False)
        else:
            word = "Right!" if self.checked else "Not quite."
            col = pal.ok if self.checked else pal.danger
            r = tx.draw_text(surface, word, (60, y), 28, col, shadow=False)
            expl = getattr(q, "explanation", None) or ""
            if not self.checked:
                if q.kind == "order":
                    expl = "Right order: " + " -> ".join(q.items) + ". " + expl
                elif q.kind == "choice":
                    expl = f"The answer: {q.options[q.answer_index]}. " + expl
                else:
                    expl = "Pairs: " + "; ".join(f"{p.left} -> {p.right}" for p in q.pairs) + ". " + expl
            tx.draw_wrapped(surface, expl, pygame.Rect(60, r.bottom + 4, w - 120, h - r.bottom - 40), 19, pal.text)
            tx.draw_text(surface, "Enter: next", (w - 60, h - 34), 18, pal.text_dim, anchor="bottomright", shadow=False)
