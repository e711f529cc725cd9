"""Drafts: the editor's autosave, kept in the user data folder (`drafts/` under it).

A draft is the editor's text (valid or not) plus a note of which file it belongs to. It is written every
30 s while there are unsaved changes and when the editor closes, and deleted once the level is saved; so a
draft that is still there when the editor opens a file (or a new level) is the unsaved work of a session
that ended without saving (a crash, a power cut), and the editor offers it back.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from game.editor.document import atomic_write

AUTOSAVE_EVERY_S = 30.0
NEW_KEY = "new-level"


def drafts_dir(data: Path | None = None) -> Path:
    if data is None:
        from game.store.db import data_dir
        data = data_dir()
    return Path(data) / "drafts"


def draft_key(path: str | os.PathLike[str] | None) -> str:
    """One draft per level file (by its full path); one for a level not saved yet."""
    if path is None:
        return NEW_KEY
    full = str(Path(path).expanduser().resolve())
    return f"{Path(full).stem[:40]}-{hashlib.sha256(full.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class Draft:
    key: str
    text: str
    source: str | None            # the level file it belongs to (None: a new level)
    saved_at: str                 # ISO time, UTC

    @property
    def when(self) -> str:
        try:
            return datetime.fromisoformat(self.saved_at).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return self.saved_at


def write_draft(text: str, source: str | os.PathLike[str] | None, folder: Path | None = None) -> Path:
    folder = folder or drafts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = draft_key(source)
    meta = {"source": str(Path(source).resolve()) if source is not None else None,
            "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    atomic_write(folder / f"{key}.toml", text)
    atomic_write(folder / f"{key}.json", json.dumps(meta) + "\n")
    return folder / f"{key}.toml"


def find_draft(source: str | os.PathLike[str] | None, folder: Path | None = None) -> Draft | None:
    folder = folder or drafts_dir()
    key = draft_key(source)
    body = folder / f"{key}.toml"
    try:
        text = body.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    return Draft(key, text, meta.get("source"), str(meta.get("saved_at", "")))


def discard_draft(source: str | os.PathLike[str] | None, folder: Path | None = None) -> None:
    folder = folder or drafts_dir()
    key = draft_key(source)
    for suffix in (".toml", ".json"):
        (folder / f"{key}{suffix}").unlink(missing_ok=True)
