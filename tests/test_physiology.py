"""The model against the checks of shared/design/physiology.md ("Checks the model should pass").

Each test names the check it encodes and the number it holds the model to. Fixed seeds; statistics over
fibres, impulses and a few seeds with stated tolerances, never a single random draw.
"""
from __future__ import annotations

import numpy as np
import pytest

from game.sim import experiments as ex
from game.sim import intents as it
from game.sim.events import CrisisEvent
from game.sim.experiments import Setup, decrement_percent
from game.sim.spec import WorldSpec
from game.sim.world import Sim

SEEDS = (1, 2, 3)


def setup(seed: int = 1, **spec) -> Setup:
    return Setup(spec=WorldSpec(**spec), seed=seed)


def mean_rns(seeds=SEEDS, frequency_hz: float = 3.0, pulses: int = 10, **spec) -> tuple[float, np.ndarray, list[dict]]:
    """Decrement (%) and CMAP per pulse relative to the first, averaged over seeds."""
    decs, rel, runs = [], [], []
    for s in seeds:
        r = ex.rns(setup(s, **spec), frequency_hz, pulses)
        cm = np.array([x["cmap"] for x in r["responses"]])
        decs.append(r["decrement_percent"])
        rel.append(cm / cm[0])
        runs.append(r)
    return float(np.mean(decs)), np.mean(rel, axis=0), runs


# -- Check 1: the quantal unit -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def mepp_healthy():
    return ex.mepp(setup())


def test_check1_healthy_mepp_amplitude_and_rate(mepp_healthy):
    # MEPP 0.3–1.0 mV [F] (issue 7 keeps this range for the human-sized release: fewer, larger-effect quanta;
    # the old 0.4–0.55 window followed the frog-sized release); rate 0.1–5 /s [GK]
    assert 0.3 <= mepp_healthy["amplitude_mV"] <= 1.0
    assert 0.1 <= mepp_healthy["rate_per_s"] <= 5.0


def test_check1_mepp_scales_with_achr(mepp_healthy):
    # at 33% AChR, MEPP ≤ 50% of healthy (literature ~20%)
    mg = ex.mepp(setup(achr_fraction=0.33))
    assert mg["amplitude_mV"] <= 0.5 * mepp_healthy["amplitude_mV"]
    assert ex.mepp(setup(achr_fraction=0.66))["amplitude_mV"] > mg["amplitude_mV"]


# -- Check 2: quantal content is presynaptic ------------------------------------------------------------
def corrected_quantal_content(epp: dict, mepp: dict) -> float:
    """Direct method with Martin's correction for non-linear summation (driving force 80 mV)."""
    v = epp["amplitude_mV"]
    return v / (1.0 - v / 80.0) / mepp["amplitude_mV"]


def test_check2_achr_loss_does_not_lower_quantal_content(mepp_healthy):
    healthy, low = ex.epp(setup()), ex.epp(setup(achr_fraction=0.33))
    assert low["quantal_content"] == pytest.approx(healthy["quantal_content"], rel=0.15)
    qc_h = corrected_quantal_content(healthy, mepp_healthy)
    qc_l = corrected_quantal_content(low, ex.mepp(setup(achr_fraction=0.33)))
    assert qc_l == pytest.approx(qc_h, rel=0.15)


def test_check2_low_calcium_or_high_magnesium_lowers_quantal_content():
    normal = ex.epp(setup())["quantal_content"]
    assert ex.epp(setup(ca_mM=1.0))["quantal_content"] < 0.7 * normal
    assert ex.epp(setup(mg_mM=4.0))["quantal_content"] < 0.8 * normal


# -- Check 3: calcium cooperativity ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def low_ca():
    return ex.calcium(setup(), [0.2, 0.3, 0.4, 0.5])


def test_check3_low_calcium_slope_near_four(low_ca):
    # EPP < 10% of maximum at these levels; slope 3–4.5 (Dodge & Rahamimoff 3.78)
    assert max(lv["epp_mV"] for lv in low_ca["levels"]) < 0.1 * 40.0
    assert 3.0 <= low_ca["log_log_slope"] <= 4.5


def test_check3_magnesium_lowers_epp_keeps_slope(low_ca):
    with_mg = ex.calcium(setup(mg_mM=3.0), [0.2, 0.3, 0.4, 0.5])
    for a, b in zip(low_ca["levels"], with_mg["levels"]):
        assert b["epp_mV"] < a["epp_mV"]
    assert abs(with_mg["log_log_slope"] - low_ca["log_log_slope"]) <= 0.5


def test_check3_slope_falls_toward_normal_calcium(low_ca):
    high = ex.calcium(setup(), [1.0, 1.5, 2.0, 2.5])
    assert high["log_log_slope"] < low_ca["log_log_slope"] - 1.0


# -- Check 4: safety factor -------------------------------------------------------------------------------
def test_check4_healthy_safety_factor():
    sf = [ex.epp(setup(s))["safety_factor_median"] for s in SEEDS]
    assert 2.0 <= np.mean(sf) <= 12.0          # human-like ≥ 2; cat range 4–12 as upper sanity bound


def test_check4_healthy_3hz_every_impulse_fires_99_percent():
    _, _, runs = mean_rns()
    for r in runs:
        assert min(x["fibers_fired_fraction"] for x in r["responses"]) >= 0.99


def test_check4_mg_moderate_safety_factor_low_and_first_stimulus_failures():
    r = ex.epp(setup(condition="mg-moderate"))
    assert r["safety_factor_p10"] < 1.3
    assert r["fraction_below_threshold"] > 0.05


# -- Check 5 and 6: repetitive nerve stimulation -------------------------------------------------------
def test_check5_healthy_rns_epp_runs_down_but_cmap_holds():
    dec, _, runs = mean_rns()
    assert dec < 5.0                             # D < 10%, ideally < 5%
    epp = np.mean([[x["epp_mV"] for x in r["responses"]] for r in runs], axis=0)
    rundown = 1.0 - epp[3:5].mean() / epp[0]
    assert 0.10 <= rundown <= 0.40               # EPP runs down ~10–40% by stimulus 4–5 [GK]
    late = epp[6:] / epp[4]
    assert np.all(np.abs(late - 1.0) < 0.1)      # then plateaus


def test_check6_mg_moderate_decrement_and_u_shape():
    # Issue 7 / row 18: with 2000 fibres (so the curve is the junctions' behaviour, not sampling noise), mean
    # of 3 seeds: the lowest response is the 4th, 5th or 6th; the 10th is not below it; the largest single drop
    # is 1st → 2nd (KNF guideline; "greatest at 4th or 5th" [§7 F])
    dec, rel, _ = mean_rns(condition="mg-moderate", n_fibers=2000)
    assert dec > 10.0
    drops = -np.diff(rel)
    assert np.argmax(drops) == 0                 # largest single drop between stimuli 1 and 2
    assert 4 <= int(np.argmin(rel)) + 1 <= 6     # the floor is reached by stimulus 4–6 ...
    assert rel[9] >= rel.min()                   # ... the 10th is not lower (plateau or partial repair)


def test_check6_decrement_rises_as_achr_falls():
    decs = [mean_rns(achr_fraction=f)[0] for f in (1.0, 0.6, 0.35, 0.2)]
    assert all(b > a for a, b in zip(decs, decs[1:])), decs


# -- Checks 7 and 8: post-exercise facilitation and exhaustion ------------------------------------------
@pytest.fixture(scope="module")
def exercise_runs():
    return [ex.exercise(setup(s, condition="mg-moderate"), minutes=10) for s in SEEDS]


def _decs(runs, label):
    return float(np.mean([next(t["decrement_percent"] for t in r["trains"] if t["label"] == label) for r in runs]))


def test_check7_post_exercise_facilitation(exercise_runs):
    assert _decs(exercise_runs, "post-0") < _decs(exercise_runs, "rest")


def test_check8_post_activation_exhaustion_and_recovery(exercise_runs):
    rest = _decs(exercise_runs, "rest")
    exhausted = np.mean([_decs(exercise_runs, f"post-{m}") for m in (2, 3, 4)])
    assert exhausted > rest
    assert abs(_decs(exercise_runs, "post-10") - rest) < 0.5 * (exhausted - rest) + 2.0   # back toward baseline by ~10 min


# -- Check 9: AChE inhibition at the synapse -----------------------------------------------------------------
def test_check9_ache_block_lengthens_and_enlarges_the_quantum(mepp_healthy):
    blocked = ex.mepp(setup(ache_inhibition=0.9))
    assert blocked["decay_tau_ms"] >= 2.0 * mepp_healthy["decay_tau_ms"]
    assert blocked["amplitude_mV"] >= 1.2 * mepp_healthy["amplitude_mV"]


# -- Check 10: drug rescue of the decrement ----------------------------------------------------------------
def rns_after_dose(seed: int, drug: str | None, dose_mg: float = 0.0, minutes_ago: float = 90.0) -> tuple[float, float]:
    with Sim(WorldSpec(condition="mg-moderate"), seed, history=True) as sim:
        if drug:
            sim.submit(it.GiveDrug(drug, dose_mg, minutes_ago=minutes_ago))
        sim.run(1.0, 0.05)
        sim.submit(it.StartTrain(3.0, 10))
        sim.run(3.5, 0.05)
        rows = sim.history()
        return decrement_percent([r["cmap"] for r in rows]), float(np.median(rows[0]["safety_factor"]))


def test_check10_pyridostigmine_halves_the_decrement_and_restores_the_margin():
    before = [rns_after_dose(s, None) for s in SEEDS]
    after = [rns_after_dose(s, "pyridostigmine", 60.0) for s in SEEDS]
    assert np.mean([a[0] for a in after]) <= 0.5 * np.mean([b[0] for b in before])
    assert np.mean([a[1] for a in after]) > 1.5    # SF above 1.5 at most fibres (the median)


# -- Checks 11 and 12: drug timing ------------------------------------------------------------------------
def gain_curve(result: dict) -> tuple[np.ndarray, np.ndarray]:
    t = np.array([x["t_min"] for x in result["series"]])
    g = np.array([x["strength"] for x in result["series"]]) - 1.0
    return t, g


def test_check11_edrophonium_fast_and_short():
    t, g = gain_curve(ex.dose(setup(condition="mg-moderate"), "edrophonium", 10.0, hours=0.25, samples=30))
    peak = g.max()
    assert g[(t > 0.4) & (t <= 1.0)].max() > 0.3 * peak      # improvement within 30–60 s
    assert t[np.argmax(g)] <= 2.5                               # peak by ~2 min
    assert g[t >= 10.0].max() < 0.1 * peak                      # gone by 5–10 min


def test_check12_pyridostigmine_onset_peak_and_duration():
    t, g = gain_curve(ex.dose(setup(condition="mg-moderate"), "pyridostigmine", 60.0, hours=6.0, samples=48))
    peak = g.max()
    onset = t[np.argmax(g > 0.2 * peak)]
    assert 10.0 <= onset <= 45.0                                # onset 15–45 min
    assert 60.0 <= t[np.argmax(g)] <= 120.0                     # peak ~1–2 h
    assert g[t >= 240.0].max() < 0.5 * peak                     # effect lost by ~3–4 h


def test_check12_extended_release_lasts_longer():
    def duration(drug, dose, hours):
        t, g = gain_curve(ex.dose(setup(condition="mg-moderate"), drug, dose, hours=hours, samples=60))
        above = t[g >= 0.5 * g.max()]
        return above.max() - above.min()
    ratio = duration("pyridostigmine-er", 180.0, 14.0) / duration("pyridostigmine", 60.0, 6.0)
    assert 1.8 <= ratio <= 3.5                                  # ER 180 mg ~2.5× IR 60 mg


# -- Check 13: cholinergic crisis -------------------------------------------------------------------------
def train_after_doses(doses: list[tuple[str, float, float]], seed: int = 1) -> dict:
    """Doses as (drug, mg, minutes ago); then a 2 s 20 Hz train. Returns what the train did."""
    with Sim(WorldSpec(condition="mg-moderate"), seed, history=True) as sim:
        for drug, mg, ago in doses:
            sim.submit(it.GiveDrug(drug, mg, minutes_ago=ago))
        sim.run(1.0, 0.05)
        r0 = sim.readout()
        sim.submit(it.StartTrain(20.0, 40))
        sim.run(2.2, 0.02)
        rows = sim.history()[-40:]
        crises = [e for e in sim.drain_events() if isinstance(e, CrisisEvent)]
        return {"inhibition": r0.ache_inhibition, "side_effects": r0.side_effects,
                "sustained_max": max(r["sustained_max_mV"] for r in rows),
                "na_min": min(r["na_available_mean"] for r in rows),
                "force": float(np.mean([r["force"] for r in rows[-20:]])),
                "cholinergic": any(c.kind == "cholinergic" and c.active for c in crises)}


def test_check13_overdose_depolarisation_block_and_edrophonium_worsens():
    therapeutic = train_after_doses([("pyridostigmine", 60.0, 90.0)])
    overdose = train_after_doses([("pyridostigmine", 240.0, 90.0), ("pyridostigmine", 240.0, 30.0)])
    plus_edro = train_after_doses([("pyridostigmine", 240.0, 90.0), ("pyridostigmine", 240.0, 30.0), ("edrophonium", 10.0, 1.0)])
    assert plus_edro["inhibition"] > 0.95
    assert plus_edro["sustained_max"] > 10.0                  # sustained end-plate depolarisation > ~10 mV
    assert plus_edro["na_min"] < 0.7                          # Na+ channels inactivate
    assert plus_edro["force"] < therapeutic["force"]          # weaker despite more ACh
    assert plus_edro["force"] < overdose["force"]             # an extra edrophonium dose worsens, not improves
    assert overdose["side_effects"] > 0.8                     # with muscarinic signs
    assert plus_edro["cholinergic"]


# -- Check 14: immune kinetics ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def immune_runs():
    s = setup(condition="mg-moderate")
    return {t: ex.immune(s, t, weeks=10 if t != "thymectomy" else 40, samples_per_week=7 if t in ("plex", "ivig", "steroids") else 1)
            for t in ("none", "plex", "ivig", "steroids", "thymectomy")}


def series(run, key="strength"):
    return np.array([x["t_days"] for x in run["series"]]), np.array([x[key] for x in run["series"]])


def test_check14_receptor_half_life_and_antibody_speed_up():
    from game.sim.params import DEFAULT
    from game.sim.components import Immunity
    from game.sim.systems import immune as im
    assert 6.0 <= DEFAULT.immune.achr_half_life_days <= 13.0
    imm = Immunity()
    titre = im.titre_for_functional_achr(DEFAULT.immune, imm, 0.34)
    speed_up = 1.0 + im.turnover_gain(DEFAULT.immune, imm) * titre
    assert 2.0 <= speed_up <= 3.0 + 1e-9                       # degradation ~2–3× faster with pathogenic IgG


def test_check14_untreated_is_steady(immune_runs):
    _, s = series(immune_runs["none"])
    assert np.all(np.abs(s - 1.0) < 0.1)


@pytest.mark.parametrize("treatment", ["plex", "ivig"])
def test_check14_plex_and_ivig_days_to_weeks(immune_runs, treatment):
    t, s = series(immune_runs[treatment])
    gain = s - 1.0
    peak = gain.max()
    assert gain[(t >= 2.5) & (t <= 4.5)].max() > 0.1 * peak    # measurable within days (median ~3 d)
    assert 10.0 <= t[np.argmax(gain)] <= 30.0                   # peak at 2–4 weeks
    assert gain[t >= 56.0].max() < 0.5 * peak                   # fading by 6–8 weeks


def test_check14_steroids_weeks_thymectomy_months(immune_runs):
    t, s = series(immune_runs["steroids"])
    assert s[t <= 7.5].max() - 1.0 < 0.2 * (s[-1] - 1.0)        # little in the first week
    assert s[-1] > 1.5                                           # clear benefit after weeks
    t, s = series(immune_runs["thymectomy"])
    assert s[t <= 30].max() - 1.0 < 0.25 * (s[-1] - 1.0)         # little in the first month
    assert s[-1] > 1.2                                           # benefit over months


# -- Check 15: clinical fatigability -----------------------------------------------------------------------
def sustained_effort(condition: str, seed: int, group: str = "eyelid") -> tuple[float, float]:
    """Force after 30 s of sustained 20 Hz drive relative to 5 s in, and after 10 minutes of rest (after a
    minute of rest it is lower still: post-activation exhaustion, check 8)."""
    with Sim(WorldSpec(condition=condition, muscle_group=group), seed) as sim:
        sim.submit(it.StartTrain(20.0))
        sim.run(5.0, 0.1)
        f5 = sim.readout().force
        sim.run(25.0, 0.1)
        f30 = sim.readout().force
        sim.submit(it.StopTrain())
        sim.run(600.0, 0.5)
        sim.submit(it.StartTrain(20.0))
        sim.run(5.0, 0.1)
        return f30 / f5, sim.readout().force / f5


def test_check15_fatigue_with_use_recovery_with_rest_only_in_mg():
    # Generalised MG, limb and bulbar muscles, a 30 s sustained effort. (Not encoded: the share of simulated
    # patients with diplopia/ptosis within 30 s of upgaze — the model has no patient generator yet.)
    healthy = [sustained_effort("healthy", s, g) for s in SEEDS for g in ("eyelid", "limb")]
    mg = [sustained_effort("mg-moderate", s, g) for s in SEEDS for g in ("limb", "bulbar")]
    assert min(h[0] for h in healthy) > 0.95                   # healthy: no weakness with use
    assert np.mean([m[0] for m in mg]) < 0.9                    # MG: weaker with sustained use
    assert np.mean([m[1] for m in mg]) > np.mean([m[0] for m in mg])   # and better after rest


# == Issue 7: the model against published human data (rows 16+ of the checks table in docs/model.md) ==========
def rel_cmap(result: dict) -> np.ndarray:
    c = np.array([x["cmap"] for x in result["responses"]])
    return c / c[0]


# -- Row 16: healthy transmission at the rates of voluntary effort ------------------------------------------
@pytest.mark.parametrize("hz", [20.0, 30.0, 50.0])
def test_row16_healthy_high_rate_trains_fire_every_fibre(hz):
    # Human muscle keeps transmission through sustained maximal voluntary contraction (Bigland-Ritchie et al.
    # 1982, J Physiol 330:265); healthy 20–50 Hz stimulation shows no decrement. From rest, 100 pulses.
    for s in SEEDS:
        r = ex.rns(setup(s, n_fibers=1000), hz, 100)
        assert min(x["fibers_fired_fraction"] for x in r["responses"]) >= 0.98
        assert rel_cmap(r).min() >= 0.95


def test_row16_healthy_30s_at_30hz_keeps_force():
    # 30 s of 30 Hz keeps force ≥ 90% of its peak (the junction keeps up; muscle fatigue is small at 30 s)
    with Sim(WorldSpec(n_fibers=1000), 1) as sim:
        sim.submit(it.StartTrain(30.0))
        forces = []
        for _ in range(60):
            sim.run(0.5, 0.05)
            forces.append(sim.readout().force)
    assert forces[-1] >= 0.9 * max(forces)


# -- Row 17: MG at high rates: a decrement of the 3 Hz order, never a collapse ---------------------------------
def test_row17_mg_ocular_limb_holds_at_50hz():
    # mild MG is normal at high rates [§7 F: "mild MG: decrement at low rate only"]
    rel = np.mean([rel_cmap(ex.rns(setup(s, condition="mg-ocular", n_fibers=1000), 50.0, 100)) for s in SEEDS], axis=0)
    assert rel.min() >= 0.85


@pytest.mark.parametrize("hz", [20.0, 30.0, 50.0])
def test_row17_mg_moderate_high_rate_decrement_like_3hz(hz):
    d3, _, _ = mean_rns(condition="mg-moderate", n_fibers=1000)
    rel = np.mean([rel_cmap(ex.rns(setup(s, condition="mg-moderate", n_fibers=1000), hz, 100)) for s in SEEDS], axis=0)
    d4 = 100.0 * (1.0 - rel[3])
    d_end = 100.0 * (1.0 - rel[-10:].mean())
    assert abs(d4 - d3) <= 15.0 and abs(d_end - d3) <= 15.0, (d3, d4, d_end)
    assert rel.min() >= 0.5                        # never a collapse


# -- Row 18 is check 6 above (3 Hz shape with 2000 fibres) -----------------------------------------------------
# -- Row 19: a smooth CMAP at the lab's default fibre count ----------------------------------------------------
@pytest.mark.parametrize("condition", ["healthy", "mg-ocular", "mg-moderate", "mg-severe", "lems", "mg-musk"])
def test_row19_cmap_changes_smoothly_at_the_lab_fibre_count(condition):
    # no up-and-down swings of more than 3% of the first CMAP in a 3 Hz train (a sawtooth is a technical
    # artefact to a clinician); the lab protocols default to ex.lab_fibers(condition) fibres (2000; LEMS, where
    # few fibres fire, 20,000)
    assert ex.lab_fibers(condition) >= 1000
    for s in SEEDS:
        spec = WorldSpec(condition=condition, n_fibers=ex.lab_fibers(condition))
        rel = rel_cmap(ex.rns(Setup(seed=s, spec=spec), 3.0, 10))
        d = np.diff(rel)
        swings = [(a, b) for a, b in zip(d, d[1:]) if a * b < 0 and min(abs(a), abs(b)) > 0.03]
        assert not swings, (condition, s, np.round(rel, 3))


# -- Row 20: human-sized release, with the folds amplifying each quantum --------------------------------------
def test_row20_human_quantal_content_mepp_and_safety_factor(mepp_healthy):
    # human NMJs release ~20–50 quanta (Slater 2017, IJMS 18:2183) with a safety factor ~2–4 [§4 GK]
    runs = [ex.epp(setup(s, n_fibers=1000)) for s in SEEDS]
    assert 20.0 <= np.mean([r["quantal_content"] for r in runs]) <= 50.0
    assert 0.3 <= mepp_healthy["amplitude_mV"] <= 1.0
    assert 2.0 <= np.mean([r["safety_factor_median"] for r in runs]) <= 4.0
    mg = ex.epp(setup(condition="mg-moderate", n_fibers=1000))
    assert mg["fraction_below_threshold"] > 0.05
    assert ex.mepp(setup(condition="mg-moderate"))["amplitude_mV"] <= 0.5 * mepp_healthy["amplitude_mV"]


@pytest.fixture(scope="module")
def mepp_blocked():
    return ex.mepp(setup(ache_inhibition=0.9))


def test_row20_ache_block_lengthens_the_epc_within_published_range(mepp_healthy, mepp_blocked):
    # 90% AChE block: EPC decay ×2–3.5, MEPP at least ×1.3 (Katz & Miledi 1973; Magleby & Stevens 1972 [§3 GK])
    assert 2.0 <= mepp_blocked["decay_tau_ms"] / mepp_healthy["decay_tau_ms"] <= 3.5
    assert mepp_blocked["amplitude_mV"] / mepp_healthy["amplitude_mV"] >= 1.3


def test_row20_ache_block_mepp_gain_at_most_2_2(mepp_healthy, mepp_blocked):
    # issue 7 target ×1.3–2.2 (published ×1.3–2 [§3 GK]); the end plate's fast local response (params.membrane.endplate_fast_*)
    # keeps a longer current from gaining as much peak as charge
    assert mepp_blocked["amplitude_mV"] / mepp_healthy["amplitude_mV"] <= 2.2


# -- Row 21: post-activation facilitation and exhaustion -------------------------------------------------------
@pytest.mark.parametrize("effort_s", [30.0, 60.0])
def test_row21_exercise_facilitation_exhaustion_recovery(effort_s):
    # KNF guideline [§7 F]: after 30–60 s of maximal effort the decrement is repaired at once, is worst 2–4 min
    # later and is back by ~10 min
    runs = [ex.exercise(setup(s, condition="mg-moderate"), exercise_s=effort_s, minutes=10) for s in SEEDS]
    rest = _decs(runs, "rest")
    assert _decs(runs, "post-0") <= 0.6 * rest                          # 8 s after: ≤ 60% of the rest value
    after = {m: _decs(runs, f"post-{m}") for m in range(1, 11)}
    worst = max(after, key=after.get)
    assert 2 <= worst <= 4 and after[worst] >= 1.3 * rest, after        # post-activation exhaustion
    assert abs(after[10] - rest) <= 5.0, after                          # back within ±5 points by 10 min


# -- Row 22: AChE-inhibitor excess ---------------------------------------------------------------------------
def test_row22_heavy_ache_block_gives_a_repetitive_cmap():
    # Besser et al. 1989: with AChE well blocked a single shock gives a repetitive CMAP in some fibres
    none = ex.rns(setup(n_fibers=1000), 3.0, 1)["responses"][0]["repetitive_fraction"]
    for inh in (0.9, 0.95):
        rep = ex.rns(setup(n_fibers=1000, ache_inhibition=inh), 3.0, 1)["responses"][0]["repetitive_fraction"]
        assert rep > 0.02, inh
    assert none == 0.0


def test_row22_heavy_block_at_20hz_decrement_then_partial_increment_developing_over_the_train():
    rel = np.mean([rel_cmap(ex.rns(setup(s, n_fibers=1000, ache_inhibition=0.95), 20.0, 60)) for s in SEEDS], axis=0)
    assert rel[:3].min() >= 0.95                   # depolarisation block develops over the train, not at once
    low = int(np.argmin(rel))
    assert rel[low] < 0.5                          # decrement ...
    assert rel[low:].max() >= rel[low] + 0.1 and rel[-1] < 0.9   # ... then a partial increment


@pytest.mark.parametrize("dose_mg", [0.5, 2.5])
def test_row22_neostigmine_iv_time_course(dose_mg):
    # Williams 1978 (Br J Clin Pharmacol): peak ~7–15 min, red-cell AChE still ~70% inhibited at 30 min
    series = ex.dose(setup(condition="mg-moderate"), "neostigmine", dose_mg, hours=5.0, samples=60)["series"]
    t = np.array([x["t_min"] for x in series])
    inh = np.array([x["ache_inhibition"] for x in series])
    peak = inh.max()
    assert 5.0 <= t[np.argmax(inh)] <= 15.0
    assert np.interp(30.0, t, inh) > 0.5 * peak
    assert inh[t >= 240.0].max() < 0.05 * peak


# -- Row 23: steroids: early worsening, then gains -----------------------------------------------------------
def test_row23_steroids_dip_first_then_gain(immune_runs):
    # Bae et al. 2006: early worsening in ~40% at high starting doses, in the first 1–2 weeks
    t, s = series(immune_runs["steroids"])
    assert s[(t >= 3.0) & (t <= 14.0)].min() <= 0.95
    assert s[(t >= 14.0) & (t <= 21.0)].max() > 1.0 and s[-1] > s[t <= 21.0].max()


# ======================================================================================================
# Contrast conditions and lab agents (issue 7 part B): checks 30+ of docs/model.md. Lab preparations of
# 1000 fibres (the smooth lab default), seeds 1–3 unless said otherwise.
# ======================================================================================================
LAB_FIBRES = ex.LAB_FIBERS   # the lab's default (smooth CMAP)


def lab(seed: int = 1, **spec) -> Setup:
    return Setup(spec=WorldSpec(n_fibers=LAB_FIBRES, **spec), seed=seed)


@pytest.fixture(scope="module")
def lems_increment():
    return [ex.increment(lab(s, condition="lems")) for s in SEEDS]


@pytest.fixture(scope="module")
def healthy_rest_cmap():
    return float(np.mean([ex.rns(lab(s), 3.0, 1)["responses"][0]["cmap"] for s in SEEDS]))


def test_check30_lems_small_resting_cmap(lems_increment, healthy_rest_cmap):
    # LEMS: the resting CMAP is small, ≤ 40% of healthy (Lambert & Elmqvist 1971; AAEM: typically 10–40%)
    lems = float(np.mean([r["rest_cmap"] for r in lems_increment]))
    assert lems <= 0.4 * healthy_rest_cmap
    assert lems >= 0.03 * healthy_rest_cmap   # small, but a response is there to measure


def test_check31_lems_decrement_at_3hz():
    # LEMS: 3 Hz RNS decrements like MG, > 10% (Oh et al. 2005, Muscle Nerve 32:515; mean of 3 seeds)
    dec, _, _ = mean_rns(condition="lems", n_fibers=LAB_FIBRES)
    assert dec > 10.0


def test_check32_lems_increment_during_50hz(lems_increment):
    # LEMS: ≥ 100% increment of the CMAP during 50 Hz stimulation within 1–2 s (AAEM, Tim et al. 2000;
    # Oh et al. 2005); the mean over seeds of the largest CMAP of the first 2 s against the first
    assert np.mean([r["increment_2s_percent"] for r in lems_increment]) >= 100.0


def test_check33_lems_increment_after_10s_effort(lems_increment):
    # LEMS: ≥ 60% increment right after 10 s of maximal effort (Oh et al. 2005: 97% sensitivity at 60%)
    assert min(r["post_effort_increment_percent"] for r in lems_increment) >= 60.0


def test_check33b_healthy_and_mg_do_not_increment_after_effort():
    # the contrast: healthy and MG junctions give < 25% increment after the same effort (Oh et al. 2005)
    for condition in ("healthy", "mg-moderate"):
        r = ex.increment(lab(1, condition=condition))
        assert r["post_effort_increment_percent"] < 25.0, condition


def _peak_strength(condition: str, drug: str, dose_mg: float, group: str = "limb") -> tuple[float, float]:
    r = ex.dose(Setup(spec=WorldSpec(condition=condition, muscle_group=group, n_fibers=400), seed=1), drug,
                dose_mg, hours=4.0, samples=16)
    return max(x["strength"] for x in r["series"]), max(x["side_effects"] for x in r["series"])


def _resting_cmap(condition: str, drug: str | None = None, dose_mg: float = 0.0, minutes_ago: float = 0.0) -> float:
    """Mean over seeds 1–3 of the CMAP of one shock at rest, `minutes_ago` after a dose (near its peak)."""
    out = []
    for seed in SEEDS:
        with Sim(WorldSpec(condition=condition, n_fibers=LAB_FIBRES), seed, history=True) as sim:
            if drug:
                sim.submit(it.GiveDrug(drug, dose_mg, minutes_ago=minutes_ago))
            sim.run(1.0, 0.05)
            start = len(sim.history())
            sim.submit(it.FireImpulse())
            sim.run(0.1, 0.05)
            out.append(sim.history()[start]["cmap"])
    return float(np.mean(out))


def test_check34_lems_dap_helps_pyridostigmine_little():
    # LEMS: 3,4-diaminopyridine raises the resting CMAP about 2-fold (McEvoy et al. 1989, NEJM 321:1567;
    # Sanders et al. 2000, Neurology 54:603); pyridostigmine adds little (Wirtz et al. 2009, Clin Pharmacol
    # Ther 86:44). Single shocks at rest near each drug's peak (DAP 20 mg 75 min, pyridostigmine 60 mg 90 min):
    # DAP 1.8–3× the untreated CMAP ("about 2-fold"), pyridostigmine at most 1.5× ("little"), and DAP's gain
    # at least twice pyridostigmine's
    base = _resting_cmap("lems")
    dap = _resting_cmap("lems", "dap", 20.0, 75.0) / base
    pyr = _resting_cmap("lems", "pyridostigmine", 60.0, 90.0) / base
    assert 1.8 <= dap <= 3.0
    assert pyr <= 1.5
    assert dap - 1.0 >= 2.0 * (pyr - 1.0)


def test_check35_musk_bulbar_and_breathing_first():
    # anti-MuSK MG: bulbar, neck and breathing muscles weak first, limbs and eyes less (Evoli et al. 2003,
    # Brain 126:2304): 3 Hz decrement (mean of 3 seeds) bulbar and respiratory > limb + 10 points
    dec = {g: mean_rns(condition="mg-musk", muscle_group=g, n_fibers=400)[0] for g in ("bulbar", "respiratory", "limb", "eyelid")}
    assert dec["bulbar"] >= dec["limb"] + 10.0 and dec["respiratory"] >= dec["limb"] + 10.0
    assert dec["bulbar"] > dec["eyelid"]


def test_check36_musk_poor_response_more_side_effects_to_ache_inhibitors():
    # anti-MuSK MG: AChE inhibitors help less and cause more side effects (Evoli 2003; Punga et al. 2006,
    # Neurology 66:1740): with 60 mg pyridostigmine, the strength gain ≤ 60% of AChR-MG's in the same
    # muscle, and the peak side effects ≥ 1.5× larger
    musk, musk_side = _peak_strength("mg-musk", "pyridostigmine", 60.0, "bulbar")
    achr, achr_side = _peak_strength("mg-moderate", "pyridostigmine", 60.0, "bulbar")
    assert musk - 1.0 <= 0.6 * (achr - 1.0)
    assert musk_side >= 1.5 * achr_side


def test_musk_reduced_ache_is_shown_as_less_enzyme_not_as_inhibition():
    # anti-MuSK lays down less AChE at the junction (ColQ anchoring, proposed): the readout must not call that a drug
    # block (an earlier readout showed 65% "AChE inhibition" with no drug given)
    with Sim(WorldSpec(condition="mg-musk", muscle_group="bulbar", n_fibers=200), 1) as sim:
        sim.run(1.0, 0.1)
        r = sim.readout()
        assert r.ache_inhibition == 0.0 and r.junction_ache == pytest.approx(0.35)
        sim.submit(it.GiveDrug("pyridostigmine", 60.0, minutes_ago=90.0))
        sim.run(1.0, 0.1)
        r = sim.readout()
        assert 0.3 < r.ache_inhibition < 0.9 and r.drug_inhibition and r.junction_ache == pytest.approx(0.35)
    with Sim(WorldSpec(ache_inhibition=0.5, n_fibers=200), 1) as sim:
        sim.run(1.0, 0.1)
        assert sim.readout().ache_inhibition == pytest.approx(0.5) and sim.readout().junction_ache == 1.0


def test_check37_musk_responds_to_plasma_exchange():
    # anti-MuSK MG responds well to plasma exchange (Evoli 2003; Guptill et al. 2011): strength at 2–3 weeks
    # at least 1.5× the untreated strength
    r = ex.immune(Setup(spec=WorldSpec(condition="mg-musk", muscle_group="bulbar", n_fibers=400), seed=1),
                  "plex", weeks=3.0, samples_per_week=7)
    late = [x["strength"] for x in r["series"] if 14.0 <= x["t_days"] <= 21.0]
    assert min(late) >= 1.5


@pytest.fixture(scope="module")
def curare_fired():
    """Fraction of fibres firing to single shocks from rest against curare occupancy (seed 1, 3 shocks)."""
    occ = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.92)
    return {f: 1.0 - ex.epp(lab(1, curare_occupancy=f), 3)["fraction_below_threshold"] for f in occ}


def test_check38_curare_safety_factor(curare_fired):
    # Paton & Waud 1967 (J Physiol 191:59): the twitch begins to fail only when ~75% of receptors are
    # occupied and is abolished at ~92%: half of the receptors blocked changes nothing (≥ 99% of fibres
    # fire); the first failures (> 5% of fibres) come between 60% and 80% occupancy, half the fibres fail
    # between 75% and 90%, and ≤ 10% still fire at 92%
    assert curare_fired[0.5] >= 0.99
    first = min(f for f, fired in curare_fired.items() if fired < 0.95)
    half = min(f for f, fired in curare_fired.items() if fired < 0.5)
    assert 0.6 <= first <= 0.8
    assert 0.75 <= half <= 0.9
    assert curare_fired[0.92] <= 0.1


def test_check39_botulinum_fewer_quanta_and_fewer_mepps():
    # botulinum toxin disables release sites: fewer quanta per impulse and fewer MEPPs, with MEPPs of
    # normal size (Kao, Drachman & Price 1976, Science 193:1256); 50% of sites: quantal content and MEPP
    # rate 35–65% of healthy, MEPP amplitude within 10%
    healthy_epp, toxin_epp = ex.epp(lab(1), 3), ex.epp(lab(1, botulinum_fraction=0.5), 3)
    healthy_mepp = ex.mepp(setup(1), 300.0)
    toxin_mepp = ex.mepp(setup(1, botulinum_fraction=0.5), 300.0)
    assert 0.35 <= toxin_epp["quantal_content"] / healthy_epp["quantal_content"] <= 0.65
    assert 0.35 <= toxin_mepp["rate_per_s"] / healthy_mepp["rate_per_s"] <= 0.65
    assert abs(toxin_mepp["amplitude_mV"] / healthy_mepp["amplitude_mV"] - 1.0) <= 0.1
    # 90% of sites: most fibres fail (botulism)
    assert ex.epp(lab(1, botulinum_fraction=0.9), 3)["fraction_below_threshold"] >= 0.5


def test_check40_organophosphate_is_irreversible():
    # an organophosphate destroys AChE: washing the bath does not bring it back; only new enzyme does,
    # over days (Taylor, Goodman & Gilman, anticholinesterases) — unlike a reversible inhibitor in the bath
    spec = WorldSpec(n_fibers=50)
    with Sim(WorldSpec(n_fibers=50, organophosphate_fraction=0.9), 1) as irreversible, \
            Sim(WorldSpec(n_fibers=50, ache_inhibition=0.9), 1) as reversible:
        for sim in (irreversible, reversible):
            sim.run(1.0)
            assert sim.readout().ache_inhibition == pytest.approx(0.9, abs=0.01)
            sim.submit(it.SetAChEBlock(0.0))          # wash the bath
            sim.run(3600.0, 60.0)
        assert reversible.readout().ache_inhibition <= 0.01
        assert irreversible.readout().ache_inhibition >= 0.88
        irreversible.run(10 * 86400.0, 3600.0)      # ten days of new enzyme
        assert 0.1 <= irreversible.readout().ache_inhibition <= 0.4
    assert spec.organophosphate_fraction == 0.0


def test_check41_temperature_q10_and_mg_transmission():
    # cooling slows AChE and channel closing (EPC decay Q10 ≈ 2–3, Anderson & Stevens 1973; Magleby &
    # Stevens 1972): EPC decay at 28 °C 1.4–2.4× that at 35 °C; MEPPs larger when cool. MG transmission
    # improves with cooling and worsens with warming (Borenstein & Desmedt 1975, Arch Neurol 32:152;
    # Ricker et al. 1977): mg-moderate 3 Hz decrement at 28 °C ≤ half of 35 °C; at 40 °C ≥ 5 points more
    cool, warm = ex.mepp(setup(1, temperature_c=28.0), 10.0), ex.mepp(setup(1), 10.0)
    assert 1.4 <= cool["decay_tau_ms"] / warm["decay_tau_ms"] <= 2.4
    assert cool["amplitude_mV"] > 1.2 * warm["amplitude_mV"]
    dec = {t: mean_rns(condition="mg-moderate", n_fibers=LAB_FIBRES, temperature_c=t)[0] for t in (28.0, 35.0, 40.0)}
    assert dec[28.0] <= 0.5 * dec[35.0]
    assert dec[40.0] >= dec[35.0] + 5.0


def test_check42_ice_pack_lifts_a_myasthenic_eyelid_only():
    # the ice-pack test: 2 min of ice on a drooping lid improves ptosis in ~80–90% of ocular MG (Golnik et
    # al. 1999, Ophthalmology 106:1282; Kearsey et al. 2010); a drooping lid (ocular MG, 40% of receptors
    # left): force right after the ice ≥ 1.25× before, a smaller decrement, back near baseline 10 min
    # later; a healthy lid does not change (± 5%)
    mg = ex.ice_pack(Setup(spec=WorldSpec(condition="mg-ocular", achr_fraction=0.4, muscle_group="eyelid",
                                          n_fibers=LAB_FIBRES), seed=1))
    before, ice, after = mg["trains"]
    assert ice["temperature_c"] <= 30.0 and after["temperature_c"] >= 33.0
    assert ice["force"] >= 1.25 * before["force"]
    assert ice["decrement_percent"] < before["decrement_percent"]
    assert after["force"] <= 1.15 * before["force"]
    healthy = ex.ice_pack(Setup(spec=WorldSpec(condition="healthy", muscle_group="eyelid", n_fibers=400), seed=1))
    h_before, h_ice, _ = healthy["trains"]
    assert abs(h_ice["force"] / h_before["force"] - 1.0) <= 0.05


def test_check43_mg_muscle_order_ocular_first():
    # MG: ocular muscles are affected first and most (50–65% ocular onset; the reasons are proposed, not
    # settled: fewer receptors and a smaller safety margin, higher firing rates, less complement protection)
    dec = {g: mean_rns(condition="mg-moderate", muscle_group=g, n_fibers=400)[0] for g in ("eyelid", "extraocular", "limb")}
    assert dec["eyelid"] > dec["limb"] and dec["extraocular"] > dec["limb"]
