"""Immune: anti-AChR antibodies, receptor turnover and complement damage, and the treatments acting on
them (plasma exchange, IVIG, corticosteroids, thymectomy). Model time in days.

    dAb/dt = P·(1 − steroid cut)·(1 − thymectomy cut) − Ab·ln2/t½(IgG)      plasma exchange: Ab ×= (1 − r)
    Ab_eff = Ab·(1 − IVIG neutralisation)
    dR/dt  = k_deg·(1 − R·(1 + g·Ab_eff))        g: modulation + complement speed receptor loss (2–3×)
    dF/dt  = k_fold·Ab_eff·(1 − F) − F·ln2/t½(repair)              F: fold / Na+ channel damage
    block  = block_max·Ab_eff/(Ab_eff + K)                          antibodies on the ACh site
    steroids: a transient early worsening w(t) = w_max·(t/t_pk)·e^(1 − t/t_pk) of functional receptors

Reads: Clock, Immunity, Model.params. Writes: Immunity, Receptors.global_fraction/blocked,
Endplate.fold_damage.
"""
from __future__ import annotations

import math


from game.sim.components import Clock, Endplate, Immunity, Model, Receptors
from game.sim.params import Immune
from game.sim.systems._access import System, single

SECONDS_PER_DAY = 86400.0
BATCH_DAYS = 60.0 / SECONDS_PER_DAY   # one minute of model time
DEFAULT_TURNOVER_SHARE = 0.9   # modulation + complement in the default mechanism mix
DEFAULT_BLOCK_SHARE = 0.1
DEFAULT_COMPLEMENT_SHARE = 0.4


def turnover_gain(ip: Immune, imm: Immunity) -> float:
    return ip.achr_turnover_gain_per_titre * (imm.modulation_share + imm.complement_share) / DEFAULT_TURNOVER_SHARE


def block_fraction(ip: Immune, imm: Immunity, ab_eff: float) -> float:
    bmax = min(0.6, ip.block_max * imm.block_share / DEFAULT_BLOCK_SHARE)
    return bmax * ab_eff / (ab_eff + ip.block_half_titre) if ab_eff > 0 else 0.0


def fold_rate(ip: Immune, imm: Immunity) -> float:
    return ip.fold_damage_rate_per_day * imm.complement_share / DEFAULT_COMPLEMENT_SHARE


def steady_state(ip: Immune, imm: Immunity, ab_eff: float) -> tuple[float, float, float]:
    """(receptor fraction, blocked share, fold damage) after a long time at a constant titre."""
    achr = 1.0 / (1.0 + turnover_gain(ip, imm) * ab_eff)
    a = fold_rate(ip, imm) * ab_eff
    r = math.log(2.0) / ip.fold_repair_half_life_days
    return achr, block_fraction(ip, imm, ab_eff), a / (a + r) if a > 0 else 0.0


def titre_for_functional_achr(ip: Immune, imm: Immunity, target: float) -> float:
    """The steady titre at which functional AChR (receptors × unblocked) equals `target` (0 < target ≤ 1)."""
    if target >= 1.0:
        return 0.0
    lo, hi = 0.0, 1000.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        achr, block, _ = steady_state(ip, imm, mid)
        if achr * (1.0 - block) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def ivig_neutralisation(ip: Immune, level: float) -> float:
    return ip.ivig_neutralisation_max * level / (level + ip.ivig_half_effect_level) if level > 0 else 0.0


def production_cut(ip: Immune, imm: Immunity, day: float) -> float:
    cut = 1.0
    if imm.steroids_start_days is not None and day > imm.steroids_start_days:
        cut *= 1.0 - ip.steroid_production_cut_max * (1.0 - math.exp(-(day - imm.steroids_start_days) / ip.steroid_onset_tau_days))
    if imm.thymectomy_days is not None and day > imm.thymectomy_days:
        cut *= 1.0 - ip.thymectomy_production_cut_max * (1.0 - math.exp(-(day - imm.thymectomy_days) / ip.thymectomy_onset_tau_days))
    return cut


def steroid_early_worsening(ip: Immune, imm: Immunity, day: float) -> float:
    """Share of end-plate function lost transiently after a high starting dose of steroids (0 = none): rises
    over the first days, largest at ~1 week, gone by about a month (Bae et al. 2006: early worsening in ~40% at
    high starting doses, in the first 1–2 weeks). The mechanism is not settled (a direct steroid effect on
    neuromuscular transmission is proposed); the model takes it as a transient loss of functional receptors."""
    if imm.steroids_start_days is None or day <= imm.steroids_start_days:
        return 0.0
    x = (day - imm.steroids_start_days) / ip.steroid_worsening_peak_days
    return ip.steroid_worsening_max * x * math.exp(1.0 - x)


def advance(ip: Immune, imm: Immunity, to_day: float) -> None:
    """Integrate the immune state from imm.t_days to to_day (exponential-Euler substeps, remainder carried)."""
    k_deg = math.log(2.0) / ip.achr_half_life_days
    k_igg = math.log(2.0) / ip.igg_half_life_days
    k_ivig = math.log(2.0) / ip.ivig_half_life_days
    k_rep = math.log(2.0) / ip.fold_repair_half_life_days
    g = turnover_gain(ip, imm)
    kf = fold_rate(ip, imm)
    while imm.t_days < to_day:
        h = min(ip.integration_step_days, to_day - imm.t_days)
        t0, t1 = imm.t_days, imm.t_days + h
        for when in imm.plex_times_days:
            if t0 <= when < t1:
                imm.antibody *= 1.0 - ip.plex_removal_per_exchange
        for when in imm.ivig_days:
            if t0 <= when < t1:
                imm.ivig_level += 1.0
        prod = imm.production * production_cut(ip, imm, t0)
        # Ab: exact for constant production over the substep
        e = math.exp(-k_igg * h)
        imm.antibody = imm.antibody * e + prod / k_igg * (1.0 - e)
        imm.ivig_level *= math.exp(-k_ivig * h)
        ab_eff = imm.antibody * (1.0 - ivig_neutralisation(ip, imm.ivig_level))
        # R relaxes exactly toward its momentary steady state
        k = k_deg * (1.0 + g * ab_eff)
        r_ss = k_deg / k
        imm.achr = r_ss + (imm.achr - r_ss) * math.exp(-k * h)
        a = kf * ab_eff
        f_ss = a / (a + k_rep) if a > 0 else 0.0
        imm.fold_damage = f_ss + (imm.fold_damage - f_ss) * math.exp(-(a + k_rep) * h)
        imm.t_days = t1


def pending_event(imm: Immunity, to_day: float) -> bool:
    return any(imm.t_days <= d < to_day for d in imm.plex_times_days) or any(imm.t_days <= d < to_day for d in imm.ivig_days)


class ImmuneSystem(System):
    """Integrates lazily: antibodies change over days, so the state is brought up to date once at least
    BATCH_DAYS of model time have passed (or a treatment event falls due), not at every step."""

    def process(self, dt_s: float) -> None:
        clock = self.c(Clock)
        imm = self.c(Immunity)
        ip = self.c(Model).params.immune
        to_day = (clock.t_s + dt_s) / SECONDS_PER_DAY
        if to_day - imm.t_days < BATCH_DAYS and not pending_event(imm, to_day):
            return
        advance(ip, imm, to_day)
        ab_eff = imm.antibody * (1.0 - ivig_neutralisation(ip, imm.ivig_level))
        rec = self.c(Receptors)
        rec.global_fraction = imm.achr * (1.0 - steroid_early_worsening(ip, imm, to_day))
        rec.blocked = block_fraction(ip, imm, ab_eff)
        self.c(Endplate).fold_damage = imm.fold_damage
