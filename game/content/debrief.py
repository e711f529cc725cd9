"""After a level: what happened and why, drawn from the run, then the level's own lesson; and the quiz.

    lines = debrief(level, run.summary(), run.log)      # plain sentences for the debrief screen
    ok, why = check_answer(level.quiz[0], answer)        # order / choice / match questions

The debrief explains the run in the terms of the mechanism the level teaches: a task that was missed is
traced to the step of the chain that failed (no impulses, a pool that ran down, end-plate potentials too
small from the start, too much AChE inhibition, twitches that did not fuse), doses are related to the
tasks they were meant for, and crises are named. Then comes the level's `debrief` text.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from game.content.schema import ChoiceQuestion, Level, MatchQuestion, OrderQuestion
from game.content.scoring import breakdown
from game.content.session import LABELS, LogLine, RunSummary, TaskResult

ORAL = ("pyridostigmine", "pyridostigmine-er", "dap")
WELL_MET = 0.9
MAX_TASK_LINES = 4
HEAVY_INHIBITION = 0.88     # near-total AChE block: ACh lingers, receptors desensitise, end plates depolarise


def when(level: Level, t_s: float) -> str:
    """A model time as a student reads it, on the level's scale: "1:35", "2 h 10 min in", "day 3"."""
    pace = level.pace_model_s_per_play_s
    if level.duration_model_s >= 3 * 86400 or pace >= 3600:
        return f"day {int(t_s // 86400) + 1}"
    if level.duration_model_s >= 2 * 3600 or pace >= 30:
        h, m = divmod(int(round(t_s / 60)), 60)
        if h == 0 and m == 0:
            return "the start"
        return f"{h} h {m:02d} min in" if h else f"{m} min in"
    m, s = divmod(int(round(t_s)), 60)
    return f"{m}:{s:02d}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _cause(t: TaskResult) -> str:
    """Which step of the chain let a task down."""
    if t.pulses == 0:
        return "silent"
    if t.mean_ache_inhibition >= HEAVY_INHIBITION:
        return "flooded"
    if t.first_fired < 0.8 and (t.worst_pulse or 0) <= 5:
        return "small-epp"
    if t.worst_fired < 0.8 and t.worst_pulse is not None:
        return "rundown"
    if t.mean_frequency_hz and t.mean_frequency_hz < 25:
        return "unfused"
    return "short"


def _names(tasks: list[TaskResult]) -> str:
    names = [f"'{t.name}'" for t in tasks[:3]]
    if len(tasks) > 3:
        return ", ".join(names) + f" and {len(tasks) - 3} more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _task_line(cause: str, tasks: list[TaskResult], mg: bool) -> str:
    """One sentence for all the tasks that failed in the same way (numbers from the worst of them)."""
    t = min(tasks, key=lambda x: x.worst_fired)
    name = _names(tasks)
    if cause == "silent":
        return f"During {name} the nerve was silent: without impulses there is no ACh release and no contraction."
    if cause == "flooded":
        return (f"In {name} AChE was {_pct(t.mean_ache_inhibition)} blocked: ACh lingered in the cleft, receptors "
                "desensitised and the end plates stayed depolarised, so fibres could not fire again. More "
                "inhibitor would only have made it worse.")
    if cause == "small-epp":
        why = "too few working receptors" if mg else "too little ACh reaching the receptors"
        return (f"In {name} fibres failed from the very first impulses: the end-plate potentials were too small "
                f"to reach threshold ({why}). At worst only {_pct(t.worst_fired)} of the fibres fired.")
    if cause == "rundown":
        margin = " With fewer receptors there was no safety margin to absorb it." if mg else ""
        return (f"Your release ran down during {name}: at pulse {t.worst_pulse} only {_pct(t.worst_fired)} of "
                f"fibres fired, because each impulse took quanta faster than the pool refilled (the ready pool "
                f"fell to {_pct(t.min_rrp)}).{margin}")
    if cause == "unfused":
        return (f"In {name} the fibres fired but the force stayed below what was needed: at "
                f"{t.mean_frequency_hz:.0f} Hz the twitches did not fuse. A faster train adds them up.")
    return f"In {name} the force stayed below what was needed ({_pct(t.met_fraction)} of the time met)."


def _dose_lines(level: Level, s: RunSummary) -> list[str]:
    lines: list[str] = []
    tasks = sorted(s.tasks, key=lambda t: t.start_s)
    oral = [d for d in s.doses if not d.before_start and d.kind in ORAL]
    for d in oral[:3]:
        name = LABELS.get(d.kind, d.kind)
        helped = [t for t in tasks if d.t_s + 15 * 60 <= t.start_s <= d.t_s + 4 * 3600]
        soon = [t for t in tasks if d.t_s <= t.start_s < d.t_s + 15 * 60]
        if helped:
            names = " and ".join(f"'{t.name}'" for t in helped[:2]) + (" and later tasks" if len(helped) > 2 else "")
            lines.append(f"{name} at {when(level, d.t_s)} was working in time for {names}: it needs 15 to 30 "
                         "minutes to act and lasts 3 to 4 hours.")
        elif soon:
            lines.append(f"{name} at {when(level, d.t_s)} came too late for '{soon[0].name}': a tablet needs "
                         "15 to 30 minutes to act.")
        else:
            lines.append(f"{name} at {when(level, d.t_s)} had no task in its window of action.")
    if len(oral) > 3:
        lines.append(f"In all, {len(oral)} tablets.")
    for d in s.doses:
        if d.before_start or d.kind in ORAL:
            continue
        name = LABELS.get(d.kind, d.kind)
        if d.kind == "edrophonium":
            lines.append(f"Edrophonium at {when(level, d.t_s)}: a test that lasts minutes. Stronger afterwards "
                         "means too little ACh effect; no stronger, or weaker, means enough or too much.")
        elif d.kind in ("plex", "ivig"):
            lines.append(f"{name} began on {when(level, d.t_s)}: it lowers the antibodies within days, "
                         "and fades after a few weeks.")
        elif d.kind == "steroids":
            lines.append(f"Steroids began on {when(level, d.t_s)}: they turn antibody production down over weeks.")
        elif d.kind == "thymectomy":
            lines.append(f"The thymectomy on {when(level, d.t_s)} helps over months.")
        elif d.kind == "ventilation":
            lines.append(f"The ventilator went on at {when(level, d.t_s)}: it breathed for the patient while "
                         "the cause was treated.")
        elif d.kind == "ice-pack":
            lines.append(f"Ice pack at {when(level, d.t_s)}: the cooled lid cleared ACh more slowly for a few "
                         "minutes, so more fibres reached threshold.")
    return lines


def debrief(level: Level, summary: RunSummary, log: Sequence[LogLine] = ()) -> list[str]:
    """What happened and why (a few sentences drawn from the run), then the level's debrief text."""
    s = summary
    mg = level.patient.condition != "healthy" or (level.patient.achr_fraction or 1.0) < 0.9
    lines: list[str] = []
    if s.won:
        lines.append(f"You won: {_pct(s.demand_met)} of the demand met "
                     f"({_pct(level.win.min_demand_met_fraction)} needed). Score {s.score:.0f}, "
                     f"{s.stars} star{'s' if s.stars != 1 else ''}.")
    elif s.outcome == "lost":
        lines.append(f"Level lost. {s.reason}")
    else:
        lines.append(f"So far: {_pct(s.demand_met)} of the demand met.")
    for c in s.crises:
        if c.kind == "myasthenic":
            lines.append(f"A myasthenic crisis began at {when(level, c.start_s)}: too few fibres of the breathing "
                         "and swallowing muscles could fire, for too long. Only a ventilator, and treatment of "
                         "the antibodies, help then.")
        else:
            lines.append(f"A cholinergic crisis began at {when(level, c.start_s)}: AChE was so blocked that ACh "
                         "flooded the junction and the muscles failed from too much signal, not too little.")
    done = [t for t in s.tasks if t.done or t.met_fraction > 0]
    short = sorted((t for t in done if t.met_fraction < WELL_MET), key=lambda t: t.met_fraction)
    groups: dict[str, list[TaskResult]] = {}
    for t in short:
        groups.setdefault(_cause(t), []).append(t)
    for cause, tasks in list(groups.items())[:MAX_TASK_LINES]:
        lines.append(_task_line(cause, tasks, mg))
    good = [t for t in done if t.met_fraction >= WELL_MET]
    if good:
        best = max(good, key=lambda t: t.force_fraction)
        rested = level.controls.rest and level.controls.auto_drive_hz is None
        rest = " after a rest" if rested and any(t.start_s < best.start_s for t in s.tasks) else ""
        lines.append(f"'{best.name}' went well{rest}: {_pct(best.met_fraction)} of its time at "
                     f"{_pct(best.force_fraction)} of full force.")
    lines.extend(_dose_lines(level, s))
    limit = level.lose.max_side_effects
    if s.max_side_effects >= 0.5:
        lines.append(f"Side effects peaked at {_pct(s.max_side_effects)}"
                     + (f" (limit {_pct(limit)})" if limit < 1 else "")
                     + ": sweating, cramps and a slow pulse are ACh acting outside the muscles.")
    if s.finished:
        lines.extend(breakdown(level.scoring, s))
    lines.extend(p.strip().replace("\n", " ") for p in level.debrief.strip().split("\n\n") if p.strip())
    return lines


# --- the quiz -------------------------------------------------------------------------------------------

Question = OrderQuestion | ChoiceQuestion | MatchQuestion


def answer_key(question: Question) -> list[str] | int | dict[str, str]:
    """The stored right answer, in the form check_answer takes."""
    if isinstance(question, OrderQuestion):
        return list(question.items)
    if isinstance(question, ChoiceQuestion):
        return question.answer_index
    return {p.left: p.right for p in question.pairs}


def check_answer(question: Question, answer: object) -> tuple[bool, str]:
    """Is the student's answer right, and why. Answers: order → the items (texts, or positions in the
    file's list) in the student's order; choice → the option's position or text; match → {left: right}
    or a list of (left, right) pairs."""
    if isinstance(question, OrderQuestion):
        return _check_order(question, answer)
    if isinstance(question, ChoiceQuestion):
        return _check_choice(question, answer)
    if isinstance(question, MatchQuestion):
        return _check_match(question, answer)
    raise TypeError(f"not a quiz question: {question!r}")


def _with(text: str, explanation: str | None) -> str:
    return f"{text} {explanation}" if explanation else text


def _check_order(q: OrderQuestion, answer: object) -> tuple[bool, str]:
    items = list(q.items)
    given: list[str] = []
    if isinstance(answer, Sequence) and not isinstance(answer, str):
        for a in answer:
            if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(items):
                given.append(items[a])
            elif isinstance(a, str):
                given.append(a)
            else:
                return False, _with("That answer is not a list of the items.", None)
    else:
        return False, "Give the items as a list, in your order."
    if given == items:
        return True, _with("Right order.", q.explanation)
    placed = sum(1 for a, b in zip(given, items) if a == b)
    order = " → ".join(items)
    return False, _with(f"{placed} of {len(items)} in the right place. The order is: {order}.", q.explanation)


def _check_choice(q: ChoiceQuestion, answer: object) -> tuple[bool, str]:
    index: int | None = None
    if isinstance(answer, int) and not isinstance(answer, bool):
        index = answer
    elif isinstance(answer, str) and answer in q.options:
        index = q.options.index(answer)
    right = q.options[q.answer_index]
    if index == q.answer_index:
        return True, _with("Right.", q.explanation)
    return False, _with(f"Not quite. The answer is: {right}.", q.explanation)


def _check_match(q: MatchQuestion, answer: object) -> tuple[bool, str]:
    if isinstance(answer, Mapping):
        given = dict(answer)
    elif isinstance(answer, Sequence) and not isinstance(answer, str):
        try:
            given = {left: right for left, right in answer}
        except (TypeError, ValueError):
            return False, "Give the pairs as (left, right)."
    else:
        return False, "Give the pairs as (left, right)."
    wrong = [p for p in q.pairs if given.get(p.left) != p.right]
    if not wrong:
        return True, _with("All pairs right.", q.explanation)
    fixes = "; ".join(f"{p.left} → {p.right}" for p in wrong)
    return False, _with(f"{len(q.pairs) - len(wrong)} of {len(q.pairs)} right. Check: {fixes}.", q.explanation)
