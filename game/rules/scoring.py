"""Score and stars of a run: pure functions over a RunSummary and the level's [scoring] section.

The score (0 to 100) is a weighted mean of four parts, each from 0 (worst) to 1 (best):

    demand    share of the demand timeline met (each task counts by force × duration)
    crises    1 with no crisis, 0.5 after one, 0 after two or more (myasthenic or cholinergic)
    side      1 − the highest side-effect load reached (0..1)
    cost      1 − treatment points spent / 100, not below 0

    score = 100 × (w_demand·demand + w_crises·crises + w_side·side + w_cost·cost) / (sum of the weights)

with the weights `demand_met_weight`, `crises_avoided_weight`, `side_effects_weight` and
`treatment_cost_weight` (if all are 0, the score is 100 × demand). Stars: a lost run has none; a won run
has one star per threshold of `star_thresholds` its score reaches (so a win below the first threshold
still unlocks the next level, with no star).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from game.levels.schema import Scoring

if TYPE_CHECKING:
    from game.rules.session import RunSummary

COST_SCALE_POINTS = 100.0   # treatment points that take the cost part from 1 down to 0
CRISIS_PENALTY = 0.5        # each crisis takes this much off the crises part


def score_parts(summary: RunSummary) -> dict[str, float]:
    """The four parts of the score, each 0..1."""
    n_crises = len(summary.crises)
    return {
        "demand": min(1.0, max(0.0, summary.demand_met)),
        "crises": max(0.0, 1.0 - CRISIS_PENALTY * n_crises),
        "side": 1.0 - min(1.0, max(0.0, summary.max_side_effects)),
        "cost": max(0.0, 1.0 - summary.treatment_cost / COST_SCALE_POINTS),
    }


def weights(scoring: Scoring) -> dict[str, float]:
    return {"demand": scoring.demand_met_weight, "crises": scoring.crises_avoided_weight,
            "side": scoring.side_effects_weight, "cost": scoring.treatment_cost_weight}


def score(scoring: Scoring, summary: RunSummary) -> float:
    """The run's score, 0..100 (one decimal)."""
    parts = score_parts(summary)
    w = weights(scoring)
    total = sum(w.values())
    if total <= 0:
        return round(100.0 * parts["demand"], 1)
    return round(100.0 * sum(w[k] * parts[k] for k in parts) / total, 1)


def stars(scoring: Scoring, points: float, won: bool) -> int:
    """0 to 3: none for a lost run, else one per star threshold reached."""
    if not won:
        return 0
    return sum(1 for threshold in scoring.star_thresholds if points + 1e-9 >= threshold)


def score_and_stars(scoring: Scoring, summary: RunSummary) -> tuple[float, int]:
    points = score(scoring, summary)
    return points, stars(scoring, points, summary.won)


def breakdown(scoring: Scoring, summary: RunSummary) -> list[str]:
    """The score explained in one short line per part, for the debrief screen."""
    parts = score_parts(summary)
    w = weights(scoring)
    total = sum(w.values()) or 1.0
    names = {"demand": "Demand met", "crises": "Crises avoided", "side": "Side effects kept low",
             "cost": "Treatment points saved"}
    return [f"{names[k]}: {100 * parts[k]:.0f}% × weight {w[k]:g} → {100 * w[k] * parts[k] / total:.1f} points"
            for k in parts if w[k] > 0]
