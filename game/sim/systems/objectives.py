"""Objectives: the level's demand timeline (is the force the task needs being produced?) and the
patient's crises.

- Demand: while a task runs, time counts as met when the smoothed force reaches the task's force.
- Capacity: the share of fibres that a fresh impulse would fire now (expected release, no noise).
- Myasthenic crisis (respiratory and bulbar muscles): capacity below the crisis level for longer than the
  hold time, unless the patient is ventilated.
- Cholinergic crisis: muscarinic load beyond its limit, or too many fibres in depolarisation block.
Reads: Clock, Contractile, Drugs, Nerve.last, VesiclePools, CalciumEntry, Bath, Receptors, Endplate,
Cleft, Objectives, Model. Writes: Objectives; Inbox.events (TaskEvent, CrisisEvent).
"""
from __future__ import annotations

import numpy as np

from game.sim.components import (Bath, CalciumEntry, Cleft, Clock, Contractile, Drugs, Endplate, Inbox, Model,
                                 Nerve, Objectives, Receptors, VesiclePools)
from game.sim.events import CrisisEvent, TaskEvent
from game.sim.catchup import up_to_date
from game.sim.kinetics import martin
from game.sim.laws import na_available, needed_mV, release_probability
from game.sim.systems._access import System, single

CAPACITY_EVERY_S = 2.0
CRISIS_GROUPS = ("respiratory", "bulbar")
MET_TOLERANCE = 0.98


def capacity(model: Model, t_s: float) -> float:
    """Share of fibres (by force weight) that one impulse would fire at t_s, with release at its mean."""
    pre, mem = model.params.presynaptic, model.params.membrane
    now = up_to_date(t_s)
    ca, bath, pools = now[CalciumEntry], single(Bath), now[VesiclePools]
    ep, rec, cleft = now[Endplate], now[Receptors], single(Cleft)
    p = min(0.95, release_probability(pre, bath.ca_mM, bath.mg_mM, ca.dap_effect) * (1 + ca.facilitation))
    v_col, _, _ = model.table.column(cleft.activity)
    q = np.interp(rec.functional(), model.table.achr, v_col)
    sustained = ep.residual_mV
    epp = martin(pools.rrp * p * q, mem.ach_reversal_mV - mem.resting_potential_mV - sustained)
    needed = needed_mV(mem, ep.gap_mV, ep.fold_damage, ep.fold_scale) / np.maximum(na_available(mem, sustained), 1e-3)
    return float(((epp + sustained) >= needed) @ single(Contractile).weight)


class ObjectivesSystem(System):
    def process(self, dt_s: float) -> None:
        obj = self.c(Objectives)
        clock = self.c(Clock)
        model = self.c(Model)
        events = self.c(Inbox).events
        t1 = clock.t_s + dt_s
        self.tasks(obj, clock.t_s, t1, dt_s, self.c(Contractile).smoothed, events)
        if t1 >= obj.next_capacity_s and model.muscle_group.name in CRISIS_GROUPS:
            obj.capacity = capacity(model, t1)      # only breathing and swallowing muscles can cause a crisis
            obj.next_capacity_s = t1 + CAPACITY_EVERY_S
        last = self.c(Nerve).last
        if last is not None:
            na = last.na_available
            obj.block_fraction = 0.0 if na is None else float(np.count_nonzero(na < 0.5)) / len(na)
        # myasthenic crisis
        clin = model.params.clinical
        if model.muscle_group.name in CRISIS_GROUPS and not obj.ventilated and obj.capacity < clin.crisis_capacity:
            obj.low_capacity_s += dt_s
        else:
            obj.low_capacity_s = 0.0
        crisis = obj.low_capacity_s >= clin.crisis_hold_s
        if crisis != obj.myasthenic_crisis:
            obj.myasthenic_crisis = crisis
            events.append(CrisisEvent(t1, "myasthenic", crisis))
        ph = model.params.pharmacology
        chol = self.c(Drugs).side_effects >= ph.cholinergic_crisis_side_effects or obj.block_fraction >= ph.cholinergic_block_fraction
        if chol != obj.cholinergic_crisis:
            obj.cholinergic_crisis = chol
            events.append(CrisisEvent(t1, "cholinergic", chol))

    def tasks(self, obj: Objectives, t0: float, t1: float, dt_s: float, force: float, events: list) -> None:
        obj.demand = 0.0
        for i, task in enumerate(obj.tasks):
            start, end = task.start_s, task.start_s + task.duration_s
            if t0 <= start < t1:
                events.append(TaskEvent(start, task.name, True))
                obj.met_s.setdefault(task.name, 0.0)
            overlap = min(t1, end) - max(t0, start)
            if overlap > 0:
                obj.demand = max(obj.demand, task.force_fraction)
                obj.active = i
                if force >= task.force_fraction * MET_TOLERANCE:
                    obj.met_s[task.name] = obj.met_s.get(task.name, 0.0) + overlap
            if t0 <= end < t1:
                met = obj.met_s.get(task.name, 0.0) / task.duration_s if task.duration_s > 0 else 1.0
                obj.results[task.name] = min(1.0, met)
                events.append(TaskEvent(end, task.name, False, min(1.0, met)))
