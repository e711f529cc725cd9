"""Components: plain data, no logic. One entity per structure of the junction-and-muscle system.

Homogeneous per-fibre state (one value per muscle fibre, each fibre with its own junction) lives in numpy
arrays inside one component: the muscle has hundreds of fibres, and esper rebuilds its query caches in
O(entities) on every structural change, so fibres are array rows, not entities.

Scalars that every terminal shares because every terminal sees the same nerve impulses (residual Ca2+,
potentiation, mobilisation, the reserve store) are stored once. Each stage keeps the model time up to which
its state has been advanced (`t_s`) and advances it lazily (exact exponentials) to each impulse time, so the
results do not depend on the step size.
"""
from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np

from game.sim.kinetics import QuantalTable
from game.sim.params import Condition, MuscleGroup, Params
from game.sim.record import record
from game.sim.spec import DemandTask


@record(slots=True)
class Clock:
    t_s: float = 0.0           # model time at the start of the current step
    dt_s: float = 0.0          # length of the current step
    steps: int = 0


@record(slots=True)
class Model:
    """World resources: the parameter set, the quantal table and the random streams.

    Separate generators (spawned from the world seed) keep evoked release independent of how many
    spontaneous events a step size happened to draw."""

    params: Params
    table: QuantalTable
    condition: Condition
    muscle_group: MuscleGroup
    rng_release: np.random.Generator
    rng_mepp: np.random.Generator
    n_fibers: int


@record(slots=True)
class Inbox:
    """Intents waiting for the next step, and events waiting for the view."""

    intents: list = field(default_factory=list)
    events: list = field(default_factory=list)
    impulse_events: bool = True     # False: no ImpulseEvent per impulse (headless bots and benchmarks)


@record(init=False)
class ImpulseRecord:
    """One impulse travelling through the stages of a step; each stage fills in its part.

    Made for every impulse of a train, so it is made cheaply: the constructor sets the time and the pulse number
    only, and a field no stage has written yet reads its default from the class (every default is immutable).

    The per-fibre arrays from `achr` on are rows of the impulse's ImpulseBlock. The stages read and write the block;
    a record gets its rows (views, ImpulseBlock.fill_records) when something reads the impulse fibre by fibre: a
    stage's per-impulse path (sustained depolarisation, repetitive firing), the report's events and detailed
    history rows, and the step's last impulse (Nerve.last)."""

    t_s: float
    pulse: int
    p_release: float = 0.0
    release_gain: float = 1.0                 # post-tetanic potentiation: primed sites ×gain
    quanta: np.ndarray | None = None          # per fibre
    ache_activity: float = 1.0
    achr: np.ndarray | None = None            # per fibre, functional receptors relative to healthy
    q_lin_mV: np.ndarray | None = None        # per fibre, linear potential of one quantum
    v_lin_mV: np.ndarray | None = None        # per fibre, linear potential of all quanta released
    tau_ms: np.ndarray | None = None          # per fibre, EPC decay (experiments only: History.enabled)
    focus_tau_ms: float = 0.0                 # EPC decay at the focus junction
    focus_open_peak: float = 0.0              # channels open at the peak of one quantum, focus junction
    epp_mV: np.ndarray | None = None          # per fibre
    needed_mV: np.ndarray | None = None       # per fibre
    sustained_mV: np.ndarray | None = None    # per fibre, depolarisation the EPP rides on (None: none anywhere)
    na_available: np.ndarray | None = None    # per fibre (None: all available)
    fired: np.ndarray | None = None           # per fibre (bool)
    fired01: np.ndarray | None = None         # per fibre, `fired` as 0.0/1.0 (for the weighted sums of CMAP and force)
    repetitive: np.ndarray | None = None      # per fibre (bool): a second AP from the same shock (None: none anywhere)
    repetitive_fraction: float = 0.0
    cmap_mV: float = 0.0
    force: float = 0.0

    def __init__(self, t_s: float, pulse: int) -> None:
        self.t_s = t_s
        self.pulse = pulse


@record(slots=True)
class ImpulseBlock:
    """Consecutive impulses of one step whose per-fibre arrays are rows of shared 2-D arrays (impulses × fibres):
    the stages compute whatever does not depend on the previous impulse for the whole block in one numpy call
    instead of one per impulse; an ImpulseRecord's arrays are views of its row (fill_records). Filled stage by stage."""

    records: list[ImpulseRecord]
    quanta: np.ndarray | None = None          # release
    achr: np.ndarray | None = None            # receptors
    q_lin_mV: np.ndarray | None = None
    v_lin_mV: np.ndarray | None = None
    tau_ms: np.ndarray | None = None          # only when needed (detailed history, repetitive firing)
    epp_mV: np.ndarray | None = None          # end plate
    any_sustained: bool = False               # some impulse of the block rides on a sustained depolarisation
    fired: np.ndarray | None = None           # muscle AP (bool)
    fired01: np.ndarray | None = None
    needed_mV: np.ndarray | None = None       # end plate: the EPP needed by impulses that ride on no sustained
                                              # depolarisation (one array for all; the others carry their own)

    ROWS = ("achr", "q_lin_mV", "v_lin_mV", "tau_ms", "epp_mV", "fired", "fired01")

    def fill_records(self, start: int = 0) -> None:
        """Give the records from `start` on their rows of the block's arrays (views), and the shared needed_mV where
        they have none of their own."""
        records = self.records[start:]
        for name in self.ROWS:
            rows = getattr(self, name)
            if rows is not None:
                for r, row in zip(records, rows[start:]):
                    setattr(r, name, row)
        if self.needed_mV is not None:
            for r in records:
                if r.needed_mV is None:
                    r.needed_mV = self.needed_mV


@record(slots=True)
class Nerve:
    """The motor axon: single impulses queued at exact times and an optional train."""

    singles_s: list[float] = field(default_factory=list)
    train_hz: float = 0.0
    train_next_s: float | None = None
    train_left: int | None = None
    pulses: int = 0
    impulses: list[ImpulseRecord] = field(default_factory=list)   # this step's impulses
    blocks: list[ImpulseBlock] = field(default_factory=list)      # the same impulses in blocks (in order)
    last: ImpulseRecord | None = None


@record(slots=True)
class Bath:
    ca_mM: float = 2.0
    mg_mM: float = 1.0
    # temperature (issue 7 part B): the muscle's temperature now, its usual one, and an ice pack on it
    temperature_c: float = 35.0
    baseline_c: float = 35.0
    ice_on_until_s: float | None = None    # ice pack on the muscle until this model time
    table_c: float = 35.0                  # temperature of the quantal table in use (Model.table)


@record(slots=True)
class CalciumEntry:
    """Ca2+ at the active zones: residual Ca2+ (fast facilitation) and post-tetanic potentiation."""

    t_s: float = 0.0
    facilitation: float = 0.0
    augmentation: float = 0.0      # recent impulses (decaying over seconds): augmentation of release
    ca_load: float = 0.0           # slow Ca2+ load of the terminal (mitochondria), builds with sustained activity
    potentiation: float = 0.0      # post-tetanic potentiation derived from the load
    last_impulse_s: float = -1e9   # time of the latest impulse (potentiation is masked just after one)
    dap_effect: float = 0.0        # 0..1, set by pharmacology
    lems_fast: float = 0.0         # LEMS: residual Ca2+ (fast, tens of ms), relative to one impulse's entry
    lems_slow: float = 0.0         # LEMS: slow residual Ca2+ (augmentation, seconds)
    lems_t_s: float = 0.0          # model time up to which the two LEMS residuals have been decayed


@record(slots=True)
class VesiclePools:
    """Readily releasable pool per fibre (quanta), refilled from a shared reserve store."""

    t_s: float
    rrp: np.ndarray               # quanta ready now
    rrp_capacity: np.ndarray      # release sites
    reserve: float = 1.0          # mobilisable reserve, 1.0 = full
    supply: float = 1.0           # supply from the reserve to the RRP: follows the reserve with a lag (1.0 = full)
    boost: float = 0.0            # Ca2+-dependent refilling rate (1/s), raised by each impulse, decays in tens of ms
    mobilisation: float = 0.0     # slow activity-driven speed-up of the baseline refilling (relative)
    last_impulse_s: float = -1e9  # time of the latest impulse (potentiation is masked just after one)
    draining: bool = False        # the RRP is refilling from the reserve (False: full and at rest)
    spontaneous_s: list[float] = field(default_factory=list)   # this step's MEPP times (focus junction)
    normals: Any = None            # release's block of standard normal deviates (systems.release.NormalBuffer)
    p_scale: Any = None            # per-fibre factor on the release probability (Condition.release_p_cv), or None


@record(slots=True)
class Cleft:
    """AChE in the basal lamina: the share of its activity left (1 = intact)."""

    bath_block: float = 0.0        # direct block (lab bath inhibitor)
    drug_block: float = 0.0        # block by drugs (pharmacology)
    activity: float = 1.0
    junction_fraction: float = 1.0     # AChE laid down at the junction relative to healthy (anti-MuSK < 1)
    irreversible_block: float = 0.0    # share destroyed by an organophosphate (returns only by synthesis)


@record(slots=True)
class Receptors:
    """AChRs per fibre relative to a healthy junction, and the share not desensitised."""

    t_s: float
    fiber_scale: np.ndarray        # fibre-to-fibre spread (mean 1)
    global_fraction: float = 1.0   # from the immune system (turnover, complement)
    blocked: float = 0.0           # share of receptors with an antibody on the ACh site
    available: np.ndarray | None = None    # 1 − desensitised share, per fibre
    any_desensitised: bool = False
    bath_blocked: float = 0.0      # share occupied by a competitive blocker in the bath (curare)

    def functional(self) -> np.ndarray:
        scale = self.global_fraction * (1.0 - self.blocked) * (1.0 - self.bath_blocked)
        return self.fiber_scale * scale * self.available if self.any_desensitised else self.fiber_scale * scale


@record(slots=True)
class Endplate:
    """Membrane of the end plate per fibre: threshold gap, fold damage, lingering depolarisation."""

    t_s: float
    gap_mV: np.ndarray             # depolarisation needed to reach AP threshold with intact folds
    fold_damage: float = 0.0       # 0..1, global, from complement (Na+ channels lost)
    fold_scale: np.ndarray | None = None   # per-fibre share of the damage
    residual_mV: np.ndarray | None = None  # sustained depolarisation from uncleared ACh
    any_residual: bool = False             # False: residual_mV is all zero (skips the Na+ inactivation maths)


@record(slots=True)
class Sarcolemma:
    """The muscle action potential: which fibres fired, their contribution to the CMAP."""

    cmap_weight_mV: np.ndarray
    last_fired: np.ndarray


@record(slots=True)
class Contractile:
    """Excitation-contraction coupling and force per fibre: SR Ca2+ transient → cross-bridge force."""

    t_s: float
    ca: float                      # cytosolic Ca2+ released by the SR, size-weighted over the fibres (a twitch of every
                                   # fibre adds 1); the E-C chain is linear, so the muscle's sum is carried, not each fibre's
    force: float                   # cross-bridge force of the muscle (1 ≈ fused tetanus of every fibre)
    weight: np.ndarray             # fibre size share of total force
    ca_tau_ms: float = 20.0
    force_tau_ms: float = 40.0
    smoothing_tau_ms: float = 250.0
    smoothed: float = 0.0          # population force as the patient shows it (smoothed over smoothing_tau_ms)
    fatigue: float = 0.0           # muscle (metabolic) fatigue: share of twitch force lost, 0..1 (recovers over minutes)
    fatigue_t_s: float = 0.0       # model time up to which the fatigue has recovered


@record(slots=True)
class Dose:
    drug: str
    dose_mg: float
    t_s: float


@record(slots=True)
class Drugs:
    doses: list[Dose] = field(default_factory=list)
    inhibition_by_drug: dict[str, float] = field(default_factory=dict)
    ache_inhibition: float = 0.0   # systemic, from drugs
    side_effects: float = 0.0


@record(slots=True)
class Immunity:
    """Antibodies (relative titre) and the treatments acting on them, in days."""

    t_days: float = 0.0
    antibody: float = 0.0          # pathogenic IgG relative to the condition's starting titre × titre scale
    production: float = 0.0        # per day
    titre_scale: float = 1.0       # starting titre (1.0 = the condition's preset)
    block_share: float = 0.1
    complement_share: float = 0.4
    modulation_share: float = 0.5
    achr: float = 1.0              # global functional receptor fraction before block
    fold_damage: float = 0.0
    plex_times_days: list[float] = field(default_factory=list)
    ivig_days: list[float] = field(default_factory=list)
    ivig_level: float = 0.0
    steroids_start_days: float | None = None
    thymectomy_days: float | None = None


@record(slots=True)
class Objectives:
    """The level's demand timeline, how well it is being met, and the patient's crises."""

    tasks: tuple[DemandTask, ...] = ()
    active: int | None = None
    met_s: dict[str, float] = field(default_factory=dict)
    results: dict[str, float] = field(default_factory=dict)
    demand: float = 0.0
    low_capacity_s: float = 0.0
    capacity: float = 1.0
    next_capacity_s: float = 0.0
    myasthenic_crisis: bool = False
    cholinergic_crisis: bool = False
    ventilated: bool = False
    block_fraction: float = 0.0


@record(slots=True)
class History:
    """Per-impulse summaries kept for experiments (off in the game)."""

    enabled: bool = False
    detail: bool = True            # per-fibre detail (safety factors, EPC decay): off for long trains (speed)
    rows: list[dict[str, Any]] = field(default_factory=list)
