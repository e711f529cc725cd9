"""The timeline of a level's tasks, as geometry and edits (no pygame): where each task is drawn, what a
point hits (the body, an edge, the top), and what a drag does. The scene turns mouse events into calls
here and draws the result.

Bars: x from start_s to start_s + duration_s; height from the force fraction (the top edge is the force
needed). Dragging the body moves a task, its left or right edge resizes it, its top edge sets the force.
Start doses and the windows in which the level's drugs act are drawn along the bottom.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from game.sim.laws import bateman_mg
from game.sim.params import DEFAULT

EDGE_PX = 6                       # how close to an edge counts as grabbing it
MIN_DURATION_S = 0.01             # the schema's shortest task


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


def _num(v: Any, default: float = 0.0) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return default
    return float(v)


def nice_step(span_s: float, max_ticks: int = 8) -> float:
    """A round tick spacing (seconds) for an axis spanning span_s."""
    steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 4 * 3600, 6 * 3600, 12 * 3600,
             86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400]
    for s in steps:
        if span_s / s <= max_ticks:
            return float(s)
    return float(steps[-1])


def _short(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}".rstrip("0").rstrip(".")


def time_label(t: float) -> str:
    """A model time as people say it: 45 s, 12 min, 3.5 h, 2 d."""
    if t < 120:
        return f"{_short(t)} s"
    if t < 2 * 3600:
        return f"{_short(t / 60)} min"
    if t < 2 * 86400:
        return f"{_short(t / 3600)} h"
    return f"{_short(t / 86400)} d"


@dataclass
class Timeline:
    """Maps a level's time axis onto a box of pixels."""

    box: Box
    duration_s: float
    force_max: float = 1.0        # the force at the top of the box (the view zooms in on light tasks)

    def x_of(self, t: float) -> float:
        return self.box.x + self.box.w * (t / self.duration_s if self.duration_s > 0 else 0.0)

    def t_of(self, x: float) -> float:
        return (x - self.box.x) / self.box.w * self.duration_s if self.box.w > 0 else 0.0

    def y_of(self, force: float) -> float:
        return self.box.bottom - self.box.h * max(0.0, min(1.0, force / self.force_max))

    def force_of(self, y: float) -> float:
        if self.box.h <= 0:
            return 0.0
        return max(0.0, min(1.0, (self.box.bottom - y) / self.box.h * self.force_max))

    def bar(self, task: dict) -> Box:
        s = _num(task.get("start_s"))
        d = _num(task.get("duration_s"))
        f = _num(task.get("force_fraction"))
        x0, x1 = self.x_of(s), self.x_of(s + d)
        y = self.y_of(f)
        w = max(3, int(round(x1 - x0)))
        return Box(int(round(x0)), int(round(y)), w, max(2, int(round(self.box.bottom - y))))

    def hit(self, tasks: list[dict], px: float, py: float) -> tuple[int, str] | None:
        """(task index, part) under the point: part is "start", "end", "force" or "move". The last drawn
        (topmost) task wins."""
        for i in range(len(tasks) - 1, -1, -1):
            b = self.bar(tasks[i])
            grab = Box(b.x - EDGE_PX, min(b.y, self.box.bottom - 12) - EDGE_PX, b.w + 2 * EDGE_PX,
                       self.box.bottom - min(b.y, self.box.bottom - 12) + EDGE_PX)
            if not grab.contains(px, py):
                continue
            if abs(py - b.y) <= EDGE_PX and b.x <= px <= b.right:
                return i, "force"
            if b.w < 3 * EDGE_PX:             # a narrow bar: on it moves it, beside it resizes it
                return i, "move" if b.x <= px <= b.right else ("start" if px < b.x else "end")
            if abs(px - b.x) <= EDGE_PX:
                return i, "start"
            if abs(px - b.right) <= EDGE_PX:
                return i, "end"
            return i, "move"
        return None

    def snap(self, t: float) -> float:
        """Round a time to a step that suits the axis (whole seconds at least)."""
        step = max(1.0, nice_step(self.duration_s) / 60.0)
        step = float(10 ** math.floor(math.log10(step))) if step >= 1 else 1.0
        return round(t / step) * step

    def drag(self, task: dict, part: str, dx_px: float, dy_px: float) -> dict[str, float]:
        """New values for `task` (as it was when the drag began) after moving the mouse by (dx, dy)."""
        s = _num(task.get("start_s"))
        d = max(MIN_DURATION_S, _num(task.get("duration_s"), 1.0))
        f = _num(task.get("force_fraction"))
        end = self.duration_s
        dt = dx_px / self.box.w * end if self.box.w > 0 else 0.0
        if part == "move":
            ns = self.snap(min(max(0.0, s + dt), max(0.0, end - d)))
            return {"start_s": float(ns)}
        if part == "start":
            ns = self.snap(min(max(0.0, s + dt), s + d - MIN_DURATION_S))
            return {"start_s": float(ns), "duration_s": float(max(MIN_DURATION_S, s + d - ns))}
        if part == "end":
            ne = self.snap(min(max(s + MIN_DURATION_S, s + d + dt), end))
            return {"duration_s": float(max(MIN_DURATION_S, ne - s))}
        if part == "force":
            nf = round(max(0.0, min(1.0, f - dy_px / self.box.h * self.force_max)), 2) if self.box.h > 0 else f
            return {"force_fraction": float(nf)}
        return {}

    def ticks(self) -> list[tuple[float, str]]:
        step = nice_step(self.duration_s)
        n = int(self.duration_s // step)
        return [(k * step, time_label(k * step)) for k in range(n + 1)]


def force_scale(*values: float) -> float:
    """The top of a force axis that shows these values well: 0.25, 0.5, 0.75 or 1."""
    top = max([0.0, *values]) * 1.15
    for s in (0.25, 0.5, 0.75):
        if top <= s:
            return s
    return 1.0


# --- drug windows ---------------------------------------------------------------------------------------

ACTS_ABOVE = 0.5                  # a dose "acts" while its effect-site amount is above half its EC50


def acting_window(drug: str, dose_mg: float, horizon_s: float, taken_at_s: float = 0.0) -> tuple[float, float] | None:
    """(from, to) in level seconds during which a dose taken at `taken_at_s` acts, or None."""
    ph = DEFAULT.pharmacology
    facts = ph.drugs.get(drug)
    if facts is None or dose_mg <= 0:
        return None
    span = max(horizon_s - taken_at_s, 60.0)
    n = 400
    inside = [taken_at_s + span * k / n for k in range(n + 1)
              if bateman_mg(facts, dose_mg, span * k / n / 60.0) / facts.ec50_mg >= ACTS_ABOVE]
    if not inside:
        return None
    return inside[0], inside[-1]


def drug_windows(data: dict) -> list[tuple[str, float, float, str]]:
    """What to draw along the timeline's bottom: (label, from_s, to_s, what) for each start dose (when it
    acts, in level time) and for each drug the player may give ("taken at 0, acts from .. to ..")."""
    end = _num(data.get("duration_model_s"), 0.0)
    out: list[tuple[str, float, float, str]] = []
    start = data.get("start") if isinstance(data.get("start"), dict) else {}
    for dose in start.get("doses", []) if isinstance(start.get("doses"), list) else []:
        if not isinstance(dose, dict):
            continue
        drug, mg = str(dose.get("drug", "")), _num(dose.get("dose_mg"))
        before = _num(dose.get("before_start_s"))
        w = acting_window(drug, mg, end + before, -before)
        if w is not None and w[1] > 0:
            out.append((f"{drug} {mg:g} mg (taken before)", max(0.0, w[0]), min(end, w[1]), "start"))
    for t in data.get("treatments", []) if isinstance(data.get("treatments"), list) else []:
        if not isinstance(t, dict) or t.get("dose_mg") is None:
            continue
        drug, mg = str(t.get("kind", "")), _num(t.get("dose_mg"))
        w = acting_window(drug, mg, max(end, 6 * 3600.0))
        if w is not None:
            out.append((f"{drug} {mg:g} mg: acts {time_label(w[0])}–{time_label(w[1])} after a dose",
                        w[0], w[1], "treatment"))
    return out
