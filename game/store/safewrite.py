"""Writing a file the user named (a CSV report, a replay, a screenshot) without ever losing one.

One mechanism for every command that writes a file:

* `check_output(path, option, force)` runs BEFORE the work (a long headless run, a report): the folder must
  exist and be a folder, the name must not be a folder or a device, and an existing file is refused unless
  `force` (the message names the option and `--force`).
* `atomic_write(path, data, ...)` / `AtomicFile` write a temporary neighbour, flush it to disk and then
  rename it into place: readers see the old file or the new one, never half of one. Without `force` the
  final step refuses to replace a file that appeared meanwhile. New files are readable by others (0644).
* Every failure is an `OutputError` whose message is one line naming the option and the file the user gave
  (never the temporary name) and what went wrong.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["FILE_MODE", "AtomicFile", "OutputError", "atomic_write", "check_output"]

FILE_MODE = 0o644


class OutputError(ValueError):
    """An output file that cannot be written; the message is one line for the user."""


def _why(err: OSError) -> str:
    return err.strerror or type(err).__name__


def check_output(path: str | os.PathLike[str], option: str = "output", *, force: bool = False) -> Path:
    """Check that `path` can be written as a new file (or replace a regular file with `force`)."""
    target = Path(path).expanduser()
    name = str(path)
    if not name.strip():
        raise OutputError(f"{option}: expected a file name, got an empty one")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise OutputError(f"{option}: cannot use {name} ({_why(err)})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{option}: {name} is a folder; expected a file name inside it")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{option}: {name} is not a regular file (a device or a pipe); expected a file name")
        if not force:
            raise OutputError(f"{option}: {name} already exists; choose a new name, or add --force to replace it")
    if not parent.exists():
        raise OutputError(f"{option}: folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"{option}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{option}: cannot write in folder {parent} (permission denied)")
    return target


def _link_no_clobber(src: Path, dst: Path) -> bool:
    """Give `src` the name `dst` unless `dst` exists; return whether it did."""
    try:
        os.link(src, dst)
    except FileExistsError:
        return False
    except OSError:              # no hard links on this file system
        if os.path.lexists(dst):
            return False
        os.rename(src, dst)
        return True
    os.unlink(src)
    return True


class AtomicFile:
    """A file written under a temporary name and put in place by `commit()` (or dropped by `discard()`).

        with AtomicFile("out.csv", "report", force=False) as f:   # commits on success, discards on error
            f.write("...")
    """

    def __init__(self, path: str | os.PathLike[str], option: str = "output", *, force: bool = False,
                 text: bool = True, encoding: str = "utf-8", newline: str | None = None) -> None:
        self.target = check_output(path, option, force=force)
        self.name = str(path)
        self.option = option
        self.force = force
        self._tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.{id(self):x}.tmp")
        try:
            fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            os.fchmod(fd, FILE_MODE) if hasattr(os, "fchmod") else None   # not narrowed by the umask
        except OSError as err:
            raise OutputError(f"{option}: cannot write {self.name} ({_why(err)})") from None
        self.file = os.fdopen(fd, "w" if text else "wb", **({"encoding": encoding, "newline": newline} if text else {}))
        self.done = False

    def write(self, data) -> None:
        try:
            self.file.write(data)
        except OSError as err:
            self.discard()
            raise OutputError(f"{self.option}: cannot write {self.name} ({_why(err)})") from None

    def flush(self) -> None:
        try:
            self.file.flush()
        except OSError as err:
            self.discard()
            raise OutputError(f"{self.option}: cannot write {self.name} ({_why(err)})") from None

    def commit(self) -> Path:
        """Flush to disk and put the file in place; raises OutputError (and leaves nothing behind)."""
        if self.done:
            return self.target
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            if self.force:
                os.replace(self._tmp, self.target)
            elif not _link_no_clobber(self._tmp, self.target):
                raise OutputError(f"{self.option}: {self.name} already exists; choose a new name, or add "
                                  "--force to replace it")
        except OSError as err:
            self.discard()
            raise OutputError(f"{self.option}: cannot write {self.name} ({_why(err)})") from None
        except OutputError:
            self.discard()
            raise
        self.done = True
        return self.target

    def discard(self) -> None:
        self.done = True
        try:
            self.file.close()
        except OSError:
            pass
        try:
            self._tmp.unlink()
        except OSError:
            pass

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def atomic_write(path: str | os.PathLike[str], data: bytes | str, option: str = "output", *,
                 force: bool = False, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` atomically (see the module docstring)."""
    f = AtomicFile(path, option, force=force, text=isinstance(data, str), encoding=encoding)
    f.write(data)
    return f.commit()
