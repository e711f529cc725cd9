"""Every campaign patient looks like themselves (age, sex and looks from the level), and the face follows the
state: no smile in a crisis or on a ventilator."""
from __future__ import annotations

import itertools

import numpy as np
import pygame

from game.levels import LEVELS_DIR, load_levels
from game.view.hud import patient_pose
from game.view.palette import get_palette
from game.view.patient import appearance_of, draw_patient, mouth_curve


def _patients():
    seen = {}
    for lv in load_levels(LEVELS_DIR).levels:
        seen.setdefault(lv.patient.name, lv)
    return seen


def _picture(level, **state) -> np.ndarray:
    surface = pygame.Surface((220, 260))
    surface.fill((0, 0, 0))
    draw_patient(surface, surface.get_rect(), get_palette(), **{**appearance_of(level.patient), **state})
    return pygame.surfarray.array3d(surface)


def test_the_campaign_patients_do_not_look_alike():
    pygame.init()
    pics = {name: _picture(lv) for name, lv in _patients().items()}
    assert {"Maya", "Tom", "Omar"} <= set(pics)
    for (a, pa), (b, pb) in itertools.combinations(pics.items(), 2):
        differ = float((np.abs(pa.astype(int) - pb.astype(int)).max(axis=2) > 30).mean())
        assert differ > 0.01, f"{a} and {b} look the same"


def test_age_and_sex_come_from_the_level():
    p = _patients()
    tom, maya = appearance_of(p["Tom"].patient), appearance_of(p["Maya"].patient)
    assert tom["age"] == 67 and tom["sex"] == "male" and tom["hair_colour"] in ("grey", "white")
    assert maya["age"] == 21 and maya["sex"] == "female"


def test_no_smile_in_a_crisis_or_on_a_ventilator():
    assert mouth_curve(0.8, 0.0) > 0                      # well and coping: a smile
    crisis = patient_pose("respiratory", 0.1, 0.5, crisis=True)
    assert mouth_curve(0.8, crisis["distress"]) < 0
    assert mouth_curve(0.8, 0.0, ventilated=True) <= 0
    pygame.init()
    lv = _patients()["Lena"]
    assert (_picture(lv, ventilated=True) != _picture(lv)).any()     # the mask and tube are drawn
