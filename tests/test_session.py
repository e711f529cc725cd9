"""LevelRun: one level being played. Limits, winning and losing, the log, determinism; scoring, the
debrief and quiz marking; the check-level command's exit codes."""
from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from game.levels import LEVELS_DIR, level_to_toml, load_level
from game.rules.bot import run_check_level
from game.rules.debrief import answer_key, check_answer, debrief
from game.levels.schema import ChoiceQuestion, MatchQuestion, OrderQuestion
from game.rules.scoring import score, score_parts, stars
from game.rules.session import Action, LevelRun, MISSED_BELOW

HEALTHY = LEVELS_DIR / "01-healthy-junction.toml"
POOL = LEVELS_DIR / "02-vesicle-pool.toml"
PTOSIS = LEVELS_DIR / "04-ptosis.toml"
DAY = LEVELS_DIR / "07-generalised-day.toml"
TRAP = LEVELS_DIR / "08-cholinergic-trap.toml"
CRISIS = LEVELS_DIR / "09-myasthenic-crisis.toml"


@pytest.fixture
def run_of():
    runs: list[LevelRun] = []

    def make(path: Path, seed: int = 1, impulse_events: bool = False, **changes: object) -> LevelRun:
        level = load_level(path)
        if changes:
            level = level.model_copy(update=changes)
        run = LevelRun(level, seed=seed, impulse_events=impulse_events)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.close()


def info(run: LevelRun, kind: str, value: object = None):
    return next(a for a in run.actions() if a.kind == kind and (value is None or a.value == value))


def play_tasks(run: LevelRun, hz: float = 25.0, step: float = 0.25) -> None:
    """A simple player: a train during every task, rest in between, to the end of the level."""
    while not run.finished:
        busy = bool(run.task_at(run.t_s + 0.3))
        if busy and not run.readout().train_active:
            assert run.act(Action("train_start", hz)) is None
        elif not busy and run.readout().train_active:
            assert run.act(Action("rest")) is None
        run.advance(step if busy or run.readout().train_active else 5.0)


# --- limits -------------------------------------------------------------------------------------------

def test_train_frequency_is_kept_within_the_level_range(run_of) -> None:
    run = run_of(HEALTHY)
    c = run.level.controls
    assert run.act(Action("train_start", 500.0)) is None
    assert run.frequency_hz == c.train_max_hz
    run.advance(0.5)
    assert run.readout().train_frequency_hz == c.train_max_hz
    assert run.act(Action("set_frequency", 0.01)) is None
    run.advance(0.25)
    assert run.frequency_hz == c.train_min_hz == run.readout().train_frequency_hz
    assert run.act(Action("set_frequency", "fast")) is not None


def test_calcium_is_kept_within_the_level_range_and_refused_without_the_control(run_of) -> None:
    run = run_of(POOL)
    assert run.act(Action("set_calcium", 10.0)) is None
    run.advance(0.25)
    assert run.readout().ca_mM == run.level.controls.ca_max_mM == 3.0
    assert run.act(Action("set_calcium", 0.0)) is None
    run.advance(0.25)
    assert run.readout().ca_mM == run.level.controls.ca_min_mM
    healthy = run_of(HEALTHY)
    assert "cannot be changed" in healthy.act(Action("set_calcium", 3.0))
    assert healthy.readout().ca_mM == 2.0


def test_controls_the_level_does_not_offer_are_refused(run_of) -> None:
    run = run_of(DAY)  # the patient drives: no fire, train or rest
    for kind in ("fire", "train_start", "rest"):
        assert run.act(Action(kind, 20.0)) is not None
    assert {a.kind for a in run.actions()} == {"treat"}
    assert "Unknown action" in run.act(Action("jump"))


def test_unknown_treatment_is_refused_with_the_choices(run_of) -> None:
    run = run_of(PTOSIS)
    reason = run.act(Action("treat", "aspirin"))
    assert reason is not None and "pyridostigmine" in reason
    assert run.act(Action("treat", "plex")) is not None      # a real treatment, but not in this level
    assert run.act(Action("treat", None)) is not None


def test_cooldown_is_enforced_in_model_seconds(run_of) -> None:
    run = run_of(DAY)  # pyridostigmine: 3 h cooldown, 5 doses
    assert run.act(Action("treat", "pyridostigmine")) is None
    blocked = info(run, "treat", "pyridostigmine")
    assert not blocked.available and blocked.cooldown_left_s == pytest.approx(10800.0)
    assert "Wait" in run.act(Action("treat", "pyridostigmine"))
    run.advance(7200.0)
    assert info(run, "treat", "pyridostigmine").cooldown_left_s == pytest.approx(3600.0, abs=1.0)
    assert run.act(Action("treat", "pyridostigmine")) is not None
    run.advance(3601.0)
    assert run.act(Action("treat", "pyridostigmine")) is None
    assert info(run, "treat", "pyridostigmine").uses_left == 3


def test_max_doses_is_enforced(run_of) -> None:
    run = run_of(PTOSIS)  # one tablet in the level
    assert info(run, "treat").uses_left == 1 and info(run, "treat").available
    assert run.act(Action("treat", "pyridostigmine")) is None
    run.advance(60.0)
    reason = run.act(Action("treat", "pyridostigmine"))
    assert reason is not None and "left" in reason
    assert info(run, "treat").uses_left == 0
    assert run.summary().treatment_cost == 10


def test_the_ventilator_toggles_and_is_not_given_twice(run_of) -> None:
    run = run_of(CRISIS)
    assert run.act(Action("treat", "ventilation")) is None
    assert run.ventilated and "Already" in run.act(Action("treat", "ventilation"))
    assert info(run, "stop_treatment", "ventilation").available
    run.advance(60.0)
    assert run.readout().ventilated
    assert run.act(Action("stop_treatment", "ventilation")) is None
    run.advance(60.0)
    assert not run.readout().ventilated
    assert run.act(Action("stop_treatment", "plex")) is not None


# --- winning and losing -------------------------------------------------------------------------------

def test_a_simple_player_wins_the_first_level_at_its_end(run_of) -> None:
    run = run_of(HEALTHY)
    play_tasks(run)
    s = run.summary()
    assert run.finished and run.outcome == "won" and s.won
    assert run.t_s == pytest.approx(run.level.duration_model_s)
    assert s.demand_met > run.level.win.min_demand_met_fraction and s.stars >= 1
    assert [t.done for t in s.tasks] == [True] * len(run.level.demand)
    assert run.act(Action("fire")) == "The level is over." and run.advance(10.0) == []


def test_doing_nothing_loses_on_demand(run_of) -> None:
    run = run_of(HEALTHY)
    run.advance(run.level.duration_model_s + 100.0)
    s = run.summary()
    assert run.outcome == "lost" and "demand" in run.reason and s.stars == 0
    assert s.demand_met == 0.0 and s.missed_tasks == len(run.level.demand)
    assert all(t.met_fraction < MISSED_BELOW for t in s.tasks)


def test_myasthenic_crisis_loses_when_the_level_says_so(run_of) -> None:
    run = run_of(CRISIS)
    run.advance(run.level.duration_model_s)
    assert run.outcome == "lost" and "Myasthenic crisis" in run.reason
    assert run.t_s < run.level.duration_model_s
    assert [c.kind for c in run.summary().crises] == ["myasthenic"]
    assert any(line.level == "danger" and "crisis" in line.text for line in run.log)


def test_the_ventilator_prevents_the_myasthenic_crisis(run_of) -> None:
    run = run_of(CRISIS)
    run.act(Action("treat", "ventilation"))
    run.advance(4 * 86400.0)
    assert not run.summary().crises and not run.finished


def test_stacking_pyridostigmine_loses_the_trap_level(run_of) -> None:
    run = run_of(TRAP)  # three tablets already taken
    assert run.act(Action("treat", "pyridostigmine")) is None
    run.advance(3 * 3600.0)
    assert run.outcome == "lost"
    assert "Side effects" in run.reason or "Cholinergic" in run.reason


def test_too_many_missed_tasks_end_the_level_early(run_of) -> None:
    run = run_of(POOL)  # at most 1 missed task
    run.advance(run.level.duration_model_s)
    assert run.outcome == "lost" and "missed" in run.reason
    assert run.summary().missed_tasks == run.level.lose.max_missed_tasks + 1 == 2
    assert run.t_s < run.level.duration_model_s


# --- the log, the tutorial, the patient's own effort ----------------------------------------------------

def test_log_lines_tell_what_happened(run_of) -> None:
    run = run_of(PTOSIS, impulse_events=True)
    run.act(Action("treat", "pyridostigmine"))
    run.advance(110.0)
    run.act(Action("train_start", 30.0))
    run.advance(40.0)
    run.act(Action("rest"))
    run.advance(5.0)
    texts = [line.text for line in run.log]
    assert "Pyridostigmine 60 mg given" in texts
    assert any(t.startswith("Task 'Read the bus timetable' begins") for t in texts)
    assert any(t.startswith("Task 'Read the bus timetable' met ") for t in texts)
    assert any(t.startswith("Pulse ") and "failed to reach threshold" in t for t in texts)
    trains = [t for t in texts if t.startswith("Train:")]
    assert len(trains) == 1 and "at worst" in trains[0]
    assert all(line.level in ("info", "good", "warn", "danger") for line in run.log)
    assert len(texts) < 12  # a summary, not one line per impulse


def test_start_doses_are_logged_and_the_tutorial_follows_triggers(run_of) -> None:
    run = run_of(TRAP)
    assert [line.text for line in run.log[:2]] == [
        "Pyridostigmine 60 mg was taken 3 h before the start",
        "Pyridostigmine 60 mg was taken 60 min before the start",
    ]
    assert run.pop_tutorial() == [run.level.tutorial[0].text] and run.pop_tutorial() == []
    run.act(Action("treat", "edrophonium"))
    assert run.pop_tutorial() == [run.level.tutorial[1].text]
    healthy = run_of(HEALTHY)
    healthy.pop_tutorial()
    healthy.act(Action("fire"))
    healthy.advance(0.5)
    assert healthy.pop_tutorial() == [healthy.level.tutorial[1].text]


def test_the_patient_fires_during_tasks_and_rests_between_them(run_of) -> None:
    run = run_of(DAY)
    first = run.level.demand[0]
    run.advance(first.start_s - 10.0)
    assert run.readout().pulses == 0
    run.advance(12.0)
    r = run.readout()
    assert r.train_active and r.train_frequency_hz == run.level.controls.auto_drive_hz and r.pulses > 0
    run.advance(first.duration_s)
    assert not run.readout().train_active
    assert run.summary().tasks[0].pulses > 0


# --- determinism, steps ----------------------------------------------------------------------------------

def _scripted(path: Path, seed: int) -> object:
    level = load_level(path)
    with LevelRun(level, seed=seed, impulse_events=False) as run:
        run.act(Action("treat", "pyridostigmine"))
        run.advance(110.0)
        run.act(Action("train_start", 22.0))
        run.advance(50.0)
        run.act(Action("rest"))
        run.advance(500.0)
        return run.summary(), [(line.t_s, line.text) for line in run.log]


def test_same_seed_same_run() -> None:
    a, b = _scripted(PTOSIS, 3), _scripted(PTOSIS, 3)
    assert a == b
    assert _scripted(PTOSIS, 4)[0] != a[0]


def test_quiet_stretches_take_long_steps() -> None:
    level = load_level(LEVELS_DIR / "10-long-game.toml")
    with LevelRun(level, impulse_events=False) as run:
        steps = []
        original = run.sim.step
        run.sim.step = lambda dt: (steps.append(dt), original(dt))[1]
        run.advance(5 * 86400.0)
    assert len(steps) < 200 and max(steps) >= 3600.0


# --- scoring ---------------------------------------------------------------------------------------------

def test_score_is_the_weighted_mean_of_its_parts(run_of) -> None:
    run = run_of(PTOSIS)
    base = run.summary()
    s = replace(base, demand_met=0.8, max_side_effects=0.2, treatment_cost=30.0, won=True, single_impulses=3)
    # every part other than the demand counts in proportion to the demand met
    assert score_parts(s) == pytest.approx({"demand": 0.8, "crises": 0.8, "side": 0.64, "cost": 0.56})
    sc = run.level.scoring  # weights 1, 1, 0.5, 0.5
    assert score(sc, s) == pytest.approx(100 * 0.8 * (1.0 + 1.0 + 0.5 * 0.8 + 0.5 * 0.7) / 3.0, abs=0.05)
    assert stars(sc, 95.0, won=True) == 3 and stars(sc, 75.0, won=True) == 1
    assert stars(sc, 95.0, won=False) == 0 and stars(sc, 10.0, won=True) == 0
    crisis = replace(s, crises=base.crises + (type("C", (), {})(),))
    assert score_parts(crisis)["crises"] == pytest.approx(0.4)
    # nothing done: nothing scored, however much the patient managed alone
    idle = replace(s, single_impulses=0)
    assert score_parts(idle) == {"demand": 0.0, "crises": 0.0, "side": 0.0, "cost": 0.0}
    assert score(sc, idle) == 0.0
    # no demand met: no credit for avoiding crises, side effects or cost
    assert score(sc, replace(s, demand_met=0.0)) == 0.0


# --- debrief and quiz ----------------------------------------------------------------------------------

def test_debrief_explains_the_run_then_gives_the_level_text(run_of) -> None:
    # a lid weaker than Ana's (20% of receptors), so that the train of the first task fails
    weak = load_level(PTOSIS).patient.model_copy(update={"achr_fraction": 0.2})
    run = run_of(PTOSIS, impulse_events=True, patient=weak)
    run.advance(100.0)
    run.act(Action("train_start", 35.0))
    run.advance(60.0)
    run.act(Action("rest"))
    run.advance(run.level.duration_model_s)
    lines = debrief(run.level, run.summary(), run.log)
    assert lines[0].startswith("Level lost.")
    assert any("ran down" in line or "very first impulses" in line for line in lines)
    assert any("nerve was silent" in line for line in lines)
    assert lines[-1] == run.level.debrief.strip().split("\n\n")[-1].replace("\n", " ")


def test_check_answer_marks_all_three_kinds() -> None:
    order = OrderQuestion(kind="order", question="q", items=["a", "b", "c"], explanation="why")
    assert check_answer(order, ["a", "b", "c"]) == (True, "Right order. why")
    assert check_answer(order, [0, 1, 2])[0]
    ok, why = check_answer(order, ["b", "a", "c"])
    assert not ok and "1 of 3" in why and "a → b → c" in why
    choice = ChoiceQuestion(kind="choice", question="q", options=["x", "y"], answer_index=1, explanation="e")
    assert check_answer(choice, 1)[0] and check_answer(choice, "y")[0]
    assert check_answer(choice, 0) == (False, "Not quite. The answer is: y. e")
    match = MatchQuestion(kind="match", question="q", pairs=[{"left": "L1", "right": "R1"},
                                                             {"left": "L2", "right": "R2"}])
    assert check_answer(match, {"L1": "R1", "L2": "R2"})[0]
    assert check_answer(match, [("L1", "R1"), ("L2", "R2")])[0]
    ok, why = check_answer(match, {"L1": "R2", "L2": "R1"})
    assert not ok and "L1 → R1" in why
    assert answer_key(match) == {"L1": "R1", "L2": "R2"}
    assert not check_answer(order, "abc")[0] and not check_answer(match, 3)[0]


# --- the check-level command ---------------------------------------------------------------------------

def test_check_level_exit_codes(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_check_level([str(HEALTHY)], out=out) == 0
    assert out.getvalue().startswith(f"WIN  {HEALTHY}: score ")
    level = load_level(HEALTHY)
    hopeless = level.model_copy(update={"demand": [t.model_copy(update={"force_fraction": 1.0})
                                                   for t in level.demand]})
    path = tmp_path / "hopeless.toml"
    path.write_text(level_to_toml(hopeless), encoding="utf-8")
    out = io.StringIO()
    assert run_check_level([str(path)], as_json=True, out=out) == 1
    (result,) = json.loads(out.getvalue())
    assert result["winnable"] is False and result["difficulty"] == 1.0 and result["path"] == str(path)
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n", encoding="utf-8")
    out = io.StringIO()
    assert run_check_level([str(bad), str(HEALTHY)], out=out) == 2
    assert out.getvalue().startswith(f"{bad}: ") and "WIN" not in out.getvalue()
