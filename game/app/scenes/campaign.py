"""The campaign: the level list (locked / unlocked, best stars) and the briefing before a level."""
from __future__ import annotations


import pygame

from game.app.router import make
from game.app.scene import FormScene, Pop, Push, Replace, Scene
from game.ui.forms import Form, Item
from game.view import text as tx
from game.rules.session import LABELS
from game.view.patient import appearance_of, briefing_pose, draw_patient
from game.view.instruments import draw_panel, format_clock, format_span

CONDITION_NAMES = {
    "healthy": "Healthy junction",
    "mg-ocular": "Ocular myasthenia gravis",
    "mg-moderate": "Generalised myasthenia gravis (moderate)",
    "mg-severe": "Generalised myasthenia gravis (severe)",
    "lems": "Lambert-Eaton myasthenic syndrome",
    "mg-musk": "Myasthenia gravis with anti-MuSK antibodies",
}
MUSCLE_NAMES = {"eyelid": "eyelid (levator)", "extraocular": "eye muscles", "bulbar": "chewing and swallowing",
                "limb": "arm", "respiratory": "breathing (diaphragm)"}



class LevelListScene(FormScene):
    form_top = 90
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

    def subtitle(self) -> str:
        p = self.ctx.profile
        return f"Playing as {p.nickname}" if p else "Not signed in: your results will be kept under 'Guest'"

    def draw(self, surface: pygame.Surface) -> None:
        super().draw(surface)
        pal = self.ctx.palette
        if self.ctx.level_problems:
            w, h = surface.get_size()
            tx.draw_text(surface, f"{len(self.ctx.level_problems)} level file(s) could not be used: see the main menu.",
                         (w // 2, h - 8), 16, pal.warn, anchor="midbottom", shadow=False)


def treatment_name(t) -> str:
    """A level's treatment as the player reads it ("Plasma exchange", "Pyridostigmine 60 mg")."""
    name = LABELS.get(t.kind, t.kind.replace("-", " ").capitalize())
    return f"{name} {t.dose_mg:g} mg" if t.dose_mg is not None else name


def means_lines(lv, b) -> list[str]:
    """What the player can do in this level, one short line each, with the player's keys."""
    c = lv.controls
    lines = []
    if c.fire:
        lines.append(f"{b.label_for('fire')}: fire one impulse")
    if c.train:
        lines.append(f"Hold {b.label_for('train')}: a train, {c.train_min_hz:g}-{c.train_max_hz:g} Hz "
                     f"({b.label_for('freq_up')}/{b.label_for('freq_down')})")
    if c.rest:
        lines.append(f"{b.label_for('rest')}: rest, the pool refills")
    if c.release:
        lines.append(f"{b.label_for('ca_down')} {b.label_for('ca_up')}: bath calcium "
                     f"{c.ca_min_mM:g}-{c.ca_max_mM:g} mM")
    if c.auto_drive_hz:
        lines.append(f"The patient drives the nerve at {c.auto_drive_hz:g} Hz during tasks")
    for i, t in enumerate(lv.treatments, start=1):
        key = f"{i}: " if i <= 9 else ""
        times = f" (up to {t.max_doses}x)" if t.max_doses and t.max_doses > 1 else " (once)" if t.max_doses == 1 else ""
        lines.append(f"{key}{treatment_name(t)}{times}")
    return lines


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
        self.form_w, self.form_h = 380, 190

    def _start(self):
        return Replace(make("play", self.ctx, self.level, level_path=self.level_path, **self.play_kwargs))

    def resize(self, size) -> None:
        self.size = size
        w, h = size
        m = max(12, w // 42)
        self.form_w = max(260, min(380, w // 4))
        self.form_h = self.form.needed_height()
        self.form.set_area(pygame.Rect(w - m - self.form_w, h - m - self.form_h, self.form_w, self.form_h))

    def handle(self, event):
        r = self.form.handle(event)
        return Pop() if r == "back" else r

    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        lv = self.level
        w, h = surface.get_size()
        surface.fill(pal.background)
        m = max(12, w // 42)
        title = tx.draw_text(surface, lv.title, (m, m // 2 + 4), 40, pal.text, bold=True, max_w=w - 2 * m)
        used = tx.draw_wrapped(surface, "New: " + lv.concept, pygame.Rect(m, title.bottom + 4, w - 2 * m,
                                                                         tx.line_height(21) * 2 + 6), 21, pal.accent)
        top = title.bottom + 4 + used + 10
        bottom_h = max(self.form_h, tx.line_height(19) * 4 + 40)
        # patient card
        card = pygame.Rect(m, top, int(w * 0.28), h - top - m)
        inner = draw_panel(surface, card, pal, "Patient")
        p = lv.patient
        facts = [f"{p.name}" + (f", {p.age_years} years" if p.age_years else ""),
                 CONDITION_NAMES.get(p.condition, p.condition),
                 f"Muscle: {MUSCLE_NAMES.get(lv.muscle_group, lv.muscle_group)}",
                 f"Level length: {format_span(lv.duration_model_s)} of model time"
                 + (f" ({format_span(lv.pace_model_s_per_play_s)} per second of play)"
                    if lv.pace_model_s_per_play_s != 1 else "")]
        need = sum(len(tx.wrap_lines(r, 19 if i else 22, inner.w)) * tx.line_height(19 if i else 22) + 2
                   for i, r in enumerate(facts))
        pic = pygame.Rect(inner.x, inner.y, inner.w, max(40, min(int(inner.h * 0.62), inner.h - need - 8)))
        draw_patient(surface, pic, pal, muscle_group=lv.muscle_group, backdrop=True,
                     **briefing_pose(lv.muscle_group, p.condition), **appearance_of(p))
        y = pic.bottom + 8
        for i, row in enumerate(facts):
            size = 19 if i else 22
            y += tx.draw_wrapped(surface, row, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), size,
                                 pal.text if i == 0 else pal.text_dim) + 2
        # briefing text and tasks
        x0 = card.right + m
        right = pygame.Rect(x0, top, w - x0 - m, h - top - bottom_h - 2 * m)
        inner = draw_panel(surface, right, pal, "Briefing")
        task_lines = [f"at {format_clock(t.start_s)}: {t.name}, {t.force_fraction * 100:.0f}% for "
                      f"{format_span(t.duration_s)}" for t in lv.demand]
        task_h = (tx.line_height(20) + 2 + tx.line_height(19) * min(len(task_lines), 3) + 14) if task_lines else 0
        used = tx.draw_wrapped(surface, tx.prose(lv.briefing),
                               pygame.Rect(inner.x, inner.y, inner.w, max(tx.line_height(20), inner.h - task_h)), 20,
                               pal.text)
        y = inner.y + used + 12
        if task_lines and y + tx.line_height(20) + tx.line_height(19) <= inner.bottom:
            tx.draw_text(surface, "The tasks (force the muscle must give):", (inner.x, y), 20, pal.accent,
                         shadow=False, max_w=inner.w)
            y += tx.line_height(20) + 2
            for i, line in enumerate(task_lines):
                if y + 2 * tx.line_height(19) > inner.bottom and i < len(task_lines) - 1:
                    tx.draw_text(surface, f"... and {len(task_lines) - i} more", (inner.x + 10, y), 19,
                                 pal.text_dim, shadow=False)
                    y += tx.line_height(19)
                    break
                tx.draw_text(surface, line, (inner.x + 10, y), 19, pal.text, shadow=False, max_w=inner.w - 10)
                y += tx.line_height(19)
        y += 12
        if y + tx.line_height(20) + tx.line_height(19) <= inner.bottom:
            tx.draw_text(surface, "You will be able to:", (inner.x, y), 20, pal.accent, shadow=False)
            y += tx.line_height(20) + 2
            tx.draw_wrapped(surface, lv.learning_objective, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), 19,
                            pal.text)
        # what the player has
        form_w = self.form_w
        means = pygame.Rect(x0, right.bottom + m, right.w - form_w - m, h - right.bottom - 2 * m)
        inner = draw_panel(surface, means, pal, "Your means")
        lines = means_lines(lv, self.ctx.bindings)
        n_cols = 2 if len(lines) > 3 and inner.w > 520 else 1
        col_w = inner.w // n_cols
        rows_per_col = max(1, -(-len(lines) // n_cols))
        step = tx.line_height(18) + 3
        fit_rows = max(1, (inner.h + 3) // step)
        for i, line in enumerate(lines):
            col, row = divmod(i, rows_per_col)
            if row >= fit_rows:
                continue
            if row == fit_rows - 1 and col == n_cols - 1 and i < len(lines) - 1:
                line = f"... and {len(lines) - i} more (F1 in play)"
            tx.draw_text(surface, line, (inner.x + col * col_w, inner.y + row * step), 18, pal.text, shadow=False,
                         max_w=col_w - 10)
            if row == fit_rows - 1 and col == n_cols - 1:
                break
        self.form.draw(surface, pal)
