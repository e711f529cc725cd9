"""Keyboard bindings: pygame key events → named actions, and key names for the screen.

The player can rebind the actions in `DEFAULT_KEY_BINDINGS` (fire, train, rest, pause, step, slower, faster,
zoom_in, zoom_out, labels, help, frequency and Ca2+ up/down, replay, hint). The defaults live here, with the
input code; the store keeps only the keys the player changed (`Settings.key_bindings`), and `Bindings` lays
those over the defaults. A stored key pygame does not know, or one that clashes with another action, falls back
to the default for that action and is listed in `Bindings.problems` (the Settings screen shows them).
Navigation keys (pan, reset, fullscreen, focus, menu, lab marks) are fixed, listed in
`FIXED_KEYS`; all are shown in the help overlay and next to each control. Treatments are on the number
keys 1–9 in the order the level lists them.

Key names are those of `pygame.key.name()` (lower case), plus a few spelled-out aliases the store uses
("minus", "equals"): SDL maps "equals" to the keypad key, so the aliases are resolved here first.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import pygame

#: The standard key for each rebindable action (pygame key names, lower case, or the aliases below).
DEFAULT_KEY_BINDINGS: Mapping[str, str] = MappingProxyType({
    "fire": "space",
    "train": "t",
    "rest": "r",
    "pause": "p",
    "step": "n",
    "slower": "minus",
    "faster": "equals",
    "zoom_in": "page up",
    "zoom_out": "page down",
    "labels": "l",
    "help": "f1",
    "freq_up": "up",
    "freq_down": "down",
    "ca_up": "]",
    "ca_down": "[",
    "replay": "v",
    "hint": "h",
})

#: Actions with fixed keys (not rebindable).
FIXED_KEYS: dict[str, tuple[str, ...]] = {
    "speed_reset": ("backspace",),
    "zoom_reset": ("home",),
    "pan_left": ("a",),
    "pan_right": ("d",),
    "pan_up": ("w",),
    "pan_down": ("s",),
    "fullscreen": ("f11",),
    "focus_next": ("tab",),
    "activate": ("return", "enter"),
    "back": ("escape",),
    "mark": ("m",),
    "export": ("e",),
}

#: What each action is called on screen, and one line on what it does.
ACTION_INFO: dict[str, tuple[str, str]] = {
    "fire": ("Fire one impulse", "Send one action potential down the motor nerve."),
    "train": ("Hold for a train", "While held, the nerve fires repeatedly at the chosen frequency."),
    "rest": ("Rest", "Stop firing so the readily releasable pool of vesicles refills."),
    "pause": ("Pause", "Stop the model clock (the lens stops too)."),
    "step": ("Single step", "Advance the model (and the lens) by one small step."),
    "slower": ("Slower", "Slow the game down (down to 0.1x)."),
    "faster": ("Faster", "Speed the game up (up to 10x); the model clock always shows the real model time."),
    "zoom_in": ("Zoom in", "Magnify the junction (also the mouse wheel)."),
    "zoom_out": ("Zoom out", "Show more of the junction."),
    "labels": ("Labels", "Show or hide the names of the structures in the lens."),
    "help": ("Help", "Show every control and what it does."),
    "freq_up": ("Frequency up", "Fire trains faster."),
    "freq_down": ("Frequency down", "Fire trains slower."),
    "ca_up": ("More Ca2+", "Raise the calcium in the bath: more ACh per impulse, but the pool empties faster."),
    "ca_down": ("Less Ca2+", "Lower the calcium in the bath: less ACh per impulse."),
    "replay": ("Replay impulse", "Play the last impulse at the junction again, in slow motion."),
    "speed_reset": ("Normal speed", "Back to the level's normal pace."),
    "zoom_reset": ("Reset view", "Zoom and pan back to the whole junction."),
    "pan_left": ("Pan left", "Move the view (or drag with the mouse)."),
    "pan_right": ("Pan right", "Move the view (or drag with the mouse)."),
    "pan_up": ("Pan up", "Move the view (or drag with the mouse)."),
    "pan_down": ("Pan down", "Move the view (or drag with the mouse)."),
    "fullscreen": ("Fullscreen", "Switch between a window and the full screen."),
    "focus_next": ("Next item", "Move the keyboard focus to the next structure or panel (Shift+Tab: back)."),
    "activate": ("Use", "Use the focused control."),
    "back": ("Menu", "Open the pause menu / go back."),
    "hint": ("Hint", "Show the next hint for this level."),
    "mark": ("Mark", "Lab: put a measuring mark at the cursor."),
    "export": ("Export CSV", "Lab: save the recorded traces and the per-pulse table."),
}

_ALIASES = {"minus": pygame.K_MINUS, "equals": pygame.K_EQUALS, "plus": pygame.K_PLUS, "enter": pygame.K_KP_ENTER}
_LABELS = {"space": "Space", "return": "Enter", "escape": "Esc", "page up": "PgUp", "page down": "PgDn",
           "minus": "-", "equals": "=", "backspace": "Backspace", "tab": "Tab", "up": "Up", "down": "Down",
           "left": "Left", "right": "Right", "home": "Home"}
#: Keys that also do what their main-keyboard twin does.
_KEYPAD_TWINS = {pygame.K_KP_MINUS: pygame.K_MINUS, pygame.K_KP_PLUS: pygame.K_EQUALS}
MAX_TREATMENT_KEYS = 9


def key_code(name: str) -> int | None:
    """The pygame key code for a key name, or None when pygame does not know it."""
    name = name.strip().lower()
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        return pygame.key.key_code(name)
    except (ValueError, pygame.error):
        return None


def key_name(code: int) -> str:
    """The stored name of a key code (as `pygame.key.name`, lower case)."""
    return pygame.key.name(code).lower()


def key_label(name: str) -> str:
    """A short label for a key name: "space" → "Space", "page up" → "PgUp", "t" → "T"."""
    n = name.strip().lower()
    if n in _LABELS:
        return _LABELS[n]
    return n.upper() if len(n) == 1 else n.title()


@dataclass(frozen=True, slots=True)
class KeyAction:
    """A key event translated: the action, whether the key went down (False = released), and for
    treatments the 0-based index."""

    action: str
    down: bool
    index: int | None = None
    shift: bool = False


class Bindings:
    """Key code → action for the player's bindings plus the fixed keys."""

    def __init__(self, key_bindings: Mapping[str, str] | None = None) -> None:
        """`key_bindings`: the player's changes (action -> key name) laid over DEFAULT_KEY_BINDINGS."""
        self.names: dict[str, str] = dict(DEFAULT_KEY_BINDINGS)
        self.problems: list[str] = []
        changed = {a: k for a, k in (key_bindings or {}).items() if a in DEFAULT_KEY_BINDINGS}
        for action, key in changed.items():
            if key_code(str(key)) is None:
                self.problems.append(f"The saved key for {ACTION_INFO[action][0]} ({key!r}) is not a key this "
                                     f"computer knows: using {key_label(DEFAULT_KEY_BINDINGS[action])}.")
            else:
                self.names[action] = str(key)
        by_code: dict[int, str] = {}
        for action in self.names:               # a changed key that clashes with another action is not used
            code = key_code(self.names[action])
            other = by_code.get(code)
            if other is not None:
                loser = action if action in changed else other
                self.problems.append(f"{key_label(self.names[loser])} was saved for both {ACTION_INFO[other][0]} "
                                     f"and {ACTION_INFO[action][0]}: {ACTION_INFO[loser][0]} uses "
                                     f"{key_label(DEFAULT_KEY_BINDINGS[loser])}.")
                self.names[loser] = DEFAULT_KEY_BINDINGS[loser]
            by_code[key_code(self.names[action])] = action
        self._by_code: dict[int, str] = {}
        for action, keys in FIXED_KEYS.items():
            for k in keys:
                code = key_code(k)
                if code is not None:
                    self._by_code[code] = action
        for action, name in self.names.items():     # the player's choices win over fixed keys
            code = key_code(name)
            if code is not None:
                self._by_code[code] = action

    def changes(self) -> dict[str, str]:
        """What the store keeps: only the actions whose key differs from the default."""
        return {a: k for a, k in self.names.items() if DEFAULT_KEY_BINDINGS.get(a) != k}

    def key_for(self, action: str) -> str:
        """The key name bound to `action` ("" when none)."""
        if action in self.names:
            return self.names[action]
        keys = FIXED_KEYS.get(action)
        return keys[0] if keys else ""

    def label_for(self, action: str) -> str:
        return key_label(self.key_for(action)) if self.key_for(action) else ""

    def translate(self, event: pygame.event.Event) -> KeyAction | None:
        """The action of a KEYDOWN/KEYUP event, or None."""
        if event.type not in (pygame.KEYDOWN, pygame.KEYUP):
            return None
        down = event.type == pygame.KEYDOWN
        key = _KEYPAD_TWINS.get(event.key, event.key)
        mods = getattr(event, "mod", 0)
        shift = bool(mods & pygame.KMOD_SHIFT)
        action = self._by_code.get(key)
        if action is not None:
            return KeyAction(action, down, shift=shift)
        for i in range(MAX_TREATMENT_KEYS):
            if key in (pygame.K_1 + i, pygame.K_KP1 + i):
                return KeyAction("treat", down, i, shift)
        return None


def key_event(action_key: str, down: bool = True, mod: int = 0) -> pygame.event.Event:
    """A synthetic key event for a key name (tests, headless runs, the replay of a recording)."""
    code = key_code(action_key)
    if code is None:
        raise ValueError(f"unknown key name {action_key!r}")
    return pygame.event.Event(pygame.KEYDOWN if down else pygame.KEYUP, key=code, mod=mod, unicode="",
                              scancode=0)
