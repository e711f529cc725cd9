"""Benchmarks of the lens particle step (pytest-benchmark; off by default: addopts has --benchmark-disable, so
these run once as plain tests). Measure with:

    uv run pytest tests/test_lens_bench.py --benchmark-enable

Target: one 0.01 ms frame of model time (three internal steps) with 50,000 ACh particles in flight in ≲ 4 ms
on a 2-core machine, and cost growing linearly with the particle count (compare the 10k and 50k medians).
Speed is measured here, never asserted as wall-clock time.
"""
from __future__ import annotations

import pytest

from game.sim.lens import Lens

FRAME_MS = 0.01


@pytest.mark.parametrize("n_particles", [10_000, 50_000], ids=["10k", "50k"])
def test_lens_step_frame(benchmark, n_particles):
    lens = Lens(seed=1)
    lens.fill_for_benchmark(n_particles)
    lens.step(FRAME_MS)                      # warm up (allocations, caches)
    benchmark(lens.step, FRAME_MS)
    assert lens.ach_count == n_particles     # the benchmark fill keeps the count in flight
    assert lens.phase in ("diffusion", "clearing")


def test_lens_replay_healthy_impulse(benchmark):
    """A whole healthy 160-quantum impulse replayed to the end at 0.05 ms per call."""
    def replay() -> Lens:
        lens = Lens(seed=2)
        lens.start_impulse(160, 1.0, 1.0)
        while lens.phase != "done":
            lens.step(0.05)
        return lens

    lens = benchmark.pedantic(replay, rounds=3, iterations=1)
    assert lens.stats["released_quanta"] == 160
