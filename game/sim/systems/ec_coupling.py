"""Excitation–contraction coupling: the muscle AP runs down the T-tubules, the voltage sensors open the
SR's release channels and Ca2+ floods the cytosol; the transient decays as the SR pumps it back, and
cross-bridge force follows it (a two-stage linear chain solved exactly between impulses, so twitches sum
into a fused tetanus at high rates). The chain is linear, so it is carried for the whole muscle at once:
each impulse adds the size-weighted share of fibres that fired. Each AP also tires the muscle a little (metabolic fatigue, recovered over
minutes): the twitch it triggers is scaled by (1 − fatigue).
Reads: Nerve.impulses (fired), Contractile, Model. Writes: Contractile.ca/force/smoothed.
"""
from __future__ import annotations


import math

from game.sim.components import Contractile, History, Inbox, Model, Nerve
from game.sim.laws import advance_contractile, chain_step
from game.sim.memo import Memo
from game.sim.systems._access import System, single


def advance_to(c: Contractile, t_s: float) -> None:
    """Exact advance of the Ca2+ transient, the force and the smoothed population force (no impulse inside)."""
    dt_ms = (t_s - c.t_s) * 1000.0
    if dt_ms > 0:
        step = chain_step(dt_ms, c.ca_tau_ms, c.force_tau_ms, c.smoothing_tau_ms)
        c.smoothed, c.ca, c.force = step.advance(c.smoothed, c.force, c.ca)
        c.t_s = t_s


MAX_CACHED_STEPS = 64   # chain steps kept by interval


class ECCouplingSystem(System):
    def __init__(self) -> None:
        super().__init__()
        self._taus: tuple | None = None
        self._steps: Memo | None = None

    def process(self, dt_s: float) -> None:
        blocks = self.c(Nerve).blocks
        if not blocks:
            return
        c = self.c(Contractile)
        mus = self.c(Model).params.muscle
        delay_s = mus.force_sample_delay_ms / 1000.0
        reported = self.c(Inbox).impulse_events or self.c(History).enabled
        weight = c.weight
        sample = chain_step(delay_s * 1000.0, c.ca_tau_ms, c.force_tau_ms, c.smoothing_tau_ms)
        taus = (c.ca_tau_ms, c.force_tau_ms, c.smoothing_tau_ms)
        if taus != self._taus:    # the chain's steps by interval (a train's intervals repeat), without building
            self._taus = taus     # laws.chain_step's key for every impulse
            self._steps = Memo(lambda dt_ms: chain_step(dt_ms, *taus), MAX_CACHED_STEPS)
        steps = self._steps
        recovery_tau_s, per_ap = mus.fatigue_recovery_tau_s, mus.fatigue_per_ap
        ef, cross = sample.ef, sample.cross
        # the muscle's state in local values through the step's impulses (written back below)
        t_c, smoothed, ca, force = c.t_s, c.smoothed, c.ca, c.force
        fatigue, fatigue_t = c.fatigue, c.fatigue_t_s
        for b in blocks:
            # each impulse's size-weighted share of fibres that fired (weight @ fired): one matrix-vector product
            for r, fired_share in zip(b.records, (b.fired01 @ weight).tolist()):
                t_s = r.t_s
                dt_ms = (t_s - t_c) * 1000.0      # = advance_to(c, t_s)
                if dt_ms > 0:
                    smoothed, ca, force = steps[dt_ms].advance(smoothed, force, ca)
                    t_c = t_s
                # muscle fatigue: each AP of the muscle costs a little twitch force, recovered over minutes of rest
                if fatigue:
                    fatigue *= math.exp(-(t_s - fatigue_t) / recovery_tau_s)
                fatigue_t = t_s
                aps = fired_share if r.repetitive is None else fired_share + float(weight @ r.repetitive)
                ca += aps * (1.0 - fatigue)
                fatigue += per_ap * fired_share * (1.0 - fatigue)
                if reported:   # = population_force_after(c, delay_s)
                    r.force = force * ef + ca * cross
        c.t_s, c.smoothed, c.ca, c.force = t_c, smoothed, ca, force
        c.fatigue, c.fatigue_t_s = fatigue, fatigue_t


def population_force_after(c: Contractile, delay_s: float) -> float:
    """Population force `delay_s` after c.t_s if no further impulse comes (near the twitch peak): the
    two-stage chain is linear, so it is computed on the weighted sums."""
    step = chain_step(delay_s * 1000.0, c.ca_tau_ms, c.force_tau_ms, c.smoothing_tau_ms)
    return float(c.force * step.ef + c.ca * step.cross)
