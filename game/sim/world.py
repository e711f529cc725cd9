"""The world factory and `Sim`, the one handle the rest of the game uses to run a model.

`new_world(spec, seed)` fills the current esper world with the junction-and-muscle entities and the
scheduled systems. `Sim` owns one named esper world: it switches to it around every call, so several
models (the game's, a strength probe's clone, a test's) can live side by side.
"""
from __future__ import annotations

import copy
import itertools
import math

import esper
import numpy as np

from game.sim import schedule
from game.sim.limits import FIBERS_MAX, FIBERS_MIN
from game.sim.catchup import LAZY, bring_up_to_date, up_to_date
from game.sim.components import (Bath, CalciumEntry, Cleft, Clock, Contractile, Drugs, Endplate, History, Immunity,
                                 Inbox, Model, Nerve, Objectives, Receptors, Sarcolemma, VesiclePools)
from game.sim.events import Readout
from game.sim.params import CONDITIONS, DAMAGED_ACHR_FRACTION, DEFAULT, MUSCLE_GROUPS, Params, with_changes
from game.sim.spec import CONDITIONS as CONDITION_NAMES
from game.sim.spec import MUSCLE_GROUPS as GROUP_NAMES
from game.sim.spec import WorldSpec
from game.sim.systems import immune
from game.sim.systems._access import single
from game.sim.systems.release import NormalBuffer
from game.sim.systems.pharmacology import drug_state
from game.sim.systems.temperature import table_at, table_temperature

_world_ids = itertools.count(1)
FIBER_SIZE_CV = 0.3
SECONDS_PER_DAY = 86400.0


class SpecError(ValueError):
    """A WorldSpec the model cannot build (names the field and what is expected)."""


def check_spec(spec: WorldSpec) -> None:
    def bad(field: str, expected: str, got: object) -> SpecError:
        return SpecError(f"{field}: expected {expected} (got {got!r})")

    if spec.condition not in CONDITION_NAMES:
        raise bad("condition", "one of " + ", ".join(CONDITION_NAMES), spec.condition)
    if spec.muscle_group not in GROUP_NAMES:
        raise bad("muscle_group", "one of " + ", ".join(GROUP_NAMES), spec.muscle_group)
    if not (FIBERS_MIN <= spec.n_fibers <= FIBERS_MAX):
        raise bad("n_fibers", f"a whole number from {FIBERS_MIN} to {FIBERS_MAX}", spec.n_fibers)
    if spec.achr_fraction is not None and not (0.0 < spec.achr_fraction <= 1.5):
        raise bad("achr_fraction", "a fraction above 0 and at most 1.5", spec.achr_fraction)
    if spec.antibody_titre is not None and not (0.0 <= spec.antibody_titre <= 20.0):
        raise bad("antibody_titre", "a relative titre from 0 to 20", spec.antibody_titre)
    for name in ("ca_mM", "mg_mM"):
        v = getattr(spec, name)
        if not (0.0 <= v <= 20.0) or not math.isfinite(v):
            raise bad(name, "a concentration from 0 to 20 mM", v)
    if not (0.0 <= spec.ache_inhibition <= 1.0):
        raise bad("ache_inhibition", "a fraction from 0 to 1", spec.ache_inhibition)
    # lab agents and temperature (issue 7 part B)
    for name in ("curare_occupancy", "botulinum_fraction", "organophosphate_fraction"):
        v = getattr(spec, name)
        if not (0.0 <= v <= 1.0):
            raise bad(name, "a fraction from 0 to 1", v)
    c = DEFAULT.contrast
    if spec.temperature_c is not None and not (c.temperature_min_c <= spec.temperature_c <= c.temperature_max_c):
        raise bad("temperature_c", f"a muscle temperature from {c.temperature_min_c:g} to {c.temperature_max_c:g} °C",
                  spec.temperature_c)


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    s2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - 0.5 * s2, math.sqrt(s2), n)


def _immunity(spec: WorldSpec, params: Params) -> tuple[Immunity, float]:
    """The starting immune state (steady state of the condition or the overrides) and the blocked share."""
    cond = CONDITIONS[spec.condition]
    shares = [spec.mechanism_block, spec.mechanism_complement, spec.mechanism_modulation]
    defaults = [cond.mechanism_block, cond.mechanism_complement, cond.mechanism_modulation]
    shares = [d if s is None else max(0.0, s) for s, d in zip(shares, defaults)]
    total = sum(shares) or 1.0
    imm = Immunity(block_share=shares[0] / total, complement_share=shares[1] / total, modulation_share=shares[2] / total)
    ip = params.immune
    reference = cond if cond.mg else CONDITIONS["mg-moderate"]
    target = reference.achr_target
    if reference.achr_target_by_group is not None:   # anti-MuSK: the loss differs between muscles
        target = reference.achr_target_by_group.get(spec.muscle_group, target)
    titre0 = immune.titre_for_functional_achr(ip, imm, target)
    if spec.antibody_titre is not None:
        ab = titre0 * spec.antibody_titre
    elif spec.achr_fraction is not None:
        ab = immune.titre_for_functional_achr(ip, imm, min(spec.achr_fraction, 1.0))
    else:
        ab = titre0 if cond.mg else 0.0
    achr, block, fold = immune.steady_state(ip, imm, ab)
    if spec.achr_fraction is not None:
        achr = spec.achr_fraction / (1.0 - block)
    imm.antibody = ab
    imm.titre_scale = ab
    imm.production = ab * math.log(2.0) / ip.igg_half_life_days
    imm.achr = achr
    imm.fold_damage = fold
    return imm, block


def new_world(spec: WorldSpec, seed: int = 0, params: Params = DEFAULT, history: bool = False,
              impulse_events: bool = True) -> None:
    """Populate the current esper world from `spec` (the only factory of worlds)."""
    check_spec(spec)
    seeds = np.random.SeedSequence(seed).spawn(3)
    rng_fibers = np.random.default_rng(seeds[0])
    n = spec.n_fibers
    cond = CONDITIONS[spec.condition]
    group = MUSCLE_GROUPS[spec.muscle_group]
    pre, mem, mus = params.presynaptic, params.membrane, params.muscle
    imm, block = _immunity(spec, params)

    capacity = _lognormal(rng_fibers, pre.rrp_sites_mean * group.release_scale * cond.release_gain, pre.rrp_sites_cv, n)
    if spec.botulinum_fraction > 0.0:   # botulinum toxin: disabled sites release neither evoked nor spontaneous quanta
        capacity = capacity * (1.0 - spec.botulinum_fraction)
        params = with_changes(params, presynaptic={"mepp_rate_per_s": pre.mepp_rate_per_s * (1.0 - spec.botulinum_fraction)})
    temperature_c = params.contrast.reference_temperature_c if spec.temperature_c is None else spec.temperature_c
    damaged = cond.mg or (spec.achr_fraction is not None and spec.achr_fraction < DAMAGED_ACHR_FRACTION)
    fiber_scale = _lognormal(rng_fibers, 1.0, mem.achr_fiber_cv_mg if damaged else mem.achr_fiber_cv_healthy, n)
    gap = np.clip(rng_fibers.normal(mem.threshold_gap_mean_mV, mem.threshold_gap_sd_mV, n), 0.5 * mem.threshold_gap_mean_mV, None)
    size = _lognormal(rng_fibers, 1.0, FIBER_SIZE_CV, n)
    # drawn last, and only when the condition asks for it, so every other preparation keeps its fibres
    p_scale = _lognormal(rng_fibers, 1.0, cond.release_p_cv, n) if cond.release_p_cv > 0 else None
    weight = size / size.sum()

    esper.create_entity(
        Model(params=params, table=table_at(params, temperature_c), condition=cond,
              muscle_group=group, rng_release=np.random.default_rng(seeds[1]),
              rng_mepp=np.random.default_rng(seeds[2]), n_fibers=n),
        Clock(), Inbox(impulse_events=impulse_events), History(enabled=history),
    )
    esper.create_entity(Nerve())
    t_table = table_temperature(params.contrast, temperature_c)
    esper.create_entity(Bath(spec.ca_mM, spec.mg_mM, temperature_c=temperature_c, baseline_c=temperature_c, table_c=t_table),
                        CalciumEntry(),
                        VesiclePools(t_s=0.0, rrp=capacity.copy(), rrp_capacity=capacity, normals=NormalBuffer(),
                                     p_scale=p_scale))
    junction_ache = cond.junction_ache_fraction
    esper.create_entity(Cleft(bath_block=spec.ache_inhibition, junction_fraction=junction_ache,
                              irreversible_block=spec.organophosphate_fraction,
                              activity=(1.0 - spec.ache_inhibition) * junction_ache * (1.0 - spec.organophosphate_fraction)))
    esper.create_entity(
        Receptors(t_s=0.0, fiber_scale=fiber_scale, global_fraction=imm.achr, blocked=block, available=np.ones(n),
                  bath_blocked=spec.curare_occupancy),
        Endplate(t_s=0.0, gap_mV=gap, fold_damage=imm.fold_damage, fold_scale=np.clip(2.0 - fiber_scale, 0.2, 2.0),
                 residual_mV=np.zeros(n)),
    )
    esper.create_entity(
        Sarcolemma(cmap_weight_mV=weight * mus.cmap_total_mV, last_fired=np.zeros(n, dtype=bool)),
        Contractile(t_s=0.0, ca=0.0, force=0.0, weight=weight, ca_tau_ms=mus.sr_ca_tau_ms,
                    force_tau_ms=mus.force_tau_ms * group.force_tau_scale,
                    smoothing_tau_ms=params.clinical.force_smoothing_s * 1000.0),
    )
    esper.create_entity(Drugs(), imm, Objectives(tasks=tuple(sorted(spec.demand, key=lambda d: d.start_s))))
    schedule.install()


class Sim:
    """One model in its own esper world. All access to the model outside game.sim goes through here."""

    def __init__(self, spec: WorldSpec | None = None, seed: int = 0, params: Params = DEFAULT,
                 history: bool = False, impulse_events: bool = True, _build: bool = True) -> None:
        """`history` keeps a per-impulse table (experiments); `impulse_events=False` skips the per-impulse
        events the view needs (headless bots)."""
        self.spec = spec or WorldSpec()
        self.seed = seed
        self.name = f"sim-{next(_world_ids)}"
        if _build:
            with self._active():
                new_world(self.spec, seed, params, history, impulse_events)

    # -- world switching ---------------------------------------------------------------------------
    class _Active:
        def __init__(self, name: str) -> None:
            self.name = name

        def __enter__(self) -> None:
            self.previous = esper.current_world
            esper.switch_world(self.name)

        def __exit__(self, *exc: object) -> None:
            if self.previous != self.name and self.previous in esper.list_worlds():
                esper.switch_world(self.previous)

    def _active(self) -> "Sim._Active":
        return Sim._Active(self.name)

    # -- driving -----------------------------------------------------------------------------------
    def submit(self, *intents: object) -> None:
        with self._active():
            single(Inbox).intents.extend(intents)

    def step(self, dt_s: float) -> None:
        if not (dt_s >= 0.0) or not math.isfinite(dt_s):
            raise ValueError(f"step length must be a finite number of seconds ≥ 0 (got {dt_s})")
        with self._active():
            esper.process(dt_s)

    def run(self, seconds: float, dt_s: float = 0.05) -> None:
        """Advance by `seconds` in steps of at most dt_s (the last one shorter)."""
        end = self.t_s + seconds
        with self._active():
            clock = single(Clock)
            while clock.t_s < end - 1e-12:
                esper.process(min(dt_s, end - clock.t_s))

    def drain_events(self) -> list:
        with self._active():
            inbox = single(Inbox)
            out, inbox.events = inbox.events, []
            return out

    def get(self, component_type: type) -> object:
        """Read-only access to a component, brought up to the current model time (for experiments, the
        lens and tests; do not mutate)."""
        with self._active():
            if component_type in LAZY:
                return up_to_date(single(Clock).t_s)[component_type]
            return single(component_type)

    @property
    def t_s(self) -> float:
        with self._active():
            return single(Clock).t_s

    def history_detail(self, on: bool) -> None:
        """Keep per-fibre detail (safety factors, EPC decay) in the history rows (default) or only the
        population summary (long trains: faster)."""
        with self._active():
            single(History).detail = on

    def history(self) -> list[dict]:
        with self._active():
            return single(History).rows

    # -- snapshots ---------------------------------------------------------------------------------
    def readout(self) -> Readout:
        with self._active():
            clock, nerve = single(Clock), single(Nerve)
            now = up_to_date(clock.t_s)
            pools, ca, rec, ep = now[VesiclePools], now[CalciumEntry], now[Receptors], now[Endplate]
            bath, cleft, drugs = single(Bath), single(Cleft), single(Drugs)
            imm, con = single(Immunity), single(Contractile)
            obj, model = single(Objectives), single(Model)
            last = nerve.last
            task = obj.tasks[obj.active].name if obj.active is not None and obj.demand > 0 else ""
            f = model.params.focus_fiber
            return Readout(
                t_s=clock.t_s, train_active=nerve.train_next_s is not None, train_frequency_hz=nerve.train_hz,
                pulses=nerve.pulses, rrp_fraction=float(pools.rrp.sum() / pools.rrp_capacity.sum()),
                reserve_fraction=pools.reserve, potentiation=ca.potentiation, ca_mM=bath.ca_mM, mg_mM=bath.mg_mM,
                ache_inhibition=min(1.0, max(0.0, 1.0 - cleft.activity / cleft.junction_fraction))
                if cleft.junction_fraction > 0 else 0.0, drug_inhibition=dict(drugs.inhibition_by_drug),
                side_effects=drugs.side_effects,
                antibody=imm.antibody / imm.titre_scale if imm.titre_scale > 0 else 0.0,
                achr_fraction=float(rec.functional().mean()), fold_damage=ep.fold_damage,
                force=con.smoothed, demand=obj.demand, task=task,
                last_fibers_fired_fraction=float(last.fired.mean()) if last is not None else 0.0,
                last_cmap_mV=last.cmap_mV if last is not None else 0.0,
                sustained_depolarisation_mV=float(ep.residual_mV[f]),
                na_available=float(last.na_available[f]) if last is not None and last.na_available is not None else 1.0,
                desensitised=1.0 - float(rec.available.mean()),
                myasthenic_crisis=obj.myasthenic_crisis, cholinergic_crisis=obj.cholinergic_crisis,
                ventilated=obj.ventilated,
                junction_ache=cleft.junction_fraction,
            )

    def drug_levels_at(self, t_s: float) -> tuple[float, float]:
        """(AChE inhibition, side effects) the doses given so far would produce at model time t_s."""
        with self._active():
            _, inhibition, _, side = drug_state(single(Model), single(Drugs), t_s)
            return inhibition, side

    def clone(self) -> "Sim":
        """An independent copy of this model (same state, same random streams) with an empty history,
        e.g. to probe the patient's strength without disturbing the game."""
        other = Sim(self.spec, self.seed, _build=False)
        with self._active():
            now = single(Clock).t_s
            model = single(Model)
            memo = {id(model.params): model.params, id(model.table): model.table,
                    id(model.condition): model.condition, id(model.muscle_group): model.muscle_group}
            entities = []
            for e in esper.get_entities():
                comps = []
                for c in esper.components_for_entity(e):
                    if isinstance(c, History):
                        comps.append(History(enabled=c.enabled))
                    elif isinstance(c, Inbox):
                        comps.append(Inbox(intents=list(c.intents), impulse_events=c.impulse_events))
                    else:
                        comps.append(copy.deepcopy(c, memo))
                entities.append(comps)
        with other._active():
            for comps in entities:
                esper.create_entity(*comps)
            schedule.install()
            bring_up_to_date(now)
        return other

    def close(self) -> None:
        """Delete this model's esper world."""
        if self.name in esper.list_worlds():
            if esper.current_world == self.name:
                esper.switch_world("default")
            esper.delete_world(self.name)

    def __enter__(self) -> "Sim":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

