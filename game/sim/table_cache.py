"""The solved quantal tables kept on disk between runs, so a command does not solve the quantal ODE again.

Solving kinetics.quantal_table for one parameter set takes a few tenths of a second, which every `experiment`
command and every game start used to pay. The solved arrays are stored in one small file per parameter set in
the user's cache folder (platformdirs `user_cache_dir("endplate")`, or `$ENDPLATE_CACHE_DIR`; an empty value
turns the disk cache off). The file name is a sha256 of everything the solution depends on: the Quantum and
Membrane parameters (their reprs), the grids, the numpy version, the compiled code of the solver's functions
(code_digest: an edited solver finds no file even if nobody remembers to raise SOLVER_VERSION) and
SOLVER_VERSION, to be raised when kinetics changes what it computes in a way its code does not show. A changed
parameter or solver therefore simply finds no file.

A file is only used when its header, its length and its checksum are right; anything else (a truncated, corrupt,
foreign or unreadable file) is ignored and the table is solved again. Files are written under a temporary name
and renamed into place, so a reader never sees half of one. The disk cache can never stop the model: failing
to read or write it only costs the time of the solve.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

ENV_CACHE_DIR = "ENDPLATE_CACHE_DIR"
SOLVER_VERSION = 2        # raise when kinetics.simulate_quantum / quantal_table / the grids change their results
                          # (2: the end plate's two passive parts)
MAGIC = b"endplate quantal table\n"
_DIGEST = 32


def cache_dir() -> Path | None:
    """Where solved tables are kept: $ENDPLATE_CACHE_DIR (empty: nowhere), else the platform's user cache."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    try:
        from platformdirs import user_cache_dir
    except ImportError:   # pragma: no cover - platformdirs is a dependency
        return None
    return Path(user_cache_dir("endplate", appauthor=False))


def table_key(*parts: object) -> str:
    """sha256 (hex) of the reprs of what a table depends on, with the solver version and numpy's."""
    text = "\n".join([f"solver {SOLVER_VERSION}", f"numpy {np.__version__}", *(repr(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_digest(*functions: object) -> str:
    """sha256 (hex) of the functions' compiled code: bytecode, constants (nested code included) and names. The
    same source on the same Python gives the same digest; line numbers and file names do not count."""
    h = hashlib.sha256()

    def feed(code) -> None:
        h.update(code.co_code)
        h.update(repr(code.co_names).encode())
        h.update(repr(code.co_varnames).encode())
        for c in code.co_consts:
            if hasattr(c, "co_code"):
                feed(c)
            else:
                h.update(repr(c).encode())

    for f in functions:
        feed(f.__code__)
    return h.hexdigest()


def path_for(key: str) -> Path | None:
    try:
        folder = cache_dir()
    except Exception:   # e.g. no home folder to put a cache in: no disk cache, the model still runs
        return None
    return None if folder is None else folder / f"quantal-{key[:32]}.bin"


def load(key: str, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray] | None:
    """The arrays stored for `key` with exactly these names and shapes (float64), or None when there is no
    usable file."""
    path = path_for(key)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = MAGIC + key.encode("ascii") + b"\n"
    sizes = [int(np.prod(s)) * 8 for s in shapes.values()]
    if len(data) != len(head) + sum(sizes) + _DIGEST or not data.startswith(head):
        return None
    body = data[len(head):-_DIGEST]
    if hashlib.sha256(body).digest() != data[-_DIGEST:]:
        return None
    out, at = {}, 0
    for (name, shape), size in zip(shapes.items(), sizes):
        out[name] = np.frombuffer(body, dtype="<f8", count=size // 8, offset=at).reshape(shape).astype(np.float64)
        at += size
    return out


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store the arrays for `key` (float64, in the given order); any failure is ignored."""
    path = path_for(key)
    if path is None:
        return
    body = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in arrays.values())
    data = MAGIC + key.encode("ascii") + b"\n" + body + hashlib.sha256(body).digest()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data):x}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
