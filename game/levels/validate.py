"""Check level files for level makers (`uv run main.py validate PATH...`) and export the level schema.

    uv run main.py validate levels/my-level.toml levels/      # one line per problem, OK FILE per good file
    uv run python -m game.levels --write-schema              # after changing schema.py: refresh
                                                              # levels/level.schema.json and docs/levels.md
"""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from game.levels.fields import quote
from game.levels.loader import LEVELS_DIR, LevelError, Problem, load_level, toml_files
from game.levels.schema import level_json_schema

SCHEMA_PATH = LEVELS_DIR / "level.schema.json"


def run_validate(paths: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Check level files and folders (their `*.toml`). Prints one line per problem and `OK FILE` per
    valid file; returns 0 when everything given is valid, 2 otherwise (also for no files at all).
    Ids must be unique among the files checked together.
    """
    if not paths:
        print("validate: give one or more level files or folders, e.g. levels/my-level.toml", file=out)
        return 2
    ok = True
    first_file: dict[str, str] = {}
    for file in _expand(paths, out):
        if file is None:
            ok = False
            continue
        try:
            level = load_level(file)
        except LevelError as e:
            ok = False
            for problem in e.problems:
                print(problem, file=out)
            continue
        if level.id in first_file:
            ok = False
            print(Problem(file, "id", f"{quote(level.id)} is already used by {first_file[level.id]}; "
                          "ids must be unique"), file=out)
            continue
        first_file[level.id] = file
        print(f"OK {file}", file=out)
    return 0 if ok else 2


def _expand(paths: Sequence[str], out: TextIO) -> list[str | None]:
    """Files to check, in order; folders become their sorted *.toml. None marks a reported problem."""
    files: list[str | None] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            files.append(raw)  # load_level reports a missing file itself
            continue
        try:
            found = toml_files(path)
        except OSError as e:
            print(Problem(raw, "", f"cannot read the folder ({e.strerror or e})"), file=out)
            files.append(None)
            continue
        if not found:
            print(Problem(raw, "", "no .toml level files in this folder"), file=out)
            files.append(None)
        files.extend(str(f) for f in found)
    return files


def schema_text() -> str:
    """levels/level.schema.json as it should read: pretty, sorted keys, trailing newline."""
    return json.dumps(level_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_schema(path: str | Path = SCHEMA_PATH) -> Path:
    """Write the level JSON Schema (for editors and form builders) to `path`."""
    target = Path(path)
    target.write_text(schema_text(), encoding="utf-8")
    return target
