"""The order of the model's systems, declared once, with the reason for each place.

esper runs higher priorities first; SCHEDULE lists systems first to last and `install` turns the
positions into priorities.
"""
from __future__ import annotations

import esper

from game.sim.systems.calcium import CalciumSystem
from game.sim.systems.cleft import CleftSystem
from game.sim.systems.ec_coupling import ECCouplingSystem
from game.sim.systems.endplate import EndplateSystem
from game.sim.systems.force import ForceSystem
from game.sim.systems.immune import ImmuneSystem
from game.sim.systems.intake import IntakeSystem
from game.sim.systems.muscle_ap import MuscleAPSystem
from game.sim.systems.nerve import NerveSystem
from game.sim.systems.objectives import ObjectivesSystem
from game.sim.systems.pharmacology import PharmacologySystem
from game.sim.systems.receptors import ReceptorSystem
from game.sim.systems.release import ReleaseSystem
from game.sim.systems.temperature import TemperatureSystem
from game.sim.systems.report import ReportSystem

SCHEDULE: tuple[tuple[type[esper.Processor], str], ...] = (
    (IntakeSystem, "player and protocol intents take effect before anything is computed"),
    (PharmacologySystem, "slow modulators first: drug levels (minutes) set AChE and release for this step"),
    (ImmuneSystem, "slow modulators first: antibodies (days) set receptor number and fold damage"),
    (TemperatureSystem, "slow modulators first: muscle temperature (ice pack) sets the quantal table for this step"),
    (NerveSystem, "the cascade starts: which impulses arrive in this step, at exact times"),
    (CalciumSystem, "Ca2+ entry sets each impulse's release probability"),
    (ReleaseSystem, "quanta leave the readily releasable pool"),
    (CleftSystem, "AChE activity decides how long the released ACh survives"),
    (ReceptorSystem, "ACh opens receptors: quantal size and current time course per fibre"),
    (EndplateSystem, "the end-plate current charges the membrane: the EPP"),
    (MuscleAPSystem, "an EPP above threshold fires the fibre's action potential"),
    (ECCouplingSystem, "the AP releases SR Ca2+ and cross-bridges develop force"),
    (ForceSystem, "the muscle's force now, after this step's twitches"),
    (ObjectivesSystem, "demand and crises are judged on the force and state just computed"),
    (ReportSystem, "events for the view, history for experiments, then the clock moves on"),
)


def install() -> None:
    """Add one instance of each system to the current esper world in SCHEDULE order."""
    n = len(SCHEDULE)
    for i, (system, _reason) in enumerate(SCHEDULE):
        esper.add_processor(system(), priority=n - i)
