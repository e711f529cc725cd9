"""The cascade lens drawn: the particle replay of one junction over the procedural cross-section
(`game.view.lens_art`), with zoom, pan, a magnifier on one active zone, and identify-on-hover.

* `LensTransform`: the one mapping from the lens model's nanometres to screen pixels, anchored on the
  `LensLayout` geometry (each active zone of the model sits over an active zone of the picture; the cleft's
  50 nm fill the drawn cleft; fold depths map into the drawn folds; the terminal interior above it).
* `LensView`: draws a lens player (`game.app.lens_player.LensPlayer`: the particle model plus what the
  replay shows now) into a rect.
* `draw_chain`: the six steps of transmission, where the impulse is, and where the chain broke.

This module only reads what it is given: a player object with `lens` (the particle model's drawing state,
in nm), `junction`, `muscle()`, `step_index()`, `failure()`, `current`, `last`, `t_ms` and `shown_rate()`.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pygame

from game.view import lens_art as la
from game.view import text as tx
from game.view.palette import Palette, draw_marker, mix

MAX_SHORTENING = 1.0               # draw_sarcomeres scale: 1 = 30 % shorter (a fused tetanus)
RECEPTOR_STATE_NAMES = ("closed", "bound1", "open", "desensitised", "blocked")
ZOOMS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
INSET_ZOOM = 5.0                   # the magnifier on one active zone
DENSITY_SAMPLE = 12000            # particles sampled for the density wash (it shows relative concentration)
MAX_DRAWN_ACH = 5000               # at zoom 1 at most this many ACh dots (each then stands for several particles)
MAX_FLASHES = 40                   # AChE cuts highlighted at once
SARCOMERE_STEPS = 30               # cached sarcomere drawings between rest and full shortening
_SARCOMERE_CACHE: dict[tuple, pygame.Surface] = {}
_UNIT_LAYOUT: list = []

CHAIN_STEPS: tuple[tuple[str, str], ...] = (
    ("Impulse arrives", "The action potential runs down the motor axon into the terminal."),
    ("Ca2+ enters", "Voltage-gated Ca2+ channels open at the active zones; Ca2+ rushes in."),
    ("ACh released", "Ca2+ makes docked vesicles fuse: each empties one quantum of ACh into the cleft."),
    ("Receptors open", "ACh crosses the cleft; two ACh open a receptor and Na+ flows in. AChE cuts ACh."),
    ("Muscle AP", "The end-plate potential reaches threshold: a muscle action potential runs along the fibre."),
    ("Contraction", "The AP goes down the T-tubules, the SR releases Ca2+ and cross-bridges pull."),
)
CHAIN_SHORT = ("Impulse", "Ca2+ in", "ACh out", "Opening", "AP", "Twitch")   # for narrow chips


def lens_slowdown(rate_ms_per_s: float) -> float:
    """How many times slower than real life the lens shows the junction (e.g. 2000 → "×1/2000")."""
    return 1000.0 / rate_ms_per_s if rate_ms_per_s > 0 else float("inf")


# --- nm → px ----------------------------------------------------------------------------------------------

class LensTransform:
    """Lens model coordinates (nm) → screen pixels, for one layout."""

    def __init__(self, lens: Any, layout: la.LensLayout) -> None:
        self.layout = layout
        L = layout
        az_nm = np.asarray(lens.active_zone_x, dtype=float)
        az_px = np.asarray(L.active_zone_xs, dtype=float)
        n = min(len(az_nm), len(az_px))
        ep_l, ep_r = L.endplate_x
        if n >= 1 and len(az_nm) == len(az_px):
            self.x_nm = np.r_[0.0, az_nm, lens.width_nm]
            self.x_px = np.r_[ep_l, az_px, ep_r]
        else:                                  # different counts: a plain linear map across the end plate
            self.x_nm = np.array([0.0, lens.width_nm])
            self.x_px = np.array([ep_l, ep_r])
        self.fold_nm = np.asarray(lens.fold_x, dtype=float)
        self._fold_order: np.ndarray | None = None
        self.fold_px = np.interp(self.fold_nm, self.x_nm, self.x_px)
        fold_screen = np.asarray(L.fold_xs, dtype=float)
        if len(fold_screen) == len(self.fold_px):
            self.fold_px = fold_screen
        self.cleft_nm = float(lens.cleft_nm)
        self.s_cleft = (L.cleft_bottom - L.cleft_top) / max(1e-9, self.cleft_nm)
        self.s_fold = (L.fold_bottom - L.cleft_bottom) / max(1e-9, float(lens.fold_depth_nm))
        self.s_term = (2.0 * L.vesicle_r) / 40.0            # a vesicle is ~40 nm across
        fw_nm = float(lens.fold_width_nm)
        self.s_fold_x = L.fold_half_width / max(1e-9, fw_nm / 2.0)
        self.top = L.cleft_top
        self.bottom = L.cleft_bottom

    def x(self, x_nm) -> np.ndarray:
        return np.interp(np.asarray(x_nm, dtype=float), self.x_nm, self.x_px)

    def points(self, x_nm, y_nm) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x_nm, dtype=np.float64)
        y = np.asarray(y_nm, dtype=np.float64)
        sx = np.interp(x, self.x_nm, self.x_px)
        sy = np.where(y < 0.0, self.top + y * self.s_term,
                      np.where(y <= self.cleft_nm, self.top + y * self.s_cleft,
                               self.bottom + (y - self.cleft_nm) * self.s_fold))
        deep = y > self.cleft_nm
        if deep.any() and self.fold_nm.size:
            xd = x[deep]
            k = self._nearest_fold(xd)
            sx[deep] = self.fold_px[k] + (xd - self.fold_nm[k]) * self.s_fold_x
        return sx, sy

    def _nearest_fold(self, xd: np.ndarray) -> np.ndarray:
        """Index of the fold nearest each x (nm): a sorted search, not an N × folds distance table."""
        order = self._fold_order
        if order is None:
            order = self._fold_order = np.argsort(self.fold_nm, kind="stable")
        sorted_nm = self.fold_nm[order]
        j = np.clip(np.searchsorted(sorted_nm, xd), 1, len(sorted_nm) - 1) if len(sorted_nm) > 1 else np.zeros(len(xd), int)
        if len(sorted_nm) > 1:
            left = sorted_nm[j - 1]
            j = np.where(np.abs(xd - left) <= np.abs(sorted_nm[j] - xd), j - 1, j)
        return order[j]

    def point(self, x_nm: float, y_nm: float) -> tuple[float, float]:
        sx, sy = self.points([x_nm], [y_nm])
        return float(sx[0]), float(sy[0])


# --- drawing ---------------------------------------------------------------------------------------------

def _visible(surface: pygame.Surface, margin: float) -> pygame.Rect:
    """The part of the surface that drawing can reach (its clip), grown by `margin` px for sprites drawn around
    a point: items centred outside it are skipped (the magnifier draws a small part of a zoomed junction)."""
    m = int(math.ceil(margin))
    return surface.get_clip().inflate(2 * m, 2 * m)


class LensView:
    """Draws a LensPlayer into a rect; zoom, pan and identification of structures."""

    def __init__(self) -> None:
        self.ach_per_dot = 1                 # each ACh dot drawn stands for this many molecules (after a draw)
        self.rect = pygame.Rect(0, 0, 640, 360)
        self.zoom = 1.0
        self.pan = [0.0, 0.0]             # centre offset, in fractions of the zoomed picture
        self.labels = False
        self._layouts: dict[tuple, la.LensLayout] = {}
        self._transform_key: tuple | None = None
        self._transform: LensTransform | None = None
        self.focus_region: str | None = None      # keyboard-focused structure (Tab)
        self._inset: "LensView | None" = None
        self.t_anim = 0.0                 # wall-clock seconds, for gentle idle motion

    # -- geometry -----------------------------------------------------------------------------------------
    def set_rect(self, rect: pygame.Rect) -> None:
        self.rect = pygame.Rect(rect)
        self._clamp_pan()

    def virtual_rect(self) -> pygame.Rect:
        R = self.rect
        w, h = int(R.w * self.zoom), int(R.h * self.zoom)
        cx = R.centerx - self.pan[0] * w
        cy = R.centery - self.pan[1] * h
        return pygame.Rect(int(cx - w / 2), int(cy - h / 2), w, h)

    def layout(self) -> la.LensLayout:
        v = self.virtual_rect()
        key = (v.x, v.y, v.w, v.h)
        lay = self._layouts.get(key)
        if lay is None:
            if len(self._layouts) > 6:
                self._layouts.clear()
            lay = la.LensLayout.from_rect(v)
            self._layouts[key] = lay
        return lay

    def transform(self, lens: Any) -> LensTransform:
        lay = self.layout()
        key = (id(lay), id(lens), len(lens.active_zone_x))
        if self._transform is None or self._transform_key != key:
            self._transform = LensTransform(lens, lay)
            self._transform_key = key
        return self._transform

    def _clamp_pan(self) -> None:
        lim = max(0.0, 0.5 - 0.5 / self.zoom)
        self.pan[0] = min(lim, max(-lim, self.pan[0]))
        self.pan[1] = min(lim, max(-lim, self.pan[1]))

    def zoom_by(self, direction: int, at: Sequence[float] | None = None) -> None:
        """Zoom one notch in (+1) or out (-1), keeping the point `at` (screen) still."""
        zs = ZOOMS
        if direction > 0:
            new = next((z for z in zs if z > self.zoom + 1e-9), zs[-1])
        else:
            new = next((z for z in reversed(zs) if z < self.zoom - 1e-9), zs[0])
        if new == self.zoom:
            return
        if at is not None and self.rect.collidepoint(at):
            v = self.virtual_rect()
            fx = (at[0] - v.x) / max(1, v.w) - 0.5
            fy = (at[1] - v.y) / max(1, v.h) - 0.5
            ox = (at[0] - self.rect.centerx) / (self.rect.w * new)
            oy = (at[1] - self.rect.centery) / (self.rect.h * new)
            self.pan = [fx - ox, fy - oy]
        self.zoom = new
        self._clamp_pan()

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        self.pan[0] -= dx_px / max(1.0, self.rect.w * self.zoom)
        self.pan[1] -= dy_px / max(1.0, self.rect.h * self.zoom)
        self._clamp_pan()

    def reset_view(self) -> None:
        self.zoom = 1.0
        self.pan = [0.0, 0.0]

    def identify(self, pos: Sequence[float]) -> tuple[str, str, str] | None:
        """(region name, title, one line) of the structure under `pos`, or None."""
        if not self.rect.collidepoint(pos):
            return None
        name = self.layout().identify(pos)
        if name is None:
            return None
        info = la.STRUCTURES.get(la.structure_key(name))
        if info is None:
            return None
        return name, info.title, info.line

    def focus_names(self) -> list[str]:
        """Structures in Tab order (one region per kind, top to bottom)."""
        seen: dict[str, str] = {}
        lay = self.layout()
        for name, r in sorted(lay.regions.items(), key=lambda kv: (kv[1].centery, kv[1].centerx)):
            key = la.structure_key(name)
            if key not in seen and key in la.STRUCTURES and r.colliderect(self.rect):
                seen[key] = name
        return list(seen.values())

    def region_rect(self, name: str) -> pygame.Rect | None:
        r = self.layout().regions.get(name)
        return r.clip(self.rect) if r is not None else None

    # -- drawing ------------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, player: Any, pal: Palette, *, force: float = 0.0,
             reduced_motion: bool = False, inhibition: float = 0.0, frame_s: float = 0.0,
             inset: bool = True) -> None:
        R = self.rect
        if R.w < 20 or R.h < 20:
            return
        self.t_anim += frame_s if not reduced_motion else 0.0
        old_clip = surface.get_clip()
        surface.set_clip(R.clip(old_clip) if old_clip else R)
        shortening = self._draw_scene(surface, player, pal, force=force, reduced_motion=reduced_motion,
                                      inhibition=inhibition, max_ach=int(MAX_DRAWN_ACH * self.zoom * self.zoom))
        lay = self.layout()
        if self.labels:
            la.draw_labels(surface, lay, pal, shortening=shortening)
        self._draw_failure_marker(surface, lay, player, pal, reduced_motion)
        if self.focus_region:
            r = lay.regions.get(self.focus_region)
            if r is not None:
                pygame.draw.rect(surface, pal.highlight, r.inflate(6, 6), 2, border_radius=4)
        if inset and not self.labels and self.zoom < 2.0 and self.show_inset(player):
            self._draw_inset(surface, player, pal, force=force, reduced_motion=reduced_motion, inhibition=inhibition)
        surface.set_clip(old_clip)
        pygame.draw.rect(surface, pal.panel_edge, R, 1, border_radius=4)
        if self.zoom > 1.0:
            tx.draw_text(surface, f"zoom x{self.zoom:g}  (Home: whole junction)", (R.right - 8, R.bottom - 6), 15,
                         pal.text_dim, anchor="bottomright", outline=True, shadow_colour=pal.background)

    def _draw_scene(self, surface, player: Any, pal: Palette, *, force: float, reduced_motion: bool,
                    inhibition: float, max_ach: int) -> float:
        """Everything of the junction (no labels or markers); returns the sarcomere shortening drawn."""
        lay = self.layout()
        lens = player.lens
        tf = self.transform(lens)
        surface.blit(la.static_surface(lay, pal, False), lay.rect.topleft)
        ap_frac, sr_level, twitch = player.muscle()
        shortening = min(MAX_SHORTENING, max(twitch, 0.8 * float(force)))
        self._draw_sarcomeres(surface, lay, shortening, pal)
        la.draw_sr_release(surface, lay, sr_level, pal)
        self._draw_inhibited_ache(surface, lay, pal, inhibition)
        self._draw_vesicles(surface, lay, player, tf, pal)
        self._draw_calcium(surface, lay, player, tf, pal)
        n_ach = lens.ach_count
        if n_ach:
            ax, ay = lens.ach_x[:n_ach], lens.ach_y[:n_ach]
            clip = surface.get_clip()
            if clip.w < lay.rect.w * 0.8:
                # only the particles under the visible part of the junction (plus a margin for the folds)
                lo, hi = np.interp([clip.left - 20, clip.right + 20], tf.x_px, tf.x_nm)
                sel = (ax >= lo - 60.0) & (ax <= hi + 60.0)
                ax, ay = ax[sel], ay[sel]
            k = max(1, int(math.ceil(len(ax) / max(1, max_ach))))      # each dot stands for k particles
            self.ach_per_dot = k
            if k > 1:
                self._draw_ach_density(surface, tf, ax, ay, pal)
            xs, ys = tf.points(ax[::k], ay[::k])
            la.draw_particles(surface, xs, ys, "ach" if self.zoom >= 1.5 else "ach_small", pal,
                              clip=surface.get_clip())
        else:
            self.ach_per_dot = 1
        self._draw_hydrolysis(surface, lay, lens, tf, pal, reduced_motion)
        self._draw_receptors(surface, lay, player, tf, pal, reduced_motion)
        self._draw_antibodies(surface, lay, player, pal, reduced_motion)
        if lens.phase == "ap" or (0.0 < lens.ap_fraction < 1.0):
            f = float(lens.ap_fraction)
            w = max(8.0, 14 * lay.unit)
            la.draw_ap_front(surface, lay.axon_path, f, pal, width=w, tail=0.3)
            if 0.0 <= f <= 1.0 and not self.labels:
                head = la.point_along(lay.axon_path, f)
                tx.draw_label(surface, "nerve impulse", head, (head[0] + 3 * w, head[1] + 2.5 * w), pal.ap_trace,
                              15, background=(*pal.panel[:3], 230))
        if ap_frac >= 0.0:
            la.draw_sarcolemma_ap(surface, lay, ap_frac, pal)
        return shortening

    def _draw_ach_density(self, surface, tf: LensTransform, ax, ay, pal: Palette) -> None:
        """Where ACh is too dense to draw one dot per molecule, a wash whose strength follows the local
        concentration (so a crowded cleft reads as 'much ACh here', not as noise). The wash is normalised to
        its densest cell, so an even sample of at most DENSITY_SAMPLE particles gives the same picture."""
        step = max(1, len(ax) // DENSITY_SAMPLE)
        xs, ys = tf.points(ax[::step], ay[::step])
        clip = surface.get_clip()
        cell = 6
        ok = np.isfinite(xs) & np.isfinite(ys)
        xs, ys = xs[ok], ys[ok]
        inside = (xs >= clip.left) & (xs < clip.right) & (ys >= clip.top) & (ys < clip.bottom)
        xs, ys = xs[inside], ys[inside]
        if xs.size == 0:
            return
        nx, ny = max(1, clip.w // cell + 1), max(1, clip.h // cell + 1)
        ix = ((xs - clip.left) // cell).astype(int)
        iy = ((ys - clip.top) // cell).astype(int)
        grid = np.bincount(ix * ny + iy, minlength=nx * ny).reshape(nx, ny).astype(float)
        if grid.max() <= 0:
            return
        alpha = np.clip(np.log1p(grid) / np.log1p(grid.max()) * 150.0, 0, 150).astype(np.uint8)
        small = pygame.Surface((nx, ny), pygame.SRCALPHA)
        small.fill((*pal.ach[:3], 0))
        a = pygame.surfarray.pixels_alpha(small)
        a[:, :] = alpha
        del a
        wash = pygame.transform.smoothscale(small, (nx * cell, ny * cell))
        surface.blit(wash, clip.topleft)

    def _draw_sarcomeres(self, surface, lay, shortening: float, pal: Palette) -> None:
        """The myofibril. At zoom 1 from a cache holding every state (shortening in steps of
        1/SARCOMERE_STEPS, all drawn the first time: drawing hundreds of filaments every frame would cost more
        than all the particles); zoomed in, drawn directly (clipped)."""
        sr = lay.sarcomere_rect
        clip = surface.get_clip()
        if clip and not sr.colliderect(clip):
            return
        if self.zoom != 1.0 or sr.w > 4096:
            la.draw_sarcomeres(surface, lay, shortening, pal)
            return
        q = round(min(1.0, max(0.0, shortening)) * SARCOMERE_STEPS)
        base = (lay.rect.size, sr.x - lay.rect.x, sr.y - lay.rect.y, sr.size, pal.name)
        if base + (q,) not in _SARCOMERE_CACHE:
            if len(_SARCOMERE_CACHE) > 4 * (SARCOMERE_STEPS + 1):
                _SARCOMERE_CACHE.clear()
            local = la.LensLayout.from_rect(pygame.Rect(lay.rect.x - sr.x, lay.rect.y - sr.y, lay.rect.w, lay.rect.h))
            for k in range(SARCOMERE_STEPS + 1):
                img = pygame.Surface(sr.size)
                la.draw_sarcomeres(img, local, k / SARCOMERE_STEPS, pal)
                if pygame.display.get_surface() is not None:
                    img = img.convert()
                _SARCOMERE_CACHE[base + (k,)] = img
        surface.blit(_SARCOMERE_CACHE[base + (q,)], sr.topleft)

    # -- the magnifier ------------------------------------------------------------------------------------
    def show_inset(self, player: Any) -> bool:
        rp = player.current
        return rp is not None and player.lens.phase in ("calcium", "fusion", "diffusion", "clearing")

    def inset_rect(self) -> pygame.Rect:
        R = self.rect
        w, h = int(R.w * 0.34), int(R.h * 0.40)
        return pygame.Rect(R.right - w - 6, R.y + 6, w, h)

    def _draw_inset(self, surface, player: Any, pal: Palette, **kw) -> None:
        """A magnifier on one active zone: vesicles fusing, ACh crossing, receptors opening, AChE cutting."""
        box = self.inset_rect()
        if self._inset is None:
            self._inset = LensView()
        iv = self._inset
        iv.zoom = INSET_ZOOM
        iv.set_rect(box)
        if not _UNIT_LAYOUT:
            _UNIT_LAYOUT.append(la.LensLayout.from_rect(pygame.Rect(0, 0, 1000, 1000)))
        lay0 = _UNIT_LAYOUT[0]
        k = min(len(lay0.active_zone_xs) - 1, max(0, len(lay0.active_zone_xs) // 2 - 1))
        fx = lay0.active_zone_xs[k] / 1000.0
        fy = (lay0.cleft_top + 0.5 * (lay0.fold_bottom - lay0.cleft_top)) / 1000.0 - 0.012
        iv.pan = [fx - 0.5, fy - 0.5]
        iv._clamp_pan()
        # where it looks, on the main view
        lay = self.layout()
        src_w = lay.rect.w / INSET_ZOOM * box.w / self.rect.w
        src_h = lay.rect.h / INSET_ZOOM * box.h / self.rect.h
        src = pygame.Rect(0, 0, int(src_w), int(src_h))
        src.center = (int(lay.rect.x + (iv.pan[0] + 0.5) * lay.rect.w), int(lay.rect.y + (iv.pan[1] + 0.5) * lay.rect.h))
        pygame.draw.rect(surface, pal.highlight, src, 1)
        for a, b in ((src.topright, box.bottomleft), (src.topright, box.topleft)):
            pygame.draw.aaline(surface, mix(pal.highlight, pal.background, 0.4), a, b)
        old = surface.get_clip()
        surface.set_clip(box)
        iv._draw_scene(surface, player, pal, max_ach=MAX_DRAWN_ACH // 3, **kw)
        surface.set_clip(old)
        pygame.draw.rect(surface, pal.highlight, box, 2, border_radius=3)
        lens = player.lens
        info = f"x{INSET_ZOOM * self.zoom:g}: one active zone"
        if lens.quanta:
            info += f", {lens.quanta} quanta"
        strip = pygame.Rect(box.x + 2, box.bottom - tx.line_height(15) - 6, box.w - 4, tx.line_height(15) + 4)
        pygame.draw.rect(surface, pal.panel, strip)
        tx.note_panel(strip, surface)
        tx.draw_text(surface, info, (strip.x + 4, strip.centery), 15, pal.text, anchor="midleft", shadow=False,
                     max_w=strip.w - 8)

    def _draw_vesicles(self, surface, lay, player: Any, tf: LensTransform, pal: Palette) -> None:
        lens = player.lens
        az = np.asarray(lens.vesicle_az)
        fuse = np.asarray(lens.vesicle_fuse, dtype=float)
        n_az = len(lay.active_zone_xs)
        counts = np.bincount(az[(az >= 0) & (az < len(lens.active_zone_x))], minlength=len(lens.active_zone_x)) \
            if az.size else np.zeros(len(lens.active_zone_x), int)
        # the readily releasable pool: clusters at the active zones thin out as the pool empties
        rrp = min(1.0, max(0.0, player.junction.rrp_fraction))
        per_zone = [0] * n_az
        hidden_by_zone = [0] * n_az
        cluster = [[] for _ in range(n_az)]
        for p, z in zip(lay.vesicle_positions, lay.vesicle_zone):
            if 0 <= z < n_az:
                cluster[z].append(p)
        for z in range(n_az):
            k = len(cluster[z])
            fused = int(counts[z]) if z < len(counts) else 0
            hidden_by_zone[z] = min(k, fused + int(round((1.0 - rrp) * k)))
            per_zone[z] = k
        seen = _visible(surface, lay.vesicle_r * 2.0)
        for z in range(n_az):
            # the lowest (docked) vesicles go first
            for p in sorted(cluster[z], key=lambda q: -q[1])[hidden_by_zone[z]:]:
                if seen.collidepoint(p):
                    la.draw_vesicle(surface, p, lay.vesicle_r, 0.0, pal)
        for p, z in zip(lay.vesicle_positions, lay.vesicle_zone):
            if z < 0 and seen.collidepoint(p):
                la.draw_vesicle(surface, p, lay.vesicle_r, 0.0, pal)
        # vesicles of this impulse, fusing at their active zone, spread along the membrane
        if az.size:
            az_px = tf.x(lens.active_zone_x)
            spacing = (lay.endplate_x[1] - lay.endplate_x[0]) / max(1, len(az_px))
            slot: dict[int, int] = {}
            for a, f in zip(az.tolist(), fuse.tolist()):
                if not (0 <= a < len(az_px)):
                    continue
                j = slot.get(a, 0)
                slot[a] = j + 1
                off = ((j + 1) // 2) * (2.3 * lay.vesicle_r) * (1 if j % 2 else -1)
                off = max(-0.42 * spacing, min(0.42 * spacing, off))
                row = j // max(1, int(0.84 * spacing / (2.3 * lay.vesicle_r)))
                y = lay.cleft_top - lay.vesicle_r * (1.05 + 2.1 * row)
                if seen.collidepoint(float(az_px[a]) + off, y):
                    la.draw_vesicle(surface, (float(az_px[a]) + off, y), lay.vesicle_r, float(f) if row == 0 else 0.0, pal)

    def _draw_calcium(self, surface, lay, player: Any, tf: LensTransform, pal: Palette) -> None:
        lens = player.lens
        if lens.phase in ("calcium", "fusion"):
            for p in lay.ca_channel_positions:
                pygame.draw.circle(surface, mix(pal.ca, pal.highlight, 0.3), p, max(2.0, 3.2 * lay.unit), 1)
        n = len(lens.ca_x)
        if n:
            xs, ys = tf.points(lens.ca_x, lens.ca_y)
            la.draw_particles(surface, xs, ys, "ca", pal, clip=self.rect)

    def _receptor_sample(self, lens: Any, tf: LensTransform, lay) -> np.ndarray:
        n = len(lens.receptor_x)
        if n == 0:
            return np.zeros(0, int)
        span = max(1.0, lay.endplate_x[1] - lay.endplate_x[0])
        sprite_w = max(3.0, lay.receptor_size * 0.62 + 1.0)
        k = max(1, int(math.ceil(n * sprite_w / span)))
        return np.arange(0, n, k)

    def _draw_receptors(self, surface, lay, player: Any, tf: LensTransform, pal: Palette,
                        reduced_motion: bool) -> None:
        lens = player.lens
        idx = self._receptor_sample(lens, tf, lay)
        if idx.size == 0:
            return
        xs, ys = tf.points(np.asarray(lens.receptor_x)[idx], np.asarray(lens.receptor_y)[idx])
        states = np.asarray(lens.receptor_state)[idx]
        size = lay.receptor_size
        t = player.t_ms
        seen = _visible(surface, size * 3.0)
        for i, (x, y, s) in enumerate(zip(xs.tolist(), ys.tolist(), states.tolist())):
            if not seen.collidepoint(x, y):
                continue
            name = RECEPTOR_STATE_NAMES[s] if 0 <= s < len(RECEPTOR_STATE_NAMES) else "closed"
            la.draw_receptor(surface, (x, y), name, pal, size)
            if name == "blocked":
                la.draw_antibody(surface, (x, y - size), True, pal, size=size * 1.05)
            elif name == "open":
                # Na+ flows in (down into the fibre), K+ out (up into the cleft): shapes as well as colours
                ph = 0.5 if reduced_motion else (t * 1.7 + i * 0.37) % 1.0
                m = max(4.0, 6.0 * lay.unit)
                draw_marker(surface, "triangle", (x, y + 2 + ph * size * 1.6), m, pal.na)
                draw_marker(surface, "box", (x + size * 0.35, y - size - 2 - ph * size * 0.9), m * 0.8, pal.k, width=1)

    def _draw_antibodies(self, surface, lay, player: Any, pal: Palette, reduced_motion: bool) -> None:
        j = player.junction
        if not j.mg and j.antibody <= 0.01:
            return
        R = lay.rect
        # free antibodies drifting in the extracellular fluid, more when the titre is high
        n = int(min(12, round(6 * max(0.0, j.antibody))))
        rng = np.random.default_rng(3)
        base = rng.uniform(0, 1, (12, 3))
        drift = 0.0 if reduced_motion else self.t_anim
        for k in range(n):
            ux, uy, a = base[k]
            side = k % 2
            x = R.x + (0.03 + 0.13 * ux if side == 0 else 0.84 + 0.13 * ux) * R.w
            y = R.y + (0.22 + 0.2 * uy) * R.h + 4 * math.sin(drift * 0.7 + 5 * a)
            la.draw_antibody(surface, (x, y), False, pal, size=lay.receptor_size * 1.1, angle=a * 2 - 1 + 0.2 * math.sin(drift + a))
        # complement attack: rings on the end-plate membrane where folds were simplified
        if j.fold_damage > 0.005:
            m = int(min(len(lay.fold_xs) * 2, round(j.fold_damage * 40)))
            size = max(5.0, 9.0 * lay.unit)
            for k in range(m):
                xc = lay.fold_xs[(k * 3) % len(lay.fold_xs)] + ((k % 2) * 2 - 1) * lay.fold_half_width * 3
                draw_marker(surface, "ring", (xc, lay.cleft_bottom + size * 0.2), size, pal.complement, width=2)

    def _draw_inhibited_ache(self, surface, lay, pal: Palette, inhibition: float) -> None:
        """AChE molecules with an inhibitor bound get a dark cap (share = AChE inhibition)."""
        if inhibition <= 0.01:
            return
        size = max(3.0, 9.0 * lay.unit)
        for i, p in enumerate(lay.ache_positions):
            if (i * 0.618034) % 1.0 < inhibition:
                draw_marker(surface, "square", (p[0], p[1] - size * 0.55), size * 0.55, pal.warn)
                draw_marker(surface, "cross", p, size * 0.9, pal.background, width=2)

    def _draw_hydrolysis(self, surface, lay, lens: Any, tf: LensTransform, pal: Palette, reduced_motion: bool) -> None:
        """AChE cutting ACh: the busiest AChE sites light up, with the two halves (choline, acetate)."""
        flash = np.asarray(lens.hydrolysis_flash, dtype=float)
        if flash.size == 0 or not np.any(flash > 0.3):
            return
        idx = np.flatnonzero(flash > 0.3)
        if idx.size > MAX_FLASHES:
            idx = idx[np.argsort(flash[idx])[-MAX_FLASHES:]]
        xs, ys = tf.points(np.asarray(lens.ache_x)[idx], np.asarray(lens.ache_y)[idx])
        size = max(4.0, 9.0 * lay.unit)
        clip = surface.get_clip()
        for x, y, f in zip(xs.tolist(), ys.tolist(), flash[idx].tolist()):
            if clip and not clip.collidepoint(x, y):
                continue
            f = min(1.0, f)
            draw_marker(surface, "diamond", (x, y), size * (1.0 if reduced_motion else 0.8 + 0.4 * f),
                        mix(pal.ache, pal.highlight, 0.6 * f), width=2)
            if size >= 8:
                d = size * 0.7
                draw_marker(surface, "cross", (x - d, y + 1), size * 0.45, pal.text_dim, width=1)
                draw_marker(surface, "dot", (x + d, y + 1), 3, pal.ach)

    def _draw_failure_marker(self, surface, lay, player: Any, pal: Palette, reduced_motion: bool) -> None:
        fail = player.failure()
        if fail is None:
            return
        stage = player.current.event.failed_stage
        if stage == "release":
            xs = lay.active_zone_xs
            target = (xs[len(xs) // 2], lay.cleft_top - lay.vesicle_r * 2)
        elif stage == "receptors":
            rp = lay.receptor_positions
            target = rp[len(rp) // 2] if rp else (lay.rect.centerx, lay.cleft_bottom)
            target = (target[0], target[1] - lay.receptor_size * 0.5)
        elif stage == "na-inactivation":
            na = lay.na_channel_positions
            target = na[len(na) // 2] if na else (lay.rect.centerx, lay.fold_bottom)
        else:
            target = (lay.rect.centerx, lay.cleft_bottom + (lay.fold_bottom - lay.cleft_bottom) * 0.3)
        r = max(12.0, 20.0 * lay.unit)
        pulse = 1.0 if reduced_motion else 0.9 + 0.1 * math.sin(self.t_anim * 4)
        x, y = target
        pts = [(x + r * pulse * math.cos(a), y + r * pulse * math.sin(a))
               for a in (math.pi / 8 + k * math.pi / 4 for k in range(8))]
        halo = pygame.Surface((int(4 * r), int(4 * r)), pygame.SRCALPHA)
        pygame.draw.circle(halo, (*pal.danger[:3], 70), (2 * r, 2 * r), 2 * r)
        surface.blit(halo, (x - 2 * r, y - 2 * r))
        pygame.draw.polygon(surface, pal.danger, pts, 3)
        d = r * 0.4
        pygame.draw.line(surface, pal.danger, (x - d, y - d), (x + d, y + d), 3)
        pygame.draw.line(surface, pal.danger, (x - d, y + d), (x + d, y - d), 3)
        label = {"release": "no ACh released", "receptors": "too few receptors",
                 "threshold": "EPP below threshold", "na-inactivation": "Na+ channels inactivated"}.get(stage, "")
        if label:
            tx.draw_text(surface, "Broken here: " + label, (x + r + 6, y + r * 0.9), 16, pal.danger, anchor="midleft",
                         outline=True, shadow_colour=pal.background)

def draw_chain(surface: pygame.Surface, rect: pygame.Rect, player: Any, pal: Palette, *,
               status: str = "") -> list[tuple[pygame.Rect, int]]:
    """The six steps of transmission as a chain of chips: done ones ticked, the current one highlighted,
    the broken one crossed out; the plain sentence for the current step (or the failure) below.
    Returns the chip rects (for hover)."""
    from game.view.instruments import draw_panel

    inner = draw_panel(surface, rect, pal, None, alpha=245)
    current = player.step_index()
    fail = player.failure()
    broken = fail[0] if fail else None
    n = len(CHAIN_STEPS)
    gap = 14
    row_h = min(tx.line_height(17) + 8, max(16, inner.h // 2))
    chip_w = (inner.w - gap * (n - 1)) / n
    chips = []
    for i, (name, _) in enumerate(CHAIN_STEPS, start=1):
        r = pygame.Rect(int(inner.x + (i - 1) * (chip_w + gap)), inner.y, int(chip_w), row_h)
        if broken is not None and i > broken:
            state = "after"
        elif broken == i:
            state = "broken"
        elif i < current or (current == 6 and i == 6 and player.muscle()[1] <= 0.02 and player.t_ms > 40):
            state = "done"
        elif i == current:
            state = "now"
        else:
            state = "todo"
        fill = {"done": mix(pal.panel, pal.ok, 0.25), "now": mix(pal.panel, pal.accent, 0.45),
                "broken": mix(pal.panel, pal.danger, 0.35), "todo": pal.panel, "after": pal.panel}[state]
        pygame.draw.rect(surface, fill, r, border_radius=r.h // 2)
        edge = {"now": pal.highlight, "broken": pal.danger}.get(state, pal.panel_edge)
        pygame.draw.rect(surface, edge, r, 2 if state in ("now", "broken") else 1, border_radius=r.h // 2)
        tx.note_panel(r, surface)
        label = f"{i} {name}"
        if tx.text_size(label, 17)[0] > r.w - 26:
            label = f"{i} {CHAIN_SHORT[i - 1]}"
        if tx.text_size(label, 17)[0] > r.w - 26:
            label = str(i)
        col = pal.text if state in ("now", "done", "broken") else pal.text_dim
        tx.draw_text(surface, label, (r.x + 20, r.centery), 17, col, anchor="midleft", shadow=False,
                     max_w=r.w - 26)
        cx, cy = r.x + 10, r.centery
        if state == "done":
            pygame.draw.lines(surface, pal.ok, False, [(cx - 4, cy), (cx - 1, cy + 4), (cx + 5, cy - 4)], 2)
        elif state == "broken":
            pygame.draw.line(surface, pal.danger, (cx - 4, cy - 4), (cx + 4, cy + 4), 3)
            pygame.draw.line(surface, pal.danger, (cx - 4, cy + 4), (cx + 4, cy - 4), 3)
        elif state == "now":
            pygame.draw.polygon(surface, pal.highlight, [(cx - 3, cy - 5), (cx + 5, cy), (cx - 3, cy + 5)])
        else:
            pygame.draw.circle(surface, pal.text_dim, (cx, cy), 3, 1)
        if i < n:
            x0 = r.right + 2
            y = r.centery
            if broken is not None and i == broken:
                # the link after the broken step is snapped
                pygame.draw.line(surface, pal.danger, (x0, y - 4), (x0 + gap // 2 - 2, y + 2), 2)
                pygame.draw.line(surface, pal.danger, (x0 + gap // 2 + 2, y - 2), (x0 + gap - 4, y + 4), 2)
            else:
                pygame.draw.line(surface, pal.text_dim, (x0, y), (x0 + gap - 4, y), 2)
                pygame.draw.polygon(surface, pal.text_dim, [(x0 + gap - 4, y - 3), (x0 + gap, y), (x0 + gap - 4, y + 3)])
        chips.append((r, i))
    text_rect = pygame.Rect(inner.x + 4, inner.y + row_h + 4, inner.w - 8, inner.bottom - inner.y - row_h - 4)
    if fail is not None:
        sentence = fail[1]
        col = pal.danger
    elif status:
        sentence, col = status, pal.text_dim
    elif 1 <= current <= n:
        sentence, col = CHAIN_STEPS[current - 1][1], pal.text
    else:
        sentence, col = "Fire the nerve to follow one impulse through the junction, step by step.", pal.text_dim
    tx.draw_wrapped(surface, sentence, text_rect, 17, col)
    return chips


def draw_lens_caption(surface: pygame.Surface, rect: pygame.Rect, player: Any, pal: Palette, speed: float,
                      paused: bool, ach_per_dot: int = 1) -> None:
    """The strip under the lens: what is replayed (and how many impulses were skipped to show the newest), the
    lens clock and its slow-motion factor; "V: replay" on the right. Never over the art."""
    pygame.draw.rect(surface, pal.panel, rect)
    tx.note_panel(rect, surface)
    rp = player.current
    if rp is None:
        title = "Cascade lens: one junction, close up"
    elif rp.mepp:
        title = "A spontaneous quantum: one vesicle, no impulse"
    else:
        title = f"Impulse {rp.event.pulse} at one junction"
        if player.skipped:
            title += f" (the newest: {player.skipped} faster ones skipped)"
    slow = lens_slowdown(player.shown_rate())
    clock = f"t = {player.t_ms:5.2f} ms after the impulse" if rp is not None and not rp.mepp else ""
    factor = "paused" if paused else (f"slow motion x1/{slow:,.0f}" if math.isfinite(slow) else "")
    del speed
    n_ach = int(getattr(player.lens, "ach_count", 0) or 0) if rp is not None else 0
    ach = (f"ACh {n_ach:,}" + (f" (1 dot = {ach_per_dot})" if ach_per_dot > 1 else "")) if n_ach else ""
    line2 = "   ".join(s for s in (clock, factor, ach) if s)
    x = rect.x + 8
    right = rect.right - 8
    if player.last is not None:
        vr = tx.draw_text(surface, "V: replay", (right, rect.centery), 15, pal.text_dim, anchor="midright",
                          shadow=False)
        right = vr.left - 12
    r = tx.draw_text(surface, title, (x, rect.y + 3), 17, pal.text, shadow=False, max_w=right - x)
    if line2:
        tx.draw_text(surface, line2, (x, r.bottom + 1), 16, pal.text_dim, shadow=False, max_w=right - x)


# --- the legend (L shows it with the structure labels) ------------------------------------------------------

def _legend_glyph(surface: pygame.Surface, kind: str, c: tuple[float, float], s: float, pal: Palette) -> None:
    x, y = c
    if kind in la.PARTICLE_STAMPS:
        pts = [(-0.3, -0.2), (0.25, 0.1), (-0.05, 0.3), (0.35, -0.3)] if kind in ("ach", "ca") else [(0.0, 0.0)]
        la.draw_particles(surface, np.array([x + dx * s for dx, _ in pts]), np.array([y + dy * s for _, dy in pts]),
                          kind, pal, clip=surface.get_clip())
    elif kind == "ache":
        draw_marker(surface, "diamond", c, s * 0.7, pal.ache, width=2)
    elif kind == "ache_blocked":
        draw_marker(surface, "square", (x, y - s * 0.25), s * 0.4, pal.warn)
        draw_marker(surface, "cross", c, s * 0.6, pal.background, width=2)
    elif kind == "vesicle":
        la.draw_vesicle(surface, c, s * 0.35, 0.0, pal)
    elif kind.startswith("receptor_"):
        la.draw_receptor(surface, (x, y + s * 0.4), kind.removeprefix("receptor_"), pal, size=s * 0.5)
    elif kind == "antibody":
        la.draw_antibody(surface, (x, y - s * 0.05), False, pal, size=s * 0.6)
    elif kind == "antibody_bound":
        la.draw_receptor(surface, (x, y + s * 0.45), "blocked", pal, size=s * 0.45)
        la.draw_antibody(surface, (x, y - s * 0.1), True, pal, size=s * 0.45)
    elif kind == "nerve_ap":
        la.draw_ap_front(surface, [(x - s * 0.6, y), (x + s * 0.4, y)], 1.0, pal, width=max(3.0, s * 0.25),
                         tail=0.9)
    elif kind == "muscle_ap":
        pygame.draw.line(surface, pal.ap_trace, (x - s * 0.5, y), (x + s * 0.5, y), max(2, int(s * 0.15)))


LEGEND: tuple[tuple[str, str], ...] = (
    ("ach", "ACh (acetylcholine)"),
    ("vesicle", "Vesicle: one quantum"),
    ("ca", "Ca2+ entering"),
    ("na", "Na+ flowing in"),
    ("k", "K+ flowing out"),
    ("ache", "AChE (cuts ACh)"),
    ("choline", "Choline + acetate"),
    ("ache_blocked", "AChE blocked by a drug"),
    ("receptor_closed", "Receptor, closed"),
    ("receptor_bound1", "Receptor, one ACh"),
    ("receptor_open", "Receptor open: Na+ in"),
    ("receptor_desensitised", "Receptor desensitised"),
    ("receptor_blocked", "Receptor blocked"),
    ("antibody", "Antibody (free)"),
    ("antibody_bound", "Antibody on a receptor"),
    ("nerve_ap", "Nerve action potential"),
    ("muscle_ap", "Muscle action potential"),
)


def draw_legend(surface: pygame.Surface, rect: pygame.Rect, pal: Palette) -> None:
    """What every particle and glyph of the lens means, in as many columns as the rect needs."""
    from game.view.instruments import draw_panel

    inner = draw_panel(surface, rect, pal, "Legend: what the lens shows  (L: hide)")
    row = max(tx.line_height(16) + 6, 18)
    rows_fit = max(1, inner.h // row)
    cols = max(1, -(-len(LEGEND) // rows_fit))
    col_w = inner.w // cols
    glyph = min(row * 1.25, 26)
    shown = rows_fit * cols
    for i, (kind, label) in enumerate(LEGEND[:shown]):
        c, r = divmod(i, rows_fit)
        x = inner.x + c * col_w
        y = inner.y + r * row
        _legend_glyph(surface, kind, (x + glyph * 0.6, y + row / 2), glyph, pal)
        tx.draw_text(surface, label, (x + glyph * 1.3, y + row / 2), 16, pal.text, anchor="midleft", shadow=False,
                     max_w=int(col_w - glyph * 1.3 - 8))
