"""Frame timings of the real play scene, headless at 1280×720, with N ACh particles in flight in the lens.

Each timed frame is what the game does every frame: the model's fixed steps (a 20 Hz train keeps it busy),
the lens particle step on its slow clock, and the drawing of the whole screen (lens, magnifier, HUD).
`Lens.fill_for_benchmark(N)` keeps N particles in flight, so the lens never runs dry during the run.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time

FRAME_S = 1.0 / 60.0
WARMUP_FRAMES = 15


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def frame_bench(particles: int = 50_000, frames: int = 300, level: str | None = None, seed: int = 1) -> dict:
    """Time `frames` frames of the play scene (after a short warm-up). Returns median and 99th percentile
    frame time in ms, plus the split into model, lens and drawing."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.init()
    from game.app.context import AppContext
    from game.app.scenes.play import PlayScene
    from game.levels import LEVELS_DIR, load_level
    from game.sim.events import ImpulseEvent
    from game.store import Store
    from game.app.lens_player import Junction, Replay

    lv = load_level(level or (LEVELS_DIR / "lab.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        ctx = AppContext.create(headless=True, store=store, audio=False, seed=seed)
        ctx.window.resize((1280, 720))
        scene = PlayScene(ctx, lv, seed)
        scene.callouts.clear()
        scene.resize((1280, 720))
        surface = ctx.window.surface
        player = scene.player
        player.lens.fill_for_benchmark(int(particles))
        ev = ImpulseEvent(t_s=0.0, pulse=1, quantal_content=160.0, epp_mV=30.0, fibers_fired_fraction=1.0, cmap_mV=8.0,
                          force=0.2, focus_quanta=160, focus_epp_mV=30.0, focus_needed_mV=15.0, focus_fired=False,
                          focus_epc_tau_ms=1.0, focus_open_channels_peak=2.4e5, focus_sustained_mV=0.0,
                          focus_na_available=1.0, failed_stage=None)
        player.current = Replay(ev, Junction())
        player.last = player.current
        scene.do("train", True)                    # the model fires at 20 Hz all along
        total, model, lens, draw = [], [], [], []
        try:
            for i in range(WARMUP_FRAMES + int(frames)):
                t0 = time.perf_counter()
                n = scene.clock.advance(FRAME_S)
                for _ in range(n):
                    events = scene.run.advance(scene.pace * scene.clock.step_s)
                    scene.on_events(events)
                    r = scene.run.readout()
                    scene.hud.record(r.t_s, r.force, r.demand)
                t1 = time.perf_counter()
                player.update(FRAME_S, scene.clock.speed, False)
                t2 = time.perf_counter()
                scene.draw(surface)
                t3 = time.perf_counter()
                if i >= WARMUP_FRAMES:
                    total.append((t3 - t0) * 1000.0)
                    model.append((t1 - t0) * 1000.0)
                    lens.append((t2 - t1) * 1000.0)
                    draw.append((t3 - t2) * 1000.0)
            in_flight = int(player.lens.ach_count)
        finally:
            scene.close()
            ctx.close()
    med = statistics.median(total)
    return {"particles": int(particles), "frames": int(frames), "frame_ms_median": med,
            "frame_ms_p99": _percentile(total, 0.99), "frame_ms_mean": statistics.fmean(total),
            "fps_median": 1000.0 / med if med > 0 else float("inf"),
            "model_ms_median": statistics.median(model), "lens_ms_median": statistics.median(lens),
            "draw_ms_median": statistics.median(draw), "particles_in_flight_at_end": in_flight,
            "size": [1280, 720]}


if __name__ == "__main__":
    import json
    import sys

    for n in (int(a) for a in sys.argv[1:] or ["10000", "50000", "100000"]):
        print(json.dumps(frame_bench(n, 200)))
