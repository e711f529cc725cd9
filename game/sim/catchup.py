"""Bringing lazily advanced state up to a given model time.

The impulse stages advance their state (exactly) only to each impulse's time; between impulses nothing
needs computing. Anything that reads the state between impulses (the readout, the capacity estimate, a
clone) first calls `bring_up_to_date`, which applies the same exact advances, so the answer does not
depend on when it is asked.
"""
from __future__ import annotations

from game.sim.components import CalciumEntry, Cleft, Contractile, Endplate, Model, Receptors, VesiclePools
from game.sim.laws import residual_tau_ms
from game.sim.systems import calcium, ec_coupling, endplate, receptors, release
from game.sim.systems._access import single


def bring_up_to_date(t_s: float) -> None:
    """Advance every lazily integrated component of the current world to model time t_s."""
    params = single(Model).params
    ca = single(CalciumEntry)
    calcium.decay_to(ca, params.presynaptic, t_s)
    release.refill_to(single(VesiclePools), params.presynaptic, t_s, ca.potentiation)
    receptors.recover_to(single(Receptors), params.membrane.desensitisation_tau_s, t_s)
    endplate.decay_residual_to(single(Endplate), residual_tau_ms(params.membrane, single(Cleft).activity), t_s)
    ec_coupling.advance_to(single(Contractile), t_s)
