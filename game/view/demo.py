"""Render the view's building blocks to PNGs (1280x720) so they can be looked at without a display.

    uv run python -m game.view.demo OUTDIR            # all sheets, both palettes
    uv run python -m game.view.demo OUTDIR --bench    # also time static lens + 50,000 particles

Every picture uses fake data; nothing here touches the model.
"""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from game.view import lens_art as la  # noqa: E402
from game.view import patient as pt  # noqa: E402
from game.view import text as tx  # noqa: E402
from game.view import instruments as wd  # noqa: E402
from game.view.palette import (DASHES, MARKERS, PALETTE_NAMES, Palette, draw_dashed_line, draw_marker,  # noqa: E402
                                get_palette)

SIZE = (1280, 720)


# --- fake data ---------------------------------------------------------------------------------------------

def fake_epp(t: np.ndarray, amp: float, t0: float = 1.0, fire: bool = False, rest: float = -90.0,
             threshold: float = -55.0) -> np.ndarray:
    """An end-plate potential (double exponential) and, if it reaches threshold, a muscle AP."""
    tt = np.clip(t - t0, 0, None)
    shape = np.exp(-tt / 2.2) - np.exp(-tt / 0.35)
    shape /= shape.max() if shape.max() > 0 else 1
    v = rest + amp * shape
    if fire:
        above = np.flatnonzero(v >= threshold)
        if above.size:
            tc = t[above[0]]
            s = np.clip(t - tc, 0, None)
            ap = np.exp(-s / 0.7) - np.exp(-s / 0.2)
            ap /= ap.max()
            under = 6 * (np.exp(-s / 5.0) - np.exp(-s / 1.2))
            v = v + (40 - threshold) * ap - under
    return v


def fake_force(seconds: float = 60.0, dt: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(0, seconds, dt)
    demand_t = np.array([0.0, 12.0, 30.0, 44.0])
    demand = np.array([0.25, 0.6, 0.35, 0.7])
    need = demand[np.searchsorted(demand_t, t, side="right") - 1]
    fatigue = 1 - 0.35 * (1 - np.exp(-np.clip(t - 12, 0, None) / 10)) * (t < 30)
    fatigue2 = 1 - 0.4 * (1 - np.exp(-np.clip(t - 44, 0, None) / 6)) * (t >= 44)
    rng = np.random.default_rng(4)
    force = need * 1.12 * fatigue * fatigue2 + rng.normal(0, 0.012, t.size)
    force = np.convolve(np.r_[np.full(7, force[0]), force], np.ones(8) / 8, mode="valid")
    return t, np.clip(force, 0, 1), demand_t, demand


def _title(surface: pygame.Surface, text: str, pal: Palette) -> None:
    tx.draw_text(surface, text, (20, 12), 24, pal.text, shadow=False)


# --- lens ---------------------------------------------------------------------------------------------------

def draw_lens_scene(surface: pygame.Surface, rect: pygame.Rect, pal: Palette, labels: bool, *,
                    ap: float = 0.75, sarcolemma_ap: float = 0.45, sr_level: float = 0.55, shortening: float = 0.35,
                    seed: int = 5) -> la.LensLayout:
    """The lens in mid-cascade: vesicles fusing at three active zones, ACh in the cleft, receptors in every
    state, antibodies on some receptors, the AP on the axon, the muscle AP spreading, SR releasing Ca2+."""
    lay = la.LensLayout.from_rect(rect)
    surface.blit(la.static_surface(lay, pal, False), rect.topleft)
    old = surface.get_clip()
    surface.set_clip(rect)
    la.draw_sarcomeres(surface, lay, shortening, pal)
    la.draw_sr_release(surface, lay, sr_level, pal)
    rng = np.random.default_rng(seed)
    n_az = len(lay.active_zone_xs)
    releasing = {k for k in (1, n_az // 2, n_az - 2) if 0 <= k < n_az}
    for i, (p, z) in enumerate(zip(lay.vesicle_positions, lay.vesicle_zone)):
        fus = 0.0
        if z in releasing and abs(p[1] - (lay.cleft_top - lay.vesicle_r * 1.05)) < 1.0:
            fus = 0.35 if i % 2 else 0.8
        la.draw_vesicle(surface, p, lay.vesicle_r, fus, pal)
    # receptor states: mostly closed; open/bound near releasing zones; blocked where antibodies sit
    states = []
    near = [lay.active_zone_xs[k] for k in releasing]
    for j, (x, y) in enumerate(lay.receptor_positions):
        d = min((abs(x - xa) for xa in near), default=1e9)
        if d < lay.fold_half_width * 4.5:
            st = "open" if j % 3 else "bound1"
        elif j % 17 == 5:
            st = "blocked"
        elif j % 13 == 7:
            st = "desensitised"
        else:
            st = "closed"
        states.append(st)
        la.draw_receptor(surface, (x, y), st, pal, lay.receptor_size)
    for j, ((x, y), st) in enumerate(zip(lay.receptor_positions, states)):
        if st == "blocked":
            la.draw_antibody(surface, (x, y - lay.receptor_size), True, pal, size=lay.receptor_size * 1.05)
    # a few free antibodies in the extracellular space and cleft edge
    for (ux, uy, ang) in ((0.09, 0.36, 0.4), (0.93, 0.30, -0.5), (0.12, 0.44, 1.2)):
        la.draw_antibody(surface, (rect.x + ux * rect.w, rect.y + uy * rect.h), False, pal,
                         size=lay.receptor_size * 1.1, angle=ang)
    # particles: ACh clouds spreading from the releasing zones across the cleft, Ca2+ entering at them
    xs, ys, cx_, cy_ = [], [], [], []
    for xa in near:
        n = 700
        x = xa + rng.normal(0, lay.fold_half_width * 3.2, n)
        y = rng.uniform(lay.cleft_top + 1, lay.cleft_bottom - 1, n)
        xs.append(x)
        ys.append(y)
        nc = 80
        cx_.append(xa + rng.normal(0, lay.fold_half_width * 2.0, nc))
        cy_.append(lay.cleft_top - np.abs(rng.normal(0, lay.vesicle_r * 1.5, nc)) - 2)
    # Ca2+ in the cytosol near the myofibril after SR release
    sr_ = lay.sarcomere_rect
    cx_.append(rng.uniform(sr_.left, sr_.right, 500))
    cy_.append(rng.uniform(sr_.top, sr_.bottom, 500))
    if xs:
        la.draw_particles(surface, np.concatenate(xs), np.concatenate(ys), "ach", pal, clip=rect)
    la.draw_particles(surface, np.concatenate(cx_), np.concatenate(cy_), "ca", pal, clip=rect)
    la.draw_ap_front(surface, lay.axon_path, ap, pal, width=6 * lay.unit)
    la.draw_sarcolemma_ap(surface, lay, sarcolemma_ap, pal)
    surface.set_clip(old)
    if labels:
        la.draw_labels(surface, lay, pal, shortening=shortening)
    return lay


def render_lens(pal: Palette, labels: bool) -> pygame.Surface:
    s = pygame.Surface(SIZE)
    draw_lens_scene(s, s.get_rect(), pal, labels)
    return s


def render_lens_identify(pal: Palette) -> pygame.Surface:
    """The lens at a smaller size with a hover tooltip and the hovered region outlined."""
    s = pygame.Surface(SIZE)
    s.fill(pal.background)
    rect = pygame.Rect(40, 60, 880, 495)
    lay = draw_lens_scene(s, rect, pal, False)
    _title(s, "Click-to-identify: the structure under the pointer, in plain words", pal)
    tip = wd.Tooltip()
    probes = [(lay.receptor_positions[len(lay.receptor_positions) // 3][0], lay.cleft_bottom - 4),
              (lay.t_tubule_xs[1], (lay.cleft_bottom + lay.t_tubule_bottom) / 2)]
    for point in probes[:1]:
        name = lay.identify(point)
        if name:
            r = lay.regions[name]
            pygame.draw.rect(s, pal.highlight, r.inflate(4, 4), 1)
            info = la.STRUCTURES[la.structure_key(name)]
            tip.draw(s, s.get_rect(), point, info.title, info.line, pal)
    # a list of every structure on the right
    y = 64
    tx.draw_text(s, "Structures", (945, y), 20, pal.text, shadow=False)
    y += 28
    for key, info in la.STRUCTURES.items():
        tx.draw_text(s, info.title, (945, y), 15, pal.text_dim, shadow=False)
        y += 18
    # a second probe below the lens with its answer
    name = lay.identify(probes[1])
    if name:
        info = la.STRUCTURES[la.structure_key(name)]
        pygame.draw.circle(s, pal.highlight, probes[1], 5, 1)
        tx.draw_text(s, f"At the ring: {info.title}", (40, 575), 20, pal.text, shadow=False)
        tx.draw_wrapped(s, info.line, pygame.Rect(40, 600, 860, 60), 18, pal.text_dim)
    return s


# --- widgets ---------------------------------------------------------------------------------------------

def render_widgets(pal: Palette) -> pygame.Surface:
    s = pygame.Surface(SIZE)
    s.fill(pal.background)
    _title(s, f"HUD widgets ({pal.name})", pal)
    t = np.arange(0, 20, 0.01)
    healthy = fake_epp(t, 52, fire=True)
    mg = fake_epp(t, 28, t0=1.0)
    osc = wd.Oscilloscope()
    osc.draw(s, pygame.Rect(20, 44, 620, 320),
             [wd.Trace(t, healthy, "ap_trace", "healthy: AP fired"), wd.Trace(t, mg, "epp_trace", "MG: EPP too small")],
             pal, threshold=-55, rest=-90, cursor_t=3.1)
    ft, force, dt_, dem = fake_force()
    wd.StripChart(window_s=40).draw(s, pygame.Rect(660, 44, 600, 320), ft, force, pal, demand_t=dt_, demand=dem,
                                    now=float(ft[-1]))
    gauges = [
        (wd.Gauge("Readily releasable pool", "%", warn=0.4, danger=0.2, low_is_bad=True), 0.31, None),
        (wd.Gauge("AChE inhibition", "%", warn=0.7, danger=0.85), 0.55, 0.6),
        (wd.Gauge("Side effects", "%", warn=0.5, danger=0.8), 0.88, None),
        (wd.Meter("Antibody level", "\u00d7 start", lo=0.0, hi=2.0, warn=1.2, danger=1.6, display_scale=1.0), 1.0, None),
    ]
    for i, (g, v, m) in enumerate(gauges):
        g.draw(s, pygame.Rect(20, 380 + i * 62, 360, 54), v, pal, marker=m)
    clock = wd.ModelClock()
    clock.draw(s, pygame.Rect(400, 380, 300, 74), 12.345, 0.01, pal)
    clock.draw(s, pygame.Rect(400, 462, 300, 74), 4 * 3600 + 5 * 60 + 6.789, 1.0, pal, paused=True)
    clock.draw(s, pygame.Rect(400, 544, 300, 74), 3 * 86400 + 2 * 3600 + 7.5, 3600.0, pal)
    log = wd.EventLog(max_lines=7)
    log.push("Impulse 12: 31 vesicles released, EPP 22 mV", 8.2)
    log.push("EPP reached threshold: the fibre fired", 8.2, "ok")
    log.push("Pool down to 40 %: release is getting weaker", 9.6, "warn")
    log.push("Pyridostigmine 60 mg taken by mouth", 600.0)
    log.push("AChE inhibition 55 %: ACh lasts longer in the cleft", 2400.0, "ok")
    log.push("Impulse 40: EPP 12 mV, below threshold: no contraction", 2401.3, "danger")
    log.push("Rest for a few seconds to refill the pool", 2401.5)
    log.draw(s, pygame.Rect(720, 380, 540, 196), pal)
    chips = [("Labels", "L", True, False, False), ("Particles", "P", True, True, False),
             ("Slow motion", "S", False, False, False), ("Replay", "R", False, False, True),
             ("Colour-blind safe", None, True, False, False)]
    x = 20
    for label, key, on, hov, foc in chips:
        c = wd.Chip(label, key)
        w, h = c.preferred_size()
        c.draw(s, pygame.Rect(x, 640, w, h), on, pal, hovered=hov, focused=foc)
        x += w + 14
    wd.Tooltip().draw(s, s.get_rect(), (735, 588), "End-plate potential (EPP)",
                      "The local depolarisation made by open ACh receptors; if it reaches threshold the fibre fires.",
                      pal)
    return s


# --- patient ---------------------------------------------------------------------------------------------

def render_patients(pal: Palette) -> pygame.Surface:
    s = pygame.Surface(SIZE)
    s.fill(pal.background)
    _title(s, f"The patient ({pal.name})", pal)
    captions = {
        "healthy": "Healthy: eyes open, arm held out",
        "ptosis": "Ptosis: drooping lids, brows raised",
        "diplopia": "Diplopia: one eye drifts",
        "crisis": "Crisis: shallow breaths, weak jaw",
    }
    w = 300
    for i, name in enumerate(pt.PRESETS):
        r = pygame.Rect(20 + i * (w + 10), 50, w, 540)
        wd.draw_panel(s, r, pal, None)
        pt.draw_preset(s, pygame.Rect(r.x + 8, r.y + 8, r.w - 16, 330), name, pal)
        used = tx.draw_wrapped(s, captions[name], pygame.Rect(r.x + 12, r.y + 348, r.w - 24, 48), 19, pal.text,
                               align="center")
        y = r.y + 356 + used
        for key, val in pt.PRESETS[name].items():
            shown = "-" if val is None else (val if isinstance(val, str) else f"{val:.2f}")
            tx.draw_text(s, key, (r.x + 24, y), 16, pal.text_dim, shadow=False)
            tx.draw_text(s, shown, (r.right - 24, y), 16, pal.text, anchor="topright", shadow=False)
            y += 20
    # breathing strip: the same patient through one breath, small
    y = 610
    tx.draw_text(s, "One breath (phase 0 to 1):", (20, y + 30), 18, pal.text_dim, anchor="midleft", shadow=False)
    for k in range(6):
        r = pygame.Rect(250 + k * 100, y, 92, 104)
        pt.draw_patient(s, r, pal, breath_phase=k / 5 * 0.5, breath_depth=1.0, limb_lift=0.0)
    tx.draw_text(s, "Arm lift 0 / 0.5 / 1:", (870, y + 30), 18, pal.text_dim, anchor="midleft", shadow=False)
    for k in range(3):
        pt.draw_patient(s, pygame.Rect(1030 + k * 82, y, 80, 104), pal, limb_lift=k / 2)
    return s


# --- legend -----------------------------------------------------------------------------------------------

def render_legend(pal: Palette) -> pygame.Surface:
    """Every particle marker, receptor state, antibody and trace dash, with its name: nothing relies on
    colour alone."""
    s = pygame.Surface(SIZE)
    s.fill(pal.background)
    _title(s, f"Shapes and line styles ({pal.name}): every kind differs by shape, not only colour", pal)
    x0, y = 40, 70
    tx.draw_text(s, "Particles: actual size, then 4x (draw_particles)", (x0, y), 20, pal.text, shadow=False)
    y += 36
    names = {"ach": "ACh", "ca": "Ca2+", "na": "Na+", "k": "K+", "choline": "choline (ACh split by AChE)"}
    for kind, label in names.items():
        surf = pygame.Surface((40, 16))
        surf.fill(pal.background)
        la.draw_particles(surf, np.array([6.0, 19, 32]), np.array([9.0, 6, 10]), kind, pal)
        s.blit(surf, (x0, y + 16))
        s.blit(pygame.transform.scale_by(surf, 4), (x0 + 60, y))
        tx.draw_text(s, label, (x0 + 240, y + 32), 20, pal.text, anchor="midleft", shadow=False)
        y += 70
    x1, y = 700, 70
    tx.draw_text(s, "ACh receptor states (3x)", (x1, y), 20, pal.text, shadow=False)
    y += 36
    big = pygame.Surface((40, 22), pygame.SRCALPHA)
    for st in la.RECEPTOR_STATES:
        big.fill((0, 0, 0, 0))
        pygame.draw.line(big, pal.sarcolemma, (0, 19), (40, 19), 1)
        la.draw_receptor(big, (20, 19), st, pal, 15)
        s.blit(pygame.transform.scale_by(big, 3), (x1, y - 14))
        desc = {"closed": "closed: solid, shut", "bound1": "one ACh bound: still shut",
                "open": "open: two ACh, pore open", "blocked": "blocked: lid and cross (antibody)",
                "desensitised": "desensitised: hollow, ACh stuck"}[st]
        tx.draw_text(s, desc, (x1 + 140, y + 26), 20, pal.text, anchor="midleft", shadow=False)
        y += 66
    la.draw_antibody(s, (x1 + 60, y + 22), False, pal, size=30)
    tx.draw_text(s, "antibody, free", (x1 + 140, y + 22), 20, pal.text, anchor="midleft", shadow=False)
    y += 62
    pygame.draw.line(s, pal.sarcolemma, (x1 + 20, y + 40), (x1 + 100, y + 40), 2)
    la.draw_receptor(s, (x1 + 60, y + 40), "blocked", pal, 24)
    la.draw_antibody(s, (x1 + 60, y + 40 - 24), True, pal, size=26)
    tx.draw_text(s, "antibody on a receptor", (x1 + 140, y + 22), 20, pal.text, anchor="midleft", shadow=False)
    # markers and dashes
    y = 470
    tx.draw_text(s, "Markers", (x0, y), 20, pal.text, shadow=False)
    x = x0
    for kind, shape in MARKERS.items():
        draw_marker(s, shape, (x + 14, y + 50), 16, pal.get(kind, pal.text) or pal.text)
        tx.draw_text(s, kind, (x + 14, y + 72), 15, pal.text_dim, anchor="midtop", shadow=False)
        x += 72
    y = 600
    tx.draw_text(s, "Trace styles", (x0, y), 20, pal.text, shadow=False)
    x = x0
    for role in ("epp_trace", "ap_trace", "threshold", "rest", "demand", "force"):
        col = pal.get(role) or pal.text_dim
        draw_dashed_line(s, col, (x, y + 46), (x + 120, y + 46), DASHES.get(role, ()), pal.line_width)
        tx.draw_text(s, role.replace("_", " "), (x + 60, y + 58), 15, pal.text_dim, anchor="midtop", shadow=False)
        x += 150
    return s


# --- composite -------------------------------------------------------------------------------------------

def render_composite(pal: Palette) -> pygame.Surface:
    """How the pieces might sit together in a play screen (the real scene is assembled elsewhere)."""
    s = pygame.Surface(SIZE)
    s.fill(pal.background)
    lens_rect = pygame.Rect(10, 10, 840, 472)
    draw_lens_scene(s, lens_rect, pal, False, ap=0.3, sarcolemma_ap=0.2, sr_level=0.2, shortening=0.1)
    pygame.draw.rect(s, pal.panel_edge, lens_rect, 1)
    wd.ModelClock().draw(s, pygame.Rect(860, 10, 410, 70), 0.0123, 0.005, pal)
    pt.draw_patient(s, pygame.Rect(860, 90, 410, 250), pal, **{**pt.PRESETS["ptosis"], "muscle_group": None})
    gy = 350
    for g, v in ((wd.Gauge("Readily releasable pool", "%", warn=0.4, danger=0.2, low_is_bad=True), 0.62),
                 (wd.Gauge("AChE inhibition", "%", warn=0.7, danger=0.85), 0.2),
                 (wd.Gauge("Side effects", "%", warn=0.5, danger=0.8), 0.1)):
        g.draw(s, pygame.Rect(860, gy, 410, 42), v, pal)
        gy += 46
    t = np.arange(0, 20, 0.01)
    wd.Oscilloscope().draw(s, pygame.Rect(10, 490, 420, 220), wd.Trace(t, fake_epp(t, 30), "epp_trace", "EPP"), pal)
    ft, force, dt_, dem = fake_force()
    wd.StripChart(window_s=30).draw(s, pygame.Rect(440, 490, 410, 220), ft, force, pal, demand_t=dt_, demand=dem)
    log = wd.EventLog(max_lines=5)
    for line in ("Nerve impulse arrived", "Ca2+ entered the terminal", "18 vesicles fused",
                 "EPP 24 mV: below threshold", "No contraction this time"):
        log.push(line)
    log.draw(s, pygame.Rect(860, 490, 410, 220), pal)
    return s


# --- benchmark -----------------------------------------------------------------------------------------------

def benchmark(frames: int = 50, n_particles: int = 50_000) -> dict[str, float]:
    """Median ms per frame: blit the cached static lens + draw_particles for 50,000 ACh at 1280x720."""
    screen = pygame.display.get_surface() or pygame.display.set_mode(SIZE)
    pal = get_palette()
    lay = la.LensLayout.from_rect(screen.get_rect())
    static = la.static_surface(lay, pal, False)
    rng = np.random.default_rng(0)
    xs = rng.uniform(0, SIZE[0], n_particles)
    ys = rng.uniform(0, SIZE[1], n_particles)
    out: dict[str, float] = {}
    for kind in ("ach", "ca"):
        times = []
        for _ in range(frames):
            xs += rng.normal(0, 1.0, n_particles)
            ys += rng.normal(0, 1.0, n_particles)
            t0 = time.perf_counter()
            screen.blit(static, (0, 0))
            la.draw_particles(screen, xs, ys, kind, pal)
            pygame.display.flip()
            times.append((time.perf_counter() - t0) * 1000)
        out[f"static+{n_particles}_{kind}_ms"] = statistics.median(times)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        la.draw_static(screen, lay, pal, False)
        times.append((time.perf_counter() - t0) * 1000)
    out["draw_static_uncached_ms"] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render the view building blocks to PNG files.")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--bench", action="store_true", help="also time static lens + 50,000 particles")
    args = ap.parse_args(argv)
    pygame.init()
    pygame.display.set_mode(SIZE)
    args.outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in PALETTE_NAMES:
        pal = get_palette(name)
        sheets = {
            f"lens_labels_{name}.png": render_lens(pal, True),
            f"lens_nolabels_{name}.png": render_lens(pal, False),
            f"lens_identify_{name}.png": render_lens_identify(pal),
            f"widgets_{name}.png": render_widgets(pal),
            f"patient_{name}.png": render_patients(pal),
            f"legend_{name}.png": render_legend(pal),
            f"composite_{name}.png": render_composite(pal),
        }
        for fname, surf in sheets.items():
            path = args.outdir / fname
            pygame.image.save(surf, str(path))
            written.append(path)
    for p in written:
        print(p)
    if args.bench:
        for k, v in benchmark().items():
            print(f"{k}: {v:.2f}")
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
