"""Menu widgets drawn with the game's palette and fonts: a keyboard-and-mouse form of rows.

A `Form` is a vertical list of `Item`s (buttons, toggles, choices, sliders, text fields, key bindings).
Up/Down or Tab move the focus, Left/Right change a value, Enter activates, Escape goes back; the mouse
hovers, clicks and (on sliders) drags. Every item has a one-line help text shown under the form.
The form never knows about scenes: `on_activate` callbacks return whatever the scene wants back
(usually a transition), and `handle` passes it through.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pygame

from game.view import text as tx
from game.view.input import key_label, key_name
from game.view.palette import Palette, mix
from game.view.instruments import draw_panel

ROW_H = 40


@dataclass
class Item:
    label: str
    kind: str = "button"          # button | toggle | choice | slider | text | key | info
    value: Any = None
    choices: Sequence[tuple[Any, str]] = ()
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.1
    fmt: Callable[[Any], str] | None = None
    on_change: Callable[[Any], Any] | None = None
    on_activate: Callable[[], Any] | None = None
    help: str = ""
    enabled: bool = True
    max_len: int = 24
    placeholder: str = ""
    accent: str | None = None     # palette role for the label (e.g. "warn" for a locked level)
    detail: str = ""              # right-aligned dim text (best stars, key hint...)
    rect: pygame.Rect = field(default_factory=lambda: pygame.Rect(0, 0, 0, 0))

    def value_text(self) -> str:
        if self.fmt is not None:
            return self.fmt(self.value)
        if self.kind == "toggle":
            return "On" if self.value else "Off"
        if self.kind == "choice":
            for v, text in self.choices:
                if v == self.value:
                    return text
            return str(self.value)
        if self.kind == "slider":
            return f"{round(float(self.value) * 100)}%" if self.hi <= 1.0 else f"{self.value:g}"
        if self.kind == "key":
            return key_label(str(self.value)) if self.value else "-"
        if self.kind == "text":
            return str(self.value or "")
        return ""

    @property
    def focusable(self) -> bool:
        return self.enabled and self.kind != "info"


class Form:
    """A column of items with keyboard focus. `handle` returns what an activated item's callback returned,
    or the string "back" for Escape (when not capturing), else None."""

    def __init__(self, items: list[Item], title: str = "", width: int = 560) -> None:
        self.items = items
        self.title = title
        self.width = width
        self.focus = next((i for i, it in enumerate(items) if it.focusable), 0)
        self.hover: int | None = None
        self.capturing: int | None = None     # index of a "key" item waiting for a key press
        self.editing: int | None = None       # text item being typed into (focus on a text item = editing)
        self.dragging: int | None = None
        self.scroll = 0
        self.rect = pygame.Rect(0, 0, width, 0)
        self.message = ""                    # a line shown under the form (errors, confirmations)
        self.message_level = "info"

    # -- layout ----------------------------------------------------------------------------------------
    def needed_height(self, rows: int | None = None, row_h: int = ROW_H) -> int:
        """Height the form needs to show `rows` items (all by default) with its title and help lines."""
        n = len(self.items) if rows is None else rows
        row_h = max(row_h, tx.line_height(22) + 14)
        title_h = tx.line_height(34) + 16 if self.title else 0
        return title_h + n * row_h + tx.line_height(18) * 2 + 16 + 20

    def layout(self, area: pygame.Rect, row_h: int = ROW_H) -> None:
        row_h = max(row_h, tx.line_height(22) + 14)
        w = min(self.width, area.w - 20)
        title_h = tx.line_height(34) + 16 if self.title else 0
        help_h = tx.line_height(18) * 2 + 16
        visible = max(1, (area.h - title_h - help_h - 20) // row_h)
        n = min(len(self.items), visible)
        h = title_h + n * row_h + help_h + 16
        self.rect = pygame.Rect(0, 0, w, h)
        self.rect.center = area.center
        self.row_h = row_h
        self.visible = visible
        self._clamp_scroll()
        y = self.rect.y + 8 + title_h
        for i, it in enumerate(self.items):
            if self.scroll <= i < self.scroll + visible:
                it.rect = pygame.Rect(self.rect.x + 12, y, w - 24, row_h - 6)
                y += row_h
            else:
                it.rect = pygame.Rect(0, 0, 0, 0)

    def _clamp_scroll(self) -> None:
        vis = getattr(self, "visible", len(self.items))
        if self.focus < self.scroll:
            self.scroll = self.focus
        if self.focus >= self.scroll + vis:
            self.scroll = self.focus - vis + 1
        self.scroll = max(0, min(self.scroll, max(0, len(self.items) - vis)))

    # -- focus -----------------------------------------------------------------------------------------
    def move(self, d: int) -> None:
        n = len(self.items)
        if not any(it.focusable for it in self.items):
            return
        i = self.focus
        for _ in range(n):
            i = (i + d) % n
            if self.items[i].focusable:
                break
        self.focus = i
        self._clamp_scroll()
        if hasattr(self, "row_h"):
            self.layout(self._area_for_relayout())

    def _area_for_relayout(self) -> pygame.Rect:
        return getattr(self, "_area", self.rect)

    def set_area(self, area: pygame.Rect) -> None:
        self._area = pygame.Rect(area)
        self.layout(self._area)

    @property
    def focused(self) -> Item | None:
        return self.items[self.focus] if 0 <= self.focus < len(self.items) else None

    # -- values ----------------------------------------------------------------------------------------
    def _change(self, it: Item, direction: int) -> Any:
        if not it.enabled:
            return None
        if it.kind == "toggle":
            it.value = not it.value
        elif it.kind == "choice" and it.choices:
            values = [v for v, _ in it.choices]
            try:
                k = values.index(it.value)
            except ValueError:
                k = 0
            it.value = values[(k + direction) % len(values)]
        elif it.kind == "slider":
            v = float(it.value) + direction * it.step
            it.value = round(min(it.hi, max(it.lo, v)), 6)
        else:
            return None
        return it.on_change(it.value) if it.on_change else None

    def _set_slider_from_x(self, it: Item, x: float) -> Any:
        bar = self._slider_bar(it)
        f = min(1.0, max(0.0, (x - bar.x) / max(1, bar.w)))
        v = it.lo + f * (it.hi - it.lo)
        v = round(round(v / it.step) * it.step, 6) if it.step else v
        if v != it.value:
            it.value = v
            return it.on_change(it.value) if it.on_change else None
        return None

    def _activate(self, it: Item) -> Any:
        if not it.enabled:
            return None
        if it.kind in ("toggle", "choice"):
            return self._change(it, +1)
        if it.kind == "key":
            self.capturing = self.items.index(it)
            self.message = f"Press the new key for \"{it.label}\" (Esc: cancel)"
            self.message_level = "info"
            return None
        if it.on_activate:
            return it.on_activate()
        return None

    # -- events ----------------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> Any:
        it = self.focused
        if self.capturing is not None:
            if event.type == pygame.KEYDOWN:
                target = self.items[self.capturing]
                self.capturing = None
                if event.key == pygame.K_ESCAPE:
                    self.message = ""
                    return None
                target.value = key_name(event.key)
                self.message = ""
                return target.on_change(target.value) if target.on_change else None
            return None
        if event.type == pygame.TEXTINPUT and it is not None and it.kind == "text":
            text = str(it.value or "") + event.text
            it.value = text[: it.max_len]
            if it.on_change:
                it.on_change(it.value)
            return None
        if event.type == pygame.KEYDOWN:
            k = event.key
            if it is not None and it.kind == "text" and k == pygame.K_BACKSPACE:
                it.value = str(it.value or "")[:-1]
                if it.on_change:
                    it.on_change(it.value)
                return None
            if k in (pygame.K_DOWN,) or (k == pygame.K_TAB and not event.mod & pygame.KMOD_SHIFT):
                self.move(+1)
            elif k == pygame.K_UP or (k == pygame.K_TAB and event.mod & pygame.KMOD_SHIFT):
                self.move(-1)
            elif k == pygame.K_LEFT and it is not None:
                return self._change(it, -1)
            elif k == pygame.K_RIGHT and it is not None:
                return self._change(it, +1)
            elif k in (pygame.K_RETURN, pygame.K_KP_ENTER) and it is not None:
                return self._activate(it)
            elif k == pygame.K_SPACE and it is not None and it.kind != "text":
                return self._activate(it)
            elif k == pygame.K_ESCAPE:
                return "back"
            return None
        if event.type == pygame.MOUSEMOTION:
            self.hover = self.index_at(event.pos)
            if self.dragging is not None and event.buttons and event.buttons[0]:
                return self._set_slider_from_x(self.items[self.dragging], event.pos[0])
            return None
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            i = self.index_at(event.pos)
            if i is None or not self.items[i].focusable:
                return None
            self.focus = i
            target = self.items[i]
            if target.kind == "slider":
                self.dragging = i
                return self._set_slider_from_x(target, event.pos[0])
            if target.kind == "choice":
                # left half of the value goes back, right half forward
                return self._change(target, -1 if event.pos[0] < target.rect.right - 120 else +1)
            return self._activate(target)
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.dragging = None
        if event.type == pygame.MOUSEWHEEL:
            self.scroll = max(0, min(len(self.items) - self.visible, self.scroll - event.y))
            self.layout(self._area_for_relayout())
        return None

    def index_at(self, pos: Sequence[int]) -> int | None:
        for i, it in enumerate(self.items):
            if it.rect.w and it.rect.collidepoint(pos):
                return i
        return None

    # -- drawing ---------------------------------------------------------------------------------------
    def _slider_bar(self, it: Item) -> pygame.Rect:
        w = min(220, it.rect.w // 3)
        return pygame.Rect(it.rect.right - w - 70, it.rect.centery - 5, w, 10)

    def draw(self, surface: pygame.Surface, pal: Palette) -> None:
        draw_panel(surface, self.rect, pal, None, alpha=245)
        if self.title:
            tx.draw_text(surface, self.title, (self.rect.centerx, self.rect.y + 12), 34, pal.text, anchor="midtop",
                         shadow=False)
        for i, it in enumerate(self.items):
            if not it.rect.w:
                continue
            focused = i == self.focus
            hovered = i == self.hover
            r = it.rect
            tx.note_panel(r, surface)
            if it.kind != "info":
                fill = mix(pal.panel, pal.accent, 0.22 if focused else (0.1 if hovered else 0.04))
                pygame.draw.rect(surface, fill, r, border_radius=6)
                if focused:
                    pygame.draw.rect(surface, pal.highlight, r, 2, border_radius=6)
                    # a focus arrow as well as the outline (not colour alone)
                    pygame.draw.polygon(surface, pal.highlight, [(r.x + 6, r.centery - 6), (r.x + 14, r.centery),
                                                                 (r.x + 6, r.centery + 6)])
            col = pal[it.accent] if it.accent else (pal.text if it.enabled else pal.text_dim)
            right = r.right - 12
            limit = right                       # the label ends before what is drawn on the right
            if it.kind == "slider":
                bar = self._slider_bar(it)
                pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), bar, border_radius=5)
                f = (float(it.value) - it.lo) / (it.hi - it.lo) if it.hi > it.lo else 0
                fill_r = pygame.Rect(bar.x, bar.y, int(bar.w * f), bar.h)
                pygame.draw.rect(surface, pal.accent, fill_r, border_radius=5)
                pygame.draw.circle(surface, pal.text, (bar.x + bar.w * f, bar.centery), 8)
                tx.draw_text(surface, it.value_text(), (right, r.centery), 20, pal.text, anchor="midright", shadow=False)
                limit = bar.x - 12
            elif it.kind == "toggle":
                box = pygame.Rect(0, 0, 22, 22)
                box.midright = (right, r.centery)
                pygame.draw.rect(surface, pal.accent if it.value else pal.panel, box, border_radius=4)
                pygame.draw.rect(surface, pal.text, box, 1, border_radius=4)
                if it.value:
                    pygame.draw.lines(surface, pal.panel, False, [(box.x + 4, box.centery), (box.x + 9, box.bottom - 5),
                                                                  (box.right - 4, box.y + 5)], 3)
                vr = tx.draw_text(surface, it.value_text(), (box.left - 10, r.centery), 20, pal.text_dim,
                                  anchor="midright", shadow=False)
                limit = vr.left - 12
            elif it.kind == "choice":
                t = it.value_text()
                tr = tx.draw_text(surface, t, (right - 18, r.centery), 20, pal.text, anchor="midright", shadow=False)
                limit = tr.left - 24
                for sx, d in ((tr.left - 12, -1), (right - 8, 1)):
                    pygame.draw.polygon(surface, pal.text_dim, [(sx + 4 * d, r.centery), (sx - 4 * d, r.centery - 6),
                                                                (sx - 4 * d, r.centery + 6)])
            elif it.kind == "key":
                capturing = self.capturing == i
                t = "press a key..." if capturing else it.value_text()
                w_, h_ = tx.text_size(t, 20)
                cap = pygame.Rect(0, 0, max(44, w_ + 18), h_ + 8)
                cap.midright = (right, r.centery)
                pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.4), cap, border_radius=5)
                pygame.draw.rect(surface, pal.warn if capturing else pal.text_dim, cap, 1, border_radius=5)
                tx.draw_text(surface, t, cap.center, 20, pal.warn if capturing else pal.text, anchor="center", shadow=False)
                limit = cap.left - 12
            elif it.kind == "text":
                box = pygame.Rect(0, 0, min(300, r.w // 2), r.h - 8)
                box.midright = (right, r.centery)
                pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), box, border_radius=5)
                pygame.draw.rect(surface, pal.highlight if focused else pal.text_dim, box, 1, border_radius=5)
                limit = box.left - 12
                shown = it.value_text() or it.placeholder
                tcol = pal.text if it.value else pal.text_dim
                tr = tx.draw_text(surface, shown, (box.x + 8, box.centery), 20, tcol, anchor="midleft", shadow=False)
                if focused and (pygame.time.get_ticks() // 500) % 2 == 0:
                    x = tr.right + 2 if it.value else box.x + 8
                    pygame.draw.line(surface, pal.text, (x, box.y + 5), (x, box.bottom - 5), 2)
            if it.detail:
                dx = right if it.kind == "button" else right - 200
                if it.kind in ("button", "info"):
                    lw = tx.text_size(it.label, 22)[0]
                    dr = tx.draw_text(surface, it.detail, (dx, r.centery), 19, pal.text_dim, anchor="midright",
                                      shadow=False, max_w=max(40, dx - (r.x + 22 + lw + 16)))
                    limit = min(limit, dr.left - 12)
            tx.draw_text(surface, it.label, (r.x + 22, r.centery), 22, col, anchor="midleft", shadow=False,
                         max_w=max(20, limit - (r.x + 22)))
        # scroll marks
        if self.scroll > 0:
            tx.draw_text(surface, "more above", (self.rect.right - 16, self.rect.y + 8), 15, pal.text_dim,
                         anchor="topright", shadow=False)
        if self.scroll + self.visible < len(self.items):
            last = [it.rect for it in self.items if it.rect.w]
            y = last[-1].bottom + 2 if last else self.rect.bottom
            tx.draw_text(surface, "more below", (self.rect.right - 16, y), 15, pal.text_dim, anchor="topright",
                         shadow=False)
        # help / message area
        it = self.focused
        text = self.message or (it.help if it else "")
        level = self.message_level if self.message else "info"
        col = {"info": pal.text_dim, "warn": pal.warn, "danger": pal.danger, "ok": pal.ok}.get(level, pal.text_dim)
        help_rect = pygame.Rect(self.rect.x + 16, self.rect.bottom - tx.line_height(18) * 2 - 14, self.rect.w - 32,
                                tx.line_height(18) * 2 + 4)
        tx.draw_wrapped(surface, text, help_rect, 18, col)

    def say(self, text: str, level: str = "info") -> None:
        self.message = text
        self.message_level = level


_BACKDROPS: dict[tuple, pygame.Surface] = {}


def draw_backdrop(surface: pygame.Surface, pal: Palette, title: str = "", subtitle: str = "") -> None:
    """The menu background: a calm gradient, faint junction-like arcs and a title."""
    w, h = surface.get_size()
    surface.fill(pal.background)
    band = pygame.Surface((w, h // 3), pygame.SRCALPHA)
    for i in range(0, h // 3, 3):
        a = int(36 * (1 - i / (h / 3)))
        pygame.draw.line(band, (*pal.axon[:3], a), (0, i), (w, i), 3)
    surface.blit(band, (0, 0))
    # the junction itself, faint, across the bottom of the screen
    art = pygame.Rect(0, int(h * 0.38), w, int(h * 0.62))
    key = (art.size, pal.name)
    faint = _BACKDROPS.get(key)
    if faint is None:
        from game.view import lens_art as la

        faint = la.static_surface(la.LensLayout.from_rect(art), pal).copy()
        faint.set_alpha(46)
        _BACKDROPS.clear()
        _BACKDROPS[key] = faint
    surface.blit(faint, art.topleft)
    if title:
        tx.draw_text(surface, title, (w // 2, 26), 48, pal.text, anchor="midtop", bold=True)
    if subtitle:
        tx.draw_text(surface, subtitle, (w // 2, 26 + tx.line_height(48) + 2), 20, pal.text_dim, anchor="midtop",
                     shadow=False)
