"""Scenes and the transitions between them.

A scene is one screen (menu, level list, briefing, play, pause, debrief, quiz, settings, lab). Scenes live on
a stack: the top one gets input and updates; drawing starts at the highest *opaque* scene so that overlays
(pause menu, help) are drawn over the scene below them.

Transitions are return values (as in the tcod tutorial), applied in one place by `App`: `Push`, `Pop`,
`Replace`, `Reset` (clear the stack, then push) and `Quit`. A scene that leaves the stack is `close()`d
exactly once, which deletes any model world it owns (no esper world leaks).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygame

if TYPE_CHECKING:
    from game.app.context import AppContext


@dataclass(frozen=True, slots=True)
class Push:
    scene: "Scene"


@dataclass(frozen=True, slots=True)
class Pop:
    result: Any = None


@dataclass(frozen=True, slots=True)
class Replace:
    scene: "Scene"


@dataclass(frozen=True, slots=True)
class Reset:
    scene: "Scene"


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Transition = Push | Pop | Replace | Reset | Quit


class Scene:
    """Base class: override what you need. Every method may return a Transition (or None)."""

    opaque: bool = True            # False: the scene below is drawn first (overlays)
    name: str = "scene"

    def __init__(self, ctx: "AppContext") -> None:
        self.ctx = ctx
        self.closed = False

    # -- lifecycle ------------------------------------------------------------------------------------------
    def enter(self) -> None:
        """Called when the scene becomes the top of the stack (first time and after an overlay pops)."""

    def resumed(self, result: Any) -> "Transition | None":
        """An overlay pushed by this scene popped with `result`."""
        return None

    def close(self) -> None:
        """Free what the scene owns (model worlds, sounds). Called once when it leaves the stack."""
        self.closed = True

    # -- per frame --------------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> "Transition | None":
        return None

    def update(self, frame_s: float) -> "Transition | None":
        return None

    def draw(self, surface: pygame.Surface) -> None:
        pass

    def resize(self, size: tuple[int, int]) -> None:
        """The window changed size; recompute the layout."""

    def autosave(self) -> None:
        """Save what can be resumed (called on pause and on quit)."""


class FormScene(Scene):
    """A screen that is one form over the menu backdrop (player, level list, settings, join, custom levels).

    Subclasses set `self.form` (a `game.ui.forms.Form`) and may override `subtitle()`; the form fills the
    window between `form_top` and `form_bottom` pixels from the edges; "back" from the form pops the scene.
    """

    form_top: int = 100
    form_bottom: int = 20

    def subtitle(self) -> str:
        return ""

    def resize(self, size: tuple[int, int]) -> None:
        self.form.set_area(pygame.Rect(0, self.form_top, size[0], size[1] - self.form_top - self.form_bottom))

    def handle(self, event: pygame.event.Event) -> "Transition | None":
        r = self.form.handle(event)
        return Pop() if r == "back" else r

    def draw(self, surface: pygame.Surface) -> None:
        from game.ui.forms import draw_backdrop

        sub = self.subtitle()
        draw_backdrop(surface, self.ctx.palette, "Endplate" if sub else "", sub)
        self.form.draw(surface, self.ctx.palette)
