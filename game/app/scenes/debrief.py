"""After a level: the debrief (score, stars, what happened, what could have helped, the lesson) and the quiz.

The result is recorded in the store once, when the debrief opens (a "Guest" profile is made if nobody
signed in, so that levels unlock in order on a shared computer too). Quiz answers are kept with that
attempt, one row per answered question.
"""
from __future__ import annotations

import random

import pygame

from game.app.router import make
from game.app.scene import Pop, Push, Replace, Reset, Scene
from game.rules.debrief import answer_record, answer_text, check_answer, report, right_answer
from game.view.instruments import draw_stars
from game.ui.forms import Form, Item
from game.view import text as tx
from game.view.instruments import draw_panel

GUEST = "Guest"


def check(question, answer) -> bool:
    """Is `answer` right? (the explanation comes from the question itself)"""
    return check_answer(question, answer)[0]


def _bullets(surface, lines, inner: pygame.Rect, size: float, colour, mark_colour) -> int:
    """Lines as a bulleted list inside `inner`, top down, as many as fit; returns the y below the last."""
    y = inner.y
    for line in lines:
        if y > inner.bottom - tx.line_height(size):
            break
        tx.draw_text(surface, "-", (inner.x, y), size, mark_colour, shadow=False)
        y += tx.draw_wrapped(surface, line, pygame.Rect(inner.x + 16, y, inner.w - 16, inner.bottom - y), size,
                             colour) + 6
    return y


MIN_HAPPENED_PX = 120      # when the lesson moves to the left column, 'What happened' keeps at least this much


def _needed(lines, width: int, size: float) -> int:
    """Height in px a bulleted panel needs for `lines` at `width` (title and padding included)."""
    step = max(1, int(round(tx.line_height(size) * 1.15)))
    body = sum(len(tx.wrap_lines(line, size, max(10, width - 40))) * step + 6 for line in lines)
    return body + tx.line_height(20) + 26


class DebriefScene(Scene):
    name = "debrief"

    def __init__(self, ctx, level, summary, log, wall_s: float = 0.0, *, level_path: str | None = None,
                 seed: int = 1, moves: list | None = None, class_level=None) -> None:
        super().__init__(ctx)
        self.moves = list(moves or [])
        self.class_level = class_level          # a level of a joined class (game/netclient), or None
        self.level = level
        self.summary = summary
        self.log = log
        self.wall_s = wall_s
        self.level_path = level_path
        self.seed = seed
        self.report = report(level, summary, log)
        self.lines = self.report.lines()
        self.recorded = False
        self.record_error = ""
        self.result_id: int | None = None
        self.form = Form(self._items(), "", width=380)
        self.lesson_top = 0                       # first line of the lesson shown (PgUp/PgDn, mouse wheel)
        self.lesson_rect = pygame.Rect(0, 0, 0, 0)
        self.lesson_more = False                  # lines below the panel

    def _next_level(self):
        camp = self.ctx.campaign
        ids = [lv.id for lv in camp]
        if self.level.id in ids and ids.index(self.level.id) + 1 < len(camp):
            return camp[ids.index(self.level.id) + 1]
        return None

    def _items(self) -> list[Item]:
        if self.class_level is not None:
            return self._class_items()
        items = []
        if self.level.quiz:
            items.append(Item("Take the quiz", on_activate=lambda: Push(QuizScene(self.ctx, self.level,
                                                                                   result_id=self.result_id)),
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

    def _class_items(self) -> list[Item]:
        """In a class: the level's quiz (quiz mode after-level; answers go to the server), play again, back."""
        from game.app import classplay

        items = []
        run = self.ctx.class_run
        if run is not None and run.quiz_mode == "after-level" and self.level.quiz:
            items.append(Item("Take the quiz", on_activate=lambda: Push(classplay.level_quiz(self.ctx, self.level)),
                              help=f"{len(self.level.quiz)} short questions; your answers go to your teacher."))
        items.append(Item("Play again", on_activate=lambda: Replace(
            make("play", self.ctx, self.level, self.seed, class_level=self.class_level)),
            help="Try this level again (every attempt is sent)."))
        items.append(Item("Back to the class", on_activate=lambda: Pop(), help="The session's levels and results."))
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
        from game.levels.campaign import level_kind, source_sha256
        from game.levels.packs import pack_of

        pack_id = pack_of(self.level_path)
        try:
            attempt = ctx.store.record_result(
                ctx.profile.id, self.level.id, score=int(round(s.score)), stars=int(s.stars), won=bool(s.won),
                duration_s=float(self.wall_s),
                details={"outcome": s.outcome, "reason": s.reason, "demand_met": s.demand_met, "seed": s.seed,
                         "model_s": s.duration_model_s},
                level_sha256=source_sha256(self.level), level_kind=level_kind(self.level, pack_id), pack_id=pack_id,
                seed=int(s.seed) if int(s.seed) >= 1 else None, moves=self.moves)
            self.result_id = attempt.id
            ctx.store.clear_autosave(ctx.profile.id)
        except Exception as err:       # the debrief must show even if saving fails
            self.record_error = f"Your result could not be saved: {err}"
            ctx.save_problems.append(f"the result could not be saved ({err})")
        if not ctx.store.persistent and not self.record_error:
            self.record_error = "Progress is not being saved on this computer (see the notes in the menu)."

    def resize(self, size) -> None:
        w, h = size
        self.form.set_area(pygame.Rect(w - 410, h - 260, 400, 250))

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_PAGEDOWN, pygame.K_PAGEUP):
            self._scroll_lesson(3 if event.key == pygame.K_PAGEDOWN else -3)
            return None
        if event.type == pygame.MOUSEWHEEL and self.lesson_rect.collidepoint(pygame.mouse.get_pos()):
            self._scroll_lesson(-event.y)
            return None
        r = self.form.handle(event)
        if r == "back":
            return Pop() if self.class_level is not None else Reset(make("menu", self.ctx))
        return r

    def _scroll_lesson(self, lines: int) -> None:
        if lines > 0 and not self.lesson_more:
            return
        self.lesson_top = max(0, self.lesson_top + lines)

    def _draw_lesson(self, surface: pygame.Surface, box: pygame.Rect, text: str, pal) -> None:
        """The lesson in its panel; when it is longer than the panel, a window on it that PgUp/PgDn and the
        mouse wheel move, with a note saying there is more (never cut off unseen)."""
        inner = draw_panel(surface, box, pal, "Remember")
        self.lesson_rect = box
        size = 17
        lines = tx.wrap_lines(text, size, inner.w)
        step = max(1, int(round(tx.line_height(size) * 1.15)))
        fits = max(1, (inner.h - tx.line_height(size)) // step + 1)
        if len(lines) > fits:
            fits = max(1, fits - 1)                 # keep a line for the note
        self.lesson_top = min(self.lesson_top, max(0, len(lines) - fits))
        shown = lines[self.lesson_top:self.lesson_top + fits]
        tx.draw_wrapped(surface, "\n".join(shown), inner, size, pal.text)
        self.lesson_more = self.lesson_top + fits < len(lines)
        if self.lesson_more or self.lesson_top:
            note = ("more below: PgDn or the mouse wheel" if self.lesson_more else "more above: PgUp")
            tx.draw_text(surface, note, (inner.right, inner.bottom), 15, pal.accent, anchor="bottomright", shadow=False,
                         max_w=inner.w)

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        s = self.summary
        d = self.report
        won = s.won
        title = ("Level complete: " if won else "Level lost: ") + self.level.title
        tx.draw_text(surface, title, (30, 18), 36, pal.ok if won else pal.danger, bold=True)
        draw_stars(surface, (150, 110), s.stars, 26, pal)
        tx.draw_text(surface, f"Score {s.score:.0f} / 100", (280, 96), 30, pal.text, shadow=False)
        tx.draw_text(surface, d.verdict, (280, 130), 19, pal.text_dim, shadow=False)
        left = pygame.Rect(30, 170, int(w * 0.55), h - 190)
        right_x = left.right + 20
        form_top = self.form.rect.top if self.form.rect.h > 0 and self.form.rect.top > 200 else h - 270
        right = pygame.Rect(right_x, 170, w - right_x - 30, form_top - 10 - 170)
        # the lesson goes where it fits whole: beside the buttons, or else in the wider left column
        lesson = "\n".join(d.lesson)
        lesson_left = bool(lesson) and _needed(d.lesson, right.w, 17) > right.h
        gap = 10
        score_h = min(left.h // 3, _needed(d.score, left.w, 17)) if d.score else 0
        advice_h = min(left.h // 3, _needed(d.advice, left.w, 17)) if d.advice else 0
        rest = left.h - score_h - advice_h - gap * ((score_h > 0) + (advice_h > 0) + lesson_left)
        lesson_h = 0
        if lesson_left:   # what happened keeps what it needs up to a few lines; the lesson gets the rest it needs
            happened_min = min(_needed(d.happened or ("Nothing to report.",), left.w, 18), MIN_HAPPENED_PX)
            lesson_h = max(min(_needed(d.lesson, left.w, 17), rest - happened_min), rest // 2)
        happened_h = rest - lesson_h
        box = pygame.Rect(left.x, left.y, left.w, happened_h)
        inner = draw_panel(surface, box, pal, "What happened")
        _bullets(surface, d.happened or ("Nothing to report.",), inner, 18, pal.text, pal.accent)
        for title, lines, height in (("What could have helped", d.advice, advice_h), ("Your score", d.score, score_h),
                                     ("Remember", None, lesson_h)):
            if height:
                box = pygame.Rect(left.x, box.bottom + gap, left.w, height)
                if lines is None:
                    self._draw_lesson(surface, box, lesson, pal)
                else:
                    _bullets(surface, lines, draw_panel(surface, box, pal, title), 17, pal.text, pal.accent)
        if not lesson_left and right.h > 40:
            self._draw_lesson(surface, right, lesson, pal)
        if self.record_error:
            tx.draw_text(surface, self.record_error, (30, h - 6), 15, pal.warn, anchor="bottomleft", shadow=False)
        elif self.ctx.profile is not None:
            tx.draw_text(surface, f"Saved for {self.ctx.profile.nickname}.", (30, h - 6), 15, pal.text_dim,
                         anchor="bottomleft", shadow=False)
        self.form.draw(surface, pal)


class QuizScene(Scene):
    """The level's quiz, one question at a time, keyboard and mouse."""

    name = "quiz"

    def __init__(self, ctx, level, seed: int = 0, *, result_id: int | None = None, questions=None, on_answer=None,
                 reveal: bool = True, title: str = "") -> None:
        super().__init__(ctx)
        self.level = level
        self.questions = list(level.quiz if questions is None else questions)
        self.on_answer = on_answer      # called (position, question, answer, right or None) for each answer
        self.reveal = reveal            # False (a class's pre/post quiz): no right/wrong shown, straight on
        self.title = title
        self.index = 0
        self.rng = random.Random(seed or 12345)
        self.correct = 0
        self.size = (1280, 720)
        self.result_id = result_id        # the attempt the answers are kept with (None: not kept)
        self.records: list[dict] = []     # one per answered question (see game.rules.debrief.answer_record)
        self.save_error = ""
        self._setup()

    def _setup(self) -> None:
        self.checked: bool | None = None
        self.shown_s = 0.0                # time this question has been on screen
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
        if not self.reveal:
            if self.on_answer is not None:
                self.on_answer(self.index, self.q, self.answer(), None)
            self.next()
            return
        record = answer_record(self.q, self.index, self.answer(), self.shown_s)
        self.records.append(record)
        self.checked = record["correct"]
        if self.on_answer is not None:
            self.on_answer(self.index, self.q, self.answer(), self.checked)
        if self.checked:
            self.correct += 1
            self.ctx.audio.play("success")
        self._keep(record)

    def _keep(self, record: dict) -> None:
        store = getattr(self.ctx, "store", None)
        if self.result_id is None or store is None:
            return
        try:
            store.record_quiz_answers(self.result_id, [record])
        except Exception as err:         # the quiz goes on even if saving fails
            self.save_error = f"Your answers could not be saved: {err}"

    def update(self, frame_s: float):
        if self.q is not None and self.checked is None:
            self.shown_s += max(0.0, frame_s)
        return None

    def cycle(self, row: int, step: int) -> None:
        """Match questions: move a row to the next right item that no other row holds (each fits one row)."""
        n = len(self.rights)
        taken = {k for i, k in enumerate(self.picks) if i != row and k is not None}
        cur = self.picks[row]
        start = (-1 if step > 0 else 0) if cur is None else cur
        for j in range(1, n + 1):
            k = (start + step * j) % n
            if k not in taken:
                self.picks[row] = k
                return

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
                self.cycle(self.focus, -1 if k == pygame.K_LEFT else 1)
            elif pygame.K_1 <= k <= pygame.K_9 and q.kind == "choice" and k - pygame.K_1 < n:
                self.choice = self.focus = k - pygame.K_1
            elif k == pygame.K_SPACE:
                if q.kind == "order":
                    self.held = None if self.held is not None else self.focus
                elif q.kind == "choice":
                    self.choice = self.focus
                elif q.kind == "match":
                    self.cycle(self.focus, 1)
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
                        self.cycle(i, 1)
        return None

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        q = self.q
        if q is None:
            if not self.reveal:
                tx.draw_text(surface, f"Quiz done: {len(self.questions)} answers saved", (w // 2, h // 2 - 20), 34,
                             pal.text, anchor="center")
                tx.draw_text(surface, "Any key: back", (w // 2, h // 2 + 30), 19, pal.text_dim, anchor="center",
                             shadow=False)
                return
            self.draw_review(surface)
            return
        tx.draw_text(surface, f"{self.title + ': ' if self.title else ''}Question {self.index + 1} of "
                     f"{len(self.questions)}", (30, 20), 20, pal.text_dim, shadow=False)
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
                tx.draw_fitted(surface, text, pygame.Rect(r.x + 14, r.y + 2, r.w - 28, r.h - 4), pal.text, 20)
            elif q.kind == "choice":
                mark = "(x)" if self.choice == i else "( )"
                text = f"{i + 1}. {mark}  {q.options[i]}"
                tx.draw_fitted(surface, text, pygame.Rect(r.x + 14, r.y + 2, r.w - 28, r.h - 4), pal.text, 20)
            else:
                left = q.pairs[i].left
                k = self.picks[i]
                right = self.rights[k] if k is not None else "choose..."
                half = r.w // 2 - 20
                tx.draw_fitted(surface, left, pygame.Rect(r.x + 14, r.y + 2, half - 10, r.h - 4), pal.text)
                tx.draw_text(surface, "->", (r.centerx - 6, r.centery), 19, pal.text_dim, anchor="center", shadow=False)
                tx.draw_text(surface, "< " + right + " >", (r.centerx + 14, r.centery),
                             tx.fit_size("< " + right + " >", half, 19, 11), pal.text if k is not None else pal.text_dim,
                             anchor="midleft", shadow=False)
        y = top + n * row_h + 10
        if self.checked is None:
            self.button = pygame.Rect(w - 260, y, 200, 44)
            ok = self.complete()
            pygame.draw.rect(surface, pal.accent if ok else pal.panel, self.button, border_radius=8)
            tx.draw_text(surface, "Check (Enter)" if self.reveal else "Next (Enter)", self.button.center, 21, pal.panel if ok else pal.text_dim,
                         anchor="center", shadow=False)
        else:
            word = "Right!" if self.checked else "Not quite."
            col = pal.ok if self.checked else pal.danger
            r = tx.draw_text(surface, word, (60, y), 28, col, shadow=False)
            lines = [] if self.checked else [right_answer(q)]
            if getattr(q, "explanation", None):
                lines.append(" ".join(q.explanation.split()))
            tx.draw_wrapped(surface, "\n".join(lines), pygame.Rect(60, r.bottom + 4, w - 120, h - r.bottom - 40), 19,
                            pal.text)
            tx.draw_text(surface, "Enter: next", (w - 60, h - 34), 18, pal.text_dim, anchor="bottomright", shadow=False)

    def review_lines(self) -> list[tuple[bool, str]]:
        """The end screen: for each question, right or wrong, and the right answer when it was wrong (the
        last answer given to each question counts)."""
        last = {r["question"]: r for r in self.records}
        out = []
        for i, q in enumerate(self.questions):
            r = last.get(i)
            if r is None:
                out.append((False, f"{i + 1}. {q.question} Not answered. {right_answer(q)}"))
            elif r["correct"]:
                out.append((True, f"{i + 1}. {q.question} Right."))
            else:
                out.append((False, f"{i + 1}. {q.question} Wrong: {answer_text(q, r['answer'])}. {right_answer(q)}"))
        return out

    def draw_review(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        w, h = surface.get_size()
        tx.draw_text(surface, f"Quiz done: {self.correct} of {len(self.questions)} right", (30, 20), 30,
                     pal.text, bold=True)
        y = 20 + tx.line_height(30, True) + 14
        for ok, line in self.review_lines():
            if y > h - 60 - tx.line_height(18):
                break
            tx.draw_text(surface, "+" if ok else "x", (30, y), 18, pal.ok if ok else pal.danger, shadow=False)
            y += tx.draw_wrapped(surface, line, pygame.Rect(52, y, w - 90, h - 60 - y), 18,
                                 pal.text if ok else pal.text) + 10
        if self.save_error:
            tx.draw_text(surface, self.save_error, (30, h - 34), 15, pal.warn, anchor="bottomleft", shadow=False)
        tx.draw_text(surface, "Any key: back", (w - 30, h - 12), 18, pal.text_dim, anchor="bottomright", shadow=False)
