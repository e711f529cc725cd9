"""A level file being edited: a tomlkit document (comments, key order and formatting kept where unchanged).

Values are addressed by paths such as ("demand", 2, "start_s") or ("quiz", 0, "pairs", 1, "left").
The document may hold an invalid draft (a number typed as "12a" is kept as text, a required field may be
missing): `problems()` says what is wrong in the schema's words, field by field, and `save()` refuses to
write an invalid level as a level file.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, String, StringType, Table, Trivia
from tomlkit.toml_document import TOMLDocument

from game.levels.loader import LEVELS_DIR, LevelError, Problem, level_from_data
from game.levels.schema import Level

Path_ = tuple[str | int, ...]
TEMPLATE_PATH = Path(__file__).with_name("template.toml")
CAMPAIGN_FILE = re.compile(r"^\d\d-.*\.toml$")
MISSING: Any = object()


class DocumentError(Exception):
    """The document cannot do what was asked (a read-only campaign file, an invalid level, a bad path)."""


def path_key(path: Path_) -> str:
    """The dotted location a level maker sees in messages: demand.2.start_s."""
    return ".".join(str(p) for p in path)


def is_campaign_file(path: str | os.PathLike[str] | None) -> bool:
    """A campaign level (levels/NN-*.toml of the game itself): opened read-only."""
    if path is None:
        return False
    p = Path(path).resolve()
    return p.parent == LEVELS_DIR.resolve() and bool(CAMPAIGN_FILE.match(p.name))


def atomic_write(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` to a temporary neighbour, flush it to disk, then rename it over `path`."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return p


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _multiline(value: str) -> Any:
    """A multi-line string that opens with a line break, as hand-written level texts do."""
    raw = value.replace("\\", "\\\\").replace('"""', '""\\"').replace("\r", "\\r")
    return String(StringType.MLB, value, "\n" + raw, Trivia())


def _item(value: Any, *, inline: bool) -> Any:
    """A Python value as a tomlkit item; text with line breaks becomes a multi-line string."""
    if isinstance(value, str) and "\n" in value:
        return _multiline(value)
    if isinstance(value, dict):
        t = tomlkit.inline_table() if inline else tomlkit.table()
        for k, v in value.items():
            if v is not None:
                t[k] = _item(v, inline=True if inline else not isinstance(v, dict))
        if not inline:
            t.add(tomlkit.nl())
        return t
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value) and not inline:
            aot = tomlkit.aot()
            for v in value:
                aot.append(_item(v, inline=False))
            return aot
        arr = tomlkit.array()
        for v in value:
            arr.append(_item(v, inline=True))
        if len(value) > 2 or any(isinstance(v, dict) for v in value):
            arr.multiline(True)
        return arr
    return value


@dataclass
class LevelDocument:
    """One level file (or a new draft) being edited."""

    doc: TOMLDocument
    path: Path | None = None
    read_only: bool = False
    saved_text: str = ""

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, path: str | os.PathLike[str] | None = None, *,
                  read_only: bool | None = None) -> "LevelDocument":
        """Parse TOML text (raises DocumentError with the line and column of a syntax error)."""
        try:
            doc = tomlkit.parse(text)
        except Exception as e:  # tomlkit raises its own ParseError family
            raise DocumentError(f"{path or 'draft'}: TOML syntax error: {e}") from None
        p = Path(path) if path is not None else None
        ro = is_campaign_file(p) if read_only is None else read_only
        return cls(doc, p, ro, text)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "LevelDocument":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise DocumentError(f"{p}: file not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise DocumentError(f"{p}: cannot read the file ({getattr(e, 'strerror', None) or e})") from None
        return cls.from_text(text, p)

    @classmethod
    def new(cls, template: str | os.PathLike[str] | None = None) -> "LevelDocument":
        """A new, unsaved level: the built-in template, or a copy of another level file (with a new id)."""
        if template is None:
            d = cls.from_text(TEMPLATE_PATH.read_text(encoding="utf-8"), None, read_only=False)
            d.saved_text = ""
            return d
        src = cls.open(template)
        d = cls.from_text(src.text(), None, read_only=False)
        d.make_copy_identity()
        d.saved_text = ""
        return d

    def make_copy_identity(self) -> None:
        """A copy gets its own id and title (so its scores are kept apart from the original's)."""
        old_id = str(_plain(self.doc.get("id", "level")))
        base = old_id[:35].rstrip("-") or "level"
        self.set(("id",), f"{base}-copy")
        title = str(_plain(self.doc.get("title", "Level")))
        self.set(("title",), (title[:73] + " (copy)") if " (copy)" not in title else title)

    # -- reading ---------------------------------------------------------------------------------------
    def text(self) -> str:
        return tomlkit.dumps(self.doc)

    @property
    def dirty(self) -> bool:
        return self.text() != self.saved_text

    def data(self) -> dict[str, Any]:
        return self.doc.unwrap()

    def _container(self, path: Path_, create: bool = False) -> Any:
        node: Any = self.doc
        for i, key in enumerate(path):
            if isinstance(key, int):
                if not isinstance(node, (list, AoT, Array)) or not -len(node) <= key < len(node):
                    raise DocumentError(f"{path_key(path)}: no item {key}")
                node = node[key]
            else:
                if not hasattr(node, "get"):
                    raise DocumentError(f"{path_key(path)}: {path_key(path[:i])} is not a table")
                if key not in node:
                    if not create:
                        raise DocumentError(f"{path_key(path)}: missing")
                    nested = isinstance(node, (InlineTable,)) or isinstance(node, Table) and node.is_super_table() \
                        or any(isinstance(k, int) for k in path[:i])
                    node[key] = tomlkit.inline_table() if nested and not isinstance(node, TOMLDocument) \
                        else tomlkit.table()
                node = node[key]
        return node

    def get(self, path: Path_, default: Any = MISSING) -> Any:
        """The plain value at `path` (MISSING or `default` when absent)."""
        try:
            parent = self._container(path[:-1])
            key = path[-1]
            if isinstance(key, int):
                return _plain(parent[key]) if -len(parent) <= key < len(parent) else default
            return _plain(parent[key]) if key in parent else default
        except DocumentError:
            return default

    def has(self, path: Path_) -> bool:
        return self.get(path) is not MISSING

    # -- editing (use the commands in game.editor.history, which make these undoable) -----------------
    def check_writable(self) -> None:
        if self.read_only:
            raise DocumentError("this is a campaign level: it opens read-only; use Save as copy")

    def set(self, path: Path_, value: Any) -> None:
        """Set the value at `path` (creating tables on the way); None removes the key."""
        if value is None:
            self.remove(path)
            return
        for i in range(1, len(path) - 1):   # a missing table on the way: add it whole, with the value
            if isinstance(path[i], str) and self.get(path[:i + 1]) is MISSING:
                nested: Any = value
                for key in reversed(path[i + 1:]):
                    nested = {key: nested}
                self.set(path[:i + 1], nested)
                return
        parent = self._container(path[:-1], create=True)
        key = path[-1]
        inline = isinstance(parent, (InlineTable, Array)) or any(isinstance(k, int) for k in path[:-1]) \
            and not isinstance(parent, Table)
        if isinstance(key, int):
            parent[key] = _item(value, inline=True)
        elif key in parent:
            old = parent[key]
            if isinstance(old, String) and old.type == StringType.MLB and isinstance(value, str):
                parent[key] = _multiline(value)
            elif isinstance(old, AoT) or isinstance(value, (dict, list)):
                parent[key] = _item(value, inline=inline or isinstance(old, (InlineTable, Array)))
            else:
                parent[key] = _item(value, inline=True)
        else:
            parent[key] = _item(value, inline=inline)

    def remove(self, path: Path_) -> None:
        try:
            parent = self._container(path[:-1])
        except DocumentError:
            return
        key = path[-1]
        if isinstance(key, int):
            if -len(parent) <= key < len(parent):
                del parent[key]
        elif key in parent:
            del parent[key]

    def list_insert(self, path: Path_, index: int, value: Any) -> None:
        """Insert `value` into the list at `path` (created if absent) before `index`."""
        if not self.has(path):
            table_items = isinstance(value, dict) and len(path) == 1
            self.set(path, [value])
            if table_items:
                return
            return
        seq = self._container(path)
        index = max(0, min(index, len(seq)))
        if isinstance(seq, AoT):
            seq.insert(index, _item(value, inline=False))
        else:
            seq.insert(index, _item(value, inline=True))

    def list_move(self, path: Path_, i: int, j: int) -> None:
        seq = self._container(path)
        n = len(seq)
        if not (0 <= i < n and 0 <= j < n) or i == j:
            return
        values = [_plain(v) for v in seq]
        v = values.pop(i)
        values.insert(j, v)
        if isinstance(seq, AoT):
            # AoT has no in-place move that keeps each table's comments: rebuild the moved tables only
            items = list(seq.body)
            item = items.pop(i)
            items.insert(j, item)
            while len(seq):
                del seq[0]
            for t in items:
                seq.append(t)
        else:
            item = seq[i]
            del seq[i]
            seq.insert(j, item)

    def list_len(self, path: Path_) -> int:
        v = self.get(path, [])
        return len(v) if isinstance(v, list) else 0

    # -- checking --------------------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """What is wrong with the draft as a level, in the schema's words (empty when valid)."""
        try:
            level_from_data(self.data(), self.name)
        except LevelError as e:
            return e.problems
        return []

    def field_errors(self) -> dict[str, str]:
        """location ("demand.2.start_s", "" for the whole level) -> the first message about it."""
        out: dict[str, str] = {}
        for p in self.problems():
            out.setdefault(p.location, p.message)
        return out

    def level(self) -> Level | None:
        try:
            return level_from_data(self.data(), self.name)
        except LevelError:
            return None

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else "draft"

    # -- saving ----------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None, *, overwrite: bool = False) -> Path:
        """Write the level atomically (temporary file + rename). Refuses an invalid level, a campaign file,
        and (with overwrite=False) an existing file. Returns the path written."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise DocumentError("no file name yet: choose where to save the level")
        if is_campaign_file(target) or (path is None and self.read_only):
            raise DocumentError(f"{target}: campaign levels are never overwritten; use Save as copy")
        problems = self.problems()
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            where = f"{first.location}: " if first.location else ""
            raise DocumentError(f"not saved: {where}{first.message}{more}")
        if target.is_dir():
            raise DocumentError(f"{target}: is a folder; give a file name ending in .toml")
        own = self.path is not None and target.resolve() == self.path.resolve()
        if target.exists() and not own and not overwrite:
            raise DocumentError(f"{target}: already exists; not overwritten")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            text = self.text()
            atomic_write(target, text)
        except OSError as e:
            raise DocumentError(f"{target}: cannot write the file ({e.strerror or e})") from None
        self.path = target
        self.read_only = False
        self.saved_text = text
        return target

    def reload_from_disk(self) -> None:
        """Replace the content with the file's (after it was changed by another program)."""
        if self.path is None:
            return
        fresh = LevelDocument.open(self.path)
        self.doc = fresh.doc
        self.saved_text = fresh.saved_text


def unique_path(folder: Path, stem: str) -> Path:
    """folder/stem.toml, or stem-2.toml, stem-3.toml ... whichever does not exist yet."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "level"
    p, k = folder / f"{stem}.toml", 1
    while p.exists():
        k += 1
        p = folder / f"{stem}-{k}.toml"
    return p
