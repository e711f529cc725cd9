"""Instruments for the HUD (charts, gauges, the model clock, the event log, tooltips, chips), each drawn into a rect with a title and units.

Every widget is a small object holding only its configuration (and, for :class:`EventLog`, its lines);
``draw(surface, rect, ...)`` draws it. Nothing here reads the model: pass numbers and numpy arrays in.

* :class:`Oscilloscope`: membrane potential (mV) against time (ms), threshold and rest lines, grid, several
  traces (each with its own dash pattern), a measuring cursor with a readout.
* :class:`StripChart`: force against model time with the demand as a stepped band, scrolling window.
* :class:`Gauge` (alias :class:`Meter`): a horizontal bar with warning and danger zones.
* :class:`ModelClock`: model time as h:mm:ss.mmm and the speed ("x0.01 slow motion", "paused").
* :class:`EventLog`: the last N plain-language lines, older ones fading.
* :class:`Tooltip`: a name and one line near a point, kept inside the screen.
* :class:`Chip`: a toggle chip (on/off shown by a check box as well as colour).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pygame

from game.view import text as tx
from game.view.palette import (DASHES, TRACE_DASHES, Palette, draw_dashed_line, draw_dashed_polyline, get_palette,
                               hatch_rect, mix)

RADIUS = 8


# --- shared helpers ----------------------------------------------------------------------------------------

def draw_panel(surface: pygame.Surface, rect: pygame.Rect, palette: Palette | None = None, title: str | None = None,
               units: str | None = None, *, title_size: float = 20, alpha: int = 235) -> pygame.Rect:
    """A rounded panel with an optional title (and units in dim text). Returns the content rect below it."""
    pal = palette or get_palette()
    rect = pygame.Rect(rect)
    if rect.w <= 2 or rect.h <= 2:
        return pygame.Rect(rect.x, rect.y, max(0, rect.w), max(0, rect.h))
    rad = min(RADIUS, rect.h // 3, rect.w // 3)
    if alpha < 255:
        s = pygame.Surface(rect.size, pygame.SRCALPHA)
        pygame.draw.rect(s, (*pal.panel[:3], alpha), s.get_rect(), border_radius=rad)
        surface.blit(s, rect)
    else:
        pygame.draw.rect(surface, pal.panel, rect, border_radius=rad)
    pygame.draw.rect(surface, pal.panel_edge, rect, 1, border_radius=rad)
    tx.note_panel(rect)
    pad = max(2, min(10, rect.w // 30, rect.h // 8))
    inner = rect.inflate(-2 * pad, -2 * pad)
    if title and rect.h >= 28:
        size = tx.fit_size(title, inner.w, title_size, 10)
        r = tx.draw_text(surface, title, (inner.x, inner.y), size, pal.text, shadow=False, max_w=inner.w)
        if units and inner.right - (r.right + 8) >= tx.text_size(f"({units})", size * 0.85)[0]:
            tx.draw_text(surface, f"({units})", (r.right + 8, r.bottom), size * 0.85, pal.text_dim, anchor="bottomleft",
                         shadow=False)
        inner = pygame.Rect(inner.x, r.bottom + max(2, pad // 2), inner.w, max(0, inner.bottom - r.bottom - pad // 2))
    return inner


def format_number(v: float, digits: int = 3) -> str:
    """A compact number: up to `digits` significant digits, no trailing zeros, proper minus sign."""
    if not math.isfinite(v):
        return "-"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    dec = max(0, digits - 1 - mag)
    s = f"{v:.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.replace("-", "\u2212")


def format_model_time(t_s: float, millis: bool = True) -> str:
    """Model time as h:mm:ss.mmm (with a day count once past 24 h): 0:00:12.345, 3 d 4:05:06.789."""
    if not math.isfinite(t_s):
        return "-:--:--"
    neg = t_s < 0
    t = abs(t_s)
    total_ms = int(round(t * 1000))
    days, rem = divmod(total_ms, 86_400_000)
    h, rem = divmod(rem, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    body = f"{h}:{m:02d}:{s:02d}" + (f".{ms:03d}" if millis else "")
    if days:
        body = f"{days} d {body}"
    return ("\u2212" if neg else "") + body


def format_duration(seconds: float) -> str:
    """A human duration: 250 ms, 12 s, 5 min, 2 h, 3 days, 4 weeks."""
    s = abs(seconds)
    if s < 1:
        return f"{format_number(s * 1000, 2)} ms"
    if s < 60:
        return f"{format_number(s, 2)} s"
    if s < 3600:
        return f"{format_number(s / 60, 2)} min"
    if s < 86400:
        return f"{format_number(s / 3600, 2)} h"
    if s < 86400 * 14:
        d = s / 86400
        return f"{format_number(d, 2)} day" + ("" if d == 1 else "s")
    w = s / (86400 * 7)
    return f"{format_number(w, 2)} weeks"


def format_clock(seconds: float) -> str:
    """A model time or span as the game clock shows it, without rounding: 0:02:00, 0:52:30, 3 d 4:05:06
    (whole days as "3 days")."""
    if not math.isfinite(seconds):
        return "-:--:--"
    total = int(round(abs(seconds)))
    days, rem = divmod(total, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    sign = "\u2212" if seconds < 0 and total else ""
    if days and not rem:
        return f"{sign}{days} day" + ("" if days == 1 else "s")
    body = f"{h}:{m:02d}:{sec:02d}"
    return sign + (f"{days} d {body}" if days else body)


def format_span(seconds: float) -> str:
    """A duration in one unit when it is a whole number of that unit (30 s, 5 min, 2 h, 3 days), else as the
    clock shows it (0:52:30): never rounded."""
    s = abs(seconds)
    for unit, name in ((86400, "days"), (3600, "h"), (60, "min"), (1, "s")):
        if s >= unit and abs(s / unit - round(s / unit)) < 1e-9:
            n = int(round(s / unit))
            return f"{n} {'day' if name == 'days' and n == 1 else name}"
    if s < 1:
        return f"{format_number(s * 1000, 3)} ms"
    return format_clock(seconds)


def format_speed(speed: float, paused: bool = False) -> str:
    """The speed factor in words: "paused", "x0.01 slow motion", "x1 real time", "x60 fast (1 min per s)"."""
    if paused or speed <= 0:
        return "paused"
    f = format_number(speed, 3)
    if abs(speed - 1.0) < 1e-9:
        return "\u00d71 real time"
    if speed < 1:
        return f"\u00d7{f} slow motion"
    return f"\u00d7{f} fast ({format_duration(speed)} per s)"


def _nice_step(span: float, target: int) -> float:
    if span <= 0 or target <= 0:
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _nice_time_step(span_s: float, target: int) -> float:
    """A tick step in round units of time (1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; hours; days)."""
    raw = span_s / max(1, target)
    for c in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
              1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2419200):
        if c >= raw:
            return float(c)
    return _nice_step(span_s, target)


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    if step <= 0 or hi <= lo:
        return []
    start = math.ceil(lo / step - 1e-9) * step
    out = []
    v = start
    while v <= hi + 1e-9 and len(out) < 200:
        out.append(round(v, 10))
        v += step
    return out


def _decimate(xs: np.ndarray, ys: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the min and max of each pixel column (so spikes survive) when there are many more points than
    pixels. `xs` are screen x (sorted)."""
    n = xs.size
    if n <= 3 * max(1, width):
        return xs, ys
    col = np.floor(xs).astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(col)) + 1]
    mins = np.minimum.reduceat(ys, starts)
    maxs = np.maximum.reduceat(ys, starts)
    cx = xs[starts]
    out_x = np.repeat(cx, 2)
    out_y = np.empty(out_x.size)
    out_y[0::2] = mins
    out_y[1::2] = maxs
    return out_x, out_y


def _draw_polyline(surface: pygame.Surface, colour, pts: Sequence[tuple[float, float]], width: int,
                   dash: Sequence[int]) -> None:
    if len(pts) < 2:
        return
    if dash:
        draw_dashed_polyline(surface, colour, pts, dash, width)
    elif width <= 1:
        pygame.draw.aalines(surface, colour, False, pts)
    else:
        pygame.draw.lines(surface, colour, False, pts, width)
        pygame.draw.aalines(surface, colour, False, pts)


def _legend_sample(surface: pygame.Surface, colour, x: float, y: float, length: float, width: int,
                   dash: Sequence[int]) -> None:
    if dash:
        draw_dashed_line(surface, colour, (x, y), (x + length, y), dash, width)
    else:
        pygame.draw.line(surface, colour, (x, y), (x + length, y), width)


# --- oscilloscope -----------------------------------------------------------------------------------------

@dataclass
class Trace:
    """One trace for the oscilloscope: times `t` (ms) and values `v` (mV), a palette role for its colour,
    a legend label and an optional dash pattern (None = assigned by position)."""

    t: Any
    v: Any
    role: str = "epp_trace"
    label: str = ""
    dash: tuple[int, ...] | None = None


def _as_traces(traces: Any, t_range: tuple[float, float]) -> list[Trace]:
    if traces is None:
        return []
    if isinstance(traces, Trace):
        return [traces]
    if isinstance(traces, np.ndarray) and traces.ndim == 1:
        t = np.linspace(t_range[0], t_range[1], traces.size)
        return [Trace(t, traces)]
    if isinstance(traces, tuple) and len(traces) >= 2 and not isinstance(traces[0], (Trace, tuple)):
        return [Trace(*traces)]
    out = []
    for item in traces:
        if isinstance(item, Trace):
            out.append(item)
        elif isinstance(item, np.ndarray):
            out.append(Trace(np.linspace(t_range[0], t_range[1], item.size), item))
        else:
            out.append(Trace(*item))
    return out


class Oscilloscope:
    """Membrane potential against time.

    ``draw(surface, rect, traces, palette, threshold=-55, rest=-90, cursor_t=None)`` where `traces` is a
    :class:`Trace`, a ``(t, v[, role, label])`` tuple, a 1-D array of mV spanning the time range, or a list
    of those. Returns the plot area rect (use :meth:`t_at` to turn a mouse x into a cursor time)."""

    def __init__(self, title: str = "Membrane potential", units: str = "mV", time_units: str = "ms",
                 y_range: tuple[float, float] = (-100.0, 40.0), t_range: tuple[float, float] = (0.0, 20.0),
                 y_step: float | None = 20.0, t_step: float | None = None) -> None:
        self.title = title
        self.units = units
        self.time_units = time_units
        self.y_range = y_range
        self.t_range = t_range
        self.y_step = y_step
        self.t_step = t_step

    # geometry ------------------------------------------------------------------------------------------
    def plot_rect(self, rect: pygame.Rect) -> pygame.Rect:
        inner = _inner_after_title(rect)
        left = tx.text_size("\u2212100", 16)[0] + 10
        bottom = tx.line_height(16) + tx.line_height(15) + 4
        return pygame.Rect(inner.x + left, inner.y + 4, max(1, inner.w - left - 6), max(1, inner.h - bottom - 4))

    def t_at(self, rect: pygame.Rect, x: float, t_range: tuple[float, float] | None = None) -> float:
        p = self.plot_rect(rect)
        t0, t1 = t_range or self.t_range
        return t0 + (x - p.x) / max(1, p.w) * (t1 - t0)

    # drawing -------------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, rect: pygame.Rect, traces: Any = None, palette: Palette | None = None,
             *, threshold: float | None = -55.0, rest: float | None = -90.0, cursor_t: float | None = None,
             t_range: tuple[float, float] | None = None, y_range: tuple[float, float] | None = None,
             note: str | None = None) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        draw_panel(surface, rect, pal, self.title, self.units)
        t0, t1 = t_range or self.t_range
        y0, y1 = y_range or self.y_range
        if t1 <= t0:
            t1 = t0 + 1.0
        if y1 <= y0:
            y1 = y0 + 1.0
        P = self.plot_rect(rect)
        if P.w < 8 or P.h < 8:
            return P

        def sx(t):
            return P.x + (np.asarray(t, dtype=float) - t0) / (t1 - t0) * P.w

        def sy(v):
            return P.bottom - (np.asarray(v, dtype=float) - y0) / (y1 - y0) * P.h

        # grid + axes
        pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), P)
        tx.note_panel(P, surface)
        small = 16
        ystep = self.y_step or _nice_step(y1 - y0, max(2, min(P.h // 40, P.h // (2 * tx.line_height(small)))))
        tstep = self.t_step or _nice_step(t1 - t0, max(2, min(P.w // 70, P.w // (5 * tx.line_height(small)))))
        for v in _ticks(y0, y1, ystep):
            y = float(sy(v))
            pygame.draw.line(surface, pal.grid, (P.x, y), (P.right - 1, y), 1)
            tx.draw_text(surface, format_number(v), (P.x - 5, y), small, pal.text_dim, anchor="midright", shadow=False)
        for t in _ticks(t0, t1, tstep):
            x = float(sx(t))
            pygame.draw.line(surface, pal.grid, (x, P.y), (x, P.bottom - 1), 1)
            tx.draw_text(surface, format_number(t), (x, P.bottom + 3), small, pal.text_dim, anchor="midtop", shadow=False)
        pygame.draw.rect(surface, pal.panel_edge, P, 1)
        tx.draw_text(surface, f"time ({self.time_units})", (P.right, P.bottom + 3 + tx.line_height(small)), 15,
                     pal.text_dim, anchor="topright", shadow=False)

        old_clip = surface.get_clip()
        surface.set_clip(P.clip(old_clip) if old_clip else P)
        lw = pal.line_width
        # rest and threshold lines (dash patterns, not just colour)
        for val, role, dash, name in ((rest, "text_dim", DASHES["rest"], "rest"),
                                      (threshold, "threshold", DASHES["threshold"], "threshold")):
            if val is None or not (y0 <= val <= y1):
                continue
            y = float(sy(val))
            draw_dashed_line(surface, pal[role], (P.x, y), (P.right, y), dash, max(1, lw - 1) if name == "rest" else lw)
        # traces
        tr_list = _as_traces(traces, (t0, t1))
        for i, tr in enumerate(tr_list):
            t_arr = np.asarray(tr.t, dtype=float).ravel()
            v_arr = np.asarray(tr.v, dtype=float).ravel()
            n = min(t_arr.size, v_arr.size)
            if n < 2:
                continue
            t_arr, v_arr = t_arr[:n], v_arr[:n]
            ok = np.isfinite(t_arr) & np.isfinite(v_arr)
            t_arr, v_arr = t_arr[ok], v_arr[ok]
            keep = (t_arr >= t0 - (t1 - t0) * 0.02) & (t_arr <= t1 + (t1 - t0) * 0.02)
            t_arr, v_arr = t_arr[keep], v_arr[keep]
            if t_arr.size < 2:
                continue
            xs, ys = _decimate(sx(t_arr), np.clip(sy(v_arr), P.y - 50, P.bottom + 50), P.w)
            dash = tr.dash if tr.dash is not None else TRACE_DASHES[i % len(TRACE_DASHES)]
            _draw_polyline(surface, pal[tr.role], list(zip(xs.tolist(), ys.tolist())), lw, dash)
        surface.set_clip(old_clip)

        # legend in the title row (right-aligned); each sample shows the trace's dash pattern
        legend_bottom = _draw_legend(surface, rect, P, [(tr.label, pal[tr.role], lw,
                                         tr.dash if tr.dash is not None else TRACE_DASHES[i % len(TRACE_DASHES)])
                                        for i, tr in enumerate(tr_list) if tr.label], pal, self.title, self.units)
        # labels for the reference lines, at the right end inside the plot (rest at the left if they would meet)
        # (after the legend: a legend drawn inside a small plot keeps its band, the labels go elsewhere or not at all)
        legend_band = pygame.Rect(P.x, P.y, P.w, max(0, legend_bottom - P.y))
        placed: list[pygame.Rect] = [legend_band] if legend_band.h else []
        for val, role, name in ((threshold, "threshold", "threshold"), (rest, "text_dim", "rest")):
            if val is None or not (y0 <= val <= y1):
                continue
            y = float(sy(val))
            label = f"{name} {format_number(val)} {self.units}"
            w_, h_ = tx.text_size(label, 15)
            box = pygame.Rect(0, 0, w_ + 8, h_ + 2)
            box.bottomright = (P.right - 3, int(y) - 2)
            if name == "rest" or box.top < P.top + 2:
                box.top = int(y) + 3
            if box.bottom > P.bottom - 1:
                box.bottom = int(y) - 2
            if any(box.colliderect(o) for o in placed):
                box.x = P.x + 3
                if any(box.colliderect(o) for o in placed):
                    continue
            placed.append(box)
            pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), box, border_radius=3)
            tx.note_panel(box, surface)
            tx.draw_text(surface, label, box.center, 15, pal[role], anchor="center", shadow=False)
        self.label_boxes = [b for b in placed if b is not legend_band]
        if note:
            # the hint sits at the top of the plot, under the legend, clear of the reference labels
            nr = pygame.Rect(P.x + 6, legend_bottom + 4, P.w - 12, P.h)
            lines = tx.wrap_lines(note, 15, nr.w)
            for ln in lines:
                box = pygame.Rect(nr.x, nr.y, tx.text_size(ln, 15)[0], tx.line_height(15))
                if box.bottom > P.bottom - 2 or any(box.colliderect(o) for o in placed):
                    break
                tx.draw_text(surface, ln, box.topleft, 15, pal.text_dim, outline=True, shadow_colour=pal.panel)
                nr.y += tx.line_height(15) + 1
        # measuring cursor
        if cursor_t is not None and t0 <= cursor_t <= t1:
            x = float(sx(cursor_t))
            draw_dashed_line(surface, pal.text, (x, P.y), (x, P.bottom), DASHES["cursor"], 1)
            rows = [f"t = {format_number(cursor_t, 4)} {self.time_units}"]
            for tr in tr_list:
                t_arr = np.asarray(tr.t, dtype=float).ravel()
                v_arr = np.asarray(tr.v, dtype=float).ravel()
                n = min(t_arr.size, v_arr.size)
                if n >= 1 and t_arr[0] <= cursor_t <= t_arr[n - 1]:
                    val = float(np.interp(cursor_t, t_arr[:n], v_arr[:n]))
                    rows.append(f"{tr.label or 'trace'}: {format_number(val, 3)} {self.units}")
                    if threshold is not None and tr.role == "epp_trace":
                        rows.append(f"  to threshold: {format_number(threshold - val, 3)} {self.units}")
            for tr in tr_list:
                t_arr = np.asarray(tr.t, dtype=float).ravel()
                v_arr = np.asarray(tr.v, dtype=float).ravel()
                n = min(t_arr.size, v_arr.size)
                if n >= 1 and t_arr[0] <= cursor_t <= t_arr[n - 1]:
                    y = float(sy(np.interp(cursor_t, t_arr[:n], v_arr[:n])))
                    if P.y <= y <= P.bottom:
                        pygame.draw.circle(surface, pal.text, (x, y), 4, 1)
            _readout_box(surface, rows, (x, legend_bottom + 6), P, pal)
        return P


LEGEND_MAX_SHARE = 0.5     # a legend inside the plot may cover at most this share of its height


def _draw_legend(surface: pygame.Surface, rect: pygame.Rect, P: pygame.Rect,
                 items: Sequence[tuple[str, Any, int, Sequence[int]]], pal: Palette, title: str, units: str | None,
                 size: float = 15) -> int:
    """Legend entries (label, colour, width, dash | "hatch") right-aligned in the title row, or inside the
    top of the plot when the title row is too narrow. Returns the lowest y it used inside the plot (P.y when
    the legend went in the title row)."""
    if not items:
        return P.y
    sample = 24
    widths = [sample + 6 + tx.text_size(lbl, size)[0] for lbl, *_ in items]
    total = sum(widths) + 14 * (len(items) - 1)
    pad = max(2, min(10, rect.w // 30, rect.h // 8))
    title_w = tx.text_size(title, 20)[0] + (tx.text_size(f"({units})", 17)[0] + 8 if units else 0)
    inside = rect.x + pad + title_w + 20 + total > rect.right - pad
    if not inside:
        x = rect.right - pad - total
        y = rect.y + pad + tx.line_height(20) / 2
    else:
        x, y = P.x + 6, P.y + 4 + tx.line_height(size) / 2
    row_h = tx.line_height(size) + 2
    if inside:   # a legend that would cover most of a small plot hides the data it names: leave it out
        rows, cx = 1, P.x + 6
        for wd_ in widths:
            if cx > P.x + 6 and cx + wd_ > P.right - 4:
                rows, cx = rows + 1, P.x + 6
            cx += wd_ + 14
        if rows * row_h > LEGEND_MAX_SHARE * P.h:
            return P.y
    for (lbl, col, w, dash), wd_ in zip(items, widths):
        if inside and x > P.x + 6 and x + wd_ > P.right - 4:      # wrap to the next row inside the plot
            x, y = P.x + 6, y + row_h
        if dash == "hatch":
            box = pygame.Rect(int(x), int(y - 6), sample, 12)
            pygame.draw.rect(surface, mix(col, pal.panel, 0.6), box)
            hatch_rect(surface, box, col, spacing=4)
        else:
            _legend_sample(surface, col, x, y, sample, w, dash)
        tx.draw_text(surface, lbl, (x + sample + 6, y), size, pal.text, anchor="midleft", outline=True,
                     shadow_colour=pal.panel, max_w=max(0, int(P.right - 4 - (x + sample + 6))) if inside else None)
        x += wd_ + 14
    return int(y + tx.line_height(size) / 2 + 2) if inside else P.y


def _inner_after_title(rect: pygame.Rect) -> pygame.Rect:
    """Content rect draw_panel would return with a title (without drawing)."""
    rect = pygame.Rect(rect)
    pad = max(2, min(10, rect.w // 30, rect.h // 8))
    inner = rect.inflate(-2 * pad, -2 * pad)
    if rect.h >= 28:
        h = tx.line_height(20)
        inner = pygame.Rect(inner.x, inner.y + h + max(2, pad // 2), inner.w, max(0, inner.h - h - pad // 2))
    return inner


def _readout_box(surface: pygame.Surface, rows: Sequence[str], anchor: tuple[float, float], bounds: pygame.Rect,
                 pal: Palette, size: float = 15) -> pygame.Rect:
    w = max(tx.text_size(r, size)[0] for r in rows) + 14
    lh = tx.line_height(size)
    h = lh * len(rows) + 8
    box = pygame.Rect(0, 0, w, h)
    box.topleft = (int(anchor[0]) + 8, int(anchor[1]))
    if box.right > bounds.right:
        box.topright = (int(anchor[0]) - 8, int(anchor[1]))
    box.clamp_ip(bounds)
    s = pygame.Surface(box.size, pygame.SRCALPHA)
    pygame.draw.rect(s, (*pal.panel[:3], 235), s.get_rect(), border_radius=5)
    surface.blit(s, box)
    pygame.draw.rect(surface, pal.panel_edge, box, 1, border_radius=5)
    for i, r in enumerate(rows):
        tx.draw_text(surface, r, (box.x + 7, box.y + 4 + i * lh), size, pal.text if i == 0 else pal.text, shadow=False)
    return box


# --- strip chart ---------------------------------------------------------------------------------------------

class StripChart:
    """Force against model time in a scrolling window, with the demand drawn as a stepped band and the
    shortfall (force below demand) hatched.

    ``draw(surface, rect, t, force, palette, demand_t=..., demand=..., now=...)``: `t` in model seconds,
    `force` 0..1 (1 = maximal), demand as steps: `demand[i]` holds from `demand_t[i]` to `demand_t[i+1]`."""

    def __init__(self, title: str = "Force", units: str = "% of maximum", window_s: float = 30.0,
                 y_range: tuple[float, float] = (0.0, 1.0), display_scale: float = 100.0, band: float = 0.05) -> None:
        self.title = title
        self.units = units
        self.window_s = window_s
        self.y_range = y_range
        self.auto_y = False            # scale the y axis to the demands and the force shown
        self.demand_max = 0.0          # the largest demand of the level (auto_y keeps it visible all along)
        self.legend_bottom = 0         # lowest y the legend used inside the plot (after a draw)
        self.display_scale = display_scale
        self.band = band

    def plot_rect(self, rect: pygame.Rect) -> pygame.Rect:
        inner = _inner_after_title(rect)
        left = tx.text_size("100", 16)[0] + 10
        bottom = tx.line_height(16) + 4
        return pygame.Rect(inner.x + left, inner.y + 4, max(1, inner.w - left - 6), max(1, inner.h - bottom - 4))

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, t: Any, force: Any, palette: Palette | None = None,
             *, demand_t: Any = None, demand: Any = None, now: float | None = None,
             window_s: float | None = None) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        draw_panel(surface, rect, pal, self.title, self.units)
        P = self.plot_rect(rect)
        if P.w < 8 or P.h < 8:
            return P
        t_arr = np.asarray(t if t is not None else [], dtype=float).ravel()
        f_arr = np.asarray(force if force is not None else [], dtype=float).ravel()
        n = min(t_arr.size, f_arr.size)
        t_arr, f_arr = t_arr[:n], f_arr[:n]
        win = window_s or self.window_s
        t_now = float(now) if now is not None else (float(t_arr[-1]) if n else 0.0)
        t0, t1 = t_now - win, t_now
        y0, y1 = self.y_range

        def sx(tt):
            return P.x + (np.asarray(tt, dtype=float) - t0) / win * P.w

        def sy(v):
            return P.bottom - (np.clip(np.asarray(v, dtype=float), y0 - 0.05, y1 + 0.05) - y0) / (y1 - y0) * P.h

        if self.auto_y:
            # the scale follows what is shown: small demands (2-3%) stay visible, a full twitch still fits
            seen = float(np.max(f_arr[t_arr >= t0])) if n and (t_arr >= t0).any() else 0.0
            dm = float(np.max(np.asarray(demand, dtype=float))) if demand is not None and len(demand) else 0.0
            top = max(0.05, self.demand_max * 1.5, dm * 1.5, seen * 1.1)
            y0, y1 = 0.0, next((c for c in (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0) if c >= top - 1e-9), 1.0)
        pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), P)
        tx.note_panel(P, surface)
        small = 16
        for v in _ticks(y0, y1, _nice_step((y1 - y0), max(2, min(P.h // 36, P.h // (2 * tx.line_height(small)))))):
            y = float(sy(v))
            pygame.draw.line(surface, pal.grid, (P.x, y), (P.right - 1, y), 1)
            tx.draw_text(surface, format_number(v * self.display_scale), (P.x - 5, y), small, pal.text_dim,
                         anchor="midright", shadow=False)
        step = _nice_time_step(win, max(2, min(P.w // 90, P.w // (6 * tx.line_height(small)))))
        # ticks at "now - k*step", labelled relative to now
        k = 0
        while k * step <= win + 1e-9 and k < 50:
            x = float(sx(t_now - k * step))
            pygame.draw.line(surface, pal.grid, (x, P.y), (x, P.bottom - 1), 1)
            label = "now" if k == 0 else "\u2212" + format_span(k * step)
            tx.draw_text(surface, label, (x, P.bottom + 3), small, pal.text_dim,
                         anchor="topright" if k == 0 else "midtop", shadow=False)
            k += 1
        pygame.draw.rect(surface, pal.panel_edge, P, 1)

        old_clip = surface.get_clip()
        surface.set_clip(P.clip(old_clip) if old_clip else P)
        # demand: stepped band + dashed step line
        steps: list[tuple[float, float, float]] = []
        if demand is not None and demand_t is not None:
            dt_ = np.asarray(demand_t, dtype=float).ravel()
            dv = np.asarray(demand, dtype=float).ravel()
            m = min(dt_.size, dv.size)
            for i in range(m):
                a = dt_[i]
                b = dt_[i + 1] if i + 1 < m else t1 + win
                if b < t0 or a > t1:
                    continue
                steps.append((max(a, t0 - 1), min(b, t1 + 1), float(dv[i])))
        band_surf = pygame.Surface(P.size, pygame.SRCALPHA)
        for a, b, v in steps:
            if v <= 0:
                continue
            xa, xb = math.floor(float(sx(a)) - P.x), math.ceil(float(sx(b)) - P.x)
            ya, yb = float(sy(v)) - P.y, float(sy(max(y0, v - self.band))) - P.y
            # the demand band: a stripe just under the demand level, and a faint wash down to zero
            pygame.draw.rect(band_surf, (*pal.demand[:3], 26), pygame.Rect(xa, ya, max(1, xb - xa), P.h - ya))
            pygame.draw.rect(band_surf, (*pal.demand[:3], 80), pygame.Rect(xa, ya, max(1, xb - xa), max(1, yb - ya)))
        surface.blit(band_surf, P)
        line_pts: list[tuple[float, float]] = []
        for a, b, v in steps:
            ya = float(sy(v))
            line_pts += [(float(sx(a)), ya), (float(sx(b)), ya)]
        if len(line_pts) >= 2:
            draw_dashed_polyline(surface, pal.demand, line_pts, DASHES["demand"], pal.line_width)
        # shortfall: where force is below demand, hatch the gap (texture + colour)
        if n >= 2 and steps:
            vis = (t_arr >= t0 - 1) & (t_arr <= t1 + 1)
            tv, fv = t_arr[vis], f_arr[vis]
            if tv.size >= 2:
                need = np.zeros_like(tv)
                for a, b, v in steps:
                    need[(tv >= a) & (tv < b)] = v
                short = fv < need - 1e-6
                if short.any():
                    xs, fys, nys = sx(tv) - P.x, sy(fv) - P.y, sy(need) - P.y
                    mask = pygame.Surface(P.size, pygame.SRCALPHA)
                    for i in np.flatnonzero(short[:-1] & short[1:]):
                        poly = [(xs[i], nys[i]), (xs[i + 1] + 0.5, nys[i + 1]), (xs[i + 1] + 0.5, fys[i + 1]),
                                (xs[i], fys[i])]
                        pygame.draw.polygon(mask, (255, 255, 255, 255), poly)
                    tint = mask.copy()
                    tint.fill((*pal.danger[:3], 60), special_flags=pygame.BLEND_RGBA_MIN)
                    lines = pygame.Surface(P.size, pygame.SRCALPHA)
                    hatch_rect(lines, lines.get_rect(), (*pal.danger[:3], 255), spacing=6, width=2)
                    lines.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
                    surface.blit(tint, P)
                    surface.blit(lines, P)
        # force trace
        if n >= 2:
            vis = (t_arr >= t0 - win * 0.02) & (t_arr <= t1 + win * 0.02)
            if vis.sum() >= 2:
                xs, ys = _decimate(sx(t_arr[vis]), sy(f_arr[vis]), P.w)
                _draw_polyline(surface, pal.force, list(zip(xs.tolist(), ys.tolist())), pal.line_width + 1, DASHES["force"])
        surface.set_clip(old_clip)
        items = [("force", pal.force, pal.line_width + 1, ())]
        if steps:
            items += [("demand", pal.demand, pal.line_width, DASHES["demand"]), ("short of demand", pal.danger, 1, "hatch")]
        self.legend_bottom = _draw_legend(surface, rect, P, items, pal, self.title, self.units)
        # current value, top right
        if n:
            # the current value as a tag at the end of the trace
            cur = float(f_arr[-1]) * self.display_scale
            unit = "%" if self.units.startswith("%") else ""
            label = f"{format_number(cur, 2)}{unit}"
            w_, h_ = tx.text_size(label, 17)
            tag = pygame.Rect(0, 0, w_ + 10, h_ + 4)
            y_last = float(sy(f_arr[-1]))
            tag.midright = (P.right - 3, int(y_last - h_ - 2) if y_last - h_ - 4 > P.y + 22 else int(y_last + h_ + 2))
            tag.clamp_ip(P)
            pygame.draw.rect(surface, pal.panel, tag, border_radius=4)
            pygame.draw.rect(surface, pal.force, tag, 1, border_radius=4)
            tx.draw_text(surface, label, tag.center, 17, pal.force, anchor="center", shadow=False)
        return P


# --- gauge / meter -----------------------------------------------------------------------------------------

class Gauge:
    """A horizontal bar with a label, the value as text and warning/danger zones.

    `warn`/`danger` are thresholds in value units. With ``low_is_bad`` the zones run from `lo` up to the
    threshold (e.g. the readily releasable pool); otherwise from the threshold up to `hi` (e.g. side
    effects). The state is shown three ways: the bar colour, a hatched/solid zone strip, and a word and icon
    ("LOW"/"HIGH" with ! or !!)."""

    def __init__(self, title: str, units: str = "%", lo: float = 0.0, hi: float = 1.0, *, warn: float | None = None,
                 danger: float | None = None, low_is_bad: bool = False, display_scale: float = 100.0,
                 digits: int = 3) -> None:
        self.title = title
        self.units = units
        self.lo, self.hi = lo, hi
        self.warn, self.danger = warn, danger
        self.low_is_bad = low_is_bad
        self.display_scale = display_scale
        self.digits = digits

    def level(self, value: float) -> str:
        """"ok", "warn" or "danger" for a value."""
        if not math.isfinite(value):
            return "ok"
        if self.low_is_bad:
            if self.danger is not None and value <= self.danger:
                return "danger"
            if self.warn is not None and value <= self.warn:
                return "warn"
        else:
            if self.danger is not None and value >= self.danger:
                return "danger"
            if self.warn is not None and value >= self.warn:
                return "warn"
        return "ok"

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, value: float, palette: Palette | None = None, *,
             marker: float | None = None, note: str | None = None, panel: bool = True) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        if panel:
            pad = max(2, min(8, rect.h // 6))
            rad = min(RADIUS, rect.h // 3, rect.w // 3)
            if rect.w > 2 and rect.h > 2:
                pygame.draw.rect(surface, pal.panel, rect, border_radius=rad)
                pygame.draw.rect(surface, pal.panel_edge, rect, 1, border_radius=rad)
                tx.note_panel(rect, surface)
            inner = rect.inflate(-2 * pad - 4, -2 * pad)
        else:
            inner = rect
        if inner.w < 10 or inner.h < 6:
            return inner
        lvl = self.level(value)
        col = {"ok": pal.ok, "warn": pal.warn, "danger": pal.danger}[lvl]
        # title row: label left, value right
        size = 18 if inner.h >= 40 else max(12, min(18, inner.h * 0.58))
        lh = tx.line_height(size)
        shown = value * self.display_scale if math.isfinite(value) else float("nan")
        value_txt = f"{format_number(shown, self.digits)}{(' ' + self.units) if self.units and not self.units.startswith('%') else self.units}"
        vr = tx.draw_text(surface, value_txt, (inner.right, inner.y), size, pal.text, anchor="topright", shadow=False)
        state_word = {"ok": "", "warn": "LOW" if self.low_is_bad else "HIGH",
                      "danger": ("VERY LOW" if self.low_is_bad else "VERY HIGH")}[lvl]
        title_right = vr.left - 8
        if state_word:
            word_w = tx.text_size(state_word, size * 0.85)[0]
            if inner.w - vr.w - word_w - 40 < tx.text_size(self.title, size)[0]:
                state_word = ""                     # no room: the icon and the colour say it
            x = vr.left - 8
            if state_word:
                sw = tx.draw_text(surface, state_word, (x, inner.y), size * 0.85, col, anchor="topright",
                                  shadow=False)
                x = sw.left
            r_icon = max(5, lh * 0.38)
            _status_icon(surface, lvl, (x - 4 - r_icon, inner.y + lh * 0.45), r_icon, pal)
            title_right = x - 10 - 2 * r_icon
        tx.draw_text(surface, self.title, (inner.x, inner.y), size, pal.text_dim, shadow=False,
                     max_w=max(0, int(title_right - inner.x)))
        # bar
        gap = 8 if marker is not None else 3       # room for the marker's triangle under the title
        bar_h = max(4, min(16, inner.h - lh - gap - 6))
        bar = pygame.Rect(inner.x, inner.y + lh + gap, inner.w, bar_h)
        if bar.bottom > inner.bottom + 4:
            bar.bottom = inner.bottom + 4
        rad = bar_h // 2

        def vx(v: float) -> float:
            f = (v - self.lo) / (self.hi - self.lo) if self.hi != self.lo else 0.0
            return bar.x + min(1.0, max(0.0, f)) * bar.w

        pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.6), bar, border_radius=rad)
        # zones as a strip along the bottom of the track: hatched = warning, solid = danger
        zone_h = max(2, bar_h // 3)
        for thr, kind in ((self.warn, "warn"), (self.danger, "danger")):
            if thr is None:
                continue
            x_thr = vx(thr)
            zr = (pygame.Rect(bar.x, bar.bottom - zone_h, int(x_thr - bar.x), zone_h) if self.low_is_bad
                  else pygame.Rect(int(x_thr), bar.bottom - zone_h, int(bar.right - x_thr), zone_h))
            if zr.w <= 0:
                continue
            zcol = pal.warn if kind == "warn" else pal.danger
            if kind == "warn":
                hatch_rect(surface, zr.inflate(0, 0), mix(zcol, pal.panel, 0.2), spacing=4)
            else:
                pygame.draw.rect(surface, zcol, zr)
            pygame.draw.line(surface, zcol, (x_thr, bar.y - 2), (x_thr, bar.bottom + 1), 1)
        fill_w = int(vx(value) - bar.x) if math.isfinite(value) else 0
        if fill_w > 0:
            fr = pygame.Rect(bar.x, bar.y, fill_w, bar_h - zone_h)
            pygame.draw.rect(surface, col, fr, border_top_left_radius=rad, border_bottom_left_radius=0,
                             border_top_right_radius=rad if fill_w >= bar.w - rad else 0)
        pygame.draw.rect(surface, pal.panel_edge, bar, 1, border_radius=rad)
        if marker is not None and math.isfinite(marker):
            mx = vx(marker)
            pygame.draw.polygon(surface, pal.text, [(mx, bar.y - 1), (mx - 4, bar.y - 6), (mx + 4, bar.y - 6)])
        if note and inner.bottom - bar.bottom >= tx.line_height(14):
            tx.draw_text(surface, note, (inner.x, bar.bottom + 2), 14, pal.text_dim, shadow=False, max_w=inner.w)
        return bar


Meter = Gauge


def _status_icon(surface: pygame.Surface, level: str, centre: tuple[float, float], r: float, pal: Palette) -> None:
    """ok: a check; warn: a triangle with "!"; danger: an octagon with "!" (shape differs per level)."""
    x, y = centre
    if level == "warn":
        pts = [(x, y - r), (x + r * 1.1, y + r * 0.85), (x - r * 1.1, y + r * 0.85)]
        pygame.draw.polygon(surface, pal.warn, pts)
        pygame.draw.line(surface, pal.panel, (x, y - r * 0.35), (x, y + r * 0.25), max(1, int(r / 4)))
        pygame.draw.circle(surface, pal.panel, (x, y + r * 0.58), max(1, int(r / 6)))
    elif level == "danger":
        pts = [(x + r * math.cos(a), y + r * math.sin(a)) for a in (math.pi / 8 + k * math.pi / 4 for k in range(8))]
        pygame.draw.polygon(surface, pal.danger, pts)
        pygame.draw.line(surface, pal.text, (x, y - r * 0.55), (x, y + r * 0.15), max(1, int(r / 4)))
        pygame.draw.circle(surface, pal.text, (x, y + r * 0.5), max(1, int(r / 6)))
    elif level == "ok":
        pygame.draw.lines(surface, pal.ok, False, [(x - r * 0.7, y), (x - r * 0.15, y + r * 0.55), (x + r * 0.8, y - r * 0.6)],
                          max(2, int(r / 3)))
    else:
        pygame.draw.circle(surface, pal.text_dim, (x, y), max(2, int(r * 0.4)))


# --- model clock -------------------------------------------------------------------------------------------

class ModelClock:
    """Model time (h:mm:ss.mmm) with the speed factor underneath, and a play/pause/fast icon."""

    def __init__(self, title: str = "Model time") -> None:
        self.title = title
        self.free = pygame.Rect(0, 0, 0, 0)      # the part of the panel right of the numbers (after a draw)

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, t_s: float, speed: float = 1.0,
             palette: Palette | None = None, *, paused: bool = False) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        inner = draw_panel(surface, rect, pal, None)
        if inner.w < 20 or inner.h < 10:
            return inner
        icon = min(inner.h * 0.5, 26)
        cx, cy = inner.x + icon * 0.6, inner.centery
        state = "paused" if (paused or speed <= 0) else ("slow" if speed < 1 else ("real" if speed == 1 else "fast"))
        col = {"paused": pal.warn, "slow": pal.accent, "real": pal.ok, "fast": pal.accent}[state]
        if state == "paused":
            bw = icon * 0.22
            pygame.draw.rect(surface, col, pygame.Rect(cx - icon * 0.35, cy - icon * 0.45, bw, icon * 0.9), border_radius=2)
            pygame.draw.rect(surface, col, pygame.Rect(cx + icon * 0.35 - bw, cy - icon * 0.45, bw, icon * 0.9), border_radius=2)
        elif state == "fast":
            for dx in (-icon * 0.42, 0.0):
                pygame.draw.polygon(surface, col, [(cx + dx, cy - icon * 0.4), (cx + dx + icon * 0.42, cy),
                                                   (cx + dx, cy + icon * 0.4)])
        else:
            pygame.draw.polygon(surface, col, [(cx - icon * 0.3, cy - icon * 0.45), (cx + icon * 0.45, cy),
                                               (cx - icon * 0.3, cy + icon * 0.45)])
        text_x = inner.x + icon * 1.4
        sp = format_speed(speed, paused)
        small = 18
        while small > 10 and tx.line_height(small) > inner.h * 0.42:
            small -= 1
        big = tx.fit_size("0:00:00.000", max(10, inner.right - text_x), 34, 12)
        while big > 12 and tx.line_height(big) + tx.line_height(small) + 1 > inner.h:
            big -= 1
        top = inner.y + max(0, (inner.h - tx.line_height(big) - tx.line_height(small) - 1) // 2)
        r = tx.draw_text(surface, format_model_time(t_s), (text_x, top), big, pal.text, shadow=False)
        sr = tx.draw_text(surface, sp, (text_x, r.bottom + 1), small, col if state != "real" else pal.text_dim,
                          shadow=False, max_w=int(inner.right - text_x))
        self.free = pygame.Rect(max(r.right, sr.right) + 12, inner.y, inner.right - max(r.right, sr.right) - 12,
                                inner.h)
        if self.title and self.free.w >= tx.text_size(self.title, 15)[0]:
            tx.draw_text(surface, self.title, (inner.right, inner.y + 2), 15, pal.text_dim, anchor="topright",
                         shadow=False)
        return inner


# --- event log ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogLine:
    text: str
    t_s: float | None = None
    level: str = "info"        # info, ok, warn, danger


class EventLog:
    """The last `max_lines` plain-language lines; the newest is at the bottom, older ones fade out."""

    def __init__(self, max_lines: int = 6, title: str = "What happened") -> None:
        self.max_lines = max(1, int(max_lines))
        self.title = title
        self.lines: deque[LogLine] = deque(maxlen=self.max_lines)

    def push(self, text: str, t_s: float | None = None, level: str = "info") -> None:
        self.lines.append(LogLine(text, t_s, level))

    def extend(self, items: Iterable[str | LogLine]) -> None:
        for it in items:
            self.lines.append(it if isinstance(it, LogLine) else LogLine(str(it)))

    def clear(self) -> None:
        self.lines.clear()

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, palette: Palette | None = None, *,
             size: float = 18) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        inner = draw_panel(surface, rect, pal, self.title)
        if inner.w < 20 or inner.h < 8:
            return inner
        lh = tx.line_height(size)
        items = list(self.lines)
        stamps = [format_model_time(it.t_s, millis=False) for it in items if it.t_s is not None]
        stamp_w = max([tx.text_size("0:00:00", size * 0.85)[0]] + [tx.text_size(s, size * 0.85)[0] for s in stamps]) + 8
        show_stamp = any(it.t_s is not None for it in items) and inner.w > 260
        x0 = inner.x + 18 + (stamp_w if show_stamp else 0)
        avail = max(10, inner.right - x0)
        # whole entries, newest at the bottom, each wrapped to the width (never cut off at the side)
        blocks: list[tuple[LogLine, list[str]]] = []
        used = 0
        for it in reversed(items):
            lines = tx.wrap_lines(it.text, size, avail)
            h = len(lines) * lh + 2
            if used + h > inner.h:
                if not blocks and inner.h >= lh:        # the newest alone does not fit: its first lines, cut
                    keep = max(1, inner.h // lh)
                    lines = lines[:keep - 1] + [tx.ellipsize(" ".join(lines[keep - 1:]), size, avail)]
                    blocks.append((it, lines))
                break
            blocks.append((it, lines))
            used += h
        blocks.reverse()
        y = inner.bottom - sum(len(ls) * lh + 2 for _, ls in blocks)
        for i, (it, lines) in enumerate(blocks):
            age = len(blocks) - 1 - i              # 0 = newest
            fade = max(0.45, 1.0 - 0.11 * age)
            alpha = int(255 * fade)
            cy = y + lh / 2
            _status_icon(surface, it.level if it.level in ("ok", "warn", "danger") else "info", (inner.x + 7, cy),
                         max(4, lh * 0.32), _faded(pal, fade))
            if show_stamp and it.t_s is not None:
                tx.draw_text(surface, format_model_time(it.t_s, millis=False), (inner.x + 18, cy), size * 0.85,
                             pal.text_dim, anchor="midleft", shadow=False, alpha=alpha)
            for ln in lines:
                tx.draw_text(surface, ln, (x0, y + lh / 2), size, pal.text if age == 0 else mix(pal.panel, pal.text, fade),
                             anchor="midleft", shadow=False)
                y += lh
            y += 2
        return inner


def _faded(pal: Palette, fade: float) -> Palette:
    if fade >= 0.999:
        return pal
    cols = dict(pal.colours)
    for k in ("ok", "warn", "danger", "text", "text_dim"):
        cols[k] = mix(pal.panel, pal.colours[k], fade)
    return Palette(pal.name + f"~{fade:.2f}", cols, pal.line_width, pal.dark)


# --- tooltip -----------------------------------------------------------------------------------------------

class Tooltip:
    """A name and one plain line, drawn near a point and kept inside `bounds` (usually the screen)."""

    def __init__(self, max_width: int = 340) -> None:
        self.max_width = max_width

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, point: Sequence[float], title: str, body: str = "",
             palette: Palette | None = None) -> pygame.Rect:
        """`rect`: the bounds to stay inside; `point`: what the tooltip is about (e.g. the mouse)."""
        pal = palette or get_palette()
        bounds = pygame.Rect(rect)
        pad = 9
        width = min(self.max_width, max(60, bounds.w - 2 * pad))
        title_w = tx.text_size(title, 19)[0]
        lines = tx.wrap_lines(body, 16, width - 2 * pad) if body else []
        body_w = max((tx.text_size(ln, 16)[0] for ln in lines), default=0)
        w = min(width, max(title_w, body_w) + 2 * pad)
        h = tx.line_height(19) + (len(lines) * tx.line_height(16) + 4 if lines else 0) + 2 * pad - 2
        box = pygame.Rect(0, 0, w, h)
        px, py = int(point[0]), int(point[1])
        box.topleft = (px + 16, py + 18)
        if box.right > bounds.right - 4:
            box.right = px - 12
        if box.bottom > bounds.bottom - 4:
            box.bottom = py - 12
        box.clamp_ip(bounds)
        shadow = pygame.Surface((box.w + 6, box.h + 6), pygame.SRCALPHA)
        pygame.draw.rect(shadow, (0, 0, 0, 90), shadow.get_rect(), border_radius=8)
        surface.blit(shadow, (box.x + 2, box.y + 3))
        pygame.draw.rect(surface, pal.panel, box, border_radius=6)
        pygame.draw.rect(surface, pal.accent, box, 1, border_radius=6)
        # a small pointer toward the point
        pygame.draw.circle(surface, pal.accent, (px, py), 3)
        r = tx.draw_text(surface, title, (box.x + pad, box.y + pad - 2), 19, pal.text, shadow=False)
        y = r.bottom + 4
        for ln in lines:
            tx.draw_text(surface, ln, (box.x + pad, y), 16, pal.text_dim, shadow=False)
            y += tx.line_height(16)
        return box


# --- toggle chip -------------------------------------------------------------------------------------------

class Chip:
    """A toggle chip: a check box plus label (plus an optional key hint). On = filled + checked."""

    def __init__(self, label: str, key_hint: str | None = None, size: float = 17) -> None:
        self.label = label
        self.key_hint = key_hint
        self.size = size

    def preferred_size(self) -> tuple[int, int]:
        w, h = tx.text_size(self.label, self.size)
        if self.key_hint:
            w += tx.text_size(self.key_hint, self.size * 0.85)[0] + 14
        box = h
        return w + box + 26, h + 12

    @staticmethod
    def hit(rect: pygame.Rect, pos: Sequence[float]) -> bool:
        return pygame.Rect(rect).collidepoint(pos[0], pos[1])

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, on: bool, palette: Palette | None = None, *,
             hovered: bool = False, focused: bool = False, enabled: bool = True) -> pygame.Rect:
        pal = palette or get_palette()
        rect = pygame.Rect(rect)
        if rect.w < 6 or rect.h < 6:
            return rect
        rad = rect.h // 2
        base = pal.accent if enabled else pal.text_dim
        fill = mix(pal.panel, base, 0.32 if on else 0.0)
        if hovered and enabled:
            fill = mix(fill, pal.text, 0.08)
        pygame.draw.rect(surface, fill, rect, border_radius=rad)
        pygame.draw.rect(surface, base if on else pal.panel_edge, rect, 2 if on else 1, border_radius=rad)
        if focused:
            pygame.draw.rect(surface, pal.highlight, rect.inflate(6, 6), 2, border_radius=rad + 3)
        # check box
        bs = max(6, min(rect.h - 10, tx.line_height(self.size) - 2))
        box = pygame.Rect(rect.x + max(6, rad // 2 + 2), rect.centery - bs // 2, bs, bs)
        pygame.draw.rect(surface, pal.panel if not on else base, box, border_radius=3)
        pygame.draw.rect(surface, base if enabled else pal.text_dim, box, 1, border_radius=3)
        if on:
            pygame.draw.lines(surface, pal.panel, False, [(box.x + bs * 0.2, box.y + bs * 0.52),
                                                          (box.x + bs * 0.42, box.y + bs * 0.75),
                                                          (box.x + bs * 0.8, box.y + bs * 0.25)], max(2, bs // 6))
        tcol = pal.text if enabled else pal.text_dim
        r = tx.draw_text(surface, self.label, (box.right + 8, rect.centery), self.size, tcol, anchor="midleft",
                         shadow=False)
        if self.key_hint and r.right + 14 < rect.right:
            tx.draw_text(surface, self.key_hint, (rect.right - rad // 2 - 6, rect.centery), self.size * 0.85,
                         pal.text_dim, anchor="midright", shadow=False)
        return rect

def draw_stars(surface: pygame.Surface, centre: tuple[float, float], n: int, size: float, pal, total: int = 3) -> None:
    """`n` filled stars out of `total` (hollow ones are outlines: not colour alone)."""
    cx, cy = centre
    gap = size * 2.3
    x0 = cx - gap * (total - 1) / 2
    for i in range(total):
        pts = []
        for k in range(10):
            r = size if k % 2 == 0 else size * 0.45
            a = -math.pi / 2 + k * math.pi / 5
            pts.append((x0 + i * gap + r * math.cos(a), cy + r * math.sin(a)))
        if i < n:
            pygame.draw.polygon(surface, pal.warn, pts)
        pygame.draw.polygon(surface, pal.text if i < n else pal.text_dim, pts, 2)
