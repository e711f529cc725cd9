"""Colour-blind-safe palettes, marker shapes and dash patterns for the view.

Two palettes share one set of named roles:

* ``"okabe-ito"``: the eight Okabe-Ito colours (plus neutral greys and tints of those eight hues) on a calm
  dark background. The default.
* ``"high-contrast"``: pure black background, white text, saturated bright inks and thicker contrast
  between structures, for projectors and low vision.

Information is never carried by colour alone: every particle kind has its own marker shape
(:data:`MARKERS`, drawn by :func:`draw_marker`) and every trace kind has its own dash pattern
(:data:`DASHES`, drawn by :func:`draw_dashed_polyline`).

Usage::

    pal = get_palette("okabe-ito")
    surface.fill(pal.background)          # attribute access
    colour = pal["ach"]                    # or item access
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pygame

Colour = tuple[int, int, int]

# --- the eight Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design") ---------------------------
OI_BLACK: Colour = (0, 0, 0)
OI_ORANGE: Colour = (230, 159, 0)
OI_SKY_BLUE: Colour = (86, 180, 233)
OI_BLUISH_GREEN: Colour = (0, 158, 115)
OI_YELLOW: Colour = (240, 228, 66)
OI_BLUE: Colour = (0, 114, 178)
OI_VERMILLION: Colour = (213, 94, 0)
OI_REDDISH_PURPLE: Colour = (204, 121, 167)
OKABE_ITO: tuple[Colour, ...] = (OI_BLACK, OI_ORANGE, OI_SKY_BLUE, OI_BLUISH_GREEN, OI_YELLOW, OI_BLUE,
                                 OI_VERMILLION, OI_REDDISH_PURPLE)

#: Every role a palette must define. The first group is required by the brief; the second group holds the
#: fills and secondary inks the lens art and widgets need.
ROLES: tuple[str, ...] = (
    # core roles
    "background", "panel", "text", "text_dim", "grid",
    "axon", "terminal", "vesicle", "ach", "ca", "ache",
    "achr_closed", "achr_open", "antibody", "complement", "na", "k",
    "sarcolemma", "t_tubule", "sr", "sr_ca", "actin", "myosin",
    "epp_trace", "threshold", "ap_trace", "force", "demand",
    "warn", "danger", "ok",
    # secondary roles (fills, outlines, accents)
    "panel_edge", "shadow", "accent", "highlight",
    "myelin", "terminal_fill", "mitochondrion", "active_zone", "schwann",
    "cleft", "basal_lamina", "fibre_fill", "fibre_edge", "nucleus", "z_line",
    "skin", "skin_shade", "hair", "gown", "eye", "iris", "lip",
)

#: Marker shape per particle / entity kind (so kinds differ by shape as well as colour).
MARKERS: dict[str, str] = {
    "ach": "dot",            # acetylcholine: a small round dot
    "ca": "plus",            # calcium ion: a small plus
    "na": "triangle",        # sodium ion: a small upward triangle
    "k": "box",              # potassium ion: a small hollow square
    "ache": "diamond",       # acetylcholinesterase: a diamond
    "antibody": "y",         # antibody: a Y
    "complement": "ring",    # complement: a hollow ring
    "choline": "cross",      # hydrolysis product: an x
}

#: Dash patterns, as (on, off, on, off, ...) pixel lengths; () means a solid line.
DASHES: dict[str, tuple[int, ...]] = {
    "epp_trace": (),
    "ap_trace": (),
    "force": (),
    "threshold": (9, 6),
    "rest": (2, 5),
    "demand": (14, 5),
    "cursor": (4, 4),
    "grid": (),
}

#: Dash patterns assigned in turn to overlaid traces, so several traces differ without colour.
TRACE_DASHES: tuple[tuple[int, ...], ...] = ((), (12, 5), (4, 4), (14, 4, 3, 4))


def mix(a: Sequence[int], b: Sequence[int], t: float) -> Colour:
    """Linear blend of two RGB colours: t=0 gives a, t=1 gives b."""
    t = min(1.0, max(0.0, float(t)))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def with_alpha(c: Sequence[int], alpha: int) -> tuple[int, int, int, int]:
    return (int(c[0]), int(c[1]), int(c[2]), max(0, min(255, int(alpha))))


def luminance(c: Sequence[int]) -> float:
    """WCAG relative luminance (0..1)."""
    def ch(v: float) -> float:
        v = v / 255.0
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])


def contrast_ratio(a: Sequence[int], b: Sequence[int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Palette:
    """A named set of colours by role. Read a role as ``pal.ach`` or ``pal["ach"]``."""

    name: str
    colours: dict[str, Colour] = field(default_factory=dict)
    line_width: int = 2          # standard stroke width for traces and outlines at 1280x720
    dark: bool = True

    def __getitem__(self, role: str) -> Colour:
        return self.colours[role]

    def __getattr__(self, role: str) -> Colour:
        # only called when normal attribute lookup fails
        try:
            return self.__dict__["colours"][role]
        except KeyError:
            raise AttributeError(role) from None

    def get(self, role: str, default: Colour | None = None) -> Colour | None:
        return self.colours.get(role, default)

    def roles(self) -> tuple[str, ...]:
        return tuple(self.colours)


def _okabe_ito() -> Palette:
    bg = (15, 18, 26)
    c: dict[str, Colour] = {
        "background": bg,
        "panel": (24, 29, 40),
        "panel_edge": (56, 65, 84),
        "shadow": (4, 5, 8),
        "text": (232, 235, 241),
        "text_dim": (150, 159, 177),
        "grid": (42, 50, 66),
        "accent": OI_SKY_BLUE,
        "highlight": (255, 255, 255),
        # presynaptic side
        "axon": mix(OI_BLUE, OI_SKY_BLUE, 0.35),
        "terminal": mix(OI_SKY_BLUE, (255, 255, 255), 0.15),
        "terminal_fill": mix(OI_BLUE, bg, 0.62),
        "myelin": (206, 198, 170),
        "schwann": mix(OI_BLUISH_GREEN, bg, 0.70),
        "mitochondrion": mix(OI_ORANGE, bg, 0.25),
        "active_zone": OI_YELLOW,
        "vesicle": mix(OI_YELLOW, (255, 255, 255), 0.35),
        "ach": OI_YELLOW,
        "ca": OI_SKY_BLUE,
        # cleft
        "cleft": mix(bg, OI_SKY_BLUE, 0.05),
        "basal_lamina": mix(OI_BLUISH_GREEN, bg, 0.35),
        "ache": OI_REDDISH_PURPLE,
        # postsynaptic side
        "achr_closed": OI_BLUISH_GREEN,
        "achr_open": mix(OI_BLUISH_GREEN, (255, 255, 255), 0.55),
        "antibody": OI_VERMILLION,
        "complement": mix(OI_VERMILLION, (255, 255, 255), 0.45),
        "na": OI_ORANGE,
        "k": mix(OI_BLUE, (255, 255, 255), 0.2),
        "sarcolemma": OI_REDDISH_PURPLE,
        "fibre_fill": mix(OI_VERMILLION, bg, 0.84),
        "fibre_edge": mix(OI_REDDISH_PURPLE, bg, 0.35),
        "nucleus": mix(OI_BLUE, bg, 0.45),
        "t_tubule": mix(OI_REDDISH_PURPLE, (255, 255, 255), 0.25),
        "sr": mix(OI_SKY_BLUE, bg, 0.55),
        "sr_ca": OI_SKY_BLUE,
        "actin": mix(OI_ORANGE, (255, 255, 255), 0.30),
        "myosin": mix(OI_REDDISH_PURPLE, bg, 0.10),
        "z_line": (190, 196, 210),
        # traces and status
        "epp_trace": OI_YELLOW,
        "threshold": OI_VERMILLION,
        "ap_trace": OI_SKY_BLUE,
        "force": OI_BLUISH_GREEN,
        "demand": OI_ORANGE,
        "warn": OI_ORANGE,
        "danger": OI_VERMILLION,
        "ok": OI_BLUISH_GREEN,
        # patient
        "skin": (226, 180, 150),
        "skin_shade": (196, 146, 118),
        "hair": (92, 64, 48),
        "gown": mix(OI_SKY_BLUE, bg, 0.35),
        "eye": (246, 246, 240),
        "iris": mix(OI_BLUE, OI_BLUISH_GREEN, 0.4),
        "lip": (196, 112, 110),
    }
    return Palette("okabe-ito", c, line_width=2, dark=True)


def _high_contrast() -> Palette:
    bg = (0, 0, 0)
    white = (255, 255, 255)
    yellow = (255, 240, 0)
    cyan = (0, 230, 255)
    magenta = (255, 80, 230)
    orange = (255, 150, 0)
    green = (0, 255, 140)
    red = (255, 60, 40)
    c: dict[str, Colour] = {
        "background": bg,
        "panel": (12, 12, 12),
        "panel_edge": white,
        "shadow": bg,
        "text": white,
        "text_dim": (210, 210, 210),
        "grid": (80, 80, 80),
        "accent": yellow,
        "highlight": yellow,
        "axon": cyan,
        "terminal": cyan,
        "terminal_fill": (0, 40, 70),
        "myelin": white,
        "schwann": (20, 60, 40),
        "mitochondrion": orange,
        "active_zone": yellow,
        "vesicle": white,
        "ach": yellow,
        "ca": cyan,
        "cleft": (8, 8, 8),
        "basal_lamina": green,
        "ache": magenta,
        "achr_closed": green,
        "achr_open": white,
        "antibody": red,
        "complement": orange,
        "na": orange,
        "k": (120, 160, 255),
        "sarcolemma": magenta,
        "fibre_fill": (40, 8, 20),
        "fibre_edge": magenta,
        "nucleus": (40, 60, 140),
        "t_tubule": magenta,
        "sr": (0, 110, 140),
        "sr_ca": cyan,
        "actin": orange,
        "myosin": magenta,
        "z_line": white,
        "epp_trace": yellow,
        "threshold": red,
        "ap_trace": cyan,
        "force": green,
        "demand": orange,
        "warn": yellow,
        "danger": red,
        "ok": green,
        "skin": (240, 200, 170),
        "skin_shade": (200, 150, 120),
        "hair": (60, 40, 30),
        "gown": (0, 120, 170),
        "eye": white,
        "iris": (0, 90, 200),
        "lip": (200, 80, 80),
    }
    return Palette("high-contrast", c, line_width=3, dark=True)


PALETTES: dict[str, Palette] = {p.name: p for p in (_okabe_ito(), _high_contrast())}
PALETTE_NAMES: tuple[str, ...] = tuple(PALETTES)
DEFAULT_PALETTE = "okabe-ito"


def get_palette(name: str = DEFAULT_PALETTE) -> Palette:
    """Return a palette by name ("okabe-ito" or "high-contrast"); unknown names raise KeyError."""
    return PALETTES[name]


# --- markers ------------------------------------------------------------------------------------------

def draw_marker(surface: pygame.Surface, shape: str, center: Sequence[float], size: float,
                colour: Sequence[int], width: int = 0) -> None:
    """Draw one marker of `shape` (see :data:`MARKERS` values) centred at `center`, about `size` px across.

    Shapes: dot, plus, triangle, square, box (hollow square), diamond, ring, cross, y. `width` 0 fills where
    the shape allows.
    """
    x, y = float(center[0]), float(center[1])
    h = max(1.0, size / 2.0)
    lw = max(1, int(round(size / 5))) if width == 0 else width
    if shape == "dot":
        if h <= 1.5:
            pygame.draw.circle(surface, colour, (round(x), round(y)), max(1, round(h)))
        else:
            pygame.draw.aacircle(surface, colour, (x, y), h)
    elif shape == "plus":
        pygame.draw.line(surface, colour, (round(x - h), round(y)), (round(x + h), round(y)), lw)
        pygame.draw.line(surface, colour, (round(x), round(y - h)), (round(x), round(y + h)), lw)
    elif shape == "cross":
        d = h * 0.8
        pygame.draw.line(surface, colour, (x - d, y - d), (x + d, y + d), lw)
        pygame.draw.line(surface, colour, (x - d, y + d), (x + d, y - d), lw)
    elif shape == "triangle":
        pts = [(x, y - h), (x + h * 0.95, y + h * 0.75), (x - h * 0.95, y + h * 0.75)]
        pygame.draw.polygon(surface, colour, pts, width)
    elif shape == "square":
        s = h * 0.85
        pygame.draw.rect(surface, colour, pygame.Rect(round(x - s), round(y - s), round(2 * s), round(2 * s)), width)
    elif shape == "box":
        s = h * 0.85
        pygame.draw.rect(surface, colour, pygame.Rect(round(x - s), round(y - s), round(2 * s), round(2 * s)),
                         max(1, lw))
    elif shape == "diamond":
        pts = [(x, y - h), (x + h * 0.8, y), (x, y + h), (x - h * 0.8, y)]
        pygame.draw.polygon(surface, colour, pts, width)
    elif shape == "ring":
        pygame.draw.circle(surface, colour, (round(x), round(y)), max(2, round(h)), max(1, lw))
    elif shape == "y":
        arm = h
        pygame.draw.line(surface, colour, (x, y), (x, y + arm), lw)
        pygame.draw.line(surface, colour, (x, y), (x - arm * 0.8, y - arm * 0.8), lw)
        pygame.draw.line(surface, colour, (x, y), (x + arm * 0.8, y - arm * 0.8), lw)
    else:
        raise ValueError(f"unknown marker shape {shape!r}")


# --- dashed lines ---------------------------------------------------------------------------------------

def draw_dashed_line(surface: pygame.Surface, colour: Sequence[int], start: Sequence[float],
                     end: Sequence[float], dash: Sequence[int] = (8, 5), width: int = 1,
                     phase: float = 0.0) -> None:
    """A straight dashed line. `dash` alternates on/off lengths in px; () draws a solid line."""
    draw_dashed_polyline(surface, colour, [start, end], dash, width, phase)


def draw_dashed_polyline(surface: pygame.Surface, colour: Sequence[int], points: Iterable[Sequence[float]],
                         dash: Sequence[int] = (8, 5), width: int = 1, phase: float = 0.0) -> None:
    """A dashed polyline whose pattern continues across vertices. () or a 1-point list is handled."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) < 2:
        return
    if not dash:
        if width <= 1:
            pygame.draw.aalines(surface, colour, False, pts)
        else:
            pygame.draw.lines(surface, colour, False, pts, width)
        return
    pattern = [max(1, int(d)) for d in dash]
    if len(pattern) % 2:
        pattern = pattern * 2
    total = float(sum(pattern))
    pos = phase % total          # distance along the pattern
    idx = 0
    while pos >= pattern[idx]:
        pos -= pattern[idx]
        idx = (idx + 1) % len(pattern)
    remaining = pattern[idx] - pos
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        seg = math.hypot(x1 - x0, y1 - y0)
        if seg <= 0:
            continue
        ux, uy = (x1 - x0) / seg, (y1 - y0) / seg
        d = 0.0
        while d < seg:
            step = min(remaining, seg - d)
            if idx % 2 == 0:   # "on" part
                a = (x0 + ux * d, y0 + uy * d)
                b = (x0 + ux * (d + step), y0 + uy * (d + step))
                if width <= 1:
                    pygame.draw.aaline(surface, colour, a, b)
                else:
                    pygame.draw.line(surface, colour, a, b, width)
            d += step
            remaining -= step
            if remaining <= 1e-9:
                idx = (idx + 1) % len(pattern)
                remaining = pattern[idx]


def hatch_rect(surface: pygame.Surface, rect: pygame.Rect, colour: Sequence[int], spacing: int = 6,
               width: int = 1) -> None:
    """Diagonal hatching inside `rect` (a texture that marks zones without relying on colour)."""
    rect = pygame.Rect(rect)
    if rect.w <= 0 or rect.h <= 0:
        return
    old = surface.get_clip()
    surface.set_clip(rect.clip(old) if old else rect)
    for k in range(-rect.h, rect.w + rect.h, max(2, spacing)):
        pygame.draw.line(surface, colour, (rect.x + k, rect.bottom), (rect.x + k + rect.h, rect.y), width)
    surface.set_clip(old)
