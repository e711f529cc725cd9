"""Messages from the model to the view, audio and logs, and the read-only snapshot the view draws.

Events are plain frozen dataclasses carrying copies of their data (the world may change before they are
read). `Sim.drain_events()` returns and clears the queue once per frame. Handlers never emit events.
"""
from __future__ import annotations

from dataclasses import field

from game.sim.record import record


@record(frozen=True, slots=True)
class ImpulseEvent:
    """One nerve impulse and what it did, for the whole muscle and for the focus junction (fibre 0)."""

    t_s: float
    pulse: int                      # 1-based count of impulses since the world began
    quantal_content: float          # quanta released, mean over fibres
    epp_mV: float                   # end-plate potential peak, mean over fibres
    fibers_fired_fraction: float    # share of fibres whose EPP reached threshold (muscle AP)
    cmap_mV: float                  # compound muscle action potential amplitude
    force: float                    # population force ~30 ms after the impulse, 1.0 = maximal tetanus
    focus_quanta: int
    focus_epp_mV: float
    focus_needed_mV: float          # depolarisation the focus fibre needs to reach AP threshold
    focus_fired: bool
    focus_epc_tau_ms: float         # decay time constant of the end-plate current
    focus_open_channels_peak: float
    focus_sustained_mV: float       # sustained end-plate depolarisation the EPP rides on
    focus_na_available: float       # fraction of Na+ channels not inactivated (0..1)
    failed_stage: str | None        # None, "release", "receptors", "threshold" or "na-inactivation"


@record(frozen=True, slots=True)
class MeppEvent:
    """A spontaneous quantum at the focus junction."""

    t_s: float
    amplitude_mV: float
    tau_ms: float


@record(frozen=True, slots=True)
class DrugEvent:
    t_s: float
    drug: str
    dose_mg: float


@record(frozen=True, slots=True)
class TreatmentEvent:
    t_s: float
    treatment: str
    started: bool
    detail: str = ""


@record(frozen=True, slots=True)
class CrisisEvent:
    """A crisis began (`active`=True) or ended. kind: "myasthenic" or "cholinergic"."""

    t_s: float
    kind: str
    active: bool


@record(frozen=True, slots=True)
class TaskEvent:
    """A demand task began or ended; at the end `met_fraction` is the share of its time demand was met."""

    t_s: float
    name: str
    began: bool
    met_fraction: float = 0.0


@record(frozen=True, slots=True)
class RefusedEvent:
    """An intent the model could not carry out (a bad drug name, a dose out of range...)."""

    t_s: float
    reason: str


Event = ImpulseEvent | MeppEvent | DrugEvent | TreatmentEvent | CrisisEvent | TaskEvent | RefusedEvent


@record(frozen=True, slots=True)
class Readout:
    """A snapshot of everything the HUD shows, in model units. Built on demand by `Sim.readout()`."""

    t_s: float
    train_active: bool
    train_frequency_hz: float
    pulses: int
    rrp_fraction: float             # readily releasable pool, mean over fibres, 1.0 = full
    reserve_fraction: float         # mobilisable reserve store, 1.0 = full
    potentiation: float             # post-tetanic potentiation of release (0 = none)
    ca_mM: float
    mg_mM: float
    ache_inhibition: float          # fraction of the junction's AChE that is blocked (0..1): drugs, bath, organophosphate
    drug_inhibition: dict[str, float] = field(default_factory=dict)
    side_effects: float = 0.0       # muscarinic load (0..1)
    antibody: float = 0.0           # anti-AChR titre relative to the condition's starting titre
    achr_fraction: float = 1.0      # functional AChR relative to healthy, mean over fibres
    fold_damage: float = 0.0        # loss of junctional folds / Na+ channels (0..1)
    force: float = 0.0              # population force now, 1.0 = maximal tetanus
    demand: float = 0.0             # force the current task needs (0 when no task)
    task: str = ""
    last_fibers_fired_fraction: float = 0.0
    last_cmap_mV: float = 0.0
    sustained_depolarisation_mV: float = 0.0
    na_available: float = 1.0
    desensitised: float = 0.0
    myasthenic_crisis: bool = False
    cholinergic_crisis: bool = False
    ventilated: bool = False
    junction_ache: float = 1.0      # AChE laid down at the junction relative to healthy (anti-MuSK: less; not a block)
