"""Player settings: one frozen value, validated field by field.

Settings are stored as JSON (one document per profile plus one default for when
nobody is signed in), so a future version can add fields without a migration.
Two directions need different strictness:

* Constructing a `Settings` (the UI changing a slider) is strict: an invalid
  value raises `StoreError` naming the field and what is expected.
* Reading stored JSON (`Settings.from_dict`) is lenient, because a settings
  screen that crashes the game on start cannot be fixed by a pupil: each bad
  field falls back to its default and produces a one-line warning.

Key bindings hold only what the player changed: action name -> pygame key name
(`pygame.key.name()` style, lower case, e.g. "space", "page up", "f1").  The
default keys belong to the input code (`game.view.input.DEFAULT_KEY_BINDINGS`),
which lays these changes over them.  This module does not import pygame, so it
only checks the shape of names; the input code checks that pygame knows a key
and falls back to the default when not.  Two changed actions on one key are a
*conflict*: refused on save (`Settings.check_key_bindings`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from game.store.errors import StoreError

__all__ = [
    "KEY_NAME_MAX",
    "PALETTES",
    "RESOLUTION_MAX",
    "RESOLUTION_MIN",
    "TEXT_SCALE_MAX",
    "TEXT_SCALE_MIN",
    "Settings",
]

PALETTES: tuple[str, ...] = ("okabe-ito", "high-contrast")
RESOLUTION_MIN: tuple[int, int] = (640, 360)
RESOLUTION_MAX: tuple[int, int] = (7680, 4320)
TEXT_SCALE_MIN = 0.75
TEXT_SCALE_MAX = 2.0
KEY_NAME_MAX = 32


class _Invalid(Exception):
    """Raised by a field check; carries the 'expected ...' text."""


def _check_resolution(value: object) -> tuple[int, int]:
    expected = (
        f"two whole numbers [width, height] from {RESOLUTION_MIN[0]}x{RESOLUTION_MIN[1]} "
        f"to {RESOLUTION_MAX[0]}x{RESOLUTION_MAX[1]}"
    )
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _Invalid(expected)
    w, h = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (w, h)):
        raise _Invalid(expected)
    if not (RESOLUTION_MIN[0] <= w <= RESOLUTION_MAX[0] and RESOLUTION_MIN[1] <= h <= RESOLUTION_MAX[1]):
        raise _Invalid(expected)
    return (int(w), int(h))


def _check_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _range_check(lo: float, hi: float) -> Callable[[object], float]:
    def check(value: object) -> float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _Invalid(f"a number from {lo:g} to {hi:g}")
        if not math.isfinite(value) or not lo <= value <= hi:
            raise _Invalid(f"a number from {lo:g} to {hi:g}")
        return float(value)

    return check


def _check_palette(value: object) -> str:
    if value not in PALETTES:
        raise _Invalid("one of " + ", ".join(repr(p) for p in PALETTES))
    return str(value)


def _check_key_name(value: object) -> str:
    expected = f"a key name such as 'space' or 'f1' (1 to {KEY_NAME_MAX} characters)"
    if not isinstance(value, str):
        raise _Invalid(expected)
    name = value.strip().lower()
    if not name or len(name) > KEY_NAME_MAX or not name.isprintable():
        raise _Invalid(expected)
    return name


def _check_action_name(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > KEY_NAME_MAX \
            or not all(c.islower() or c.isdigit() or c == "_" for c in value):
        raise _Invalid(f"action names of lower-case letters, digits and _ only, got {_short(value)}")
    return value


def _check_key_bindings(value: object) -> dict[str, str]:
    """Strict check: the player's changed keys, action name -> valid key name."""
    if not isinstance(value, Mapping):
        raise _Invalid("a mapping of action name to key name (only the keys the player changed)")
    result: dict[str, str] = {}
    for action, key in value.items():
        action = _check_action_name(action)
        try:
            result[action] = _check_key_name(key)
        except _Invalid as exc:
            raise _Invalid(f"{action!r} bound to {exc}") from None
    return result


_FIELD_CHECKS: dict[str, Callable[[object], Any]] = {
    "resolution": _check_resolution,
    "fullscreen": _check_bool,
    "music_volume": _range_check(0.0, 1.0),
    "effects_volume": _range_check(0.0, 1.0),
    "muted": _check_bool,
    "key_bindings": _check_key_bindings,
    "palette": _check_palette,
    "text_scale": _range_check(TEXT_SCALE_MIN, TEXT_SCALE_MAX),
    "reduced_motion": _check_bool,
}


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Settings:
    """What the player chose; every field has a safe default.

    Constructing one with an invalid value raises `StoreError`.  Values are
    normalised on construction: `resolution` becomes a tuple, volumes and
    `text_scale` floats, key names lower case (`key_bindings` holds only the
    changed keys).  Use `dataclasses.replace` to change
    a field.
    """

    resolution: tuple[int, int] = (1280, 720)
    fullscreen: bool = False
    music_volume: float = 0.5
    effects_volume: float = 0.8
    muted: bool = False
    key_bindings: dict[str, str] = field(default_factory=dict)     # only the keys the player changed
    palette: str = "okabe-ito"
    text_scale: float = 1.0
    reduced_motion: bool = False

    def __post_init__(self) -> None:
        for name, check in _FIELD_CHECKS.items():
            value = getattr(self, name)
            try:
                normalised = check(value)
            except _Invalid as exc:
                raise StoreError(f"settings.{name}: got {_short(value)}, expected {exc}") from None
            object.__setattr__(self, name, normalised)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the stored form)."""
        return {
            "resolution": list(self.resolution),
            "fullscreen": self.fullscreen,
            "music_volume": self.music_volume,
            "effects_volume": self.effects_volume,
            "muted": self.muted,
            "key_bindings": dict(self.key_bindings),
            "palette": self.palette,
            "text_scale": self.text_scale,
            "reduced_motion": self.reduced_motion,
        }

    @classmethod
    def from_dict(cls, data: object) -> tuple[Settings, list[str]]:
        """Build settings from stored data, never raising.

        Returns the settings and a list of human warnings, one per field that
        was invalid and replaced by its default.  Missing fields silently take
        their default (an older version did not know them); unknown fields are
        ignored (a newer version wrote them).
        """
        warnings: list[str] = []
        if not isinstance(data, Mapping):
            warnings.append(
                f"Settings: stored settings were {type(data).__name__}, expected a JSON object; "
                "all settings use their defaults."
            )
            return cls(), warnings
        defaults = {f.name: f.default for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, check in _FIELD_CHECKS.items():
            if name not in data:
                continue
            if name == "key_bindings":
                values[name] = _lenient_key_bindings(data[name], warnings)
                continue
            try:
                values[name] = check(data[name])
            except _Invalid as exc:
                warnings.append(
                    f"Settings: {name} was {_short(data[name])} (expected {exc}); "
                    f"using the default {_short(defaults[name])}."
                )
        return cls(**values), warnings

    def key_conflicts(self) -> dict[str, list[str]]:
        """Keys bound to more than one action: key name -> actions (in binding order)."""
        by_key: dict[str, list[str]] = {}
        for action, key in self.key_bindings.items():
            by_key.setdefault(key, []).append(action)
        return {key: actions for key, actions in by_key.items() if len(actions) > 1}

    def check_key_bindings(self) -> None:
        """Raise `StoreError` if two actions share a key."""
        conflicts = self.key_conflicts()
        if conflicts:
            parts = [f"{key!r} is bound to {' and '.join(actions)}" for key, actions in conflicts.items()]
            raise StoreError("settings.key_bindings: " + "; ".join(parts) + " (expected one action per key)")


def _lenient_key_bindings(value: object, warnings: list[str]) -> dict[str, str]:
    """Per-action fallback for stored key changes (a bad one is dropped: that action uses its default key);
    a conflict between two changed keys drops them all."""
    if not isinstance(value, Mapping):
        warnings.append(
            f"Settings: key_bindings was {_short(value)} (expected a mapping of action to key name); "
            "using the default keys."
        )
        return {}
    result: dict[str, str] = {}
    for action, key in value.items():
        try:
            action = _check_action_name(action)
            result[action] = _check_key_name(key)
        except _Invalid as exc:
            warnings.append(
                f"Settings: key for {_short(action)} was {_short(key)} (expected {exc}); using the default key."
            )
    conflicts = Settings(key_bindings=result).key_conflicts()
    if conflicts:
        key, actions = next(iter(conflicts.items()))
        warnings.append(
            f"Settings: key_bindings had {key!r} bound to {' and '.join(actions)} "
            "(expected one action per key); using the default keys."
        )
        return {}
    return result
