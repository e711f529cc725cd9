"""The per-impulse stages' fast paths give the same numbers as the plain ones they stand for.

The stages run a train's impulses block by block and, where the state carries from impulse to impulse, in tight
loops over local values; these tests hold each shortcut to the straightforward arithmetic it replaces."""
from __future__ import annotations

import functools
import math
import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.sim import experiments as ex
from game.sim import intents as it
from game.sim.components import CalciumEntry, ImpulseBlock, ImpulseRecord, Nerve
from game.sim.memo import Memo
from game.sim.params import DEFAULT
from game.sim.spec import WorldSpec
from game.sim.systems import calcium
from game.sim.world import Sim


def test_round_us_is_round_to_six_places():
    rnd = random.Random(5)
    values = [0.0, -0.0, -1e-9, 5e-324, 0.5e-6, 1.5e-6, 2.5e-6, 1e-7, 0.05, 1 / 3, 999999.9999995, 1e6, 1e13,
              -3.3, math.inf, -math.inf]
    values += [i * 0.05 for i in range(2000)] + [i / 3.0 for i in range(2000)]
    values += [(i + 0.5) * 1e-6 for i in range(2000)] + [i * 1e-6 + 5e-7 * (1 + 1e-12) for i in range(2000)]
    values += [rnd.random() * 10.0 ** rnd.randint(-9, 7) for _ in range(20000)]
    for x, got in zip(values, ex.round_us(values), strict=True):
        want = round(x, 6)
        assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want), x
    assert math.isnan(ex.round_us([math.nan])[0]) and ex.round_us([]) == []


def test_fill_records_gives_each_record_its_rows():
    records = [ImpulseRecord(0.1 * i, i + 1) for i in range(4)]
    b = ImpulseBlock(records, epp_mV=np.arange(12.0).reshape(4, 3), fired=np.eye(4, 3, dtype=bool),
                     needed_mV=np.full(3, 5.0))
    own = np.full(3, 7.0)
    records[2].needed_mV = own            # an impulse on a sustained depolarisation has its own threshold
    b.fill_records(1)
    assert records[0].epp_mV is None and records[0].needed_mV is None
    assert records[3].epp_mV.tolist() == [9.0, 10.0, 11.0] and np.shares_memory(records[3].epp_mV, b.epp_mV)
    assert records[1].fired.tolist() == [False, True, False]
    assert records[1].needed_mV is b.needed_mV and records[2].needed_mV is own
    assert records[1].achr is None        # the block has no receptor rows
    b.fill_records()
    assert records[0].epp_mV.tolist() == [0.0, 1.0, 2.0]


def _reference_calcium(ca: CalciumEntry, pre, base: float, records: list) -> None:
    """The calcium stage impulse by impulse with its plain functions (decay_to, _count_impulse)."""
    for r in records:
        calcium.decay_to(ca, pre, r.t_s)
        boost = 1.0 + ca.facilitation
        if ca.augmentation:
            a2 = ca.augmentation * ca.augmentation
            boost += pre.augmentation_max * a2 / (a2 + pre.augmentation_half_impulses ** 2)
        r.p_release = min(calcium.P_CAP, base * boost)
        calcium._count_impulse(ca, pre, r)


@pytest.mark.parametrize("times", [
    [0.05 * i for i in range(300)],                       # a 20 Hz train
    [0.0, 0.0, 0.01, 0.01, 0.5, 0.5, 0.5, 3.0, 30.0],     # impulses at the same time (no decay between them)
    [1.0 + 0.013 * i * i for i in range(60)],             # every interval different
])
def test_calcium_train_loop_equals_the_plain_functions(times):
    pre = DEFAULT.presynaptic
    start = CalciumEntry(t_s=0.0, facilitation=0.1, augmentation=2.0, ca_load=0.5, last_impulse_s=-5.0)
    start.potentiation = calcium.potentiation(pre, start.ca_load)
    fast, slow = replace(start), replace(start)
    fast_records = [ImpulseRecord(t, i + 1) for i, t in enumerate(times)]
    slow_records = [ImpulseRecord(t, i + 1) for i, t in enumerate(times)]
    cache = Memo(functools.partial(calcium.decay_factors, pre), calcium.MAX_CACHED_INTERVALS)
    calcium.CalciumSystem.impulses(fast, pre, 0.2, fast_records, cache)
    _reference_calcium(slow, pre, 0.2, slow_records)
    assert fast == slow
    assert [(r.p_release, r.release_gain) for r in fast_records] == [(r.p_release, r.release_gain) for r in slow_records]


def _train_rows(impulse_events: bool, detail: bool, condition: str = "mg-moderate", ache: float = 0.0) -> list[dict]:
    with Sim(WorldSpec(condition=condition, n_fibers=60, ache_inhibition=ache), 4, history=True,
             impulse_events=impulse_events) as sim:
        sim.history_detail(detail)
        sim.submit(it.StartTrain(30.0, 120))
        sim.run(5.0, 1.7)
        return sim.history()


@pytest.mark.parametrize("condition, ache", [("mg-moderate", 0.0), ("healthy", 0.95)])
def test_history_rows_do_not_depend_on_what_else_is_reported(condition, ache):
    plain = _train_rows(False, False, condition, ache)
    with_events = [{k: row[k] for k in plain[0]} for row in _train_rows(True, True, condition, ache)]
    assert len(plain) == 120 and plain == with_events


def test_the_last_impulse_is_readable_fibre_by_fibre():
    with Sim(WorldSpec(n_fibers=50), 2, impulse_events=False) as sim:
        sim.submit(it.StartTrain(20.0, 7))
        sim.run(1.0, 1.0)
        last = sim.get(Nerve).last
        assert last.pulse == 7 and last.fired is not None and last.epp_mV is not None
        assert sim.readout().last_fibers_fired_fraction == pytest.approx(float(last.fired.mean()))


def test_rns_responses_number_pulses_and_time_them_from_the_first():
    out = ex.rns(ex.Setup(spec=WorldSpec(n_fibers=50), seed=3), 3.0, 5)
    assert [r["pulse"] for r in out["responses"]] == [1, 2, 3, 4, 5]
    assert [r["t_s"] for r in out["responses"]] == [0.0, 0.333333, 0.666667, 1.0, 1.333333]
    assert list(out["responses"][0]) == ["pulse", "t_s", "quantal_content", "epp_mV", "fibers_fired_fraction",
                                         "cmap", "force", "repetitive_fraction"]


def test_interp_rows_is_np_interp():
    from game.sim.kinetics import quantal_table
    from game.sim.systems.receptors import interp_rows, interp_slopes
    table = quantal_table(DEFAULT.quantum, DEFAULT.membrane)
    xs = table.achr
    columns = tuple(table.column(0.7)[:2])
    slopes = tuple(interp_slopes(xs, ys) for ys in columns)
    rng = np.random.default_rng(3)
    drift = np.cumsum(rng.normal(0.0, 0.002, (64, 300)), axis=0)    # fibres drifting slowly: most stay in one interval
    blocks = [rng.uniform(0.6, 1.3, (1, 300)) + drift,
              rng.uniform(-0.2, 1.9, (20, 50)),                      # across the grid and outside it
              np.tile(xs, (3, 1)),                                   # exactly on the grid points
              np.full((5, 7), xs[-1]), np.full((5, 7), 0.5 * (xs[3] + xs[4]))]
    with_nan = blocks[0].copy()
    with_nan[3, 5] = np.nan
    blocks.append(with_nan)
    for x in blocks:
        got = interp_rows(x, xs, columns, slopes)
        for y, ys in zip(got, columns):
            want = np.interp(x, xs, ys)
            assert np.array_equal(y, want, equal_nan=True)


def test_receptor_scratch_rows_are_views_of_the_scratch_even_in_a_copy():
    import copy
    from game.sim.systems.receptors import ReceptorSystem
    system = ReceptorSystem()
    buf = system.scratch((3, 4))
    assert system.scratch((3, 4)) is buf and system.scratch((2, 4)) is not buf
    twin = copy.deepcopy(system)
    own = twin.scratch((2, 4))             # the same shape as the original's last one
    own[1] = 7.0
    assert twin._scratch_rows[1].tolist() == [7.0] * 4


@settings(max_examples=400, deadline=None)
@given(p=st.floats(0.01, 0.499), z_max=st.floats(0.0, 6.0), extra=st.floats(0.0, 400.0), frac=st.floats(0.0, 1.0))
def test_release_skips_the_upper_clip_only_where_no_draw_can_exceed_its_sites(p, z_max, extra, frac):
    """ReleaseSystem._same_p applies only the floor at 0 when upper_bound_can_bind is False: then for
    every fibre on the normal path (u ≥ M/p primed sites) and every deviate z ≤ z_max, rint(u·p + sqrt(u·p·q)·z) ≤ u,
    computed with the arithmetic the system uses (so the clip it skips could not have changed anything)."""
    from game.sim.systems.release import NORMAL_APPROX_MIN_QUANTA as M
    from game.sim.systems.release import upper_bound_can_bind

    q = 1.0 - p
    if upper_bound_can_bind(p, z_max):
        return
    u = np.array([M / p, M / p + extra, M / p * (1.0 + frac), M / p + 1e-9])
    mean = u * p
    z = np.array([z_max, z_max * frac, z_max, z_max])
    k = np.rint(mean + np.sqrt(mean * q) * z)
    assert (k <= u).all()


def test_memo_makes_each_value_once_and_stays_bounded():
    made = []
    memo = Memo(lambda k: made.append(k) or k * 2, 3)
    assert [memo[1], memo[1], memo[2]] == [2, 2, 4] and made == [1, 2]
    memo[3], memo[4]
    assert len(memo) <= 3 and memo[4] == 8


def _recovery_loop(es: list, available: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReceptorSystem's per-impulse loop, written out: recover by e_i (none when e_i is 1), then keep a share."""
    rows = np.empty_like(keep)
    a = available.copy()
    for i, e in enumerate(es):
        rows[i] = a if e == 1.0 else 1.0 - (1.0 - a) * e
        a = rows[i] * keep[i]
    return rows, a


@pytest.mark.parametrize("impulses, fibres", [(8, 5), (9, 3), (100, 200), (101, 200), (300, 400), (129, 1), (64, 7)])
def test_receptor_recovery_scan_is_the_loop(impulses, fibres):
    """recovery_scan (a block's recovery as a scan of affine maps, in chunks) gives the loop's rows and final
    state to within 1e-12 relative, with recovery or none at the first impulse, strong or no desensitisation, and
    factors from nearly 1 (fast trains) to nearly 0 (long pauses)."""
    from game.sim.systems.receptors import ReceptorSystem
    rng = np.random.default_rng(impulses * 1000 + fibres)
    for first in (1.0, 0.4):
        keep = 1.0 - rng.uniform(0.0, 0.5, (impulses, fibres))
        keep[impulses // 2] = 1.0                                   # an impulse that desensitises nothing
        es = [first, *np.exp(-rng.uniform(0.0, 12.0, impulses - 1)).tolist()]
        es[-1] = 1.0 if impulses > 2 else es[-1]                    # two impulses at the same time
        available = rng.uniform(0.05, 1.0, fibres)
        want_rows, want_after = _recovery_loop(es, available, keep)
        system, rows, after = ReceptorSystem(), np.full_like(keep, np.nan), available.copy()
        system.recovery_scan(es, after, keep, rows)
        np.testing.assert_allclose(rows, want_rows, rtol=1e-12, atol=0.0)
        np.testing.assert_allclose(after, want_after, rtol=1e-12, atol=0.0)
        if first == 1.0:
            assert np.array_equal(rows[0], available)               # no recovery: a copy, as the loop


def test_receptor_block_paths_agree():
    """A train run with the scan and with the loop (the scan switched off) gives the same responses to 1e-12."""
    from game.sim.systems import receptors
    setup = ex.Setup(spec=WorldSpec(condition="mg-moderate", n_fibers=120, ache_inhibition=0.6), seed=4)
    scan = ex.rns(setup, 20.0, 300)["responses"]
    try:
        receptors.SCAN_MIN_IMPULSES, saved = 10**9, receptors.SCAN_MIN_IMPULSES
        loop = ex.rns(setup, 20.0, 300)["responses"]
    finally:
        receptors.SCAN_MIN_IMPULSES = saved
    assert [r["fibers_fired_fraction"] for r in scan] == [r["fibers_fired_fraction"] for r in loop]
    for key in ("epp_mV", "cmap", "force"):
        np.testing.assert_allclose([r[key] for r in scan], [r[key] for r in loop], rtol=1e-12)


@pytest.mark.parametrize("dt_ms", [0.05, 1.0, 50.0, 333.3, 5000.0])
@pytest.mark.parametrize("taus", [(20.0, 40.0, 250.0), (60.0, 40.0, 100.0), (20.0, 80.0, 250.0)])
def test_chain_step_is_the_exact_solution(dt_ms, taus):
    """ChainStep (the force chain's step as a matrix, built once per interval) gives advance_smoothed's and
    advance_contractile's values (the chain's exact solution, input by input) to rounding. (Distinct time
    constants: where the Ca2+ and force constants are equal both forms lose digits to cancellation alike.)"""
    from game.sim.laws import ChainStep, advance_contractile, advance_smoothed
    tau_ca, tau_force, tau_smooth = taus
    step = ChainStep(dt_ms, tau_ca, tau_force, tau_smooth)
    for s0, force0, ca0 in [(0.3, 0.5, 0.0), (0.1, 0.2, 1.3), (0.0, 0.0, 2.0), (0.7, 0.0, 0.4)]:
        s, ca, force = step.advance(s0, force0, ca0)
        ca_want, force_want = advance_contractile(np.array(ca0), np.array(force0), dt_ms, tau_ca, tau_force)
        scale = s0 + force0 + ca0       # a tiny step's Ca2+ part is a difference of near-equal relays: held to the inputs' scale
        assert s == pytest.approx(advance_smoothed(s0, force0, ca0, dt_ms, tau_ca, tau_force, tau_smooth), rel=1e-13,
                                  abs=1e-15 * scale)
        assert ca == pytest.approx(float(ca_want), rel=1e-15, abs=1e-300)
        assert force == pytest.approx(float(force_want), rel=1e-15, abs=1e-300)
