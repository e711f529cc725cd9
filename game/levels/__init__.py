"""Levels as data: the level file format (schema), reading and writing it (loader), checking it (validate).

Everything else in the game uses only what is re-exported here.
"""
from game.levels.loader import (
    LEVELS_DIR,
    LevelError,
    LoadedLevels,
    Problem,
    level_from_data,
    level_to_toml,
    load_level,
    load_levels,
    parse_level_text,
    save_level,
)
from game.levels.schema import SCHEMA_VERSION, Level, level_json_schema
from game.levels.validate import SCHEMA_PATH, export_schema, run_validate

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
