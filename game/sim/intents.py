"""Intents: what the player (or a protocol, or the bot) asks the model to do.

The view turns key presses into these and hands them to `Sim.submit`; the model consumes them at the start
of its next fixed step. Nothing outside game.sim ever changes model state directly.
"""
from __future__ import annotations

from game.sim.record import record



@record(frozen=True, slots=True)
class FireImpulse:
    """One nerve impulse, `delay_s` after the start of the next step."""

    delay_s: float = 0.0


@record(frozen=True, slots=True)
class StartTrain:
    """Fire the nerve repeatedly at `frequency_hz`; `pulses` = None keeps firing until StopTrain."""

    frequency_hz: float
    pulses: int | None = None


@record(frozen=True, slots=True)
class StopTrain:
    pass


@record(frozen=True, slots=True)
class SetBath:
    """Extracellular ion concentrations (lab mode and release-strength control)."""

    ca_mM: float | None = None
    mg_mM: float | None = None


@record(frozen=True, slots=True)
class SetAChEBlock:
    """Fraction of AChE activity blocked directly by a bath-applied inhibitor (lab mode)."""

    fraction: float


@record(frozen=True, slots=True)
class GiveDrug:
    """A dose of one of game.sim.spec.DRUGS, given now or `minutes_ago` (a level's start state)."""

    drug: str
    dose_mg: float
    minutes_ago: float = 0.0


@record(frozen=True, slots=True)
class StartTreatment:
    """One of game.sim.spec.TREATMENTS (plex and ivig start a whole course; ventilation toggles on)."""

    treatment: str


@record(frozen=True, slots=True)
class StopTreatment:
    treatment: str


Intent = FireImpulse | StartTrain | StopTrain | SetBath | SetAChEBlock | GiveDrug | StartTreatment | StopTreatment
