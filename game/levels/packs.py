"""Level packs: a folder (or one `.endplate` zip file) holding `pack.toml` and the level files it lists.

    pack.toml
        schema_version = 1
        id = "cranial-nerves"
        title = "Cranial nerves week"
        author = "Ms Rivera, 7B"
        description = "Three patients whose first signs are in the face."
        levels = ["01-eyelid.toml", "02-jaw.toml"]        # play order

Packs come from other people, so a pack file is treated as hostile until every entry has been checked:
`read_pack_zip` reads the archive into memory within fixed limits (entries, bytes per file, total bytes,
compression ratio), refuses anything that is not a plain file with a plain name (no `..`, no absolute path,
no drive letter, no link or device), checks `pack.toml` and every level with the same code as `validate`,
and only then does `install_pack` write, into a new folder under the packs folder, renamed into place at the
end. A refused pack writes nothing. Every refusal is a `PackError` whose message is one line naming the
entry, field or limit.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import stat
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from game.levels.fields import SLUG_PATTERN, Section, entries, prose
from game.levels.loader import LevelError, parse_level_text
from game.levels.schema import Level
from game.validation import first_error

PACK_FILE = "pack.toml"
PACK_SUFFIX = ".endplate"
PACK_SCHEMA_VERSION = 1
LEVEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.toml$"

MAX_ENTRIES = 200                    # entries in a pack archive (files and folders)
MAX_FILE_BYTES = 1_000_000           # one file, uncompressed
MAX_TOTAL_BYTES = 20_000_000         # all files, uncompressed
MAX_RATIO = 100.0                    # uncompressed / compressed size above this marks a zip bomb
RATIO_FLOOR_BYTES = 64_000           # ...for files larger than this (tiny files compress oddly)
MAX_LEVELS = 50


class PackError(ValueError):
    """A pack that cannot be built, installed or used: one line naming what and where."""


class Pack(Section):
    """The `pack.toml` of a level pack."""

    schema_version: Literal[1] = Field(title="Pack format version", description="Always 1 for this format.")
    id: str = Field(title="Pack id", description="Lowercase words joined by hyphens; unique among installed packs.",
                    pattern=SLUG_PATTERN, min_length=1, max_length=60)
    title: str = prose("Title", "The pack's name as players see it.", max_length=80)
    author: str = prose("Author", "Who made the pack (a name or a class; no contact details needed).",
                        max_length=80)
    description: str = prose("Description", "What the pack is about, in one or two sentences.", max_length=600)
    levels: list[str] = entries("Levels", "The level files of the pack, by file name relative to the pack "
                                "folder, in play order.", min_length=1, max_length=MAX_LEVELS, required=True)

    @field_validator("levels")
    @classmethod
    def _plain_unique_names(cls, names: list[str]) -> list[str]:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if not re.fullmatch(LEVEL_NAME_PATTERN, name):
                raise ValueError(f"item {i + 1}: {name[:80]!r} is not a plain .toml file name (letters, digits, . _ -)")
            if name.lower() in seen:
                raise ValueError(f"item {i + 1}: {name!r} is listed twice")
            seen.add(name.lower())
        return names


PACK_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "levels" / "pack.schema.json"


def pack_json_schema() -> dict:
    return Pack.model_json_schema()


def pack_schema_text() -> str:
    """levels/pack.schema.json as it should read (a test checks that the file is current)."""
    import json

    return json.dumps(pack_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_pack_schema(path: str | os.PathLike[str] = PACK_SCHEMA_PATH) -> Path:
    target = Path(path)
    target.write_text(pack_schema_text(), encoding="utf-8")
    return target


@dataclass(frozen=True)
class PackLevel:
    file: str
    level: Level
    text: str

    @property
    def sha256(self) -> str:
        from hashlib import sha256

        return sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadedPack:
    pack: Pack
    levels: list[PackLevel]
    path: Path | None = None           # the installed folder, when installed
    problems: list[str] = field(default_factory=list)


# --- checking ------------------------------------------------------------------------------------------

def _parse_pack_toml(data: bytes, where: str) -> Pack:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackError(f"{where}: not UTF-8 text") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PackError(f"{where}: TOML syntax error: {err}") from None
    try:
        return Pack.model_validate(raw)
    except ValidationError as err:
        loc, msg, more = first_error(err, "(file)")
        tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        raise PackError(f"{where}: {loc}: {msg}{tail}") from None


def check_pack(files: dict[str, bytes], where: str) -> LoadedPack:
    """Check a pack given as {relative name: bytes}: pack.toml, every listed level, unique level ids, and no
    file that the pack does not list. Raises PackError naming the first problem."""
    if PACK_FILE not in files:
        raise PackError(f"{where}: no {PACK_FILE} at the top of the pack")
    pack = _parse_pack_toml(files[PACK_FILE], f"{where}/{PACK_FILE}")
    listed = set(pack.levels)
    for name in files:
        if name != PACK_FILE and name not in listed:
            raise PackError(f"{where}/{name}: not listed in {PACK_FILE} 'levels' (a pack holds only its levels)")
    levels: list[PackLevel] = []
    ids: dict[str, str] = {}
    for name in pack.levels:
        if name not in files:
            raise PackError(f"{where}/{PACK_FILE}: levels lists {name!r}, which is not in the pack")
        try:
            text = files[name].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PackError(f"{where}/{name}: not UTF-8 text") from None
        try:
            level = parse_level_text(text, f"{where}/{name}")
        except LevelError as err:
            first = str(err.problems[0]) if err.problems else f"{where}/{name}: invalid level"
            more = len(err.problems) - 1
            raise PackError(first + (f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else "")) from None
        if level.id in ids:
            raise PackError(f"{where}/{name}: id: {level.id!r} is already used by {ids[level.id]} in this pack")
        ids[level.id] = name
        levels.append(PackLevel(name, level, text))
    return LoadedPack(pack, levels)


def _read_folder(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        raise PackError(f"{folder}: not a folder (a pack folder holds {PACK_FILE} and its levels)")
    files: dict[str, bytes] = {}
    total = 0
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.suffix not in (".toml",):
            continue
        st = entry.lstat()
        if not stat.S_ISREG(st.st_mode):
            raise PackError(f"{entry}: not a regular file (links and special files are not packed)")
        if st.st_size > MAX_FILE_BYTES:
            raise PackError(f"{entry}: {st.st_size} bytes is larger than {MAX_FILE_BYTES // 1_000_000} MB")
        total += st.st_size
        if total > MAX_TOTAL_BYTES or len(files) >= MAX_ENTRIES:
            raise PackError(f"{folder}: more than {MAX_TOTAL_BYTES // 1_000_000} MB or {MAX_ENTRIES} files")
        files[entry.name] = entry.read_bytes()
    return files


def load_pack_folder(folder: str | os.PathLike[str]) -> LoadedPack:
    """Check a pack folder (as its author keeps it): pack.toml and the level files it lists."""
    path = Path(folder)
    files = _read_folder(path)
    listed = {PACK_FILE} | set(_parse_pack_toml(files[PACK_FILE], f"{path}/{PACK_FILE}").levels) \
        if PACK_FILE in files else {PACK_FILE}
    loaded = check_pack({k: v for k, v in files.items() if k in listed}, str(path))
    return LoadedPack(loaded.pack, loaded.levels, path)


def _safe_name(info: zipfile.ZipInfo, where: str) -> str | None:
    """The entry's plain relative name, None for a folder entry; PackError for anything unsafe."""
    raw = info.filename
    shown = raw[:80]
    if "\\" in raw or "\x00" in raw:
        raise PackError(f"{where}: entry {shown!r}: backslashes and NUL are not allowed in names")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise PackError(f"{where}: entry {shown!r}: absolute paths and drive letters are not allowed")
    parts = PurePosixPath(raw).parts
    if any(p in ("..", ".") for p in parts) or ".." in raw.split("/"):
        raise PackError(f"{where}: entry {shown!r}: '..' in a path is not allowed")
    mode = (info.external_attr >> 16) & 0xFFFF
    if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
        raise PackError(f"{where}: entry {shown!r} is {kind}; only plain files are allowed")
    if info.is_dir():
        return None
    if len(parts) != 1:
        raise PackError(f"{where}: entry {shown!r}: files must be at the top of the pack (no sub-folders)")
    return parts[0]


def read_pack_zip(path: str | os.PathLike[str]) -> LoadedPack:
    """Read and check a `.endplate` pack file without writing anything."""
    where = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise PackError(f"{where}: file not found") from None
    except OSError as err:
        raise PackError(f"{where}: cannot read ({err.strerror or err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise PackError(f"{where}: not a regular file")
    if st.st_size > MAX_TOTAL_BYTES:
        raise PackError(f"{where}: {st.st_size} bytes is larger than {MAX_TOTAL_BYTES // 1_000_000} MB")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise PackError(f"{where}: cannot read ({err.strerror or err})") from None
    return read_pack_bytes(data, where)


def read_pack_bytes(data: bytes, where: str = "<pack>") -> LoadedPack:
    """Check a pack archive given as bytes (an upload) within the limits; nothing is written."""
    if len(data) > MAX_TOTAL_BYTES:
        raise PackError(f"{where}: larger than {MAX_TOTAL_BYTES // 1_000_000} MB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise PackError(f"{where}: not a pack file (expected a zip archive made by `pack build`)") from None
    with zf:
        try:
            infos = zf.infolist()
        except Exception:
            raise PackError(f"{where}: the archive's directory is damaged") from None
        if len(infos) > MAX_ENTRIES:
            raise PackError(f"{where}: {len(infos)} entries is more than {MAX_ENTRIES}")
        files: dict[str, bytes] = {}
        total = 0
        for info in infos:
            name = _safe_name(info, where)
            if name is None:
                continue
            if name in files:
                raise PackError(f"{where}: entry {name!r} appears twice")
            if info.file_size > MAX_FILE_BYTES:
                raise PackError(f"{where}: entry {name!r} is {info.file_size} bytes, more than "
                                f"{MAX_FILE_BYTES // 1_000_000} MB")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise PackError(f"{where}: more than {MAX_TOTAL_BYTES // 1_000_000} MB uncompressed")
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
                raise PackError(f"{where}: entry {name!r} compresses {info.file_size / max(1, info.compress_size):.0f}"
                                f" to 1, which marks a zip bomb (at most {MAX_RATIO:.0f} to 1)")
            try:
                with zf.open(info) as fh:
                    content = fh.read(MAX_FILE_BYTES + 1)   # never trust the declared size
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError) as err:
                raise PackError(f"{where}: entry {name!r} cannot be read ({type(err).__name__})") from None
            except Exception:
                raise PackError(f"{where}: entry {name!r} cannot be read") from None
            if len(content) > MAX_FILE_BYTES or len(content) != info.file_size:
                raise PackError(f"{where}: entry {name!r} is not the size the archive says")
            files[name] = content
    return check_pack(files, where)


# --- building ------------------------------------------------------------------------------------------

def build_pack(folder: str | os.PathLike[str], out: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check the pack folder and write it as one `.endplate` file (atomically; an existing file is kept
    unless `force`)."""
    loaded = load_pack_folder(folder)
    target = Path(out)
    if target.exists() and not force:
        raise PackError(f"{target}: already exists (add --force to replace it)")
    if not target.parent.is_dir():
        raise PackError(f"{target}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".pack-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            src = Path(folder)
            zf.writestr(PACK_FILE, (src / PACK_FILE).read_bytes())
            for lv in loaded.levels:
                zf.writestr(lv.file, (src / lv.file).read_bytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise PackError(f"{target}: cannot write ({err.strerror or err})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --- installing ----------------------------------------------------------------------------------------

def packs_dir() -> Path:
    """Where installed packs live: `packs/` in the user data folder."""
    from game.store.db import data_dir

    return data_dir() / "packs"


def pack_of(path: str | os.PathLike[str] | None, root: str | os.PathLike[str] | None = None) -> str:
    """The id of the installed pack that holds the level file `path`, or "" when it is not in one."""
    if not path:
        return ""
    base = (Path(root) if root is not None else packs_dir()).resolve()
    try:
        rel = Path(path).resolve().relative_to(base)
    except (ValueError, OSError):
        return ""
    return rel.parts[0] if len(rel.parts) == 2 and re.fullmatch(SLUG_PATTERN, rel.parts[0]) else ""


def install_pack(source: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, *,
                 replace: bool = False) -> LoadedPack:
    """Check a pack file (or folder) completely, then install it as `root/<id>/`. Nothing is written when
    anything is wrong. An installed pack with the same id is refused unless `replace`."""
    src = Path(source)
    loaded = load_pack_folder(src) if src.is_dir() else read_pack_zip(src)
    return install_loaded(loaded, root, replace=replace)


def install_loaded(loaded: LoadedPack, root: str | os.PathLike[str] | None = None, *,
                   replace: bool = False) -> LoadedPack:
    base = Path(root) if root is not None else packs_dir()
    final = base / loaded.pack.id
    if final.exists() and not replace:
        raise PackError(f"pack {loaded.pack.id!r} is already installed at {final} (add --replace to install "
                        "this version over it; its scores are kept)")
    try:
        base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".install-{loaded.pack.id}-", dir=base))
    except OSError as err:
        raise PackError(f"{base}: cannot write ({err.strerror or err})") from None
    old: Path | None = None
    try:
        _write_file(staging / PACK_FILE, _pack_toml_bytes(loaded))
        for lv in loaded.levels:
            _write_file(staging / lv.file, lv.text.encode("utf-8"))
        if final.exists():
            old = base / f".old-{loaded.pack.id}-{os.getpid()}"
            os.replace(final, old)
        os.replace(staging, final)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not final.exists():
            os.replace(old, final)
        raise PackError(f"{final}: cannot install ({err.strerror or err})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return LoadedPack(loaded.pack, loaded.levels, final)


def _pack_toml_bytes(loaded: LoadedPack) -> bytes:
    import tomli_w

    return tomli_w.dumps(loaded.pack.model_dump(mode="json")).encode("utf-8")


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
    os.chmod(path, 0o644)


def list_packs(root: str | os.PathLike[str] | None = None) -> list[LoadedPack]:
    """Installed packs, by id; a damaged one is listed with its problem instead of its levels."""
    base = Path(root) if root is not None else packs_dir()
    if not base.is_dir():
        return []
    found: list[LoadedPack] = []
    for folder in sorted(base.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            loaded = load_pack_folder(folder)
        except (PackError, OSError) as err:
            placeholder = Pack.model_construct(schema_version=1, id=folder.name, title=folder.name, author="",
                                               description="", levels=[])
            found.append(LoadedPack(placeholder, [], folder, [str(err)]))
            continue
        found.append(loaded)
    return found


def remove_pack(pack_id: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Remove an installed pack's folder (its scores stay in the store)."""
    base = Path(root) if root is not None else packs_dir()
    if not re.fullmatch(SLUG_PATTERN, pack_id or ""):
        raise PackError(f"pack id {pack_id!r}: expected lowercase words joined by hyphens")
    target = base / pack_id
    if not target.is_dir():
        known = ", ".join(p.pack.id for p in list_packs(base)) or "none installed"
        raise PackError(f"no installed pack with id {pack_id!r} ({known})")
    shutil.rmtree(target)
    return target
