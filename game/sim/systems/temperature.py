"""Temperature (issue 7 part B): the muscle's temperature scales the rates of the quantal event, and an ice
pack on the eyelid cools it for a few minutes (the ice-pack test of myasthenia gravis).

Rates scale as Q10^((T − T_ref)/10) (params.Contrast): AChE hydrolysis and channel closing. Cooling slows
both, so each quantum's ACh acts longer and opens channels for longer: quanta give larger potentials and
myasthenic transmission improves; warming does the opposite. The quantal table is the same ODE solved with
the scaled rates; it is normalised to the reference temperature (the healthy MEPP at T_ref), so a cool
junction really gives larger MEPPs. The ODE is solved at anchors 6 °C apart (a fraction of a second each, the
first time one is needed) and the table is interpolated in between, to 0.1 °C.

TemperatureSystem relaxes the muscle temperature toward the ice pack's (while it is on) or the usual one
(exactly, exponentially), and switches the model's quantal table when the temperature crosses a step.
Reads: Bath, Clock, Model. Writes: Bath.temperature_c/table_c, Model.table.
"""
from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache

import numpy as np

from game.sim.components import Bath, Clock, Model
from game.sim.kinetics import QuantalTable, quantal_table, simulate_quantum
from game.sim.params import Contrast, Membrane, Params, Quantum
from game.sim.systems._access import System

_tables: dict[tuple, QuantalTable] = {}
_blended: dict[tuple, QuantalTable] = {}
_MAX_CACHED = 64
RATIO_STEP_MS = 0.004          # the quantal ODE is stable at this step (k_bind·ACh·dt < 1)
RATIO_SPAN_MS = 8.0            # the potential peaks within a few ms at any temperature in range


def quantum_at(q: Quantum, c: Contrast, temperature_c: float) -> Quantum:
    """The quantal rates at a muscle temperature (AChE hydrolysis and channel closing scaled by their Q10)."""
    d = (temperature_c - c.reference_temperature_c) / 10.0
    return replace(q, k_hydrolysis_per_ms=q.k_hydrolysis_per_ms * c.ache_q10 ** d,
                   channel_open_time_ms=q.channel_open_time_ms / c.channel_q10 ** d)


@lru_cache(maxsize=64)
def _raw_peak(q: Quantum, m: Membrane) -> float:
    """Unscaled peak potential of one quantum at a healthy patch (a coarser step: only the ratio between two
    temperatures is used, and the step's error cancels in it)."""
    coarse = replace(q, integration_step_ms=RATIO_STEP_MS, integration_span_ms=RATIO_SPAN_MS)
    return float(simulate_quantum(np.array([1.0]), np.array([1.0]), coarse, m)["v"].max())


def _exact_table(params: Params, anchor_c: float) -> QuantalTable:
    """The quantal ODE solved with the rates at `anchor_c`, rescaled to the reference's mV (cached)."""
    key = (params.quantum, params.membrane, params.contrast, anchor_c)
    if key not in _tables:
        q_t = quantum_at(params.quantum, params.contrast, anchor_c)
        table = quantal_table(q_t, params.membrane)
        gain = _raw_peak(q_t, params.membrane) / _raw_peak(params.quantum, params.membrane)
        if len(_tables) >= _MAX_CACHED:
            _tables.pop(next(iter(_tables)))
        _tables[key] = replace(table, v_lin_mV=table.v_lin_mV * gain)
    return _tables[key]


def table_at(params: Params, temperature_c: float) -> QuantalTable:
    """The quantal table at `temperature_c` (to 0.1 °C), in the reference's mV scale: the ODE is solved at
    anchors every `temperature_table_step_c` from the reference (a fraction of a second each, the first time)
    and the table in between is interpolated linearly, so the response changes smoothly as a lid cools."""
    c = params.contrast
    t = table_temperature(c, temperature_c)
    base = quantal_table(params.quantum, params.membrane)
    if abs(t - c.reference_temperature_c) < 1e-9:
        return base
    key = (params.quantum, params.membrane, c, "at", t)
    if key not in _blended:
        step = c.temperature_table_step_c
        k = math.floor((t - c.reference_temperature_c) / step + 1e-9)
        lo_c = c.reference_temperature_c + k * step
        w = (t - lo_c) / step
        lo = base if k == 0 else _exact_table(params, lo_c)
        if w < 1e-9:
            out = lo
        else:
            hi = base if k + 1 == 0 else _exact_table(params, lo_c + step)
            out = replace(lo, v_lin_mV=lo.v_lin_mV * (1.0 - w) + hi.v_lin_mV * w,
                          tau_ms=lo.tau_ms * (1.0 - w) + hi.tau_ms * w,
                          open_peak=lo.open_peak * (1.0 - w) + hi.open_peak * w)
        if len(_blended) >= _MAX_CACHED:
            _blended.pop(next(iter(_blended)))
        _blended[key] = out
    return _blended[key]


def table_temperature(c: Contrast, temperature_c: float) -> float:
    """The temperature a table is made for: `temperature_c` to the nearest 0.1 °C."""
    return round(temperature_c * 10.0) / 10.0


class TemperatureSystem(System):
    def process(self, dt_s: float) -> None:
        bath = self.c(Bath)
        if bath.ice_on_until_s is None and bath.temperature_c == bath.baseline_c:
            return
        model = self.c(Model)
        c = model.params.contrast
        t0 = self.c(Clock).t_s
        t1 = t0 + dt_s
        temp = bath.temperature_c
        if bath.ice_on_until_s is not None:   # ice on until ice_on_until_s, then the lid rewarms
            on = max(0.0, min(t1, bath.ice_on_until_s) - t0)
            temp = c.ice_pack_lid_c + (temp - c.ice_pack_lid_c) * math.exp(-on / c.ice_pack_cooling_tau_s)
            off = dt_s - on
            if t1 >= bath.ice_on_until_s:
                bath.ice_on_until_s = None
        else:
            off = dt_s
        if off > 0:
            temp = bath.baseline_c + (temp - bath.baseline_c) * math.exp(-off / c.ice_pack_rewarming_tau_s)
            if abs(temp - bath.baseline_c) < 0.05:
                temp = bath.baseline_c
        bath.temperature_c = temp
        step = table_temperature(c, temp)
        if step != bath.table_c:
            bath.table_c = step
            model.table = table_at(model.params, step)
