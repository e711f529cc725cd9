"""Every physiological number of the model, in one place, with its unit in its name and its source beside it.

Sources refer to rows of `shared/design/physiology.md` (section number in brackets, e.g. "[§2 RRP]").
[F] = seen in a named source, [GK] = textbook general knowledge, "tuned" = chosen inside a published range
so that the model passes the checks at the end of physiology.md (the test that holds it names the check).

Nothing else in game.sim may contain a physiological constant: systems read these frozen dataclasses.
Conditions (healthy and the MG presets) and muscle groups are named parameter sets at the bottom.
"""
from __future__ import annotations

from dataclasses import field, replace
from types import MappingProxyType

from game.sim.record import record


@record(frozen=True, slots=True)
class Presynaptic:
    # Release machinery: Dodge & Rahamimoff (1967) release ∝ w^4, w = (Ca/K_Ca) / (1 + Ca/K_Ca + Mg/K_Mg).
    ca_cooperativity: float = 4.0            # [§8] log-log slope 3.78 ± 0.2 at low Ca [F]; release ∝ [CaX]^4
    k_ca_mM: float = 1.5                     # tuned: slope ~3.5 at 0.3 mM, ~1.3 at 2 mM ("saturates") [§8 F]
    k_mg_mM: float = 3.0                     # tuned: Mg competes with Ca, lowers release, keeps slope [§8 F]
    p_max: float = 3.2                       # tuned: release per site at full Ca occupancy (w = 1; p is capped at 0.95); gives p ≈ 0.2 at 2 mM Ca / 1 mM Mg so a 3 Hz train runs down over 4 pulses then plateaus [§2, §7 F]
    rrp_sites_mean: float = 200.0            # human release (issue 7): with p ≈ 0.2, m ≈ 40 quanta per impulse; human NMJs release the
                                             # fewest quanta of the species studied, ~20–50 (Slater 2017, IJMS 18:2183 [§2 F qualitative, GK numbers])
    rrp_sites_cv: float = 0.18               # [GK] fibre-to-fibre spread of terminal size
    refill_tau_s: float = 4.0                # [§2] RRP recovery ~seconds [GK]: the slow, Ca-independent refilling of empty sites
    refill_per_impulse: float = 0.4          # tuned: Ca2+-dependent recovery from depression (Dittman & Regehr 1998 [GK]): each impulse
                                             # refills this share of the empty sites within tens of ms, so refilling keeps pace with the
                                             # rate and a 20–50 Hz train plateaus near the 3 Hz level (healthy human muscle transmits
                                             # through maximal voluntary effort: Bigland-Ritchie et al. 1982, J Physiol 330:265 [issue 7])
    refill_fast_tau_s: float = 0.05          # tuned: that Ca2+-dependent refilling follows residual Ca2+ (tens of ms)
    mobilisation_per_impulse: float = 0.0    # activity may also slowly speed refilling (kept as a switch; 0 since augmentation below
                                             # gives the late partial repair of the 3 Hz U-shape on its own)
    mobilisation_max: float = 0.6            # tuned: the slow speed-up raises refilling by at most 60%
    mobilisation_tau_s: float = 6.0          # tuned: decays over seconds
    facilitation_per_impulse: float = 0.08   # [§4] residual-Ca facilitation; MG NMJs facilitate at 5–20 Hz [F]
    facilitation_tau_s: float = 0.06         # [GK] residual Ca clears in tens of ms
    augmentation_max: float = 0.25           # [GK] augmentation (Magleby 1970s): release probability builds over a train and decays in
    augmentation_half_impulses: float = 5.0  # ~5–10 s; saturating (Hill 2), tuned: it starts the partial repair of the 3 Hz train after the
    augmentation_tau_s: float = 7.0          # 4th–5th response (the U-shape [§7 F]) and barely changes fast trains
    ca_load_per_impulse: float = 0.001       # tuned: slow terminal Ca2+ load per impulse (drives post-tetanic potentiation) [§7]
    potentiation_max: float = 0.8            # tuned: post-tetanic potentiation primes up to ×(1 + this) more sites after
                                             # 30–60 s of maximal effort: the decrement is repaired 8 s later [§7 F]
    potentiation_half_load: float = 0.3      # tuned: sigmoid of the load, so that it holds for about a minute after the effort and
    potentiation_hill: float = 4.0           # is gone by 2 min, when post-activation exhaustion shows [§7 F]
    potentiation_unmask_tau_s: float = 0.2   # tuned: potentiation is masked by depression during fast trains and
                                             # shows within a few tenths of a second of a pause [§7 modelling note]
    potentiation_tau_s: float = 60.0         # [§7] facilitation seen in trains within ~10 s; the load decays over a minute [F/tuned]
    reserve_quanta: float = 60000.0          # tuned: the mobilisable store (quanta per fibre) that supplies the RRP (frog: 80% reserve
                                             # [§2 F]); a low store slows refilling: fatigue with use [§10 F] and exhaustion [§7 F]
    refill_reserve_exponent: float = 1.5     # tuned: refilling slows as the reserve that supplies it runs low
    reserve_recovery_tau_s: float = 150.0    # tuned: exhaustion at 2–4 min, recovery within ~10 min [§7 F, GK]
    supply_lag_tau_s: float = 90.0           # tuned: the supply to the RRP follows the store with this lag (recycled vesicles are
                                             # refilled with ACh over minutes [GK]), so exhaustion is deepest 2–4 min after an effort,
                                             # once post-tetanic potentiation has gone [§7 F]
    mepp_rate_per_s: float = 1.0             # [§1] ~0.1–several per s, ~1/s mammal [GK]
    mepp_size_cv: float = 0.3                # [GK] quantal size spread
    dap_ca_entry_gain: float = 1.5           # [§9/game design] 3,4-DAP widens the terminal AP: Ca entry ×(1+gain·effect); raised from 0.6 (issue 7 part B) so 20 mg raises the LEMS resting CMAP 2–3× (McEvoy et al. 1989) [F]; tuned


@record(frozen=True, slots=True)
class Quantum:
    """One quantum in a well-mixed patch of cleft: ACh + 2 binding steps + opening, hydrolysis, escape.

    Units: molecules, ms. The patch holds enough receptors to be nearly saturated by one quantum (the
    "saturating disc" picture), so open channels scale with receptor number (MG) while AChE block mainly
    lengthens the current through rebinding (Wathey 1979).
    """

    ach_per_quantum: float = 10000.0         # [§1] ~5,000–10,000 (Bennett 1997 used 9,000) [F]
    receptors_per_patch: float = 3000.0      # tuned: ~1,500 open at the peak ([§1] ~2,000 [F]); density [§5]
    k_bind_per_molecule_per_ms: float = 0.01  # tuned: ~1/4–1/3 of ACh hydrolysed before binding [§5 GK]
    k_unbind_per_ms: float = 15.0            # [GK] ACh leaves a site in well under a ms
    k_open_per_ms: float = 40.0              # [GK] high-efficacy channel
    channel_open_time_ms: float = 0.33       # [§1] 1.0 ms at 23 °C, 0.3 ms at 39 °C [F]; ~35 °C
    k_hydrolysis_per_ms: float = 20.0        # [§3/§5] cleft cleared within ~1 ms; AChE turnover ~10^4/s [F]
    k_escape_per_ms: float = 2.0             # tuned: diffusion out of the cleft; with AChE blocked the EPC still ends
    integration_step_ms: float = 0.005       # internal Euler step of the quantal ODE (checked against 0.0005 ms)
    integration_span_ms: float = 15.0


@record(frozen=True, slots=True)
class Membrane:
    resting_potential_mV: float = -80.0      # [§10] muscle RMP −80 to −90 mV [F]
    ach_reversal_mV: float = 0.0             # [§3] EPP reversal ~0 mV [F]
    threshold_gap_mean_mV: float = 15.0      # [§4/§10] RMP −80, threshold −65 → 15 mV needed [F Medscape]
    threshold_gap_sd_mV: float = 1.5         # [GK] fibre-to-fibre spread
    time_constant_ms: float = 5.0            # [§3] EPP decays over ~5–10 ms [GK]
    endplate_fast_tau_ms: float = 0.5        # tuned: the local, fast part of the end plate's response to its current. Charge
                                             # injected at the end plate spreads along the fibre cable, so the potential there
                                             # first falls fast, then with τm (Fatt & Katz 1951: the EPP is briefer at the end plate
                                             # than away from it [GK]). The peak of a quantal potential then follows the current
                                             # more than its charge: with 90% AChE block the MEPP grows ×2.1 while the EPC decay
                                             # grows ×2.4 (published ×1.3–2 and ×2–4 [§3 GK]; issue 7 asks ×1.3–2.2)
    endplate_fast_share: float = 0.85        # tuned: share of the end-plate response in the fast part (the rest decays with τm);
                                             # healthy MEPP half-decay ~1.8 ms
    mepp_healthy_mV: float = 0.7             # [§1] MEPP 0.3–1 mV (~0.4–0.8 mV) [F]; sets the quantal conductance scale
    fold_gain: float = 2.4                   # [§4/§5] human end plates: the deep folds, rich in Na+ channels, amplify each quantum's
                                             # effect: the EPP needed for an AP is the threshold gap ÷ this (Slater 2017; Wood & Slater
                                             # 2001 [F qualitative]); tuned so the healthy safety factor is ~3 (human 2–4 [GK])
    fold_na_gap_gain: float = 0.2            # [§4] MG: complement lysis of the folds removes Na+ channels and part of that gain
                                             # (Ruff & Lennon 2008) [F]; share of the gain lost at full fold damage, tuned
    fold_gain_loss_max: float = 0.9          # guard: at most this share of the folds' amplification can be lost (the flat
                                             # sarcolemma between folds keeps some Na+ channels; keeps the EPP needed finite)
    # Sustained depolarisation from ACh that is not cleared (cholinergic crisis, [§3] high-dose inhibition [F]):
    residual_fraction_max: float = 0.114     # tuned: share of an EPP left as a lingering depolarisation at total AChE block
    residual_block_exponent: float = 8.0     # tuned: only near-total AChE block (>90%) leaves ACh lingering
    residual_tau_ms: float = 40.0            # tuned: lingering depolarisation decays fast when AChE works ...
    residual_tau_floor: float = 0.08         # ... and 1/(activity+floor) times slower when it does not
    na_half_inactivation_mV: float = 7.0     # [§3 F] depolarisation → Na-channel inactivation; half point tuned
    na_inactivation_slope_mV: float = 2.0    # tuned
    desensitisation_per_quantum: float = 0.9e-5  # tuned: [§6] share of receptors desensitised per quantum at healthy
                                             # density; more per receptor when receptors are few and when ACh lingers
    desensitisation_lingering_gain: float = 60.0    # tuned: ACh that AChE does not clear desensitises more ...
    desensitisation_lingering_exponent: float = 8.0  # ... but only near-total AChE block matters (as for the residual)
    desensitisation_receptor_exponent: float = 0.5  # tuned: exposure per receptor ∝ 1/receptors^x (greater at MG end plates [§6 F])
    desensitisation_tau_s: float = 20.0     # [§6] recovery over seconds to tens of seconds, slower at MG end plates [F]; tuned: it is what
                                             # makes a sustained effort in MG weaken over 30 s (check 15) and it is gone a minute later
    achr_fiber_cv_healthy: float = 0.10      # [GK] fibre-to-fibre spread of receptor number
    achr_fiber_cv_mg: float = 0.30           # [§6] MG: 75% of muscles below controls, loss varies [F]; spread tuned


@record(frozen=True, slots=True)
class Muscle:
    cmap_total_mV: float = 8.0               # [GK] a supramaximal CMAP of a few to ~10 mV
    sr_ca_tau_ms: float = 20.0               # [§10] twitch 30–100 ms [GK]: Ca transient decay
    force_tau_ms: float = 40.0               # [§10] force follows Ca; fusion ~30–50 Hz (fast) [GK]
    force_sample_delay_ms: float = 28.0      # time to twitch peak with the two time constants above
    ap_duration_ms: float = 3.0              # [§10] muscle AP 1–5 ms [F]
    ap_peak_mV: float = 30.0                 # [GK] the muscle AP overshoots 0 mV to about +30 mV (drawn on the scope)
    conduction_m_per_s: float = 4.0          # [§10] 3–5 m/s [F]
    latent_period_ms: float = 1.5            # [§10] 0.5–2 ms [F]
    refractory_ms: float = 3.0               # [§10/GK] the muscle AP lasts 1–5 ms; a second AP needs the end-plate current to
                                             # outlast it: with AChE blocked the EPC decays 2–4× slower and a single shock can give
                                             # a repetitive CMAP (Besser et al. 1989 [issue 7])
    refractory_threshold_factor: float = 1.8  # tuned: in the relative refractory period a larger depolarisation is needed
    fatigue_per_ap: float = 8e-5             # muscle (metabolic) fatigue: share of twitch force lost per AP of the whole muscle; tuned
                                             # so 30 s at 30 Hz costs < 10% of force (issue 7) while minutes of unbroken fast firing
                                             # cost about half. Healthy fatigue in sustained effort is in the muscle, not the junction
                                             # (Bigland-Ritchie et al. 1982, J Physiol 330:265 [issue 7])
    fatigue_recovery_tau_s: float = 240.0    # [GK] force recovers over minutes of rest


@record(frozen=True, slots=True)
class Drug:
    """A one-compartment (Bateman) effect-site time course and an Emax effect on AChE."""

    absorption_half_life_min: float
    elimination_half_life_min: float
    lag_min: float
    ec50_mg: float                           # amount in the effect compartment giving half the maximal effect
    max_dose_mg: float


# [§9] Pyridostigmine: onset 15–30 (45) min, t½ 90–110 min, effect 3–4 h [F/GK]; 30 mg PO ≈ 1 mg IV.
# ec50 tuned: 60 mg gives ~60% AChE inhibition at its peak (was 32 mg → 56%; lowered with the end plate's fast
# response of issue 7, which makes partial inhibition add a little less to each quantum) so that check 10 holds.
PYRIDOSTIGMINE = Drug(absorption_half_life_min=30.0, elimination_half_life_min=100.0, lag_min=10.0,
                      ec50_mg=30.0, max_dose_mg=240.0)
# [§9] Extended release: lasts ~2.5× longer than IR 60 mg [F]: slower absorption, same elimination.
PYRIDOSTIGMINE_ER = Drug(absorption_half_life_min=150.0, elimination_half_life_min=100.0, lag_min=20.0,
                         ec50_mg=30.0, max_dose_mg=360.0)
# [§9] Edrophonium: 2 mg test then up to 10 mg IV; onset 30–60 s, effect ~1–5 (10) min [F].
EDROPHONIUM = Drug(absorption_half_life_min=0.35, elimination_half_life_min=1.2, lag_min=0.15,
                   ec50_mg=1.6, max_dose_mg=10.0)
# [§9] Neostigmine IV: 0.5 mg IV ≈ 60 mg PO pyridostigmine [F]. Effect peaks at ~7–15 min and red-cell AChE is still
# ~70% inhibited at 30 min (Williams 1978, Br J Clin Pharmacol [issue 7]); gone within a few hours. (The older
# "peak ~5 min, lasts 20–30 min" [§9 F] is the anaesthetic-reversal view of the same drug.)
NEOSTIGMINE = Drug(absorption_half_life_min=3.0, elimination_half_life_min=35.0, lag_min=0.5,
                   ec50_mg=0.3, max_dose_mg=5.0)
# 3,4-diaminopyridine (oral): raises release by prolonging the terminal AP; [GK] onset ~30 min, t½ ~2 h.
DAP = Drug(absorption_half_life_min=20.0, elimination_half_life_min=120.0, lag_min=10.0,
           ec50_mg=10.0, max_dose_mg=40.0)

# A usual single dose of each drug (the `experiment dose` default when no --dose-mg is given).
# [§9] pyridostigmine 60 mg PO; extended release 180 mg; edrophonium 2 mg IV test dose; neostigmine 0.5 mg IV
# (≈ 60 mg PO pyridostigmine) [F]; 3,4-DAP 10 mg PO [GK].
USUAL_DOSE_mg = MappingProxyType({"pyridostigmine": 60.0, "pyridostigmine-er": 180.0, "edrophonium": 2.0,
                                  "neostigmine": 0.5, "dap": 10.0})


@record(frozen=True, slots=True)
class Pharmacology:
    ache_inhibition_max: float = 0.99        # [§3] near-total block possible at high dose [F]
    ache_hill: float = 2.5                   # tuned: effect falls off as the drug is eliminated (3–4 h for pyridostigmine [§9])
    muscarinic_half_inhibition: float = 0.72  # tuned: side effects (SLUDGE, bradycardia) appear at high inhibition [§9 F]
    muscarinic_hill: float = 6.0             # tuned: steep, so therapeutic doses give mild side effects
    cholinergic_crisis_side_effects: float = 0.85   # tuned: muscarinic load that, with weakness, is a crisis
    cholinergic_block_fraction: float = 0.25  # share of fibres in depolarisation block that counts as a crisis
    drugs: MappingProxyType = field(default_factory=lambda: MappingProxyType({
        "pyridostigmine": PYRIDOSTIGMINE,
        "pyridostigmine-er": PYRIDOSTIGMINE_ER,
        "edrophonium": EDROPHONIUM,
        "neostigmine": NEOSTIGMINE,
        "dap": DAP,
    }))


@record(frozen=True, slots=True)
class Immune:
    """Anti-AChR antibodies and junctional receptor turnover, in days."""

    achr_half_life_days: float = 10.0        # [§6] junctional t½ 6–13 d (Stanley & Drachman 1983) [F]
    achr_turnover_gain_per_titre: float = 2.0  # [§6] IgG speeds degradation 2–3× (Drachman 1978; Kao 1977) [F]
    block_max: float = 0.15                  # [§6] direct block is a minor mechanism [F]; size tuned
    block_half_titre: float = 1.0            # tuned
    fold_damage_rate_per_day: float = 0.02   # [§6] complement lysis simplifies folds [F]; rate tuned
    fold_repair_half_life_days: float = 30.0  # [GK] folds rebuild over weeks
    igg_half_life_days: float = 12.0         # [§9] PLEX/IVIG effect wears off by 6–8 wk [F]: pathogenic IgG
                                             # returns faster than bulk IgG (t½ ~21 d [GK]); tuned
    plex_removal_per_exchange: float = 0.55  # [§9] one plasma volume exchange removes ~half of IgG [GK]
    plex_exchanges: int = 5                  # [§9] 5–6 exchanges over ~2 weeks [F]
    plex_interval_days: float = 2.0
    ivig_days: int = 5                       # [§9] 0.4 g/kg/d × 5 d [F]
    ivig_neutralisation_max: float = 0.75    # tuned: improvement in days, peak 2–4 wk [§9 F]
    ivig_half_life_days: float = 10.0        # tuned: wears off by 6–8 wk [§9 F]
    ivig_half_effect_level: float = 1.0      # in units of one day's infusion
    steroid_production_cut_max: float = 0.75 # [§9] days to weeks, full effect months [F/GK]; size tuned
    steroid_onset_tau_days: float = 14.0
    steroid_worsening_max: float = 0.06      # [§9] early transient worsening (Bae et al. 2006, ~40% of patients at high starting
    steroid_worsening_peak_days: float = 6.0  # doses, first 1–2 weeks [issue 7]); size and timing tuned: strength dips between day 3
                                             # and 14, then gains from week 2–3
    thymectomy_production_cut_max: float = 0.5  # [§9] benefit over months to years [F]; size tuned
    thymectomy_onset_tau_days: float = 120.0
    integration_step_days: float = 0.05      # internal step of the immune ODE


@record(frozen=True, slots=True)
class Clinical:
    """Thresholds that turn junction state into the patient's signs."""

    crisis_capacity: float = 0.3             # share of respiratory fibres able to fire below which breathing fails
    crisis_hold_s: float = 30.0              # how long capacity must stay low before a myasthenic crisis
    force_smoothing_s: float = 0.25          # the force the patient shows is smoothed over this time


@record(frozen=True, slots=True)
class Condition:
    """A named patient preset. `antibody_titre` is relative; `achr_target` is the functional AChR the immune
    steady state gives (the titre is solved from it unless the level gives a titre)."""

    name: str
    achr_target: float
    mg: bool
    mechanism_block: float = 0.1
    mechanism_complement: float = 0.4
    mechanism_modulation: float = 0.5
    release_gain: float = 1.0                # quantal content relative to healthy (MG: normal or increased [§6 GK])
    # Contrast conditions (issue 7 part B; 1.0 / None = as in AChR MG):
    ca_channel_fraction: float = 1.0         # Ca2+ entry per impulse relative to healthy (LEMS < 1)
    junction_ache_fraction: float = 1.0      # share of junctional AChE left (anti-MuSK: ColQ anchoring impaired)
    achr_target_by_group: MappingProxyType | None = None   # per muscle group functional AChR (anti-MuSK)
    release_p_cv: float = 0.0                # fibre-to-fibre spread of release probability (LEMS: uneven loss of Ca2+ channels)


# A preparation whose receptors are set below this fraction of healthy (WorldSpec.achr_fraction, a level's
# [patient] achr_fraction) is a damaged end plate: MG's fibre-to-fibre spread of receptors (achr_fiber_cv_mg), and
# the debrief blames the receptors. Dimensionless.
DAMAGED_ACHR_FRACTION = 0.9


# The MG presets' functional AChR fractions were lowered by 2.5–4% when the end plate's fast local response came in
# (issue 7, MEPP gain with AChE block): the same fraction now gives a slightly larger MEPP, and these keep each
# preset's MEPP (and so its calibrated decrement and drug response) where it was.
CONDITIONS = MappingProxyType({
    "healthy": Condition("healthy", achr_target=1.0, mg=False),
    # [§10] ocular MG: milder loss; ocular muscles have a smaller margin (see MuscleGroup)
    "mg-ocular": Condition("mg-ocular", achr_target=0.585, mg=True),
    # [§6] Pestronk 1985: AChR 0.7±0.1 vs 2.1±0.2 ×10^7 → about a third [F]
    "mg-moderate": Condition("mg-moderate", achr_target=0.327, mg=True),
    # [§6] first reports: 70–90% loss [GK]
    # release_gain: a compensatory rise of quantal content at the most depleted junctions (quantal content in MG
    # is normal or increased [§6 GK]); tuned so the resting CMAP of severe MG stays near half of healthy
    "mg-severe": Condition("mg-severe", achr_target=0.192, mg=True, release_gain=1.35),
})


@record(frozen=True, slots=True)
class MuscleGroup:
    """Muscles differ in their margin of safety and speed. The model gives ocular muscles a smaller safety
    margin so that they fatigue first ([§10] 50–65% ocular onset [F]). Why MG shows in the eyes first is not
    settled: a smaller margin (fewer folds), high firing rates, fetal-type receptors and less complement
    protection, and the visibility of a slight squint are all proposed [GK]."""

    name: str
    release_scale: float = 1.0
    force_tau_scale: float = 1.0


MUSCLE_GROUPS = MappingProxyType({
    "eyelid": MuscleGroup("eyelid", release_scale=0.82, force_tau_scale=0.6),
    "extraocular": MuscleGroup("extraocular", release_scale=0.8, force_tau_scale=0.4),
    "bulbar": MuscleGroup("bulbar", release_scale=0.9, force_tau_scale=0.8),
    "limb": MuscleGroup("limb", release_scale=1.0, force_tau_scale=1.0),
    "respiratory": MuscleGroup("respiratory", release_scale=0.95, force_tau_scale=1.0),
})


@record(frozen=True, slots=True)
class LensParams:
    """Geometry, diffusion and the particle calibration of the lens (rates come from params.Quantum).

    Sources as in params.py: rows of physiology.md; "lens" = a choice of the replay (display or numerics);
    "calibrated" = fitted so the particles agree with the quantal table (tests/test_lens.py)."""

    cleft_nm: float = 50.0                 # [§5] primary cleft ~50 nm (20–70) [F]
    fold_depth_nm: float = 300.0           # [§5/GK] junctional folds ~0.5–1 µm deep; shallower here (calibrated: deep folds hide ACh from the receptors)
    fold_width_nm: float = 80.0            # [GK] fold lumen ~50–100 nm
    stripe_nm: float = 350.0               # lens: crest stripe per active zone (one fold mouth each); width = n_az × this
    diffusion_nm2_per_ms: float = 2.4e5    # [§5] free 4–8×10⁵ nm²/ms, ~5× less in a real NMJ (folds included; the lens draws its folds): calibrated between
    capture_nm: float = 20.0               # lens: capture radius above the crest (an AChR stands ~11 nm proud); calibrated
    binding_gain: float = 4.0              # calibrated: mass-action binding rate ÷ share of a patch's ACh in the band
    wall_receptor_depth_nm: float = 100.0  # [§5] AChRs on the crests and the upper part of the folds (<¼ in the depths) [F]
    unbind_offset_nm: float = 28.0         # calibrated: ACh leaving a receptor reappears this far outside the capture band
                                           # (near the terminal), so local rebinding does not outrun the well-mixed table
    substep_ms: float = 1.0 / 300.0        # lens: internal step (3.3 µs, 3 per 0.01 ms frame; Brownian σ ≈ 40 nm, ACh crosses the cleft in ~5 µs)
    ap_lead_ms: float = 0.2                # lens: the AP runs along the last stretch of axon before t = 0
    release_delay_ms: float = 0.25         # [GK] synaptic delay: Ca2+ entry then fusion, ~0.3–0.5 ms in all
    release_jitter_ms: float = 0.025       # [GK] asynchrony of evoked release (gamma, shape 2: sd ≈ 0.035 ms)
    fuse_ms: float = 0.05                  # lens: a vesicle's fusion animation before its ACh is out
    ca_per_active_zone: int = 24           # lens: Ca2+ ions drawn per active zone
    ca_entry_ms: float = 0.3               # [GK] Ca2+ channels open for a few tenths of a ms
    ca_lifetime_ms: float = 0.3            # [GK] Ca2+ buffered/extruded within ~ms (drawn ions fade faster)
    ca_diffusion_nm2_per_ms: float = 2.0e4  # [GK] Ca2+ slowed ~10× by buffers: it stays in nanodomains at the active zones
    flash_ms: float = 0.01                 # lens: decay of the per-AChE cut counter (visual cue)
    max_replay_ms: float = 30.0            # lens: a replay ends here even if some ACh lingers (AChE blocked)
    epp_tail_ms: float = 20.0              # lens: passive EPP decay appended to the traces when a replay ends
    ache_in_folds_share: float = 0.35      # [§5] AChE spread through the basal lamina, which lines the folds


@record(frozen=True, slots=True)
class Params:
    presynaptic: Presynaptic = field(default_factory=Presynaptic)
    quantum: Quantum = field(default_factory=Quantum)
    membrane: Membrane = field(default_factory=Membrane)
    muscle: Muscle = field(default_factory=Muscle)
    pharmacology: Pharmacology = field(default_factory=Pharmacology)
    immune: Immune = field(default_factory=Immune)
    clinical: Clinical = field(default_factory=Clinical)
    lens: LensParams = field(default_factory=LensParams)
    contrast: "Contrast" = field(default_factory=lambda: Contrast())   # issue 7 part B (end of this file)
    focus_fiber: int = 0                     # the junction the lens and the oscilloscope show




def with_changes(params: Params, **sections: dict) -> Params:
    """A copy of `params` with some fields of some sections replaced: with_changes(p, membrane={...})."""
    return replace(params, **{name: replace(getattr(params, name), **chg) for name, chg in sections.items()})


# ======================================================================================================
# Contrast conditions and lab agents (issue 7, part B): Lambert–Eaton, anti-MuSK MG, curare, botulinum
# toxin, an irreversible AChE inhibitor (organophosphate) and temperature (the ice-pack test).
# Sources: [LEMS] Lambert & Elmqvist 1971 (Ann NY Acad Sci 183:183); Fukunaga et al. 1983 (Muscle Nerve
# 6:467, active-zone particles reduced); Oh et al. 2005 (Muscle Nerve 32:515, ≥60% post-exercise increment);
# AAEM (Tim et al. 2000, ≥100% increment). [MuSK] Evoli et al. 2003 (Brain 126:2304); Punga et al. 2006
# (Neurology 66:1740, hypersensitivity to AChE inhibitors); Kawakami et al. 2011 (Neurology 77:1819, MuSK
# antibodies keep ColQ, the anchor of AChE, from MuSK). [curare] Paton & Waud 1967 (J Physiol 191:59).
# [botulinum] Kao, Drachman & Price 1976 (Science 193:1256). [temperature] Anderson & Stevens 1973
# (J Physiol 235:655, channel lifetime Q10 ~2–3); Borenstein & Desmedt 1975 (Arch Neurol 32:152, cooling
# improves MG transmission); Sethi et al. 1987 (Neurology 37:1383) and Golnik et al. 1999 (Ophthalmology
# 106:1282): ice-pack test, 2 min of ice on the lid, ptosis improves in ~80% of ocular MG.
# ======================================================================================================

@record(frozen=True, slots=True)
class Contrast:
    # Lambert–Eaton: fewer Ca2+ channels, so the residual Ca2+ of earlier impulses is a large share of each
    # impulse's Ca2+ and, inside the 4th-power law, raises release several-fold during fast trains.
    lems_residual_fast_per_impulse: float = 0.32   # tuned: Ca2+ left per impulse, relative to one impulse's entry
    lems_residual_fast_tau_s: float = 0.06         # [GK] residual Ca2+ clears in tens of ms (as facilitation)
    lems_residual_slow_per_impulse: float = 0.005  # tuned: augmentation, builds over a second of 50 Hz [LEMS F]
    lems_residual_slow_max: float = 2.5            # tuned: the slow residual saturates
    lems_residual_slow_tau_s: float = 7.0          # [GK] augmentation decays with τ ≈ 7 s (Magleby & Zengel 1976)
    # Irreversible AChE inhibitor (organophosphate): the enzyme is lost, not occupied; activity returns only
    # as new AChE is made and laid down at the junction.
    ache_resynthesis_half_life_days: float = 5.0   # [GK] junctional AChE returns over days to weeks after organophosphates; tuned
    # Temperature: rates scale as Q10^((T − T_ref)/10).
    reference_temperature_c: float = 35.0          # [GK] the model's rates are for ~35 °C (channel open time row)
    ache_q10: float = 2.0                          # [GK] enzyme Q10 ~2 (Q10 of AChE hydrolysis 1.5–2.5); tuned
    channel_q10: float = 2.1                       # [§1 F] open time 1.0 ms at 23 °C, 0.3 ms at 39 °C (Anderson & Stevens 1973)
    temperature_min_c: float = 28.0
    temperature_max_c: float = 40.0
    temperature_table_step_c: float = 6.0          # the quantal ODE is solved at anchors this far apart from 35 °C, linear in between (≤ 4% off solving at each temperature)
    # Ice-pack test on the eyelid
    ice_pack_lid_c: float = 29.0                   # [F Sethi 1987/Golnik 1999: 2 min of ice cools the lid by ~5–8 °C]; tuned
    ice_pack_cooling_tau_s: float = 40.0           # tuned: the lid cools over the first minute of ice
    ice_pack_application_s: float = 120.0          # [F] the test applies ice for 2 minutes
    ice_pack_rewarming_tau_s: float = 120.0        # [F] the improvement fades within a few minutes of removing the ice; tuned


def _by_group(**values: float) -> MappingProxyType:
    return MappingProxyType(values)


CONTRAST_CONDITIONS = MappingProxyType({
    # [LEMS] antibodies remove P/Q-type channels and disorganise the active zones: fewer active zones and fewer
    # particles in each (Fukunaga et al. 1982, Muscle Nerve 5:686; 1983), unevenly from terminal to terminal.
    # Modelled as about a third of the release sites (release_gain) with 80% of the Ca2+ entry at the rest, very
    # unevenly from junction to junction (release_p_cv), all tuned together (issue 7): resting CMAP ~27% of
    # healthy, a 3 Hz decrement (the firing junctions are the ones releasing most, and they run down), large
    # increments at 50 Hz and after effort (Contrast.lems_residual_*), and a recruitment shallow enough that
    # pyridostigmine's larger quanta add little (x1.46) and 3,4-DAP's extra release about doubles the CMAP (x2.45)
    "lems": Condition("lems", achr_target=1.0, mg=False, ca_channel_fraction=0.8, release_gain=0.35,
                      release_p_cv=1.5),
    # [MuSK] IgG4 (no complement): receptors lost mostly in bulbar, neck and breathing muscles, the eyes and
    # limbs less; junctional AChE reduced (ColQ anchoring, proposed), so AChE inhibitors add little and
    # cause excess ACh sooner. Receptor loss by dispersal of the clusters (modelled as "modulation").
    "mg-musk": Condition("mg-musk", achr_target=0.327, mg=True, mechanism_block=0.0, mechanism_complement=0.0,
                         mechanism_modulation=1.0, junction_ache_fraction=0.35,
                         achr_target_by_group=_by_group(eyelid=0.535, extraocular=0.585, bulbar=0.211, limb=0.585,
                                                        respiratory=0.23)),
})
CONDITIONS = MappingProxyType({**CONDITIONS, **CONTRAST_CONDITIONS})

# built last: Params needs the Contrast section defined above
DEFAULT = Params()
