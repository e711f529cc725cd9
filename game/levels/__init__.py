"""Levels as data: the level file format (schema), reading and writing it (loader), checking it (validate).

Everything else in the game uses only what is re-exported here. The names are loaded on first use (PEP 562),
so that importing a submodule that does not need them (the `pack` command's parser, game.levels.pack_cli) does
not load pydantic and the schema: every command builds the whole command-line parser.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE = {
    "LEVELS_DIR": "loader", "LevelError": "loader", "LoadedLevels": "loader", "Problem": "loader",
    "level_from_data": "loader", "level_to_toml": "loader", "load_level": "loader", "load_levels": "loader",
    "parse_level_text": "loader", "save_level": "loader",
    "SCHEMA_VERSION": "schema", "Level": "schema", "level_json_schema": "schema",
    "SCHEMA_PATH": "validate", "export_schema": "validate", "run_validate": "validate",
}

if TYPE_CHECKING:  # what a type checker or an editor sees: the same names, imported
    from game.levels.loader import (LEVELS_DIR, LevelError, LoadedLevels, Problem, level_from_data, level_to_toml,
                                    load_level, load_levels, parse_level_text, save_level)
    from game.levels.schema import SCHEMA_VERSION, Level, level_json_schema
    from game.levels.validate import SCHEMA_PATH, export_schema, run_validate


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"game.levels.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "LEVELS_DIR",
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "Level",
    "LevelError",
    "LoadedLevels",
    "Problem",
    "export_schema",
    "level_from_data",
    "level_json_schema",
    "level_to_toml",
    "load_level",
    "load_levels",
    "parse_level_text",
    "run_validate",
    "save_level",
]
