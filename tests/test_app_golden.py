"""The play screen against a committed reference picture, with a tolerance (catches visual regressions).

Regenerate the reference after an intended visual change:
    ENDPLATE_UPDATE_GOLDEN=1 uv run pytest tests/test_app_golden.py
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pygame
import pytest

from test_app_game import render

GOLDEN = Path(__file__).parent / "data" / "golden" / "lab_play_640x360.png"
TOLERANCE_SHARE = 0.005     # at most 0.5% of pixels may differ ...
TOLERANCE_LEVEL = 24        # ... by more than this (0–255) in any channel


def test_play_screen_matches_the_reference_picture():
    pygame.init()
    frame = render(5)
    if os.environ.get("ENDPLATE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(pygame.surfarray.make_surface(frame), str(GOLDEN))
    reference = pygame.surfarray.array3d(pygame.image.load(str(GOLDEN)))
    assert reference.shape == frame.shape
    diff = np.abs(reference.astype(int) - frame.astype(int)).max(axis=2)
    bad = float((diff > TOLERANCE_LEVEL).mean())
    if bad > TOLERANCE_SHARE:
        out = Path(tempfile.mkdtemp(prefix="endplate-golden-"))
        pygame.image.save(pygame.surfarray.make_surface(frame), str(out / "actual.png"))
        pytest.fail(f"{bad:.2%} of pixels differ from {GOLDEN.name}; the actual frame is in {out}")
