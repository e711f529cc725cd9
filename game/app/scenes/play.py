"""The play scene: one level, driven through `LevelRun`, with the cascade lens and the HUD.

Per frame:
1. input → actions on the run (never on the model directly: the run checks the level's limits and turns
   them into intents);
2. the fixed-step clock hands out whole steps; each advances the run by STEP_S × the level's pace;
3. the run's events feed the lens (latest impulse at the focus junction), the sound and the HUD history;
4. the lens advances on its own slow clock; the screen is drawn, interpolating the model clock.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO

import pygame

from game.app.loop import STEP_S, FixedStep
from game.app.view_keys import VIEW_ACTIONS, view_action
from game.app.router import make
from game.rules.replay import apply_moves
from game.app.scene import Push, Replace, Scene
from game.rules.session import Action, ActionInfo, LevelRun
from game.sim.events import CrisisEvent, DrugEvent, ImpulseEvent, MeppEvent, TaskEvent, TreatmentEvent
from game.sim.params import DEFAULT
from game.view import text as tx
from game.view.hud import HUD_INFO, ControlRow, Hud, breath_phase, patient_pose, play_layout
from game.view.input import ACTION_INFO
from game.app.lens_player import LensPlayer, junction_from_sim
from game.view.lens_view import LensView, draw_chain, draw_legend, draw_lens_caption
from game.view.patient import appearance_of
from game.view.instruments import format_clock, format_duration

FREQUENCIES = (0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0)
CA_STEP_mM = 0.25
END_DELAY_S = 2.0                  # wall seconds the final state stays on screen before the debrief
CALLOUT_S = 14.0                   # a tutorial message stays this long (or until Enter)
TUTORIAL_WAIT_S = 10.0             # longest wait for the lens to finish before a tutorial line shows
HOVER_DELAY_S = 0.25
MODEL_BUDGET_S = 0.010             # wall seconds a frame may spend on the model (windowed play)
MIN_MODEL_RATE = 0.001             # the model clock never slows below this share of the level's pace
LOG_LEVELS = {"good": "ok", "info": "info", "warn": "warn", "danger": "danger"}


def _nice(value: float, values: tuple[float, ...], direction: int, lo: float, hi: float) -> float:
    if direction > 0:
        nxt = next((v for v in values if v > value + 1e-9), values[-1])
    else:
        nxt = next((v for v in reversed(values) if v < value - 1e-9), values[0])
    return min(hi, max(lo, nxt))


class PlayScene(Scene):
    name = "play"

    def __init__(self, ctx, level, seed: int | None = None, *, record: str | Path | None = None,
                 level_path: str | None = None, class_level=None) -> None:
        super().__init__(ctx)
        self.level = level
        self.level_path = level_path
        self.class_level = class_level      # a joined class's level: the finished attempt goes to its outbox
        self.class_reported = False
        self.seed = ctx.seed if seed is None else seed
        self.run = LevelRun(level, self.seed)
        self.pace = float(level.pace_model_s_per_play_s)
        self.clock = FixedStep()
        self.player = LensPlayer(DEFAULT, seed=self.seed, max_particles=12_000 if ctx.settings.reduced_motion else 60_000)
        self.player.reduced_motion = ctx.settings.reduced_motion
        self.lens_view = LensView()
        self.hud = Hud(rest_mV=DEFAULT.membrane.resting_potential_mV)
        self.hud.set_window(self.pace)
        self.hud.strip.demand_max = max((t.force_fraction for t in level.demand), default=0.0)
        self.rects: dict[str, pygame.Rect] = {}
        self.prev_t = self.run.t_s
        self.wall_s = 0.0
        self.log_seen = 0
        self.callouts: list[tuple[str, str]] = []
        self.callout_age = 0.0
        self.deferred: list[str] = []
        self.deferred_age = 0.0
        self.toast = ""
        self.toast_age = 0.0
        self.hint_index = 0
        self.train_held = False
        self.focus: int | None = None          # index in focus_targets()
        self.mouse = (-1, -1)
        self.still_s = 0.0
        self.dragging = False
        self.drag_from = (0, 0)
        self.end_wait = 0.0
        self.hover_row: int | None = None
        # --record: a file-like the caller commits (game.store.safewrite.AtomicFile), or a path written here
        self._own_record = isinstance(record, (str, Path))
        if self._own_record:
            from game.store.safewrite import AtomicFile
            record = AtomicFile(record, "--record")
        self.record_file: IO[str] | None = record or None
        self.playback: list = []             # moves of a replay still to be made (play --replay)
        self.model_rate = 1.0                # < 1 when this computer cannot keep the model at the level's pace
        self.final_summary = None
        self.actions_log: list[dict] = []
        self.single_step = False
        self.last_impulse: ImpulseEvent | None = None
        self.given: set[str] = set()           # treatments given so far (drug or treatment names)
        self._sync_log()
        for text in self.run.pop_tutorial():
            self.callouts.append(("Tutorial", text))

    # -- lifecycle ------------------------------------------------------------------------------------------
    def resize(self, size: tuple[int, int]) -> None:
        self.rects = play_layout(size)
        self.lens_view.set_rect(self.rects["lens"])

    def enter(self) -> None:
        self.player.reduced_motion = self.ctx.settings.reduced_motion

    def close(self) -> None:
        if self.closed:
            return
        if self.train_held:
            self.run.act(Action("train_stop"))
        self.run.close()
        if self.record_file is not None:
            if self._own_record:
                self.record_file.close()
            self.record_file = None
        super().close()

    def autosave(self) -> None:
        p = self.ctx.profile
        if p is None or self.run.finished:
            return
        try:
            self.ctx.store.save_autosave(p.id, self.level.id, {
                "level_id": self.level.id, "seed": self.seed, "t_s": self.run.t_s, "wall_s": self.wall_s,
                "actions": self.actions_log})
        except Exception as err:          # saving must never break play; the screen says it is not saving
            self.ctx.messages.append(f"Autosave failed: {err}")
            self.ctx.save_problems.append(f"the autosave could not be saved ({err})")

    def play_back(self, moves) -> None:
        """Make these recorded moves at their model times as the level runs (play --replay)."""
        self.playback = sorted(moves, key=lambda m: m.t_s)
        self._replaying = True

    def _advance(self, model_s: float, deadline: float | None) -> list:
        """Advance the run by `model_s`, making due replay moves at their exact model times; with a
        `deadline` (perf_counter) stop early once it has passed (the model clock then falls behind)."""
        events: list = []
        target = self.run.t_s + model_s
        while self.playback and self.playback[0].t_s <= target and not self.run.finished:
            move = self.playback.pop(0)
            if move.t_s > self.run.t_s:
                events += self.run.advance(move.t_s - self.run.t_s)
            if not self.run.finished:
                self.act(move.kind, move.value)
                self.train_held = {"train_start": True, "train_stop": False, "rest": False}.get(move.kind,
                                                                                               self.train_held)
        pieces = 1 if deadline is None else 4
        while not self.run.finished and self.run.t_s < target - 1e-9:
            before = self.run.t_s
            events += self.run.advance(min(model_s / pieces, target - self.run.t_s))
            if self.run.t_s <= before or (deadline is not None and time.perf_counter() > deadline):
                break
        return events

    def resume(self, actions: list[dict], t_s: float) -> None:
        """Continue an autosaved level: the model is deterministic, so replaying the player's recorded actions
        at their model times (same seed) rebuilds the state the game was saved in."""
        self.actions_log.extend(apply_moves(self.run, actions))
        if t_s > self.run.t_s and not self.run.finished:
            self.run.advance(t_s - self.run.t_s)
        self.train_held = False
        self.prev_t = self.run.t_s
        self._sync_log()

    # -- actions ----------------------------------------------------------------------------------------------
    def act(self, kind: str, value=None) -> str | None:
        reason = self.run.act(Action(kind, value))
        entry = {"t_s": round(self.run.t_s, 6), "kind": kind, "value": value}
        if reason is None:
            self.actions_log.append(entry)
            if self.record_file is not None:
                self.record_file.write(json.dumps(entry) + "\n")
                self.record_file.flush()
        else:
            self.say(reason)
        return reason

    def say(self, text: str) -> None:
        self.toast = text
        self.toast_age = 0.0

    def treatment_infos(self) -> list[ActionInfo]:
        return [a for a in self.run.actions() if a.kind in ("treat", "stop_treatment")]

    def do(self, action: str, down: bool = True, index: int | None = None, shift: bool = False):
        """One named control (from a key, a click or the focused row)."""
        c = self.level.controls
        if action == "train":
            if not c.train:
                if down:
                    self.say("Trains are not available in this level.")
                return None
            if down and not self.train_held:
                if self.act("train_start", self.run.frequency_hz) is None:
                    self.train_held = True
            elif not down and self.train_held:
                self.train_held = False
                self.act("train_stop")
            return None
        if not down:
            return None
        match action:
            case "fire":
                self.act("fire")
            case "rest":
                self.train_held = False
                self.act("rest")
            case "freq_up" | "freq_down":
                hz = _nice(self.run.frequency_hz, FREQUENCIES, 1 if action == "freq_up" else -1, c.train_min_hz,
                           c.train_max_hz)
                self.act("set_frequency", hz)
            case "ca_up" | "ca_down":
                if not c.release:
                    self.say("Release strength cannot be changed in this level.")
                else:
                    d = CA_STEP_mM if action == "ca_up" else -CA_STEP_mM
                    self.act("set_calcium", round(self.run.ca_mM + d, 3))
            case "treat":
                infos = self.treatment_infos()
                if index is not None and index < len(infos):
                    info = infos[index]
                    self.act(info.kind, info.value)
                else:
                    self.say("No treatment on that key in this level.")
            case "pause":
                return self.open_pause()
            case "back":
                return self.open_pause()
            case _ if action in VIEW_ACTIONS:
                view_action(action, self.clock, self.lens_view, self.mouse)
                self.single_step = self.single_step or action == "step"
            case "replay":
                if not self.player.replay():
                    self.say(self.fire_hint("then it can be replayed", "Nothing to replay yet"))
            case "help":
                return Push(make("help", self.ctx, self.level))
            case "hint":
                hints = [h for h in self.level.hints if not self.stale(h)]
                if hints:
                    self.callouts.append((f"Hint {self.hint_index % len(hints) + 1} of {len(hints)}",
                                          hints[self.hint_index % len(hints)]))
                    self.hint_index += 1
                    if len(self.callouts) > 1:
                        self.callouts = self.callouts[-1:]
                    self.callout_age = 0.0
                else:
                    self.say("This level has no hints.")
            case "focus_next":
                self.move_focus(-1 if shift else 1)
            case "activate":
                if self.callouts:
                    self.callouts.pop(0)
                    self.callout_age = 0.0
                else:
                    self.activate_focus()
        return None

    def stale(self, text: str) -> bool:
        """True for advice to take or give a treatment that has been given already ("Take the tablet early",
        "now is a good time" for a dose taken): such a tip no longer applies and is not shown."""
        if not self.given:
            return False
        t = text.lower()
        if not any(w in t for w in ("take ", "give ", "now is a good time", "start ")):
            return False
        names = {"tablet", "dose", "injection"}
        for g in self.given:
            names.add(g.lower())
            names.update(w for w in _label_words(g))
        return any(n in t for n in names)

    def fire_hint(self, then: str, lead: str = "") -> str:
        """How the nerve fires in this level, for a hint: the player's key when they can fire it."""
        c = self.level.controls
        b = self.ctx.bindings
        if c.fire:
            how = f"Fire the nerve ({b.label_for('fire')})"
        elif c.train:
            how = f"Hold {b.label_for('train')} for a train"
        elif c.auto_drive_hz:
            how = "When the patient uses the muscle (during a task)"
        else:
            how = "When the nerve fires"
        return (f"{lead}: " + how[0].lower() + how[1:] if lead else how) + f": {then}."

    def open_pause(self):
        if self.train_held:
            self.train_held = False
            self.act("train_stop")
        self.autosave()
        return Push(make("pause", self.ctx, self))

    def restart(self) -> "PlayScene":
        return PlayScene(self.ctx, self.level, self.seed, level_path=self.level_path, class_level=self.class_level)

    def resumed(self, result):
        if isinstance(result, tuple) and result and result[0] == "restart":
            return Replace(self.restart())
        return None

    # -- keyboard focus ---------------------------------------------------------------------------------------
    def focus_targets(self) -> list[tuple[str, str]]:
        """(kind, name) in Tab order: lens structures, HUD panels, control rows."""
        out = [("lens", n) for n in self.lens_view.focus_names()]
        out += [("hud", k) for k in ("chain", "clock", "patient", "rrp", "ache", "side", "antibody", "log", "scope",
                                     "force")]
        out += [("control", str(i)) for i in range(len(self.control_rows()))]
        return out

    def move_focus(self, d: int) -> None:
        targets = self.focus_targets()
        if not targets:
            return
        self.focus = (0 if d > 0 else len(targets) - 1) if self.focus is None else (self.focus + d) % len(targets)
        kind, name = targets[self.focus]
        self.lens_view.focus_region = name if kind == "lens" else None

    def activate_focus(self) -> None:
        targets = self.focus_targets()
        if self.focus is None or self.focus >= len(targets):
            return
        kind, name = targets[self.focus]
        if kind == "control":
            rows = self.control_rows()
            i = int(name)
            if i < len(rows):
                self.press_row(rows[i])

    def press_row(self, row: ControlRow, down: bool = True) -> None:
        if row.action.startswith("treat:"):
            self.do("treat", down, int(row.action.split(":")[1]))
        else:
            self.do(row.action, down)

    # -- events ---------------------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event):
        ka = self.ctx.bindings.translate(event)
        if ka is not None:
            if ka.action == "fullscreen":
                return None
            return self.do(ka.action, ka.down, ka.index, ka.shift)
        if event.type == pygame.MOUSEMOTION:
            if self.mouse != event.pos:
                self.still_s = 0.0
            if self.dragging:
                dx, dy = event.pos[0] - self.mouse[0], event.pos[1] - self.mouse[1]
                self.lens_view.pan_by(dx, dy)
            self.mouse = event.pos
            self.hover_row = next((i for i, (r, _) in enumerate(self.hud.control_rects) if r.collidepoint(event.pos)),
                                  None)
        elif event.type == pygame.MOUSEWHEEL:
            if self.lens_view.rect.collidepoint(self.mouse):
                self.lens_view.zoom_by(1 if event.y > 0 else -1, self.mouse)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.mouse = event.pos
            for r, row in self.hud.control_rects:
                if r.collidepoint(event.pos) and row.enabled:
                    self.press_row(row, True)
                    self._pressed_row = row
                    return None
            if self.lens_view.rect.collidepoint(event.pos):
                self.dragging = True
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.dragging = False
            row = getattr(self, "_pressed_row", None)
            if row is not None:
                if row.action == "train":
                    self.press_row(row, False)
                self._pressed_row = None
        return None

    # -- per frame --------------------------------------------------------------------------------------------
    def update(self, frame_s: float):
        self.wall_s += frame_s
        self.still_s += frame_s
        self.prev_t = self.run.t_s
        n = self.clock.advance(frame_s)
        if self.run.finished:
            n = 0
        # The model gets at most MODEL_BUDGET_S of wall time a frame (not headless: there runs must be
        # reproducible). Over budget, the remaining steps are dropped and the model clock slows (model_rate),
        # recovering when frames are cheap again; the screen says so.
        budget = not self.ctx.headless
        start = time.perf_counter()
        deadline = start + MODEL_BUDGET_S if budget else None
        for i in range(n):
            self.prev_t = self.run.t_s
            events = self._advance(STEP_S * self.pace * self.model_rate, deadline)
            self.on_events(events)
            r = self.run.readout()
            self.hud.record(r.t_s, r.force if r.force > 5e-4 else 0.0, r.demand)
            if self.run.finished:
                break
            if budget and time.perf_counter() > deadline:
                self.model_rate = max(MIN_MODEL_RATE, self.model_rate * (i + 1) / n * 0.8)
                self.clock.acc_s = 0.0
                break
        else:
            if budget and n and self.model_rate < 1.0 and time.perf_counter() - start < MODEL_BUDGET_S / 3:
                self.model_rate = min(1.0, self.model_rate * 1.05)
        self.player.set_junction(junction_from_sim(self.run.sim)) if n else None
        self.player.update(frame_s, self.clock.speed, self.clock.paused, step=self.single_step)
        self.single_step = False
        for name in self.player.events:            # sounds follow what the lens shows
            self.ctx.audio.play(name)
        self.player.events.clear()
        self._sync_log()
        for text in self.run.pop_tutorial():
            if not self.stale(text):
                self.deferred.append(text)
        # a tutorial line about an impulse waits until the lens has shown that impulse (or a while)
        if self.deferred:
            self.deferred_age += frame_s
            if not self.player.busy() or self.deferred_age > TUTORIAL_WAIT_S:
                self.callouts.extend(("Tutorial", t) for t in self.deferred)
                self.deferred.clear()
                self.deferred_age = 0.0
        if self.callouts:
            self.callout_age += frame_s
            if self.callout_age > CALLOUT_S and len(self.callouts) > 0:
                self.callouts.pop(0)
                self.callout_age = 0.0
        self.toast_age += frame_s
        if self.run.finished:
            self.end_wait += frame_s
            if self.end_wait >= END_DELAY_S:
                return self.finish()
        return None

    def on_events(self, events: list) -> None:
        audio = self.ctx.audio
        junction = None
        for e in events:
            if isinstance(e, ImpulseEvent):
                junction = junction or junction_from_sim(self.run.sim)
                self.player.on_impulse(e, junction)
                self.last_impulse = e
            elif isinstance(e, MeppEvent):
                junction = junction or junction_from_sim(self.run.sim)
                self.player.on_mepp(e, junction)
            elif isinstance(e, CrisisEvent) and e.active:
                audio.play("alarm")
            elif isinstance(e, TaskEvent) and not e.began and e.met_fraction >= 0.9:
                audio.play("success")
            elif isinstance(e, (DrugEvent, TreatmentEvent)):
                audio.play("receptor")
                self.given.add(e.drug if isinstance(e, DrugEvent) else e.treatment)
                self.callouts = [c for c in self.callouts if not self.stale(c[1])]

    def _sync_log(self) -> None:
        log = self.run.log
        for line in log[self.log_seen:]:
            self.hud.log.push(line.text, line.t_s, LOG_LEVELS.get(line.level, "info"))
        self.log_seen = len(log)

    def report_class_attempt(self) -> None:
        """A class level's finished attempt goes to the outbox (once); sending happens in the background."""
        if self.class_level is None or self.class_reported:
            return
        self.class_reported = True
        from game.app.classplay import report_attempt
        report_attempt(self.ctx, self.class_level, self.actions_log, self.run.summary(), self.wall_s)

    def finish(self):
        summary = self.run.summary()
        self.final_summary = summary
        if self.run.outcome == "won":
            self.ctx.audio.play("success")
        self.report_class_attempt()
        return Replace(make("debrief", self.ctx, self.level, summary, list(self.run.log), self.wall_s,
                            level_path=self.level_path, seed=self.seed, moves=list(self.actions_log),
                            class_level=self.class_level))

    # -- controls panel ---------------------------------------------------------------------------------------
    def control_rows(self) -> list[ControlRow]:
        b = self.ctx.bindings
        c = self.level.controls
        rows: list[ControlRow] = []
        infos = self.run.actions()
        avail = {a.kind: a for a in infos}
        if c.fire:
            a = avail.get("fire")
            rows.append(ControlRow("fire", b.label_for("fire"), "Fire one impulse", enabled=bool(a and a.available),
                                   help=ACTION_INFO["fire"][1]))
        if c.train:
            rows.append(ControlRow("train", b.label_for("train"), "Hold: train", f"{self.run.frequency_hz:g} Hz",
                                   "firing" if self.train_held else "", active=self.train_held,
                                   enabled=not self.run.finished, help=ACTION_INFO["train"][1]))
            rows.append(ControlRow("freq_up", f"{b.label_for('freq_up')}/{b.label_for('freq_down')}", "Frequency",
                                   f"{c.train_min_hz:g}-{c.train_max_hz:g} Hz", enabled=not self.run.finished,
                                   help="Up/Down: choose how fast a held train fires."))
        if c.rest:
            rows.append(ControlRow("rest", b.label_for("rest"), "Rest", "pool refills", enabled=not self.run.finished,
                                   help=ACTION_INFO["rest"][1]))
        if c.release:
            rows.append(ControlRow("ca_up", f"{b.label_for('ca_down')} {b.label_for('ca_up')}", "Bath Ca2+",
                                   f"{self.run.ca_mM:g} mM", f"{c.ca_min_mM:g}-{c.ca_max_mM:g} mM",
                                   enabled=not self.run.finished, help=ACTION_INFO["ca_up"][1]))
        for i, info in enumerate(self.treatment_infos()):
            status = "ready"
            if not info.available:
                if info.cooldown_left_s > 0:
                    status = f"wait {format_duration(info.cooldown_left_s)}"
                elif info.uses_left == 0:
                    status = "none left"
                else:
                    status = "not now"
            elif info.uses_left is not None:
                status = f"ready, {info.uses_left} left"
            onset = _onset(str(info.value or ""))
            detail = onset
            rows.append(ControlRow(f"treat:{i}", str(i + 1) if i < 9 else "", info.label, detail, status,
                                   enabled=info.available, help=info.reason or _treat_help(str(info.value or ""))))
        return rows

    # -- drawing ----------------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        R = self.rects
        surface.fill(pal.background)
        r = self.run.readout()
        reduced = self.ctx.settings.reduced_motion
        inhibition = r.ache_inhibition
        self.lens_view.draw(surface, self.player, pal, force=r.force, reduced_motion=reduced, inhibition=inhibition,
                            frame_s=1 / 60)
        draw_lens_caption(surface, R["caption"], self.player, pal, self.clock.speed, self.clock.paused,
                          self.lens_view.ach_per_dot)
        mepp = self.player.current is not None and self.player.current.mepp
        idle = self.player.current is None
        draw_chain(surface, R["chain"], self.player, pal,
                   status="A spontaneous quantum: one vesicle leaked out with no impulse, so no step of the chain "
                          "runs; it gives a tiny end-plate potential (a MEPP)." if mepp else
                   (self.fire_hint("the lens follows one impulse through the junction, step by step")
                    if idle else ""))
        # model clock, interpolated between the last two steps
        a = self.clock.alpha if not self.clock.paused else 1.0
        t_show = self.prev_t + (r.t_s - self.prev_t) * a if self.run.t_s >= self.prev_t else r.t_s
        self.hud.draw_clock(surface, R["clock"], pal, t_show, self.clock.speed, self.clock.paused, self.pace)
        free = self.hud.clock.free
        if free.w > 20:
            tx.draw_text(surface, self.level.title, (free.right, free.bottom - 2), 16, pal.text_dim,
                         anchor="bottomright", shadow=False, max_w=free.w)
        side = self.run.side_effects
        pose = patient_pose(self.level.muscle_group, r.force, r.demand,
                            crisis=r.myasthenic_crisis or r.cholinergic_crisis, side_effects=side,
                            breath_phase=0.25 if reduced else breath_phase(self.wall_s))
        pose.update(appearance_of(self.level.patient))
        pose["ventilated"] = bool(r.ventilated)
        unwell = self.level.patient.condition != "healthy"
        pose["mood"] = -0.2 if (r.myasthenic_crisis or r.cholinergic_crisis or r.ventilated) else (0.3 if unwell else 0.8)
        status = ""
        if r.myasthenic_crisis:
            status = "Myasthenic crisis: breathing fails"
        elif r.cholinergic_crisis:
            status = "Cholinergic crisis"
        elif r.ventilated:
            status = "On the ventilator"
        elif r.demand > 0:
            status = "Coping" if r.force >= r.demand * 0.98 else "Struggling: force below the task"
        p = self.level.patient
        self.hud.draw_patient(surface, R["patient"], pal, pose, f"{p.name}, {p.age_years}" if p.age_years else p.name,
                              status)
        limit = self.level.lose.max_side_effects
        self.hud.draw_gauges(surface, R["gauges"], pal, rrp=r.rrp_fraction, ache=r.ache_inhibition, side=side,
                             antibody=r.antibody, drugs=r.drug_inhibition, side_limit=limit if limit < 1 else None,
                             names=_drug_names(),
                             show_antibody=self.level.patient.condition != "healthy")
        self.hud.draw_log(surface, R["log"], pal)
        if self.lens_view.labels:                      # L: the structures are named, and the legend shown
            draw_legend(surface, R["scope"].union(R["force"]), pal)
            self._draw_controls_and_overlays(surface, pal)
            return
        t_ms, v_mV, rest, thr = self.player.scope()
        fired = bool(self.player.current and self.player.current.t_cross_ms is not None)
        note = None
        if self.player.current is None:
            note = self.fire_hint("the EPP of the lens fibre appears here")
        self.hud.draw_scope(surface, R["scope"], pal, t_ms, v_mV, rest, thr, note=note, fired=fired)
        tasks = self.run.task_at()
        task = self.level.demand[tasks[0]].name if tasks else ""
        upcoming = ""
        if not tasks:
            nxt = next((t for t in self.level.demand if t.start_s > r.t_s), None)
            if nxt is not None:
                upcoming = f"Next: {nxt.name} in {format_clock(nxt.start_s - r.t_s)} ({nxt.force_fraction * 100:.0f}%)"
        self.hud.draw_force(surface, R["force"], pal, r.t_s, task, r.demand, upcoming)
        self._draw_controls_and_overlays(surface, pal)

    def _draw_controls_and_overlays(self, surface, pal) -> None:
        R = self.rects
        rows = self.control_rows()
        targets = self.focus_targets() if self.focus is not None else []
        focus_row = None
        if self.focus is not None and self.focus < len(targets) and targets[self.focus][0] == "control":
            focus_row = int(targets[self.focus][1])
        self.hud.draw_controls(surface, R["controls"], pal, rows, focus=focus_row, hover=self.hover_row,
                               title=f"Controls   (F1 help, Esc menu)")
        self._draw_overlays(surface, pal, targets)

    def _draw_notices(self, surface, pal) -> None:
        """Lines that must stay visible: progress not being saved, the model running slower than the pace."""
        notes = []
        if not self.ctx.saving:
            notes.append("Progress is not being saved (see the menu's notes)")
        if self.model_rate < 0.999:
            notes.append(f"Model slowed to {self.model_rate * 100:.2g}% of this level's pace: this computer "
                         "cannot keep up")
        if self.playback or getattr(self, "_replaying", False):
            notes.append("Replay")
        y = self.rects["lens"].bottom - 6
        for note in notes:
            size = tx.fit_size(note, self.rects["lens"].w - 20, 16, 11)
            tx.draw_text(surface, note, (self.rects["lens"].x + 10, y), size, pal.warn, anchor="bottomleft")
            y -= tx.line_height(size) + 2

    def _draw_overlays(self, surface, pal, targets) -> None:
        R = self.rects
        self._draw_notices(surface, pal)
        if self.callouts:
            title, text = self.callouts[0]
            more = f"  (+{len(self.callouts) - 1})" if len(self.callouts) > 1 else ""
            self.hud.draw_callout(surface, R["log"], pal, title + more, text, "Enter: OK")
        if self.toast and self.toast_age < 4.0:
            w, h = tx.text_size(self.toast, 18)
            box = pygame.Rect(0, 0, min(R["lens"].w - 40, w + 24), h + 12)
            box.midtop = (R["lens"].centerx, R["lens"].y + 48)
            pygame.draw.rect(surface, pal.panel, box, border_radius=6)
            pygame.draw.rect(surface, pal.warn, box, 2, border_radius=6)
            tx.draw_text(surface, self.toast, box.center, tx.fit_size(self.toast, box.w - 16, 18, 11), pal.warn,
                         anchor="center", shadow=False)
        if self.run.finished:
            won = self.run.outcome == "won"
            msg = ("Level complete! " if won else "Level over. ") + self.run.reason
            w, h = tx.text_size(msg, 24)
            box = pygame.Rect(0, 0, min(surface.get_width() - 40, w + 40), h + 24)
            box.center = R["lens"].center
            pygame.draw.rect(surface, pal.panel, box, border_radius=10)
            pygame.draw.rect(surface, pal.ok if won else pal.danger, box, 3, border_radius=10)
            tx.draw_text(surface, msg, box.center, tx.fit_size(msg, box.w - 20, 24, 12), pal.text, anchor="center",
                         shadow=False)
        # tooltips: keyboard focus first, else the mouse after a short stillness
        if self.focus is not None and self.focus < len(targets):
            kind, name = targets[self.focus]
            if kind == "lens":
                rr = self.lens_view.region_rect(name)
                info = self.lens_view.identify(rr.center) if rr is not None else None
                from game.view.lens_art import STRUCTURES, structure_key
                s = STRUCTURES.get(structure_key(name))
                if rr is not None and s is not None:
                    self.hud.tooltip.draw(surface, surface.get_rect(), rr.center, s.title, s.line, pal)
                del info
            elif kind == "hud":
                rect = self._hud_rect(name)
                if rect is not None:
                    pygame.draw.rect(surface, pal.highlight, rect.inflate(4, 4), 2, border_radius=8)
                    self.hud.tooltip_for(surface, name, rect.center, pal)
            elif kind == "control":
                rows = self.control_rows()
                i = int(name)
                if i < len(rows) and i < len(self.hud.control_rects):
                    rect = self.hud.control_rects[i][0]
                    self.hud.tooltip.draw(surface, surface.get_rect(), rect.midleft, rows[i].name, rows[i].help, pal)
            return
        if self.still_s >= HOVER_DELAY_S and not self.dragging:
            self._hover_tooltip(surface, pal)

    def _hud_rect(self, name: str) -> pygame.Rect | None:
        if name in self.rects:
            return self.rects[name]
        return self.hud.gauge_rects.get(name)

    def _hover_tooltip(self, surface, pal) -> None:
        pos = self.mouse
        if not surface.get_rect().collidepoint(pos):
            return
        hit = self.lens_view.identify(pos)
        if hit is not None:
            _, title, line = hit
            self.hud.tooltip.draw(surface, surface.get_rect(), pos, title, line, pal)
            return
        for r, row in self.hud.control_rects:
            if r.collidepoint(pos):
                self.hud.tooltip.draw(surface, surface.get_rect(), pos, row.name, row.help, pal)
                return
        for name, rect in self.hud.gauge_rects.items():
            if rect.collidepoint(pos):
                self.hud.tooltip_for(surface, name, pos, pal)
                return
        for name, rect in self.rects.items():
            if name in HUD_INFO and name not in ("lens", "gauges") and rect.collidepoint(pos):
                self.hud.tooltip_for(surface, name, pos, pal)
                return


ONSET = {
    "pyridostigmine": "acts in 15-30 min",
    "pyridostigmine-er": "slow release",
    "edrophonium": "acts in 30-60 s",
    "neostigmine": "acts in minutes",
    "dap": "acts in ~30 min",
    "plex": "days",
    "ivig": "days",
    "steroids": "weeks",
    "thymectomy": "months",
    "ventilation": "at once",
    "ice-pack": "2 min",
}
TREAT_HELP = {
    "pyridostigmine": "AChE inhibitor by mouth: ACh lasts longer, EPPs grow. Lasts 3-4 h; too much causes a crisis.",
    "pyridostigmine-er": "Slow-release pyridostigmine: smoother, longer AChE inhibition.",
    "edrophonium": "Short-acting AChE inhibitor given IV: a quick test, gone in minutes.",
    "neostigmine": "AChE inhibitor given IV: acts within minutes, lasts 20-30 min.",
    "dap": "3,4-Diaminopyridine: blocks K+ channels, widens the terminal AP so more Ca2+ enters and more ACh is released.",
    "plex": "Plasma exchange: removes antibodies from the blood over days.",
    "ivig": "IVIG: pooled antibodies that neutralise the harmful ones over days to weeks.",
    "steroids": "Immunosuppression: fewer antibodies are made; works over weeks.",
    "thymectomy": "Removing the thymus lowers antibody production over months.",
    "ventilation": "A machine breathes for the patient while the muscles are too weak.",
    "ice-pack": "Ice on the eyelid for 2 minutes: a cool junction clears ACh more slowly, so MG transmission improves for a few minutes.",
}


def _drug_names() -> dict[str, str]:
    from game.rules.session import LABELS

    return dict(LABELS)


def _label_words(kind: str) -> list[str]:
    from game.rules.session import LABELS

    return [w.lower().strip("(),") for w in LABELS.get(kind, kind).split() if len(w) > 3]


def _kind(value: str) -> str:
    return value.split(":", 1)[0]


def _onset(value: str) -> str:
    return ONSET.get(_kind(value), "")


def _treat_help(value: str) -> str:
    return TREAT_HELP.get(_kind(value), "")

