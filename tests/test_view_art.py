"""Tests for the view's drawing and sound building blocks (game/view)."""
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from imports import imported_modules  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from game.view import audio as au  # noqa: E402
from game.view import lens_art as la  # noqa: E402
from game.view import palette as pl  # noqa: E402
from game.view import patient as pt  # noqa: E402
from game.view import text as tx  # noqa: E402
from game.view import instruments as wd  # noqa: E402

VIEW_DIR = Path(__file__).resolve().parents[1] / "game" / "view"
SIZES = [(1280, 720), (640, 360), (300, 500), (120, 70), (12, 9), (1, 1)]
READABLE_SIZES = [(1280, 720), (640, 360), (300, 500), (120, 70)]


@pytest.fixture(scope="module", autouse=True)
def _pygame():
    pygame.init()
    pygame.font.init()
    yield


@pytest.fixture(params=pl.PALETTE_NAMES)
def pal(request):
    return pl.get_palette(request.param)


def _surface(size=(1280, 720)):
    s = pygame.Surface(size)
    s.fill((0, 0, 0))
    return s


# --- boundaries ----------------------------------------------------------------------------------------------

def test_view_imports_only_sim_events():
    """The view may only use the frozen dataclasses of game.sim.events from the model side."""
    for path in VIEW_DIR.glob("*.py"):
        for n in imported_modules(path):
            if n.startswith("game.sim"):
                assert n == "game.sim.events", f"{path.name} imports {n}"


# --- palettes ------------------------------------------------------------------------------------------------

def test_palettes_have_all_roles(pal):
    for role in pl.ROLES:
        c = pal[role]
        assert len(c) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in c), role
        assert getattr(pal, role) == c
    assert pl.contrast_ratio(pal.text, pal.background) >= 7.0
    assert pl.contrast_ratio(pal.text_dim, pal.background) >= 4.5
    assert pl.contrast_ratio(pal.text, pal.panel) >= 7.0


def test_okabe_ito_palette_uses_the_eight_colours():
    pal = pl.get_palette("okabe-ito")
    used = set(pal.colours.values())
    assert {pl.OI_ORANGE, pl.OI_SKY_BLUE, pl.OI_BLUISH_GREEN, pl.OI_YELLOW, pl.OI_VERMILLION,
            pl.OI_REDDISH_PURPLE} <= used
    with pytest.raises(KeyError):
        pl.get_palette("rainbow")


def test_kinds_differ_by_shape_not_only_colour():
    particle_kinds = ["ach", "ca", "na", "k"]
    shapes = [pl.MARKERS[k] for k in particle_kinds]
    assert len(set(shapes)) == len(shapes)
    stamps = [frozenset(la.PARTICLE_STAMPS[k]) for k in la.PARTICLE_STAMPS]
    assert len(set(stamps)) == len(stamps)
    assert len(set(pl.TRACE_DASHES)) == len(pl.TRACE_DASHES)
    assert pl.DASHES["threshold"] != pl.DASHES["epp_trace"]
    # receptor states render differently (shape), even when drawn with an all-grey palette
    grey = pl.Palette("grey", {k: (128, 128, 128) for k in pl.ROLES})
    grey = pl.Palette("grey", {**grey.colours, "background": (0, 0, 0)})
    images = []
    for st in la.RECEPTOR_STATES:
        s = pygame.Surface((40, 40))
        s.fill((0, 0, 0))
        la.draw_receptor(s, (20, 30), st, grey, 16)
        images.append(pygame.surfarray.array2d(s).tobytes())
    assert len(set(images)) == len(images)


def test_markers_and_dashes_draw(pal):
    s = _surface((200, 60))
    shapes = set(pl.MARKERS.values()) | {"square"}
    for i, shape in enumerate(sorted(shapes)):
        pl.draw_marker(s, shape, (10 + i * 18, 20), 12, pal.text)
        pl.draw_marker(s, shape, (10 + i * 18, 40), 1, pal.text)
    with pytest.raises(ValueError):
        pl.draw_marker(s, "hexagon", (5, 5), 5, pal.text)
    pl.draw_dashed_polyline(s, pal.text, [(0, 50), (100, 50), (150, 10)], (5, 3), 2)
    pl.draw_dashed_polyline(s, pal.text, [(0, 50)], (5, 3), 1)
    pl.draw_dashed_line(s, pal.text, (0, 0), (0, 0), (), 1)
    pl.hatch_rect(s, pygame.Rect(10, 10, 50, 20), pal.warn)
    pl.hatch_rect(s, pygame.Rect(10, 10, 0, 20), pal.warn)


# --- text -------------------------------------------------------------------------------------------------------

def test_text_scale_and_cache():
    try:
        assert tx.set_text_scale(5) == tx.MAX_SCALE
        assert tx.set_text_scale(0.1) == tx.MIN_SCALE
        tx.set_text_scale(1.0)
        assert tx.get_font(22) is tx.get_font(22)
        small = tx.text_size("Axon terminal", 22)
        tx.set_text_scale(1.5)
        big = tx.text_size("Axon terminal", 22)
        assert big[0] > small[0] * 1.3
    finally:
        tx.set_text_scale(1.0)


def test_text_helpers():
    s = _surface((400, 200))
    r = tx.draw_text(s, "Ca2+ \u2192 ACh\u207a", (10, 10), 22, (255, 255, 255), outline=True)
    assert r.w > 0 and r.h > 0
    assert tx.draw_text(s, "", (0, 0)).w == 0
    lines = tx.wrap_lines("The end-plate potential climbs toward threshold " * 4, 18, 150)
    assert len(lines) > 2 and all(tx.text_size(ln, 18)[0] <= 150 for ln in lines)
    long_word = tx.wrap_lines("acetylcholinesterase" * 5, 18, 60)
    assert all(tx.text_size(ln, 18)[0] <= 60 for ln in long_word)
    used = tx.draw_wrapped(s, "word " * 200, pygame.Rect(10, 40, 200, 60), 18, (255, 255, 255))
    assert 0 < used <= 60
    assert tx.draw_wrapped(s, "x", pygame.Rect(0, 0, 2, 2)) == 0
    box = tx.draw_label(s, "Active zone", (50, 150), (120, 150))
    assert box.left >= 119
    assert tx.fit_size("A long title that will not fit", 40, 30) < 30


# --- lens layout -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_layout_builds_at_any_size(size):
    rect = pygame.Rect((17, 9), size)
    lay = la.LensLayout.from_rect(rect)
    assert lay.rect == rect
    assert lay.regions
    for name in lay.regions:
        assert la.structure_key(name) in la.STRUCTURES, name


@pytest.mark.parametrize("size", READABLE_SIZES)
def test_layout_geometry_inside_and_ordered(size):
    rect = pygame.Rect((31, 13), size)
    lay = la.LensLayout.from_rect(rect)
    inside = rect.inflate(2, 2)

    def ok(p):
        return inside.collidepoint(p[0], p[1])

    # ordered from top to bottom: terminal, cleft, folds, SR, sarcomeres
    assert rect.top <= lay.terminal_rect.top < lay.cleft_top < lay.cleft_bottom < lay.fold_bottom
    assert lay.fold_bottom < min(r.top for r in lay.sr_rects) < lay.sarcomere_rect.top
    assert lay.sarcomere_rect.bottom <= rect.bottom
    assert lay.terminal_rect.bottom <= lay.cleft_top + 1
    # everything the animation needs lies inside the rect, in the right band
    assert lay.receptor_positions and all(ok(p) for p in lay.receptor_positions)
    assert all(abs(p[1] - lay.cleft_bottom) < 1e-6 for p in lay.receptor_positions)
    assert lay.vesicle_positions and all(ok(p) for p in lay.vesicle_positions)
    assert all(lay.terminal_rect.top <= p[1] < lay.cleft_top for p in lay.vesicle_positions)
    assert len(lay.vesicle_zone) == len(lay.vesicle_positions)
    assert all(lay.terminal_rect.left <= x <= lay.terminal_rect.right for x in lay.active_zone_xs)
    assert all(lay.cleft_bottom < p[1] <= lay.fold_bottom and ok(p) for p in lay.na_channel_positions)
    assert all(rect.left <= x <= rect.right for x in lay.t_tubule_xs)
    assert all(x0 < x1 and rect.left <= x0 and x1 <= rect.right for x0, x1 in lay.crest_ranges)
    assert all(ok(p) for p in lay.axon_path[1:])
    assert all(ok(p) for p in lay.membrane_path)
    assert sorted(lay.z_line_xs) == lay.z_line_xs
    for name, r in lay.regions.items():
        assert rect.contains(r), name
    # T-tubules do not fall inside a fold opening
    for tt in lay.t_tubule_xs:
        assert all(abs(tt - xf) > lay.fold_half_width + lay.t_tubule_half_width for xf in lay.fold_xs)


def test_layout_receptor_count_can_be_fixed():
    lay = la.LensLayout.from_rect(pygame.Rect(0, 0, 1280, 720), n_receptors=200)
    assert len(lay.receptor_positions) == 200
    assert la.LensLayout.from_rect(pygame.Rect(0, 0, 1280, 720), n_receptors=0).receptor_positions == []


def test_every_region_has_a_structure_and_identify_finds_it():
    lay = la.LensLayout.from_rect(pygame.Rect(0, 0, 1280, 720))
    keys = {la.structure_key(n) for n in lay.regions}
    for k in ("axon_terminal", "synaptic_vesicles", "active_zone", "synaptic_cleft", "achr", "junctional_folds",
              "na_channels", "sarcolemma", "t_tubule", "sarcoplasmic_reticulum", "sarcomere", "actin", "myosin",
              "z_line", "myelin", "motor_axon", "ache", "mitochondrion"):
        assert k in keys, k
    for key, info in la.STRUCTURES.items():
        assert info.title and 20 < len(info.line) <= 110, key
    assert la.structure_key(lay.identify(lay.receptor_positions[3])) == "achr"
    assert la.structure_key(lay.identify((lay.t_tubule_xs[0], lay.fold_bottom + 5))) == "t_tubule"
    assert la.structure_key(lay.identify(lay.terminal_centre)) in la.STRUCTURES
    assert la.structure_key(lay.identify(lay.sarcomere_rect.center)) in ("myosin", "actin", "z_line", "sarcomere")
    assert lay.identify((-5, -5)) is None
    for name, r in lay.regions.items():
        found = lay.identify(r.center)
        assert found is not None and la.structure_key(found) in la.STRUCTURES


# --- lens drawing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_every_lens_draw_function_runs(size, pal):
    screen = _surface((1300, 740))
    rect = pygame.Rect((5, 7), size)
    lay = la.LensLayout.from_rect(rect)
    for labels in (False, True):
        la.draw_static(screen, lay, pal, labels)
    la.draw_rest_state(screen, lay, pal, ["closed", "open"])
    for f in (0.0, 0.5, 1.0):
        la.draw_sarcomeres(screen, lay, f, pal)
        la.draw_sr_release(screen, lay, f, pal)
    for f in (-0.1, 0.0, 0.3, 1.0, 1.2):
        la.draw_ap_front(screen, lay.axon_path, f, pal)
        la.draw_sarcolemma_ap(screen, lay, f, pal)
    la.draw_labels(screen, lay, pal, shortening=0.5)
    for fus in (0.0, 0.3, 0.7, 1.0):
        la.draw_vesicle(screen, rect.center, lay.vesicle_r, fus, pal)
    for st in la.RECEPTOR_STATES:
        la.draw_receptor(screen, rect.center, st, pal, lay.receptor_size)
    la.draw_antibody(screen, rect.center, True, pal, size=lay.receptor_size)
    la.draw_antibody(screen, rect.center, False, pal, angle=1.0)
    la.draw_ap_front(screen, [], 0.5, pal)
    la.draw_ap_front(screen, [(1, 1)], 0.5, pal)
    surf = la.static_surface(lay, pal, labels=True)
    assert surf.get_size() == rect.size
    assert la.static_surface(lay, pal, labels=True) is surf          # cached


def test_dynamic_drawing_stays_inside_the_lens():
    screen = _surface((400, 300))
    rect = pygame.Rect(100, 80, 160, 90)
    lay = la.LensLayout.from_rect(rect)
    la.draw_sarcomeres(screen, lay, 0.7)
    la.draw_sr_release(screen, lay, 1.0)
    la.draw_sarcolemma_ap(screen, lay, 0.5)
    arr = pygame.surfarray.array2d(screen)
    outside = arr.copy()
    outside[rect.left:rect.right, rect.top:rect.bottom] = 0
    assert not outside.any()
    assert screen.get_clip() == screen.get_rect()


def test_receptor_rejects_unknown_state():
    with pytest.raises(ValueError):
        la.draw_receptor(_surface((20, 20)), (10, 10), "ajar")


def test_lens_render_is_deterministic(pal):
    def render():
        s = _surface((320, 180))
        lay = la.LensLayout.from_rect(s.get_rect())
        la.draw_static(s, lay, pal, labels=False)
        la.draw_rest_state(s, lay, pal, la.RECEPTOR_STATES)
        la.draw_sr_release(s, lay, 0.5, pal)
        la.draw_sarcolemma_ap(s, lay, 0.4, pal)
        rng = np.random.default_rng(3)
        la.draw_particles(s, rng.uniform(0, 320, 500), rng.uniform(0, 180, 500), "ach", pal)
        return pygame.surfarray.array3d(s)

    a, b = render(), render()
    assert np.array_equal(a, b)
    assert a.std() > 5       # it actually drew a picture


# --- particles ---------------------------------------------------------------------------------------------

def test_particles_change_expected_pixels(pal):
    s = _surface((50, 40))
    n = la.draw_particles(s, np.array([10.0, 30.0]), np.array([10.0, 20.0]), "ca", pal)
    assert n == 2
    colour = s.map_rgb(pal.ca)
    arr = pygame.surfarray.array2d(s)
    expected = np.zeros_like(arr, dtype=bool)
    for (x, y) in ((10, 10), (30, 20)):
        for dx, dy in la.PARTICLE_STAMPS["ca"]:
            expected[x + dx, y + dy] = True
    assert np.array_equal(arr == colour, expected)
    assert not s.get_locked()
    _surface((60, 60)).blit(s, (0, 0))       # the pixel array was released

    s2 = _surface((50, 40))
    la.draw_particles(s2, [5.4], [7.9], "ach_small", pal)
    arr2 = pygame.surfarray.array2d(s2)
    assert np.count_nonzero(arr2) == 1 and arr2[5, 7] == s2.map_rgb(pal.ach)


def test_particles_outside_the_surface_never_crash():
    s = _surface((50, 40))
    xs = np.array([-10, -1, 0, 49, 50, 1e9, -1e9, np.nan, np.inf, 25], dtype=float)
    ys = np.array([5, 5, -1, 39, 20, 5, 5, 5, 5, np.nan])
    for kind in la.PARTICLE_STAMPS:
        la.draw_particles(s, xs, ys, kind)
    la.draw_particles(s, np.array([]), np.array([]), "ach")
    la.draw_particles(s, [1.0, 2.0, 3.0], [1.0], "ach")              # mismatched lengths: shortest wins
    with pytest.raises(ValueError):
        la.draw_particles(s, [1.0], [1.0], "photon")


def test_particles_respect_clip_and_24bit_fallback(pal):
    s = _surface((40, 40))
    la.draw_particles(s, [5.0, 30.0], [5.0, 30.0], "k", pal, clip=pygame.Rect(0, 0, 20, 20))
    arr = pygame.surfarray.array2d(s)
    assert arr[:20, :20].any() and not arr[20:, :].any() and not arr[:, 20:].any()
    s24 = pygame.Surface((30, 30), depth=24)
    s24.fill((0, 0, 0))
    la.draw_particles(s24, [10.0, -3.0], [10.0, 50.0], "ca", pal)
    assert tuple(s24.get_at((10, 10)))[:3] == pal.ca


def test_bench_fifty_thousand_particles(benchmark):
    """Speed of drawing 50,000 particles at 1280x720: a benchmark (`--benchmark-enable`), never a timed
    assertion; as a plain test it checks that every on-screen particle is drawn."""
    s = _surface((1280, 720))
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-20, 1300, 50_000), rng.uniform(-20, 740, 50_000)
    benchmark(la.draw_particles, s, xs, ys, "ca")
    assert pygame.surfarray.array3d(s).any()


# --- widgets --------------------------------------------------------------------------------------------------

WIDGET_RECTS = [pygame.Rect(10, 10, 620, 320), pygame.Rect(0, 0, 200, 100), pygame.Rect(3, 3, 40, 20),
                pygame.Rect(0, 0, 5, 5), pygame.Rect(-20, -20, 100, 60)]


@pytest.mark.parametrize("rect", WIDGET_RECTS, ids=lambda r: f"{r.w}x{r.h}")
def test_every_widget_draws(rect, pal):
    s = _surface((700, 400))
    t = np.linspace(0, 20, 4000)
    v = -90 + 30 * np.exp(-t / 3)
    osc = wd.Oscilloscope()
    P = osc.draw(s, rect, [wd.Trace(t, v, "epp_trace", "EPP"), (t, v + 10, "ap_trace", "AP")], pal, cursor_t=5.0)
    assert isinstance(P, pygame.Rect)
    osc.draw(s, rect, v, pal, threshold=None, rest=None)                   # a bare array
    osc.draw(s, rect, (t, v), pal, y_range=(0, 0), t_range=(5, 5))           # degenerate ranges
    osc.draw(s, rect, None, pal, cursor_t=100.0)
    osc.draw(s, rect, [wd.Trace(np.array([1.0]), np.array([np.nan]))], pal)
    tt = np.arange(0, 60, 0.05)
    wd.StripChart().draw(s, rect, tt, 0.5 + 0.3 * np.sin(tt), pal, demand_t=[0, 20, 40], demand=[0.3, 0.9, 0.0])
    wd.StripChart().draw(s, rect, [], [], pal)
    for value in (0.0, 0.3, 0.7, 1.0, 2.0, float("nan")):
        wd.Gauge("Readily releasable pool", warn=0.4, danger=0.2, low_is_bad=True).draw(s, rect, value, pal, marker=0.5)
        wd.Meter("Side effects", warn=0.5, danger=0.8).draw(s, rect, value, pal)
    clock = wd.ModelClock()
    for speed, paused in ((0.01, False), (1.0, False), (3600.0, False), (1.0, True), (0.0, False)):
        clock.draw(s, rect, 12.345, speed, pal, paused=paused)
    log = wd.EventLog(max_lines=3)
    for i in range(5):
        log.push(f"line {i} " + "long words " * i, t_s=i * 10.0, level=("info", "ok", "warn", "danger", "x")[i])
    assert len(log.lines) == 3
    log.draw(s, rect, pal)
    wd.EventLog().draw(s, rect, pal)
    box = wd.Tooltip().draw(s, rect, (rect.right - 2, rect.bottom - 2), "Axon terminal",
                            la.STRUCTURES["axon_terminal"].line, pal)
    if rect.w >= 100:
        assert rect.contains(box) or box.w > rect.w or box.h > rect.h
    chip = wd.Chip("Labels", "L")
    for on in (True, False):
        chip.draw(s, rect, on, pal, hovered=True, focused=on, enabled=not on)
    assert chip.preferred_size()[0] > 40
    assert wd.Chip.hit(pygame.Rect(0, 0, 10, 10), (5, 5))


def test_tooltip_stays_on_screen(pal):
    s = _surface((400, 300))
    for point in ((0, 0), (399, 299), (399, 0), (0, 299), (200, 150)):
        box = wd.Tooltip().draw(s, s.get_rect(), point, "Junctional folds", la.STRUCTURES["junctional_folds"].line, pal)
        assert s.get_rect().contains(box)


def test_formatting():
    assert wd.format_model_time(0) == "0:00:00.000"
    assert wd.format_model_time(12.345) == "0:00:12.345"
    assert wd.format_model_time(3 * 3600 + 4 * 60 + 5.678) == "3:04:05.678"
    assert wd.format_model_time(2 * 86400 + 1.5) == "2 d 0:00:01.500"
    assert wd.format_model_time(61, millis=False) == "0:01:01"
    assert wd.format_speed(0.01) == "\u00d70.01 slow motion"
    assert wd.format_speed(1.0) == "\u00d71 real time"
    assert wd.format_speed(5, paused=True) == "paused"
    assert "1 h per s" in wd.format_speed(3600)
    assert wd.format_number(-55) == "\u221255"
    assert wd.format_number(float("nan")) == "-"


def test_gauge_levels():
    pool = wd.Gauge("Pool", warn=0.4, danger=0.2, low_is_bad=True)
    assert [pool.level(v) for v in (0.9, 0.35, 0.1)] == ["ok", "warn", "danger"]
    side = wd.Gauge("Side effects", warn=0.5, danger=0.8)
    assert [side.level(v) for v in (0.1, 0.6, 0.95)] == ["ok", "warn", "danger"]


def test_decimate_keeps_spikes():
    x = np.linspace(0, 100, 100_000)
    y = np.zeros_like(x)
    y[50_000] = 1.0
    xd, yd = wd._decimate(x, y, 100)
    assert xd.size <= 2 * 101 and yd.max() == 1.0


# --- patient ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(400, 450), (300, 200), (60, 80), (8, 8), (3, 3)])
def test_patient_draws_at_any_size(size, pal):
    s = _surface((420, 470))
    rect = pygame.Rect((5, 5), size)
    for name in pt.PRESETS:
        pt.draw_preset(s, rect, name, pal)
    for group in list(pt.MUSCLE_GROUPS) + [None, "unknown"]:
        pt.draw_patient(s, rect, pal, muscle_group=group, eyelid_open=2.0, eye_misalignment=-1, jaw_open=float("nan"),
                        breath_phase=7.3, breath_depth=1.0, limb_lift=1.0, distress=1.0, backdrop=False)
    assert s.get_clip() == s.get_rect()


def test_patient_state_is_visible():
    def img(**kw):
        s = _surface((300, 340))
        pt.draw_patient(s, s.get_rect(), **kw)
        return pygame.surfarray.array3d(s)

    base = img(eyelid_open=1.0)
    for kw in (dict(eyelid_open=0.2), dict(eye_misalignment=1.0), dict(jaw_open=1.0), dict(limb_lift=1.0),
               dict(distress=1.0), dict(breath_phase=0.5, breath_depth=1.0), dict(muscle_group="ocular")):
        changed = np.any(img(**{"eyelid_open": 1.0, **kw}) != base, axis=2).sum()
        assert changed > 20, kw


# --- audio ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", au.SOUND_NAMES)
def test_synthesised_sounds(name):
    x = au.synthesise(name)
    assert x.ndim == 2 and x.shape[1] == 2 and x.dtype == np.float32
    assert 0.01 * au.SAMPLE_RATE < x.shape[0] < 10 * au.SAMPLE_RATE
    assert np.isfinite(x).all()
    assert 0.05 < float(np.abs(x).max()) <= 1.0
    assert np.array_equal(x, au.synthesise(name))             # deterministic
    x[0, 0] = 5.0                                              # a copy: the cache is not touched
    assert au.synthesise(name)[0, 0] != 5.0
    if name != "ambient":                                      # effects start and end near silence
        assert np.abs(x[-1]).max() < 0.05
    out = au.to_mixer_format(au.synthesise(name), 22050, -16, 1)
    assert out.dtype == np.int16 and out.ndim == 1


def test_ambient_loop_is_seamless():
    x = au.synthesise("ambient").astype(np.float64)
    step = np.abs(np.diff(x, axis=0)).max()
    seam = np.abs(x[0] - x[-1]).max()
    assert seam <= 1.5 * step
    assert abs(x.shape[0] / au.SAMPLE_RATE - au.AMBIENT_SECONDS) < 1e-3


def test_unknown_sound_and_quiet_audio():
    with pytest.raises(KeyError):
        au.synthesise("kazoo")
    off = au.Audio(enabled=False)
    assert not off.ok
    off.play("vesicle")
    off.set_volumes(0.5, 0.5, True)
    off.start_music()
    off.stop_music()
    a = au.Audio()
    a.play("receptor")
    a.play("receptor")
    a.play("no-such-sound")
    a.set_volumes(2.0, -1.0, False)
    assert a.music_volume == 1.0 and a.effects_volume == 0.0
    a.close()


def test_mixer_formats():
    x = au.synthesise("twitch")
    for fmt, dtype in ((-16, np.int16), (16, np.uint16), (8, np.uint8), (-8, np.int8), (32, np.float32)):
        out = au.to_mixer_format(x, 44100, fmt, 2)
        assert out.dtype == dtype and out.shape == x.shape
    assert au.to_mixer_format(x, 48000, -16, 2).shape[0] == round(x.shape[0] * 48000 / 44100)


def test_no_nan_in_fake_demo_data():
    from game.view import demo
    t = np.arange(0, 20, 0.01)
    v = demo.fake_epp(t, 52, fire=True)
    assert np.isfinite(v).all() and v.max() > 0 and abs(v[-1] + 90) < 5
    assert not math.isnan(float(demo.fake_force()[1].mean()))
