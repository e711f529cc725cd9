"""Read, check and write level files (TOML), turning every mistake into one readable line.

Level files are written by hand by teachers and students, so whatever is wrong with one (a missing file,
a folder, bytes that are not UTF-8, broken TOML, a misspelt key, a number out of range, a task after the
end) becomes a `Problem` inside a single exception class, `LevelError`, and prints as one line:

    levels/my-level.toml: demand.2.start_s: should be at least 0 (got -5)
    levels/my-level.toml:12:7: TOML syntax error: Invalid value (text needs "quotes"...)

Nothing else escapes from these functions: the game shows the lines and keeps running, and
`uv run main.py validate` prints them and exits 2.
"""
from __future__ import annotations

import codecs
import datetime as dt
import json
import difflib
import hashlib
import os
import re
import stat
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import tomli_w
from pydantic import BaseModel, ValidationError

from game.levels.fields import SLUG_PATTERN, num
from game.levels.schema import Level

LEVELS_DIR = Path(__file__).resolve().parents[2] / "levels"
MAX_LEVEL_BYTES = 1_000_000        # a level file is text of a few kB; anything over 1 MB is refused unread
MAX_PROBLEMS = 20                  # problems listed per file, then "and N more"
MAX_VALUES = 20_000                # keys + array items in one file (the largest shipped level has a few hundred)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one level file.

    `location` is the field path inside the file ("demand.2.start_s"; "" for the whole file);
    `line`/`column` (1-based) are known only for TOML syntax and text-encoding errors.
    """

    file: str
    location: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"
        if self.location:
            return f"{self.file}: {self.location}: {self.message}"
        return f"{self.file}: {self.message}"


class LevelError(Exception):
    """A level file (or several) could not be used; `problems` says why, one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [Problem(problems[0].file, "", f"and {more} more "
                                                          f"problem{'s' if more != 1 else ''}")]
        self.problems = problems
        super().__init__("\n".join(map(str, self.problems)))


class LoadedLevels(NamedTuple):
    """What `load_levels` found: the valid levels in campaign order, and the problems of the rest."""

    levels: list[Level]
    problems: list[Problem]


# --- public API ---------------------------------------------------------------------------------------

def read_limited(path: str | os.PathLike[str], limit: int = MAX_LEVEL_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Never opens a pipe or a device (which could
    block or never end); raises OSError, or ValueError saying what the file is."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a folder")
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("is not a regular file (a pipe or a device); expected a level file")
    if st.st_size > limit:
        raise ValueError(f"is {st.st_size / 1e6:.1f} MB; a level file may be at most {limit / 1e6:g} MB")
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is larger than {limit / 1e6:g} MB; a level file may be at most {limit / 1e6:g} MB")
    return data


def load_level(path: str | os.PathLike[str]) -> Level:
    """Read and check one level file. Raises `LevelError` (only) when it cannot be used."""
    name = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise _fail(name, "is a folder, not a level file (to check every level in it: "
                              f"uv run main.py validate {name})")
        data = read_limited(p)
    except ValueError as e:
        raise _fail(name, str(e)) from None
    except FileNotFoundError:
        raise _fail(name, "file not found") from None
    except PermissionError:
        raise _fail(name, "cannot read the file (permission denied)") from None
    except OSError as e:
        raise _fail(name, f"cannot read the file ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8-sig")  # -sig: accept the byte-order mark some Windows editors add
    except UnicodeDecodeError as e:
        offset = e.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        line, column = _line_col(data, offset)
        raise LevelError([Problem(name, "", f"not UTF-8 text (byte 0x{data[offset]:02x}); save the file "
                                  "with UTF-8 encoding", line, column)]) from None
    return parse_level_text(text, name)


def text_sha256(text: str) -> str:
    """SHA-256 of a level's text as UTF-8 (what a result records it was played on)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_level_text(text: str, file: str = "<text>") -> Level:
    """Check a level given as TOML text (e.g. an editor's buffer); `file` names it in messages."""
    if not text.strip():
        raise _fail(file, "the file is empty (a level starts with: schema_version = 1)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LevelError([_syntax_problem(file, text, str(e))]) from None
    except RecursionError:
        raise _fail(file, "TOML syntax error: arrays or tables nested too deeply") from None
    if not data:
        raise _fail(file, "no level data, only comments (a level starts with: schema_version = 1)")
    level = level_from_data(data, file)
    level._source_sha256 = text_sha256(text)
    return level


def level_from_data(data: Any, file: str = "<data>") -> Level:
    """Check already-parsed level data (a dict as read from TOML)."""
    if (count := _count_values(data)) > MAX_VALUES:
        raise _fail(file, f"has {count if count <= 10 * MAX_VALUES else 'over ' + str(10 * MAX_VALUES)} keys and "
                          f"values; a level has at most {MAX_VALUES}")
    try:
        return Level.model_validate(data)
    except ValidationError as e:
        raise LevelError([_pydantic_problem(file, err) for err in e.errors(include_url=False)]) from None
    except RecursionError:
        raise _fail(file, "data nested too deeply") from None


def load_levels(folder: str | os.PathLike[str] = LEVELS_DIR) -> LoadedLevels:
    """Every valid `*.toml` level in `folder` sorted by (order, id), and the problems of the others.

    Never raises for bad levels, so the game can list what is wrong and keep running. A level whose id
    is already taken by an earlier file (alphabetically) is left out with a problem.
    """
    name = str(folder)
    p = Path(folder)
    if not p.is_dir():
        return LoadedLevels([], [Problem(name, "", "folder not found" if not p.exists() else "not a folder")])
    levels: list[Level] = []
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    try:
        paths = toml_files(p)
    except OSError as e:
        return LoadedLevels([], [Problem(name, "", f"cannot read the folder ({e.strerror or e})")])
    for path in paths:
        try:
            level = load_level(path)
        except LevelError as e:
            problems.extend(e.problems)
            continue
        if level.id in first_file:
            problems.append(Problem(str(path), "id", f"{_show(level.id)} is already used by "
                                    f"{first_file[level.id]}; ids must be unique"))
            continue
        first_file[level.id] = str(path)
        levels.append(level)
    levels.sort(key=lambda lv: (lv.order, lv.id))
    return LoadedLevels(levels, problems)


def _count_values(data: Any) -> int:
    """Keys and array items in `data`, counted without recursion, stopping once well past the limit."""
    count, stack = 0, [data]
    while stack and count <= 10 * MAX_VALUES:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            count += len(item)
            stack.extend(item)
    return count


def toml_files(folder: Path) -> list[Path]:
    """The `*.toml` files in `folder`, sorted; raises OSError when the folder cannot be listed (unlike
    glob, which would quietly find nothing)."""
    with os.scandir(folder) as it:
        names = sorted(e.name for e in it if e.name.endswith(".toml"))
    return [folder / n for n in names]


def level_to_toml(level: Level) -> str:
    """The level as TOML text (hand-written comments are not kept)."""
    return tomli_w.dumps(level.model_dump(mode="json", exclude_none=True), multiline_strings=True)


def save_level(level: Level, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write `level` to `path` as TOML and return the path.

    Refuses (LevelError) to replace an existing file unless `overwrite=True`. The file is written to a
    temporary neighbour first and then renamed, so a crash never leaves half a level behind.
    """
    name = str(path)
    p = Path(path)
    if p.is_dir():
        raise _fail(name, "is a folder; give a file name ending in .toml")
    if p.exists() and not overwrite:
        raise _fail(name, "already exists; not overwritten (save under another name, or ask to overwrite)")
    if not p.parent.is_dir():
        raise _fail(name, f"folder {str(p.parent)!r} not found")
    body = level_to_toml(level).encode("utf-8")
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")  # plain open(): usual permissions, unlike mkstemp
    try:
        with open(tmp, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _fail(name, f"cannot write the file ({e.strerror or e})") from None
    return p


# --- TOML syntax errors --------------------------------------------------------------------------------

_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
# tomllib's messages are terse; add what usually causes them.
_HINTS = {
    "Invalid value": 'text needs "quotes"; true/false, numbers and [arrays] do not',
    "Cannot overwrite a value": "this key is set twice",
    "Cannot declare": "this table is declared twice",
    "Expected '=' after a key": "a key needs = and a value; keys with spaces need quotes",
    "Invalid statement": "expected key = value, [table] or [[array of tables]]",
    "Unclosed array": "an opening [ has no matching ]",
    "Unclosed inline table": "an opening { has no matching }; inline tables stay on one line",
    "Unterminated string": "a string is missing its closing quote",
}


# Errors that, at the very end of the file, mean something was left unfinished.
_UNFINISHED = ("Invalid value", "Unclosed", "Unterminated", "Expected")


def _syntax_problem(file: str, text: str, message: str) -> Problem:
    match = _AT.search(message)
    what = _AT.sub("", message) if match else message
    if match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    else:  # "at end of document"
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    hint = next((h for start, h in _HINTS.items() if what.startswith(start)), None)
    if what.startswith(_UNFINISHED) and not _rest_of(text, line, column).strip():
        hint = "the file ends before this is complete: a missing ], } or closing quote?"
    return Problem(file, "", f"TOML syntax error: {what}" + (f" ({hint})" if hint else ""), line, column)


def _rest_of(text: str, line: int, column: int) -> str:
    """The text from (line, column) on."""
    lines = text.split("\n")
    if line > len(lines):
        return ""
    return "\n".join([lines[line - 1][column - 1:], *lines[line:]])


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


# --- schema errors: pydantic's error entries → one line in the level maker's words ---------------------

def _pydantic_problem(file: str, err: Any) -> Problem:
    path, parent, annotation = _walk(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "level_rule":  # a cross-field rule (fields.rule_error): its message is complete
        at = str(ctx.get("at", ""))
        return Problem(file, ".".join(p for p in (path, at) if p), err["msg"])
    if kind == "missing":
        return Problem(file, path, "required field is missing" + _about(parent, err["loc"]))
    if kind == "extra_forbidden":
        return Problem(file, path, _unknown_key(str(err["loc"][-1]), parent))
    if kind == "union_tag_not_found":
        return Problem(file, _join(path, "kind"), f"required field is missing: one of "
                       f"{_union_tags(annotation)}")
    if kind == "union_tag_invalid":
        return Problem(file, _join(path, "kind"), f"should be one of {_tags(err)} "
                       f"(got {_show(ctx.get('tag'))})")
    return Problem(file, path, f"{_expected(kind, err['msg'], ctx, value)} (got {_show(value)})")


_TYPE_WORDS = {
    "float_type": "should be a number",
    "int_type": "should be a whole number",
    "int_from_float": "should be a whole number",
    "string_type": 'should be text in "quotes"',
    "bool_type": "should be true or false",
    "list_type": "should be an array [ ... ]",
    "model_type": "should be a table (a [section] or {{ key = value, ... }})",
    "model_attributes_type": "should be a table (a [section] or {{ key = value, ... }})",
    "dict_type": "should be a table (a [section] or {{ key = value, ... }})",
    "finite_number": "should be a finite number (not nan or inf)",
    "greater_than_equal": "should be at least {ge}",
    "less_than_equal": "should be at most {le}",
    "greater_than": "should be more than {gt}",
    "less_than": "should be less than {lt}",
    "string_too_short": "should not be empty",
    "string_too_long": "should be at most {max_length} characters",
    "too_short": "should have at least {min_length} items",
    "too_long": "should have at most {max_length} items",
}


def _expected(kind: str, msg: str, ctx: dict[str, Any], value: Any) -> str:
    if kind in ("int_type", "int_from_float") and isinstance(value, float):
        return "should be a whole number, without a decimal point"
    if kind == "literal_error":
        return "should be " + _double_quotes(str(ctx.get("expected", "")))
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == SLUG_PATTERN:
        return 'should be lowercase letters, digits and single hyphens, e.g. "ocular-mg-1"'
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "should not be empty"
    template = _TYPE_WORDS.get(kind)
    if template is not None:
        try:
            return template.format(**{k: num(v) if isinstance(v, float) else v for k, v in ctx.items()})
        except (KeyError, IndexError, ValueError):
            pass
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        return "should be " + msg.removeprefix("Input should be ")
    return msg


def _show(value: Any, limit: int = 40) -> str:
    """A value as it is written in TOML, shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an empty array" if not value else f"an array of {len(value)}"
    if isinstance(value, float):
        s = repr(value)
    elif isinstance(value, str):
        s = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (int, dt.date, dt.time)):
        s = str(value)
    elif value is None:
        s = "nothing"
    else:
        s = type(value).__name__
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _tags(err: Any) -> str:
    return _double_quotes(str((err.get("ctx") or {}).get("expected_tags", "")))


def _union_tags(annotation: Any) -> str:
    tags = [kind for member in typing.get_args(_unwrap(annotation)) if isinstance(member, type)
            and issubclass(member, BaseModel) and (info := member.model_fields.get("kind")) is not None
            for kind in typing.get_args(info.annotation)]
    return ", ".join(f'"{t}"' for t in tags) or "a kind"


def _double_quotes(names: str) -> str:
    """pydantic lists names as 'a', 'b'; TOML writes them "a", "b"."""
    return names.replace("'", '"')


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _about(parent: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    if parent is None or not loc:
        return ""
    info = parent.model_fields.get(str(loc[-1]))
    if info is None or not info.description:
        return ""
    return ": " + re.split(r"\.\s+(?=[A-Z])", info.description)[0].rstrip(".")  # first sentence


def _unknown_key(key: str, parent: type[BaseModel] | None) -> str:
    if parent is None:
        return f"unknown field {_show(key)}"
    known = list(parent.model_fields)
    # A forgotten unit suffix ("start" for "start_s") or wrong case first, then near spellings.
    close = [k for k in known if k.lower() == key.lower() or k.startswith(key + "_")]
    close = close or difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown field {_show(key)} (did you mean {_show(close[0])}?)"
    return f"unknown field {_show(key)} (allowed here: {', '.join(known)})"


def _walk(loc: tuple[Any, ...]) -> tuple[str, type[BaseModel] | None, Any]:
    """Turn pydantic's `loc` into the path a level maker sees in the file, the model that holds the
    last part, and the type expected there (None if unknown). Discriminated unions add their tag
    ("choice") to `loc`; the file has no such key, so it is dropped.
    """
    parts: list[str] = []
    current: Any = Level
    parent: type[BaseModel] | None = None
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            parent = current
            info = current.model_fields.get(str(part))
            current = info.annotation if info is not None else None
            parts.append(_key(part))
        elif typing.get_origin(current) is list and isinstance(part, int):
            current = typing.get_args(current)[0]
            parts.append(str(part))
        elif isinstance(part, str) and (member := _union_member(current, part)) is not None:
            current = member  # the discriminator's tag: not a key in the file
        else:
            current = None
            parts.append(_key(part))
    return ".".join(parts), parent, current


def _key(part: Any) -> str:
    """A key as written in a TOML dotted path: bare if it can be, else quoted (never spans lines)."""
    text = str(part)
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else json.dumps(text, ensure_ascii=False)


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `| None` from a field's annotation."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _union_member(annotation: Any, tag: str) -> type[BaseModel] | None:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    for member in typing.get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("kind")
            if kind is not None and tag in typing.get_args(kind.annotation):
                return member
    return None


def _fail(file: str, message: str) -> LevelError:
    return LevelError([Problem(file, "", message)])
