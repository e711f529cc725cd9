"""Receptors: ACh binding two sites of each AChR and opening it, looked up per fibre from the quantal
table (receptor number × AChE activity), and desensitisation built by ACh exposure.

Functional receptors per fibre = fibre scale × immune-set fraction × (1 − antibody block) × (1 − desensitised).
Reads: Receptors, Nerve.impulses (quanta, AChE activity), Model.table. Writes: ImpulseRecord.q_lin_mV,
tau_ms, open_peak; Receptors.desensitised.
"""
from __future__ import annotations

import math

import esper
import numpy as np

from game.sim.components import Clock, Model, Nerve, Receptors
from game.sim.systems._access import single

HEALTHY_EPP_LIN_MV = 80.0   # linear size of a healthy EPP, the unit of ACh exposure for desensitisation


def recover_to(rec: Receptors, tau_s: float, t_s: float) -> None:
    dt = t_s - rec.t_s
    if dt > 0:
        if rec.desensitised.any():
            rec.desensitised *= math.exp(-dt / tau_s)
        rec.t_s = t_s


class ReceptorSystem(esper.Processor):
    def process(self, dt_s: float) -> None:
        rec = single(Receptors)
        model = single(Model)
        mem = model.params.membrane
        for r in single(Nerve).impulses:
            recover_to(rec, mem.desensitisation_tau_s, r.t_s)
            v_col, tau_col, open_col = model.table.column(r.ache_activity)
            a = rec.functional()
            r.q_lin_mV = np.interp(a, model.table.achr, v_col)
            r.tau_ms = np.interp(a, model.table.achr, tau_col)
            r.open_peak = np.interp(a, model.table.achr, open_col)
            exposure = r.quanta * r.q_lin_mV * (mem.desensitisation_per_epp / HEALTHY_EPP_LIN_MV / (r.ache_activity + 0.1))
            rec.desensitised += exposure * (1.0 - rec.desensitised)
        recover_to(rec, mem.desensitisation_tau_s, single(Clock).t_s + dt_s)
