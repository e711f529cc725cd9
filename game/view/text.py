"""Text for the view: the default font at a global text scale, cached, with shadow/outline, wrapping and
leader-line labels.

Sizes are given in "design pixels" for a 1280x720 screen at text scale 1.0 and are passed to
``pygame.font.Font(None, size)`` (the default font that ships with pygame-ce, so nothing is downloaded).
Readable sizes at 1280x720: 18 (small print), 22 (body), 26 (headings), 34 (titles).

The text scale (0.75..2.0, a player setting) multiplies every size. Fonts and rendered strings are cached;
changing the scale clears the caches.

The default font lacks a few glyphs (superscript plus, arrows, check marks); :func:`safe_text` replaces
them with plain equivalents so nothing shows as a box.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import pygame

from game.view.palette import Colour

MIN_SCALE = 0.75
MAX_SCALE = 2.0

SMALL = 18
BODY = 22
HEADING = 26
TITLE = 34

_scale = 1.0
_fonts: dict[tuple[int, bool], pygame.font.Font] = {}
_renders: "OrderedDict[tuple, pygame.Surface]" = OrderedDict()
_RENDER_CACHE_MAX = 768

_GLYPH_FALLBACK = {
    "\u207a": "+",   # superscript plus
    "\u207b": "-",   # superscript minus
    "\u00b3": "3",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2191": "^",
    "\u2193": "v",
    "\u2713": "v",
    "\u2714": "v",
    "\u26a0": "!",
    "\u2009": " ",
    "\u202f": " ",
}


def safe_text(text: str) -> str:
    """Replace characters the default font cannot draw with plain equivalents."""
    if text.isascii():
        return text
    return "".join(_GLYPH_FALLBACK.get(ch, ch) for ch in text)


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



def scaled(size: float) -> int:
    """Pixel size actually used for a design size at the current text scale."""
    return max(6, int(round(size * _scale)))


def get_font(size: float, bold: bool = False) -> pygame.font.Font:
    """The default font at `size` design px (times the text scale), cached."""
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
        font = pygame.font.Font(None, px)
        font.set_bold(bool(bold))
        _fonts[key] = font
    return font


def line_height(size: float, bold: bool = False) -> int:
    return get_font(size, bold).get_linesize()


def text_size(text: str, size: float, bold: bool = False) -> tuple[int, int]:
    return get_font(size, bold).size(safe_text(text))


def render(text: str, size: float, colour: Sequence[int], bold: bool = False) -> pygame.Surface:
    """Anti-aliased text on a transparent surface, cached by (text, size, colour, bold)."""
    key = (text, scaled(size), tuple(colour[:3]), bool(bold), len(colour) > 3 and colour[3])
    surf = _renders.get(key)
    if surf is not None:
        _renders.move_to_end(key)
        return surf
    surf = get_font(size, bold).render(safe_text(text), True, tuple(colour[:3]))
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
              alpha: int = 255) -> pygame.Rect:
    """Draw `text` with its `anchor` (a pygame.Rect attribute: topleft, center, midright...) at `pos`.

    `shadow` adds a 1-px drop shadow; `outline` a 1-px outline all round (for text over busy art).
    Returns the rect covered by the main text.
    """
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
    return rect


def prose(text: str) -> str:
    """Text written with hard line breaks (as in a level file) as flowing paragraphs: single newlines become
    spaces, blank lines separate paragraphs."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n".join(p for p in paragraphs if p)


def wrap_lines(text: str, size: float, width: int, bold: bool = False) -> list[str]:
    """Split `text` into lines that fit `width` px (explicit newlines are kept; long words are cut)."""
    font = get_font(size, bold)
    out: list[str] = []
    for para in safe_text(text).split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            trial = word if not line else line + " " + word
            if font.size(trial)[0] <= width:
                line = trial
                continue
            if line:
                out.append(line)
            # cut words longer than the width
            while font.size(word)[0] > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and font.size(word[:cut])[0] > width:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
            line = word
        out.append(line)
    return out


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
    fh = get_font(size, bold).get_height()
    max_lines = max(0, (rect.h - fh) // step + 1) if rect.h >= fh else 0
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        if lines:
            last = lines[-1]
            font = get_font(size, bold)
            while last and font.size(last + "...")[0] > rect.w:
                last = last[:-1]
            lines[-1] = last.rstrip() + "..."
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


def colour_of(c: Sequence[int]) -> Colour:
    return (int(c[0]), int(c[1]), int(c[2]))
