"""Report: closes the step. Turns this step's impulses into ImpulseEvents (population summary plus the
focus junction), keeps experiment history rows, and advances the model clock.

Reads: Nerve.impulses and blocks, Model, Sarcolemma. Writes: Inbox.events, History, Nerve.last (its per-fibre rows
filled), Clock.
"""
from __future__ import annotations

import numpy as np

from game.sim.components import Clock, History, Inbox, Model, Nerve
from game.sim.events import ImpulseEvent
from game.sim.systems._access import System, single

_sum = np.add.reduce
RECEPTOR_FAILURE_SHARE = 0.5   # below half the healthy receptor number, blame the receptors
MAX_QUEUED_EVENTS = 5000       # a model nobody drains keeps only its latest events
KEEP_BLOCK_VALUES = 1 << 20    # a step's impulse blocks are kept until the next step ends up to this many impulses × fibres


def failed_stage(r, f: int, achr: float) -> str | None:
    """Where the chain broke at the focus fibre, in the order a student would check it."""
    if r.fired[f]:
        return None
    if r.quanta[f] == 0:
        return "release"
    if r.na_available is not None and r.na_available[f] < 0.5:
        return "na-inactivation"
    if achr < RECEPTOR_FAILURE_SHARE:
        return "receptors"
    return "threshold"


class ReportSystem(System):
    def __init__(self) -> None:
        super().__init__()
        self._previous_blocks: list = []

    def process(self, dt_s: float) -> None:
        nerve = self.c(Nerve)
        clock = self.c(Clock)
        if nerve.impulses:
            model = self.c(Model)
            f = model.params.focus_fiber
            inbox = self.c(Inbox)
            events = inbox.events
            history = self.c(History)
            n = model.n_fibers
            inv_n = 1.0 / n
            for b in nerve.blocks if (inbox.impulse_events or history.enabled) else ():
                # the population sums of the whole block, one call each: a sum along a row is the same
                # (pairwise) reduction as r.quanta.sum() for that impulse alone. Quanta and firings are whole
                # numbers, so their sums are exact and their means are divided (the double nearest the true mean:
                # 196 of 200 fibres is 0.98 itself, not 0.9800000000000001, and a threshold of 0.98 holds)
                qc_means = (_sum(b.quanta, 1) / n).tolist()
                epp_means = (_sum(b.epp_mV, 1) * inv_n).tolist()
                fired_fractions = (_sum(b.fired01, 1) / n).tolist()    # 0/1 floats: the count, exactly (one call,
                                                                       # where np.count_nonzero along an axis casts and sums)
                if inbox.impulse_events or history.detail:
                    b.fill_records()          # these read each impulse fibre by fibre
                if inbox.impulse_events:
                    for r, qc, epp, frac in zip(b.records, qc_means, epp_means, fired_fractions):
                        events.append(impulse_event(r, qc, epp, frac, f))
                if history.enabled:
                    rows = history_rows(b.records, qc_means, epp_means, fired_fractions)
                    if history.detail:
                        for row, r in zip(rows, b.records):
                            row.update(detail(r, inv_n))
                    history.rows.extend(rows)
            # the step's block arrays are freed when the next step's have been made (unless they are large): freed all
            # at once at the end of each step, their pages went back to the system and the next step faulted them in
            # again (a fifth of the time at 2000 fibres); freed a step later, the allocator reuses them
            small = len(nerve.impulses) * model.n_fibers <= KEEP_BLOCK_VALUES
            self._previous_blocks = nerve.blocks if small else []
            last_block = nerve.blocks[-1]
            last_block.fill_records(len(last_block.records) - 1)    # the readout reads the last impulse's fibres
            nerve.last = nerve.impulses[-1]
            nerve.impulses = []
            nerve.blocks = []
        events = self.c(Inbox).events
        if len(events) > MAX_QUEUED_EVENTS:
            del events[:-MAX_QUEUED_EVENTS]
        clock.t_s += dt_s
        clock.dt_s = dt_s
        clock.steps += 1


def impulse_event(r, qc: float, epp: float, frac: float, f: int) -> ImpulseEvent:
    """One impulse's event for the view; qc, epp and frac are the population means."""
    return ImpulseEvent(
        t_s=r.t_s, pulse=r.pulse, quantal_content=qc, epp_mV=epp, fibers_fired_fraction=frac,
        cmap_mV=r.cmap_mV, force=r.force, focus_quanta=int(r.quanta[f]),
        focus_epp_mV=float(r.epp_mV[f]), focus_needed_mV=float(r.needed_mV[f]),
        focus_fired=bool(r.fired[f]), focus_epc_tau_ms=r.focus_tau_ms,
        focus_open_channels_peak=r.focus_open_peak * float(r.quanta[f]),
        focus_sustained_mV=0.0 if r.sustained_mV is None else float(r.sustained_mV[f]),
        focus_na_available=1.0 if r.na_available is None else float(r.na_available[f]),
        failed_stage=failed_stage(r, f, float(r.achr[f])),
    )


def history_rows(records: list, qc: list[float], epp: list[float], frac: list[float]) -> list[dict]:
    """The experiments' history rows of consecutive impulses (qc, epp, frac: their population means), built in one
    loop (a train of 10,000 pulses makes 10,000 of them). The keys are in the order of an RNS response
    (experiments.rns turns a train's rows into its responses in place)."""
    return [{"pulse": r.pulse, "t_s": r.t_s, "quantal_content": q, "epp_mV": e, "fibers_fired_fraction": fr,
             "cmap": r.cmap_mV, "force": r.force, "repetitive_fraction": r.repetitive_fraction}
            for r, q, e, fr in zip(records, qc, epp, frac)]


def detail(r, inv_n: float) -> dict:
    """The per-fibre details a history row carries when History.detail is on (single impulses, not trains)."""
    return {
        "safety_factor": r.epp_mV / (r.needed_mV if r.sustained_mV is None else (r.needed_mV - r.sustained_mV).clip(min=1e-6)),
        "tau_ms_mean": float(r.tau_ms.sum()) * inv_n, "q_lin_mean_mV": float(r.q_lin_mV.sum()) * inv_n,
        "sustained_mV": 0.0 if r.sustained_mV is None else float(r.sustained_mV.sum()) * inv_n,
        "sustained_max_mV": 0.0 if r.sustained_mV is None else float(r.sustained_mV.max()),
        "na_available_mean": 1.0 if r.na_available is None else float(r.na_available.sum()) * inv_n,
    }
