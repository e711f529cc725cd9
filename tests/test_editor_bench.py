"""Benchmark of the editor's preview run (pytest-benchmark; run once as a plain test by default).

Time it with `uv run pytest tests/test_editor_bench.py --benchmark-enable`. Target (issue 10): the preview of a
campaign-sized level is ready at most about a second after the last edit.
"""
from __future__ import annotations

import pytest

from game.editor.runs import run_preview
from game.levels import LEVELS_DIR, load_level


@pytest.mark.parametrize("name", ["04-ptosis.toml", "07-generalised-day.toml", "10-long-game.toml"])
def test_bench_preview(benchmark, name):
    level = load_level(LEVELS_DIR / name)
    p = benchmark(run_preview, level)
    assert p.t_s and p.t_s[-1] == pytest.approx(level.duration_model_s, rel=0.01)
