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
    pack_id: str = ""
    warnings: list[str] = field(default_factory=list)   # playable, but something the maker should fix

    @property
    def valid(self) -> bool:
        return self.level is not None

    @property
    def title(self) -> str:
        return self.level.title if self.level is not None else self.path.name

    @property
    def level_id(self) -> str | None:
        return self.level.id if self.level is not None else None


def read_level(path: Path) -> CustomLevel:
    try:
        return CustomLevel(path, load_level(path), [])
    except LevelError as e:
        return CustomLevel(path, None, [str(p) for p in e.problems])


def _pack_levels(root: Path | None = None) -> list[CustomLevel]:
    """Levels of the installed packs (game.levels.packs), in each pack's play order; a damaged pack is
    listed once with its problem."""
    from game.levels.packs import list_packs

    out: list[CustomLevel] = []
    try:
        installed = list_packs(root)
    except Exception as err:    # an unreadable packs folder must not hide the custom levels
        return [CustomLevel(Path(root or "packs"), None, [f"installed packs cannot be read: {err}"], "pack")]
    for loaded in installed:
        folder = loaded.path or Path(loaded.pack.id)
        title = str(loaded.pack.title or loaded.pack.id)
        if loaded.problems:
            out.append(CustomLevel(folder, None, list(loaded.problems), "pack", title, loaded.pack.id))
            continue
        for lv in loaded.levels:
            out.append(CustomLevel(folder / lv.file, lv.level, [], "pack", title, loaded.pack.id))
    return out


def list_custom(folder: Path | None = None, *, packs: bool = True, packs_root: Path | None = None) -> list[CustomLevel]:
    """Custom levels (sorted by file name), then the levels of installed packs."""
    folder = folder or custom_dir()
    found = [read_level(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
    flag_shared_ids(found)
    return found + (_pack_levels(packs_root) if packs else [])


def shared_id_warning(level_id: str, other: Path) -> str:
    return (f"its id {level_id!r} is also the id of {other.name}: results are kept by id, so the two levels' "
            f"scores mix; give one of them its own id")


def flag_shared_ids(entries: list[CustomLevel]) -> None:
    """Warn on every custom level whose id another custom level file uses too."""
    first: dict[str, Path] = {}
    for e in entries:
        if e.level_id is None:
            continue
        if e.level_id in first:
            e.warnings.append(shared_id_warning(e.level_id, first[e.level_id]))
            owner = next(x for x in entries if x.path == first[e.level_id])
            if not owner.warnings:
                owner.warnings.append(shared_id_warning(e.level_id, e.path))
        else:
            first[e.level_id] = e.path


def others_with_id(level_id: str, folder: Path, *, except_path: Path | None = None) -> list[Path]:
    """Custom level files in `folder` (other than `except_path`) whose id is `level_id`."""
    out = []
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("*.toml")):
        if except_path is not None and p.resolve() == Path(except_path).resolve():
            continue
        e = read_level(p)
        if e.level_id == level_id:
            out.append(p)
    return out


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
