"""Score and stars of a run: pure functions over a RunSummary and the level's [scoring] section.

Points are for the work the player did, so every part of the score grows with the demand met:

    demand    the share of the demand timeline met (each task counts by force × duration), 0..1
    crises    demand × (1 with no crisis, 0.5 after one, 0 after two or more)
    side      demand × (1 − the highest side-effect load reached)
    cost      demand × (1 − treatment points spent / 100, not below 0)

    score = 100 × (w_demand·demand + w_crises·crises + w_side·side + w_cost·cost) / (sum of the weights)

with the weights `demand_met_weight`, `crises_avoided_weight`, `side_effects_weight` and
`treatment_cost_weight` (if all are 0, the score is 100 × demand). Avoiding crises, side effects and
treatment points is worth nothing on its own: a player who met half of the demand gets at most half of
those parts. A run in which the player did nothing at all (no impulse, no train, no treatment) scores 0,
even where the patient's own effort or the doses taken before the start met some of the demand.

Stars: a lost run has none; a won run has one star per threshold of `star_thresholds` its score reaches
(so a win below the first threshold still unlocks the next level, with no star).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from game.levels.schema import Scoring

if TYPE_CHECKING:
    from game.rules.session import RunSummary

COST_SCALE_POINTS = 100.0   # treatment points that take the cost part from full down to 0
CRISIS_PENALTY = 0.5        # each crisis takes this share off the crises part
PARTS = ("demand", "crises", "side", "cost")


def player_acted(summary: RunSummary) -> bool:
    """Did the player do anything: fire an impulse or a train, or give a treatment?"""
    return (summary.single_impulses > 0 or summary.treatments_given > 0
            or any(not tr.auto for tr in summary.trains))


def quality(summary: RunSummary) -> dict[str, float]:
    """How well each aspect went on its own, 0..1, before scaling by the demand met: demand met, crisis-free
    (1 − 0.5 per crisis), side effects kept down (1 − peak), treatment points kept (1 − points / 100)."""
    return {
        "demand": min(1.0, max(0.0, summary.demand_met)),
        "crises": max(0.0, 1.0 - CRISIS_PENALTY * len(summary.crises)),
        "side": 1.0 - min(1.0, max(0.0, summary.max_side_effects)),
        "cost": max(0.0, 1.0 - summary.treatment_cost / COST_SCALE_POINTS),
    }


def score_parts(summary: RunSummary) -> dict[str, float]:
    """The four parts of the score, each 0..1: the demand met, and the other three scaled by it (all 0 when
    the player did nothing)."""
    if not player_acted(summary):
        return {k: 0.0 for k in PARTS}
    q = quality(summary)
    demand = q["demand"]
    return {"demand": demand, "crises": demand * q["crises"], "side": demand * q["side"],
            "cost": demand * q["cost"]}


def weights(scoring: Scoring) -> dict[str, float]:
    return {"demand": scoring.demand_met_weight, "crises": scoring.crises_avoided_weight,
            "side": scoring.side_effects_weight, "cost": scoring.treatment_cost_weight}


def points(scoring: Scoring, summary: RunSummary) -> dict[str, float]:
    """Each part's contribution to the score, in points (they add up to the score, before rounding)."""
    parts = score_parts(summary)
    w = weights(scoring)
    total = sum(w.values())
    if total <= 0:
        return {k: (100.0 * parts[k] if k == "demand" else 0.0) for k in PARTS}
    return {k: 100.0 * w[k] * parts[k] / total for k in PARTS}


def score(scoring: Scoring, summary: RunSummary) -> float:
    """The run's score, 0..100 (one decimal)."""
    return round(sum(points(scoring, summary).values()), 1)


def stars(scoring: Scoring, points: float, won: bool) -> int:
    """0 to 3: none for a lost run, else one per star threshold reached."""
    if not won:
        return 0
    return sum(1 for threshold in scoring.star_thresholds if points + 1e-9 >= threshold)


def score_and_stars(scoring: Scoring, summary: RunSummary) -> tuple[float, int]:
    value = score(scoring, summary)
    return value, stars(scoring, value, summary.won)


def _pct(x: float) -> int:
    return int(round(100.0 * x))


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def whole_points(values: dict[str, float], total: float) -> dict[str, int]:
    """Round each part's points to whole numbers that add up to the rounded total (largest remainders)."""
    target = int(round(total))
    floors = {k: int(v) for k, v in values.items()}
    left = target - sum(floors.values())
    for k in sorted(values, key=lambda k: values[k] - floors[k], reverse=True)[:max(0, left)]:
        floors[k] += 1
    return floors


def breakdown(scoring: Scoring, summary: RunSummary, patient: str = "the patient") -> list[str]:
    """The score explained in plain sentences, for the debrief screen (one per part that counts); the
    whole points given add up to the score as the screen shows it."""
    if not player_acted(summary):
        return ["You did not act in this level (no impulse, no train, no treatment), so it scores 0: "
                "points are only for what you do."]
    q = quality(summary)
    w = weights(scoring)
    total_w = sum(w.values())
    if total_w <= 0:
        return [f"You met {_pct(q['demand'])}% of what {patient} needed: {score(scoring, summary):.0f} of 100 points."]
    got = whole_points(points(scoring, summary), score(scoring, summary))
    best = {k: 100.0 * w[k] / total_w for k in PARTS}

    def of(k: str) -> str:
        return f"{got[k]} of {best[k]:.0f} points"

    lines = [f"You met {_pct(q['demand'])}% of what {patient} needed: {of('demand')}."]
    if w["crises"] > 0:
        n = len(summary.crises)
        lines.append(("No crisis" if n == 0 else f"{n} crisis" if n == 1 else f"{n} crises") + f": {of('crises')}.")
    if w["side"] > 0:
        lines.append(f"Side effects peaked at {_pct(summary.max_side_effects)}%: {of('side')}.")
    if w["cost"] > 0:
        spent = summary.treatment_cost
        lines.append(f"{spent:g} treatment point{'s' if spent != 1 else ''} used: {of('cost')}.")
    extra = [what for k, what in (("crises", "staying out of crises"), ("side", "keeping side effects low"),
                                  ("cost", "using few treatment points")) if w[k] > 0]
    if extra:
        lines.append(f"The points for {_and(extra)} count only as far as you met the demand.")
    return lines
