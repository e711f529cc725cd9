"""Which levels are the genuine campaign: the shipped `levels/NN-*.toml` files, recognised by content hash.

A result counts for campaign progress, stars and unlocks only when it was played on the text of a shipped
campaign file. Every result records the SHA-256 of the level text it was played on and one of these kinds:

* "campaign": a shipped `levels/NN-name.toml` whose text hash matches that file;
* "modified": a level that uses a campaign level's id with different text (an edited copy);
* "custom":   any other level (a teacher's or a student's own);
* "pack":     a level from a level pack (set by whoever loads packs).

The class server and the editor use the same functions.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from game.levels.loader import LEVELS_DIR, level_to_toml, read_limited, text_sha256, toml_files
from game.levels.schema import Level

__all__ = ["CAMPAIGN_FILE", "campaign_hashes", "is_campaign", "level_kind", "source_sha256"]

CAMPAIGN_FILE = re.compile(r"^\d\d-[a-z0-9-]+\.toml$")


def _hashes_in(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        files = toml_files(folder)
    except OSError:
        return out
    for path in files:
        if not CAMPAIGN_FILE.match(path.name):
            continue
        try:
            data = read_limited(path)
            text = data.decode("utf-8-sig")
            level_id = tomllib.loads(text).get("id")
        except (OSError, ValueError, tomllib.TOMLDecodeError):
            continue
        if isinstance(level_id, str) and level_id not in out:     # first file wins, as in load_levels
            out[level_id] = text_sha256(text)
    return out


@lru_cache(maxsize=4)
def _cached(folder: str, stamp: tuple) -> dict[str, str]:
    return _hashes_in(Path(folder))


def campaign_hashes(folder: str | Path = LEVELS_DIR) -> dict[str, str]:
    """{level id: SHA-256 of its text} for the shipped campaign files in `folder` (cached until they change)."""
    p = Path(folder)
    try:
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in toml_files(p))
    except OSError:
        return {}
    return dict(_cached(str(p), stamp))


def source_sha256(level: Level) -> str:
    """SHA-256 of the text `level` was read from (of its TOML form if it was built from data)."""
    return level._source_sha256 or text_sha256(level_to_toml(level))


def level_kind(level: Level, pack_id: str = "", folder: str | Path = LEVELS_DIR) -> str:
    """"campaign", "modified", "custom" or "pack" (see the module docstring)."""
    if pack_id:
        return "pack"
    shipped = campaign_hashes(folder).get(level.id)
    if shipped is None:
        return "custom"
    return "campaign" if shipped == source_sha256(level) else "modified"


def is_campaign(level: Level, folder: str | Path = LEVELS_DIR) -> bool:
    return level_kind(level, folder=folder) == "campaign"
