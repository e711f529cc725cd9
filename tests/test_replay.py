"""Replays: the same moves on the same seed give the same result, however the run was stepped."""
import pytest

from game.levels import load_level
from game.rules import bot
from game.rules.replay import Move, ReplayError, apply_moves, dumps, header, level_sha256, loads, replay
from game.rules.session import LevelRun


def _live(level, seed, moves, frame_s):
    """Play as the game does: small advances of one frame each, moves made when their time comes."""
    run = LevelRun(level, seed=seed, impulse_events=False)
    try:
        pending = list(moves)
        while not run.finished:
            while pending and pending[0]["t_s"] <= run.t_s + 1e-9:
                run.act(bot.Action(pending[0]["kind"], pending[0]["value"]))
                pending.pop(0)
            step = frame_s if not pending else min(frame_s, max(1e-6, pending[0]["t_s"] - run.t_s))
            run.advance(step)
        return run.summary()
    finally:
        run.close()


@pytest.mark.parametrize("path", ["levels/01-healthy-junction.toml", "levels/04-ptosis.toml"])
def test_replay_matches_live_play(path):
    level = load_level(path)
    # a short human-like sequence: single impulses, then a train, then rest
    moves = [{"t_s": 0.5, "kind": "fire", "value": None}, {"t_s": 1.5, "kind": "fire", "value": None},
             {"t_s": 2.0, "kind": "train_start", "value": None}, {"t_s": 4.0, "kind": "train_stop", "value": None}]
    live = _live(level, 2, moves, frame_s=1 / 8)
    again = replay(level, 2, moves)
    assert again.score == live.score
    assert again.won == live.won
    assert again.demand_met == pytest.approx(live.demand_met, abs=1e-9)


def test_round_trip_and_refusals():
    sha = level_sha256("x = 1\n")
    text = dumps(header("ptosis", sha, 3), [Move(t_s=1.0, kind="fire")])
    head, moves = loads(text)
    assert head is not None and head.seed == 3 and head.level_sha256 == sha
    assert moves == [Move(t_s=1.0, kind="fire")]
    for bad in ('{"t_s": "x", "kind": "fire"}', '{"t_s": 2, "kind": "fire"}\n{"t_s": 1, "kind": "fire"}',
                'not json', '{"t_s": 1e999, "kind": "fire"}', '[1, 2]'):
        with pytest.raises(ReplayError):
            loads(bad)


def test_apply_moves_skips_refused_moves():
    level = load_level("levels/01-healthy-junction.toml")
    run = LevelRun(level, seed=1, impulse_events=False)
    try:
        accepted = apply_moves(run, [{"t_s": 0.2, "kind": "no-such-action", "value": None},
                                     {"t_s": 0.3, "kind": "fire", "value": None}])
        assert [m["kind"] for m in accepted] == ["fire"]
    finally:
        run.close()
