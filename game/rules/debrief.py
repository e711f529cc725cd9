"""After a level: what happened (only this run's events), what could have helped, the score in words, the
level's lesson; and the quiz.

    d = report(level, run.summary(), run.log)    # Debrief: verdict, happened, score, advice, lesson
    lines = debrief(level, run.summary())         # the same as one list of sentences
    ok, why = check_answer(level.quiz[0], answer) # order / choice / match questions

"What happened" states only what this run did: the outcome, crises, each task that fell short traced to the
step of the chain that failed (no impulses, a pool that ran down, end-plate potentials too small from the
start, too much AChE inhibition, twitches that did not fuse), the doses and treatments actually given and
whether they were acting during the tasks, and the side effects. It never names a treatment that was not
given. "What could have helped" is advice drawn from the same failures and the means the level offers.
The score lines say in plain words what each part of the score counted. The level's own `debrief` text is
the lesson, kept apart and shown once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from game.levels.schema import ChoiceQuestion, Level, MatchQuestion, OrderQuestion
from game.rules.scoring import breakdown, player_acted
from game.rules.session import LABELS, LogLine, RunSummary, TaskResult

ORAL = ("pyridostigmine", "pyridostigmine-er", "dap")
ACHE_INHIBITORS = ("pyridostigmine", "pyridostigmine-er", "neostigmine")
IMMUNE = ("plex", "ivig", "steroids", "thymectomy")
WELL_MET = 0.9
MAX_TASK_LINES = 4
MAX_ADVICE = 4
HEAVY_INHIBITION = 0.88     # near-total AChE block: ACh lingers, receptors desensitise, end plates depolarise
ACTING_INHIBITION = 0.15    # mean AChE inhibition during a task above which a dose counts as acting then
ONSET_S = 15 * 60.0         # an oral dose's earliest action
WINDOW_S = 4 * 3600.0       # and how long it lasts
REST_GAP_S = 3.0            # a pause in firing at least this long before a task counts as a rest


@dataclass(frozen=True)
class Debrief:
    """The debrief of one run, in parts the screen shows apart."""

    verdict: str                    # won or lost, and why (one sentence)
    happened: tuple[str, ...]       # events of this run only
    score: tuple[str, ...]          # what the score counted, in words (empty until the run is finished)
    advice: tuple[str, ...]         # what could have helped
    lesson: tuple[str, ...]         # the level's own debrief text, by paragraph

    def lines(self) -> list[str]:
        return [self.verdict, *self.happened, *self.score, *self.advice, *self.lesson]

    def as_dict(self) -> dict[str, list[str]]:
        return {"happened": [self.verdict, *self.happened], "score": list(self.score),
                "advice": list(self.advice), "lesson": list(self.lesson)}


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


def _at(level: Level, t_s: float) -> str:
    w = when(level, t_s)
    if w.startswith("day"):
        return "on " + w
    if w.endswith(" in"):
        return w
    return "at " + w


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _pct_int(x: float) -> int:
    return int(f"{100 * x:.0f}")


def _name(kind: str) -> str:
    return LABELS.get(kind, kind)


def _list(words: Sequence[str], joiner: str = "and") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {joiner} " + words[-1]


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
    return _list(names)


def _disorder(level: Level) -> str:
    """Where this patient's transmission is weak: "receptors" (MG, or receptors taken away by the level),
    "release" (Lambert-Eaton: too little Ca2+ entry, too few quanta), or "none"."""
    from game.sim.params import CONDITIONS, DAMAGED_ACHR_FRACTION

    cond = CONDITIONS.get(level.patient.condition)
    if cond is not None and cond.ca_channel_fraction < 1.0:
        return "release"
    if (cond is not None and cond.mg) or (level.patient.achr_fraction or 1.0) < DAMAGED_ACHR_FRACTION:
        return "receptors"
    return "none"


SMALL_EPP_WHY = {"receptors": "too few working receptors",
                 "release": "too few quanta released: the nerve terminal lets in too little Ca2+",
                 "none": "too little ACh reaching the receptors"}
RUNDOWN_MARGIN = {"receptors": " With fewer receptors there was no safety margin to absorb it.",
                  "release": " Each impulse released few quanta to begin with, so there was no margin to lose.",
                  "none": ""}


def _task_line(cause: str, tasks: list[TaskResult], disorder: str) -> str:
    """One sentence for all the tasks that failed in the same way (numbers from the worst of them)."""
    t = min(tasks, key=lambda x: x.worst_fired)
    name = _names(tasks)
    if cause == "silent":
        return f"During {name} the nerve was silent: without impulses there is no ACh release and no contraction."
    if cause == "flooded":
        return (f"In {name} AChE was {_pct(t.mean_ache_inhibition)} blocked: ACh lingered in the cleft, receptors "
                "desensitised and the end plates stayed depolarised, so fibres could not fire again.")
    if cause == "small-epp":
        why = SMALL_EPP_WHY[disorder]
        return (f"In {name} fibres failed from the very first impulses: the end-plate potentials were too small "
                f"to reach threshold ({why}). At worst only {_pct(t.worst_fired)} of the fibres fired.")
    if cause == "rundown":
        margin = RUNDOWN_MARGIN[disorder]
        return (f"Release ran down during {name}: at pulse {t.worst_pulse} only {_pct(t.worst_fired)} of "
                f"fibres fired, because each impulse took quanta faster than the pool refilled (the ready pool "
                f"fell to {_pct(t.min_rrp)}).{margin}")
    if cause == "unfused":
        return (f"In {name} the fibres fired but the force stayed below what was needed: at "
                f"{t.mean_frequency_hz:.0f} Hz the twitches did not fuse.")
    return f"In {name} the force stayed below what was needed ({_pct(t.met_fraction)} of the time met)."


def _rested_before(s: RunSummary, task: TaskResult) -> bool:
    """Did the player stop firing for a while after an earlier train, before this task?"""
    earlier = [tr for tr in s.trains if not tr.auto and tr.pulses > 0 and tr.end_s <= task.start_s]
    if not earlier:
        return False
    stop = max(tr.end_s for tr in earlier)
    restart = min((tr.start_s for tr in s.trains if not tr.auto and tr.start_s >= stop), default=task.start_s)
    return restart - stop >= REST_GAP_S


def _dose_lines(level: Level, s: RunSummary) -> tuple[list[str], set[str]]:
    """Sentences about the doses and treatments given in this run (never others), and advice keys."""
    lines: list[str] = []
    flags: set[str] = set()
    reached = [t for t in sorted(s.tasks, key=lambda t: t.start_s) if t.done or t.met_fraction > 0]
    oral = [d for d in s.doses if not d.before_start and d.kind in ORAL]
    for d in oral[:3]:
        name = _name(d.kind)
        window = [t for t in reached if d.t_s + ONSET_S <= t.start_s <= d.t_s + WINDOW_S]
        acting = [t for t in window if d.kind == "dap" or t.mean_ache_inhibition >= ACTING_INHIBITION]
        soon = [t for t in reached if d.t_s <= t.start_s < d.t_s + ONSET_S]
        if acting:
            names = _list([f"'{t.name}'" for t in acting[:2]]) + (" and later tasks" if len(acting) > 2 else "")
            lines.append(f"{name} {_at(level, d.t_s)} was acting during {names}.")
        elif soon:
            mins = max(1, round((soon[0].start_s - d.t_s) / 60))
            lines.append(f"{name} {_at(level, d.t_s)} was taken only {mins} min before '{soon[0].name}', too soon "
                         "to act during it.")
            flags.add("late")
        else:
            lines.append(f"{name} {_at(level, d.t_s)} had no task in its hours of action.")
            flags.add("idle-dose")
    if len(oral) > 3:
        lines.append(f"In all, {len(oral)} tablets were taken.")
    immune = {d.kind for d in s.doses if not d.before_start and d.kind in IMMUNE}
    for d in s.doses:
        if d.before_start or d.kind in ORAL:
            continue
        name = _name(d.kind)
        if d.kind == "edrophonium":
            lines.append(f"Edrophonium test {_at(level, d.t_s)}: it blocks AChE for a few minutes only.")
        elif d.kind == "neostigmine":
            lines.append(f"Neostigmine {_at(level, d.t_s)}: it blocks part of AChE within minutes.")
        elif d.kind in ("plex", "ivig"):
            lines.append(f"{name} began {_at(level, d.t_s)}.")
        elif d.kind == "steroids":
            lines.append(f"Steroids began {_at(level, d.t_s)}.")
        elif d.kind == "thymectomy":
            lines.append(f"The thymus was removed {_at(level, d.t_s)}.")
        elif d.kind == "ventilation":
            treated = " while the antibodies were treated" if immune else ""
            lines.append(f"{level.patient.name} was put on the ventilator {_at(level, d.t_s)}: it breathed "
                         f"for {level.patient.name}{treated}.")
        elif d.kind == "ice-pack":
            lines.append(f"An ice pack went on the eyelid {_at(level, d.t_s)}: the cooled lid cleared ACh more slowly "
                         "for a few minutes, so more fibres reached threshold.")
    before = [d for d in s.doses if d.before_start]
    if before:
        kinds = _list(sorted({_name(d.kind).lower() for d in before}))
        lines.insert(0, f"{level.patient.name} came with {kinds} taken before the start "
                        f"({len(before)} dose{'s' if len(before) != 1 else ''}).")
    return lines, flags


def _advice(level: Level, s: RunSummary, causes: set[str], flags: set[str], disorder: str) -> list[str]:
    """What could have helped, from what went wrong and the means this level offers."""
    c = level.controls
    offered = {t.kind for t in level.treatments}
    used = {d.kind for d in s.doses if not d.before_start}
    player_nerve = (c.fire or c.train) and c.auto_drive_hz is None
    inhibitors = [k for k in ACHE_INHIBITORS if k in offered]
    out: list[str] = []
    if not player_acted(s):
        out.extend(level.hints[:2])
    if "silent" in causes and player_nerve:
        how = "hold a train from a second before it starts" if c.train else "fire impulses through it"
        out.append(f"Fire the nerve during every task: {how}.")
    if "rundown" in causes:
        if c.rest and player_nerve:
            out.append("Rest between tasks so the ready pool refills, and use the slowest train that still "
                       "meets the demand.")
        if disorder == "receptors" and inhibitors and not {d.kind for d in s.doses} & set(ACHE_INHIBITORS):
            out.append(f"{_name(inhibitors[0])} would have let each quantum reach more of the receptors left.")
    if "small-epp" in causes:
        if disorder == "receptors" and inhibitors:
            out.append(f"An AChE inhibitor ({_list([_name(k) for k in inhibitors], 'or')}) keeps ACh in the cleft "
                       "longer, so each quantum reaches more receptors: time it to act during the tasks.")
        elif disorder == "release" and ("dap" in offered or (c.train and player_nerve)):
            if "dap" in offered:
                out.append(f"{_name('dap')} keeps the nerve terminal depolarised longer, so more Ca2+ enters and "
                           "each impulse releases more quanta: time it to act during the tasks.")
            if c.train and player_nerve:
                out.append("A few seconds of fast firing just before a task builds up Ca2+ in the terminal and "
                           "raises release for the impulses that follow.")
        elif c.release:
            out.append("More calcium in the bath makes each impulse release more ACh.")
    if "unfused" in causes and c.train and player_nerve:
        out.append("A faster train (25 Hz or more) fuses the twitches into a stronger pull.")
    if "flooded" in causes or s.cholinergic_crises:
        out.append("With AChE nearly all blocked, more inhibitor only weakens: give none and wait for it to "
                   "wear off.")
    if "late" in flags:
        out.append("A tablet needs 15 to 30 minutes to act and lasts 3 to 4 hours: take it half an hour to an "
                   "hour before the tasks it is for.")
    if s.myasthenic_crises:
        if "ventilation" in offered and "ventilation" not in used:
            out.append("The ventilator breathes for the patient: put it on when the breathing reserve runs low, "
                       "before a crisis.")
        quick = [k for k in ("plex", "ivig") if k in offered and k not in used]
        if quick:
            out.append(f"{_list([_name(k) for k in quick], 'or')} lowers the antibodies within days, so the "
                       "receptors can come back.")
    limit = level.lose.max_side_effects
    if limit < 1 and _pct_int(s.max_side_effects) >= _pct_int(0.8 * limit) and "flooded" not in causes:
        out.append("Watch the side-effect meter before the next dose: sweating, cramps and a slow pulse mean "
                   "there is already plenty of ACh.")
    if not out and not s.won and level.hints:
        out.append(level.hints[0])
    return list(dict.fromkeys(out))[:MAX_ADVICE]


def report(level: Level, summary: RunSummary, log: Sequence[LogLine] = ()) -> Debrief:
    """The debrief of a run: see the module docstring."""
    s = summary
    name = level.patient.name
    disorder = _disorder(level)
    acted = player_acted(s)
    if s.won and not acted:
        helpers = " and the doses taken before the start" if any(d.before_start for d in s.doses) else ""
        verdict = (f"Won without any action of yours: {name}'s own effort{helpers} met {_pct(s.demand_met)} of "
                   f"the demand ({_pct(level.win.min_demand_met_fraction)} needed).")
    elif s.won:
        verdict = (f"You won: {_pct(s.demand_met)} of the demand met "
                   f"({_pct(level.win.min_demand_met_fraction)} needed).")
    elif s.outcome == "lost":
        verdict = f"Level lost. {s.reason}"
    else:
        verdict = f"So far: {_pct(s.demand_met)} of the demand met."
    happened: list[str] = []
    if not acted:
        if level.controls.auto_drive_hz is not None:
            happened.append(f"You gave no treatment: {name} did the tasks with no help from you.")
        else:
            happened.append("You did not fire the nerve or give any treatment.")
    for c in s.crises:
        over = f" It was over {_at(level, c.end_s)}." if c.end_s is not None else ""
        if c.kind == "myasthenic":
            what = "swallowing" if level.muscle_group == "bulbar" else "breathing"
            happened.append(f"A myasthenic crisis began {_at(level, c.start_s)}: too few fibres of the {what} "
                            f"muscles could fire, for too long.{over}")
        else:
            happened.append(f"A cholinergic crisis began {_at(level, c.start_s)}: AChE was so blocked that ACh "
                            f"flooded the junction and the muscles failed from too much signal, not too little.{over}")
    reached = [t for t in s.tasks if t.done or t.met_fraction > 0]
    short = sorted((t for t in reached if t.met_fraction < WELL_MET), key=lambda t: t.met_fraction)
    groups: dict[str, list[TaskResult]] = {}
    for t in short:
        groups.setdefault(_cause(t), []).append(t)
    for cause, tasks in list(groups.items())[:MAX_TASK_LINES]:
        happened.append(_task_line(cause, tasks, disorder))
    good = [t for t in reached if t.met_fraction >= WELL_MET]
    if good:
        best = max(good, key=lambda t: t.force_fraction)
        rest = " after a rest" if _rested_before(s, best) else ""
        happened.append(f"'{best.name}' went well{rest}: {_pct(best.met_fraction)} of its time at "
                        f"{_pct(best.force_fraction)} of full force.")
    doses, flags = _dose_lines(level, s)
    happened.extend(doses)
    limit = level.lose.max_side_effects
    peak, lim = _pct_int(s.max_side_effects), _pct_int(limit)
    if s.max_side_effects >= 0.5:
        where = ""
        if limit < 1:
            where = ", the level's limit" if peak >= lim else f" (the limit is {lim}%)"
        happened.append(f"Side effects peaked at {peak}%{where}: sweating, cramps and a slow pulse are ACh "
                        "acting outside the muscles.")
    unreached = [t for t in s.tasks if not t.done and t.met_fraction <= 0 and t.start_s >= s.duration_model_s]
    if s.finished and unreached:
        happened.append(f"The level ended before {_names(sorted(unreached, key=lambda t: t.start_s))}.")
    score = tuple(breakdown(level.scoring, s, name)) if s.finished else ()
    advice = _advice(level, s, set(groups), flags, disorder)
    lesson = tuple(p.strip().replace("\n", " ") for p in level.debrief.strip().split("\n\n") if p.strip())
    return Debrief(verdict, tuple(happened), score, tuple(advice), lesson)


def debrief(level: Level, summary: RunSummary, log: Sequence[LogLine] = ()) -> list[str]:
    """The debrief as one list of sentences: the verdict, what happened, the score in words, what could
    have helped, then the level's debrief text."""
    return report(level, summary, log).lines()


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
    used = [given.get(p.left) for p in q.pairs if given.get(p.left) is not None]
    if len(used) != len(set(used)):
        fixes = "; ".join(f"{p.left} → {p.right}" for p in q.pairs)
        return False, _with(f"Each answer fits only one row. The pairs are: {fixes}.", q.explanation)
    wrong = [p for p in q.pairs if given.get(p.left) != p.right]
    if not wrong:
        return True, _with("All pairs right.", q.explanation)
    fixes = "; ".join(f"{p.left} → {p.right}" for p in wrong)
    return False, _with(f"{len(q.pairs) - len(wrong)} of {len(q.pairs)} right. Check: {fixes}.", q.explanation)


def right_answer(question: Question) -> str:
    """The right answer in one line, as the quiz shows it after a wrong answer."""
    if isinstance(question, OrderQuestion):
        return "The order is: " + " → ".join(question.items) + "."
    if isinstance(question, ChoiceQuestion):
        return f"The answer is: {question.options[question.answer_index]}."
    return "The pairs are: " + "; ".join(f"{p.left} → {p.right}" for p in question.pairs) + "."


def normal_answer(question: Question, answer: object) -> object:
    """The student's answer as JSON data in the form `answer_key` gives (texts, not positions), for storing
    and re-checking; anything unreadable is kept as it came (as text)."""
    if isinstance(question, OrderQuestion) and isinstance(answer, Sequence) and not isinstance(answer, str):
        return [question.items[a] if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(question.items)
                else str(a) for a in answer]
    if isinstance(question, ChoiceQuestion):
        if isinstance(answer, str) and answer in question.options:
            return question.options.index(answer)
        return answer if isinstance(answer, int) and not isinstance(answer, bool) else None
    if isinstance(question, MatchQuestion):
        if isinstance(answer, Mapping):
            return {str(k): (None if v is None else str(v)) for k, v in answer.items()}
        if isinstance(answer, Sequence) and not isinstance(answer, str):
            try:
                return {str(k): str(v) for k, v in answer}
            except (TypeError, ValueError):
                pass
    return None if answer is None else str(answer)


def answer_record(question: Question, index: int, answer: object, time_s: float = 0.0) -> dict:
    """One answered question as the store keeps it (`Store.record_quiz_answers`) and the class server
    re-checks it: question position, kind, prompt, the answer and the right one, right or wrong, time."""
    ok, _ = check_answer(question, answer)
    return {"question": index, "kind": question.kind, "prompt": question.question,
            "answer": normal_answer(question, answer), "expected": answer_key(question), "correct": ok,
            "time_s": max(0.0, float(time_s))}


def answer_text(question: Question, answer: object) -> str:
    """A stored answer (`normal_answer` form) in one short line, for the quiz review."""
    if isinstance(question, ChoiceQuestion):
        ok = isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(question.options)
        return question.options[answer] if ok else "no answer"
    if isinstance(question, MatchQuestion) and isinstance(answer, Mapping):
        wrong = [f"{p.left} → {answer.get(p.left) or '?'}" for p in question.pairs if answer.get(p.left) != p.right]
        return "; ".join(wrong) if wrong else "all pairs right"
    if isinstance(answer, list):
        return " → ".join(str(a) for a in answer)
    return "no answer"
