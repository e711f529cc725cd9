"""The campaign: the level list (locked / unlocked, best stars) and the briefing before a level."""
from __future__ import annotations

import math

import pygame

from game.app.router import make
from game.app.scene import Pop, Push, Replace, Scene
from game.ui.widgets import Form, Item, draw_backdrop
from game.view import text as tx
from game.view.patient import draw_patient
from game.view.widgets import draw_panel, draw_stars, format_duration

CONDITION_NAMES = {
    "healthy": "Healthy junction",
    "mg-ocular": "Ocular myasthenia gravis",
    "mg-moderate": "Generalised myasthenia gravis (moderate)",
    "mg-severe": "Generalised myasthenia gravis (severe)",
}
MUSCLE_NAMES = {"eyelid": "eyelid (levator)", "extraocular": "eye muscles", "bulbar": "chewing and swallowing",
                "limb": "arm", "respiratory": "breathing (diaphragm)"}



class LevelListScene(Scene):
    name = "levels"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.form = Form([], "Campaign", width=760)
        self.build()

    def build(self) -> None:
        items = []
        prof = self.ctx.profile
        for i, lv in enumerate(self.ctx.campaign, start=1):
            unlocked = self.ctx.is_unlocked(lv)
            best = self.ctx.store.best(prof.id, lv.id) if prof else None
            stars = best.stars if best else 0
            detail = f"best {best.score} points, {stars}/3 stars" if best else ""
            title = lv.title if lv.title[:1].isdigit() else f"{i}. {lv.title}"
            label = title if unlocked else f"{title}  (locked)"
            items.append(Item(label, on_activate=(lambda lv=lv: Push(BriefingScene(self.ctx, lv))) if unlocked else None,
                              enabled=unlocked, detail=detail if unlocked else "win the level before",
                              help=lv.concept if unlocked else "Win the previous level to open this one.",
                              accent=None if unlocked else "text_dim"))
        if not items:
            items.append(Item("No campaign levels found in the levels folder.", "info"))
        items.append(Item("Back", on_activate=lambda: Pop(), help="Back to the menu."))
        focus = self.form.focus
        self.form.items = items
        self.form.focus = min(focus, len(items) - 1)
        if not items[self.form.focus].focusable:
            self.form.move(1)

    def enter(self) -> None:
        self.build()
        self.resize(self.ctx.window.size)

    def resize(self, size) -> None:
        self.form.set_area(pygame.Rect(0, 90, size[0], size[1] - 110))

    def handle(self, event):
        r = self.form.handle(event)
        return Pop() if r == "back" else r

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        p = self.ctx.profile
        draw_backdrop(surface, pal, "Endplate", f"Playing as {p.nickname}" if p else
                      "Not signed in: your results will be kept under 'Guest'")
        self.form.draw(surface, pal)
        if self.ctx.level_problems:
            w, h = surface.get_size()
            tx.draw_text(surface, f"{len(self.ctx.level_problems)} level file(s) could not be used: see the main menu.",
                         (w // 2, h - 8), 16, pal.warn, anchor="midbottom", shadow=False)


class BriefingScene(Scene):
    """Patient card, task, what is new; Enter starts the level."""

    name = "briefing"

    def __init__(self, ctx, level, level_path: str | None = None, *, play_kwargs: dict | None = None) -> None:
        super().__init__(ctx)
        self.level = level
        self.level_path = level_path
        self.play_kwargs = dict(play_kwargs or {})        # e.g. a class level's seed and class_level
        self.form = Form([Item("Start the level", on_activate=self._start, help="Enter: play. Esc: back."),
                          Item("Back", on_activate=lambda: Pop())], "", width=360)
        self.size = (1280, 720)

    def _start(self):
        return Replace(make("play", self.ctx, self.level, level_path=self.level_path, **self.play_kwargs))

    def resize(self, size) -> None:
        self.size = size
        w, h = size
        self.form.set_area(pygame.Rect(w - 400, h - 200, 380, 190))

    def handle(self, event):
        r = self.form.handle(event)
        return Pop() if r == "back" else r

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        lv = self.level
        w, h = surface.get_size()
        surface.fill(pal.background)
        tx.draw_text(surface, lv.title, (30, 20), 40, pal.text, bold=True)
        tx.draw_text(surface, "New: " + lv.concept, (30, 20 + tx.line_height(40)), 21, pal.accent, shadow=False)
        # patient card
        card = pygame.Rect(30, 110, int(w * 0.28), int(h * 0.62))
        inner = draw_panel(surface, card, pal, "Patient")
        p = lv.patient
        pic = pygame.Rect(inner.x, inner.y, inner.w, int(inner.h * 0.62))
        pose = {"eyelid": dict(eyelid_open=0.55), "extraocular": dict(eye_misalignment=0.5),
                "bulbar": dict(jaw_open=0.3), "respiratory": dict(breath_depth=0.3, distress=0.3),
                "limb": dict(limb_lift=0.3)}.get(lv.muscle_group, {})
        if p.condition == "healthy":
            pose = {}
        draw_patient(surface, pic, pal, muscle_group=lv.muscle_group, backdrop=True, **pose)
        y = pic.bottom + 8
        rows = [f"{p.name}" + (f", {p.age_years} years" if p.age_years else ""),
                CONDITION_NAMES.get(p.condition, p.condition),
                f"Muscle: {MUSCLE_NAMES.get(lv.muscle_group, lv.muscle_group)}",
                f"Level length: {format_duration(lv.duration_model_s)} of model time"
                + (f" ({lv.pace_model_s_per_play_s:g} s per second of play)" if lv.pace_model_s_per_play_s != 1 else "")]
        for i, row in enumerate(rows):
            size = 19 if i else 22
            y += tx.draw_wrapped(surface, row, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), size,
                                 pal.text if i == 0 else pal.text_dim) + 2
        # briefing text and tasks
        right = pygame.Rect(card.right + 24, 110, w - card.right - 54, h - 330)
        inner = draw_panel(surface, right, pal, "Briefing")
        used = tx.draw_wrapped(surface, tx.prose(lv.briefing), pygame.Rect(inner.x, inner.y, inner.w, inner.h // 2), 20,
                               pal.text)
        y = inner.y + used + 14
        if lv.demand:
            tx.draw_text(surface, "The tasks (force the muscle must give):", (inner.x, y), 20, pal.accent, shadow=False)
            y += tx.line_height(20) + 2
            for t in lv.demand[:8]:
                if y > inner.bottom - tx.line_height(19):
                    break
                line = f"  at {format_duration(t.start_s)}: {t.name}, {t.force_fraction * 100:.0f}% for {format_duration(t.duration_s)}"
                tx.draw_text(surface, line, (inner.x, y), 19, pal.text, shadow=False)
                y += tx.line_height(19)
            if len(lv.demand) > 8:
                tx.draw_text(surface, f"  ... and {len(lv.demand) - 8} more", (inner.x, y), 19, pal.text_dim, shadow=False)
                y += tx.line_height(19)
        y += 12
        if y < inner.bottom - tx.line_height(19) * 2:
            tx.draw_text(surface, "You will be able to:", (inner.x, y), 20, pal.accent, shadow=False)
            y += tx.line_height(20) + 2
            tx.draw_wrapped(surface, lv.learning_objective, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), 19,
                            pal.text)
        # what the player has
        means = pygame.Rect(card.right + 24, right.bottom + 10, w - card.right - 54 - 400, h - right.bottom - 20)
        inner = draw_panel(surface, means, pal, "Your means")
        c = lv.controls
        b = self.ctx.bindings
        lines = []
        if c.fire:
            lines.append(f"{b.label_for('fire')}: one impulse")
        if c.train:
            lines.append(f"Hold {b.label_for('train')}: a train ({c.train_min_hz:g}-{c.train_max_hz:g} Hz, Up/Down)")
        if c.rest:
            lines.append(f"{b.label_for('rest')}: rest, the pool refills")
        if c.release:
            lines.append(f"[ ]: bath calcium {c.ca_min_mM:g}-{c.ca_max_mM:g} mM")
        if c.auto_drive_hz:
            lines.append(f"The patient drives the nerve at {c.auto_drive_hz:g} Hz during tasks")
        for i, t in enumerate(lv.treatments[:9], start=1):
            dose = f" {t.dose_mg:g} mg" if t.dose_mg is not None else ""
            lines.append(f"{i}: {t.kind}{dose} (x{t.max_doses})")
        col_w = inner.w // 2
        rows_per_col = max(1, (len(lines) + 1) // 2)
        for i, line in enumerate(lines):
            col, row = divmod(i, rows_per_col)
            tx.draw_text(surface, line, (inner.x + col * col_w, inner.y + row * (tx.line_height(19) + 3)),
                         tx.fit_size(line, col_w - 8, 19, 11), pal.text, shadow=False)
        self.form.draw(surface, pal)
