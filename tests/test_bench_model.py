"""Benchmarks of model throughput (pytest-benchmark; run once as plain tests by default).

Time them with `uv run pytest tests/test_bench_model.py --benchmark-enable`. Targets (issue 2): a 200-fibre
muscle driven at 20 Hz runs at least 1000× real time, and the cost grows at most linearly with fibres.
"""
from __future__ import annotations

import pytest

from game.sim import intents as it
from game.sim.spec import WorldSpec
from game.sim.world import Sim

MODEL_SECONDS = 10.0


def drive(sim: Sim) -> None:
    sim.run(MODEL_SECONDS, 0.25)


@pytest.mark.parametrize("fibers", [100, 200, 400, 800])
def test_bench_model_seconds_at_20hz(benchmark, fibers):
    sim = Sim(WorldSpec(condition="mg-moderate", n_fibers=fibers), 1, impulse_events=False)
    sim.submit(it.StartTrain(20.0))
    try:
        benchmark(drive, sim)
        assert sim.t_s >= MODEL_SECONDS
    finally:
        sim.close()
