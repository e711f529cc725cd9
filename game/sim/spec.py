"""What a world is built from: the sim-side description of a patient, a muscle and a bath.

`WorldSpec` is the only thing `game.sim.world.new_world` needs besides a seed. Levels (game.levels) and
the lab/experiment command line both translate their inputs into one of these; the sim never sees a level
file. Everything is plain frozen data with the unit in the field name.
"""
from __future__ import annotations

from dataclasses import field

from game.sim.record import record

CONDITIONS = ("healthy", "mg-ocular", "mg-moderate", "mg-severe")
MUSCLE_GROUPS = ("eyelid", "extraocular", "bulbar", "limb", "respiratory")
DRUGS = ("pyridostigmine", "pyridostigmine-er", "edrophonium", "neostigmine", "dap")
TREATMENTS = ("plex", "ivig", "steroids", "thymectomy", "ventilation")

# --- contrast conditions and lab agents (issue 7 part B) ---
CONTRAST_CONDITIONS = ("lems", "mg-musk")
CONDITIONS = CONDITIONS + CONTRAST_CONDITIONS
TREATMENTS = TREATMENTS + ("ice-pack",)
REFERENCE_TEMPERATURE_C = 35.0   # = params.Contrast.reference_temperature_c (the model's rates are for it)


@record(frozen=True, slots=True)
class DemandTask:
    """One task of a level's demand timeline: between start and start+duration the muscle must
    produce at least `force_fraction` of its maximal (tetanic) force."""

    name: str
    start_s: float
    duration_s: float
    force_fraction: float


@record(frozen=True, slots=True)
class WorldSpec:
    """A patient, a muscle and a bath. `None` means: take the condition's preset value."""

    condition: str = "healthy"
    muscle_group: str = "limb"
    n_fibers: int = 200
    # Functional AChR relative to a healthy junction (0..1.5); overrides the condition's value.
    achr_fraction: float | None = None
    # Anti-AChR antibody titre relative to the condition's preset (1.0 = the preset's titre).
    antibody_titre: float | None = None
    # Share of the antibody effect by mechanism (normalised inside the model): block, complement, modulation.
    mechanism_block: float | None = None
    mechanism_complement: float | None = None
    mechanism_modulation: float | None = None
    ca_mM: float = 2.0
    mg_mM: float = 1.0
    # Fraction of AChE activity blocked directly (lab bath application), on top of any drug.
    ache_inhibition: float = 0.0
    demand: tuple[DemandTask, ...] = field(default_factory=tuple)
    # --- lab agents and temperature (issue 7 part B) ---
    # Fraction of AChRs occupied by a competitive blocker (curare) in the bath (0..1).
    curare_occupancy: float = 0.0
    # Fraction of release sites disabled by botulinum toxin (0..1): fewer quanta per impulse, fewer MEPPs.
    botulinum_fraction: float = 0.0
    # Fraction of AChE destroyed by an irreversible inhibitor (organophosphate, 0..1): washing out does not
    # restore it; only new enzyme does (days).
    organophosphate_fraction: float = 0.0
    # Muscle temperature in °C (28..40); None = the muscle's usual temperature (35, the eyelid 34).
    temperature_c: float | None = None
