"""The game loop's clocks: fixed-step accounting, clamping, pause, single step, speed; the lens clock."""
import math
import random

import pytest

from game.app.loop import MAX_FRAME_S, SPEEDS, STEP_S, FixedStep, clamp_frame, next_speed


def play_for(clock: FixedStep, frames: list[float]) -> float:
    """Feed frame times; return the play time handed out as whole steps."""
    steps = sum(clock.advance(f) for f in frames)
    return steps * clock.step_s


def test_same_play_time_whatever_the_frame_times():
    """Ten seconds of wall time at steady 60 fps, at jittery rates and at 30 fps give the same number of
    fixed steps (up to the one step still in the accumulator)."""
    rng = random.Random(4)
    steady = [1 / 60] * 600
    jitter = []
    while sum(jitter) < 10.0 - 0.05:
        jitter.append(rng.uniform(0.002, 0.05))
    jitter.append(10.0 - sum(jitter))
    slow = [1 / 30] * 300
    results = []
    for frames in (steady, jitter, slow):
        c = FixedStep()
        t = play_for(c, frames)
        assert t + c.acc_s == pytest.approx(10.0, abs=1e-9)
        assert c.acc_s < c.step_s
        results.append(c.steps)
    assert max(results) - min(results) <= 1
    assert results[0] == int(10.0 / STEP_S + 1e-6) or abs(results[0] - 10.0 / STEP_S) <= 1


def test_frame_time_is_clamped():
    c = FixedStep()
    n = c.advance(5.0)                       # a 5 s stall counts as MAX_FRAME_S
    assert n == int(MAX_FRAME_S / STEP_S)
    assert clamp_frame(-1.0) == 0.0 and clamp_frame(float("nan")) == 0.0
    assert clamp_frame(0.01) == 0.01


def test_steps_per_frame_are_capped_and_the_rest_dropped():
    c = FixedStep(max_steps=4, speed=10.0)
    n = c.advance(0.25)                      # 2.5 s of play wanted in one frame
    assert n == 4
    assert c.acc_s < c.step_s                # no spiral: whole steps beyond the cap are dropped
    assert c.dropped_s > 2.0


def test_pause_stops_time_and_step_runs_exactly_one():
    c = FixedStep()
    c.toggle_pause()
    assert sum(c.advance(1 / 60) for _ in range(120)) == 0
    c.request_step()
    assert c.advance(1 / 60) == 1
    assert c.advance(1 / 60) == 0
    c.toggle_pause()
    assert c.advance(0.1) >= 6


@pytest.mark.parametrize("speed", [0.1, 0.5, 1.0, 2.0, 10.0])
def test_speed_scales_play_time(speed):
    c = FixedStep(speed=speed, max_steps=1000)
    t = play_for(c, [1 / 60] * 600)
    assert t + c.acc_s == pytest.approx(10.0 * speed, rel=1e-9)


def test_speed_steps_and_limits():
    assert next_speed(1.0, +1) == 2.0 and next_speed(1.0, -1) == 0.5
    assert next_speed(SPEEDS[-1], +1) == SPEEDS[-1] and next_speed(SPEEDS[0], -1) == SPEEDS[0]
    c = FixedStep()
    for _ in range(20):
        c.faster()
    assert c.speed == SPEEDS[-1]
    with pytest.raises(ValueError):
        c.set_speed(0.0)


def test_alpha_is_the_leftover_fraction():
    c = FixedStep()
    c.advance(STEP_S * 2.5)
    assert c.alpha == pytest.approx(0.5)


def test_lens_clock_follows_pause_speed_and_budget():
    from game.app.lens_player import LensClock

    lc = LensClock()
    assert lc.advance(1 / 60, 0.5, paused=True, cap_ms=1.0) == 0.0
    assert lc.advance(1 / 60, 0.5, paused=False, cap_ms=1.0) == pytest.approx(0.5 / 60)
    assert lc.advance(1 / 60, 0.5 * 10, paused=False, cap_ms=0.0025) == pytest.approx(0.0025)   # budget caps
    lc.request_step()
    assert lc.advance(1 / 60, 0.5, paused=True, cap_ms=0.0025) > 0.0                       # step while paused
    assert math.isfinite(lc.last_rate)


def test_scene_modules_do_not_import_each_other():
    """Scenes change by name through game.app.router; no scene module imports another scene module."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "game" / "app" / "scenes"
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("game.app.scenes"):
                raise AssertionError(f"{path.name} imports {node.module}: use game.app.router.make instead")


def test_router_knows_every_scene():
    from game.app.router import SCENES, scene_class
    from game.app.scene import Scene

    for name in SCENES:
        assert issubclass(scene_class(name), Scene), name
