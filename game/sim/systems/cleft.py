"""Cleft: acetylcholinesterase in the basal lamina. Its remaining activity decides how fast ACh is
cleared, hence how long each quantum acts (through the quantal table) and whether ACh lingers.

Reads: Cleft (bath block, drug block), Nerve.impulses. Writes: Cleft.activity, ImpulseRecord.ache_activity.
"""
from __future__ import annotations


import math

from game.sim.components import Cleft, Model, Nerve
from game.sim.systems._access import System, single


class CleftSystem(System):
    def resynthesis_tau_s(self) -> float:
        return self.c(Model).params.contrast.ache_resynthesis_half_life_days * 86400.0 / math.log(2.0)

    def process(self, dt_s: float) -> None:
        cleft = self.c(Cleft)
        if cleft.irreversible_block and dt_s > 0:   # new AChE replaces the enzyme an organophosphate destroyed
            cleft.irreversible_block *= math.exp(-dt_s / self.resynthesis_tau_s())
        cleft.activity = ((1.0 - cleft.bath_block) * (1.0 - cleft.drug_block) * cleft.junction_fraction
                          * (1.0 - cleft.irreversible_block))
        for r in self.c(Nerve).impulses:
            r.ache_activity = cleft.activity
