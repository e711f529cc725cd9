"""One level being played: the model, the player's means and limits, the log, and the verdict.

`LevelRun` is shared by the game's play screen and the built-in bot (game.rules.bot), so that what a bot
can do a player can do, and the other way round. Everything the player does is an `Action`; the run checks
it against the level's limits (controls, frequency and calcium ranges, doses, cooldowns in model seconds)
and turns it into intents for the model. `advance(model_s)` runs the model, builds a short plain-language
log from its events, and judges the level: it ends at `duration_model_s` (win if enough of the demand was
met) or earlier on a lose condition (a crisis the level makes losing, side effects over the limit, too
many missed tasks). `summary()` gives everything scoring and the debrief need.

    run = LevelRun(level, seed=1)
    run.act(Action("train_start", 20.0))
    events = run.advance(0.5)          # model seconds; the view draws `events`
    run.actions(), run.readout(), run.log, run.pop_tutorial()
    if run.finished: run.summary()

Demand is judged here, per task (by position, so two tasks may share a name), with the model's own rule:
during a task, time counts as met while the muscle's smoothed force reaches the task's force.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from game.levels.schema import Level, Treatment
from game.sim import intents as it
from game.sim.components import Objectives
from game.sim.events import CrisisEvent, DrugEvent, ImpulseEvent, Readout, RefusedEvent, TreatmentEvent
from game.sim.params import DEFAULT
from game.sim.spec import DRUGS
from game.sim.systems.objectives import MET_TOLERANCE
from game.sim.world import Sim

ACTION_KINDS = ("fire", "train_start", "train_stop", "set_frequency", "set_calcium", "rest", "treat",
                "stop_treatment")
DEFAULT_TRAIN_HZ = 20.0
MISSED_BELOW = 0.5            # a task met for less than half of its time counts as missed
FAILED_FIBRES = 0.05          # an impulse "fails" when more than 5% of fibres miss threshold
IDLE_STEP_DRUG_S = 60.0       # longest step with nothing firing while a drug acts (minutes matter)
IDLE_STEP_S = 6 * 3600.0      # longest step with nothing firing and no drug (antibodies change over days)
DRUG_MEMORY_S = 12 * 3600.0   # doses older than this no longer need fine steps
SINGLE_LOG_GAP_S = 5.0        # at most one log line per this many model seconds about single impulses
STOPPABLE = ("ventilation", "steroids")

LABELS = {
    "pyridostigmine": "Pyridostigmine",
    "pyridostigmine-er": "Pyridostigmine (slow release)",
    "edrophonium": "Edrophonium (IV test dose)",
    "neostigmine": "Neostigmine (IV)",
    "dap": "3,4-Diaminopyridine",
    "plex": "Plasma exchange",
    "ivig": "IVIG",
    "steroids": "Steroids",
    "thymectomy": "Thymectomy",
    "ventilation": "Ventilator",
    "ice-pack": "Ice pack on the eyelid",
}
STARTED = {
    "plex": "Plasma exchange started",
    "ivig": "IVIG started",
    "steroids": "Steroids started",
    "thymectomy": "Thymectomy done: the thymus is removed",
    "ventilation": "On the ventilator: the machine now breathes for the patient",
    "ice-pack": "Ice pack on: the eyelid cools for two minutes",
}
STOPPED = {
    "ventilation": "Off the ventilator: breathing on her own again",
    "steroids": "Steroids stopped",
}


# --- what the player does, and what the run reports ------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One thing the player (or the bot) does. kind: one of ACTION_KINDS.

    fire: one impulse. train_start: hold a train (value = Hz, clamped to the level's range; None = the
    frequency set). train_stop / rest: stop firing. set_frequency: Hz (clamped). set_calcium: bath Ca2+ in
    mM (clamped to the level's range). treat: value = a treatment kind as in the level's [[treatments]]
    ("pyridostigmine", "plex"...; "kind:dose" picks one of two entries of the same drug). stop_treatment:
    value = "ventilation" or "steroids".
    """

    kind: str
    value: float | str | None = None


@dataclass(frozen=True)
class ActionInfo:
    """A control or treatment as the HUD shows it. `value` is what to put in Action.value (the treatment's
    key, or the current frequency / calcium)."""

    kind: str
    label: str
    available: bool
    reason: str
    cooldown_left_s: float
    uses_left: int | None
    dose_mg: float | None
    cost: float
    value: float | str | None = None


@dataclass(frozen=True)
class LogLine:
    t_s: float
    text: str
    level: str  # "info" | "good" | "warn" | "danger"


@dataclass(frozen=True)
class TaskResult:
    """How one task of the demand timeline went."""

    index: int
    name: str
    kind: str
    start_s: float
    duration_s: float
    force_fraction: float
    met_fraction: float           # share of the task's time the force reached what it needed
    missed: bool                  # met for less than MISSED_BELOW of its time
    done: bool                    # the task ended before the level did
    mean_force: float             # time-weighted mean force during the task (1 = maximal tetanus)
    pulses: int                   # impulses fired during the task
    first_fail_pulse: int | None  # first impulse in the task at which more than 5% of fibres failed
    first_fired: float            # share of fibres that fired at the task's first impulse
    worst_fired: float            # lowest share of fibres that fired, over the task's impulses
    worst_pulse: int | None       # which impulse of the task that was
    min_rrp: float                # lowest readily releasable pool during the task (1 = full)
    mean_ache_inhibition: float   # mean AChE inhibition during the task
    mean_frequency_hz: float      # mean firing rate during the task

    @property
    def weight(self) -> float:
        """The task's share of the demand timeline: force × time."""
        return self.force_fraction * self.duration_s


@dataclass(frozen=True)
class TrainStat:
    """One held train of impulses (the player's, or the patient's own during a task)."""

    start_s: float
    end_s: float
    frequency_hz: float           # highest frequency used
    pulses: int
    first_fail_pulse: int | None
    worst_fired: float
    worst_pulse: int | None
    rrp_at_worst: float
    ache_at_worst: float
    na_block_at_worst: bool       # the end plate was depolarised (Na+ channels inactivated) at the worst
    tasks: tuple[str, ...]
    auto: bool


@dataclass(frozen=True)
class DoseRecord:
    t_s: float
    kind: str
    dose_mg: float | None
    cost: float
    before_start: bool = False


@dataclass(frozen=True)
class CrisisRecord:
    kind: str                     # "myasthenic" | "cholinergic"
    start_s: float
    end_s: float | None = None


@dataclass(frozen=True)
class RunSummary:
    """Everything a finished (or stopped) run leaves for scoring, the debrief, the store and the bot."""

    level_id: str
    seed: int
    finished: bool
    won: bool
    outcome: str | None
    reason: str
    duration_model_s: float
    demand_met: float             # force × time weighted share of the demand met, 0..1
    tasks: tuple[TaskResult, ...]
    missed_tasks: int
    crises: tuple[CrisisRecord, ...]
    max_side_effects: float       # highest side-effect load reached (weighted by the level's treatments)
    mean_side_effects: float      # time-weighted mean side-effect load
    treatment_cost: float         # treatment points spent
    doses: tuple[DoseRecord, ...]
    trains: tuple[TrainStat, ...]
    single_impulses: int
    score: float = 0.0
    stars: int = 0
    min_capacity: float = 1.0     # lowest share of fibres a fresh impulse could fire (breathing reserve)

    @property
    def myasthenic_crises(self) -> int:
        return sum(1 for c in self.crises if c.kind == "myasthenic")

    @property
    def cholinergic_crises(self) -> int:
        return sum(1 for c in self.crises if c.kind == "cholinergic")

    @property
    def treatments_given(self) -> int:
        return sum(1 for d in self.doses if not d.before_start)


# --- bookkeeping while running ------------------------------------------------------------------------

@dataclass
class _TaskTrack:
    met_s: float = 0.0
    seen_s: float = 0.0
    force_s: float = 0.0
    ache_s: float = 0.0
    hz_s: float = 0.0
    pulses: int = 0
    first_fail: int | None = None
    first_fired: float = 1.0
    worst_fired: float = 1.0
    worst_pulse: int | None = None
    min_rrp: float = 1.0
    began: bool = False
    ended: bool = False
    result: TaskResult | None = None


@dataclass
class _TrainTrack:
    start_s: float
    auto: bool
    frequency_hz: float
    pulses: int = 0
    first_fail: int | None = None
    worst_fired: float = 1.0
    worst_pulse: int | None = None
    rrp_at_worst: float = 1.0
    ache_at_worst: float = 0.0
    na_block_at_worst: bool = False
    tasks: list[str] = field(default_factory=list)


def _label(t: Treatment) -> str:
    name = LABELS.get(t.kind, t.kind)
    return f"{name} {t.dose_mg:g} mg" if t.dose_mg is not None else name


def _pct(x: float) -> str:
    return f"{100.0 * x:.0f}%"


class LevelRun:
    """One level being played (see the module docstring)."""

    def __init__(self, level: Level, seed: int = 1, impulse_events: bool = True) -> None:
        self.level = level
        self.seed = seed
        self.sim = Sim(level.to_world_spec(), seed, impulse_events=impulse_events)
        self.finished = False
        self.outcome: str | None = None
        self.reason = ""
        self.log: list[LogLine] = []
        c = level.controls
        self.frequency_hz = min(max(DEFAULT_TRAIN_HZ, c.train_min_hz), c.train_max_hz)
        self.ca_mM = level.start.ca_mM
        self._tasks = list(level.demand)
        self._track = [_TaskTrack() for _ in self._tasks]
        self._bounds = sorted({b for t in self._tasks for b in (t.start_s, t.start_s + t.duration_s)})
        self._keys = self._treatment_keys()
        self._uses: dict[str, int] = {}
        self._last_use: dict[str, float] = {}
        self._cost = 0.0
        self._doses: list[DoseRecord] = []
        self._crises: list[CrisisRecord] = []
        self._trains: list[TrainStat] = []
        self._train: _TrainTrack | None = None
        self._player_train = False
        self._auto_train = False
        self._singles = 0
        self._last_single_log = -math.inf
        self._ventilated = False
        self._steroids = False
        self._last_drug_s = -math.inf
        self._max_side = 0.0
        self._side_s = 0.0
        self._min_capacity = 1.0
        self._side_warned = 0
        self._any_fail = False
        self._pulses_seen = 0
        self._tutorial_pending: list[str] = []
        self._tutorial_done: set[int] = set()
        self._first = {"impulse": False, "fail": False, "dose": False}
        self._readout: Readout | None = None
        self._trigger("start")
        for d in level.start.doses:
            self.sim.submit(it.GiveDrug(d.drug, d.dose_mg, minutes_ago=d.before_start_s / 60.0))
            self._doses.append(DoseRecord(-d.before_start_s, d.drug, d.dose_mg, 0.0, before_start=True))
        self.sim.step(0.0)
        self._on_events(self.sim.drain_events(), self.sim.t_s)
        self._readout = self.sim.readout()

    # -- the clock and the model -------------------------------------------------------------------------
    @property
    def t_s(self) -> float:
        return self.sim.t_s

    def readout(self) -> Readout:
        if self._readout is None or self._readout.t_s != self.t_s:
            self._readout = self.sim.readout()
        return self._readout

    @property
    def capacity(self) -> float:
        """Share of fibres one fresh impulse would fire now: the breathing reserve the model judges a
        myasthenic crisis by (below 0.3 for 30 s in a breathing or swallowing muscle)."""
        return float(self.sim.get(Objectives).capacity)

    @property
    def side_effects(self) -> float:
        """The side-effect load (0..1), each drug's share weighted by its side_effect_weight."""
        r = self.readout()
        return self._weighted_side(r)

    @property
    def ventilated(self) -> bool:
        return self._ventilated

    @property
    def treatment_cost(self) -> float:
        return self._cost

    @property
    def treatments(self) -> dict[str, Treatment]:
        """The level's treatments by the key Action("treat", key) takes."""
        return dict(self._keys)

    @property
    def doses(self) -> tuple[DoseRecord, ...]:
        """Every dose and treatment so far, including those taken before the start."""
        return tuple(self._doses)

    def task_at(self, t_s: float | None = None) -> list[int]:
        """Indexes of the tasks running at model time t_s (default: now)."""
        t = self.t_s if t_s is None else t_s
        return [i for i, k in enumerate(self._tasks) if k.start_s <= t < k.start_s + k.duration_s]

    def close(self) -> None:
        self.sim.close()

    # -- what the player may do ------------------------------------------------------------------------
    def _treatment_keys(self) -> dict[str, Treatment]:
        keys: dict[str, Treatment] = {}
        kinds = [t.kind for t in self.level.treatments]
        for t in self.level.treatments:
            key = t.kind if kinds.count(t.kind) == 1 else f"{t.kind}:{t.dose_mg:g}"
            keys[key] = t
        return keys

    def _find_treatment(self, value: object) -> tuple[str, Treatment] | None:
        if not isinstance(value, str):
            return None
        if value in self._keys:
            return value, self._keys[value]
        for key, t in self._keys.items():  # a bare kind picks the first entry of that kind
            if t.kind == value:
                return key, t
        return None

    def _treatment_block(self, key: str, t: Treatment) -> tuple[str, float]:
        """(reason it cannot be given now or "", cooldown left in model seconds)."""
        used = self._uses.get(key, 0)
        left = 0.0
        if key in self._last_use:
            left = max(0.0, self._last_use[key] + t.cooldown_s - self.t_s)
        if self.finished:
            return "The level is over.", left
        if t.kind == "ventilation" and self._ventilated:
            return "Already on the ventilator.", left
        if t.kind == "steroids" and self._steroids:
            return "Steroids are already running.", left
        if t.kind == "thymectomy" and any(d.kind == "thymectomy" for d in self._doses):
            return "The thymus has already been removed.", left
        if used >= t.max_doses:
            return f"No {LABELS.get(t.kind, t.kind).lower()} left in this level ({t.max_doses} allowed).", left
        if left > 0:
            return f"Wait {_duration(left)} more before the next {LABELS.get(t.kind, t.kind).lower()}.", left
        if t.kind in DRUGS and t.dose_mg is not None:
            most = DEFAULT.pharmacology.drugs[t.kind].max_dose_mg
            if t.dose_mg > most:
                return f"A single dose of {t.kind} is at most {most:g} mg.", left
        return "", left

    def actions(self) -> list[ActionInfo]:
        """Every control and treatment of this level, with whether it can be used now and why not."""
        c = self.level.controls
        over = "The level is over." if self.finished else ""
        out: list[ActionInfo] = []

        def control(kind: str, label: str, reason: str = "", value: float | str | None = None) -> None:
            reason = over or reason
            out.append(ActionInfo(kind, label, not reason, reason, 0.0, None, None, 0.0, value))

        if c.fire:
            control("fire", "Fire one impulse")
        if c.train:
            rng = f"{c.train_min_hz:g}–{c.train_max_hz:g} Hz"
            control("train_start", f"Hold a train at {self.frequency_hz:g} Hz", value=self.frequency_hz)
            control("train_stop", "Stop the train", "" if self._player_train else "No train is running.")
            control("set_frequency", f"Frequency {self.frequency_hz:g} Hz ({rng})", value=self.frequency_hz)
        if c.rest:
            control("rest", "Rest (stop firing; the vesicle pool refills)")
        if c.release:
            control("set_calcium", f"Release strength: calcium {self.ca_mM:g} mM "
                    f"({c.ca_min_mM:g}–{c.ca_max_mM:g} mM)", value=self.ca_mM)
        for key, t in self._keys.items():
            reason, left = self._treatment_block(key, t)
            out.append(ActionInfo("treat", _label(t), not reason, reason, left,
                                  t.max_doses - self._uses.get(key, 0), t.dose_mg, float(t.cost), key))
        for kind, on in (("ventilation", self._ventilated), ("steroids", self._steroids)):
            if on:
                label = "Take off the ventilator" if kind == "ventilation" else "Stop the steroids"
                control("stop_treatment", label, value=kind)
        return out

    def act(self, action: Action) -> str | None:
        """Do one action now (it takes effect at the start of the next model step). Returns None when done,
        or one plain-language reason why it was refused."""
        if self.finished:
            return "The level is over."
        c = self.level.controls
        kind, value = action.kind, action.value
        if kind == "fire":
            if not c.fire:
                return "Single impulses are not available in this level."
            self.sim.submit(it.FireImpulse())
            self._singles += 1
            return None
        if kind == "train_start":
            if not c.train:
                return "Trains are not available in this level."
            hz = self._hz(value if value is not None else self.frequency_hz)
            if hz is None:
                return "Give the train frequency as a number of impulses per second (Hz)."
            self.frequency_hz = hz
            self._start_train(hz, auto=False)
            return None
        if kind in ("train_stop", "rest"):
            if kind == "rest" and not c.rest:
                return "Rest is not available in this level."
            if kind == "train_stop" and not c.train:
                return "Trains are not available in this level."
            if self._player_train:
                self._player_train = False
                if not self._auto_train:
                    self.sim.submit(it.StopTrain())
                    self._close_train()
                else:
                    self.sim.submit(it.StartTrain(self.level.controls.auto_drive_hz))
            return None
        if kind == "set_frequency":
            if not c.train:
                return "Trains are not available in this level."
            hz = self._hz(value)
            if hz is None:
                return "Give the frequency as a number of impulses per second (Hz)."
            self.frequency_hz = hz
            if self._player_train:
                self.sim.submit(it.StartTrain(hz))
                if self._train is not None:
                    self._train.frequency_hz = max(self._train.frequency_hz, hz)
            return None
        if kind == "set_calcium":
            if not c.release:
                return "Release strength cannot be changed in this level."
            if not _is_number(value):
                return "Give the calcium as a concentration in mM."
            ca = min(max(float(value), c.ca_min_mM), c.ca_max_mM)
            if abs(ca - self.ca_mM) > 1e-9:
                self.ca_mM = ca
                self.sim.submit(it.SetBath(ca_mM=ca))
                self._say(f"Bath calcium set to {ca:g} mM", "info")
            return None
        if kind == "treat":
            found = self._find_treatment(value)
            if found is None:
                names = ", ".join(self._keys) or "none"
                return f"{value!r} is not a treatment in this level (available: {names})."
            key, t = found
            reason, _ = self._treatment_block(key, t)
            if reason:
                return reason
            if t.kind in DRUGS:
                self.sim.submit(it.GiveDrug(t.kind, float(t.dose_mg)))
                self._last_drug_s = self.t_s
            else:
                self.sim.submit(it.StartTreatment(t.kind))
                if t.kind == "ventilation":
                    self._ventilated = True
                elif t.kind == "steroids":
                    self._steroids = True
            self._uses[key] = self._uses.get(key, 0) + 1
            self._last_use[key] = self.t_s
            self._cost += t.cost
            self._doses.append(DoseRecord(self.t_s, t.kind, t.dose_mg, float(t.cost)))
            if not self._first["dose"]:
                self._first["dose"] = True
                self._trigger("first_dose")
            return None
        if kind == "stop_treatment":
            if value not in STOPPABLE:
                return "Only the ventilator and steroids can be stopped."
            on = self._ventilated if value == "ventilation" else self._steroids
            if not on:
                return f"{LABELS[value]} is not running."
            self.sim.submit(it.StopTreatment(value))
            if value == "ventilation":
                self._ventilated = False
            else:
                self._steroids = False
            return None
        return f"Unknown action {kind!r}; expected one of {', '.join(ACTION_KINDS)}."

    def _hz(self, value: object) -> float | None:
        if not _is_number(value) or float(value) <= 0:
            return None
        c = self.level.controls
        return min(max(float(value), c.train_min_hz), c.train_max_hz)

    # -- tutorial ------------------------------------------------------------------------------------
    def _trigger(self, trigger: str) -> None:
        for i, step in enumerate(self.level.tutorial):
            if i not in self._tutorial_done and step.trigger == trigger:
                self._tutorial_done.add(i)
                self._tutorial_pending.append(step.text)

    def _timed_tutorial(self, t: float) -> None:
        for i, step in enumerate(self.level.tutorial):
            if i not in self._tutorial_done and step.trigger == "time" and step.at_s is not None and t >= step.at_s:
                self._tutorial_done.add(i)
                self._tutorial_pending.append(step.text)

    def pop_tutorial(self) -> list[str]:
        """Tutorial messages whose trigger has happened since the last call (for the play screen)."""
        out, self._tutorial_pending = self._tutorial_pending, []
        return out

    # -- running ---------------------------------------------------------------------------------------
    def advance(self, model_s: float, max_step_s: float = 0.25) -> list:
        """Run the model for `model_s` model seconds (steps of at most `max_step_s` while anything fires or
        a task runs; longer steps when all is quiet), judge the level, and return the model's events."""
        if self.finished or not (model_s > 0):
            return []
        end = min(self.t_s + model_s, self.level.duration_model_s)
        events: list = []
        while not self.finished and self.t_s < end - 1e-9:
            t0 = self.t_s
            self._drive(t0)
            dt = self._step_length(t0, end, max_step_s)
            self.sim.step(dt)
            step_events = self.sim.drain_events()
            events.extend(step_events)
            self._after_step(t0, self.t_s, step_events)
        if not self.finished and self.t_s >= self.level.duration_model_s - 1e-6:
            self._finish_at_end()
        return events

    def _busy(self, t: float) -> bool:
        return self._player_train or self._auto_train or bool(self.task_at(t))

    def _step_length(self, t: float, end: float, max_step_s: float) -> float:
        dt = end - t
        nxt = next((b for b in self._bounds if b > t + 1e-9), None)
        if nxt is not None:
            dt = min(dt, nxt - t)
        if self._busy(t):
            return max(min(dt, max_step_s), 1e-6)
        drugs = t - self._last_drug_s < DRUG_MEMORY_S or self._recent_start_dose(t)
        cap = IDLE_STEP_DRUG_S if drugs else IDLE_STEP_S
        return max(min(dt, max(cap, max_step_s)), 1e-6)

    def _recent_start_dose(self, t: float) -> bool:
        return any(d.before_start and t - d.t_s < DRUG_MEMORY_S for d in self._doses)

    def _drive(self, t: float) -> None:
        """The patient's own effort in levels where they drive the nerve: a train during every task."""
        hz = self.level.controls.auto_drive_hz
        if hz is None:
            return
        active = bool(self.task_at(t))
        if active and not self._auto_train:
            self._auto_train = True
            if not self._player_train:
                self.sim.submit(it.StartTrain(hz))
                self._open_train(hz, auto=True)
        elif not active and self._auto_train:
            self._auto_train = False
            if not self._player_train:
                self.sim.submit(it.StopTrain())
                self._close_train()

    def _start_train(self, hz: float, auto: bool) -> None:
        self.sim.submit(it.StartTrain(hz))
        self._player_train = True
        if self._train is not None and self._train.auto:
            self._close_train()
        if self._train is None:
            self._open_train(hz, auto)
            self._say(f"Train of impulses at {hz:g} Hz", "info")
        else:
            self._train.frequency_hz = max(self._train.frequency_hz, hz)

    def _open_train(self, hz: float, auto: bool) -> None:
        self._train = _TrainTrack(start_s=self.t_s, auto=auto, frequency_hz=hz,
                                  tasks=[self._tasks[i].name for i in self.task_at()])

    def _close_train(self) -> None:
        tr = self._train
        if tr is None:
            return
        self._train = None
        stat = TrainStat(tr.start_s, self.t_s, tr.frequency_hz, tr.pulses, tr.first_fail, tr.worst_fired,
                         tr.worst_pulse, tr.rrp_at_worst, tr.ache_at_worst, tr.na_block_at_worst,
                         tuple(dict.fromkeys(tr.tasks)), tr.auto)
        self._trains.append(stat)
        if tr.pulses == 0:
            return
        who = "The patient's effort" if tr.auto else "Train"
        if tr.first_fail is not None:
            self._say(f"{who}: {tr.pulses} pulses at {tr.frequency_hz:g} Hz; at worst {_pct(1 - tr.worst_fired)} "
                      f"of fibres failed (pulse {tr.worst_pulse}). Rest lets the pool refill.", "warn")
        elif not tr.auto:
            self._say(f"Rest after {tr.pulses} pulses: every fibre fired throughout", "info")

    def _after_step(self, t0: float, t1: float, events: list) -> None:
        r = self.sim.readout()
        self._readout = r
        dt = t1 - t0
        side = self._weighted_side(r)
        self._max_side = max(self._max_side, side)
        self._side_s += side * dt
        impulses = [e for e in events if isinstance(e, ImpulseEvent)]
        new_pulses = r.pulses - self._pulses_seen
        self._pulses_seen = r.pulses
        # per impulse: from the events when the view wants them, otherwise the step's last impulse
        samples: list[tuple[float, bool]] = []
        if impulses:
            samples = [(e.fibers_fired_fraction, e.focus_na_available < 0.5) for e in impulses]
        elif new_pulses > 0:
            samples = [(r.last_fibers_fired_fraction, r.na_available < 0.5)] * new_pulses
        for fired, na_block in samples:
            self._on_pulse(t1, fired, na_block, r)
        # the demand timeline
        for i, task in enumerate(self._tasks):
            tt = self._track[i]
            s, e = task.start_s, task.start_s + task.duration_s
            overlap = min(t1, e) - max(t0, s)
            if overlap > 0:
                if not tt.began:
                    tt.began = True
                    self._say(f"Task '{task.name}' begins: {_pct(task.force_fraction)} of full force for "
                              f"{_duration(task.duration_s)}", "info", t_s=s)
                tt.seen_s += overlap
                tt.force_s += r.force * overlap
                tt.ache_s += r.ache_inhibition * overlap
                tt.hz_s += (r.train_frequency_hz if r.train_active else 0.0) * overlap
                if r.force >= task.force_fraction * MET_TOLERANCE:
                    tt.met_s += overlap
                tt.min_rrp = min(tt.min_rrp, r.rrp_fraction)
                for fired, _ in samples:
                    tt.pulses += 1
                    if tt.pulses == 1:
                        tt.first_fired = fired
                    if fired < 1.0 - FAILED_FIBRES and tt.first_fail is None:
                        tt.first_fail = tt.pulses
                    if fired < tt.worst_fired:
                        tt.worst_fired, tt.worst_pulse = fired, tt.pulses
                if self._train is not None and task.name not in self._train.tasks:
                    self._train.tasks.append(task.name)
            if not tt.ended and t1 >= e - 1e-9:
                tt.ended = True
                tt.result = self._task_result(i, done=True)
                res = tt.result
                lvl = "good" if res.met_fraction >= 0.9 else ("danger" if res.missed else "warn")
                extra = " (missed)" if res.missed else ""
                self._say(f"Task '{task.name}' met {_pct(res.met_fraction)} of the time{extra}", lvl)
        self._on_events(events, t1)
        self._drive_state(r)
        self._timed_tutorial(t1)
        self._min_capacity = min(self._min_capacity, self._capacity_now())
        self._side_warning(side)
        self._judge(r, side)

    def _capacity_now(self) -> float:
        if self.level.muscle_group not in ("respiratory", "bulbar"):
            return 1.0
        return float(self.sim.get(Objectives).capacity)

    def _drive_state(self, r: Readout) -> None:
        if (self._player_train or self._auto_train) and not r.train_active:
            # a train with a set number of pulses ended by itself
            self._player_train = self._auto_train = False
            self._close_train()

    def _on_pulse(self, t: float, fired: float, na_block: bool, r: Readout) -> None:
        if not self._first["impulse"]:
            self._first["impulse"] = True
            self._trigger("first_impulse")
        failed = fired < 1.0 - FAILED_FIBRES
        tr = self._train
        if tr is not None:
            tr.pulses += 1
            if fired < tr.worst_fired:
                tr.worst_fired, tr.worst_pulse = fired, tr.pulses
                tr.rrp_at_worst, tr.ache_at_worst, tr.na_block_at_worst = r.rrp_fraction, r.ache_inhibition, na_block
            if failed and tr.first_fail is None:
                tr.first_fail = tr.pulses
                if not self._any_fail:
                    self._say(f"Pulse {tr.pulses}: {_pct(1 - fired)} of fibres failed to reach threshold", "warn")
        elif t - self._last_single_log >= SINGLE_LOG_GAP_S or (failed and not self._any_fail):
            self._last_single_log = t
            if failed:
                self._say(f"Single impulse: {_pct(1 - fired)} of fibres failed to reach threshold", "warn")
            else:
                self._say("Single impulse: every fibre fired, one twitch", "info")
        if failed and not self._any_fail:
            self._any_fail = True
            self._trigger("first_fail")

    def _on_events(self, events: list, t: float) -> None:
        for e in events:
            if isinstance(e, DrugEvent):
                name = LABELS.get(e.drug, e.drug)
                if e.t_s < -1e-6:
                    self._say(f"{name} {e.dose_mg:g} mg was taken {_duration(-e.t_s)} before the start",
                              "info", t_s=0.0)
                else:
                    self._say(f"{name} {e.dose_mg:g} mg given", "good")
            elif isinstance(e, TreatmentEvent):
                if e.started:
                    text = STARTED.get(e.treatment, f"{e.treatment} started")
                    self._say(text + (f" ({e.detail})" if e.detail else ""), "good")
                else:
                    self._say(STOPPED.get(e.treatment, f"{e.treatment} stopped"), "info")
            elif isinstance(e, CrisisEvent):
                self._on_crisis(e)
            elif isinstance(e, RefusedEvent):
                self._say(f"Refused: {e.reason}", "warn")

    def _on_crisis(self, e: CrisisEvent) -> None:
        if e.active:
            self._crises.append(CrisisRecord(e.kind, e.t_s))
            if e.kind == "myasthenic":
                what = "swallowing" if self.level.muscle_group == "bulbar" else "breathing"
                self._say(f"Myasthenic crisis! The {what} muscles are failing.", "danger")
            else:
                self._say("Cholinergic crisis! Too much AChE inhibitor: ACh floods the junction.", "danger")
        else:
            for i in range(len(self._crises) - 1, -1, -1):
                c = self._crises[i]
                if c.kind == e.kind and c.end_s is None:
                    self._crises[i] = replace(c, end_s=e.t_s)
                    break
            self._say(f"The {e.kind} crisis is over", "good")

    def _weighted_side(self, r: Readout) -> float:
        if r.side_effects <= 0 or not r.drug_inhibition:
            return r.side_effects
        weights = {}
        for t in self.level.treatments:
            weights.setdefault(t.kind, t.side_effect_weight)
        total = sum(r.drug_inhibition.values())
        if total <= 0:
            return r.side_effects
        w = sum(v / total * weights.get(k, 1.0) for k, v in r.drug_inhibition.items())
        return min(1.0, r.side_effects * w)

    def _side_warning(self, side: float) -> None:
        limit = min(self.level.lose.max_side_effects, DEFAULT.pharmacology.cholinergic_crisis_side_effects)
        marks = (0.5 * limit, 0.8 * limit)
        while self._side_warned < len(marks) and side >= marks[self._side_warned]:
            self._side_warned += 1
            text = "Side effects rising" if self._side_warned == 1 else "Side effects high"
            self._say(f"{text}: {_pct(side)} (sweating, cramps, slow pulse)", "warn")

    # -- judging -----------------------------------------------------------------------------------------
    def _judge(self, r: Readout, side: float) -> None:
        lose = self.level.lose
        for c in self._crises:  # judged after every step, so any crisis here has just begun
            if c.kind == "myasthenic" and lose.myasthenic_crisis:
                what = "swallowing and breathing" if self.level.muscle_group == "bulbar" else "breathing"
                return self._lose(f"Myasthenic crisis: the muscles of {what} failed.")
            if c.kind == "cholinergic" and lose.cholinergic_crisis:
                return self._lose("Cholinergic crisis: too much AChE inhibitor made the muscle weaker.")
        if lose.max_side_effects < 1.0 and side >= lose.max_side_effects:
            return self._lose(f"Side effects reached the level's limit of {_pct(lose.max_side_effects)}.")
        if lose.max_missed_tasks is not None:
            missed = sum(1 for tt in self._track if tt.result is not None and tt.result.missed)
            if missed > lose.max_missed_tasks:
                return self._lose(f"{missed} tasks missed; at most {lose.max_missed_tasks} allowed.")
        return None

    def _lose(self, reason: str) -> None:
        self._end("lost", reason)
        self._say(f"Level lost. {reason}", "danger")

    def _finish_at_end(self) -> None:
        met = self._demand_met()
        need = self.level.win.min_demand_met_fraction
        if met + 1e-9 >= need:
            self._end("won", f"{_pct(met)} of the demand met ({_pct(need)} needed).")
            self._say(f"Level won: {_pct(met)} of the demand met.", "good")
        else:
            self._end("lost", f"Only {_pct(met)} of the demand was met; {_pct(need)} was needed.")
            self._say(f"Level lost: only {_pct(met)} of the demand met.", "danger")

    def _end(self, outcome: str, reason: str) -> None:
        self.finished = True
        self.outcome = outcome
        self.reason = reason
        self._close_train()
        self._player_train = self._auto_train = False

    def _task_result(self, i: int, done: bool) -> TaskResult:
        task, tt = self._tasks[i], self._track[i]
        met = min(1.0, tt.met_s / task.duration_s) if task.duration_s > 0 else 1.0
        seen = tt.seen_s or 1.0
        return TaskResult(
            index=i, name=task.name, kind=task.kind, start_s=task.start_s, duration_s=task.duration_s,
            force_fraction=task.force_fraction, met_fraction=met, missed=met < MISSED_BELOW, done=done,
            mean_force=tt.force_s / seen, pulses=tt.pulses, first_fail_pulse=tt.first_fail,
            first_fired=tt.first_fired,
            worst_fired=tt.worst_fired, worst_pulse=tt.worst_pulse, min_rrp=tt.min_rrp,
            mean_ache_inhibition=tt.ache_s / seen, mean_frequency_hz=tt.hz_s / seen)

    def _results(self) -> list[TaskResult]:
        return [tt.result if tt.result is not None else self._task_result(i, done=False)
                for i, tt in enumerate(self._track)]

    def _demand_met(self) -> float:
        results = self._results()
        total = sum(r.weight for r in results)
        if total <= 0:
            return 1.0
        return sum(r.weight * r.met_fraction for r in results) / total

    def summary(self) -> RunSummary:
        """The run so far (complete once `finished`), with its score and stars."""
        from game.rules.scoring import score_and_stars

        results = self._results()
        trains = list(self._trains)
        if self._train is not None:
            tr = self._train
            trains.append(TrainStat(tr.start_s, self.t_s, tr.frequency_hz, tr.pulses, tr.first_fail,
                                    tr.worst_fired, tr.worst_pulse, tr.rrp_at_worst, tr.ache_at_worst,
                                    tr.na_block_at_worst, tuple(dict.fromkeys(tr.tasks)), tr.auto))
        t = self.t_s
        s = RunSummary(
            level_id=self.level.id, seed=self.seed, finished=self.finished, won=self.outcome == "won",
            outcome=self.outcome, reason=self.reason, duration_model_s=t, demand_met=self._demand_met(),
            tasks=tuple(results), missed_tasks=sum(1 for r in results if r.missed and r.done),
            crises=tuple(self._crises), max_side_effects=self._max_side,
            mean_side_effects=self._side_s / t if t > 0 else 0.0, treatment_cost=self._cost,
            doses=tuple(self._doses), trains=tuple(trains), single_impulses=self._singles,
            min_capacity=self._min_capacity)
        score, stars = score_and_stars(self.level.scoring, s)
        return replace(s, score=score, stars=stars)

    def _say(self, text: str, level: str, t_s: float | None = None) -> None:
        self.log.append(LogLine(self.t_s if t_s is None else t_s, text, level))

    def __enter__(self) -> LevelRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _duration(seconds: float) -> str:
    """A model-time span in words a student reads at a glance: 45 s, 12 min, 3 h, 5 days, 4 months."""
    s = abs(seconds)
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        h = s / 3600
        return f"{h:.1f} h".replace(".0 h", " h")
    if s < 60 * 86400:
        return f"{s / 86400:.0f} days"
    return f"{s / (30 * 86400):.0f} months"
