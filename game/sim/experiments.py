"""Lab protocols: the experiments of a physiology teaching lab, run headless on the same world the game uses.

Each protocol builds a world with `Sim`, drives it with intents only (like a player), and returns a
JSON-ready dict. They are how the model is tested against physiology.md, and what the `experiment`
command and the lab mode report.
"""
from __future__ import annotations

import math
import operator
from dataclasses import replace

import numpy as np

from game.sim import intents as it
from game.sim.collector import paused
from game.sim.components import Bath, Cleft, Endplate, Model, Receptors
from game.sim.events import MeppEvent, RefusedEvent
from game.sim.kinetics import martin
from game.sim.limits import LAB_FIBERS, LAB_FIBERS_BY_CONDITION, PROTOCOLS, lab_fibers  # noqa: F401 - the protocols'
from game.sim.record import record
# names and default sizes live in game.sim.limits (the command line offers them without loading the model)
from game.sim.params import DEFAULT, Params
from game.sim.spec import WorldSpec
from game.sim.world import Sim

REST_BETWEEN_TEST_IMPULSES_S = 10.0
TEST_TRAIN_HZ = 20.0
TEST_TRAIN_S = 2.0
STEP_S = 0.05
JUMP_S = 5.0        # event-driven protocols: one model step may hold many impulses (each computed at its exact
                    # time), so a train is run in long steps that jump from impulse to impulse
POST_EXERCISE_FIRST_TRAIN_S = 8.0   # physiology.md §7: a train started within ~10 s of the exercise


@record(frozen=True, slots=True)
class Setup:
    """What every protocol shares: the preparation and the seed."""

    spec: WorldSpec = WorldSpec(n_fibers=LAB_FIBERS)
    seed: int = 1
    params: Params = DEFAULT


def _sim(setup: Setup, history: bool = True, **spec_changes: object) -> Sim:
    return Sim(replace(setup.spec, **spec_changes) if spec_changes else setup.spec, setup.seed, setup.params, history,
               impulse_events=False)


def decrement_percent(cmaps: list[float]) -> float:
    """RNS decrement: (1st − 4th)/1st CMAP amplitude, in percent (physiology.md §7)."""
    if len(cmaps) < 4 or cmaps[0] <= 0:
        return 0.0
    return 100.0 * (cmaps[0] - cmaps[3]) / cmaps[0]


def _train(sim: Sim, frequency_hz: float, pulses: int) -> list[dict]:
    start = len(sim.history())
    sim.submit(it.StartTrain(frequency_hz, pulses))
    sim.step(0.0)
    sim.run(pulses / frequency_hz + 0.1, JUMP_S)
    return sim.history()[start:start + pulses]


def round_us(values: list[float]) -> list[float]:
    """[round(t, 6) for t in values], for many at once. Away from a tie (the scaled value's fraction below 1/4 or
    above 3/4, and 0 < t < 10^6 s, so that t·10^6 is within 2^-13 of exact) the integer nearest to t·10^6 is certain,
    and that integer / 10^6 is the double nearest to the decimal round() finds: the same value. The rest (near a tie,
    zero, negative, huge or not finite) go to round() itself."""
    scaled = np.array(values, dtype=float) * 1e6
    whole = np.floor(scaled)                 # = int(scaled) where scaled > 0
    with np.errstate(invalid="ignore"):      # inf − inf: those go to round() below
        frac = scaled - whole                # exact
    low = frac < 0.25
    out = (np.where(low, whole, whole + 1.0) / 1e6).tolist()
    certain = (scaled > 0.0) & (scaled < 1e12) & (low | (frac > 0.75))
    if not certain.all():
        for i in np.flatnonzero(~certain).tolist():
            out[i] = round(values[i], 6)
    return out


_T_S = operator.itemgetter("t_s")


def _responses(rows: list[dict]) -> list[dict]:
    """A train's history rows (without detail) as RNS responses: pulses numbered from 1, times from the first pulse
    (µs resolution). The rows are changed in place (they are the protocol's own: its model is closed) and keep their
    keys and order (report.history_rows builds them in the order of a response)."""
    if not rows:
        return rows
    t0 = rows[0]["t_s"]
    times = round_us([t - t0 for t in map(_T_S, rows)])
    for pulse, (r, t) in enumerate(zip(rows, times), 1):
        r["pulse"] = pulse
        r["t_s"] = t
    return rows


@paused()      # a protocol's records and rows are many and never cyclic garbage (game.sim.collector)
def rns(setup: Setup, frequency_hz: float = 3.0, pulses: int = 10) -> dict:
    """Repetitive nerve stimulation at rest."""
    with _sim(setup) as sim:
        sim.history_detail(False)
        sim.run(1.0, STEP_S)
        rows = _train(sim, frequency_hz, pulses)
    responses = _responses(rows)
    return {"protocol": "rns", "frequency_hz": frequency_hz, "pulses": pulses, "responses": responses,
            "decrement_percent": decrement_percent([r["cmap"] for r in responses])}


def mepp_amplitudes(sim: Sim, per_fiber: int, rng: np.random.Generator) -> np.ndarray:
    """Spontaneous quantal potentials sampled at every junction of the muscle in its present state."""
    model = sim.get(Model)
    rec, ep, cleft = sim.get(Receptors), sim.get(Endplate), sim.get(Cleft)
    mem, cv = model.params.membrane, model.params.presynaptic.mepp_size_cv
    v_lin, _, _ = model.table.lookup(rec.functional(), cleft.activity)
    s2 = math.log1p(cv * cv)
    sizes = rng.lognormal(-0.5 * s2, math.sqrt(s2), (per_fiber, len(v_lin)))
    return martin(v_lin * sizes, mem.ach_reversal_mV - mem.resting_potential_mV - ep.residual_mV)


@paused()
def mepp(setup: Setup, seconds: float = 120.0) -> dict:
    """Spontaneous miniature end-plate potentials: amplitude over all junctions, rate at the focus junction."""
    with _sim(setup) as sim:
        sim.run(seconds, 0.5)
        events = [e for e in sim.drain_events() if isinstance(e, MeppEvent)]
        amps = mepp_amplitudes(sim, 5, np.random.default_rng(setup.seed))
        model = sim.get(Model)
        _, tau, _ = model.table.lookup(sim.get(Receptors).functional(), sim.get(Cleft).activity)
    return {"protocol": "mepp", "amplitude_mV": float(amps.mean()), "amplitude_sd_mV": float(amps.std()),
            "decay_tau_ms": float(np.mean(tau)), "rate_per_s": len(events) / seconds,
            "focus_events": len(events)}


def _single_impulses(sim: Sim, count: int) -> list[dict]:
    rows = []
    for _ in range(count):
        sim.run(REST_BETWEEN_TEST_IMPULSES_S, JUMP_S)
        start = len(sim.history())
        sim.submit(it.FireImpulse())
        sim.run(0.1, 0.1)
        rows.extend(sim.history()[start:])
    return rows


@paused()
def epp(setup: Setup, impulses: int = 5) -> dict:
    """Single impulses from rest (10 s apart): the end-plate potential and the safety factor."""
    with _sim(setup) as sim:
        rows = _single_impulses(sim, impulses)
    sf = np.concatenate([r["safety_factor"] for r in rows])
    below = np.mean([1.0 - r["fibers_fired_fraction"] for r in rows])
    return {"protocol": "epp", "amplitude_mV": float(np.mean([r["epp_mV"] for r in rows])),
            "decay_tau_ms": float(np.mean([r["tau_ms_mean"] for r in rows])),
            "quantal_content": float(np.mean([r["quantal_content"] for r in rows])),
            "safety_factor_median": float(np.median(sf)), "safety_factor_p10": float(np.percentile(sf, 10)),
            "fraction_below_threshold": float(below), "impulses": impulses}


@paused()
def calcium(setup: Setup, ca_levels: list[float] | None = None, impulses: int = 5) -> dict:
    """EPP and quantal content against bath [Ca2+]; slope of log EPP against log [Ca2+]."""
    ca_levels = ca_levels or [0.2, 0.3, 0.4, 0.5]
    levels = []
    for ca in ca_levels:
        with _sim(setup, ca_mM=ca) as sim:
            rows = _single_impulses(sim, impulses)
        levels.append({"ca_mM": ca, "quantal_content": float(np.mean([r["quantal_content"] for r in rows])),
                       "epp_mV": float(np.mean([r["epp_mV"] for r in rows]))})
    x = np.log([lv["ca_mM"] for lv in levels])
    y = np.log([max(lv["epp_mV"], 1e-9) for lv in levels])
    slope = float(np.polyfit(x, y, 1)[0]) if len(levels) >= 2 and np.ptp(x) > 0 else float("nan")
    return {"protocol": "calcium", "mg_mM": setup.spec.mg_mM, "levels": levels, "log_log_slope": slope}


@paused()
def exercise(setup: Setup, exercise_s: float = 45.0, exercise_hz: float = 25.0, minutes: int = 5,
             frequency_hz: float = 3.0, pulses: int = 10) -> dict:
    """Post-exercise facilitation and exhaustion: a 3 Hz train at rest, maximal voluntary activity,
    a train right after it and then one each minute."""
    trains = []
    with _sim(setup) as sim:
        sim.run(1.0, STEP_S)

        def record(label: str) -> None:
            rows = _train(sim, frequency_hz, pulses)
            trains.append({"label": label, "t_s": rows[0]["t_s"],
                           "decrement_percent": decrement_percent([r["cmap"] for r in rows]),
                           "cmap_first": rows[0]["cmap"]})

        record("rest")
        sim.run(30.0, 0.5)
        sim.submit(it.StartTrain(exercise_hz, int(exercise_s * exercise_hz)))
        sim.run(exercise_s + 0.1, STEP_S)
        end = sim.t_s
        sim.run(POST_EXERCISE_FIRST_TRAIN_S, STEP_S)
        record("post-0")
        for m in range(1, minutes + 1):
            sim.run(end + 60.0 * m - sim.t_s, 0.5)
            record(f"post-{m}")
    t_end = end
    for tr in trains:
        tr["t_s"] = round(tr["t_s"] - t_end, 3)
    return {"protocol": "exercise", "exercise_s": exercise_s, "exercise_hz": exercise_hz, "trains": trains}


def _submit_checked(sim: Sim, intent: object) -> None:
    """Hand an intent to the model now; a refusal becomes a ValueError carrying the model's reason."""
    sim.drain_events()
    sim.submit(intent)
    sim.step(0.0)
    refused = [e.reason for e in sim.drain_events() if isinstance(e, RefusedEvent)]
    if refused:
        raise ValueError(refused[0])


def strength(sim: Sim) -> float:
    """Mean force of a standard test train (20 Hz for 2 s) run on a copy of the model."""
    probe = sim.clone()
    try:
        rows = _train(probe, TEST_TRAIN_HZ, int(TEST_TRAIN_HZ * TEST_TRAIN_S))
        return float(np.mean([r["force"] for r in rows])) if rows else 0.0
    finally:
        probe.close()


@paused()
def dose(setup: Setup, drug: str = "pyridostigmine", dose_mg: float = 60.0, hours: float = 6.0,
         samples: int = 72) -> dict:
    """A single drug dose: AChE inhibition, strength and side effects over time."""
    series = []
    with _sim(setup) as sim:
        sim.run(5.0, 0.5)
        base = strength(sim) or 1e-9
        t0 = sim.t_s
        _submit_checked(sim, it.GiveDrug(drug, dose_mg))
        interval = hours * 3600.0 / samples
        for i in range(samples + 1):
            if i:
                sim.run(t0 + i * interval - sim.t_s, min(interval, 5.0))
            r = sim.readout()
            series.append({"t_min": (sim.t_s - t0) / 60.0, "ache_inhibition": r.ache_inhibition,
                           "strength": strength(sim) / base, "side_effects": r.side_effects})
    return {"protocol": "dose", "drug": drug, "dose_mg": dose_mg, "series": series}


@paused()
def immune(setup: Setup, treatment: str = "none", weeks: float = 12.0, samples_per_week: int = 7) -> dict:
    """Antibody titre, functional receptors and strength over weeks, with one treatment started at day 0."""
    series = []
    with _sim(setup) as sim:
        sim.run(5.0, 0.5)
        base = strength(sim) or 1e-9
        t0 = sim.t_s
        if treatment != "none":
            _submit_checked(sim, it.StartTreatment(treatment))
        day = 86400.0
        n = int(round(weeks * samples_per_week))
        for i in range(n + 1):
            if i:
                sim.run(t0 + i * 7 * day / samples_per_week - sim.t_s, 3600.0)
            r = sim.readout()
            series.append({"t_days": (sim.t_s - t0) / day, "antibody": r.antibody,
                           "achr_fraction": r.achr_fraction, "strength": strength(sim) / base})
    return {"protocol": "immune", "treatment": treatment, "weeks": weeks, "series": series}


# --- issue 7 part B: the Lambert–Eaton work-up and the ice-pack test ------------------------------------

POST_EFFORT_SHOCK_S = 1.0          # the single shock right after the effort (within seconds, Oh et al. 2005)


@paused()
def increment(setup: Setup, effort_s: float = 10.0, effort_hz: float = 25.0, frequency_hz: float = 50.0,
              pulses: int = 100) -> dict:
    """Lambert–Eaton work-up: a single shock at rest, a second one right after `effort_s` of maximal
    voluntary effort (increment in percent of the rest CMAP); and, in a fresh preparation, a fast train
    (50 Hz) from rest: the largest CMAP within 1 s and 2 s against the first (increment in percent)."""
    with _sim(setup) as sim:
        sim.run(1.0, STEP_S)
        rest = _train(sim, 1.0, 1)[0]["cmap"]
        sim.run(5.0, STEP_S)
        _train(sim, effort_hz, int(round(effort_s * effort_hz)))
        sim.run(POST_EFFORT_SHOCK_S - 0.1, STEP_S)
        post = _train(sim, 1.0, 1)[0]["cmap"]
    train = rns(setup, frequency_hz, pulses)
    cmaps = [r["cmap"] for r in train["responses"]]

    def rise(seconds: float) -> float:
        n = max(1, min(len(cmaps), int(round(seconds * frequency_hz))))
        return 100.0 * (max(cmaps[:n]) / cmaps[0] - 1.0) if cmaps and cmaps[0] > 0 else 0.0

    return {"protocol": "increment", "rest_cmap": rest, "post_effort_cmap": post,
            "post_effort_increment_percent": 100.0 * (post / rest - 1.0) if rest > 0 else 0.0,
            "effort_s": effort_s, "effort_hz": effort_hz, "frequency_hz": frequency_hz,
            "train_cmaps": cmaps, "increment_1s_percent": rise(1.0), "increment_2s_percent": rise(2.0)}


@paused()
def ice_pack(setup: Setup, frequency_hz: float = 3.0, pulses: int = 10, force_hz: float = 20.0) -> dict:
    """The ice-pack test: a 3 Hz train and a 2 s effort (the lid held up) before, right after 2 minutes of ice
    on the muscle and 10 minutes later. Reports the decrement, first CMAP, mean force and temperature."""
    out = []
    with _sim(setup) as sim:
        sim.run(1.0, STEP_S)

        def record(label: str) -> None:
            rows = _train(sim, frequency_hz, pulses)
            t_c = sim.get(Bath).temperature_c
            probe_force = strength_at(sim, force_hz)
            out.append({"label": label, "t_s": round(sim.t_s, 3), "temperature_c": round(t_c, 2),
                        "decrement_percent": decrement_percent([r["cmap"] for r in rows]),
                        "cmap_first": rows[0]["cmap"], "force": probe_force})

        record("before")
        sim.run(10.0, STEP_S)
        _submit_checked(sim, it.StartTreatment("ice-pack"))
        sim.run(sim.get(Model).params.contrast.ice_pack_application_s, 0.5)
        record("ice")
        sim.run(600.0, 0.5)
        record("after-10-min")
    return {"protocol": "ice-pack", "trains": out}


def strength_at(sim: Sim, hz: float, seconds: float = 2.0) -> float:
    """Mean force of a `seconds` long train at `hz` run on a copy of the model."""
    probe = sim.clone()
    try:
        rows = _train(probe, hz, int(hz * seconds))
        return float(np.mean([r["force"] for r in rows])) if rows else 0.0
    finally:
        probe.close()
