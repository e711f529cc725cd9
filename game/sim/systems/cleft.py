"""Cleft: acetylcholinesterase in the basal lamina. Its remaining activity decides how fast ACh is
cleared, hence how long each quantum acts (through the quantal table) and whether ACh lingers.

Reads: Cleft (bath block, drug block), Nerve.impulses. Writes: Cleft.activity, ImpulseRecord.ache_activity.
"""
from __future__ import annotations


from game.sim.components import Cleft, Nerve
from game.sim.systems._access import System, single


class CleftSystem(System):
    def process(self, dt_s: float) -> None:
        cleft = self.c(Cleft)
        cleft.activity = (1.0 - cleft.bath_block) * (1.0 - cleft.drug_block)
        for r in self.c(Nerve).impulses:
            r.ache_activity = cleft.activity
