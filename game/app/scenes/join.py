"""Joining a class (server address, join code, nickname) and the class screen: the session's levels in the
order given, its quizzes, and whether the results reached the teacher.

Network calls never run on the frame: joining runs in a background thread that the scene polls, and
results go through the outbox (`ctx.class_sync`).
"""
from __future__ import annotations

import threading
from typing import Any

import pygame

from game.app import classplay
from game.app.router import make
from game.app.scene import FormScene, Pop, Push, Replace, Scene
from game.ui.forms import Form, Item, draw_backdrop
from game.view import text as tx

JOIN_WAIT_S = 20.0          # longest the screen waits for a join answer before saying so


class _Job:
    """One call in a background thread; `result` or `error` once `done`."""

    def __init__(self, fn, *args: Any) -> None:
        self.done = False
        self.result: Any = None
        self.error: Exception | None = None
        self.age = 0.0
        self._thread = threading.Thread(target=self._run, args=(fn, *args), name="endplate-class-join", daemon=True)
        self._thread.start()

    def _run(self, fn, *args) -> None:
        try:
            self.result = fn(*args)
        except Exception as err:     # reported by the scene
            self.error = err
        self.done = True


def _join(url: str, code: str, nick: str):
    """Background thread: join, and fetch the pre/post items when the session has that quiz."""
    from game.netclient.api import ClassError
    from game.netclient.classrun import ClassRun

    run = ClassRun.join(url, code, nick)
    run.prepost = None
    if run.quiz_mode == "pre-post":
        try:
            with run.client() as client:
                run.prepost = [dict(it) for it in client.prepost().items]
        except ClassError:
            run.prepost = None      # asked again from the class screen
    return run


def _resume(saved: dict):
    """Background thread: carry on in the class joined before (the server says what was done)."""
    from game.netclient.api import ClassError
    from game.netclient.classrun import ClassRun

    run = ClassRun.resume(saved)
    if run.quiz_mode == "pre-post":
        try:
            run.prepost = _fetch_prepost(run)
        except ClassError:
            run.prepost = None
    return run


class JoinScene(FormScene):
    name = "join"

    def __init__(self, ctx, server: str = "", code: str = "") -> None:
        super().__init__(ctx)
        p = ctx.profile
        self.server = Item("Server address", "text", server, max_len=120, placeholder="e.g. 192.168.1.20:8750",
                           help="The address your teacher shows (port 8750 if none is given).")
        self.code = Item("Join code", "text", code, max_len=8, placeholder="e.g. K7MPQA",
                         help="The 6-character code on the board.")
        self.nick = Item("Nickname", "text", p.nickname if p and p.nickname != "Guest" else "", max_len=24,
                         placeholder="e.g. Ada", help="1 to 24 characters; the class sees it on the leaderboard.")
        items = [self.server, self.code, self.nick,
                 Item("Join", on_activate=self._start, help="Ask the class server to let you in."),
                 Item("Back", on_activate=lambda: Pop(), help="Back to the menu.")]
        try:
            self.saved = ctx.store.class_join_recall()
        except Exception:            # an unreadable store: just join again
            self.saved = None
        if self.saved:
            s = self.saved
            items.insert(0, Item(f"Continue: {s.get('title') or s.get('join_code')}", detail=str(s.get("nickname", "")),
                                 on_activate=self._continue,
                                 help=f"Carry on in the class you joined before, as {s.get('nickname')} "
                                      f"({s.get('server_url')})."))
            self.server.value = self.server.value or str(s.get("server_url", "")).removeprefix("http://")
        self.form = Form(items, "Join a class", width=680)
        self.job: _Job | None = None

    def _continue(self):
        if self.job is None:
            self.form.say("Asking the class server...", "info")
            self.job = _Job(_resume, dict(self.saved))
        return None

    def _start(self):
        if self.job is not None:
            return None
        from game.netclient.api import ClassError, normalize_url

        try:
            url = normalize_url(str(self.server.value or ""))
        except ClassError as err:
            self.form.say(str(err), "danger")
            return None
        self.form.say(f"Joining {url} ...", "info")
        self.job = _Job(_join, url, str(self.code.value or ""), str(self.nick.value or ""))
        return None

    def update(self, frame_s: float):
        job = self.job
        if job is None:
            return None
        job.age += frame_s
        if not job.done:
            if job.age > JOIN_WAIT_S:
                self.form.say("The class server does not answer: check the address and the network.", "danger")
            return None
        self.job = None
        if job.error is not None:
            self.form.say(str(job.error), "danger")
            return None
        self.ctx.class_run = job.result
        try:
            self.ctx.store.class_join_remember(job.result.remembered())
        except Exception as err:      # not remembered: only a restart would need it
            self.ctx.messages.append(f"The class could not be remembered for next time: {err}")
        classplay.sync(self.ctx)
        return Replace(make("class", self.ctx))

    def subtitle(self) -> str:
        return "Join your teacher's class"


def _stars(n: int) -> str:
    return "*" * n + "-" * (3 - n)


class ClassScene(Scene):
    """The joined session: pre quiz, levels in order, quizzes, post quiz, sync status and "Sync now"."""

    name = "class"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.form = Form([], "", width=720)
        self.prepost_job: _Job | None = None
        self.board_job: _Job | None = None
        self.board: list = []                 # the class leaderboard (nickname, stars, score), from the server
        self.board_sent = -1                  # sent count when the board was last asked for
        self.enter()

    # -- items ----------------------------------------------------------------------------------------------
    def _items(self) -> list[Item]:
        run = self.ctx.class_run
        items: list[Item] = []
        if run is None:
            return [Item("Back", on_activate=lambda: Pop())]
        sync = classplay.sync(self.ctx)
        prepost = run.quiz_mode == "pre-post"
        pre_pending = prepost and "pre" not in run.quizzed
        if pre_pending:
            items.append(Item("Quiz before you start", on_activate=lambda: self._prepost("pre"),
                              help="A few questions before the first level (no marks shown; asked again at the end)."))
        nxt = run.next_level()
        for i, lv in enumerate(run.levels):
            done = run.played.get(lv.id)
            reply = sync.replies.get(done.uuid) if done else None
            if reply is not None:
                mark = "verified" if reply.get("verified") else "not verified"
                detail = f"{_stars(int(reply.get('stars') or 0))}  {float(reply.get('score') or 0):.0f}  {mark}"
            elif done is not None and done.verified is not None:
                detail = f"{_stars(done.stars)}  {done.score:.0f}  {'verified' if done.verified else 'not verified'}"
            elif done is not None:
                detail = f"{_stars(done.stars)}  {done.score:.0f}  (waiting to send)"
            else:
                detail = "next" if lv is nxt else "later"
            playable = not pre_pending and (done is not None or lv is nxt)
            items.append(Item(f"{i + 1}. {lv.title}", detail=detail, enabled=playable,
                              on_activate=lambda lv=lv: self._play(lv),
                              help=(lv.level.concept if playable else "Levels are played in the order given.")))
            if (run.quiz_mode == "after-level" and done is not None and lv.level.quiz and lv.id not in run.quizzed):
                items.append(Item(f"   Quiz: {lv.title}", on_activate=lambda lv=lv: Push(classplay.level_quiz(self.ctx, lv.level)),
                                  help="This level's questions; your answers go to your teacher."))
        if prepost and run.finished() and "post" not in run.quizzed:
            items.append(Item("Quiz after the session", on_activate=lambda: self._prepost("post"),
                              help="The same kind of questions as at the start: what did you learn?"))
        items.append(Item("Sync now", detail=sync.status.line().removeprefix("Results: "),
                          on_activate=self._sync_now, help="Send the results waiting on this computer now."))
        items.append(Item("Back to the menu", on_activate=lambda: Pop(),
                          help="The class stays joined: 'Join a class' in the menu comes back here."))
        items.append(Item("Leave the class", on_activate=self._leave,
                          help="Forget this class on this computer (results not yet sent are still sent). To come "
                               "back, join again with another nickname or ask your teacher to reset yours."))
        return items

    def _play(self, lv):
        run = self.ctx.class_run
        return Push(make("briefing", self.ctx, lv.level, play_kwargs={"seed": run.seed, "class_level": lv}))

    def _prepost(self, phase: str):
        run = self.ctx.class_run
        items = getattr(run, "prepost", None)
        if not items:
            if self.prepost_job is None:
                self.form.say("Fetching the quiz from the class server...", "info")
                self.prepost_job = _Job(_fetch_prepost, run)
            return None
        return Push(classplay.prepost_quiz(self.ctx, phase, items))

    def _sync_now(self):
        sync = classplay.sync(self.ctx)
        if sync.sync_now():
            self.form.say("Sending...", "info")
        elif sync.busy:
            self.form.say("Already sending.", "info")
        else:
            self.form.say("Nothing waiting to be sent.", "ok")
        return None

    def _leave(self):
        self.ctx.class_run = None
        try:
            self.ctx.store.class_join_remember(None)
        except Exception:
            pass
        return Pop()

    # -- lifecycle ------------------------------------------------------------------------------------------
    def enter(self) -> None:
        focus = self.form.focus
        self.form = Form(self._items(), self._title(), width=720)
        self.form.focus = min(focus, len(self.form.items) - 1)
        if not self.form.items[self.form.focus].focusable:
            self.form.move(1)
        self.resize(self.ctx.window.size)

    def _title(self) -> str:
        run = self.ctx.class_run
        return run.title if run is not None else "Class"

    def update(self, frame_s: float):
        sync = self.ctx.class_sync
        stale = sync is not None and sync.apply() > 0
        job = self.prepost_job
        if job is not None and job.done:
            self.prepost_job = None
            if job.error is not None:
                self.form.say(str(job.error), "danger")
            else:
                self.ctx.class_run.prepost = job.result
                self.form.say("Quiz ready: choose it again to start.", "ok")
            stale = True
        self._refresh_board(sync)
        sync_item = next((it for it in self.form.items if it.label == "Sync now"), None)
        if sync is not None and sync_item is not None:
            line = sync.status.line().removeprefix("Results: ")
            if sync_item.detail != line:
                stale = True
        if stale:
            msg, level = self.form.message, self.form.message_level
            self.enter()
            self.form.say(msg, level)
        return None

    def _refresh_board(self, sync) -> None:
        """Ask the server for the leaderboard when results went out since the last time (in the background)."""
        run = self.ctx.class_run
        job = self.board_job
        if job is not None and job.done:
            self.board_job = None
            if job.error is None and job.result is not None:
                self.board = list(job.result.leaderboard)
        sent = sync.status.sent if sync is not None else 0
        if run is not None and self.board_job is None and sent != self.board_sent:
            self.board_sent = sent
            self.board_job = _Job(_fetch_view, run)

    def resize(self, size: tuple[int, int]) -> None:
        self.form.set_area(pygame.Rect(0, 96, size[0], size[1] - 120))

    def handle(self, event):
        r = self.form.handle(event)
        return Pop() if r == "back" else r

    def _draw_board(self, surface: pygame.Surface, pal) -> None:
        from game.view.instruments import draw_panel

        x = self.form.rect.right + 16
        w = surface.get_width() - x - 16
        if not self.board or w < 180:
            return
        rows = self.board[:5]
        rect = pygame.Rect(x, self.form.rect.y, w, tx.line_height(17) * (len(rows) + 1) + 40)
        inner = draw_panel(surface, rect, pal, "Leaderboard")
        me = self.ctx.class_run.nickname if self.ctx.class_run is not None else ""
        y = inner.y
        for r in rows:
            line = f"{r.rank}. {r.nickname}  {'*' * int(r.stars)}  {r.score:.0f}"
            tx.draw_text(surface, line, (inner.x, y), tx.fit_size(line, inner.w, 17, 11),
                         pal.accent if r.nickname == me else pal.text, shadow=False)
            y += tx.line_height(17)

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        run = self.ctx.class_run
        sub = f"{run.nickname} in class {run.join_code} ({run.server_url})" if run is not None else ""
        draw_backdrop(surface, pal, "Endplate", sub)
        self.form.draw(surface, pal)
        self._draw_board(surface, pal)
        w, h = surface.get_size()
        sync = self.ctx.class_sync
        if sync is not None:
            tx.draw_text(surface, sync.status.line(), (w // 2, h - 10), 16, pal.text_dim, anchor="midbottom",
                         shadow=False)


def _fetch_view(run):
    """Background thread: the student's view of the session (own attempts, leaderboard)."""
    with run.client() as client:
        return client.session()


def _fetch_prepost(run):
    with run.client() as client:
        return [dict(it) for it in client.prepost().items]
