"""Shared values and helpers of the class server tests."""
from __future__ import annotations

import socket
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-teacher-token-0123456789"
LEVEL = "healthy-junction"
# Moves that win level 1 with 3 stars on seed 1 (recorded from the bot; the replay checks them each time).
WINNING_MOVES = [
    {"t_s": 29.0, "kind": "train_start", "value": 12.0}, {"t_s": 31.5, "kind": "set_frequency", "value": 10.0},
    {"t_s": 40.0, "kind": "rest", "value": None}, {"t_s": 59.0, "kind": "train_start", "value": 13.0},
    {"t_s": 80.0, "kind": "rest", "value": None}, {"t_s": 99.0, "kind": "train_start", "value": 22.0},
    {"t_s": 101.5, "kind": "set_frequency", "value": 25.0}, {"t_s": 110.0, "kind": "rest", "value": None},
    {"t_s": 134.0, "kind": "train_start", "value": 18.0}, {"t_s": 165.0, "kind": "rest", "value": None},
]



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attempt(level: dict, seed: int, moves: list, claimed: dict | None = None, **extra) -> dict:
    from game.sim.version import MODEL_VERSION

    body = {"uuid": str(uuid.uuid4()), "level_id": level["id"], "level_sha256": level["sha256"], "seed": seed,
            "model_version": MODEL_VERSION, "moves": moves,
            "claimed": claimed or {"score": 100.0, "stars": 3, "won": True}, "time_s": 185.0}
    body.update(extra)
    return body


TEACHER = {"Authorization": f"Bearer {TOKEN}"}
