"""Edits as commands, with undo and redo.

Each command changes a `LevelDocument` through its small editing API. The history keeps, for every step,
the document's text before and after (a level file is a few kilobytes), so undo and redo restore the
file exactly, comments and formatting included, whatever the command did.

Steps are grouped:
- `begin(label)` ... `end()`: everything in between is one step (a timeline drag, a paste);
- consecutive `SetValue`s on the same field merge into one step (typing a word is one undo, not one per
  key), until another field is edited or `seal()` is called (the field lost focus).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from game.editor.document import LevelDocument, Path_, path_key


class Command:
    label = "edit"

    def apply(self, doc: LevelDocument) -> None:
        raise NotImplementedError


@dataclass
class SetValue(Command):
    path: Path_
    value: Any          # None removes the key (an optional field left out)

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"set {path_key(self.path)}"

    def apply(self, doc: LevelDocument) -> None:
        doc.set(self.path, self.value)


@dataclass
class InsertItem(Command):
    path: Path_
    index: int
    value: Any

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"add to {path_key(self.path)}"

    def apply(self, doc: LevelDocument) -> None:
        doc.list_insert(self.path, self.index, self.value)


@dataclass
class RemoveItem(Command):
    path: Path_
    index: int

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"remove {path_key(self.path)}.{self.index}"

    def apply(self, doc: LevelDocument) -> None:
        doc.remove((*self.path, self.index))
        if doc.list_len(self.path) == 0 and doc.has(self.path):
            doc.remove(self.path)


@dataclass
class MoveItem(Command):
    path: Path_
    index: int
    to: int

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"move {path_key(self.path)}.{self.index}"

    def apply(self, doc: LevelDocument) -> None:
        doc.list_move(self.path, self.index, self.to)


@dataclass
class Step:
    label: str
    before: str
    after: str
    merge_key: str | None = None


@dataclass
class History:
    """Undo/redo over one document."""

    doc: LevelDocument
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)
    limit: int = 500
    _group: tuple[str, str] | None = None
    _sealed: bool = True
    revision: int = 0             # bumps on every change (the scene and the preview watch it)

    def do(self, command: Command) -> None:
        """Apply `command` as an undoable step (or as part of the open group)."""
        self.doc.check_writable()
        before = self.doc.text()
        command.apply(self.doc)
        after = self.doc.text()
        if after == before:
            return
        self.revision += 1
        self.undone.clear()
        if self._group is not None:
            return
        key = path_key(command.path) if isinstance(command, SetValue) else None
        last = self.done[-1] if self.done else None
        if key is not None and not self._sealed and last is not None and last.merge_key == key:
            last.after = after
        else:
            self.done.append(Step(command.label, before, after, key))
            del self.done[:-self.limit]
        self._sealed = key is None

    def begin(self, label: str) -> None:
        """Start a group: everything until `end()` is one step."""
        if self._group is None:
            self._group = (label, self.doc.text())

    def end(self) -> None:
        if self._group is None:
            return
        label, before = self._group
        self._group = None
        after = self.doc.text()
        if after != before:
            self.done.append(Step(label, before, after))
            del self.done[:-self.limit]
            self.undone.clear()
        self._sealed = True

    def cancel_group(self) -> None:
        """Abandon the open group, putting the document back as it was when it began."""
        if self._group is not None:
            _, before = self._group
            self._group = None
            self._restore(before)

    def seal(self) -> None:
        """The next edit starts a new step even on the same field."""
        self._sealed = True

    def undo(self) -> str | None:
        self.end()
        if not self.done:
            return None
        step = self.done.pop()
        self._restore(step.before)
        self.undone.append(step)
        self._sealed = True
        return step.label

    def redo(self) -> str | None:
        if not self.undone:
            return None
        step = self.undone.pop()
        self._restore(step.after)
        self.done.append(step)
        self._sealed = True
        return step.label

    @property
    def can_undo(self) -> bool:
        return bool(self.done)

    @property
    def can_redo(self) -> bool:
        return bool(self.undone)

    def _restore(self, text: str) -> None:
        fresh = LevelDocument.from_text(text, self.doc.path, read_only=self.doc.read_only)
        self.doc.doc = fresh.doc
        self.revision += 1

    def reset(self) -> None:
        """Forget every step (the document was replaced, e.g. reloaded from disk)."""
        self.done.clear()
        self.undone.clear()
        self._group = None
        self._sealed = True
        self.revision += 1
