"""Nerve: the motor axon's action potentials arriving at the terminal, at exact model times.

A train at f Hz puts impulses at t0, t0 + 1/f, ... whatever the step size; single impulses are queued with
their own times. Reads: Clock, Nerve. Writes: Nerve.impulses (this step's ImpulseRecords), Nerve.pulses.
"""
from __future__ import annotations


from game.sim.components import Clock, ImpulseBlock, ImpulseRecord, Model, Nerve
from game.sim.systems._access import System, single

BLOCK_VALUES = 1 << 16   # per-fibre values per 2-D block array (impulses × fibres, 512 kB): a whole 5 s step of a
                         # 20 Hz train at 200 fibres, 32 impulses at 2000 (measured: 2-8 rows are slower there, 16-64
                         # about the same); large muscles get fewer rows, down to one impulse per block


class NerveSystem(System):
    def process(self, dt_s: float) -> None:
        clock = self.c(Clock)
        nerve = self.c(Nerve)
        t0, t1 = clock.t_s, clock.t_s + dt_s
        times: list[float] = []
        if nerve.singles_s:
            due = [t for t in nerve.singles_s if t < t1]
            if due:
                nerve.singles_s = [t for t in nerve.singles_s if t >= t1]
                times.extend(max(t, t0) for t in due)
        if nerve.train_next_s is not None and nerve.train_next_s < t1:
            period = 1.0 / nerve.train_hz
            nxt, left = nerve.train_next_s, nerve.train_left    # the train's state, in local values for the loop
            while nxt < t1:
                times.append(t0 if t0 > nxt else nxt)           # = max(nxt, t0)
                nxt += period
                if left is not None:
                    left -= 1
                    if left <= 0:
                        break
            if left is not None and left <= 0:
                nerve.train_hz, nerve.train_next_s, nerve.train_left = 0.0, None, None
            else:
                nerve.train_next_s, nerve.train_left = nxt, left
        times.sort()
        if not times:
            nerve.impulses, nerve.blocks = [], []
            return
        first = nerve.pulses + 1
        records = [ImpulseRecord(t, first + i) for i, t in enumerate(times)]
        nerve.pulses += len(records)
        nerve.impulses = records
        # the later stages work block by block (components.ImpulseBlock)
        rows = max(1, BLOCK_VALUES // self.c(Model).n_fibers)
        nerve.blocks = ([ImpulseBlock(records)] if len(records) <= rows else
                        [ImpulseBlock(records[i:i + rows]) for i in range(0, len(records), rows)])
