"""Looking at lazily advanced state at a given model time, without changing it.

The impulse stages advance their state (exactly) only to each impulse's time; between impulses nothing
needs computing. Anything that reads the state between impulses (the readout, the capacity estimate, a
clone, the lens) takes `up_to_date(t_s)`: copies of those components advanced to t_s. The originals are
never touched, so reading can never change what the model does next.
"""
from __future__ import annotations

import copy

from game.sim.components import CalciumEntry, Cleft, Contractile, Endplate, Model, Receptors, VesiclePools
from game.sim.laws import residual_tau_ms
from game.sim.systems import calcium, ec_coupling, endplate, receptors, release
from game.sim.systems._access import single

LAZY = (CalciumEntry, VesiclePools, Receptors, Endplate, Contractile)


def _copy(component):
    out = copy.copy(component)
    for name in component.__slots__:
        value = getattr(component, name)
        if hasattr(value, "copy") and not isinstance(value, (dict, list)):
            setattr(out, name, value.copy())
    return out


def _advance(c: dict[type, object], t_s: float) -> None:
    """Apply every lazy stage's exact advance to the components in `c` (by type), up to model time t_s."""
    params = single(Model).params
    calcium.decay_to(c[CalciumEntry], params.presynaptic, t_s)
    release.refill_to(c[VesiclePools], params.presynaptic, t_s)
    receptors.recover_to(c[Receptors], params.membrane.desensitisation_tau_s, t_s)
    endplate.decay_residual_to(c[Endplate], residual_tau_ms(params.membrane, single(Cleft).activity), t_s)
    ec_coupling.advance_to(c[Contractile], t_s)


def up_to_date(t_s: float) -> dict[type, object]:
    """Copies of the lazily integrated components of the current world, advanced to model time t_s."""
    c = {t: _copy(single(t)) for t in LAZY}
    _advance(c, t_s)
    return c


def bring_up_to_date(t_s: float) -> None:
    """Advance the lazily integrated components themselves to t_s (only for a world nobody will step
    differently afterwards, e.g. a fresh clone)."""
    _advance({t: single(t) for t in LAZY}, t_s)
