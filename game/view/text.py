"""Text for the view: one bundled font at a global text scale, cached, with shadow/outline, wrapping and
leader-line labels.

Sizes are given in "design pixels" for a 1280x720 screen at text scale 1.0 (the sizes the drawing code has
always used). The font is Noto Sans, which ships inside pygame_gui (a dependency, so nothing is downloaded):
it is hinted for screens, kerns its pairs ("let", "twitch") and draws "%", arrows, superscripts and the
micro sign clearly at small sizes. A design size maps to an em size of ``EM_PER_DESIGN`` of it, never below
``MIN_PX`` pixels, so no text is ever smaller than that.

Rendered lines are cropped to the part glyphs use (from just above the tallest letters to just below the
descenders), so line boxes are tight and the boxes other code measures are the boxes drawn.

The text scale (0.75..2.0, a player setting times the window's share of 1280x720) multiplies every size.
Fonts, rendered strings and wrapped paragraphs are cached; changing the scale clears the caches.

:func:`start_recording` makes every drawn line and every panel be recorded (the layout test uses this to
check that text stays inside its panel and that no two lines overlap).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import pygame

from game.view.palette import Colour

MIN_SCALE = 0.75
MAX_SCALE = 2.0

SMALL = 18
BODY = 22
HEADING = 26
TITLE = 34

EM_PER_DESIGN = 0.7     # design size 22 -> 15 px em: about the width of the old default font at 22
MIN_PX = 11             # no text is drawn with an em below this
TOP_EM = 0.93           # a rendered line keeps this much above the baseline ...
BOTTOM_EM = 0.27        # ... and this much below it

_scale = 1.0
_fonts: dict[tuple[int, bool], pygame.font.Font] = {}
_renders: "OrderedDict[tuple, pygame.Surface]" = OrderedDict()
_wraps: "OrderedDict[tuple, list[str]]" = OrderedDict()
_RENDER_CACHE_MAX = 768
_WRAP_CACHE_MAX = 512

_GLYPH_FALLBACK = {
    "\u2192": "->", "\u2190": "<-", "\u2191": "^", "\u2193": "v", "\u2713": "v", "\u2714": "v",
    "\u26a0": "!", "\u2248": "~", "\u2264": "<=", "\u2265": ">=", "\u00b1": "+/-", "\u25b6": ">",
    "\u207a": "+", "\u207b": "-", "\u00b3": "3", "\u2212": "-",
}
_has_glyph: dict[str, bool] = {}


def _font_file(bold: bool) -> str | None:
    try:
        path = resources.files("pygame_gui.data") / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")
        if path.is_file():
            return str(path)
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return None                # pygame-ce's own default font


def _drawable(ch: str) -> bool:
    """True when the font has a glyph for `ch` (not the empty box it draws for unknown characters)."""
    known = _has_glyph.get(ch)
    if known is None:
        font = get_font(BODY)
        box = font.metrics("\uffff")
        known = font.metrics(ch) != box
        _has_glyph[ch] = known
    return known


def safe_text(text: str) -> str:
    """Replace characters the font cannot draw with plain equivalents."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() or _drawable(ch) else _GLYPH_FALLBACK.get(ch, "?") for ch in text)


def set_text_scale(scale: float) -> float:
    """Set the global text scale (clamped to 0.75..2.0); returns the value used. Clears the caches."""
    global _scale
    s = min(MAX_SCALE, max(MIN_SCALE, float(scale)))
    if s != _scale:
        _scale = s
        clear_cache()
    return _scale


def get_text_scale() -> float:
    return _scale


def clear_cache() -> None:
    _fonts.clear()
    _renders.clear()
    _wraps.clear()


# --- recording (for the layout test) ------------------------------------------------------------------------

@dataclass
class TextBox:
    rect: pygame.Rect          # the ink of the line (where its glyphs are)
    text: str
    px: int                    # em size in pixels
    order: int                 # drawing order (shared with panels)
    covered: bool = False      # a panel was drawn over it later
    clipped: bool = False      # part of it fell outside the surface's clip area


@dataclass
class Recording:
    texts: list[TextBox]
    panels: list[tuple[int, pygame.Rect]]     # (drawing order, rect)
    n: int = 0

    def next(self) -> int:
        self.n += 1
        return self.n

    def problems(self, screen: pygame.Rect, min_px: int = MIN_PX, slack: int = 1) -> list[str]:
        """What is wrong with the layout recorded: text below `min_px`, off the screen, outside the panel it
        starts in, or overlapping other text (boxes may touch by `slack` px)."""
        out: list[str] = []
        shown = [t for t in self.texts if not t.covered]
        for t in shown:
            if t.px < min_px:
                out.append(f"{t.text!r} is {t.px} px (< {min_px})")
            if t.clipped:
                out.append(f"{t.text!r} {tuple(t.rect)} is clipped")
                continue
            if not screen.contains(t.rect):
                out.append(f"{t.text!r} {tuple(t.rect)} runs off the screen")
                continue
            owner = None
            for order, p in self.panels:
                if order < t.order and p.collidepoint(t.rect.center):
                    owner = p
            if owner is not None and not owner.inflate(2 * slack, 2 * slack).contains(t.rect):
                out.append(f"{t.text!r} {tuple(t.rect)} sticks out of its panel {tuple(owner)}")
        for i, a in enumerate(shown):
            ra = a.rect.inflate(-2 * slack, -2 * slack)
            for b in shown[i + 1:]:
                if ra.colliderect(b.rect.inflate(-2 * slack, -2 * slack)):
                    out.append(f"{a.text!r} {tuple(a.rect)} overlaps {b.text!r} {tuple(b.rect)}")
        return out


_recording: Recording | None = None


def start_recording() -> Recording:
    """Record every line drawn and every panel from now on (until :func:`stop_recording`)."""
    global _recording
    _recording = Recording([], [])
    return _recording


def stop_recording() -> Recording | None:
    global _recording
    rec, _recording = _recording, None
    return rec


def note_panel(rect: pygame.Rect, surface: pygame.Surface | None = None) -> None:
    """A panel (an opaque box) was drawn at `rect` (on `surface`, which may be a subsurface): text drawn
    before under it is hidden now, and text drawn in it later must stay inside it."""
    if _recording is None:
        return
    r = pygame.Rect(rect)
    if surface is not None:
        r.move_ip(surface.get_abs_offset())
    for t in _recording.texts:
        if not t.covered and r.colliderect(t.rect):
            t.covered = True
    _recording.panels.append((_recording.next(), r))


def _record(target: pygame.Surface, surf: pygame.Surface, rect: pygame.Rect, text: str, size: float) -> None:
    ink = surf.get_bounding_rect(min_alpha=40)
    if ink.w == 0 or ink.h == 0:
        return
    ink = ink.move(rect.x, rect.y)
    off = target.get_abs_offset()
    clip = target.get_clip()
    clipped = not clip.contains(ink)
    _recording.texts.append(TextBox(ink.move(off), text, scaled(size), _recording.next(), clipped=clipped))


# --- fonts --------------------------------------------------------------------------------------------------

def scaled(size: float) -> int:
    """Em size in pixels actually used for a design size at the current text scale (never below MIN_PX)."""
    return max(MIN_PX, int(round(size * _scale * EM_PER_DESIGN)))


def get_font(size: float, bold: bool = False) -> pygame.font.Font:
    """The font at `size` design px (times the text scale), cached."""
    if not pygame.font.get_init():
        pygame.font.init()
    px = scaled(size)
    key = (px, bool(bold))
    font = _fonts.get(key)
    if font is not None:
        try:
            font.get_height()
        except pygame.error:       # the font module was quit and started again since: fonts are dead
            clear_cache()
            font = None
    if font is None:
        path = _font_file(bool(bold))
        if path is None:
            font = pygame.font.Font(None, int(round(px / 0.6875)))
            font.set_bold(bool(bold))
        else:
            font = pygame.font.Font(path, px)
        _fonts[key] = font
    return font


def _crop(font: pygame.font.Font, px: int) -> tuple[int, int]:
    """(top, height) of the band of a rendered line that glyphs use."""
    asc = font.get_ascent()
    top = max(0, asc - int(round(TOP_EM * px)))
    bottom = min(font.get_height(), asc + int(round(BOTTOM_EM * px)) + 1)
    return top, max(1, bottom - top)


def line_height(size: float, bold: bool = False) -> int:
    """Height of one line's box (the cropped rendering)."""
    return _crop(get_font(size, bold), scaled(size))[1]


def text_size(text: str, size: float, bold: bool = False) -> tuple[int, int]:
    font = get_font(size, bold)
    return font.size(safe_text(text))[0], line_height(size, bold)


def render(text: str, size: float, colour: Sequence[int], bold: bool = False) -> pygame.Surface:
    """Anti-aliased text on a transparent surface, cached by (text, size, colour, bold)."""
    key = (text, scaled(size), tuple(colour[:3]), bool(bold), len(colour) > 3 and colour[3])
    surf = _renders.get(key)
    if surf is not None:
        _renders.move_to_end(key)
        return surf
    font = get_font(size, bold)
    full = font.render(safe_text(text), True, tuple(colour[:3]))
    top, h = _crop(font, scaled(size))
    h = min(h, full.get_height() - top)
    surf = full.subsurface(pygame.Rect(0, top, full.get_width(), max(1, h))).copy()
    if len(colour) > 3 and colour[3] < 255:
        surf.set_alpha(int(colour[3]))
    _renders[key] = surf
    if len(_renders) > _RENDER_CACHE_MAX:
        _renders.popitem(last=False)
    return surf


def _anchored(rect: pygame.Rect, pos: Sequence[float], anchor: str) -> pygame.Rect:
    setattr(rect, anchor, (int(round(pos[0])), int(round(pos[1]))))
    return rect


def draw_text(surface: pygame.Surface, text: str, pos: Sequence[float], size: float = BODY,
              colour: Sequence[int] = (235, 235, 235), *, anchor: str = "topleft", bold: bool = False,
              shadow: bool = True, outline: bool = False, shadow_colour: Sequence[int] = (0, 0, 0),
              alpha: int = 255, max_w: int | None = None) -> pygame.Rect:
    """Draw `text` with its `anchor` (a pygame.Rect attribute: topleft, center, midright...) at `pos`.

    With `max_w`, text wider than that is shortened with "...".

    `shadow` adds a 1-px drop shadow; `outline` a 1-px outline all round (for text over busy art).
    Returns the rect covered by the main text.
    """
    if max_w is not None:
        text = ellipsize(text, size, max_w, bold)
    if not text:
        return pygame.Rect(int(pos[0]), int(pos[1]), 0, 0)
    main = render(text, size, colour, bold)
    rect = _anchored(main.get_rect(), pos, anchor)
    if outline or shadow:
        back = render(text, size, shadow_colour, bold)
        if alpha < 255:
            back = back.copy()
            back.set_alpha(alpha)
        if outline:
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)):
                surface.blit(back, rect.move(dx, dy))
        else:
            off = 2 if scaled(size) >= 30 else 1
            surface.blit(back, rect.move(off, off))
    if alpha < 255:
        main = main.copy()
        main.set_alpha(alpha)
    surface.blit(main, rect)
    if _recording is not None:
        _record(surface, main, rect, text, size)
    return rect


def prose(text: str) -> str:
    """Text written with hard line breaks (as in a level file) as flowing paragraphs: single newlines become
    spaces, blank lines separate paragraphs."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n".join(p for p in paragraphs if p)


def _cut_to_width(font: pygame.font.Font, word: str, width: int) -> int:
    """Most leading characters of `word` that fit in `width` px (at least 1): a binary search, so a pasted
    2000-character URL costs a few dozen measurements, not thousands."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.size(word[:mid])[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def wrap_lines(text: str, size: float, width: int, bold: bool = False) -> list[str]:
    """Split `text` into lines that fit `width` px (explicit newlines are kept; words longer than a line are
    broken). Cached by (text, size, width, bold): drawing the same paragraph every frame costs nothing."""
    key = (text, scaled(size), int(width), bool(bold))
    hit = _wraps.get(key)
    if hit is not None:
        _wraps.move_to_end(key)
        return hit
    font = get_font(size, bold)
    width = max(1, int(width))
    out: list[str] = []
    for para in safe_text(text).split("\n"):
        line = ""
        for word in para.split(" "):
            trial = word if not line else line + " " + word
            if font.size(trial)[0] <= width:
                line = trial
                continue
            if line:
                out.append(line)
            while len(word) > 1 and font.size(word)[0] > width:
                cut = _cut_to_width(font, word, width)
                out.append(word[:cut])
                word = word[cut:]
            line = word
        out.append(line)
    _wraps[key] = out
    if len(_wraps) > _WRAP_CACHE_MAX:
        _wraps.popitem(last=False)
    return out


def ellipsize(text: str, size: float, width: int, bold: bool = False) -> str:
    """`text`, shortened with "..." if needed so that it fits `width` px."""
    font = get_font(size, bold)
    t = safe_text(text)
    if font.size(t)[0] <= width:
        return text
    if font.size("...")[0] > width:
        return ""
    lo, hi = 0, len(t)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.size(t[:mid].rstrip() + "...")[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return t[:lo].rstrip() + "..."


def draw_wrapped(surface: pygame.Surface, text: str, rect: pygame.Rect, size: float = BODY,
                 colour: Sequence[int] = (235, 235, 235), *, bold: bool = False, align: str = "left",
                 line_spacing: float = 1.15, shadow: bool = False) -> int:
    """Draw `text` wrapped inside `rect` (lines that do not fit in height are dropped, the last visible one
    ends with an ellipsis). Returns the height used in px."""
    rect = pygame.Rect(rect)
    if rect.w <= 4 or rect.h <= 2:
        return 0
    lines = wrap_lines(text, size, rect.w, bold)
    step = max(1, int(round(line_height(size, bold) * line_spacing)))
    fh = line_height(size, bold)
    max_lines = max(0, (rect.h - fh) // step + 1) if rect.h >= fh else 0
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        if lines:
            lines[-1] = ellipsize(lines[-1].rstrip() + "...", size, rect.w, bold)
    y = rect.y
    for ln in lines:
        if align == "center":
            draw_text(surface, ln, (rect.centerx, y), size, colour, anchor="midtop", bold=bold, shadow=shadow)
        elif align == "right":
            draw_text(surface, ln, (rect.right, y), size, colour, anchor="topright", bold=bold, shadow=shadow)
        else:
            draw_text(surface, ln, (rect.x, y), size, colour, bold=bold, shadow=shadow)
        y += step
    return (y - rect.y - step + fh) if lines else 0


def draw_label(surface: pygame.Surface, text: str, target: Sequence[float], label_pos: Sequence[float],
               colour: Sequence[int] = (235, 235, 235), size: float = SMALL, *,
               line_colour: Sequence[int] | None = None, background: Sequence[int] | None = (12, 14, 20, 200),
               anchor: str | None = None, dot: bool = True) -> pygame.Rect:
    """A small label at `label_pos` with a leader line to `target` (the structure it names).

    The label box is placed so that its nearest edge touches `label_pos` (or by `anchor`). A dot marks the
    target. Returns the label's rect.
    """
    font_rect = pygame.Rect((0, 0), text_size(text, size))
    pad_x, pad_y = max(3, scaled(size) // 5), max(1, scaled(size) // 9)
    box = font_rect.inflate(pad_x * 2, pad_y * 2)
    tx, ty = float(target[0]), float(target[1])
    lx, ly = float(label_pos[0]), float(label_pos[1])
    if anchor is None:
        if abs(lx - tx) >= abs(ly - ty):
            anchor = "midleft" if lx >= tx else "midright"
        else:
            anchor = "midtop" if ly >= ty else "midbottom"
    setattr(box, anchor, (int(round(lx)), int(round(ly))))
    lc = tuple(line_colour or colour)[:3]
    # leader line from the target to the closest point of the box edge
    ex = min(max(tx, box.left), box.right - 1)
    ey = min(max(ty, box.top), box.bottom - 1)
    pygame.draw.aaline(surface, lc, (tx, ty), (ex, ey))
    if dot:
        pygame.draw.circle(surface, (0, 0, 0), (round(tx), round(ty)), 3)
        pygame.draw.circle(surface, lc, (round(tx), round(ty)), 2)
    if background is not None:
        if len(background) > 3 and background[3] < 255:
            bg = pygame.Surface(box.size, pygame.SRCALPHA)
            pygame.draw.rect(bg, background, bg.get_rect(), border_radius=4)
            surface.blit(bg, box)
        else:
            pygame.draw.rect(surface, background[:3], box, border_radius=4)
        pygame.draw.rect(surface, lc, box, 1, border_radius=4)
    draw_text(surface, text, box.center, size, colour, anchor="center", shadow=background is None)
    return box


def fit_size(text: str, width: int, size: float, min_size: float = 10, bold: bool = False) -> float:
    """Largest design size <= `size` at which `text` fits in `width` px (not below `min_size`)."""
    s = float(size)
    while s > min_size and text_size(text, s, bold)[0] > width:
        s -= 1
    return s


FITTED_MIN = 14   # draw_fitted: the smallest one-line size; longer text wraps to two lines


def draw_fitted(surface: pygame.Surface, text: str, box: pygame.Rect, colour: Sequence[int], size: float = 19) -> None:
    """`text` inside `box` (a row of a list, e.g. a quiz answer): one line, made smaller down to FITTED_MIN; still
    too long, two lines at the largest size up to `size` whose two lines fit the box (very long text ends in an
    ellipsis rather than running out of the box)."""
    one_line = fit_size(text, box.w, size, FITTED_MIN)
    if text_size(text, one_line)[0] <= box.w:
        draw_text(surface, text, (box.x, box.centery), one_line, colour, anchor="midleft", shadow=False)
        return
    while size > 10 and (len(wrap_lines(text, size, box.w)) > 2 or 2 * round(line_height(size) * 1.1) > box.h):
        size -= 1
    lines = wrap_lines(text, size, box.w)
    step = round(line_height(size) * 1.1)
    height = line_height(size) + step * (len(lines) - 1)
    draw_wrapped(surface, text, pygame.Rect(box.x, box.centery - height // 2, box.w, height + 2), size, colour,
                 line_spacing=1.1)


def colour_of(c: Sequence[int]) -> Colour:
    return (int(c[0]), int(c[1]), int(c[2]))
