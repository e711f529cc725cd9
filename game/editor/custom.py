"""Custom levels: the level files in the user data folder's `levels/`, and the levels of installed packs.

`list_custom()` reads every file fresh (a few kilobytes each) and reports each with its validation
state; `Watcher` notices files that changed on disk (by modification time and size), so the Custom levels
screen and the editor can reload them on the fly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from game.levels.loader import LevelError, load_level
from game.levels.schema import Level


def custom_dir(data: Path | None = None) -> Path:
    if data is None:
        from game.store.db import data_dir
        data = data_dir()
    return Path(data) / "levels"


@dataclass
class CustomLevel:
    path: Path
    level: Level | None
    problems: list[str] = field(default_factory=list)
    source: str = "custom"        # "custom", or "pack"
    pack: str = ""                # the pack's title (packs only)

    @property
    def valid(self) -> bool:
        return self.level is not None

    @property
    def title(self) -> str:
        return self.level.title if self.level is not None else self.path.name

    @property
    def level_id(self) -> str | None:
        return self.level.id if self.level is not None else None


def read_level(path: Path, source: str = "custom", pack: str = "") -> CustomLevel:
    try:
        return CustomLevel(path, load_level(path), [], source, pack)
    except LevelError as e:
        return CustomLevel(path, None, [str(p) for p in e.problems], source, pack)


def _pack_levels() -> list[CustomLevel]:
    """Levels of installed packs, when the pack module is there (game.levels.packs)."""
    try:
        from game.levels import packs  # type: ignore[attr-defined]
    except ImportError:
        return []
    lister = getattr(packs, "list_installed_packs", None)
    if lister is None:
        return []
    out: list[CustomLevel] = []
    try:
        installed = lister()
    except Exception:            # a damaged pack folder must not hide the custom levels
        return []
    for pack in installed:
        folder = Path(getattr(pack, "folder", getattr(pack, "path", "")) or "")
        title = str(getattr(pack, "title", getattr(pack, "id", "pack")))
        for name in getattr(pack, "levels", []) or []:
            p = Path(name)
            p = p if p.is_absolute() else folder / p
            out.append(read_level(p, "pack", title))
    return out


def list_custom(folder: Path | None = None, *, packs: bool = True) -> list[CustomLevel]:
    """Custom levels (sorted by file name), then the levels of installed packs."""
    folder = folder or custom_dir()
    found = [read_level(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
    return found + (_pack_levels() if packs else [])


class Watcher:
    """Which of some files changed on disk since last asked (modification time and size)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, int] | None] = {}

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def watch(self, path: Path) -> None:
        self._seen[str(path)] = self._stamp(path)

    def forget(self, path: Path) -> None:
        self._seen.pop(str(path), None)

    def changed(self) -> list[Path]:
        out = []
        for name, old in list(self._seen.items()):
            new = self._stamp(Path(name))
            if new != old:
                self._seen[name] = new
                out.append(Path(name))
        return out

    def folder_changed(self, folder: Path, known: set[str]) -> bool:
        """Files appeared in or vanished from `folder` (compared with the names in `known`)."""
        now = {str(p) for p in folder.glob("*.toml")} if folder.is_dir() else set()
        return now != known
