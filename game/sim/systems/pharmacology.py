"""Pharmacology: drug amounts at their effect sites → AChE inhibition, 3,4-DAP effect, muscarinic load.

Runs before the impulse stages so that this step's impulses see the drug state at the step's start (drug
levels change over minutes; a step is at most a fraction of a second in play).
Reads: Drugs.doses, Clock, Model.params. Writes: Drugs (inhibition, side effects), Cleft.drug_block,
CalciumEntry.dap_effect.
"""
from __future__ import annotations


from game.sim.components import CalciumEntry, Clock, Cleft, Drugs, Model
from game.sim.laws import ache_inhibition, bateman_mg, muscarinic_load
from game.sim.systems._access import System, single

FORGET_AFTER_MIN = 24 * 60.0


def drug_state(model: Model, drugs: Drugs, t_s: float) -> tuple[dict[str, float], float, float, float]:
    """(amount/EC50 by drug, total AChE inhibition, DAP effect, side effects) at time t_s."""
    ph = model.params.pharmacology
    occ: dict[str, float] = {}
    for d in drugs.doses:
        drug = ph.drugs[d.drug]
        occ[d.drug] = occ.get(d.drug, 0.0) + bateman_mg(drug, d.dose_mg, (t_s - d.t_s) / 60.0) / drug.ec50_mg
    dap = occ.pop("dap", 0.0)
    total = sum(occ.values())
    inhibition = ache_inhibition(ph, total)
    side = muscarinic_load(ph, inhibition)
    a = model.condition.junction_ache_fraction
    if a < 1.0 and inhibition > 0.0:
        # anti-MuSK (issue 7 part B): with less AChE at the junction, the same dose leaves ACh in excess
        # there sooner (cramps, fasciculations): counted on the same scale as the muscarinic load
        side = max(side, muscarinic_load(ph, 1.0 - a * (1.0 - inhibition)) - muscarinic_load(ph, 1.0 - a))
    return occ, inhibition, dap / (1.0 + dap), side


class PharmacologySystem(System):
    def process(self, dt_s: float) -> None:
        drugs = self.c(Drugs)
        if not drugs.doses:
            if drugs.ache_inhibition:
                drugs.ache_inhibition = drugs.side_effects = 0.0
                drugs.inhibition_by_drug = {}
                self.c(Cleft).drug_block = 0.0
                self.c(CalciumEntry).dap_effect = 0.0
            return
        t = self.c(Clock).t_s
        model = self.c(Model)
        occ, inhibition, dap, side = drug_state(model, drugs, t)
        total = sum(occ.values())
        drugs.inhibition_by_drug = {k: inhibition * v / total for k, v in occ.items()} if total > 0 else {}
        drugs.ache_inhibition = inhibition
        drugs.side_effects = side
        self.c(Cleft).drug_block = inhibition
        self.c(CalciumEntry).dap_effect = dap
        drugs.doses = [d for d in drugs.doses if (t - d.t_s) / 60.0 < FORGET_AFTER_MIN]
