"""The model as software: headless, deterministic, independent of the step size, robust to its inputs."""
from __future__ import annotations

import math
import pathlib
import subprocess
import sys

import esper
import numpy as np
import pytest

from imports import imported_modules

from game.sim import experiments as ex
from game.sim import intents as it
from game.sim.components import Nerve, VesiclePools
from game.sim.events import DrugEvent, ImpulseEvent, RefusedEvent, TreatmentEvent
from game.sim.params import DEFAULT, with_changes
from game.sim.spec import WorldSpec
from game.sim.world import Sim, SpecError

SIM_DIR = pathlib.Path(__file__).resolve().parents[1] / "game" / "sim"


def test_sim_never_imports_pygame_time_or_random():
    banned = {"pygame", "time", "random", "game.view", "game.app", "game.ui"}
    for path in SIM_DIR.rglob("*.py"):
        for n in imported_modules(path):
            assert not any(n == b or n.startswith(b + ".") for b in banned), f"{path.name} imports {n}"


def test_sim_runs_with_pygame_blocked():
    code = ("import sys; sys.modules['pygame'] = None\n"
            "from game.sim.world import Sim\nfrom game.sim import intents as it\n"
            "s = Sim(); s.submit(it.FireImpulse()); s.step(0.1); print(len(s.drain_events()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=SIM_DIR.parents[1], check=True)
    assert int(out.stdout.strip()) >= 1


def run_train(seed: int, dt_s: float, condition: str = "mg-moderate") -> list[dict]:
    with Sim(WorldSpec(condition=condition), seed, history=True) as sim:
        sim.submit(it.StartTrain(3.0, 10))
        sim.run(4.0, dt_s)
        return [{k: v for k, v in r.items() if k != "safety_factor"} for r in sim.history()]


def test_same_seed_same_result():
    assert run_train(7, 1 / 64) == run_train(7, 1 / 64)
    assert run_train(7, 1 / 64) != run_train(8, 1 / 64)


def test_results_do_not_depend_on_the_step_size():
    # the same protocol at two step sizes: impulses at the same exact times, statistics equal
    fine = run_train(3, 0.002)
    coarse = run_train(3, 0.25)
    assert [r["t_s"] for r in fine] == pytest.approx([r["t_s"] for r in coarse], abs=1e-9)
    qc_f = np.array([r["quantal_content"] for r in fine])
    qc_c = np.array([r["quantal_content"] for r in coarse])
    assert np.allclose(qc_f, qc_c, rtol=0.01)
    d_f = ex.decrement_percent([r["cmap"] for r in fine])
    d_c = ex.decrement_percent([r["cmap"] for r in coarse])
    assert abs(d_f - d_c) < 2.0


def test_train_frequency_is_exact_whatever_the_frame_rate():
    for dt in (1 / 60, 1 / 144, 0.1):
        with Sim(WorldSpec(), 1, history=True) as sim:
            sim.submit(it.StartTrain(3.0))
            sim.run(3.01, dt)
            times = [r["t_s"] for r in sim.history()]
        assert np.diff(times) == pytest.approx([1 / 3] * (len(times) - 1))
        assert len(times) == 10


def test_single_impulse_gives_an_impulse_event_with_focus_data():
    with Sim(WorldSpec(), 1) as sim:
        sim.submit(it.FireImpulse())
        sim.step(0.05)
        evs = [e for e in sim.drain_events() if isinstance(e, ImpulseEvent)]
    assert len(evs) == 1
    e = evs[0]
    assert e.focus_fired and e.failed_stage is None
    assert e.focus_epp_mV > e.focus_needed_mV
    assert 0.3 < e.focus_epc_tau_ms < 2.0


def test_failed_stage_names_where_the_chain_broke():
    with Sim(WorldSpec(condition="mg-severe"), 2) as sim:
        sim.submit(it.StartTrain(20.0, 20))
        sim.run(1.5, 0.05)
        stages = {e.failed_stage for e in sim.drain_events() if isinstance(e, ImpulseEvent)}
    assert stages & {"receptors", "threshold"}
    with Sim(WorldSpec(ca_mM=0.1), 2) as sim:
        sim.submit(it.FireImpulse())
        sim.step(0.1)
        assert [e.failed_stage for e in sim.drain_events() if isinstance(e, ImpulseEvent)] == ["release"]


def test_bad_intents_are_refused_with_a_reason_and_change_nothing():
    with Sim(WorldSpec(), 1) as sim:
        sim.submit(it.GiveDrug("aspirin", 100), it.GiveDrug("pyridostigmine", 10_000), it.StartTrain(-3),
                   it.SetBath(ca_mM=-1), it.StartTreatment("surgery"), it.SetAChEBlock(2.0))
        sim.step(0.1)
        evs = sim.drain_events()
        refused = [e.reason for e in evs if isinstance(e, RefusedEvent)]
        assert len(refused) == 6
        assert any("pyridostigmine" in r and "mg" in r for r in refused)
        r = sim.readout()
        assert r.ache_inhibition == 0.0 and not r.train_active and r.ca_mM == 2.0


def test_drugs_and_treatments_are_events():
    with Sim(WorldSpec(condition="mg-moderate"), 1) as sim:
        sim.submit(it.GiveDrug("pyridostigmine", 60), it.StartTreatment("plex"), it.StartTreatment("ventilation"))
        sim.step(0.1)
        evs = sim.drain_events()
        assert any(isinstance(e, DrugEvent) for e in evs)
        assert sum(isinstance(e, TreatmentEvent) for e in evs) == 2
        assert sim.readout().ventilated


def test_bad_spec_names_the_field():
    for spec, field in [(WorldSpec(condition="flu"), "condition"), (WorldSpec(n_fibers=0), "n_fibers"),
                        (WorldSpec(achr_fraction=0.0), "achr_fraction"), (WorldSpec(ca_mM=float("nan")), "ca_mM"),
                        (WorldSpec(muscle_group="toe"), "muscle_group")]:
        with pytest.raises(SpecError, match=field):
            Sim(spec)


def test_clone_is_independent_and_identical():
    with Sim(WorldSpec(condition="mg-moderate"), 4, history=True) as sim:
        sim.submit(it.StartTrain(10.0, 5))
        sim.run(1.0, 0.05)
        twin = sim.clone()
        try:
            for s in (sim, twin):
                s.submit(it.StartTrain(10.0, 5))
                s.run(1.0, 0.05)
            assert sim.history()[-5:] and [r["cmap"] for r in sim.history()[-5:]] == [r["cmap"] for r in twin.history()]
            twin.submit(it.StartTrain(50.0, 50))
            twin.run(2.0, 0.05)
            assert sim.get(VesiclePools).rrp.sum() != twin.get(VesiclePools).rrp.sum()
        finally:
            twin.close()


def test_closed_sims_leave_no_world():
    before = set(esper.list_worlds())
    sims = [Sim(WorldSpec(), s) for s in range(3)]
    for s in sims:
        s.close()
    assert set(esper.list_worlds()) == before


def test_event_queue_is_bounded_when_nobody_drains_it():
    with Sim(WorldSpec(), 1) as sim:
        sim.submit(it.StartTrain(100.0))
        sim.run(80.0, 0.05)
        with sim._active():
            from game.sim.components import Inbox
            from game.sim.systems._access import single
            assert len(single(Inbox).events) <= 5000


@pytest.mark.parametrize("seed", range(6))
def test_nudged_parameters_give_finite_results(seed):
    rng = np.random.default_rng(seed)
    nudge = lambda v: v * float(rng.uniform(0.8, 1.2))  # noqa: E731
    p = DEFAULT
    params = with_changes(p, presynaptic={"p_max": nudge(p.presynaptic.p_max), "refill_tau_s": nudge(p.presynaptic.refill_tau_s),
                                          "rrp_sites_mean": nudge(p.presynaptic.rrp_sites_mean)},
                          membrane={"threshold_gap_mean_mV": nudge(p.membrane.threshold_gap_mean_mV),
                                    "mepp_healthy_mV": nudge(p.membrane.mepp_healthy_mV)},
                          immune={"achr_half_life_days": nudge(p.immune.achr_half_life_days)})
    with Sim(WorldSpec(condition="mg-moderate"), seed, params=params, history=True) as sim:
        sim.submit(it.GiveDrug("pyridostigmine", 60, minutes_ago=60), it.StartTrain(20.0, 40))
        sim.run(3.0, 0.05)
        r = sim.readout()
        rows = sim.history()
    values = [r.force, r.rrp_fraction, r.ache_inhibition, r.achr_fraction] + [x["epp_mV"] for x in rows]
    assert all(math.isfinite(v) for v in values)
    assert len(rows) == 40


def test_readout_is_the_same_whenever_it_is_asked():
    # lazily advanced state: reading between impulses must not change what happens next
    def run(read: bool) -> list[float]:
        with Sim(WorldSpec(condition="mg-moderate"), 9, history=True) as sim:
            sim.submit(it.StartTrain(5.0, 15))
            for _ in range(40):
                sim.step(0.1)
                if read:
                    sim.readout()
            return [r["cmap"] for r in sim.history()]
    assert run(True) == run(False)


def test_nerve_component_counts_pulses():
    with Sim(WorldSpec(), 1) as sim:
        sim.submit(it.StartTrain(20.0, 7))
        sim.run(1.0, 0.05)
        assert sim.get(Nerve).pulses == 7


def test_force_the_patient_shows_does_not_depend_on_the_step_size():
    def force_at(dt_s: float) -> list[float]:
        with Sim(WorldSpec(condition="mg-moderate"), 2) as sim:
            sim.submit(it.StartTrain(20.0))
            out = []
            for t in (0.5, 1.0, 2.0, 5.0):
                sim.run(t - sim.t_s, dt_s)
                out.append(sim.readout().force)
            return out
    fine = force_at(1 / 60)
    assert force_at(0.25) == pytest.approx(fine, rel=1e-6)
    assert force_at(0.05) == pytest.approx(fine, rel=1e-6)


def test_a_protocol_pauses_the_cycle_collector_and_restores_it(monkeypatch):
    """The protocols' @paused(): off while a protocol runs, back as it was after, even when the protocol raises."""
    import gc

    from game.sim import experiments as ex

    seen = []
    train = ex._train
    monkeypatch.setattr(ex, "_train", lambda *a: seen.append(gc.isenabled()) or train(*a))
    setup = ex.Setup(spec=WorldSpec(n_fibers=10), seed=1)
    assert gc.isenabled()
    ex.rns(setup, 20.0, 5)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        ex.dose(setup, "no-such-drug", 1.0, 0.5)
    assert gc.isenabled()
    gc.disable()
    try:
        ex.rns(setup, 20.0, 5)
        assert not gc.isenabled()                   # a collector that was off stays off
    finally:
        gc.enable()
    assert ex.rns.__name__ == "rns" and "Repetitive nerve stimulation" in ex.rns.__doc__


def test_the_experiment_command_imports_runs_and_prints_with_the_collector_paused(monkeypatch):
    import gc
    import io

    from game import cli

    seen = []
    real = cli._run_experiment
    monkeypatch.setattr(cli, "_run_experiment", lambda *a: seen.append(gc.isenabled()) or real(*a))
    out = io.StringIO()
    assert cli.run_experiment(cli.build_parser("experiment").parse_args(["experiment", "epp", "--fibers", "20"]), out) == 0
    assert seen == [False] and gc.isenabled() and "epp (healthy, seed 1)" in out.getvalue()
    code = cli.main(["experiment", "dose", "--drug", "edrophonium", "--dose-mg", "50"])     # an error inside
    assert code == 2 and gc.isenabled()


def test_the_paused_collector_leaves_nothing_frozen_and_still_frees_cycles_made_meanwhile():
    import gc
    import weakref

    from game.sim.collector import paused

    class Node:
        pass

    before = gc.get_freeze_count()
    with paused():
        a, b = Node(), Node()
        a.other, b.other = b, a                     # a cycle made while paused, then dropped
        ref = weakref.ref(a)
        del a, b
        kept = [[i] for i in range(5000)]         # many containers that outlive the stretch
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == before
    assert gc.get_count()[0] < 700 and len(kept) == 5000   # they are old now: no collection of them is pending
    assert ref() is not None                        # nothing collected it yet...
    gc.collect()
    assert ref() is None                            # ...but a collection still can


def test_the_paused_collector_leaves_what_others_froze_frozen():
    import gc

    from game.sim.collector import paused

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused():
            kept = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen and len(kept) == 1000 and gc.isenabled()
    finally:
        gc.unfreeze()
