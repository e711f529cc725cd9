"""The clear check: a built-in player that plays a level headless and says whether it can be won.

The bot uses only what a player has: the same `Action`s through `LevelRun`, the HUD's readout (force,
demand, vesicle pool, AChE inhibition, receptors, side effects, breathing reserve) and the level's
timeline and drug facts (onset and duration, as the briefing and hints tell a student). Its policy:

- Nerve: during a task, hold a train at the lowest frequency that meets the demand: start from a guess
  (a healthy muscle's force against frequency, scaled by what this patient needed in earlier tasks),
  watch the force for a second or two, go faster while more fibres still fire and faster helps, back off
  when a faster train gave less force (as it does in MG, where it only empties the pool), start a second
  before the task (the force the HUD shows takes about that long to rise), slow down in proportion when a
  lighter task follows at once, and rest between tasks so the pool refills. If the force is still short,
  raise the release strength (bath calcium) when the level allows it. The force the HUD shows is smoothed
  (and the same at any step size), so the bot judges it by its mean and by how often it reached the demand.
- Drugs (AChE inhibitors, 3,4-DAP): only for a weak junction (receptors visibly reduced, or a task the
  nerve alone could not meet). A dose is given when the AChE inhibition it would add over the coming
  tasks is worth it now rather than a few minutes later (so slow tablets are taken ahead of time), and
  never when the predicted peak would approach the cholinergic-crisis range or the side-effect limit.
- Immune treatments in long levels: plasma exchange or IVIG when the patient is weak and there are days
  left; steroids with weeks left; thymectomy with months left. The ventilator when the breathing reserve
  falls towards the crisis level.

`check_level(level, seed, player)` plays once with impulse events off and returns a `CheckResult`;
`run_check_level(paths)` is the `check-level` command. Besides the bot, `PLAYERS` has an idle player (no
input at all) and handicapped bots (one that never treats, one that never rests, a careless one that doses
whenever the junction is weak, blind to the crisis range), so a level maker can see what each kind of
player gets; `play_as(level, seed, player)` also returns the moves the player made, in the replay format.
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from game import jsonsafe
from game.levels.loader import LevelError, load_level
from game.levels.schema import Level, Treatment
from game.rules.session import LABELS, Action, LevelRun, LogLine, RunSummary
from game.sim.laws import ache_inhibition, bateman_mg, muscarinic_load
from game.sim.params import DEFAULT
from game.sim.spec import DRUGS

STEP_S = 0.25
LEAD_S = 1.0                  # start a train this long before a task (the force takes about that long to rise)
SETTLE_S = 0.75               # wait this long after a change before judging the force
MEMORY_S = 6.0                # forget the force seen at a frequency after this long (the pool changes)
JUDGE_S = 1.75                # watch the force this long before changing anything
AIM_LOW, AIM_HIGH = 1.1, 1.5  # keep the mean force between these multiples of the demand
DRUG_CHECK_S = 300.0          # how often drug timing is reconsidered
IMMUNE_CHECK_S = 86400.0      # how often immune treatments are reconsidered (at most)
ACHE_DRUGS = ("pyridostigmine", "pyridostigmine-er", "edrophonium", "neostigmine")
TARGET_INHIBITION = 0.55      # AChE inhibition the bot aims for during tasks (a therapeutic tablet's peak)
DOSE_ABOVE = 0.4              # no new tablet while the inhibition is already above this
TOO_MUCH_INHIBITION = 0.8     # above this, lingering ACh desensitises receptors: sustained force falls
SAFE_INHIBITION = 0.82        # never predicted above this (depolarisation block and crisis lie above ~0.9)
SIDE_MARGIN = 0.08
WEAK_ACHR = 0.75              # receptors below this share of normal: a weak junction
VENTILATE_BELOW = 0.42        # breathing reserve at which the bot ventilates (the crisis is at 0.3)
HORIZON_S = 6 * 3600.0
ICE_LEAD_S = 75.0             # put the ice pack on this long before a task (the lid needs about a minute to cool)
DAP_AGAIN_S = 4 * 3600.0      # one 3,4-DAP dose covers about this long
# healthy force against train frequency (roughly; the bot corrects by feedback)
FORCE_GUESS = ((0.0, 0.0), (0.12, 10.0), (0.3, 20.0), (0.5, 30.0), (0.62, 40.0), (0.7, 50.0), (1.0, 80.0))


@dataclass(frozen=True)
class BotOptions:
    treat: bool = True            # use drugs, immune treatments and the ventilator
    rest: bool = True             # stop firing between tasks
    careful: bool = True          # False: doses whenever weak, blind to the crisis range (a naive player)


@dataclass(frozen=True)
class CheckResult:
    level_id: str
    winnable: bool
    score: float
    stars: int
    difficulty: float             # 0 (trivial) .. 1 (lost or nearly)
    reason: str
    demand_met: float
    treatments: int
    cost: float
    max_side_effects: float
    model_s: float
    wall_s: float
    path: str = ""
    parts: dict = field(default_factory=dict)          # the difficulty's parts
    player: str = "bot"
    seed: int = 1
    won: bool = False
    score_parts: dict = field(default_factory=dict)    # the score's parts, 0..1 (game.rules.scoring)
    score_points: dict = field(default_factory=dict)   # and what each gave, in points
    treatments_used: tuple = ()                         # kinds the player gave, in order of first use
    doses: tuple = ()                                   # every dose: {t_s, kind, name, dose_mg, before_start}
    crises: tuple = ()                                  # {kind, start_s, end_s}
    debrief: dict = field(default_factory=dict)        # happened / score / advice (game.rules.debrief)


class Bot:
    """A sensible player: see the module docstring."""

    def __init__(self, run: LevelRun, options: BotOptions = BotOptions()) -> None:
        self.run = run
        self.level = run.level
        self.opt = options
        c = self.level.controls
        self.can_train = c.train and c.auto_drive_hz is None
        self.hz = run.frequency_hz
        self.changed_at = -math.inf
        self.seen: dict[float, tuple[float, float]] = {}  # Hz -> (force seen, when)
        self.episode_need = 0.0
        self.best_fired = 0.0
        self.samples: list[float] = []
        self.factor = 1.0             # frequency this patient needs, relative to a healthy muscle
        self.ceiling = self.level.controls.train_max_hz  # above this, faster trains gave less force
        self.short_seen = False
        self.next_drug_check = 0.0
        self.next_immune_check = 0.0
        self.ca_start = self.level.start.ca_mM
        self.ca = self.ca_start
        self.drugs: list[tuple[str, Treatment]] = [(k, t) for k, t in run.treatments.items() if t.kind in DRUGS]
        self.immune = {t.kind: k for k, t in run.treatments.items() if t.kind not in DRUGS}
        self.started: dict[str, float] = {}
        self.last_effort_s = -math.inf

    # -- helpers ---------------------------------------------------------------------------------------
    def need_at(self, t: float) -> float:
        return max((k.force_fraction for k in self.level.demand if k.start_s <= t < k.start_s + k.duration_s),
                   default=0.0)

    def next_task_start(self, t: float) -> float | None:
        return min((k.start_s for k in self.level.demand if k.start_s > t), default=None)

    def guess_hz(self, need: float) -> float:
        target = min(1.0, need * 1.1)
        for (f0, h0), (f1, h1) in zip(FORCE_GUESS, FORCE_GUESS[1:]):
            if target <= f1:
                hz = h0 + (h1 - h0) * (target - f0) / (f1 - f0)
                break
        return self.clamp_hz(float(round(hz)))

    def clamp_hz(self, hz: float) -> float:
        c = self.level.controls
        return min(max(hz, c.train_min_hz), c.train_max_hz)

    def act(self, kind: str, value: float | str | None = None) -> bool:
        return self.run.act(Action(kind, value)) is None

    # -- the policy ------------------------------------------------------------------------------------
    def decide(self) -> None:
        run = self.run
        t = run.t_s
        r = run.readout()
        if self.opt.treat:
            self.breathing(r)
            if t >= self.next_immune_check:
                self.immune_treatments(r, t)
            if t >= self.next_drug_check and self.drugs:
                self.next_drug_check = t + DRUG_CHECK_S
                self.dose(r, t)
            self.contrast_treatments(r, t)
        if self.can_train:
            self.nerve(r, t)

    def nerve(self, r, t: float) -> None:
        need = max(self.need_at(t), self.need_at(t + LEAD_S))
        firing = r.train_active
        c = self.level.controls
        if need <= 0:
            nxt = self.next_task_start(t)
            gap = (nxt - t) if nxt is not None else math.inf
            if self.episode_need > 0:  # a task just ended: learn how this patient compares with a healthy one
                self.factor = max(0.6, min(1.6, self.hz / self.guess_hz(self.episode_need)))
                self.episode_need = 0.0
            if firing and self.opt.rest and gap > 1.0:
                self.act("rest" if c.rest else "train_stop")
                self.seen.clear()
            if self.ca != self.ca_start and c.release:
                self.ca = self.ca_start
                self.act("set_calcium", self.ca)
            return
        if not firing or need != self.episode_need:
            if not firing or need > self.episode_need:
                guess = self.clamp_hz(float(round(self.guess_hz(need) * self.factor)))
                self.hz = guess if not firing else max(self.hz, guess)
            else:  # a lighter task follows at once: slow down in proportion, to spare the pool
                ratio = self.guess_hz(need) / self.guess_hz(self.episode_need)
                self.hz = self.clamp_hz(float(round(self.hz * ratio)))
            self.episode_need = need
            self.seen.clear()
            self.best_fired = 0.0
            self.ceiling = min(self.level.controls.train_max_hz, self.ceiling + 2.0)
            self.act("train_start", self.hz)
            self.mark(t)
            return
        if t - self.changed_at < SETTLE_S or not self.need_at(t):
            return
        self.samples.append(r.force)
        self.best_fired = max(self.best_fired, r.last_fibers_fired_fraction)
        if t - self.changed_at < SETTLE_S + JUDGE_S:
            return
        # the met rule counts each moment the force reaches the demand: judge on how often it did since the
        # last change, and on the mean force over that time
        ok = sum(1 for f in self.samples if f >= need) / len(self.samples)
        force = sum(self.samples) / len(self.samples)
        self.seen = {hz: v for hz, v in self.seen.items() if t - v[1] < MEMORY_S}
        self.seen[self.hz] = (force, t)
        seen = {hz: v[0] for hz, v in self.seen.items()}
        step = max(2.0, float(round(0.12 * self.hz)))
        up, down = self.clamp_hz(self.hz + step), self.clamp_hz(self.hz - step)
        if ok < 0.9:
            self.short_seen = self.short_seen or t - self.changed_at > 3.0
            fired = r.last_fibers_fired_fraction
            below = seen.get(down)
            if below is not None and below > force * 1.02 and down < self.hz:
                self.ceiling = down          # the last step up gave less force: this patient's limit
                self.set_hz(down, t)
            elif up > self.hz and up <= self.ceiling and fired > max(0.4, 0.8 * self.best_fired) and (up not in seen or seen[up] > force * 1.02):
                self.set_hz(up, t)           # try more summation; keep it if it gave more force
            elif down < self.hz and seen.get(down, -1.0) > force * 1.02:
                self.set_hz(down, t)         # faster was worse: the pool empties and fibres drop out
            elif c.release and self.ca < c.ca_max_mM:
                self.ca = min(c.ca_max_mM, self.ca + 0.5)
                self.act("set_calcium", self.ca)
                self.mark(t)
                self.seen.clear()
            else:
                self.mark(t)
        elif force > need * AIM_HIGH:
            if down < self.hz and seen.get(down, math.inf) >= need * AIM_LOW:
                self.set_hz(down, t)
            elif c.release and self.ca > self.ca_start:
                self.ca = max(self.ca_start, self.ca - 0.5)
                self.act("set_calcium", self.ca)
                self.mark(t)
                self.seen.clear()
            else:
                self.mark(t)
        else:
            self.mark(t)

    def mark(self, t: float) -> None:
        self.changed_at = t
        self.samples = []

    def set_hz(self, hz: float, t: float) -> None:
        self.hz = hz
        self.act("set_frequency", hz)
        self.mark(t)

    # -- drugs -------------------------------------------------------------------------------------------
    def weak(self, r) -> bool:
        return r.achr_fraction < WEAK_ACHR or self.short_seen

    def inhibition_curve(self, times: list[float], extra: tuple[str, float, float] | None) -> list[float]:
        ph = DEFAULT.pharmacology
        doses = [(d.kind, d.dose_mg, d.t_s) for d in self.run.doses
                 if d.kind in ACHE_DRUGS and d.dose_mg is not None]
        if extra is not None:
            doses.append(extra)
        out = []
        for t in times:
            occ = sum(bateman_mg(ph.drugs[k], mg, (t - t0) / 60.0) / ph.drugs[k].ec50_mg for k, mg, t0 in doses)
            out.append(ache_inhibition(ph, occ))
        return out

    def side_limit(self) -> float:
        crisis = DEFAULT.pharmacology.cholinergic_crisis_side_effects
        return min(self.level.lose.max_side_effects, crisis) - SIDE_MARGIN

    def coverage(self, t0: float, extra: tuple[str, float, float] | None, grid: list[float]) -> float:
        inh = self.inhibition_curve(grid, extra)
        total = 0.0
        for t, x in zip(grid, inh):
            need = self.need_at(t)
            if need > 0:
                total += need * (min(x, TARGET_INHIBITION) - 1.5 * max(0.0, x - TOO_MUCH_INHIBITION))
        return total

    def dose(self, r, t: float) -> None:
        if not self.weak(r):
            return
        end = min(self.level.duration_model_s, t + HORIZON_S)
        grid = self.task_grid(t, end)
        if not grid:
            return
        base = self.coverage(t, None, grid)
        best: tuple[float, str] | None = None
        for key, tr in self.drugs:
            info = next(a for a in self.run.actions() if a.kind == "treat" and a.value == key)
            if not info.available:
                continue
            kind, mg = tr.kind, float(tr.dose_mg or 0.0)
            if kind == "dap":
                continue  # 3,4-DAP: left to players (the bot keeps to AChE inhibitors)
            if self.opt.careful and r.ache_inhibition > DOSE_ABOVE and kind != "edrophonium":
                continue
            now = (kind, mg, t)
            curve = self.inhibition_curve([t + 60.0 * m for m in range(0, 361, 5)], now)
            peak = max(curve)
            side = muscarinic_load(DEFAULT.pharmacology, peak) * tr.side_effect_weight
            if self.opt.careful and (peak > SAFE_INHIBITION or side > self.side_limit()):
                continue
            gain = self.coverage(t, now, grid) - base
            if not self.opt.careful:
                gain = max(gain, 1e-3)
            if gain <= 1e-6:
                continue
            later = self.coverage(t, (kind, mg, t + DRUG_CHECK_S), grid) - base
            if later > gain * 1.02 and self.need_at(t) <= 0:
                continue  # better a little later
            value = gain / (1.0 + tr.cost / 50.0)
            if best is None or value > best[0]:
                best = (value, key)
        if best is not None:
            self.act("treat", best[1])

    def task_grid(self, t0: float, t1: float) -> list[float]:
        """Sample times (every 2 min, or finer in short tasks) over the task time between t0 and t1."""
        times: list[float] = []
        for k in self.level.demand:
            a, b = max(t0, k.start_s), min(t1, k.start_s + k.duration_s)
            if b <= a:
                continue
            step = min(120.0, max(1.0, (b - a) / 10.0))
            n = int((b - a) / step) + 1
            times.extend(a + i * step for i in range(n))
        return sorted(times)

    # -- immune treatments, the ventilator ------------------------------------------------------------------
    def breathing(self, r) -> None:
        key = self.immune.get("ventilation")
        if key is None or self.run.ventilated:
            return
        if self.level.muscle_group not in ("respiratory", "bulbar"):
            return
        reserve = self.run.capacity
        if r.train_active:
            self.last_effort_s = self.run.t_s
            # during an effort the reserve dips as the pool runs down; only a long effort can cause a crisis
            left = max((k.start_s + k.duration_s - self.run.t_s for i, k in enumerate(self.level.demand)
                        if i in self.run.task_at()), default=0.0)
            if reserve < 0.3 and left > 20.0:
                self.act("treat", key)
        elif r.myasthenic_crisis or (reserve < VENTILATE_BELOW and self.run.t_s - self.last_effort_s > 30.0):
            self.act("treat", key)       # judged at rest: right after an effort the reserve is still refilling

    def immune_treatments(self, r, t: float) -> None:
        self.next_immune_check = t + min(IMMUNE_CHECK_S, max(3600.0, self.level.duration_model_s / 200.0))
        left = self.level.duration_model_s - t
        day = 86400.0
        weak = r.achr_fraction < 0.6 or self.short_seen or self.run.capacity < 0.5
        if not weak:
            return
        course = [k for k in ("plex", "ivig") if k in self.immune]
        if course and left >= 3 * day:
            last = max((self.started.get(k, -math.inf) for k in course), default=-math.inf)
            if t - last >= 28 * day:
                options = sorted(course, key=lambda k: self.level.treatments[
                    [x.kind for x in self.level.treatments].index(k)].cost)
                for k in options:
                    if self.act("treat", self.immune[k]):
                        self.started[k] = t
                        break
        if "steroids" in self.immune and left >= 21 * day and "steroids" not in self.started:
            if self.act("treat", self.immune["steroids"]):
                self.started["steroids"] = t
        if "thymectomy" in self.immune and left >= 60 * day and "thymectomy" not in self.started:
            if self.act("treat", self.immune["thymectomy"]):
                self.started["thymectomy"] = t

    # -- the contrast chapter: 3,4-DAP for Lambert-Eaton, the ice pack on a drooping lid --------------------
    def contrast_treatments(self, r, t: float) -> None:
        """3,4-DAP when the briefing names Lambert-Eaton (it raises release, which is what is missing), given
        early and again when the last dose is wearing off; the ice pack shortly before a task on a weak
        eyelid, so the lid is cool while the task lasts."""
        if self.level.patient.condition == "lems":
            for key, tr in self.drugs:
                if tr.kind != "dap" or t - self.started.get(key, -math.inf) < DAP_AGAIN_S:
                    continue
                if self.next_task_start(t - 1.0) is None and not self.need_at(t):
                    continue
                if self.act("treat", key):
                    self.started[key] = t
        key = self.immune.get("ice-pack")
        if key is None or not (r.achr_fraction < WEAK_ACHR or self.short_seen):
            return
        if t - self.started.get("ice-pack", -math.inf) < ICE_LEAD_S:
            return
        coming = [k for k in self.level.demand if k.start_s + k.duration_s > t and k.start_s - t <= ICE_LEAD_S]
        if not coming:
            return
        # with fewer packs left than tasks, keep them for the hardest tasks
        info = next(a for a in self.run.actions() if a.kind == "treat" and a.value == key)
        tr = self.run.treatments[key]
        left = tr.max_doses - sum(1 for d in self.run.doses if d.kind == "ice-pack")
        later = sorted((k for k in self.level.demand if k.start_s + k.duration_s > t),
                       key=lambda k: -k.force_fraction)[:max(0, left)]
        if info.available and any(k in later for k in coming) and self.act("treat", key):
            self.started["ice-pack"] = t

    # -- pacing ------------------------------------------------------------------------------------------
    def chunk(self) -> float:
        """Model seconds until the bot wants to decide again."""
        run = self.run
        t = run.t_s
        r = run.readout()
        if r.train_active or self.need_at(t) > 0:
            return STEP_S
        nxt = self.next_task_start(t)
        wait = self.level.duration_model_s - t
        if nxt is not None:
            wait = min(wait, max(STEP_S, nxt - t - LEAD_S))
        if self.opt.treat:
            if self.drugs:
                wait = min(wait, max(STEP_S, self.next_drug_check - t))
            if self.immune:
                wait = min(wait, max(STEP_S, self.next_immune_check - t))
            if "ice-pack" in self.immune and nxt is not None:
                wait = min(wait, max(STEP_S, nxt - t - ICE_LEAD_S))
            if "ventilation" in self.immune and not run.ventilated:
                # watch the breathing reserve: closely when it is low, hourly otherwise
                wait = min(wait, 10.0 if run.capacity < 0.55 else 3600.0)
        return max(STEP_S, wait)


def play(level: Level, seed: int = 1, options: BotOptions = BotOptions(),
         impulse_events: bool = False) -> tuple[RunSummary, list]:
    """Play the level to its end with the bot; returns the summary and the run's log."""
    run = LevelRun(level, seed=seed, impulse_events=impulse_events)
    try:
        bot = Bot(run, options)
        while not run.finished:
            bot.decide()
            run.advance(bot.chunk(), max_step_s=STEP_S)
        return run.summary(), list(run.log)
    finally:
        run.close()


def difficulty(level: Level, s: RunSummary) -> tuple[float, dict]:
    """0..1 from how close the bot came to losing, how much treatment it needed and how tight the demand
    was. A level the bot loses is 1."""
    if not s.won:
        return 1.0, {}
    need = level.win.min_demand_met_fraction
    headroom = 1.0 - need
    near_demand = 1.0 - (s.demand_met - need) / headroom if headroom > 1e-9 else 1.0
    side_limit = min(level.lose.max_side_effects, DEFAULT.pharmacology.cholinergic_crisis_side_effects)
    mild = 0.2  # side effects of an ordinary therapeutic dose
    near_side = max(0.0, (s.max_side_effects - mild) / (side_limit - mild)) if side_limit > mild else 0.0
    near_missed = 0.0
    if level.lose.max_missed_tasks is not None:
        near_missed = s.missed_tasks / (level.lose.max_missed_tasks + 1)
    near_crisis = 0.0
    if level.lose.myasthenic_crisis and level.muscle_group in ("respiratory", "bulbar"):
        near_crisis = max(0.0, min(1.0, (0.7 - s.min_capacity) / 0.4))
    near = 0.6 * max(0.0, min(1.0, near_demand)) + 0.4 * min(1.0, max(near_side, near_missed, near_crisis))
    kinds = {d.kind for d in s.doses if not d.before_start}
    load = min(1.0, 0.15 * len(kinds) + 0.05 * s.treatments_given + s.treatment_cost / 300.0)
    total = sum(t.duration_s for t in s.tasks) or 1.0
    tight = sum(t.duration_s * (1.0 - t.met_fraction) for t in s.tasks) / total
    tight = max(tight, sum(t.duration_s * min(1.0, max(0.0, 1.25 - t.mean_force / max(t.force_fraction, 1e-6)) / 0.25)
                           for t in s.tasks if t.force_fraction > 0) / total * 0.5)
    parts = {"near_loss": round(near, 3), "treatment": round(load, 3), "tightness": round(tight, 3)}
    return round(min(1.0, 0.45 * near + 0.3 * load + 0.25 * tight), 3), parts


PLAYERS: dict[str, BotOptions | None] = {
    "bot": BotOptions(),
    "idle": None,                                   # no input at all
    "never-treat": BotOptions(treat=False),
    "never-rest": BotOptions(rest=False),
    "careless": BotOptions(careful=False),
}


def play_as(level: Level, seed: int = 1, player: str = "bot") -> tuple[RunSummary, list[LogLine], list[dict]]:
    """Play the level to its end as one of `PLAYERS`; returns the summary, the log and the moves the
    session accepted ({t_s, kind, value}, as game.rules.replay writes them)."""
    if player not in PLAYERS:
        raise ValueError(f"player: got {player!r}, expected one of {', '.join(PLAYERS)}")
    run = LevelRun(level, seed=seed, impulse_events=False)
    moves: list[dict] = []
    act = run.act

    def recording_act(action: Action) -> str | None:
        t = run.t_s
        refused = act(action)
        if refused is None:
            moves.append({"t_s": t, "kind": action.kind, "value": action.value})
        return refused

    run.act = recording_act  # type: ignore[method-assign]
    try:
        options = PLAYERS[player]
        if options is None:
            while not run.finished:
                run.advance(max(1.0, level.duration_model_s - run.t_s), max_step_s=STEP_S)
        else:
            bot = Bot(run, options)
            while not run.finished:
                bot.decide()
                run.advance(bot.chunk(), max_step_s=STEP_S)
        return run.summary(), list(run.log), moves
    finally:
        run.close()


def check_level(level: Level, seed: int = 1, player: str = "bot") -> CheckResult:
    """Play the level once (the bot, or another of `PLAYERS`), headless, and judge it."""
    return check_level_moves(level, seed, player)[0]


def check_level_moves(level: Level, seed: int = 1, player: str = "bot") -> tuple[CheckResult, list[dict]]:
    """`check_level`, and the moves the player made (for `--record`)."""
    from game.rules.debrief import report
    from game.rules.scoring import points, score_parts

    t0 = time.perf_counter()
    s, log, moves = play_as(level, seed, player)
    wall = time.perf_counter() - t0
    d, parts = difficulty(level, s)
    used = tuple(dict.fromkeys(x.kind for x in s.doses if not x.before_start))
    doses = tuple({"t_s": round(x.t_s, 3), "kind": x.kind, "name": LABELS.get(x.kind, x.kind),
                   "dose_mg": x.dose_mg, "before_start": x.before_start} for x in s.doses)
    crises = tuple({"kind": c.kind, "start_s": round(c.start_s, 3),
                    "end_s": None if c.end_s is None else round(c.end_s, 3)} for c in s.crises)
    brief = report(level, s, log).as_dict()
    brief.pop("lesson", None)
    return CheckResult(level_id=level.id, winnable=s.won, score=s.score, stars=s.stars, difficulty=d,
                       reason=s.reason, demand_met=round(s.demand_met, 4), treatments=s.treatments_given,
                       cost=s.treatment_cost, max_side_effects=round(s.max_side_effects, 4),
                       model_s=s.duration_model_s, wall_s=round(wall, 3), parts=parts, player=player, seed=seed,
                       won=s.won, score_parts={k: round(v, 4) for k, v in score_parts(s).items()},
                       score_points={k: round(v, 2) for k, v in points(level.scoring, s).items()},
                       treatments_used=used, doses=doses, crises=crises, debrief=brief), moves


def _files(paths: Sequence[str]) -> list[str]:
    files: list[str] = []
    for raw in paths:
        p = Path(raw)
        files.extend(str(f) for f in sorted(p.glob("*.toml"))) if p.is_dir() else files.append(raw)
    return files


def json_row(r: CheckResult) -> dict:
    """One level's result as the `--json` output gives it (one object per level)."""
    return {"level_id": r.level_id, "path": r.path, "player": r.player, "seed": r.seed, "won": r.won,
            "winnable": r.winnable, "score": r.score, "stars": r.stars, "reason": r.reason,
            "demand_met": r.demand_met, "score_parts": r.score_parts, "score_points": r.score_points,
            "treatments": list(r.treatments_used), "treatments_given": r.treatments, "treatment_cost": r.cost,
            "doses": list(r.doses), "crises": list(r.crises), "max_side_effects": r.max_side_effects,
            "difficulty": r.difficulty, "parts": r.parts, "debrief": r.debrief, "model_s": r.model_s,
            "wall_s": r.wall_s}


def _record_problem(record: str) -> str | None:
    target = Path(record).expanduser()
    if os.path.lexists(target):
        return f"check-level --record: {record} already exists (expected a new file name; nothing was written)"
    if not target.parent.resolve().is_dir():
        return f"check-level --record: folder {target.parent} does not exist"
    return None


def write_record(record: str, level: Level, seed: int, moves: list[dict]) -> None:
    """Write a replay file (header + moves) atomically, never over an existing file (FileExistsError)."""
    from game.levels.campaign import source_sha256
    from game.rules.replay import dumps, header

    target = Path(record).expanduser()
    text = dumps(header(level.id, source_sha256(level), seed), moves)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, target)             # fails if the file appeared meanwhile: never overwritten
    finally:
        os.unlink(tmp)


def run_check_level(paths: Sequence[str], seed: int = 1, as_json: bool = False, out: TextIO | None = None,
                    player: str = "bot", record: str | None = None, err: TextIO | None = None) -> int:
    """`check-level`: one line (or, with `as_json`, one JSON object in a list) per level. With the bot: 0 if
    every level is winnable, 1 if any is not; with another player, 0 once every level was played. 2 if a
    level file is invalid (the loader's messages are printed) or an option is wrong. With one level,
    `record` writes the player's moves as a replay file (never over an existing file)."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    files = _files(paths)
    if not files:
        print("check-level: give one or more level files or folders, e.g. levels/", file=out)
        return 2
    if player not in PLAYERS:
        print(f"endplate: check-level --player: got {player!r}, expected one of {', '.join(PLAYERS)}", file=err)
        return 2
    if record is not None:
        if len(files) != 1:
            print(f"endplate: check-level --record: give exactly one level file (got {len(files)})", file=err)
            return 2
        problem = _record_problem(record)
        if problem:
            print(f"endplate: {problem}", file=err)
            return 2
    levels: list[tuple[str, Level]] = []
    problems: list[str] = []
    for f in files:
        try:
            levels.append((f, load_level(f)))
        except LevelError as e:
            problems.extend(str(p) for p in e.problems)
    if problems:
        for line in problems:
            print(line, file=out)
        return 2
    results = []
    for f, level in levels:
        if record is not None:
            res, moves = check_level_moves(level, seed, player)
            try:
                write_record(record, level, seed, moves)
            except FileExistsError:
                print(f"endplate: check-level --record: {record} already exists (expected a new file name; "
                      "nothing was written)", file=err)
                return 2
            except OSError as e:
                print(f"endplate: check-level --record: cannot write {record}: {e.strerror or e}", file=err)
                return 2
        else:
            res = check_level(level, seed, player)
        results.append(replace(res, path=f))
    if as_json:
        jsonsafe.dump([json_row(r) for r in results], out, indent=2)
        out.write("\n")
    else:
        who = "" if player == "bot" else f" [{player}]"
        for r in results:
            verdict = "WIN " if r.winnable else "LOSE"
            print(f"{verdict} {r.path}{who}: score {r.score:.0f}, {r.stars} star{'s' if r.stars != 1 else ''}, "
                  f"difficulty {r.difficulty:.2f}, demand met {100 * r.demand_met:.0f}%, "
                  f"{r.treatments} treatment{'s' if r.treatments != 1 else ''} ({r.wall_s:.1f} s) — {r.reason}",
                  file=out)
    if player != "bot":
        return 0
    return 0 if all(r.winnable for r in results) else 1
