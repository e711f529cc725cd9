"""What the cascade lens shows, and when: the particle replay of the focus junction on its own slow clock.

`LensPlayer` owns the lens particle model (`game.sim.lens.Lens`). It replays the impulse that just happened at
the focus junction (from the model's ImpulseEvent and the junction's state read with `junction_from_sim`): at
once when the lens is free, else as soon as the replay shown is past its transmission steps (or has held the
lens REPLAY_HOLD_S), then always the newest impulse, counting those skipped. It shows spontaneous quanta when
idle (they tick no step of the chain), and after the end-plate potential computes the muscle part of
the story (muscle AP, T-tubules, SR Ca2+, cross-bridges) on the same slow clock from the model's muscle
parameters. It knows where the chain broke (`failed_stage`) and says it in one plain sentence.

The lens clock (`LensClock`) turns play time into junction time at a rate that depends on the moment shown
(the quick steps of transmission slowest), capped by a deterministic work budget so that many particles in
flight slow the replay down rather than the frame rate. It follows the game's pause, speed and single step.

`game.view.lens_view` draws a player; this module never draws. The model is only read: the lens is a
replay, fed with copies of the model's numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from game.sim.kinetics import end_plate_response
from game.sim.events import ImpulseEvent, MeppEvent
from game.sim.lens import Lens
from game.sim.params import DEFAULT, Membrane, Params

SYNAPTIC_DELAY_MS = 0.5            # fallback EPP onset when the lens has no trace (AP at terminal → EPP)
MUSCLE_AP_SPREAD_MS = 2.5          # lens ms for the drawn muscle AP to reach the edges (slowed to be seen)
EPP_WINDOW_MS = 20.0               # the part of the replay shown at full slow motion
TWITCH_SHOWN_MS = 120.0            # how long after the muscle AP the contraction is followed
STAGE_STEP = {"release": 3, "receptors": 4, "threshold": 5, "na-inactivation": 5}

def failure_sentence(ev: ImpulseEvent, rest_mV: float) -> str:
    """Where the chain broke, in one plain sentence."""
    stage = ev.failed_stage
    if stage == "release":
        return ("The chain broke at release: no vesicle fused, so no ACh reached the muscle "
                "(the pool is empty or there is too little Ca2+).")
    if stage == "receptors":
        return (f"The chain broke at the receptors: too few working ACh receptors, so the end-plate potential "
                f"({ev.focus_epp_mV:.0f} mV) stayed below the {ev.focus_needed_mV:.0f} mV needed.")
    if stage == "na-inactivation":
        return ("The chain broke at the Na+ channels: ACh lingering in the cleft keeps the end plate "
                "depolarised, Na+ channels inactivate and no muscle AP can start.")
    if stage == "threshold":
        return (f"The chain broke at threshold: the end-plate potential ({ev.focus_epp_mV:.0f} mV) fell short of "
                f"the {ev.focus_needed_mV:.0f} mV needed to reach {rest_mV + ev.focus_needed_mV:.0f} mV.")
    return ""


# The lens clock: junction milliseconds shown per second of play, by phase of the replay (at game speed 1).
# The quick steps of transmission are slowest (the AP runs into the terminal, Ca2+ enters, vesicles fuse, ACh
# crosses the 50 nm cleft in microseconds); the EPP's tail and the twitch (tens of ms) run faster.
PHASE_MS_PER_S = {"ap": 0.25, "calcium": 0.4, "fusion": 0.3, "diffusion": 0.5, "clearing": 2.0, "done": 8.0,
                  "idle": 8.0}
CONTRACTION_MS_PER_S = 40.0
FEW_ACH = 300                   # below this many ACh particles the clearing runs at the EPP-tail rate
LENS_SUBSTEP_MS = DEFAULT.lens.substep_ms   # the particle model's internal step
LENS_WORK_PER_FRAME = 60_000    # particle-substeps a frame may cost: heavy moments play slower, never stall
LENS_FIXED_COST = 10_000        # receptor kinetics cost about as much as this many particles per substep (lens bench)
LENS_SINGLE_STEP_S = 0.1        # one press of "step" shows what 0.1 s of play would
REPLAY_HOLD_S = 4.0             # seconds of play a replay keeps the lens before a newer impulse may take over
                                # (about the wall time of its transmission steps 1-5 at game speed 1)


def _clamp_frame(frame_s: float, max_frame_s: float = 0.25) -> float:
    if not (frame_s > 0.0):
        return 0.0
    return min(float(frame_s), max_frame_s)


@dataclass
class LensClock:
    """The lens's slow-motion clock. Each frame it turns wall time into junction time at the current rate,
    capped by a work budget (so many particles in flight slow the replay down instead of the frame rate);
    it follows the game's speed and pause, and single-steps with it. Deterministic: no wall-clock timing."""

    acc_ms: float = 0.0
    _single_s: float = 0.0
    last_rate: float = 0.0          # junction ms per play second actually shown last frame

    def request_step(self) -> None:
        self._single_s += LENS_SINGLE_STEP_S

    def advance(self, frame_s: float, rate_ms_per_s: float, paused: bool, cap_ms: float) -> float:
        """Junction ms to run this frame."""
        frame = _clamp_frame(frame_s)
        want = 0.0 if paused else frame * rate_ms_per_s
        if self._single_s:
            want += self._single_s * rate_ms_per_s / max(1e-9, 1.0)
            self._single_s = 0.0
            cap_ms = max(cap_ms, want)
        run = min(want, cap_ms)
        self.last_rate = run / frame if frame > 0 and not paused else 0.0
        return run

    def reset(self) -> None:
        self.acc_ms = 0.0
        self._single_s = 0.0


def _epp_shape(m: Membrane, tau_c: float, s: np.ndarray) -> np.ndarray:
    """The end plate's response (game.sim.kinetics.end_plate_response: a fast local part and a τm part) to an
    end-plate current decaying with tau_c, starting at s = 0 (unscaled)."""
    parts = []
    for tau in (m.endplate_fast_tau_ms, m.time_constant_ms):
        tc = tau_c * 0.999 if abs(tau - tau_c) < 1e-6 else tau_c
        parts.append(tau * tc / (tau - tc) * (np.exp(-s / tau) - np.exp(-s / tc)))
    return end_plate_response(parts[0], parts[1], m)


@lru_cache(maxsize=64)
def _epp_peak(m: Membrane, tau_c: float) -> tuple[float, float]:
    """(time in ms after the synaptic delay, height) of the unscaled EPP shape's peak (cached: the scope asks
    every frame for the same impulse)."""
    s = np.linspace(0.0, 5.0 * max(tau_c, m.endplate_fast_tau_ms) + 1.0, 2001)
    v = _epp_shape(m, tau_c, s)
    i = int(v.argmax())
    return float(s[i]), float(v[i])


def epp_waveform(ev: ImpulseEvent, params: Params, t_ms: np.ndarray) -> np.ndarray:
    """The focus EPP (mV above rest) of an impulse, built from the event: the end-plate current decays with
    `focus_epc_tau_ms` and drives the end plate's two passive parts (as the quantal table and the lens do);
    scaled to the model's peak `focus_epp_mV`, starting a synaptic delay after the impulse."""
    tau_c = max(0.05, float(ev.focus_epc_tau_ms) or 0.4)
    s = np.clip(np.asarray(t_ms, dtype=float) - SYNAPTIC_DELAY_MS, 0.0, None)
    _, peak = _epp_peak(params.membrane, tau_c)
    return float(ev.focus_epp_mV) * _epp_shape(params.membrane, tau_c, s) / (peak if peak > 0 else 1.0)


def muscle_ap(params: Params, rest_mV: float, s_ms: np.ndarray) -> np.ndarray:
    """A muscle action potential (mV) `s_ms` after it starts at threshold: a fast rise to the overshoot and
    repolarisation over params.muscle.ap_duration_ms (overshoot params.muscle.ap_peak_mV)."""
    dur = params.muscle.ap_duration_ms
    rise, fall = 0.06 * dur, 0.3 * dur
    tp = math.log(fall / rise) * fall * rise / (fall - rise)
    norm = math.exp(-tp / fall) - math.exp(-tp / rise)
    s = np.clip(np.asarray(s_ms, dtype=float), 0.0, None)
    return rest_mV + (params.muscle.ap_peak_mV - rest_mV) * (np.exp(-s / fall) - np.exp(-s / rise)) / norm


def membrane_trace(ev: ImpulseEvent, params: Params, t_ms: np.ndarray) -> np.ndarray:
    """Membrane potential at the focus end plate for a whole impulse (mV): rest + EPP, and the muscle AP
    from the threshold crossing when the fibre fired."""
    rest = params.membrane.resting_potential_mV
    t = np.asarray(t_ms, dtype=float)
    v = epp_waveform(ev, params, t)
    vm = rest + v
    if ev.focus_fired:
        above = np.flatnonzero(v >= ev.focus_needed_mV)
        if above.size:
            tc = t[above[0]]
            vm = np.where(t >= tc, np.maximum(vm, muscle_ap(params, rest, t - tc)), vm)
    return vm


# --- the junction state fed to the lens ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Junction:
    """What the lens needs to know about the focus junction now (copied from the model)."""

    achr_fraction: float = 1.0       # functional receptors, relative to healthy (Receptors.functional())
    antibody_block: float = 0.0      # share of receptors with an antibody on the ACh site
    desensitised: float = 0.0
    ache_activity: float = 1.0
    antibody: float = 0.0            # relative titre (0 healthy)
    fold_damage: float = 0.0
    rrp_fraction: float = 1.0
    mg: bool = False


def junction_from_sim(sim) -> Junction:
    """Read the focus junction's state from a `Sim` (read-only)."""
    from game.sim.components import Cleft, Endplate, Immunity, Model, Receptors, VesiclePools

    model = sim.get(Model)
    f = model.params.focus_fiber
    rec, cleft, ep = sim.get(Receptors), sim.get(Cleft), sim.get(Endplate)
    imm, pools = sim.get(Immunity), sim.get(VesiclePools)
    des = 0.0
    if rec.available is not None:
        des = float(1.0 - rec.available[f])
    functional = float(rec.functional()[f])          # block and desensitisation already taken out
    return Junction(achr_fraction=functional, antibody_block=float(rec.blocked), desensitised=des,
                    ache_activity=float(cleft.activity),
                    antibody=float(imm.antibody / imm.titre_scale) if imm.titre_scale > 0 else 0.0,
                    fold_damage=float(ep.fold_damage),
                    rrp_fraction=float(pools.rrp[f] / pools.rrp_capacity[f]) if pools.rrp_capacity[f] > 0 else 1.0,
                    mg=bool(model.condition.mg))


# --- what the lens shows ---------------------------------------------------------------------------------

@dataclass
class Replay:
    """One impulse being replayed."""

    event: ImpulseEvent | None            # None: a spontaneous quantum (MEPP)
    junction: Junction
    t_cross_ms: float | None = None       # lens time the EPP crossed threshold (fired only)
    mepp: bool = False


class LensPlayer:
    """Owns the lens particle model and its slow clock; chooses which impulse to replay."""

    def __init__(self, params: Params = DEFAULT, seed: int = 0, max_particles: int = 60_000,
                 n_active_zones: int = 8) -> None:
        self.params = params
        self.lens = Lens(params, seed, max_particles=max_particles, n_active_zones=n_active_zones)
        self.clock = LensClock()
        self.current: Replay | None = None
        self.pending: Replay | None = None
        self.last: Replay | None = None       # the last impulse shown (for "replay")
        self.junction = Junction()
        self.started = 0                      # replays started (impulses + MEPPs)
        self.reduced_motion = False
        self._t_ms = 0.0
        self.opened = False
        self.twitched = False
        self.events: list[str] = []           # sounds for the view: "vesicle", "receptor", "twitch"
        self.shown_s = 0.0                    # seconds of play the current replay has been on the lens
        self.skipped = 0                      # impulses not replayed because newer ones came (this replay)
        self.skipped_total = 0
        self._pending_skipped = 0

    # -- feeding ------------------------------------------------------------------------------------------
    def on_impulse(self, ev: ImpulseEvent, junction: Junction) -> None:
        """A new impulse happened at the focus junction. The lens shows it at once when it is free, showing a
        spontaneous quantum, or past the transmission steps of the impulse it shows (the contraction's tail).
        While it is in the middle of an impulse's transmission (held at most REPLAY_HOLD_S of play), the newest
        impulse waits and replaces any older one waiting; those replaced are counted as skipped."""
        self.junction = junction
        rp = Replay(ev, junction)
        if self._may_interrupt():
            self._start(rp)
            return
        if self.pending is not None:
            self._pending_skipped += 1
        self.pending = rp

    def _may_interrupt(self) -> bool:
        cur = self.current
        if cur is None or cur.mepp or not self.busy():
            return True
        return self.shown_s >= REPLAY_HOLD_S or self.step_index() >= 6

    def on_mepp(self, ev: MeppEvent, junction: Junction) -> None:
        self.junction = junction
        if not self.busy() and self.pending is None:
            self._start(Replay(None, junction, mepp=True))

    def set_junction(self, junction: Junction) -> None:
        self.junction = junction

    def replay(self) -> bool:
        """Show the last impulse again from the start. False when there is none yet."""
        if self.last is None:
            return False
        self.pending = None
        self._pending_skipped = 0
        self._start(Replay(self.last.event, self.last.junction))
        return True

    def _start(self, rp: Replay) -> None:
        j = rp.junction
        if rp.mepp:
            self.lens.start_mepp(j.achr_fraction, j.ache_activity, j.antibody_block, j.desensitised)
        else:
            ev = rp.event
            self.lens.start_impulse(int(ev.focus_quanta), j.achr_fraction, j.ache_activity, j.antibody_block,
                                    j.desensitised, bool(ev.focus_fired), float(ev.focus_epp_mV),
                                    float(ev.focus_needed_mV))
            self.last = rp
        if not rp.mepp:
            self.skipped = self._pending_skipped
            self.skipped_total += self._pending_skipped
            self._pending_skipped = 0
        self.current = rp
        self.shown_s = 0.0
        self.clock.reset()
        self._t_ms = float(self.lens.t_ms)
        self.opened = False
        self.twitched = False
        if not rp.mepp:
            self.events.append("vesicle")
        self.started += 1

    # -- time ---------------------------------------------------------------------------------------------
    @property
    def t_ms(self) -> float:
        """Replay time (ms after the AP reached the terminal); runs on after the particles are done."""
        if self.lens.phase in ("done", "idle"):
            return self._t_ms
        return float(self.lens.t_ms)

    def busy(self) -> bool:
        """True while the current replay still has something to show."""
        rp = self.current
        if rp is None:
            return False
        if rp.mepp:
            return self.lens.phase not in ("done", "idle")
        end = EPP_WINDOW_MS
        if rp.event is not None and rp.event.focus_fired:
            end = max(end, (rp.t_cross_ms or 0.0) + TWITCH_SHOWN_MS)
        return self.t_ms < end or self.lens.phase not in ("done", "idle")

    def rate(self) -> float:
        """Junction ms per second of play at game speed 1, for the moment of the replay shown now."""
        if self.current is None:
            return PHASE_MS_PER_S["idle"]
        if self.t_ms > EPP_WINDOW_MS and self.lens.phase in ("done", "idle"):
            return CONTRACTION_MS_PER_S
        if self.lens.phase == "clearing" and self.lens.ach_count < FEW_ACH:
            return PHASE_MS_PER_S["done"]          # the last stragglers: the EPP's tail matters now
        return PHASE_MS_PER_S.get(self.lens.phase, 1.0)

    def work_cap_ms(self) -> float:
        """Most junction time one frame may run, from the particles in flight (a deterministic budget)."""
        if self.lens.phase in ("done", "idle"):
            return 1e9
        cost = self.lens.ach_count + LENS_FIXED_COST
        return max(1, LENS_WORK_PER_FRAME // cost) * LENS_SUBSTEP_MS

    def shown_rate(self) -> float:
        return self.clock.last_rate

    def update(self, frame_s: float, speed: float, paused: bool, step: bool = False) -> float:
        """Advance the lens for one frame; returns the junction ms run."""
        if step:
            self.clock.request_step()
        if self.current is None:
            self.clock.advance(frame_s, 0.0, True, 0.0)
            return 0.0
        if not paused:
            self.shown_s += max(0.0, frame_s) * speed
        rate = self.rate() * speed * (0.6 if self.reduced_motion else 1.0)
        run = self.clock.advance(frame_s, rate, paused, self.work_cap_ms())
        if run > 0:
            was_running = self.lens.phase not in ("done", "idle")
            self.lens.step(run)
            if was_running and self.lens.phase in ("done", "idle"):
                self._t_ms = float(self.lens.t_ms)
            elif not was_running:
                self._t_ms += run
            self._find_crossing()
            if not self.opened and self.lens.open_channels > 0:
                self.opened = True
                self.events.append("receptor")
            if self.current is not None and self.current.t_cross_ms is not None and not self.twitched \
                    and self.t_ms >= self.current.t_cross_ms:
                self.twitched = True
                self.events.append("twitch")
        if self.pending is not None and self._may_interrupt():
            rp, self.pending = self.pending, None
            self._start(rp)
        return run

    def _find_crossing(self) -> None:
        rp = self.current
        if rp is None or rp.mepp or rp.t_cross_ms is not None or not rp.event.focus_fired:
            return
        t, v = self.epp_trace()
        if t.size and v.size:
            above = np.flatnonzero(v >= rp.event.focus_needed_mV)
            if above.size and t[above[0]] <= self.t_ms:
                rp.t_cross_ms = float(t[above[0]])
                return
        if t.size == 0 and self.t_ms >= self._analytic_peak_ms(rp.event) * 0.6:
            rp.t_cross_ms = self._analytic_peak_ms(rp.event) * 0.6

    # -- the EPP ------------------------------------------------------------------------------------------
    def epp_trace(self) -> tuple[np.ndarray, np.ndarray]:
        """The focus EPP so far (lens ms, mV above rest), from the lens model, or built from the event."""
        lens = self.lens
        v = np.asarray(lens.epp_trace_mV, dtype=float)
        t = np.asarray(lens.open_trace_t_ms, dtype=float)
        if v.size and t.size == v.size:
            return t, v
        rp = self.current
        if rp is None or rp.event is None:
            return np.zeros(0), np.zeros(0)
        t = np.linspace(0.0, min(self.t_ms, EPP_WINDOW_MS), max(2, int(min(self.t_ms, EPP_WINDOW_MS) / 0.05)))
        return t, self._analytic_epp(rp.event, t)

    def _analytic_epp(self, ev: ImpulseEvent, t: np.ndarray) -> np.ndarray:
        return epp_waveform(ev, self.params, t)

    def _analytic_peak_ms(self, ev: ImpulseEvent) -> float:
        tau_c = max(0.05, float(ev.focus_epc_tau_ms) or 0.4)
        return SYNAPTIC_DELAY_MS + _epp_peak(self.params.membrane, tau_c)[0]

    def scope(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Membrane potential at the end plate so far (lens ms, mV), the resting potential and threshold.
        When the fibre fires, a muscle AP rises from the threshold crossing."""
        rest = self.params.membrane.resting_potential_mV
        rp = self.current
        needed = rp.event.focus_needed_mV if rp is not None and rp.event is not None else \
            self.params.membrane.threshold_gap_mean_mV
        t, v = self.epp_trace()
        if t.size:
            keep = t <= self.t_ms + 1e-9
            t, v = t[keep], v[keep]
        vm = rest + v
        if rp is not None and rp.t_cross_ms is not None and t.size:
            # the muscle AP rises from threshold, overshoots and repolarises; the EPP tail shows after it
            vm = np.where(t >= rp.t_cross_ms, np.maximum(vm, muscle_ap(self.params, rest, t - rp.t_cross_ms)), vm)
        return t, vm, rest, rest + needed

    # -- the muscle side ----------------------------------------------------------------------------------
    def muscle(self) -> tuple[float, float, float]:
        """(sarcolemma AP fraction or -1, SR Ca2+ level 0..1, sarcomere shortening 0..1) at lens time now."""
        rp = self.current
        if rp is None or rp.t_cross_ms is None:
            return -1.0, 0.0, 0.0
        m = self.params.muscle
        s = self.t_ms - rp.t_cross_ms
        if s < 0:
            return -1.0, 0.0, 0.0
        frac = s / MUSCLE_AP_SPREAD_MS
        ap = frac if frac <= 1.0 else -1.0
        on = s - m.latent_period_ms
        if on <= 0:
            return ap, 0.0, 0.0
        ca = (1.0 - math.exp(-on / 1.0)) * math.exp(-on / m.sr_ca_tau_ms)
        tf, tc = m.force_tau_ms, m.sr_ca_tau_ms
        shape = (math.exp(-on / tf) - math.exp(-on / tc))
        tp = math.log(tf / tc) * tf * tc / (tf - tc)
        peak = math.exp(-tp / tf) - math.exp(-tp / tc)
        twitch = max(0.0, shape / peak) if peak > 0 else 0.0
        return ap, min(1.0, ca * 1.3), 0.55 * twitch

    def step_index(self) -> int:
        """Which of the six CHAIN_STEPS is happening now (1..6; 0 = nothing yet)."""
        rp = self.current
        if rp is None or rp.mepp:
            return 0                # a spontaneous quantum is no impulse: no step of the chain is ticked
        ph = self.lens.phase
        if rp.t_cross_ms is not None and self.t_ms >= rp.t_cross_ms:
            ap, sr, _ = self.muscle()
            return 6 if (sr > 0.02 or ap < 0) else 5
        return {"idle": 0, "ap": 1, "calcium": 2, "fusion": 3, "diffusion": 4, "clearing": 4, "done": 4}.get(ph, 0)

    def failure(self) -> tuple[int, str] | None:
        """(chain step, sentence) once the replay has shown the failed EPP, else None."""
        rp = self.current
        if rp is None or rp.event is None or rp.event.failed_stage is None:
            return None
        stage = rp.event.failed_stage
        shown_at = {"release": 1.5, "receptors": 4.0, "threshold": 4.0, "na-inactivation": 4.0}.get(stage, 4.0)
        if self.t_ms < shown_at and self.lens.phase not in ("done", "clearing"):
            return None
        return STAGE_STEP.get(stage, 5), failure_sentence(rp.event, self.params.membrane.resting_potential_mV)
