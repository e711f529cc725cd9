"""Scenes by name: the one place that knows which module holds which scene.

Scenes change by asking for another scene by name (`make("play", ctx, level)`), never by importing each
other, so each scene module stands alone and a new scene is one line here. Modules are imported on first use.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from game.app.context import AppContext
    from game.app.scene import Scene

# name -> (module, class)
SCENES: dict[str, tuple[str, str]] = {
    "menu": ("game.app.scenes.menu", "MenuScene"),
    "profile": ("game.app.scenes.menu", "ProfileScene"),
    "levels": ("game.app.scenes.campaign", "LevelListScene"),
    "briefing": ("game.app.scenes.campaign", "BriefingScene"),
    "play": ("game.app.scenes.play", "PlayScene"),
    "debrief": ("game.app.scenes.debrief", "DebriefScene"),
    "quiz": ("game.app.scenes.debrief", "QuizScene"),
    "lab": ("game.app.scenes.lab", "LabScene"),
    "settings": ("game.app.scenes.settings", "SettingsScene"),
    "pause": ("game.app.scenes.overlays", "PauseOverlay"),
    "help": ("game.app.scenes.overlays", "HelpOverlay"),
    "editor": ("game.app.scenes.editor", "EditorScene"),
    "editor-start": ("game.app.scenes.editor", "EditorStartScene"),
    "custom-levels": ("game.app.scenes.custom", "CustomLevelsScene"),
    "join": ("game.app.scenes.join", "JoinScene"),
    "class": ("game.app.scenes.join", "ClassScene"),
}


def scene_class(name: str) -> type["Scene"]:
    try:
        module, cls = SCENES[name]
    except KeyError:
        raise KeyError(f"no scene named {name!r} (known: {', '.join(sorted(SCENES))})") from None
    return getattr(importlib.import_module(module), cls)


def make(name: str, ctx: "AppContext", *args: Any, **kwargs: Any) -> "Scene":
    """A new scene of the kind `name`, built with the given arguments."""
    return scene_class(name)(ctx, *args, **kwargs)
