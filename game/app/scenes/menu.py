"""The main menu and the profile (nickname + class code) screen."""
from __future__ import annotations

import pygame

from game.app.router import make
from game.app.scene import FormScene, Pop, Push, Quit, Scene
from game.ui.forms import Form, Item, draw_backdrop
from game.view import text as tx
from game.view.instruments import draw_panel

SUBTITLE = "The neuromuscular junction and myasthenia gravis"


def draw_problems(surface: pygame.Surface, ctx, rect: pygame.Rect, lines: list[str], title: str) -> None:
    """A panel listing level-file problems or warnings, one line each (wrapped)."""
    if not lines:
        return
    pal = ctx.palette
    inner = draw_panel(surface, rect, pal, title)
    y = inner.y
    for line in lines:
        r = pygame.Rect(inner.x, y, inner.w, inner.bottom - y)
        if r.h < tx.line_height(16):
            tx.draw_text(surface, f"... and {len(lines) - lines.index(line)} more", (inner.x, inner.bottom), 16,
                         pal.text_dim, anchor="bottomleft", shadow=False)
            break
        y += tx.draw_wrapped(surface, line, r, 16, pal.warn) + 4


class MenuScene(Scene):
    name = "menu"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.form = Form(self._items(), "", width=520)

    def _items(self) -> list[Item]:

        items = []
        saved = self._autosave()
        if saved is not None:
            level, save = saved
            minutes, seconds = divmod(int(save.t_s), 60)
            items.append(Item(f"Continue: {level.title}", on_activate=lambda: self._continue(level, save),
                              detail=f"at {minutes}:{seconds:02d} model time",
                              help="Carry on where you left the level (it is rebuilt from your saved moves)."))
        return items + [
            Item("Play the campaign", on_activate=lambda: Push(make("levels", self.ctx)),
                 help="Levels in order: each adds one idea, from a healthy junction to myasthenic crisis."),
            Item("Lab bench", on_activate=lambda: Push(make("lab", self.ctx)),
                 help="A sandbox like a physiology lab: conditions, stimuli, drugs, bath ions, traces and CSV export."),
            Item("Custom levels", on_activate=lambda: Push(make("custom-levels", self.ctx)),
                 help="Levels made by you or your teacher (your levels folder and installed packs): play or edit them."),
            Item("Level editor", on_activate=lambda: Push(make("editor-start", self.ctx)),
                 help="Make a level: a new one from a template, one of your own, or a copy of a campaign level."),
            Item("Join a class", on_activate=lambda: Push(make("class", self.ctx) if self.ctx.class_run is not None
                                                          else make("join", self.ctx)),
                 help="Your teacher runs a class server: type its address, the join code and your nickname."),
            Item("Player", on_activate=lambda: Push(ProfileScene(self.ctx)),
                 help="Your nickname and class code (no account, no password); results are saved under it."),
            Item("Settings", on_activate=lambda: Push(make("settings", self.ctx)),
                 help="Screen, sound, keys, colours, text size and reduced motion."),
            Item("Quit", on_activate=lambda: Quit(), help="Close Endplate (your progress is saved)."),
        ]

    def _autosave(self):
        """(level, autosave) of the current player's autosave, if it is valid and names a level that still
        exists. A bad one (edited by hand, damaged) is set aside by the store with a message; never fatal."""
        from game.rules.autosave import AutosaveError, read_autosave

        p = self.ctx.profile
        if p is None:
            return None
        try:
            saved = self.ctx.store.load_autosave(p.id)
            if not saved:
                return None
            level_id, payload = saved
            level = next((lv for lv in self.ctx.levels if lv.id == level_id), None)
            if level is None:
                return None
            try:
                save = read_autosave(level_id, payload)
            except AutosaveError as err:
                self.ctx.store.set_aside_autosave(p.id, str(err))
                return None
        except Exception as err:     # the store cannot read it (disk trouble): say so, start normally
            self.ctx.messages.append(f"Your autosave could not be read ({err}).")
            return None
        finally:
            for message in self.ctx.store.warnings:
                if message not in self.ctx.messages:
                    self.ctx.messages.append(message)
        return level, save

    def _continue(self, level, save):
        scene = make("play", self.ctx, level, save.seed)
        scene.resume([m.model_dump() for m in save.moves], save.t_s)
        return Push(scene)

    def enter(self) -> None:
        self.ctx.audio.start_music()
        self.form = Form(self._items(), "", width=520)      # rebuilt: an autosave may have appeared
        self.resize(self.ctx.window.size)
        player = next(i for i in self.form.items if i.label == "Player")
        p = self.ctx.profile
        player.detail = f"{p.nickname}" + (f" ({p.class_code})" if p and p.class_code else "") if p else "not signed in"

    def resize(self, size: tuple[int, int]) -> None:
        w, h = size
        self.form.set_area(pygame.Rect(0, 110, w, min(h - 110, 400)))

    def handle(self, event: pygame.event.Event):
        result = self.form.handle(event)
        if result == "back":
            return None
        return result

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        draw_backdrop(surface, pal, "Endplate", SUBTITLE)
        self.form.draw(surface, pal)
        w, h = surface.get_size()
        lines = [str(p) for p in self.ctx.level_problems] + list(self.ctx.messages)
        if lines:
            top = self.form.rect.bottom + 10
            draw_problems(surface, self.ctx, pygame.Rect(20, top, w - 40, max(60, h - top - 34)), lines,
                          "Some level files could not be used (fix them and restart):" if self.ctx.level_problems
                          else "Notes")
        tx.draw_text(surface, "Arrows / Tab: move   Enter: choose   F11: fullscreen", (w // 2, h - 10), 16,
                     pal.text_dim, anchor="midbottom", shadow=False)


def _outbox_detail(ctx) -> str:
    """How many class results on this computer wait for the server, and how many it has."""
    try:
        n = ctx.store.outbox_counts()
    except Exception:            # the Player screen must open even if the outbox cannot be read
        return ""
    return f"{n['queued']} waiting, {n['sent']} sent" if n["queued"] or n["sent"] else ""


class ProfileScene(FormScene):
    """Nickname and class code: classroom identity without accounts."""

    name = "profile"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        p = ctx.profile
        self.nick = Item("Nickname", "text", p.nickname if p else "", max_len=24, placeholder="e.g. Ada",
                         help="Any nickname (up to 24 characters). Type it, then move down.")
        self.code = Item("Class code", "text", p.class_code if p else "", max_len=16, placeholder="optional, e.g. 7B",
                         help="Your teacher's class code (letters, digits, '-'), or leave it empty.")
        self.form = Form([self.nick, self.code,
                          Item("Sign in", on_activate=self._sign_in, help="Use this nickname and class on this computer."),
                          Item("Export results (CSV)", on_activate=self._export,
                               help="Save the results of this class (or everyone, without a class code) as a "
                                    "spreadsheet file for your teacher."),
                          Item("Save results file", on_activate=self._results_file, detail=_outbox_detail(ctx),
                               help="No network in class? Save your class results as a file for your teacher to "
                                    "import (new file, in the exports folder)."),
                          Item("Back", on_activate=lambda: Pop(), help="Back to the menu.")], "Player", width=620)

    def _sign_in(self):
        err = self.ctx.sign_in(str(self.nick.value or ""), str(self.code.value or ""))
        if err:
            self.form.say(err.split(": ", 1)[-1], "danger")
            return None
        return Pop("signed-in")

    def _export(self):
        """Class results as CSV in the exports folder, under a new name (never overwriting)."""
        from datetime import datetime

        code = str(self.code.value or "").strip() or None
        folder = self.ctx.export_dir()
        stem = f"results-{code or 'all'}-{datetime.now():%Y%m%d-%H%M%S}"
        path, k = folder / f"{stem}.csv", 1
        while path.exists():
            k += 1
            path = folder / f"{stem}-{k}.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            rows = self.ctx.store.export_results_csv(path, code, titles={lv.id: lv.title for lv in self.ctx.levels})
        except Exception as err:        # a bad class code or a full disk: say so, keep running
            self.form.say(str(err).split(": ", 1)[-1], "danger")
            return None
        self.form.say(f"{rows} results saved to {path}", "ok")
        return None

    def _results_file(self):
        """Every class result on this computer (sent or not) as results files for the teacher's import."""
        from game.netclient.classrun import save_results_files

        try:
            paths = save_results_files(self.ctx.store, self.ctx.export_dir())
        except Exception as err:        # a full disk or a read-only folder: say so, keep running
            self.form.say(f"Results file not saved: {err}", "danger")
            return None
        if not paths:
            self.form.say("No class results on this computer yet (join a class first).", "warn")
        else:
            self.form.say(f"Saved {len(paths)} file(s): {paths[0]}" if len(paths) > 1 else f"Saved {paths[0]}", "ok")
        return None

    def subtitle(self) -> str:
        return "Who is playing?"
