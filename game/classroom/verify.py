"""Replay verification: the server plays the student's moves again on the deterministic model.

`verify(level_toml, seed, moves)` runs in a worker process (a ProcessPoolExecutor owned by the app), so
the web loop never waits on the model. It returns the result the moves earn, whatever was claimed;
`judge(claimed, result)` says whether the claim matches.
"""
from __future__ import annotations

import functools
from typing import Any

SCORE_TOLERANCE = 0.05   # the score is rounded to one decimal on both sides


@functools.lru_cache(maxsize=64)
def _level(toml: str):
    from game.levels import parse_level_text

    return parse_level_text(toml, "session level")


def verify(level_toml: str, seed: int, moves: list[dict[str, Any]]) -> dict[str, Any]:
    """{"ok": True, score, stars, won, outcome} or {"ok": False, "reason"} when the moves cannot be played."""
    from game.rules.replay import ReplayError, parse_moves, replay

    try:
        level = _level(level_toml)
        parsed = parse_moves(moves)
        summary = replay(level, seed, parsed)
    except ReplayError as err:
        return {"ok": False, "reason": f"the replay cannot be played: {err}"}
    except Exception as err:  # a move the session rejects in a way it should not: report, never crash
        return {"ok": False, "reason": f"the replay cannot be played: {type(err).__name__}: {str(err)[:160]}"}
    return {"ok": True, "score": round(float(summary.score), 1), "stars": int(summary.stars),
            "won": bool(summary.won), "outcome": summary.outcome}


def judge(claimed: dict[str, Any], result: dict[str, Any]) -> tuple[bool, str]:
    """Does the claim match what the replay earned? (verified, reason)"""
    diffs = []
    if abs(float(claimed["score"]) - result["score"]) > SCORE_TOLERANCE:
        diffs.append(f"score {claimed['score']:g} claimed, {result['score']:g} on replay")
    if int(claimed["stars"]) != result["stars"]:
        diffs.append(f"{claimed['stars']} stars claimed, {result['stars']} on replay")
    if bool(claimed["won"]) != result["won"]:
        diffs.append(f"{'a win' if claimed['won'] else 'a loss'} claimed, {'a win' if result['won'] else 'a loss'} on replay")
    if diffs:
        return False, "claim does not match the replay: " + "; ".join(diffs)
    return True, ""


def warm_up() -> bool:
    """Run in each worker at start so the first real replay does not pay for the imports."""
    import game.levels  # noqa: F401
    import game.rules.replay  # noqa: F401

    return True


def worker_init() -> None:
    """Workers leave Ctrl+C to the server, which shuts them down in order."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
