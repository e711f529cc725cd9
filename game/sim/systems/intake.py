"""Intake: turns the intents queued since the last step into changes of model state.

Reads: Inbox.intents, Clock. Writes: Nerve, Bath, Cleft, Drugs, Immunity, Objectives; Inbox.events
(DrugEvent, TreatmentEvent, RefusedEvent).
"""
from __future__ import annotations

import math


from game.sim import intents as it
from game.sim.components import Bath, Clock, Cleft, Dose, Drugs, Immunity, Inbox, Model, Nerve, Objectives
from game.sim.events import DrugEvent, RefusedEvent, TreatmentEvent
from game.sim.spec import DRUGS, TREATMENTS
from game.sim.systems._access import System, single

SECONDS_PER_DAY = 86400.0
MAX_TRAIN_HZ = 200.0


class IntakeSystem(System):
    def process(self, dt_s: float) -> None:
        inbox = self.c(Inbox)
        if not inbox.intents:
            return
        pending, inbox.intents = inbox.intents, []
        for intent in pending:
            reason = self.apply(intent)
            if reason:
                inbox.events.append(RefusedEvent(self.c(Clock).t_s, reason))

    def apply(self, intent: object) -> str | None:
        t = self.c(Clock).t_s
        nerve = self.c(Nerve)
        events = self.c(Inbox).events
        match intent:
            case it.FireImpulse(delay_s=d):
                nerve.singles_s.append(t + max(0.0, d))
            case it.StartTrain(frequency_hz=f, pulses=n):
                if not (0.0 < f <= MAX_TRAIN_HZ) or not math.isfinite(f):
                    return f"train frequency must be between 0 and {MAX_TRAIN_HZ:g} Hz (got {f})"
                if n is not None and n < 1:
                    return f"a train needs at least one pulse (got {n})"
                nerve.train_hz, nerve.train_left = float(f), n
                if nerve.train_next_s is None:
                    nerve.train_next_s = t
            case it.StopTrain():
                nerve.train_hz, nerve.train_next_s, nerve.train_left = 0.0, None, None
            case it.SetBath(ca_mM=ca, mg_mM=mg):
                bath = self.c(Bath)
                for name, v in (("Ca2+", ca), ("Mg2+", mg)):
                    if v is not None and not (0.0 <= v <= 20.0):
                        return f"bath {name} must be 0–20 mM (got {v})"
                bath.ca_mM = bath.ca_mM if ca is None else float(ca)
                bath.mg_mM = bath.mg_mM if mg is None else float(mg)
            case it.SetAChEBlock(fraction=f):
                if not (0.0 <= f <= 1.0):
                    return f"AChE block must be a fraction 0–1 (got {f})"
                self.c(Cleft).bath_block = float(f)
            case it.GiveDrug(drug=name, dose_mg=dose, minutes_ago=ago):
                drug = self.c(Model).params.pharmacology.drugs.get(name)
                if drug is None or name not in DRUGS:
                    return f"unknown drug {name!r}; expected one of {', '.join(DRUGS)}"
                if not (0.0 < dose <= drug.max_dose_mg):
                    return f"{name} dose must be above 0 and at most {drug.max_dose_mg:g} mg (got {dose})"
                if not (0.0 <= ago <= 7 * 24 * 60):
                    return f"a dose can be back-dated by 0 to one week (got {ago} min)"
                self.c(Drugs).doses.append(Dose(name, float(dose), t - 60.0 * ago))
                events.append(DrugEvent(t - 60.0 * ago, name, float(dose)))
            case it.StartTreatment(treatment=name):
                return self.start_treatment(name, t, events)
            case it.StopTreatment(treatment=name):
                if name == "ventilation":
                    self.c(Objectives).ventilated = False
                elif name == "steroids":
                    self.c(Immunity).steroids_start_days = None
                else:
                    return f"{name!r} cannot be stopped once started"
                events.append(TreatmentEvent(t, name, False))
            case _:
                return f"not an intent: {intent!r}"
        return None

    def start_treatment(self, name: str, t: float, events: list) -> str | None:
        if name not in TREATMENTS:
            return f"unknown treatment {name!r}; expected one of {', '.join(TREATMENTS)}"
        imm = self.c(Immunity)
        ip = self.c(Model).params.immune
        day = t / SECONDS_PER_DAY
        detail = ""
        if name == "plex":
            imm.plex_times_days.extend(day + i * ip.plex_interval_days for i in range(ip.plex_exchanges))
            detail = f"{ip.plex_exchanges} exchanges, one every {ip.plex_interval_days:g} days"
        elif name == "ivig":
            imm.ivig_days.extend(day + i for i in range(ip.ivig_days))
            detail = f"one infusion a day for {ip.ivig_days} days"
        elif name == "steroids":
            if imm.steroids_start_days is None:
                imm.steroids_start_days = day
        elif name == "thymectomy":
            if imm.thymectomy_days is not None:
                return "the thymus has already been removed"
            imm.thymectomy_days = day
        elif name == "ventilation":
            self.c(Objectives).ventilated = True
        elif name == "ice-pack":   # issue 7 part B: the ice-pack test (params.Contrast)
            c = self.c(Model).params.contrast
            self.c(Bath).ice_on_until_s = t + c.ice_pack_application_s
            detail = f"ice on the eyelid for {c.ice_pack_application_s / 60.0:g} minutes"
        events.append(TreatmentEvent(t, name, True, detail))
        return None
