"""Settings: screen, sound, colours, text, motion and keys. Every change applies at once and is saved."""
from __future__ import annotations


from game.app.scene import FormScene, Pop
from game.store import PALETTES
from game.ui.forms import Form, Item
from game.view.input import ACTION_INFO, DEFAULT_KEY_BINDINGS, Bindings, key_code, key_label

RESOLUTIONS = ((1024, 576), (1280, 720), (1366, 768), (1600, 900), (1920, 1080), (2560, 1440))
PALETTE_NAMES = {"okabe-ito": "Okabe-Ito (colour-blind safe)", "high-contrast": "High contrast (projector)"}


class SettingsScene(FormScene):
    form_top, form_bottom = 60, 10
    name = "settings"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.form = Form(self._items(), "Settings", width=720)
        if ctx.bindings.problems:                   # saved keys that could not be used: say which and why
            self.form.say(" ".join(ctx.bindings.problems), "warn")

    def _items(self) -> list[Item]:
        s = self.ctx.settings
        res = list(RESOLUTIONS)
        if tuple(s.resolution) not in res:
            res.append(tuple(s.resolution))
        items = [
            Item("Window size", "choice", tuple(s.resolution), [(r, f"{r[0]} x {r[1]}") for r in res],
                 on_change=lambda v: self.change(resolution=v), help="The size of the window (the layout adapts)."),
            Item("Fullscreen", "toggle", s.fullscreen, on_change=lambda v: self.change(fullscreen=v),
                 help="Fill the screen (F11 switches at any time)."),
            Item("Music volume", "slider", s.music_volume, lo=0.0, hi=1.0, step=0.1,
                 on_change=lambda v: self.change(music_volume=v), help="The quiet background hum."),
            Item("Effects volume", "slider", s.effects_volume, lo=0.0, hi=1.0, step=0.1,
                 on_change=lambda v: self.change(effects_volume=v),
                 help="Vesicle release, receptor opening, twitch, alarm and success sounds."),
            Item("Mute", "toggle", s.muted, on_change=lambda v: self.change(muted=v), help="Silence everything."),
            Item("Colours", "choice", s.palette, [(p, PALETTE_NAMES.get(p, p)) for p in PALETTES],
                 on_change=lambda v: self.change(palette=v),
                 help="Both palettes are safe for colour-blind players; shapes and dashes carry meaning too."),
            Item("Text size", "slider", s.text_scale, lo=0.75, hi=2.0, step=0.125,
                 fmt=lambda v: f"{round(float(v) * 100)}%", on_change=lambda v: self.change(text_scale=v),
                 help="Bigger or smaller text everywhere."),
            Item("Reduced motion", "toggle", s.reduced_motion, on_change=lambda v: self.change(reduced_motion=v),
                 help="Fewer particles, a slower lens, no pulsing or shaking."),
        ]
        for action in DEFAULT_KEY_BINDINGS:
            title, line = ACTION_INFO.get(action, (action, ""))
            items.append(Item(f"Key: {title}", "key", self.ctx.bindings.key_for(action),
                              on_change=lambda v, a=action: self.rebind(a, v),
                              help=f"{line} Enter, then press the new key."))
        items.append(Item("Reset keys to defaults", on_activate=self.reset_keys, help="Back to the standard keys."))
        items.append(Item("Back", on_activate=lambda: Pop(), help="Settings are already saved."))
        return items

    def change(self, **changes) -> None:
        err = self.ctx.update_settings(**changes)
        if err:
            self.form.say(err, "danger")
        else:
            self.form.say("Saved.", "ok")
        self.resize(self.ctx.window.size)

    def rebind(self, action: str, key: str) -> None:
        if key_code(key) is None:
            self.form.say(f"That key cannot be used ({key!r}).", "danger")
            self._refresh_keys()
            return
        binds = dict(self.ctx.bindings.names)
        old = binds.get(action, "")
        other = next((a for a, k in binds.items() if k == key and a != action), None)
        binds[action] = key
        note = ""
        if other is not None:
            binds[other] = old
            note = f" {key_label(key)} was used by {ACTION_INFO.get(other, (other,))[0]}: it now has {key_label(old)}."
        err = self.ctx.update_settings(key_bindings=Bindings(binds).changes())
        self.form.say(err or f"{ACTION_INFO.get(action, (action,))[0]}: {key_label(key)}.{note}",
                      "danger" if err else "ok")
        self._refresh_keys()

    def reset_keys(self):
        err = self.ctx.update_settings(key_bindings={})
        self.form.say(err or "Keys reset.", "danger" if err else "ok")
        self._refresh_keys()
        return None

    def _refresh_keys(self) -> None:
        binds = self.ctx.bindings.names
        actions = list(DEFAULT_KEY_BINDINGS)
        for it in self.form.items:
            if it.kind == "key":
                title = it.label.removeprefix("Key: ")
                a = next((x for x in actions if ACTION_INFO.get(x, (x,))[0] == title), None)
                if a is not None:
                    it.value = binds.get(a, "")

