"""Receptors: ACh binding two sites of each AChR and opening it, looked up per fibre from the quantal
table (receptor number × AChE activity), and desensitisation built by ACh exposure.

Functional receptors per fibre = fibre scale × immune-set fraction × (1 − antibody block) × (1 − desensitised).
Reads: Receptors, Nerve.impulses (quanta, AChE activity), Model.table, History.enabled.
Writes: ImpulseBlock.achr/q_lin_mV/v_lin_mV (tau_ms when needed), ImpulseRecord.focus_tau_ms/focus_open_peak,
Receptors.available.
"""
from __future__ import annotations

import bisect
import math

import numpy as np

from game.sim.components import History, Inbox, Model, Nerve, Receptors
from game.sim.memo import Memo
from game.sim.systems._access import System

MIN_RECEPTORS = 0.05            # receptor fraction floor in the per-receptor exposure
MAX_STEP_DESENSITISATION = 0.5  # at most half the available receptors desensitise in one impulse
REPETITIVE_BELOW_ACTIVITY = 0.5  # EPC decay per fibre is needed for repetitive firing only when AChE is well blocked


def recover_to(rec: Receptors, tau_s: float, t_s: float, e_0d: np.ndarray | None = None) -> None:
    """Desensitised receptors recover exponentially (exact over any interval). `e_0d`: a 0-d scratch array for
    the decay factor (the system passes its own: filling one is cheaper than making one)."""
    dt = t_s - rec.t_s
    if dt > 0:
        if rec.any_desensitised:
            if e_0d is None:
                e_0d = np.array(0.0)
            e_0d[()] = math.exp(-dt / tau_s)
            a = rec.available           # available = 1 − (1 − available)·e, in place (the array is this component's own)
            _sub(_ONE, a, a)
            _mul(a, e_0d, a)
            _sub(_ONE, a, a)
        rec.t_s = t_s


try:   # np.interp without its Python wrapper (same function, same result)
    from numpy._core.multiarray import interp as _interp
except ImportError:  # pragma: no cover - older numpy
    _interp = np.interp
_sub, _mul, _add, _minimum, _maximum = np.subtract, np.multiply, np.add, np.minimum, np.maximum
_ONE = np.array(1.0)                           # constants as 0-d arrays: the same arithmetic as with floats, but
_ONE.setflags(write=False)                     # ufuncs take them faster (these run for every impulse)
_MAX_STEP = np.array(MAX_STEP_DESENSITISATION)
_MAX_STEP.setflags(write=False)


BLOCK_INTERP_MIN_VALUES = 4096   # interp_rows pays for its few fixed calls from about this many values (measured)
SCAN_MIN_IMPULSES = 8      # a block this long takes its recovery as a scan (recovery_scan); shorter ones, the loop
SCAN_MAX_FIBRES = 400      # ... of at most this many fibres: the scan does ~3·log2(rows) operations per value to the
                           # loop's 4 calls per impulse, and from ~500 fibres the loop costs less (callgrind, measured)
SCAN_MAX_ROWS = 128        # recovery_scan's chunk: at most this many rows and about this many values (measured)
SCAN_CHUNK_VALUES = 32768
MAX_CACHED_FACTORS = 64   # recovery factors kept per time constant (a train's intervals take a few float values)


def interp_slopes(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The slope of each interval of the table, as np.interp computes it."""
    return (ys[1:] - ys[:-1]) / (xs[1:] - xs[:-1])


def interp_rows(x: np.ndarray, xs: np.ndarray, columns: tuple, slopes: tuple,
                scratch: np.ndarray | None = None) -> list[np.ndarray]:
    """[np.interp(x, xs, ys) for ys in columns] for x = impulses × fibres, with np.interp's arithmetic
    (slope·(x − xs[j]) + ys[j], slope from interp_slopes) but without its search for j for every value: a fibre's
    receptors change little within a block, so the interval that holds a fibre's smallest value usually holds all of
    them, and then the whole block is three calls per column. The fibres whose values span a grid point (or leave the
    table) are passed to np.interp itself. `scratch`: an array of x's shape for the intermediate values."""
    lo = _minimum.reduce(x, axis=0)
    hi = _maximum.reduce(x, axis=0)
    j = xs.searchsorted(lo, side="right")
    _sub(j, 1, j)
    _maximum(j, 0, out=j)             # j in 0 .. len(xs) − 2 (a value outside the table is not `inside`)
    _minimum(j, len(xs) - 2, out=j)
    inside = (lo >= xs[j]) & (hi < xs[j + 1])
    d = _sub(x, xs[j], scratch)
    out = []
    for ys, slope in zip(columns, slopes):
        y = _mul(d, slope[j])
        _add(y, ys[j], y)
        out.append(y)
    if not inside.all():
        spanning = np.flatnonzero(~inside)
        x_spanning = x[:, spanning]
        for y, ys in zip(out, columns):
            y[:, spanning] = _interp(x_spanning, xs, ys)
    return out


def interp1(x: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """np.interp for one value, without numpy's per-call overhead."""
    i = bisect.bisect_right(xs, x) - 1
    if i < 0:
        return float(ys[0])
    if i >= len(xs) - 1:
        return float(ys[-1])
    w = (x - xs[i]) / (xs[i + 1] - xs[i])
    return float(ys[i] * (1.0 - w) + ys[i + 1] * w)


class ReceptorSystem(System):
    def __init__(self) -> None:
        super().__init__()
        self._activity: float | None = None
        self._columns: tuple = ()
        self._slopes: tuple = ()
        self._scratch: np.ndarray | None = None
        self._scratch_rows: list = []
        self._table = None
        self._exposure_key: tuple | None = None
        self._exposure: np.ndarray | None = None
        self._scaled_key: tuple | None = None
        self._scaled: np.ndarray | None = None
        self._recovery: Memo | None = None       # recovery factor by interval, for one time constant
        self._recovery_tau_s: float | None = None
        self._e_0d = np.array(0.0)                # 0-d scratch: one impulse's recovery factor (the loop)
        self._scan_work = np.empty((3, 0, 0))     # recovery_scan's work arrays (kept: see scratch)

    def scratch(self, shape: tuple) -> np.ndarray:
        """A work array of this shape, the same one step after step (a new one of a block's size would come from
        fresh pages of memory every time, each page faulted in on first use)."""
        buf = self._scratch
        if buf is None or buf.shape != shape or self._scratch_rows[0].base is not buf:   # (a copied system's rows
            buf = self._scratch = np.empty(shape)                                         # are copies, not views)
            self._scratch_rows = list(buf)     # its rows as views, made once
        return buf

    def recovery_scan(self, es: list, available: np.ndarray, keep: np.ndarray, out: np.ndarray) -> None:
        """The block loop's recurrence for a whole block: out[i] = 1 − (1 − x_i)·e_i, the receptors available at
        impulse i after recovering by the factor e_i, from x_0 = `available` and x_{i+1} = out[i]·keep[i]; then
        available = out[-1]·keep[-1] (in place).

        Each row after the first is an affine map of the one before, out[i] = (1 − e_i) + e_i·keep[i−1]·out[i−1],
        so the rows are a scan of affine maps, composed by recursive doubling (Hillis & Steele 1986): after the
        pass for span s, row i holds the composition of rows i−2s+1 .. i, (α, β) ← (α_i + β_i·α_{i−s}, β_i·β_{i−s}).
        Row 0 holds the map already applied to `available` (β = 0), so in the end α is the answer. About 3·log2(rows)
        calls for a chunk of rows instead of 4 per row; the same values to within rounding (every term is ≥ 0,
        so nothing cancels: tests/test_impulse_paths.py holds it to 1e-12 of the loop). Chunks of at most
        SCAN_MAX_ROWS rows and about SCAN_CHUNK_VALUES values keep the work arrays in cache."""
        n, fibres = out.shape
        rows = max(SCAN_MIN_IMPULSES, min(SCAN_MAX_ROWS, SCAN_CHUNK_VALUES // max(fibres, 1)))
        work = self._scan_work
        if work.shape != (3, rows, fibres):
            work = self._scan_work = np.empty((3, rows, fibres))
        for c0 in range(0, n, rows):
            c1 = min(n, c0 + rows)
            m = c1 - c0
            col = np.array(es[c0:c1])[:, None]
            a, b, b_next, tmp = out[c0:c1], work[0, :m], work[1, :m], work[2, :m]
            _sub(_ONE, col, a)                       # α_i = 1 − e_i
            if es[c0] == 1.0:
                a[0] = available                     # no recovery: the loop copies (1 − (1 − x) need not be x)
            else:
                _sub(_ONE, available, a[0])          # α_0 = 1 − (1 − available)·e_0, as the loop
                _mul(a[0], col[0], a[0])
                _sub(_ONE, a[0], a[0])
            _mul(keep[c0:c1 - 1], col[1:], b[1:])   # β_i = e_i·keep[i−1] (β_0 = 0 is never read: see below)
            s = 1
            while s < m:
                # rows i ≥ s take the map of span s before them, reading α_{i−s} before it changes
                _add(a[s:], _mul(b[s:], a[:m - s], tmp[s:]), a[s:])
                # the next pass reads β only of rows whose span does not reach row 0 (i ≥ 2s): written into the
                # other array, so that no input overlaps its output (numpy would copy it first)
                if 2 * s < m:
                    _mul(b[2 * s:], b[s:m - s], b_next[2 * s:])
                    b, b_next = b_next, b
                s *= 2
            _mul(a[m - 1], keep[c1 - 1], available)

    def exposure_per_quantum(self, rec: Receptors, mem, activity: float) -> np.ndarray:
        """Share of each fibre's receptors desensitised per quantum: ∝ lingering ACh / receptors^x (the
        junction's receptors, desensitised ones included). Cached while receptors and AChE stay the same."""
        key = (rec.global_fraction, rec.blocked, rec.bath_blocked, activity, id(rec.fiber_scale))
        if key != self._exposure_key:
            lingering = 1.0 + mem.desensitisation_lingering_gain * (1.0 - activity) ** mem.desensitisation_lingering_exponent
            scale = rec.global_fraction * (1.0 - rec.blocked) * (1.0 - rec.bath_blocked)
            per_receptor = np.maximum(rec.fiber_scale * scale, MIN_RECEPTORS)
            self._exposure = mem.desensitisation_per_quantum * lingering / per_receptor ** mem.desensitisation_receptor_exponent
            self._exposure_key = key
        return self._exposure

    def scaled_receptors(self, rec: Receptors) -> np.ndarray:
        """fibre scale × immune fraction × (1 − antibody block) × (1 − curare): Receptors.functional() before
        desensitisation, the same product, cached while those stay the same (read-only)."""
        key = (rec.global_fraction, rec.blocked, rec.bath_blocked, id(rec.fiber_scale))
        if key != self._scaled_key:
            scaled = rec.fiber_scale * (rec.global_fraction * (1.0 - rec.blocked) * (1.0 - rec.bath_blocked))
            scaled.setflags(write=False)
            self._scaled, self._scaled_key = scaled, key
        return self._scaled

    def process(self, dt_s: float) -> None:
        blocks = self.c(Nerve).blocks
        if not blocks:
            return
        rec = self.c(Receptors)
        model = self.c(Model)
        mem = model.params.membrane
        grid = model.table.achr
        grid_list = self._grid_list = getattr(self, "_grid_list", None) or list(grid)
        f = model.params.focus_fiber
        hist = self.c(History)
        history = hist.enabled and hist.detail
        reported = history or self.c(Inbox).impulse_events
        tau_s = mem.desensitisation_tau_s
        scaled = self.scaled_receptors(rec)     # immune state and the bath change between steps, not within one
        available = rec.available               # updated in place below (and by recover_to between steps)
        # every impulse of a step sees the same AChE activity (CleftSystem) and quantal table (TemperatureSystem
        # switches it between steps), hence the same table columns and exposure per quantum
        activity = blocks[0].records[0].ache_activity
        if activity != self._activity or model.table is not self._table:
            self._activity = activity
            self._table = model.table   # the table changes with temperature (systems.temperature)
            self._columns = model.table.column(activity)
            self._slopes = tuple(interp_slopes(model.table.achr, col) for col in self._columns[:2])
        exposure = self.exposure_per_quantum(rec, mem, activity)
        v_col, tau_col, open_col = self._columns
        with_tau = history or activity < REPETITIVE_BELOW_ACTIVITY
        if tau_s != self._recovery_tau_s:
            self._recovery_tau_s = tau_s
            self._recovery = Memo(lambda dt: math.exp(-dt / tau_s), MAX_CACHED_FACTORS)
        recovery = self._recovery               # interval -> recovery factor (a train repeats its intervals)
        e_0d = self._e_0d
        for b in blocks:
            quanta = b.quanta
            # ACh per receptor: the same quanta spread over fewer receptors expose each one more, and ACh
            # that AChE does not clear lingers: both desensitise more (greater at MG end plates, §6).
            # keep = 1 − min(quanta·exposure, MAX_STEP) per impulse does not depend on the receptors, so it is
            # computed for the whole block at once; only applying it is sequential
            keep = _mul(quanta, exposure, self.scratch(quanta.shape))
            _minimum(keep, _MAX_STEP, out=keep)
            _sub(_ONE, keep, keep)
            # row i of achr first holds the receptors available at impulse i (recover_to's arithmetic, written
            # into the row instead of in place), the next impulse's start is that row × keep; the functional
            # receptors (scaled × available, = rec.functional()) are then one product for the whole block
            achr = b.achr = np.empty_like(quanta)
            # each impulse's recovery factor since the one before (1.0: no time to recover, or nothing desensitised
            # yet, all receptors available)
            t_rec, desensitised, es = rec.t_s, rec.any_desensitised, []
            for r in b.records:
                dt = r.t_s - t_rec
                if dt > 0:
                    es.append(recovery[dt] if desensitised else 1.0)
                    t_rec = r.t_s
                else:
                    es.append(1.0)
                desensitised = True
            rec.t_s, rec.any_desensitised = t_rec, desensitised
            if len(achr) >= SCAN_MIN_IMPULSES and achr.shape[1] <= SCAN_MAX_FIBRES:
                self.recovery_scan(es, available, keep, achr)   # a long block: a scan instead of 4 calls per impulse
            else:
                for e, a, k in zip(es, achr, self._scratch_rows):     # k: keep's rows
                    if e == 1.0:
                        a[...] = available
                    else:
                        e_0d[()] = e
                        _sub(_ONE, available, a)    # available = 1 − (1 − available)·e
                        _mul(a, e_0d, a)
                        _sub(_ONE, a, a)
                    _mul(a, k, available)
            _mul(achr, scaled, achr)
            # the quantal potential (and EPC decay) per fibre from the table, for the whole block at once
            if achr.size >= BLOCK_INTERP_MIN_VALUES and len(achr) > 1:
                cols = (v_col, tau_col) if with_tau else (v_col,)
                q_lin, *rest = interp_rows(achr, grid, cols, self._slopes[:len(cols)], keep)   # keep is spent
                tau = rest[0] if with_tau else None
            elif len(achr) > 1:
                # taken fibre by fibre (a transposed copy): a fibre's receptors change little from impulse to impulse,
                # so np.interp's search for the grid interval starts at the right one (the same values, found faster)
                by_fibre = achr.T.copy()
                q_lin = _interp(by_fibre, grid, v_col).T.copy()
                tau = _interp(by_fibre, grid, tau_col).T.copy() if with_tau else None
            else:   # one impulse (short steps): nothing to transpose
                q_lin = _interp(achr, grid, v_col)
                tau = _interp(achr, grid, tau_col) if with_tau else None
            b.q_lin_mV, b.tau_ms = q_lin, tau
            b.v_lin_mV = _mul(quanta, q_lin)
            if reported:
                for r, a_f in zip(b.records, achr[:, f].tolist()):
                    r.focus_tau_ms = interp1(a_f, grid_list, tau_col)
                    r.focus_open_peak = interp1(a_f, grid_list, open_col)
