"""Runs of the draft in the background: the preview (the untreated patient's force against the demand)
and the check (the bot at seeds 1-5 and an idle player, with warnings).

Each run happens on a worker thread and can be cancelled; the scene polls `state()` every frame and never
waits. The model keeps its worlds in esper's global registry, so only one model may run at a time in a
process: the scene stops these workers (`cancel(wait=True)`) before a test play starts.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from game.levels.schema import Level
from game.rules.bot import FORCE_GUESS, LEAD_S, STEP_S, Bot, BotOptions, difficulty
from game.rules.session import Action, LevelRun, RunSummary

# The model keeps its worlds in esper's process-wide registry and switches between them on every call, so
# two models must never step at the same time: every piece of work on a model holds this lock. The preview
# and the check take turns chunk by chunk (milliseconds each), so neither waits for the other to finish.
MODEL_LOCK = threading.RLock()
PREVIEW_POINTS = 400              # samples of force and demand over the level
PREVIEW_FIBERS = 100              # the preview uses fewer fibres than the level: quick, a little rougher
PREVIEW_STEP_S = 0.5             # longest model step during tasks (the bot's 0.25 s gives the same curve, 2x slower)
CHECK_SEEDS = (1, 2, 3, 4, 5)


class Cancelled(Exception):
    pass


@dataclass
class Preview:
    """The untreated patient's force (0..1 of maximal) and the demand, sampled over the level."""

    t_s: list[float] = field(default_factory=list)
    force: list[float] = field(default_factory=list)
    demand: list[float] = field(default_factory=list)
    duration_s: float = 0.0
    demand_met: float = 0.0       # the run's weighted share of the demand met (untreated, fixed effort)
    wall_s: float = 0.0

    def at(self, t: float) -> tuple[float, float]:
        """(force, demand) nearest to model time t."""
        if not self.t_s:
            return 0.0, 0.0
        i = min(range(len(self.t_s)), key=lambda k: abs(self.t_s[k] - t))
        return self.force[i], self.demand[i]


def effort_hz(need: float) -> float:
    """The train frequency a healthy muscle would need for `need` (the untreated patient's effort)."""
    target = min(1.0, need * 1.1)
    for (f0, h0), (f1, h1) in zip(FORCE_GUESS, FORCE_GUESS[1:]):
        if target <= f1:
            return max(1.0, h0 + (h1 - h0) * (target - f0) / (f1 - f0))
    return FORCE_GUESS[-1][1]


def preview_level(level: Level) -> Level:
    """The level as the preview plays it: no treatments or start doses, trains allowed, fewer fibres, and
    nothing that ends it early (the preview shows the whole level)."""
    controls = level.controls.model_copy(update={"train": True, "train_min_hz": 0.1, "train_max_hz": 100.0})
    patient = level.patient.model_copy(update={"n_fibers": min(level.patient.n_fibers, PREVIEW_FIBERS)})
    start = level.start.model_copy(update={"doses": []})
    lose = level.lose.model_copy(update={"myasthenic_crisis": False, "cholinergic_crisis": False,
                                         "max_side_effects": 1.0, "max_missed_tasks": None})
    return level.model_copy(update={"controls": controls, "patient": patient, "start": start, "lose": lose,
                                    "treatments": [], "tutorial": []})


def run_preview(level: Level, cancelled: Callable[[], bool] = lambda: False,
                progress: Callable[[float], None] = lambda f: None) -> Preview:
    """Play the level untreated with a fixed, sensible effort: a train at the frequency a healthy muscle
    would need, from a second before each task to its end, rest in between (or the patient's own drive
    where the level has one). Raises Cancelled when `cancelled()` turns true."""
    t0 = time.perf_counter()
    lv = preview_level(level)
    end = lv.duration_model_s
    tasks = sorted(lv.demand, key=lambda k: k.start_s)
    # sample times: evenly over the level, plus dense inside tasks (short tasks in long levels)
    grid = {end * i / PREVIEW_POINTS for i in range(PREVIEW_POINTS + 1)}
    for k in tasks:
        for j in range(9):
            grid.add(min(end, k.start_s + k.duration_s * (j + 0.5) / 9))
    samples = sorted(grid)
    out = Preview(duration_s=end)
    with MODEL_LOCK:
        run = LevelRun(lv, seed=1, impulse_events=False)
    drive = lv.controls.auto_drive_hz is None
    training = [False]
    try:
        for t in samples:
            while run.t_s < t - 1e-9 and not run.finished:
                if cancelled():
                    raise Cancelled
                with MODEL_LOCK:
                    _preview_step(run, tasks, t, drive, training)
            with MODEL_LOCK:
                force = float(run.readout().force)
            out.t_s.append(t)
            out.force.append(force)
            out.demand.append(max((k.force_fraction for k in tasks if k.start_s <= t < k.start_s + k.duration_s),
                                  default=0.0))
            progress(t / end if end > 0 else 1.0)
            if run.finished:
                break
        with MODEL_LOCK:
            out.demand_met = run.summary().demand_met
    finally:
        with MODEL_LOCK:
            run.close()
    out.wall_s = time.perf_counter() - t0
    return out


def _preview_step(run: LevelRun, tasks: list, t: float, drive: bool, training: list[bool]) -> None:
    """Advance the preview run towards sample time t, at most to the next task boundary."""
    now = run.t_s
    need = max((k.force_fraction for k in tasks if k.start_s - LEAD_S <= now < k.start_s + k.duration_s),
               default=0.0)
    if drive:
        if need > 0 and not training[0]:
            run.act(Action("train_start", effort_hz(need)))
            training[0] = True
        elif need > 0:
            run.act(Action("set_frequency", effort_hz(need)))
        elif training[0]:
            run.act(Action("train_stop"))
            training[0] = False
    nxt = min([b for k in tasks for b in (k.start_s - LEAD_S, k.start_s + k.duration_s) if b > now + 1e-9] + [t])
    run.advance(max(1e-6, min(t, nxt) - now), max_step_s=PREVIEW_STEP_S)


# --- the check ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeedResult:
    who: str                      # "bot", "untreated" (the bot, never treating) or "idle"
    seed: int
    won: bool
    score: float
    stars: int
    difficulty: float
    demand_met: float
    treatments: int
    reason: str


@dataclass
class CheckReport:
    results: list[SeedResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            who = {"bot": f"Bot, seed {r.seed}", "untreated": f"Bot without treatments, seed {r.seed}"}.get(
                r.who, "Idle player")
            verdict = "won" if r.won else "lost"
            out.append(f"{who}: {verdict}, score {r.score:.0f}, {r.stars} star{'s' if r.stars != 1 else ''}, "
                       f"difficulty {r.difficulty:.2f}, demand met {100 * r.demand_met:.0f}%, "
                       f"{r.treatments} treatment{'s' if r.treatments != 1 else ''}")
        return out


def _play(level: Level, seed: int, who: str, cancelled: Callable[[], bool],
          progress: Callable[[float], None]) -> RunSummary:
    """One run: "bot" (the check-level bot), "untreated" (the same bot, never treating) or "idle"."""
    with MODEL_LOCK:
        run = LevelRun(level, seed=seed, impulse_events=False)
        player = None if who == "idle" else Bot(run, BotOptions(treat=who != "untreated"))
    try:
        end = level.duration_model_s
        while not run.finished:
            if cancelled():
                raise Cancelled
            with MODEL_LOCK:
                if player is not None:
                    player.decide()
                    run.advance(player.chunk(), max_step_s=STEP_S)
                else:
                    run.advance(max(STEP_S, end / 200.0), max_step_s=STEP_S)
            progress(min(1.0, run.t_s / end) if end > 0 else 1.0)
        with MODEL_LOCK:
            return run.summary()
    finally:
        with MODEL_LOCK:
            run.close()


def warnings_for(level: Level, results: list[SeedResult]) -> list[str]:
    """The check's warnings, in plain words."""
    bots = [r for r in results if r.who == "bot"]
    idle = next((r for r in results if r.who == "idle"), None)
    out: list[str] = []
    if bots and not any(r.won for r in bots):
        out.append("Cannot be won: the bot lost at every seed. Lower the demand, or give the player more means.")
    offered = bool(level.treatments)
    untreated = [r for r in results if r.who == "untreated"]
    if offered and (any(r.won for r in untreated) or any(r.won and r.treatments == 0 for r in bots)):
        out.append("Won without any treatment although the level offers some: the treatments are not needed.")
    if idle is not None and idle.won:
        out.append("Won by doing nothing: an idle player wins this level.")
    return out


def run_check(level: Level, seeds: tuple[int, ...] = CHECK_SEEDS, cancelled: Callable[[], bool] = lambda: False,
              progress: Callable[[float, str], None] = lambda f, what: None,
              on_result: Callable[[SeedResult], None] = lambda r: None) -> CheckReport:
    """The bot at each seed, the bot without treatments (when the level offers some), and an idle player
    (a run with no moves, to the end)."""
    t0 = time.perf_counter()
    report = CheckReport()
    jobs = [("bot", s) for s in seeds] + ([("untreated", seeds[0])] if level.treatments else []) + [("idle", 1)]
    for i, (who, seed) in enumerate(jobs):
        label = {"bot": f"bot, seed {seed}", "untreated": f"bot without treatments, seed {seed}"}.get(
            who, "idle player")

        def part(f: float, i: int = i, label: str = label) -> None:
            progress((i + f) / len(jobs), label)

        s = _play(level, seed, who, cancelled, part)
        d, _ = difficulty(level, s)
        result = SeedResult(who, seed, s.won, s.score, s.stars, d, s.demand_met, s.treatments_given, s.reason)
        report.results.append(result)
        on_result(result)
    progress(1.0, "done")
    report.warnings = warnings_for(level, report.results)
    report.wall_s = time.perf_counter() - t0
    return report


# --- the background worker --------------------------------------------------------------------------------

class Worker:
    """Runs one job at a time on a thread; a new job cancels the one before. Poll `state()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self.generation = 0
        self.progress = 0.0
        self.label = ""
        self.result: object | None = None
        self.error: str | None = None
        self.running = False
        self.partial: list[object] = []

    def start(self, job: Callable[..., object], *args: object) -> int:
        """Cancel the current job and start `job(*args, cancelled=..., progress=...)`. Returns its number."""
        self.cancel(wait=True)
        with self._lock:
            self.generation += 1
            gen = self.generation
            self._cancel = threading.Event()
            cancel = self._cancel
            self.progress, self.label, self.result, self.error, self.partial = 0.0, "", None, None, []
            self.running = True

        def progress(f: float, label: str = "") -> None:
            if gen == self.generation:
                self.progress, self.label = f, label

        def body() -> None:
            try:
                value = job(*args, cancelled=cancel.is_set, progress=progress)
            except Cancelled:
                return
            except Exception as e:          # a model error must not take the editor down: shown instead
                with self._lock:
                    if gen == self.generation:
                        self.error, self.running = f"{type(e).__name__}: {e}", False
                return
            with self._lock:
                if gen == self.generation:
                    self.result, self.running, self.progress = value, False, 1.0

        self._thread = threading.Thread(target=body, name="editor-run", daemon=True)
        self._thread.start()
        return gen

    def cancel(self, wait: bool = False) -> None:
        self._cancel.set()
        with self._lock:
            self.running = False
        t = self._thread
        if wait and t is not None and t.is_alive() and t is not threading.current_thread():
            t.join(timeout=30.0)

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Block until the job ends (tests and the headless screenshot only)."""
        t = self._thread
        if t is not None:
            t.join(timeout=timeout_s)
            return not t.is_alive()
        return True
