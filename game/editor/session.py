"""One editing session: the document, its undo history, the form, the errors, the background runs, saving,
draft autosave and noticing changes on disk. The editor scene drives this object and draws what it says;
tests drive it directly, without pygame.

Time is given by the caller (`tick(now_s)`), so nothing here reads a clock.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.editor import drafts
from game.editor.custom import Watcher, custom_dir, others_with_id, shared_id_warning
from game.editor.document import MISSING, DocumentError, LevelDocument, Path_, path_key, unique_path
from game.editor.form import FieldSpec, describe, parse_input
from game.editor.history import Command, History, InsertItem, MoveItem, RemoveItem, SetValue
from game.editor.runs import CheckReport, Preview, Worker, run_check, run_preview
from game.levels.loader import Problem
from game.levels.schema import Level


@dataclass
class Message:
    text: str
    level: str = "info"           # info, ok, warn, danger


class EditorSession:
    def __init__(self, doc: LevelDocument, *, data_dir: Path | None = None) -> None:
        self.doc = doc
        self.history = History(doc)
        self.form: list[FieldSpec] = describe()
        self.data_dir = data_dir
        self.preview = Worker()
        self.check = Worker()
        self.messages: list[Message] = []
        self.watcher = Watcher()
        self._errors_rev = -1
        self._problems: list[Problem] = []
        self._level: Level | None = None
        self._preview_rev = -1
        self.last_preview: Preview | None = None
        self.last_check: CheckReport | None = None
        self.next_autosave_s: float | None = None
        self.draft_offer: drafts.Draft | None = None
        if doc.path is not None:
            self.watcher.watch(doc.path)
        found = drafts.find_draft(doc.path, self._drafts())
        if found is not None and found.text != doc.text():
            self.draft_offer = found

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, copy_of: str | os.PathLike[str] | None = None,
             data_dir: Path | None = None) -> "EditorSession":
        """A level file (campaign files read-only), a copy of one (`copy_of`), or a new level (neither)."""
        if path is not None:
            doc = LevelDocument.open(path)
        else:
            doc = LevelDocument.new(copy_of)
        return cls(doc, data_dir=data_dir)

    def _drafts(self) -> Path:
        return drafts.drafts_dir(self.data_dir)

    def custom_folder(self) -> Path:
        return custom_dir(self.data_dir)

    def say(self, text: str, level: str = "info") -> None:
        self.messages.append(Message(text, level))
        del self.messages[:-20]

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        return self.history.revision

    def _refresh(self) -> None:
        if self._errors_rev != self.revision:
            self._errors_rev = self.revision
            self._problems = self.doc.problems()
            self._level = self.doc.level() if not self._problems else None

    @property
    def problems(self) -> list[Problem]:
        self._refresh()
        return self._problems

    @property
    def level(self) -> Level | None:
        """The draft as a level, or None while it is invalid."""
        self._refresh()
        return self._level

    def error_at(self, path: Path_) -> str | None:
        """The schema's message about this field (or about the item/table at this path), if any."""
        key = path_key(path)
        for p in self.problems:
            if p.location == key:
                return p.message
        return None

    def errors_under(self, path: Path_) -> list[Problem]:
        key = path_key(path)
        return [p for p in self.problems if p.location == key or p.location.startswith(key + ".")]

    def get(self, path: Path_, default: Any = None) -> Any:
        v = self.doc.get(path)
        return default if v is MISSING else v

    @property
    def title(self) -> str:
        t = self.doc.get(("title",))
        return t if isinstance(t, str) and t else "Untitled level"

    # -- editing ---------------------------------------------------------------------------------------
    def do(self, command: Command) -> bool:
        try:
            self.history.do(command)
        except DocumentError as e:
            self.say(str(e), "warn")
            return False
        return True

    def set(self, path: Path_, value: Any) -> bool:
        return self.do(SetValue(path, value))

    def type_into(self, path: Path_, spec: FieldSpec, text: str) -> bool:
        """What the user typed into a field's entry (kept even when invalid)."""
        return self.set(path, parse_input(spec, text))

    def add_item(self, path: Path_, spec: FieldSpec, index: int | None = None, kind: str | None = None) -> bool:
        n = self.doc.list_len(path)
        return self.do(InsertItem(path, n if index is None else index, spec.new_item(kind, n + 1)))

    def remove_item(self, path: Path_, index: int) -> bool:
        return self.do(RemoveItem(path, index))

    def move_item(self, path: Path_, index: int, to: int) -> bool:
        return self.do(MoveItem(path, index, to))

    def undo(self) -> None:
        label = self.history.undo()
        self.say(f"Undone: {label}" if label else "Nothing to undo.")

    def redo(self) -> None:
        label = self.history.redo()
        self.say(f"Redone: {label}" if label else "Nothing to redo.")

    # -- tasks on the timeline -------------------------------------------------------------------------
    def tasks(self) -> list[dict]:
        v = self.doc.get(("demand",))
        return [t for t in v if isinstance(t, dict)] if isinstance(v, list) else []

    def duration_s(self) -> float:
        v = self.doc.get(("duration_model_s",))
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else 1.0

    def add_task(self, start_s: float, duration_s: float | None = None, force: float = 0.2) -> int:
        end = self.duration_s()
        length = duration_s if duration_s is not None else max(1.0, round(end / 40.0))
        start = max(0.0, min(round(start_s, 1), end - length))
        n = len(self.tasks())
        self.do(InsertItem(("demand",), n, {"name": f"Task {n + 1}", "kind": "hold", "start_s": float(start),
                                            "duration_s": float(length), "force_fraction": float(force)}))
        return n

    # -- background runs ------------------------------------------------------------------------------
    def tick(self, now_s: float) -> None:
        """Called every frame: start a preview after an edit, autosave the draft, notice changes on disk."""
        if self._preview_rev != self.revision and self.level is not None:
            self._preview_rev = self.revision
            self.preview.start(run_preview, self.level)
        if self.preview.result is not None:
            self.last_preview = self.preview.result          # type: ignore[assignment]
        if self.check.result is not None:
            self.last_check = self.check.result              # type: ignore[assignment]
        if self.next_autosave_s is None:
            self.next_autosave_s = now_s + drafts.AUTOSAVE_EVERY_S
        elif now_s >= self.next_autosave_s:
            self.next_autosave_s = now_s + drafts.AUTOSAVE_EVERY_S
            self.autosave()
        for _ in self.watcher.changed():
            self.on_disk_change()

    def start_check(self) -> bool:
        level = self.level
        if level is None:
            self.say("The check needs a valid level: fix the fields marked in red first.", "warn")
            return False
        self.last_check = None
        self.check.start(_check_job, level)
        return True

    def stop_runs(self) -> None:
        """Stop the background runs (before a test play: only one model runs at a time)."""
        self.preview.cancel(wait=True)
        self.check.cancel(wait=True)
        self._preview_rev = -1 if self.last_preview is None else self._preview_rev

    # -- saving ----------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None, *, overwrite: bool = False) -> Path | None:
        """Save (to the file it came from, or to `path`). Returns the path, or None with a message."""
        old = self.doc.path
        try:
            written = self.doc.save(path, overwrite=overwrite)
        except DocumentError as e:
            self.say(str(e), "danger")
            return None
        drafts.discard_draft(old, self._drafts())
        drafts.discard_draft(written, self._drafts())
        if old is not None:
            self.watcher.forget(old)
        self.watcher.watch(written)
        ident = self.doc.get(("id",))
        clash = others_with_id(ident, written.parent, except_path=written) if isinstance(ident, str) and ident else []
        if clash and written.parent.resolve() == self.custom_folder().resolve():
            self.say(f"Saved {written}, but {shared_id_warning(ident, clash[0])}", "warn")
        else:
            self.say(f"Saved {written}", "ok")
        return written

    def save_copy(self) -> Path | None:
        """Save into the custom levels folder under a new name (campaign levels are saved this way)."""
        folder = self.custom_folder()
        if self.doc.read_only:
            self.doc.read_only = False
            self.history.doc.read_only = False
            ident = str(self.doc.get(("id",)) or "level")
            if not ident.endswith("-copy"):
                self.history.begin("make a copy")
                self.doc.make_copy_identity()
                self.history.revision += 1
                self.history.end()
        ident = self.doc.get(("id",))
        target = unique_path(folder, ident if isinstance(ident, str) and ident else "level")
        return self.save(target)

    def default_save_path(self) -> Path:
        ident = self.doc.get(("id",))
        return unique_path(self.custom_folder(), ident if isinstance(ident, str) and ident else "level")

    def autosave(self) -> Path | None:
        """Write the draft if there are unsaved changes."""
        if not self.doc.dirty or self.doc.read_only and not self.history.can_undo:
            return None
        try:
            return drafts.write_draft(self.doc.text(), self.doc.path, self._drafts())
        except OSError as e:
            self.say(f"Draft autosave failed: {e.strerror or e}", "warn")
            return None

    def restore_draft(self) -> None:
        offer, self.draft_offer = self.draft_offer, None
        if offer is None:
            return
        try:
            fresh = LevelDocument.from_text(offer.text, self.doc.path, read_only=self.doc.read_only)
        except DocumentError as e:
            self.say(str(e), "danger")
            return
        self.history.begin("restore the draft")
        self.doc.doc = fresh.doc
        self.history.revision += 1
        self.history.end()
        self.say(f"Draft from {offer.when} restored (Ctrl+Z goes back to the file).", "ok")

    def discard_offer(self) -> None:
        if self.draft_offer is not None:
            drafts.discard_draft(self.doc.path, self._drafts())
            self.draft_offer = None

    def on_disk_change(self) -> None:
        """The file was changed by another program."""
        if self.doc.path is None:
            return
        if self.doc.dirty:
            self.say(f"{self.doc.path.name} changed on disk; you have unsaved changes here (Save keeps yours).",
                     "warn")
            return
        try:
            self.doc.reload_from_disk()
        except DocumentError as e:
            self.say(str(e), "danger")
            return
        self.history.reset()
        problems = self.problems
        self.say(f"Reloaded {self.doc.path.name} (changed on disk)"
                 + (f"; {len(problems)} problem(s): {problems[0]}" if problems else ""),
                 "warn" if problems else "info")

    def close(self) -> None:
        """Autosave the draft and stop the background runs."""
        self.autosave()
        self.stop_runs()


def _check_job(level: Level, *, cancelled, progress) -> CheckReport:
    return run_check(level, cancelled=cancelled, progress=progress)
