"""Nerve: the motor axon's action potentials arriving at the terminal, at exact model times.

A train at f Hz puts impulses at t0, t0 + 1/f, ... whatever the step size; single impulses are queued with
their own times. Reads: Clock, Nerve. Writes: Nerve.impulses (this step's ImpulseRecords), Nerve.pulses.
"""
from __future__ import annotations


from game.sim.components import Clock, ImpulseRecord, Nerve
from game.sim.systems._access import System, single


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
        if nerve.train_next_s is not None:
            period = 1.0 / nerve.train_hz
            while nerve.train_next_s is not None and nerve.train_next_s < t1:
                times.append(max(nerve.train_next_s, t0))
                nerve.train_next_s += period
                if nerve.train_left is not None:
                    nerve.train_left -= 1
                    if nerve.train_left <= 0:
                        nerve.train_hz, nerve.train_next_s, nerve.train_left = 0.0, None, None
        times.sort()
        records = []
        for t in times:
            nerve.pulses += 1
            records.append(ImpulseRecord(t_s=t, pulse=nerve.pulses))
        nerve.impulses = records
