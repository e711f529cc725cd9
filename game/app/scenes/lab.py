"""The lab bench: a physiology teaching lab on the same model the game uses.

Choose a condition (healthy or one of the MG presets), a stimulus (single, train, 2-3 Hz repetitive nerve
stimulation), drugs with their doses, the bath Ca2+ and Mg2+ and a direct AChE block; watch the CMAP of each
pulse (bars, with the RNS decrement), the focus junction's EPP and the force; put two marks on the EPP trace
to measure; record and export everything as CSV. The model is driven with intents only, like a player.
"""
from __future__ import annotations

import time

import numpy as np
import pygame

from game.app.lab_export import Recording, export_recording
from game.app.loop import STEP_S, FixedStep
from game.app.view_keys import VIEW_ACTIONS, view_action
from game.app.router import make
from game.app.scene import Pop, Push, Scene
from game.sim import intents as it
from game.sim.components import Contractile
from game.sim.events import ImpulseEvent, MeppEvent
from game.sim.experiments import decrement_percent, lab_fibers
from game.sim.params import DEFAULT
from game.sim.spec import CONDITIONS, DRUGS, WorldSpec
from game.sim.world import Sim
from game.ui.forms import Form, Item
from game.view import text as tx
from game.view.hud import Hud
from game.app.lens_player import LensPlayer, junction_from_sim, membrane_trace
from game.view.lens_view import LensView, draw_lens_caption
from game.view.palette import DASHES, draw_dashed_line, mix
from game.view.instruments import Oscilloscope, StripChart, Trace, draw_panel, format_model_time

CONDITION_LABELS = {"healthy": "Healthy", "mg-ocular": "MG, ocular", "mg-moderate": "MG, moderate",
                    "mg-severe": "MG, severe", "lems": "Lambert-Eaton (LEMS)", "mg-musk": "MG, anti-MuSK"}
# bath agents (issue 7 part B): (key, label, WorldSpec field, fraction)
AGENTS = (("none", "None", None, 0.0), ("curare-50", "Curare 50%", "curare_occupancy", 0.5),
          ("curare-75", "Curare 75%", "curare_occupancy", 0.75), ("curare-90", "Curare 90%", "curare_occupancy", 0.9),
          ("botulinum-50", "Botulinum 50%", "botulinum_fraction", 0.5),
          ("botulinum-90", "Botulinum 90%", "botulinum_fraction", 0.9),
          ("organophosphate-90", "Organophosphate 90%", "organophosphate_fraction", 0.9))
TEMPERATURES = (28.0, 31.0, 35.0, 38.0, 40.0)
STIMULI = (("single", "Single impulse"), ("train", "Train"), ("rns", "RNS 3 Hz x 10"), ("rns2", "RNS 2 Hz x 10"))
FREQS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0)
PULSES = (5, 10, 20, 50, 100)
PACES = ((1.0, "real time"), (10.0, "10 s per s"), (60.0, "1 min per s"), (600.0, "10 min per s"))
DOSES = {"pyridostigmine": (30.0, 60.0, 90.0, 120.0), "pyridostigmine-er": (180.0,), "edrophonium": (2.0, 5.0, 10.0),
         "neostigmine": (0.5, 1.0, 2.0), "dap": (5.0, 10.0, 20.0)}
CA_LEVELS = (0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0)
MG_LEVELS = (0.0, 0.5, 1.0, 2.0, 4.0, 6.0, 10.0)
EPP_OVERLAYS = 6
MAX_TRACE_ROWS = 200_000
MODEL_BUDGET_S = 0.03   # wall seconds a frame may spend on the model (windowed; the lab's model time then lags)


class LabScene(Scene):
    name = "lab"

    def __init__(self, ctx, seed: int | None = None) -> None:
        super().__init__(ctx)
        self.seed = ctx.seed if seed is None else seed
        self.condition = "healthy"
        self.pace = 1.0
        self.stimulus = "rns"
        self.freq = 3.0
        self.n_pulses = 10
        self.drug = "pyridostigmine"
        self.dose = 60.0
        self.ca = 2.0
        self.mg = 1.0
        self.ache_block = 0.0
        self.agent = "none"
        self.temperature_c = 35.0
        self.recording = True
        self.rec = Recording()
        self.sim: Sim | None = None
        self.clock = FixedStep()
        self.player = LensPlayer(DEFAULT, seed=self.seed, max_particles=12_000 if ctx.settings.reduced_motion else 40_000)
        self.lens_view = LensView()
        self.hud = Hud()
        self.scope = Oscilloscope("EPP, focus junction", "mV", "ms", y_range=(-95.0, 40.0), t_range=(0.0, 20.0))
        self.strip = StripChart("Force", "% of maximum", window_s=20.0)
        self.t_hist: list[float] = []
        self.f_hist: list[float] = []
        self.epps: list[ImpulseEvent] = []          # the last impulses, for the scope overlay
        self.train_start = 0                        # index in rec.pulses where the current stimulus began
        self.train_held = False
        self.marks: list[tuple[float, float]] = []  # (t_ms, mV) on the scope
        self.cursor_t: float | None = None
        self.mouse = (0, 0)
        self.message = ""
        self.message_level = "info"
        self.rects: dict[str, pygame.Rect] = {}
        self.form = Form(self._items(), "Lab bench", width=360)
        self.build_sim()

    # -- the model ---------------------------------------------------------------------------------------
    def spec(self) -> WorldSpec:
        _, _, field, fraction = next(a for a in AGENTS if a[0] == self.agent)
        agent = {field: fraction} if field else {}
        return WorldSpec(condition=self.condition, muscle_group="limb", n_fibers=lab_fibers(self.condition), ca_mM=self.ca,
                         mg_mM=self.mg, ache_inhibition=self.ache_block, temperature_c=self.temperature_c, **agent)

    def build_sim(self) -> None:
        if self.sim is not None:
            self.sim.close()
        self.sim = Sim(self.spec(), self.seed)
        self.sim.step(0.0)
        self.sim.drain_events()
        self.t_hist.clear()
        self.f_hist.clear()
        self.epps.clear()
        self.train_start = len(self.rec.pulses)
        self.player.set_junction(junction_from_sim(self.sim))

    def close(self) -> None:
        if self.sim is not None:
            self.sim.close()
            self.sim = None
        super().close()

    # -- the form ----------------------------------------------------------------------------------------
    def _items(self) -> list[Item]:
        return [
            Item("Condition", "choice", self.condition, [(c, CONDITION_LABELS[c]) for c in CONDITIONS],
                 on_change=self._set_condition, help="A healthy junction or a myasthenic one (fewer receptors). "
                 "Changing it starts a new preparation."),
            Item("Time", "choice", self.pace, PACES, on_change=lambda v: setattr(self, "pace", v),
                 help="Model time per second: faster to watch drugs act over minutes."),
            Item("Stimulus", "choice", self.stimulus, STIMULI, on_change=lambda v: setattr(self, "stimulus", v),
                 help="Single impulse, a train, or repetitive nerve stimulation (RNS) as in the clinic."),
            Item("Train frequency", "choice", self.freq, [(f, f"{f:g} Hz") for f in FREQS],
                 on_change=lambda v: setattr(self, "freq", v), help="Impulses per second for a train."),
            Item("Train pulses", "choice", self.n_pulses, [(n, str(n)) for n in PULSES],
                 on_change=lambda v: setattr(self, "n_pulses", v), help="How many impulses a train has."),
            Item("Stimulate (Space)", on_activate=self.stimulate, help="Deliver the chosen stimulus to the nerve."),
            Item("Drug", "choice", self.drug, [(d, d) for d in DRUGS], on_change=self._set_drug,
                 help="Choose a drug, then its dose, then give it."),
            Item("Dose", "choice", self.dose, [(d, f"{d:g} mg") for d in DOSES[self.drug]],
                 on_change=lambda v: setattr(self, "dose", v), help="The dose given."),
            Item("Give the dose", on_activate=self.give, help="The drug acts over minutes: speed up time to watch."),
            Item("Bath Ca2+", "choice", self.ca, [(c, f"{c:g} mM") for c in CA_LEVELS], on_change=self._set_ca,
                 help="More calcium in the bath: more ACh per impulse (release rises with about Ca2+ to the 4th)."),
            Item("Bath Mg2+", "choice", self.mg, [(m, f"{m:g} mM") for m in MG_LEVELS], on_change=self._set_mg,
                 help="Magnesium competes with calcium and lowers release."),
            Item("AChE block", "slider", self.ache_block, lo=0.0, hi=1.0, step=0.05, on_change=self._set_block,
                 help="Block AChE directly in the bath: ACh lingers, the EPP grows and lasts longer."),
            Item("Bath agent", "choice", self.agent, [(a[0], a[1]) for a in AGENTS], on_change=self._set_agent,
                 help="Curare occupies receptors; botulinum toxin silences release sites; an organophosphate "
                 "destroys AChE for good. Starts a new preparation."),
            Item("Temperature", "choice", self.temperature_c, [(t, f"{t:g} °C") for t in TEMPERATURES],
                 on_change=self._set_temperature, help="Cooling slows AChE and keeps channels open longer: bigger "
                 "quanta. Starts a new preparation."),
            Item("Record", "toggle", self.recording, on_change=lambda v: setattr(self, "recording", v),
                 help="Keep the pulses and traces for export."),
            Item("Export CSV (E)", on_activate=self.export, help="Save the recording as CSV files (never overwrites)."),
            Item("Clear recording", on_activate=self.clear, help="Forget the recorded pulses and traces."),
            Item("Back to the menu", on_activate=lambda: Pop(), help="Leave the lab (Esc)."),
        ]

    def _set_condition(self, v) -> None:
        self.condition = v
        self.build_sim()
        self.say(f"New preparation: {CONDITION_LABELS[v]}.")

    def _set_agent(self, v) -> None:
        self.agent = v
        self.build_sim()
        self.say(f"New preparation with {dict((a[0], a[1]) for a in AGENTS)[v].lower()} in the bath.")

    def _set_temperature(self, v) -> None:
        self.temperature_c = float(v)
        self.build_sim()
        self.say(f"New preparation at {v:g} °C.")

    def _set_drug(self, v) -> None:
        self.drug = v
        dose_item = next(i for i in self.form.items if i.label == "Dose")
        dose_item.choices = [(d, f"{d:g} mg") for d in DOSES[v]]
        dose_item.value = self.dose = DOSES[v][min(1, len(DOSES[v]) - 1)]

    def _set_ca(self, v) -> None:
        self.ca = v
        self.sim.submit(it.SetBath(ca_mM=v))

    def _set_mg(self, v) -> None:
        self.mg = v
        self.sim.submit(it.SetBath(mg_mM=v))

    def _set_block(self, v) -> None:
        self.ache_block = float(v)
        self.sim.submit(it.SetAChEBlock(self.ache_block))

    def say(self, text: str, level: str = "info") -> None:
        self.message, self.message_level = text, level

    # -- actions -----------------------------------------------------------------------------------------
    def stimulate(self):
        self.train_start = len(self.rec.pulses)
        self._new_stim = True
        if self.stimulus == "single":
            self.sim.submit(it.FireImpulse())
        elif self.stimulus == "train":
            self.sim.submit(it.StartTrain(self.freq, self.n_pulses))
        else:
            hz = 3.0 if self.stimulus == "rns" else 2.0
            self.sim.submit(it.StartTrain(hz, 10))
        return None

    def give(self):
        self.sim.submit(it.GiveDrug(self.drug, float(self.dose)))
        self.say(f"{self.drug} {self.dose:g} mg given at {format_model_time(self.sim.t_s, False)}.")
        return None

    def export(self):
        if self.rec.empty:
            self.say("Nothing recorded yet: stimulate first.", "warn")
            return None
        try:
            paths = export_recording(self.ctx.export_dir(), self.rec)
        except OSError as err:
            self.say(f"Could not save: {err}", "danger")
            return None
        self.say(f"Saved {len(self.rec.pulses)} pulses to {paths[0].parent}{'/'}{paths[0].name} (+ traces, epp)", "ok")
        return None

    def clear(self):
        self.rec.clear()
        self.train_start = 0
        self.say("Recording cleared.")
        return None

    # -- events ------------------------------------------------------------------------------------------
    def resize(self, size) -> None:
        w, h = size
        m = 8
        left = pygame.Rect(m, m, 360, h - 2 * m)
        rx = left.right + m
        rw = w - rx - m
        lens = pygame.Rect(rx, m, rw, int(h * 0.42))
        row2 = pygame.Rect(rx, lens.bottom + m, rw, int(h * 0.29))
        third = (rw - 2 * m) // 3
        self.rects = {
            "form": left, "lens": lens,
            "scope": pygame.Rect(rx, row2.y, third, row2.h),
            "bars": pygame.Rect(rx + third + m, row2.y, third, row2.h),
            "force": pygame.Rect(rx + 2 * (third + m), row2.y, rw - 2 * (third + m), row2.h),
        }
        row3y = row2.bottom + m
        self.rects["table"] = pygame.Rect(rx, row3y, int(rw * 0.62), h - row3y - m)
        self.rects["status"] = pygame.Rect(self.rects["table"].right + m, row3y, rw - self.rects["table"].w - m,
                                           h - row3y - m)
        self.form.set_area(left)
        cap_h = tx.line_height(17) + tx.line_height(16) + 8
        self.rects["lens"] = pygame.Rect(lens.x, lens.y, lens.w, lens.h - cap_h)
        self.rects["caption"] = pygame.Rect(lens.x, lens.bottom - cap_h, lens.w, cap_h)
        self.lens_view.set_rect(self.rects["lens"])

    def handle(self, event):
        ka = self.ctx.bindings.translate(event)
        if ka is not None and ka.action in ("fire", "train", "pause", "help", "replay", "export", "mark") + VIEW_ACTIONS:
            if ka.action == "train":
                if ka.down and not self.train_held:
                    self.train_held = True
                    self.train_start = len(self.rec.pulses)
                    self.sim.submit(it.StartTrain(self.freq))
                elif not ka.down and self.train_held:
                    self.train_held = False
                    self.sim.submit(it.StopTrain())
                return None
            if not ka.down:
                return None
            match ka.action:
                case "fire":
                    return self.stimulate()
                case "pause":
                    self.clock.toggle_pause()
                case _ if ka.action in VIEW_ACTIONS:
                    view_action(ka.action, self.clock, self.lens_view, self.mouse)
                    self._single = self._single or ka.action == "step"
                case "replay":
                    self.player.replay()
                case "export":
                    return self.export()
                case "mark":
                    self.add_mark()
                case "help":
                    return Push(make("help", self.ctx))
            return None
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
            P = self.scope.plot_rect(self.rects["scope"])
            self.cursor_t = self.scope.t_at(self.rects["scope"], event.pos[0]) if P.collidepoint(event.pos) else None
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.scope.plot_rect(self.rects["scope"]).collidepoint(event.pos):
                self.cursor_t = self.scope.t_at(self.rects["scope"], event.pos[0])
                self.add_mark()
                return None
        elif event.type == pygame.MOUSEWHEEL and self.lens_view.rect.collidepoint(self.mouse):
            self.lens_view.zoom_by(1 if event.y > 0 else -1, self.mouse)
            return None
        r = self.form.handle(event)
        if r == "back":
            return Pop()
        return r

    def add_mark(self) -> None:
        if self.cursor_t is None or not self.epps:
            self.say("Point at the EPP trace with the mouse, then click (or press M) to mark.", "warn")
            return
        t = np.array([self.cursor_t])
        v = float(membrane_trace(self.epps[-1], DEFAULT, t)[0])
        if len(self.marks) >= 2:
            self.marks = []
        self.marks.append((self.cursor_t, v))

    # -- per frame ---------------------------------------------------------------------------------------
    def update(self, frame_s: float):
        n = self.clock.advance(frame_s)
        # a fast train at a fast pace on a big preparation (LEMS has 20,000 fibres) can cost more than a frame:
        # past the budget the rest of this frame's steps are dropped, so the bench slows instead of freezing
        # (not headless, where runs must be reproducible)
        deadline = None if self.ctx.headless else time.perf_counter() + MODEL_BUDGET_S
        for _ in range(n):
            if deadline is not None and time.perf_counter() > deadline:
                self.clock.acc_s = 0.0
                break
            t0 = self.sim.t_s
            self.sim.step(STEP_S * self.pace)
            events = self.sim.drain_events()
            r = self.sim.readout()
            c = self.sim.get(Contractile)
            force = float(c.force)                   # the muscle's force now (each twitch shows)
            force = force if force > 5e-4 else 0.0
            self.t_hist.append(r.t_s)
            self.f_hist.append(force)
            if len(self.t_hist) > 8192:
                del self.t_hist[:4096]
                del self.f_hist[:4096]
            if self.recording and len(self.rec.traces) < MAX_TRACE_ROWS:
                self.rec.traces.append((round(r.t_s, 6), force * 100, r.rrp_fraction * 100, r.ache_inhibition * 100))
            junction = None
            for e in events:
                if isinstance(e, ImpulseEvent):
                    junction = junction or junction_from_sim(self.sim)
                    self.on_impulse(e, r)
                    self.player.on_impulse(e, junction)
                elif isinstance(e, MeppEvent):
                    junction = junction or junction_from_sim(self.sim)
                    self.player.on_mepp(e, junction)
            del t0
        if n:
            self.player.set_junction(junction_from_sim(self.sim))
        self.player.update(frame_s, self.clock.speed, self.clock.paused, step=getattr(self, "_single", False))
        self._single = False
        for name in self.player.events:
            self.ctx.audio.play(name)
        self.player.events.clear()
        return None

    def on_impulse(self, e: ImpulseEvent, r) -> None:
        self.epps.append(e)
        del self.epps[:-EPP_OVERLAYS]
        label = dict(STIMULI).get(self.stimulus, self.stimulus) if not self.train_held else f"held {self.freq:g} Hz"
        row = {"pulse": e.pulse, "t_s": round(e.t_s, 6), "stimulus": label, "cmap_mV": e.cmap_mV,
               "fibres_fired_percent": e.fibers_fired_fraction * 100, "epp_mean_mV": e.epp_mV,
               "quantal_content": e.quantal_content, "focus_epp_mV": e.focus_epp_mV,
               "focus_needed_mV": e.focus_needed_mV, "focus_fired": e.focus_fired,
               "failed_stage": e.failed_stage or "", "force_percent": e.force * 100, "ca_mM": r.ca_mM,
               "mg_mM": r.mg_mM, "ache_inhibition_percent": r.ache_inhibition * 100}
        self.rec.pulses.append(row)
        if not self.recording:
            # keep only the current stimulus when not recording (the bars still need it)
            keep = self.rec.pulses[self.train_start:]
            self.rec.pulses[:] = keep
            self.train_start = 0
        t = np.linspace(0.0, 20.0, 400)
        self.rec.epp = list(zip(t.round(4).tolist(), membrane_trace(e, DEFAULT, t).round(3).tolist()))

    # -- drawing -----------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        surface.fill(pal.background)
        R = self.rects
        self.form.draw(surface, pal)
        r = self.sim.readout()
        self.lens_view.draw(surface, self.player, pal, force=r.force, reduced_motion=self.ctx.settings.reduced_motion,
                            inhibition=r.ache_inhibition, frame_s=1 / 60)
        draw_lens_caption(surface, R["caption"], self.player, pal, self.clock.speed, self.clock.paused,
                          self.lens_view.ach_per_dot)
        self.draw_scope(surface, pal)
        self.draw_bars(surface, pal)
        self.strip.draw(surface, R["force"], np.array(self.t_hist), np.array(self.f_hist), pal, now=r.t_s,
                        window_s=max(5.0, 20.0 * self.pace))
        self.draw_table(surface, pal)
        self.draw_status(surface, pal, r)
        hit = self.lens_view.identify(self.mouse)
        if hit is not None:
            self.hud.tooltip.draw(surface, surface.get_rect(), self.mouse, hit[1], hit[2], pal)

    def draw_scope(self, surface, pal) -> None:
        t = np.linspace(0.0, 20.0, 400)
        traces = []
        shown = self.epps if self.cursor_t is None else self.epps[-1:]     # measuring: the newest trace only
        for k, e in enumerate(shown):
            newest = k == len(shown) - 1
            role = "epp_trace" if newest else "text_dim"
            traces.append(Trace(t, membrane_trace(e, DEFAULT, t), role, f"pulse {e.pulse}" if newest else "", ()))
        rest = DEFAULT.membrane.resting_potential_mV
        thr = rest + (self.epps[-1].focus_needed_mV if self.epps else DEFAULT.membrane.threshold_gap_mean_mV)
        note = None if self.epps else "Stimulate: each pulse's EPP appears here"
        P = self.scope.draw(surface, self.rects["scope"], traces, pal, threshold=thr, rest=rest,
                            cursor_t=self.cursor_t if self.epps else None, note=note)
        sx = lambda tm: P.x + tm / 20.0 * P.w  # noqa: E731
        sy = lambda v: P.bottom - (v + 95.0) / 135.0 * P.h  # noqa: E731
        for i, (tm, v) in enumerate(self.marks):
            x, y = sx(tm), sy(v)
            draw_dashed_line(surface, pal.accent, (x, P.y), (x, P.bottom), DASHES["cursor"], 1)
            pygame.draw.circle(surface, pal.accent, (x, y), 5, 2)
            tx.draw_text(surface, "AB"[i], (x + 4, P.y + 2), 16, pal.accent, outline=True, shadow_colour=pal.panel)

    def draw_bars(self, surface, pal) -> None:
        rect = self.rects["bars"]
        pulses = self.rec.pulses[self.train_start:][-30:]
        cmaps = [p["cmap_mV"] for p in pulses]
        dec = decrement_percent(cmaps)
        title = "CMAP per pulse"
        inner = draw_panel(surface, rect, pal, title, "mV")
        if not cmaps:
            tx.draw_wrapped(surface, "Run RNS (3 Hz x 10): in MG the 4th response is smaller than the 1st "
                            "(a decrement over 10% is abnormal).", inner, 16, pal.text_dim)
            return
        top = max(max(cmaps), DEFAULT.muscle.cmap_total_mV * 0.5)
        plot = pygame.Rect(inner.x + 28, inner.y + 22, inner.w - 32, inner.h - 42)
        pygame.draw.rect(surface, mix(pal.panel, pal.background, 0.5), plot)
        for v in (0.0, top / 2, top):
            y = plot.bottom - v / top * plot.h
            pygame.draw.line(surface, pal.grid, (plot.x, y), (plot.right, y), 1)
            tx.draw_text(surface, f"{v:.1f}", (plot.x - 3, y), 14, pal.text_dim, anchor="midright", shadow=False)
        n = len(cmaps)
        bw = plot.w / max(n, 10)
        first = cmaps[0]
        for i, c in enumerate(cmaps):
            h = c / top * plot.h
            bar = pygame.Rect(int(plot.x + i * bw + 2), int(plot.bottom - h), max(2, int(bw - 4)), int(h))
            col = pal.ap_trace if i != 3 else pal.accent
            pygame.draw.rect(surface, col, bar)
            if i == 3:     # the 4th bar (the decrement's reference) is hatched too: not colour alone
                for yy in range(bar.y, bar.bottom, 5):
                    pygame.draw.line(surface, pal.panel, (bar.x, yy), (bar.right - 1, yy), 1)
            if n <= 12:
                tx.draw_text(surface, str(i + 1), (bar.centerx, plot.bottom + 2), 13, pal.text_dim, anchor="midtop",
                             shadow=False)
        y1 = plot.bottom - first / top * plot.h
        draw_dashed_line(surface, pal.text_dim, (plot.x, y1), (plot.right, y1), DASHES["rest"], 1)
        if n >= 4:
            lvl = pal.danger if dec > 10 else pal.ok
            text = f"Decrement 1st to 4th: {dec:.0f}%" + (" (abnormal, over 10%)" if dec > 10 else " (normal)")
            tx.draw_text(surface, text, (inner.x + 2, inner.y), 16, lvl, shadow=False, max_w=inner.w - 4)

    def draw_table(self, surface, pal) -> None:
        rect = self.rects["table"]
        inner = draw_panel(surface, rect, pal, "Per-pulse table", f"{len(self.rec.pulses)} pulses"
                           + (" recorded" if self.recording else ", not recording"))
        cols = (("pulse", "pulse", "{:d}"), ("t_s", "time s", "{:.2f}"), ("cmap_mV", "CMAP mV", "{:.2f}"),
                ("fibres_fired_percent", "fired %", "{:.0f}"), ("quantal_content", "quanta", "{:.0f}"),
                ("focus_epp_mV", "EPP mV", "{:.1f}"), ("focus_needed_mV", "needed", "{:.1f}"),
                ("force_percent", "force %", "{:.0f}"))
        # as many columns as fit, in order of importance (the rest are in the CSV export)
        need = [max(tx.text_size(head, 15)[0], tx.text_size("-888.88", 15)[0]) + 10 for _, head, _ in cols]
        k = len(cols)
        while k > 2 and sum(need[:k]) > inner.w:
            k -= 1
        cols = cols[:k]
        cw = inner.w / len(cols)
        lh = tx.line_height(15) + 1
        for j, (_, head, _) in enumerate(cols):
            tx.draw_text(surface, head, (inner.x + j * cw + cw - 6, inner.y), 15, pal.text_dim, anchor="topright",
                         shadow=False)
        rows = self.rec.pulses[-max(1, (inner.h - lh) // lh):]
        for i, row in enumerate(rows):
            y = inner.y + lh * (i + 1)
            failed = not row.get("focus_fired", True)
            for j, (key, _, fmt) in enumerate(cols):
                v = row.get(key)
                text = fmt.format(v) if v is not None else ""
                tx.draw_text(surface, text, (inner.x + j * cw + cw - 6, y), 15,
                             pal.warn if (failed and key == "focus_epp_mV") else pal.text, anchor="topright",
                             shadow=False)

    def draw_status(self, surface, pal, r) -> None:
        rect = self.rects["status"]
        inner = draw_panel(surface, rect, pal, "Bench")
        lines = [
            f"Model time {format_model_time(r.t_s)}  ({'paused' if self.clock.paused else f'x{self.clock.speed * self.pace:g}'})",
            f"Bath Ca2+ {r.ca_mM:g} mM, Mg2+ {r.mg_mM:g} mM",
            f"AChE inhibition {r.ache_inhibition * 100:.0f}%  (bath block {self.ache_block * 100:.0f}%)",
            f"Ready pool {r.rrp_fraction * 100:.0f}%   receptors {r.achr_fraction * 100:.0f}% of healthy",
        ]
        if r.junction_ache < 0.995:   # anti-MuSK: less enzyme laid down, not a block
            lines.insert(3, f"AChE at the junction {r.junction_ache * 100:.0f}% of healthy")
        if len(self.marks) == 2:
            (ta, va), (tb, vb) = self.marks
            lines.append(f"Marks: A {ta:.2f} ms {va:.1f} mV, B {tb:.2f} ms {vb:.1f} mV")
            lines.append(f"B - A: {tb - ta:+.2f} ms, {vb - va:+.1f} mV")
        elif len(self.marks) == 1:
            ta, va = self.marks[0]
            lines.append(f"Mark A {ta:.2f} ms {va:.1f} mV (click again for B)")
        y = inner.y
        for line in lines:
            if y + tx.line_height(16) > inner.bottom:
                break
            tx.draw_text(surface, line, (inner.x, y), 16, pal.text, shadow=False, max_w=inner.w)
            y += tx.line_height(16)
        if self.message:
            col = {"info": pal.text_dim, "ok": pal.ok, "warn": pal.warn, "danger": pal.danger}[self.message_level]
            tx.draw_wrapped(surface, self.message, pygame.Rect(inner.x, y + 2, inner.w, inner.bottom - y - 2), 15, col)

