"""Custom levels: the levels in the user data folder's `levels/` and in installed packs, with their
validation state and the player's best score. Enter plays a level, E opens it in the level editor; a file
changed on disk (by a text editor, or the level editor) is read again within a second."""
from __future__ import annotations

import pygame

from game.app.router import make
from game.app.scene import FormScene, Pop, Push
from game.editor.custom import CustomLevel, Watcher, custom_dir, list_custom
from game.ui.forms import Form, Item
from game.view import text as tx

POLL_S = 1.0


class CustomLevelsScene(FormScene):
    form_top, form_bottom = 90, 60
    name = "custom-levels"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.folder = custom_dir()
        self.entries: list[CustomLevel] = []
        self.watcher = Watcher()
        self.known: set[str] = set()
        self.poll_s = 0.0
        self.note = ""
        self.form = Form([], "Custom levels", width=820)
        self.reload()

    def reload(self, changed: list | None = None) -> None:
        self.entries = list_custom(self.folder)
        self.known = {str(e.path) for e in self.entries if e.source == "custom"}
        self.watcher = Watcher()
        for e in self.entries:
            self.watcher.watch(e.path)
        if changed:
            names = ", ".join(p.name for p in changed[:3])
            bad = [e for e in self.entries if not e.valid and e.path in changed]
            self.note = f"Read again (changed on disk): {names}" + (f" - {bad[0].problems[0]}" if bad and
                                                                   bad[0].problems else "")
        self.form.items = self._items()
        self.form.focus = min(self.form.focus, len(self.form.items) - 1)
        self.resize(self.ctx.window.size)

    def _best(self, e: CustomLevel) -> str:
        p = self.ctx.profile
        if p is None or e.level is None:
            return ""
        from game.levels.campaign import level_kind

        kind = level_kind(e.level, e.pack_id)
        try:
            best = self.ctx.store.best_of_kind(p.id, e.level.id, kind, e.pack_id)
        except Exception:       # a store problem must not hide the list
            return ""
        if best is None:
            return "not played yet"
        return f"best {best.score} points, {best.stars}/3 stars"

    def _items(self) -> list[Item]:
        items: list[Item] = []
        for e in self.entries:
            where = f"pack {e.pack}" if e.source == "pack" else e.path.name
            if e.valid and e.warnings:
                items.append(Item(e.title, on_activate=lambda e=e: self._play(e), detail=self._best(e), accent="warn",
                                  help=f"{where}: {e.warnings[0]}. Enter: play   E: edit"))
            elif e.valid:
                items.append(Item(e.title, on_activate=lambda e=e: self._play(e), detail=self._best(e),
                                  help=f"{where}: valid. Enter: play   E: edit"))
            else:
                first = e.problems[0] if e.problems else "cannot be read"
                items.append(Item(f"{e.title}  (has problems)", on_activate=lambda e=e: self._edit(e), accent="warn",
                                  detail=f"{len(e.problems)} problem(s)",
                                  help=f"{first}   Enter or E: open it in the editor to fix it"))
        if not items:
            items.append(Item("No custom levels yet", kind="info",
                              help=f"Make one with the Level editor; they are kept in {self.folder}."))
        items.append(Item("New level in the editor", on_activate=lambda: Push(make("editor", self.ctx)),
                          help="Start a new level from the template."))
        self.pack_file = Item("Pack file", "text", "", max_len=400, placeholder="path/to/pack.endplate",
                              help="A level pack your teacher gave you (a .endplate file): type its path, then "
                                   "choose Install.")
        items.append(self.pack_file)
        items.append(Item("Install the pack", on_activate=self._install,
                          help="Checks every file of the pack first; nothing is written if anything is wrong."))
        items.append(Item("Back", on_activate=lambda: Pop(), help="Back to the menu."))
        return items

    def _install(self):
        from game.levels.packs import PackError, install_pack

        path = str(self.pack_file.value or "").strip()
        if not path:
            self.form.say("Type the path of a .endplate pack file first.", "warn")
            return None
        try:
            loaded = install_pack(path)
        except (PackError, OSError) as err:
            self.form.say(str(err)[:300], "danger")
            return None
        self.reload()
        self.form.say(f"Installed the pack {loaded.pack.title!r} ({len(loaded.levels)} levels).", "ok")
        return None

    def _play(self, e: CustomLevel):
        return Push(make("briefing", self.ctx, e.level, level_path=str(e.path)))

    def _edit(self, e: CustomLevel):
        return Push(make("editor", self.ctx, e.path))

    def _focused_entry(self) -> CustomLevel | None:
        i = self.form.focus
        return self.entries[i] if 0 <= i < len(self.entries) else None

    def enter(self) -> None:
        self.reload()

    def update(self, frame_s: float):
        self.poll_s += frame_s
        if self.poll_s >= POLL_S:
            self.poll_s = 0.0
            changed = self.watcher.changed()
            if changed or self.watcher.folder_changed(self.folder, self.known):
                self.reload(changed)
        return None

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_e and self.form.editing is None:
            e = self._focused_entry()
            if e is not None and e.source == "custom":
                return self._edit(e)
        return super().handle(event)

    def subtitle(self) -> str:
        return "Custom levels"

    def draw(self, surface: pygame.Surface) -> None:
        super().draw(surface)
        pal = self.ctx.palette
        w, h = surface.get_size()
        if self.note:
            tx.draw_text(surface, self.note[:200], (w // 2, h - 34), 16, pal.warn, anchor="midbottom", shadow=False)
        tx.draw_text(surface, f"Enter: play   E: edit   Esc: back      Folder: {self.folder}", (w // 2, h - 10), 16,
                     pal.text_dim, anchor="midbottom", shadow=False)
