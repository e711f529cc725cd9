"""What every scene shares: the window, the store (profile, progress, settings), the palette, the sound and
the levels. One `AppContext` per run of the game; scenes get it in their constructor.

Settings are applied the moment they change (`apply_settings`): text scale, palette, volumes, window size
and fullscreen; `save_settings` writes them to the store for the current profile (or as the defaults).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame

from game.levels import Level, Problem, load_levels
from game.levels.loader import LEVELS_DIR
from game.store import Profile, Settings, Store, StoreError
from game.view import text as tx
from game.view.audio import Audio
from game.view.input import Bindings
from game.view.palette import Palette, get_palette

DEFAULT_SIZE = (1280, 720)
MIN_SIZE = (640, 360)
TITLE = "Endplate"


class Window:
    """The display surface: resizable window or fullscreen, the same code headless (dummy driver)."""

    def __init__(self, size: tuple[int, int] = DEFAULT_SIZE, fullscreen: bool = False, headless: bool = False) -> None:
        self.headless = headless
        self.window_size = (max(MIN_SIZE[0], size[0]), max(MIN_SIZE[1], size[1]))
        self.fullscreen = False
        self.surface: pygame.Surface = self._set_mode(self.window_size, False)
        if fullscreen:
            self.set_fullscreen(True)
        pygame.display.set_caption(TITLE)

    def _set_mode(self, size: tuple[int, int], fullscreen: bool) -> pygame.Surface:
        if self.headless:
            return pygame.display.set_mode(size)
        flags = pygame.FULLSCREEN if fullscreen else pygame.RESIZABLE
        try:
            return pygame.display.set_mode(size, flags)
        except pygame.error:
            return pygame.display.set_mode(size)

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

    def set_fullscreen(self, on: bool) -> None:
        if on == self.fullscreen:
            return
        if on:
            try:
                desktop = pygame.display.get_desktop_sizes()[0]
            except (pygame.error, IndexError):
                desktop = self.window_size
            if self.headless:     # the dummy driver has no real screen: keep the window size
                desktop = self.window_size
            self.surface = self._set_mode(desktop, True)
        else:
            self.surface = self._set_mode(self.window_size, False)
        self.fullscreen = on

    def resize(self, size: tuple[int, int]) -> None:
        """The user resized the window (VIDEORESIZE) or picked a resolution in the settings."""
        size = (max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1])))
        self.window_size = size
        if not self.fullscreen:
            if self.surface.get_size() != size:
                self.surface = self._set_mode(size, False)

    def sync(self) -> None:
        """Pick up the display surface after SDL resized it (pygame-ce resizes it itself)."""
        current = pygame.display.get_surface()
        if current is not None:
            self.surface = current
            if not self.fullscreen:
                self.window_size = current.get_size()


@dataclass
class AppContext:
    """Everything scenes share. Build with `AppContext.create`."""

    window: Window
    store: Store
    settings: Settings
    audio: Audio
    profile: Profile | None = None
    levels: list[Level] = field(default_factory=list)
    level_problems: list[Problem] = field(default_factory=list)
    levels_dir: Path = LEVELS_DIR
    headless: bool = False
    seed: int = 1
    messages: list[str] = field(default_factory=list)    # warnings to show once (damaged save file...)
    save_problems: list[str] = field(default_factory=list)   # results or autosaves that could not be saved
    bindings: Bindings = field(default_factory=Bindings)
    class_run: Any = None          # the class joined in this run of the game (game.netclient.classrun.ClassRun)
    class_sync: Any = None         # sends the class outbox in the background (game.netclient.outbox.ClassSync)

    @classmethod
    def create(cls, *, headless: bool = False, store: Store | None = None, levels_dir: Path | str | None = None,
               seed: int = 1, audio: bool = True) -> "AppContext":
        """Open the store, load the profile's settings, open the window and the mixer, load the levels."""
        store = store or Store.open()
        profile = store.last_profile()
        settings = store.load_settings(profile.id if profile else None)
        window = Window(settings.resolution, settings.fullscreen and not headless, headless)
        sound = Audio(enabled=audio, music_volume=settings.music_volume, effects_volume=settings.effects_volume,
                      muted=settings.muted)
        ctx = cls(window=window, store=store, settings=settings, audio=sound, profile=profile, headless=headless,
                  seed=seed, levels_dir=Path(levels_dir) if levels_dir else LEVELS_DIR,
                  bindings=Bindings(settings.key_bindings))
        ctx.messages.extend(store.warnings)
        ctx.apply_text_scale()
        ctx.reload_levels()
        return ctx

    # -- levels ------------------------------------------------------------------------------------------
    def reload_levels(self) -> None:
        loaded = load_levels(self.levels_dir)
        self.levels = loaded.levels
        self.level_problems = loaded.problems

    @property
    def campaign(self) -> list[Level]:
        """The campaign levels in order (the lab bench levels are reached from the lab)."""
        return [lv for lv in self.levels if not lv.id.startswith("lab")]

    def is_unlocked(self, level: Level) -> bool:
        ids = [lv.id for lv in self.campaign]
        if level.id not in ids:
            return True
        if self.profile is None:
            return ids.index(level.id) == 0
        try:
            return self.store.is_unlocked(self.profile.id, ids, level.id)
        except StoreError:
            return False

    # -- look --------------------------------------------------------------------------------------------
    @property
    def palette(self) -> Palette:
        return get_palette(self.settings.palette)

    # -- settings ----------------------------------------------------------------------------------------
    def apply_settings(self, new: Settings) -> None:
        """Make `new` take effect now (window, text, sound, keys); does not save."""
        old = self.settings
        self.settings = new
        self.audio.set_volumes(new.music_volume, new.effects_volume, new.muted)
        self.bindings = Bindings(new.key_bindings)
        if not self.headless:
            if new.fullscreen != self.window.fullscreen:
                self.window.set_fullscreen(new.fullscreen)
            if new.resolution != old.resolution and not self.window.fullscreen:
                self.window.resize(new.resolution)
        elif new.resolution != old.resolution:
            self.window.resize(new.resolution)
        self.apply_text_scale()

    def apply_text_scale(self) -> None:
        """Text grows with the window (designed at 1280x720) times the player's text size."""
        w, h = self.window.size
        ui = min(2.0, max(0.8, min(w / DEFAULT_SIZE[0], h / DEFAULT_SIZE[1])))
        tx.set_text_scale(self.settings.text_scale * ui)

    def save_settings(self) -> str | None:
        """Save the current settings; returns an error message (two actions on one key) or None."""
        try:
            self.store.save_settings(self.profile.id if self.profile else None, self.settings)
        except StoreError as err:
            return str(err)
        return None

    def update_settings(self, **changes: object) -> str | None:
        """Change some settings, apply them and save them. Returns a message when they cannot be saved."""
        try:
            new = dataclasses.replace(self.settings, **changes)
        except StoreError as err:
            return str(err)
        self.apply_settings(new)
        return self.save_settings()

    # -- profile -----------------------------------------------------------------------------------------
    def sign_in(self, nickname: str, class_code: str = "") -> str | None:
        """Use the profile with this nickname and class (creating it); returns an error message or None."""
        try:
            existing = [p for p in self.store.list_profiles()
                        if p.nickname.casefold() == nickname.strip().casefold()
                        and p.class_code == class_code.strip().upper()]
            profile = existing[0] if existing else self.store.create_profile(nickname, class_code)
            self.store.use_profile(profile.id)
        except StoreError as err:
            return str(err)
        self.profile = profile
        self.apply_settings(self.store.load_settings(profile.id))
        return None

    @property
    def saving(self) -> bool:
        """False when progress is not being saved (no usable save file, or a save failed): the play screen
        says so."""
        return self.store.persistent and not self.save_problems

    def export_dir(self) -> Path:
        """Where the lab writes its CSV files (`<user data dir>/exports`)."""
        from game.store import data_dir
        return data_dir() / "exports"

    def close(self) -> None:
        if self.class_sync is not None:
            self.class_sync.close()
        self.audio.close()
        self.store.close()


def env_headless() -> bool:
    return os.environ.get("SDL_VIDEODRIVER") == "dummy"
