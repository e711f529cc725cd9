"""The play screen's layout and HUD: where everything goes for a window size, and the panels around the lens.

`play_layout(size)` returns named rects (the lens, the cascade chain, the model clock, the patient, the
gauges, the event log, the oscilloscope, the force chart and the controls) computed from the window size,
so the screen adapts when the window is resized. `Hud` keeps the view-side history (force and demand over
model time) and draws the panels from plain numbers; it never touches the model.

Every panel has a name and one line on what it shows (`HUD_INFO`), used for hover and Tab-focus tooltips.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pygame

from game.view import text as tx
from game.view.palette import DASHES, Palette, draw_dashed_line, mix
from game.view.patient import draw_patient
from game.view.instruments import (EventLog, Gauge, ModelClock, Oscilloscope, StripChart, Trace, Tooltip, draw_panel,
                               format_duration)

HUD_INFO: dict[str, tuple[str, str]] = {
    "lens": ("Cascade lens", "One junction close up, slowed down: follow each impulse from nerve to muscle."),
    "chain": ("The six steps", "Where the current impulse is in the chain, and where it broke if it failed."),
    "clock": ("Model clock", "The patient's time. Speed and pause change how fast it runs, never hide it."),
    "patient": ("The patient", "Shows the muscle's force against the task: eyelid, eyes, jaw, breathing or arm."),
    "rrp": ("Readily releasable pool", "Vesicles ready to release; each impulse uses some, rest refills it."),
    "ache": ("AChE inhibition", "Share of acetylcholinesterase blocked by drugs: ACh lasts longer in the cleft."),
    "side": ("Side-effect meter", "Muscarinic side effects of AChE inhibitors; too high is a cholinergic crisis."),
    "antibody": ("Antibody level", "Anti-AChR antibodies relative to the start; they remove and block receptors."),
    "log": ("What happened", "Each impulse and treatment in plain words, newest at the bottom."),
    "scope": ("Oscilloscope", "The end-plate potential of the lens's fibre climbing toward the threshold line."),
    "force": ("Force and demand", "Muscle force (solid) against what the task needs (dashed); hatched = short."),
    "controls": ("Controls", "Every action with its key; click a row or press its key."),
}

STRIP_WINDOW_S = 30.0


def play_layout(size: Sequence[int]) -> dict[str, pygame.Rect]:
    """Rects of the play screen for a window of `size` (designed at 1280×720, scales with the window)."""
    w, h = int(size[0]), int(size[1])
    m = max(4, int(round(8 * min(w / 1280, h / 720))))
    right_w = max(260, int(w * 0.33))
    left_w = w - right_w - 3 * m
    lens_all = pygame.Rect(m, m, left_w, int(h * 0.56))
    cap_h = tx.line_height(17) + tx.line_height(16) + 8
    lens = pygame.Rect(m, m, left_w, lens_all.h - cap_h)
    caption = pygame.Rect(m, lens.bottom, left_w, cap_h)
    chain_h = max(44, tx.line_height(17) * 2 + 30)
    chain = pygame.Rect(m, lens_all.bottom + m // 2 + 2, left_w, chain_h)
    by = chain.bottom + m
    bh = h - by - m
    scope = pygame.Rect(m, by, (left_w - m) // 2, bh)
    force = pygame.Rect(scope.right + m, by, left_w - scope.w - m, bh)
    rx = lens.right + m
    clock = pygame.Rect(rx, m, right_w, max(48, int(h * 0.083)))
    top2 = clock.bottom + m - 2
    ph = max(120, int(h * 0.264))
    patient = pygame.Rect(rx, top2, int(right_w * 0.36), ph)
    gauges = pygame.Rect(patient.right + m // 2, top2, right_w - patient.w - m // 2, ph)
    log = pygame.Rect(rx, patient.bottom + m - 2, right_w, max(80, int(h * 0.215)))
    controls = pygame.Rect(rx, log.bottom + m - 2, right_w, h - log.bottom - 2 * m + 2)
    return {"lens": lens, "caption": caption, "chain": chain, "scope": scope, "force": force, "clock": clock, "patient": patient,
            "gauges": gauges, "log": log, "controls": controls}


@dataclass(frozen=True, slots=True)
class ControlRow:
    """One line of the controls panel."""

    action: str          # what pressing it does (scene-defined id)
    key: str             # key label
    name: str
    detail: str = ""     # dose, frequency...
    status: str = ""     # ready / cooldown / uses left / onset
    enabled: bool = True
    active: bool = False
    help: str = ""


def patient_pose(muscle_group: str, force: float, demand: float, *, crisis: bool = False, side_effects: float = 0.0,
                 breath_phase: float = 0.0) -> dict:
    """Arguments for `draw_patient` from force against demand for the level's muscle group."""
    need = demand if demand > 0 else 0.0
    ratio = 1.0 if need <= 0 else min(1.0, force / need)
    short = 0.0 if need <= 0 else max(0.0, 1.0 - force / need)
    pose = dict(muscle_group=muscle_group, eyelid_open=1.0, eye_misalignment=0.0, jaw_open=0.0,
                breath_phase=breath_phase, breath_depth=0.5, limb_lift=0.0,
                distress=min(1.0, 0.6 * short + (1.0 if crisis else 0.0) + 0.5 * max(0.0, side_effects - 0.4)))
    if muscle_group == "eyelid":
        pose["eyelid_open"] = 0.2 + 0.8 * ratio if need > 0 else 0.85
    elif muscle_group == "extraocular":
        pose["eye_misalignment"] = short
    elif muscle_group == "bulbar":
        pose["jaw_open"] = min(1.0, short * 1.2)
    elif muscle_group == "respiratory":
        pose["breath_depth"] = 0.15 + 0.75 * ratio if need > 0 else 0.55
    elif muscle_group == "limb":
        pose["limb_lift"] = ratio if need > 0 else min(1.0, force * 1.5)
    if crisis:
        pose["breath_depth"] = min(pose["breath_depth"], 0.15)
    return pose


class Hud:
    """Panels around the lens. Feed it with `record()` every model step; `draw_*` from plain numbers."""

    def __init__(self, *, rest_mV: float = -80.0) -> None:
        self.scope = Oscilloscope("End-plate potential (lens fibre)", "mV", "ms", y_range=(-95.0, 40.0),
                                  t_range=(0.0, 20.0), y_step=20.0)
        self.strip = StripChart("Force and demand", "% of maximum", window_s=STRIP_WINDOW_S)
        self.strip.auto_y = True
        self.clock = ModelClock("Model time")
        self.rrp = Gauge("Readily releasable pool", "%", warn=0.45, danger=0.25, low_is_bad=True)
        self.ache = Gauge("AChE inhibition", "%", warn=0.6, danger=0.85)
        self.side = Gauge("Side effects", "%", warn=0.5, danger=0.85)
        self.antibody = Gauge("Antibody level", "% of start", lo=0.0, hi=1.5, warn=0.75, danger=1.25, digits=3)
        self.log = EventLog(max_lines=8, title="What happened")
        self.tooltip = Tooltip(380)
        self.rest_mV = rest_mV
        self.t_hist: deque[float] = deque(maxlen=4096)
        self.f_hist: deque[float] = deque(maxlen=4096)
        self.demand_t: list[float] = []
        self.demand_v: list[float] = []
        self.window_s = STRIP_WINDOW_S
        self.control_rects: list[tuple[pygame.Rect, ControlRow]] = []
        self.gauge_rects: dict[str, pygame.Rect] = {}

    # -- history --------------------------------------------------------------------------------------
    def record(self, t_s: float, force: float, demand: float) -> None:
        self.t_hist.append(t_s)
        self.f_hist.append(force)
        if not self.demand_v or abs(self.demand_v[-1] - demand) > 1e-9:
            self.demand_t.append(t_s)
            self.demand_v.append(demand)
            if len(self.demand_t) > 512:
                del self.demand_t[:256]
                del self.demand_v[:256]

    def set_window(self, pace: float) -> None:
        """Show about 30 s of play in the force chart, whatever the level's pace."""
        self.window_s = max(1.0, STRIP_WINDOW_S * pace)

    # -- panels ---------------------------------------------------------------------------------------
    def draw_clock(self, surface, rect, pal, t_s: float, speed: float, paused: bool, pace: float) -> None:
        self.clock.draw(surface, rect, t_s, speed * pace, pal, paused=paused)

    def draw_force(self, surface, rect, pal, now: float, task: str = "", demand: float = 0.0,
                   upcoming: str = "") -> None:
        self.strip.title = "Force and demand"
        self.strip.draw(surface, rect, np.fromiter(self.t_hist, float), np.fromiter(self.f_hist, float), pal,
                        demand_t=self.demand_t, demand=self.demand_v, now=now, window_s=self.window_s)
        P = self.strip.plot_rect(rect)
        # the demand again, on top of the force trace (a thick, rippling trace can hide it)
        t0 = now - self.window_s
        sx = lambda tt: P.x + (tt - t0) / self.window_s * P.w  # noqa: E731
        sy = lambda v: P.bottom - v * P.h  # noqa: E731
        old = surface.get_clip()
        surface.set_clip(P)
        for i, (a, v) in enumerate(zip(self.demand_t, self.demand_v)):
            b = self.demand_t[i + 1] if i + 1 < len(self.demand_t) else now
            if v > 0 and b >= t0:
                draw_dashed_line(surface, pal.demand, (sx(max(a, t0)), sy(v)), (sx(b), sy(v)), DASHES["demand"],
                                 pal.line_width)
        surface.set_clip(old)
        # the task now (or the next one), at the top of the plot under the legend
        if task:
            label = f"Task: {task} (needs {demand * 100:.0f}%)"
        elif upcoming:
            label = upcoming
        else:
            label = ""
        if label:
            tx.draw_text(surface, label, (P.x + 6, self.strip.legend_bottom + 3), 16,
                         pal.demand if task else pal.text_dim, anchor="topleft", outline=True,
                         shadow_colour=pal.panel, max_w=P.w - 12)

    def draw_scope(self, surface, rect, pal, t_ms: np.ndarray, v_mV: np.ndarray, rest: float, threshold: float,
                   cursor_t: float | None = None, note: str | None = None, fired: bool = False) -> pygame.Rect:
        traces = []
        if t_ms.size >= 2:
            traces.append(Trace(t_ms, v_mV, "epp_trace", "EPP + muscle AP" if fired else "EPP", ()))
        return self.scope.draw(surface, rect, traces, pal, threshold=threshold, rest=rest, cursor_t=cursor_t,
                               note=note)

    def draw_gauges(self, surface, rect, pal, *, rrp: float, ache: float, side: float, antibody: float,
                    drugs: dict[str, float], side_limit: float | None = None, show_antibody: bool = True,
                    names: dict[str, str] | None = None) -> None:
        """`names`: display names of the drugs (ids such as "pyridostigmine-er" are never shown)."""
        names = ["rrp", "ache", "side"] + (["antibody"] if show_antibody else [])
        n = len(names)
        gap = 4
        h = (rect.h - gap * (n - 1)) / n
        self.gauge_rects = {}
        for i, name in enumerate(names):
            r = pygame.Rect(rect.x, int(rect.y + i * (h + gap)), rect.w, int(h))
            self.gauge_rects[name] = r
            if name == "rrp":
                self.rrp.draw(surface, r, rrp, pal)
            elif name == "ache":
                note = ", ".join(f"{(names or {}).get(k, k.replace('-', ' ').capitalize())} {v * 100:.0f}%" for k, v in sorted(drugs.items(), key=lambda kv: -kv[1])
                                 if v > 0.005) or None
                self.ache.draw(surface, r, ache, pal, note=note)
            elif name == "side":
                if side_limit is not None and side_limit < 1.0:
                    self.side.danger = side_limit
                self.side.draw(surface, r, side, pal, marker=side_limit if side_limit and side_limit < 1 else None)
            else:
                self.antibody.draw(surface, r, antibody, pal, marker=1.0)

    def draw_patient(self, surface, rect, pal, pose: dict, name: str = "", status: str = "") -> None:
        inner = draw_panel(surface, rect, pal, None)
        draw_patient(surface, inner, pal, backdrop=False, **pose)
        if name:
            tx.draw_text(surface, name, (inner.x + 2, inner.y), 17, pal.text, outline=True, shadow_colour=pal.panel)
        if status:
            tx.draw_wrapped(surface, status, pygame.Rect(inner.x + 2, inner.bottom - tx.line_height(15) * 2 - 2,
                                                         inner.w - 4, tx.line_height(15) * 2 + 2), 15, pal.text_dim)

    def draw_controls(self, surface, rect, pal, rows: list[ControlRow], focus: int | None = None,
                      hover: int | None = None, title: str = "Controls") -> None:
        inner = draw_panel(surface, rect, pal, title)
        self.control_rects = []
        if not rows:
            return
        lh = max(tx.line_height(16) + 5, min(30, (inner.h) // max(1, len(rows))))
        y = inner.y
        key_w = max(tx.text_size(r.key, 15)[0] for r in rows) + 14
        for i, row in enumerate(rows):
            if y + lh > inner.bottom + 2:
                break
            r = pygame.Rect(inner.x, y, inner.w, lh - 3)
            self.control_rects.append((r, row))
            if row.active:
                pygame.draw.rect(surface, mix(pal.panel, pal.accent, 0.35), r, border_radius=4)
            elif i == hover and row.enabled:
                pygame.draw.rect(surface, mix(pal.panel, pal.text, 0.07), r, border_radius=4)
            if i == focus:
                pygame.draw.rect(surface, pal.highlight, r, 2, border_radius=4)
            cap = pygame.Rect(r.x + 2, r.y + 2, key_w, r.h - 4)
            pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), cap, border_radius=4)
            pygame.draw.rect(surface, pal.text_dim if row.enabled else pal.grid, cap, 1, border_radius=4)
            tx.draw_text(surface, row.key, cap.center, 15, pal.text if row.enabled else pal.text_dim, anchor="center",
                         shadow=False)
            tx.note_panel(cap, surface)
            x = cap.right + 8
            col = pal.text if row.enabled else pal.text_dim
            right = r.right - 6
            if row.status:
                status_col = pal.ok if row.status.startswith("ready") else (pal.warn if row.enabled else pal.text_dim)
                sw = min(tx.text_size(row.status, 15)[0], max(0, (right - x) // 3))
                sr = tx.draw_text(surface, row.status, (right, r.centery), 15, status_col, anchor="midright",
                                  shadow=False, max_w=sw)
                right = sr.left - 10
            nr = tx.draw_text(surface, row.name, (x, r.centery), 17, col, anchor="midleft", shadow=False,
                              max_w=max(0, right - x))
            if row.detail and right - (nr.right + 6) > tx.text_size("acts...", 15)[0]:
                tx.draw_text(surface, row.detail, (nr.right + 6, r.centery), 15, pal.text_dim, anchor="midleft",
                             shadow=False, max_w=right - (nr.right + 6))
            y += lh

    def draw_log(self, surface, rect, pal) -> None:
        self.log.draw(surface, rect, pal, size=16)

    def draw_callout(self, surface, rect: pygame.Rect, pal: Palette, title: str, text: str, footer: str = "") -> pygame.Rect:
        """A message box (tutorial step, hint) over the top of `rect` (the event log panel)."""
        w = rect.w
        lines = tx.wrap_lines(text, 18, w - 24)
        h = tx.line_height(19) + len(lines) * tx.line_height(18) + (tx.line_height(15) if footer else 0) + 18
        box = pygame.Rect(rect.x, rect.y, w, min(max(h, 40), rect.h))
        pygame.draw.rect(surface, mix(pal.panel, pal.accent, 0.12), box, border_radius=8)
        pygame.draw.rect(surface, pal.accent, box, 2, border_radius=8)
        tx.note_panel(box, surface)
        y = tx.draw_text(surface, title, (box.x + 12, box.y + 6), 19, pal.accent, shadow=False).bottom + 2
        for ln in lines:
            if y + tx.line_height(18) > box.bottom - 2:
                break
            tx.draw_text(surface, ln, (box.x + 12, y), 18, pal.text, shadow=False)
            y += tx.line_height(18)
        if footer:
            tx.draw_text(surface, footer, (box.right - 10, box.y + 8), 15, pal.text_dim, anchor="topright",
                         shadow=False)
        return box

    def tooltip_for(self, surface, key: str, point, pal) -> None:
        info = HUD_INFO.get(key)
        if info:
            self.tooltip.draw(surface, surface.get_rect(), point, info[0], info[1], pal)


def format_cooldown(seconds: float) -> str:
    if seconds <= 0:
        return "ready"
    return f"wait {format_duration(seconds)}"


def breath_phase(t_wall: float, rate_per_min: float = 14.0) -> float:
    return (t_wall * rate_per_min / 60.0) % 1.0


def ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t

