"""Overlays drawn over the scene below: the pause menu, the help sheet, a message box."""
from __future__ import annotations

import pygame


from game.app.router import make
from game.app.scene import Pop, Push, Reset, Scene
from game.ui.forms import Form, Item
from game.view import text as tx
from game.view.input import ACTION_INFO, DEFAULT_KEY_BINDINGS, FIXED_KEYS
from game.view.instruments import draw_panel

def dim(surface: pygame.Surface, alpha: int = 170) -> None:
    shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    shade.fill((0, 0, 0, alpha))
    surface.blit(shade, (0, 0))


class PauseOverlay(Scene):
    opaque = False
    name = "pause"

    def __init__(self, ctx, play) -> None:
        super().__init__(ctx)
        self.play = play
        self.form = Form([
            Item("Resume", on_activate=lambda: Pop(), help="Back to the level (Esc)."),
            Item("Restart the level", on_activate=self._restart, help="Start this level again from the beginning."),
            Item("Controls and keys", on_activate=lambda: Push(HelpOverlay(self.ctx, play.level)),
                 help="Every control and its key."),
            Item("Settings", on_activate=self._settings, help="Sound, keys, colours, text size..."),
            Item("Quit to the menu", on_activate=self._quit, help="Leave the level (your place is autosaved)."),
        ], "Paused", width=480)

    def _restart(self):
        return Restart(self.play)

    def _settings(self):
        return Push(make("settings", self.ctx))

    def _quit(self):
        self.play.autosave()
        return Reset(make("menu", self.ctx))

    def resize(self, size) -> None:
        self.form.set_area(pygame.Rect(0, 0, size[0], size[1]))

    def handle(self, event):
        r = self.form.handle(event)
        if r == "back":
            return Pop()
        if isinstance(r, Restart):
            return r.transition(self)
        return r

    def draw(self, surface: pygame.Surface) -> None:
        dim(surface)
        self.form.draw(surface, self.ctx.palette)


class Restart:
    """Pop the overlay and replace the play scene with a fresh one."""

    def __init__(self, play) -> None:
        self.play = play

    def transition(self, overlay: Scene):
        return Pop(("restart", self.play))


class DismissOverlay(Scene):
    """A panel over the dimmed scene below; any key or click closes it."""

    opaque = False

    def handle(self, event):
        if event.type == pygame.KEYDOWN or (event.type == pygame.MOUSEBUTTONDOWN and event.button == 1):
            return Pop()
        return None

    def panel(self, surface: pygame.Surface, width: int, height: int, title: str,
              title_size: int) -> tuple[pygame.Rect, pygame.Rect]:
        """Dim what is below and draw a centred panel; returns (panel rect, inner rect)."""
        dim(surface)
        w, h = surface.get_size()
        rect = pygame.Rect(0, 0, min(w - 40, width), min(h - 40, height))
        rect.center = (w // 2, h // 2)
        return rect, draw_panel(surface, rect, self.ctx.palette, title, title_size=title_size)


class HelpOverlay(DismissOverlay):
    """Every control with its key, in two columns."""

    name = "help"

    def __init__(self, ctx, level=None) -> None:
        super().__init__(ctx)
        self.level = level

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        rect, inner = self.panel(surface, 1100, 640, "Controls (any key to close)", 26)
        b = self.ctx.bindings
        entries = [(b.label_for(a), *ACTION_INFO[a]) for a in DEFAULT_KEY_BINDINGS]       # the player's keys
        entries += [(b.label_for(a), *ACTION_INFO[a]) for a in FIXED_KEYS]                # then the fixed ones
        entries.append(("1-9", "Treatments", "Give the treatment on that number (see the controls panel)."))
        entries.append(("Mouse", "Hover, wheel, drag", "Hover to identify; wheel zooms the lens; drag pans it; "
                                                        "click a control row to use it."))
        foot = tx.line_height(15) + 6
        area = pygame.Rect(inner.x, inner.y, inner.w, inner.h - foot)
        col_w = (area.w - 20) // 2
        rows = (len(entries) + 1) // 2
        two_line = tx.line_height(17) + tx.line_height(14) + 6
        one_line = tx.line_height(17) + 6
        lh = two_line if rows * two_line <= area.h else max(one_line, area.h // max(1, rows))
        key_w = min(110, max(tx.text_size(k, 16)[0] for k, *_ in entries) + 14)
        for i, (key, title, line) in enumerate(entries):
            col, row = divmod(i, rows)
            x = area.x + col * (col_w + 20)
            y = area.y + row * lh
            if y + one_line > area.bottom:
                continue
            cap = pygame.Rect(x, y, key_w, tx.line_height(17) + 2)
            pygame.draw.rect(surface, pal.panel, cap, border_radius=4)
            pygame.draw.rect(surface, pal.text_dim, cap, 1, border_radius=4)
            tx.note_panel(cap, surface)
            tx.draw_text(surface, key, cap.center, 16, pal.text, anchor="center", shadow=False, max_w=cap.w - 6)
            room = col_w - key_w - 8
            t = tx.draw_text(surface, title, (cap.right + 8, y + 1), 17, pal.text, shadow=False, max_w=room)
            if lh >= two_line:
                tx.draw_text(surface, line, (cap.right + 8, t.bottom + 2), 14, pal.text_dim, shadow=False, max_w=room)
            elif room - t.w - 12 > 60:
                tx.draw_text(surface, line, (t.right + 12, t.bottom), 14, pal.text_dim, anchor="bottomleft",
                             shadow=False, max_w=room - t.w - 12)
        if self.level is not None:
            tx.draw_text(surface, "Keys can be changed in Settings.", (rect.right - 12, rect.bottom - 8), 15,
                         pal.text_dim, anchor="bottomright", shadow=False)


class MessageOverlay(DismissOverlay):
    """A short message (e.g. a level file that could not be loaded); any key closes it."""

    name = "message"

    def __init__(self, ctx, title: str, lines: list[str]) -> None:
        super().__init__(ctx)
        self.title = title
        self.lines = lines

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        rect, inner = self.panel(surface, 900, 100 + 26 * len(self.lines), self.title, 24)
        y = inner.y + 4
        for line in self.lines:
            y += tx.draw_wrapped(surface, line, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), 18, pal.warn) + 6
        tx.draw_text(surface, "Any key: close", (rect.right - 10, rect.bottom - 8), 15, pal.text_dim,
                     anchor="bottomright", shadow=False)

