"""The cascade lens: a procedural close-up cross-section of one neuromuscular junction.

Everything is computed from the target rect, so the picture can be drawn at any size (zoom, resize):

* :class:`LensLayout` (``LensLayout.from_rect(rect)``) holds the geometry, in screen coordinates, that the
  animation needs (active zones, vesicle rest positions, cleft, fold crests, receptor and Na+ channel
  positions, T-tubules, SR, sarcomeres, the axon path) plus ``regions`` for hover/click-to-identify.
* :func:`draw_static` draws all that does not move (cache it: :func:`static_surface`).
* Small functions draw the moving things on top: vesicles, receptors, antibodies, sarcomeres, the action
  potential on the axon and on the sarcolemma/T-tubules, SR Ca2+ release and particles (numpy, pixels2d).

Draw order for a frame::

    surface.blit(static_surface(layout, pal), layout.rect)      # cached background
    draw_sarcomeres(surface, layout, shortening, pal)
    draw_sr_release(surface, layout, level, pal)
    for p in layout.vesicle_positions: draw_vesicle(surface, p, layout.vesicle_r, 0.0, pal)
    for p in layout.receptor_positions: draw_receptor(surface, p, "closed", pal, layout.receptor_size)
    draw_particles(surface, xs, ys, "ach", pal)
    draw_ap_front(surface, layout.axon_path, f, pal); draw_sarcolemma_ap(surface, layout, f2, pal)
    draw_labels(surface, layout, pal, shortening=s)              # optional, last

Region names are unique; repeated structures are suffixed ``#k`` (``"z_line#2"``).
:func:`structure_key` maps a region name to its :data:`STRUCTURES` entry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
import pygame

from game.view import text as tx
from game.view.palette import Palette, draw_marker, get_palette, mix

Point = tuple[float, float]


class StructureInfo(NamedTuple):
    title: str
    line: str


#: Display name and a one-line plain description of every identifiable structure.
STRUCTURES: dict[str, StructureInfo] = {
    "motor_axon": StructureInfo(
        "Motor axon", "The long fibre of a motor neuron; it carries the nerve impulse to the muscle."),
    "myelin": StructureInfo(
        "Myelin sheath", "Fatty wrapping that speeds the impulse along the axon; it stops just before the terminal."),
    "schwann_cell": StructureInfo(
        "Terminal Schwann cell", "A support cell that caps the junction and helps keep it healthy."),
    "axon_terminal": StructureInfo(
        "Axon terminal", "The end of the motor neuron; it stores ACh in vesicles and releases it on each impulse."),
    "mitochondrion": StructureInfo(
        "Mitochondrion", "Makes the ATP the terminal needs to refill and recycle its vesicles."),
    "synaptic_vesicles": StructureInfo(
        "Synaptic vesicles", "Tiny bubbles each packed with thousands of ACh molecules; one vesicle is one quantum."),
    "active_zone": StructureInfo(
        "Active zone", "Release site where vesicles dock next to voltage-gated Ca2+ channels."),
    "ca_channels": StructureInfo(
        "Voltage-gated Ca2+ channels", "Open when the impulse arrives; the Ca2+ that enters makes vesicles fuse."),
    "synaptic_cleft": StructureInfo(
        "Synaptic cleft", "The narrow gap (about 50 nm) that ACh crosses by diffusion, from nerve to muscle."),
    "basal_lamina": StructureInfo(
        "Basal lamina", "A thin protein mesh in the cleft that holds AChE and keeps the junction in shape."),
    "ache": StructureInfo(
        "Acetylcholinesterase (AChE)", "Enzyme in the cleft that splits ACh within about a millisecond, ending the signal."),
    "motor_end_plate": StructureInfo(
        "Motor end plate", "The patch of muscle membrane under the terminal, packed with ACh receptors."),
    "junctional_folds": StructureInfo(
        "Junctional folds", "Deep pleats of the end-plate membrane that add area and hold Na+ channels in their depths."),
    "achr": StructureInfo(
        "ACh receptors", "Channels on the fold crests: two ACh open one, Na+ rushes in. In MG antibodies attack them."),
    "na_channels": StructureInfo(
        "Voltage-gated Na+ channels", "In the fold depths; when the end-plate potential reaches threshold they fire the muscle AP."),
    "sarcolemma": StructureInfo(
        "Sarcolemma", "The muscle fibre's outer membrane; the muscle action potential runs along it."),
    "extracellular_fluid": StructureInfo(
        "Extracellular fluid", "The salty fluid outside the cells, rich in Na+ and Ca2+."),
    "muscle_fibre": StructureInfo(
        "Muscle fibre (cytosol)", "The inside of the muscle cell, where Ca2+ from the SR switches on contraction."),
    "muscle_nucleus": StructureInfo(
        "Muscle nucleus", "One of the fibre's many nuclei; those under the end plate make receptor proteins."),
    "muscle_mitochondrion": StructureInfo(
        "Muscle mitochondrion", "Supplies the ATP that myosin and the Ca2+ pumps use."),
    "t_tubule": StructureInfo(
        "T-tubule", "A tube of sarcolemma that dips into the fibre and carries the action potential inside."),
    "sarcoplasmic_reticulum": StructureInfo(
        "Sarcoplasmic reticulum (SR)", "The fibre's Ca2+ store; a signal from the T-tubule makes it release Ca2+."),
    "sarcomere": StructureInfo(
        "Sarcomere", "The contracting unit, from one Z-line to the next; it shortens as the filaments slide."),
    "actin": StructureInfo(
        "Actin (thin filaments)", "Thin filaments anchored at the Z-lines; myosin heads grab and pull them when Ca2+ is there."),
    "myosin": StructureInfo(
        "Myosin (thick filaments)", "Thick filaments whose heads form cross-bridges with actin and pull, using ATP."),
    "z_line": StructureInfo(
        "Z-line", "The border between sarcomeres, where thin filaments are anchored; Z-lines draw together in contraction."),
}

RECEPTOR_STATES: tuple[str, ...] = ("closed", "bound1", "open", "blocked", "desensitised")


def structure_key(region_name: str) -> str:
    """The :data:`STRUCTURES` key for a region name ("z_line#2" -> "z_line")."""
    return region_name.split("#", 1)[0]


# --- small geometry helpers --------------------------------------------------------------------------------

def _smoothstep(e0: float, e1: float, x: float) -> float:
    if e1 == e0:
        return 1.0 if x >= e1 else 0.0
    t = min(1.0, max(0.0, (x - e0) / (e1 - e0)))
    return t * t * (3 - 2 * t)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1 - t
    return (u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0],
            u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1])


def _polyline_lengths(points: Sequence[Point]) -> list[float]:
    acc = [0.0]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        acc.append(acc[-1] + math.hypot(x1 - x0, y1 - y0))
    return acc


def point_along(points: Sequence[Point], fraction: float) -> Point:
    """The point a `fraction` (0..1) of the way along a polyline."""
    if not points:
        return (0.0, 0.0)
    if len(points) == 1:
        return (float(points[0][0]), float(points[0][1]))
    acc = _polyline_lengths(points)
    target = min(1.0, max(0.0, fraction)) * acc[-1]
    for i in range(1, len(acc)):
        if acc[i] >= target:
            seg = acc[i] - acc[i - 1]
            f = 0.0 if seg <= 0 else (target - acc[i - 1]) / seg
            (x0, y0), (x1, y1) = points[i - 1], points[i]
            return (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
    return (float(points[-1][0]), float(points[-1][1]))


def _point_in_polygon(x: float, y: float, poly: Sequence[Point]) -> bool:
    inside = False
    n = len(poly)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y):
            xc = xi + (y - yi) * (xj - xi) / ((yj - yi) or 1e-12)
            if x < xc:
                inside = not inside
        j = i
    return inside


def _rect(x0: float, y0: float, x1: float, y1: float) -> pygame.Rect:
    """Rect from float corners, at least 1x1."""
    left, top = int(math.floor(min(x0, x1))), int(math.floor(min(y0, y1)))
    right, bottom = int(math.ceil(max(x0, x1))), int(math.ceil(max(y0, y1)))
    return pygame.Rect(left, top, max(1, right - left), max(1, bottom - top))


def _union(rects: Sequence[pygame.Rect]) -> pygame.Rect:
    if not rects:
        return pygame.Rect(0, 0, 1, 1)
    return rects[0].unionall(list(rects[1:]))


def _poly(surface: pygame.Surface, colour, pts: Sequence[Point], width: int = 0) -> None:
    if len(pts) >= 3:
        pygame.draw.polygon(surface, colour, pts, width)


def _aa_poly_outline(surface: pygame.Surface, colour, pts: Sequence[Point], width: int, closed: bool = True) -> None:
    if len(pts) < 2:
        return
    if width <= 1:
        pygame.draw.aalines(surface, colour, closed, pts)
    else:
        pygame.draw.lines(surface, colour, closed, pts, width)


def _offset_path(centre: Sequence[Point], radii: Sequence[float]) -> tuple[list[Point], list[Point]]:
    """Left/right edges of a tube around a centreline (left = +normal in y-down screen space)."""
    left: list[Point] = []
    right: list[Point] = []
    n = len(centre)
    for i in range(n):
        x, y = centre[i]
        xa, ya = centre[max(0, i - 1)]
        xb, yb = centre[min(n - 1, i + 1)]
        dx, dy = xb - xa, yb - ya
        d = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / d, dx / d
        r = radii[i]
        left.append((x + nx * r, y + ny * r))
        right.append((x - nx * r, y - ny * r))
    return left, right


# --- layout ---------------------------------------------------------------------------------------------

@dataclass
class LensLayout:
    """Geometry of the lens for one target rect, in screen coordinates. Build with :meth:`from_rect`."""

    rect: pygame.Rect
    unit: float                                   # 1.0 at 1280x720; scales stroke widths and sprites
    # presynaptic
    axon_path: list[Point]                        # centreline the arriving AP follows, ending in the terminal
    axon_radius: float
    myelin_radius: float
    myelin_end: float                             # fraction of axon_path where the myelin ends
    myelin_polys: list[list[Point]]
    terminal_poly: list[Point]                    # terminal + bare axon outline (one closed polygon)
    terminal_rect: pygame.Rect
    terminal_centre: Point
    schwann_polys: list[list[Point]]
    schwann_nucleus: pygame.Rect | None
    mito_ellipses: list[pygame.Rect]
    active_zone_xs: list[float]
    ca_channel_positions: list[Point]
    vesicle_positions: list[Point]
    vesicle_zone: list[int]                       # active-zone index of each vesicle, -1 = reserve pool
    vesicle_r: float
    # cleft and end plate
    cleft_top: float                              # presynaptic membrane y
    cleft_bottom: float                           # postsynaptic membrane (fold crest) y
    fold_bottom: float
    fold_xs: list[float]                          # fold centre x (the fold mouths face the active zones)
    fold_half_width: float
    crest_ranges: list[tuple[float, float]]
    receptor_positions: list[Point]               # base of each AChR on the crest membrane (receptor points up)
    receptor_size: float
    na_channel_positions: list[Point]
    ache_positions: list[Point]
    basal_lamina_path: list[Point]
    membrane_path: list[Point]                    # sarcolemma incl. junctional folds, left to right
    endplate_x: tuple[float, float]
    # muscle fibre
    fibre_poly: list[Point]
    nucleus_ellipses: list[pygame.Rect]
    muscle_mito_ellipses: list[pygame.Rect]
    t_tubule_xs: list[float]
    t_tubule_top: float
    t_tubule_bottom: float
    t_tubule_half_width: float
    sr_rects: list[pygame.Rect]                   # longitudinal SR and terminal cisternae
    cisternae_rects: list[pygame.Rect]            # the terminal cisternae only (where Ca2+ is released)
    sarcomere_rect: pygame.Rect
    z_line_xs: list[float]                        # Z-lines at rest
    regions: dict[str, pygame.Rect] = field(default_factory=dict)
    label_specs: list[tuple[str, Point, Point, str]] = field(default_factory=list)  # text, target, pos, anchor

    # ----------------------------------------------------------------------------------------------------
    @classmethod
    def from_rect(cls, rect: pygame.Rect | Sequence[int], n_receptors: int | None = None) -> "LensLayout":
        """Compute the layout for `rect`. `n_receptors` fixes how many AChR positions are generated
        (spread along the crests); by default it follows the size (about 85 at 1280x720)."""
        rect = pygame.Rect(rect)
        W, H = max(1, rect.w), max(1, rect.h)
        X0, Y0 = rect.x, rect.y
        unit = max(0.05, min(W / 1280.0, H / 720.0))

        def fx(u: float) -> float:
            return X0 + u * W

        def fy(v: float) -> float:
            return Y0 + v * H

        # ---- vertical plan
        cleft_top = fy(0.428)
        cleft_bottom = fy(0.49)
        fold_bottom = fy(0.59)
        sr_top, sr_bottom = fy(0.672), fy(0.722)
        sarc_top, sarc_bottom = fy(0.748), fy(0.935)

        # ---- terminal dome
        cx = fx(0.5)
        a = 0.32 * W
        b = 0.262 * H
        q = 2.35

        def dome_y(x: float) -> float:
            d = min(1.0, abs(x - cx) / a) if a > 0 else 1.0
            return cleft_top - b * (1 - d ** q) ** (1 / q)

        n_dome = 120
        dome = [(cx - a + 2 * a * i / (n_dome - 1), 0.0) for i in range(n_dome)]
        dome = [(x, dome_y(x)) for x, _ in dome]
        # soften the bottom corners: pull the lowest points slightly inwards
        corner = max(1.0, 0.012 * W)
        dome[0] = (dome[0][0] + corner, cleft_top)
        dome[-1] = (dome[-1][0] - corner, cleft_top)

        # ---- axon centreline (a cubic Bezier from off the left edge curving down into the terminal)
        ay = fy(0.062)
        p0, p1, p2, p3 = (fx(-0.03), ay), (fx(0.22), ay), (fx(0.375), fy(0.05)), (fx(0.40), fy(0.30))
        n_ax = 90
        centre = [_bezier(p0, p1, p2, p3, i / (n_ax - 1)) for i in range(n_ax)]
        r_ax = max(1.0, 0.019 * H)
        radii = [r_ax * (1 + 2.4 * _smoothstep(0.62, 1.0, i / (n_ax - 1)) ** 1.5) for i in range(n_ax)]
        left_edge, right_edge = _offset_path(centre, radii)

        def first_inside(edge: list[Point]) -> int:
            for i, (x, y) in enumerate(edge):
                if abs(x - cx) < a and y >= dome_y(x) - 0.5:
                    return i
            return len(edge) - 1

        il, ir = first_inside(left_edge), first_inside(right_edge)
        jl, jr = left_edge[il], right_edge[ir]
        if jl[0] > jr[0]:
            jl, jr, il, ir, left_edge, right_edge = jr, jl, ir, il, right_edge, left_edge
        # fillets: round the two corners where the axon meets the dome
        rf = max(1.0, 2.6 * r_ax)

        def far_from(pts: list[Point], p: Point) -> list[Point]:
            return [q for q in pts if math.hypot(q[0] - p[0], q[1] - p[1]) > rf]

        def fillet(a_: Point, c_: Point, b_: Point) -> list[Point]:
            return [_bezier(a_, (a_[0] + (c_[0] - a_[0]) * 0.75, a_[1] + (c_[1] - a_[1]) * 0.75),
                            (b_[0] + (c_[0] - b_[0]) * 0.75, b_[1] + (c_[1] - b_[1]) * 0.75), b_, t / 8)
                    for t in range(1, 8)]

        dome_left = far_from([p for p in dome if p[0] < jl[0]], jl)
        dome_right = far_from([p for p in dome if p[0] > jr[0]], jr)
        up_left = far_from(left_edge[: il + 1], jl)[::-1]        # from near the join back to the start
        up_right = far_from(right_edge[: ir + 1], jr)            # from the start to near the join
        if dome_left and up_left:
            join_l = fillet(dome_left[-1], jl, up_left[0])
        else:
            join_l = [jl]
        if dome_right and up_right:
            join_r = fillet(up_right[-1], jr, dome_right[0])
        else:
            join_r = [jr]
        terminal_poly = ([(dome[0][0], cleft_top)] + dome_left + join_l + up_left
                         + up_right + join_r + dome_right + [(dome[-1][0], cleft_top)])
        terminal_rect = _rect(cx - a, cleft_top - b, cx + a, cleft_top)
        # the AP path: along the centreline until inside the terminal, then to the middle of the terminal
        join = max(il, ir)
        t_mid = (cx, cleft_top - 0.45 * b)
        axon_path = centre[: join + 1] + [t_mid]
        # start the AP path where the axon enters the lens (the centreline begins just off the left edge)
        first_in = next((i for i, p in enumerate(axon_path) if p[0] >= X0), 0)
        if first_in > 0:
            (xa_, ya_), (xb_, yb_) = axon_path[first_in - 1], axon_path[first_in]
            f_ = (X0 - xa_) / ((xb_ - xa_) or 1e-9)
            axon_path = [(float(X0), ya_ + (yb_ - ya_) * f_)] + axon_path[first_in:]

        # ---- myelin: ends at the heminode well before the terminal, with one node of Ranvier
        r_my = r_ax + max(1.0, 0.026 * H)
        i_end = int(0.52 * (n_ax - 1))
        i_node = int(0.16 * (n_ax - 1))
        gap = max(1, int(0.012 * n_ax))
        myelin_polys = []
        for i0, i1 in ((0, i_node - gap), (i_node + gap, i_end)):
            if i1 - i0 >= 1:
                seg = centre[i0: i1 + 1]
                rr = [r_my] * len(seg)
                le, re_ = _offset_path(seg, rr)
                myelin_polys.append(le + re_[::-1])
        myelin_end = i_end / (n_ax - 1)

        # ---- Schwann cell cap over the terminal (on both shoulders; the axon enters between them)
        cap = max(1.0, 0.03 * H)

        xn = cx + 0.42 * a                       # the Schwann cell nucleus bulges the cap here

        def cap_y(x: float) -> float:
            d = min(1.0, abs(x - cx) / a) if a > 0 else 1.0
            bump = 1.1 * math.exp(-(((x - xn) / (0.10 * a + 1e-9)) ** 2))
            return dome_y(x) - cap * (0.25 + 0.75 * (1 - d ** 3) + bump)

        schwann_polys: list[list[Point]] = []
        margin = cap * 0.6
        for side in (-1, 1):
            if side < 0:
                xs_ = [x for x, _ in dome if x < jl[0] - margin and x > cx - a * 0.90]
            else:
                xs_ = [x for x, _ in dome if x > jr[0] + margin and x < cx + a * 0.97]
            if len(xs_) >= 2:
                x_lo, x_hi = xs_[0], xs_[-1]
                taper = max(1.0, 0.10 * a)
                outer = [(x, dome_y(x) + (cap_y(x) - dome_y(x))
                          * _smoothstep(0.0, taper, min(x - x_lo, x_hi - x)) ** 0.7) for x in xs_]
                inner = [(x, dome_y(x)) for x in xs_]
                schwann_polys.append(outer + inner[::-1])
        schwann_nucleus = None
        if schwann_polys and b > 4:
            yn = (cap_y(xn) + dome_y(xn)) / 2
            schwann_nucleus = _rect(xn - 0.14 * a, yn - cap * 0.55, xn + 0.14 * a, yn + cap * 0.55)

        # ---- active zones aligned with fold mouths; T-tubules aligned with the A-I junctions
        ep_l, ep_r = cx - 0.93 * a, cx + 0.93 * a
        span = ep_r - ep_l
        n_folds = max(2, int(round(span / max(1.0, 0.072 * W))))
        fw = max(1.0, 0.0062 * W)
        fold_xs = [ep_l + (i + 0.5) * span / n_folds for i in range(n_folds)]

        z0, zstep = fx(0.02), 0.32 * W
        z_line_xs = [z0 + k * zstep for k in range(4)]
        tt_hw = max(0.5, 0.0034 * W)
        t_tubule_xs = []
        for z in z_line_xs[:-1]:
            t_tubule_xs += [z + 0.18 * zstep, z + 0.82 * zstep]
        for tt in t_tubule_xs:
            if ep_l - fw < tt < ep_r + fw:
                k = min(range(n_folds), key=lambda i: abs(fold_xs[i] - tt))
                clear = fw + tt_hw + max(2.0, 0.006 * W)
                if abs(fold_xs[k] - tt) < clear:
                    fold_xs[k] = tt + (clear if fold_xs[k] >= tt else -clear)
        fold_xs.sort()
        active_zone_xs = list(fold_xs)

        # ---- membrane path (sarcolemma with folds)
        membrane_path: list[Point] = [(float(X0), cleft_bottom)]
        depth = fold_bottom - cleft_bottom
        na_pos: list[Point] = []
        na_step = max(2.0, 0.0095 * H)
        for xc in fold_xs:
            bulb = fw * 1.25
            membrane_path += [(xc - fw - fw * 0.6, cleft_bottom), (xc - fw, cleft_bottom + fw * 0.6),
                              (xc - fw, fold_bottom - bulb)]
            for k in range(9):
                ang = math.pi - math.pi * k / 8
                membrane_path.append((xc + bulb * math.cos(ang), fold_bottom - bulb + bulb * 0.9 * math.sin(ang)))
            membrane_path += [(xc + fw, fold_bottom - bulb), (xc + fw, cleft_bottom + fw * 0.6),
                              (xc + fw + fw * 0.6, cleft_bottom)]
            y = cleft_bottom + 0.55 * depth
            while y < fold_bottom - bulb * 0.6:
                na_pos += [(xc - fw, y), (xc + fw, y)]
                y += na_step
            na_pos.append((xc, fold_bottom - bulb + bulb * 0.9))
        membrane_path.append((float(X0 + W), cleft_bottom))

        # ---- crests and receptors
        crest_ranges: list[tuple[float, float]] = []
        edges = [cx - a + corner] + [v for xc in fold_xs for v in (xc - fw * 1.6, xc + fw * 1.6)] + [cx + a - corner]
        for i in range(0, len(edges) - 1, 2):
            if edges[i + 1] > edges[i]:
                crest_ranges.append((edges[i], edges[i + 1]))
        receptor_size = max(3.0, 0.021 * H)
        rs = max(2.0, 0.0096 * W)
        receptor_positions: list[Point] = []
        total = sum(x1 - x0 for x0, x1 in crest_ranges)
        if n_receptors is None:
            for x0, x1 in crest_ranges:
                n = int((x1 - x0) // rs)
                for k in range(n):
                    receptor_positions.append((x0 + (x1 - x0) * (k + 0.5) / n, cleft_bottom))
        elif n_receptors > 0 and total > 0:
            # spread exactly n_receptors along the crests, proportionally to crest length
            acc = 0.0
            for k in range(n_receptors):
                s = (k + 0.5) * total / n_receptors
                acc = 0.0
                for x0, x1 in crest_ranges:
                    if s <= acc + (x1 - x0):
                        receptor_positions.append((x0 + (s - acc), cleft_bottom))
                        break
                    acc += x1 - x0

        # ---- basal lamina (mid-cleft, dipping into each fold) and AChE on it
        bl_y = cleft_top + 0.4 * (cleft_bottom - cleft_top)
        bl: list[Point] = [(cx - a + corner, bl_y)]
        for xc in fold_xs:
            bl += [(xc - fw * 1.1, bl_y), (xc, cleft_bottom + fw), (xc, fold_bottom - fw * 1.3),
                   (xc, cleft_bottom + fw), (xc + fw * 1.1, bl_y)]
        bl.append((cx + a - corner, bl_y))
        ache_positions: list[Point] = []
        rng = np.random.default_rng(7)
        ache_step = max(3.0, 0.021 * W)
        x = cx - a + corner + ache_step * 0.5
        while x < cx + a - corner:
            if all(abs(x - xc) > fw * 2.0 for xc in fold_xs):
                ache_positions.append((x + float(rng.uniform(-0.2, 0.2)) * ache_step, bl_y))
            x += ache_step
        for xc in fold_xs:
            ache_positions.append((xc, cleft_bottom + 0.45 * depth))

        # ---- Ca channels beside each active zone; vesicles
        ca_pos: list[Point] = []
        for xa in active_zone_xs:
            ca_pos += [(xa - fw * 2.2, cleft_top), (xa + fw * 2.2, cleft_top)]
        ves_r = max(1.0, 0.0098 * H)
        vesicle_positions: list[Point] = []
        vesicle_zone: list[int] = []
        # docked + readily releasable cluster at each active zone
        for k, xa in enumerate(active_zone_xs):
            for dx, dy in ((-1.05, 1.05), (1.05, 1.05), (0.0, 2.9), (-2.1, 2.95), (2.1, 2.95), (-1.05, 4.8), (1.05, 4.8)):
                vx, vy = xa + dx * ves_r, cleft_top - dy * ves_r
                if abs(vx - cx) < a * 0.97 and vy > dome_y(vx) + ves_r:
                    vesicle_positions.append((vx, vy))
                    vesicle_zone.append(k)
        # reserve pool higher up, deterministic jittered grid, avoiding mitochondria
        mito_ellipses = [
            _rect(cx - 0.22 * W, cleft_top - 0.215 * H, cx - 0.09 * W, cleft_top - 0.165 * H),
            _rect(cx + 0.035 * W, cleft_top - 0.235 * H, cx + 0.17 * W, cleft_top - 0.185 * H),
            _rect(cx + 0.20 * W, cleft_top - 0.165 * H, cx + 0.29 * W, cleft_top - 0.125 * H),
        ]
        step = ves_r * 2.7
        if step > 0:
            rows = int(0.13 * H // step)
            for r_i in range(rows):
                vy = cleft_top - ves_r * 7.2 - r_i * step
                ncols = int(2 * a // step)
                for c_i in range(ncols):
                    vx = cx - a + (c_i + 0.5 + 0.5 * (r_i % 2)) * step
                    jx, jy = rng.uniform(-0.35, 0.35, 2) * step
                    vx, vy2 = vx + jx, vy + jy
                    if rng.random() < 0.45:
                        continue
                    if abs(vx - cx) > a * 0.92 or vy2 < dome_y(vx) + ves_r * 2.2:
                        continue
                    if any(m.inflate(ves_r * 3, ves_r * 3).collidepoint(vx, vy2) for m in mito_ellipses):
                        continue
                    if any(abs(vx - v[0]) < ves_r * 2.05 and abs(vy2 - v[1]) < ves_r * 2.05 for v in vesicle_positions):
                        continue
                    vesicle_positions.append((vx, vy2))
                    vesicle_zone.append(-1)

        # ---- fibre interior
        fibre_poly = membrane_path + [(float(X0 + W), float(Y0 + H)), (float(X0), float(Y0 + H))]
        t_tubule_top = cleft_bottom
        t_tubule_bottom = sr_bottom
        nucleus_ellipses = []
        muscle_mito = []
        ny0, ny1 = fy(0.603), fy(0.650)
        tts = t_tubule_xs
        if len(tts) >= 6:
            for i0, i1 in ((1, 2), (3, 4)):
                mid, half = (tts[i0] + tts[i1]) / 2, (tts[i1] - tts[i0]) * 0.36
                nucleus_ellipses.append(_rect(mid - half, ny0, mid + half, ny1))
            for i0, i1 in ((0, 1), (2, 3), (4, 5)):
                mid, half = (tts[i0] + tts[i1]) / 2, (tts[i1] - tts[i0]) * 0.22
                muscle_mito.append(_rect(mid - half, fy(0.612), mid + half, fy(0.642)))
        sr_rects: list[pygame.Rect] = []
        cisternae: list[pygame.Rect] = []
        cw = max(1.0, 0.017 * W)
        cg = tt_hw + max(1.0, 0.0025 * W)
        for tt in tts:
            for side in (-1, 1):
                x_in = tt + side * cg
                x_out = tt + side * (cg + cw)
                cisternae.append(_rect(x_in, sr_top - 0.008 * H, x_out, sr_bottom + 0.012 * H))
        bounds = [float(X0) - cw] + tts + [float(X0 + W) + cw]
        for xa_, xb_ in zip(bounds, bounds[1:]):
            l_ = xa_ + cg + cw * 0.7
            r_ = xb_ - cg - cw * 0.7
            if r_ - l_ > 2:
                sr_rects.append(_rect(l_, sr_top + 0.012 * H, r_, sr_bottom - 0.012 * H))
        sr_rects = sr_rects + cisternae
        sarcomere_rect = _rect(X0, sarc_top, X0 + W, sarc_bottom)

        # ---- regions for hover / click-to-identify
        regions: dict[str, pygame.Rect] = {}
        bare = centre[i_end: join + 1]
        if bare:
            xs_, ys_ = [p[0] for p in bare], [p[1] for p in bare]
            regions["motor_axon"] = _rect(min(xs_) - r_ax, min(ys_) - r_ax, max(xs_) + r_ax, max(ys_))
        if myelin_polys:
            allp = [p for poly in myelin_polys for p in poly]
            regions["myelin"] = _rect(max(X0, min(p[0] for p in allp)), min(p[1] for p in allp),
                                      max(p[0] for p in allp), max(p[1] for p in allp))
        for i, sp in enumerate(schwann_polys):
            regions[f"schwann_cell#{i}"] = _rect(min(p[0] for p in sp), min(p[1] for p in sp),
                                                 max(p[0] for p in sp), max(p[1] for p in sp))
        regions["axon_terminal"] = terminal_rect.copy()
        for i, m in enumerate(mito_ellipses):
            regions[f"mitochondrion#{i}"] = m.copy()
        pool = [v for v, z in zip(vesicle_positions, vesicle_zone) if z < 0]
        if pool:
            regions["synaptic_vesicles"] = _rect(min(p[0] for p in pool) - ves_r, min(p[1] for p in pool) - ves_r,
                                                 max(p[0] for p in pool) + ves_r, max(p[1] for p in pool) + ves_r)
        for k, xa in enumerate(active_zone_xs):
            regions[f"active_zone#{k}"] = _rect(xa - fw * 1.6, cleft_top - ves_r * 2.4, xa + fw * 1.6, cleft_top + 1)
            regions[f"ca_channels#{k}"] = _rect(xa - fw * 2.8, cleft_top - fw * 0.8, xa - fw * 1.6, cleft_top + fw * 0.4)
        regions["synaptic_cleft"] = _rect(cx - a, cleft_top + 1, cx + a, cleft_bottom - 1)
        regions["basal_lamina"] = _rect(cx - a, bl_y - max(1.0, 0.003 * H), cx + a, bl_y + max(1.0, 0.003 * H))
        for i, (x_, y_) in enumerate(ache_positions):
            s_ = max(2.0, 0.006 * H)
            regions[f"ache#{i}"] = _rect(x_ - s_, y_ - s_, x_ + s_, y_ + s_)
        regions["motor_end_plate"] = _rect(ep_l, cleft_bottom - 1, ep_r, fold_bottom + 2)
        regions["junctional_folds"] = _rect(fold_xs[0] - fw * 2, cleft_bottom + fw, fold_xs[-1] + fw * 2, fold_bottom)
        for i, (x0_, x1_) in enumerate(crest_ranges):
            regions[f"achr#{i}"] = _rect(x0_, cleft_bottom - receptor_size, x1_, cleft_bottom + 1)
        for i, xc in enumerate(fold_xs):
            regions[f"na_channels#{i}"] = _rect(xc - fw * 1.6, cleft_bottom + 0.5 * depth, xc + fw * 1.6, fold_bottom)
        regions["sarcolemma#0"] = _rect(X0, cleft_bottom - 3, cx - a, cleft_bottom + 3)
        regions["sarcolemma#1"] = _rect(cx + a, cleft_bottom - 3, X0 + W, cleft_bottom + 3)
        regions["extracellular_fluid#0"] = _rect(X0, fy(0.12), cx - a, cleft_bottom - 3)
        regions["extracellular_fluid#1"] = _rect(cx + a, fy(0.12), X0 + W, cleft_bottom - 3)
        regions["muscle_fibre"] = _rect(X0, fold_bottom, X0 + W, sr_top)
        for i, n_ in enumerate(nucleus_ellipses):
            regions[f"muscle_nucleus#{i}"] = n_.copy()
        for i, m in enumerate(muscle_mito):
            regions[f"muscle_mitochondrion#{i}"] = m.copy()
        for i, tt in enumerate(tts):
            regions[f"t_tubule#{i}"] = _rect(tt - max(2.0, tt_hw * 1.5), cleft_bottom + 2, tt + max(2.0, tt_hw * 1.5), sr_bottom)
        regions["sarcoplasmic_reticulum"] = _rect(X0, sr_top - 0.008 * H, X0 + W, sr_bottom + 0.012 * H)
        regions["sarcomere"] = sarcomere_rect.copy()
        for k in range(len(z_line_xs) - 1):
            za, zb = z_line_xs[k], z_line_xs[k + 1]
            regions[f"myosin#{k}"] = _rect(za + 0.19 * zstep, sarc_top, zb - 0.19 * zstep, sarc_bottom)
            regions[f"actin#{2 * k}"] = _rect(za + 0.02 * zstep, sarc_top, za + 0.17 * zstep, sarc_bottom)
            regions[f"actin#{2 * k + 1}"] = _rect(zb - 0.17 * zstep, sarc_top, zb - 0.02 * zstep, sarc_bottom)
        for k, z in enumerate(z_line_xs):
            regions[f"z_line#{k}"] = _rect(z - max(2.0, 0.006 * W), sarc_top, z + max(2.0, 0.006 * W), sarc_bottom)
        regions = {k: v.clip(rect) if v.colliderect(rect) else pygame.Rect(v.clamp(rect).topleft, (1, 1))
                   for k, v in regions.items()}
        regions = {k: (v if v.w > 0 and v.h > 0 else pygame.Rect(v.x, v.y, 1, 1)) for k, v in regions.items()}

        # ---- label placement (text, target, label position): a left column right-aligned at lx, a right
        # column left-aligned at rx, and a few labels inside the fibre.
        lx, rx = cx - a - 0.02 * W, cx + a + 0.02 * W
        labels: list[tuple[str, Point, Point, str]] = []
        if bare:
            mid_bare = bare[len(bare) // 2]
            labels.append(("Motor axon", (mid_bare[0] + r_ax * 0.3, mid_bare[1]), (fx(0.50), fy(0.05)), 'midleft'))
        if myelin_polys:
            mp = centre[int(0.30 * (n_ax - 1))]
            labels.append(("Myelin sheath", (mp[0], mp[1] + (r_ax + r_my) / 2), (lx, fy(0.165)), 'midright'))
        if schwann_polys:
            sp = schwann_polys[-1][len(schwann_polys[-1]) // 3]
            labels.append(("Schwann cell", (sp[0], sp[1] + cap * 0.4), (rx, fy(0.13)), 'midleft'))
        labels.append(("Axon terminal", (cx + a * 0.80, cleft_top - b * 0.45), (rx, fy(0.235)), 'midleft'))
        m0 = mito_ellipses[0]
        labels.append(("Mitochondrion", (m0.left + m0.w * 0.12, m0.centery), (lx, fy(0.245)), 'midright'))
        if pool:
            pv = min(pool, key=lambda p: p[0])
            labels.append(("Synaptic vesicles", pv, (lx, fy(0.325)), 'midright'))
        if active_zone_xs:
            xa = active_zone_xs[-1]
            labels.append(("Active zone", (xa, cleft_top - 2), (rx, fy(0.325)), 'midleft'))
            labels.append(("Ca2+ channel", (xa + fw * 2.2, cleft_top), (rx, fy(0.385)), 'midleft'))
        labels.append(("Synaptic cleft", (cx - a * 0.93, (cleft_top + cleft_bottom) / 2), (lx, fy(0.445)), 'midright'))
        bl_ache = ache_positions[: len(ache_positions) - len(fold_xs)]
        if bl_ache:
            ap_ = max(bl_ache, key=lambda p: p[0])
            labels.append(("AChE (basal lamina)", ap_, (rx, fy(0.445)), 'midleft'))
        if receptor_positions:
            rp = receptor_positions[1] if len(receptor_positions) > 1 else receptor_positions[0]
            labels.append(("ACh receptors", (rp[0], rp[1] - receptor_size * 0.5), (lx, fy(0.525)), 'midright'))
        if fold_xs:
            labels.append(("Junctional fold", (fold_xs[-1] + fw, cleft_bottom + 0.35 * depth), (rx, fy(0.545)), 'midleft'))
            labels.append(("Na+ channels", (fold_xs[0] - fw, cleft_bottom + 0.72 * depth), (lx, fy(0.585)), 'midright'))
        labels.append(("Sarcolemma", (fx(0.965), cleft_bottom), (rx, fy(0.60)), 'midleft'))
        if len(nucleus_ellipses) > 1:
            n1 = nucleus_ellipses[1]
            labels.append(("Nucleus", (n1.right - n1.w * 0.12, n1.centery), (rx, fy(0.655)), 'midleft'))
        if tts:
            labels.append(("T-tubule", (tts[0], (cleft_bottom + sr_top) / 2 + 0.03 * H), (lx, fy(0.645)), 'midright'))
            labels.append(("Sarcoplasmic reticulum", (tts[1] - cg - cw * 0.5, sr_top + 0.012 * H), (lx, fy(0.705)), 'midright'))
        if len(z_line_xs) >= 3:
            za, zb = z_line_xs[1], z_line_xs[2]
            sh = sarc_bottom - sarc_top
            labels.append(("Z-line", (za, sarc_top + 0.25 * sh), (za + 0.03 * W, sarc_top + 0.25 * sh), 'midleft'))
            labels.append(("Actin", (za + 0.10 * zstep, sarc_top + 0.71 * sh), (za + 0.03 * W, sarc_top + 0.80 * sh), 'midleft'))
            labels.append(("Myosin", ((za + zb) / 2 + 0.17 * zstep, sarc_top + 0.42 * sh), ((za + zb) / 2 + 0.28 * zstep, sarc_top + 0.42 * sh), 'midleft'))

        return cls(
            rect=rect, unit=unit, axon_path=axon_path, axon_radius=r_ax, myelin_radius=r_my, myelin_end=myelin_end,
            myelin_polys=myelin_polys, terminal_poly=terminal_poly, terminal_rect=terminal_rect,
            terminal_centre=t_mid, schwann_polys=schwann_polys, schwann_nucleus=schwann_nucleus, mito_ellipses=mito_ellipses,
            active_zone_xs=active_zone_xs, ca_channel_positions=ca_pos, vesicle_positions=vesicle_positions,
            vesicle_zone=vesicle_zone, vesicle_r=ves_r, cleft_top=cleft_top, cleft_bottom=cleft_bottom,
            fold_bottom=fold_bottom, fold_xs=fold_xs, fold_half_width=fw, crest_ranges=crest_ranges,
            receptor_positions=receptor_positions, receptor_size=receptor_size, na_channel_positions=na_pos,
            ache_positions=ache_positions, basal_lamina_path=bl, membrane_path=membrane_path,
            endplate_x=(ep_l, ep_r), fibre_poly=fibre_poly, nucleus_ellipses=nucleus_ellipses,
            muscle_mito_ellipses=muscle_mito, t_tubule_xs=t_tubule_xs, t_tubule_top=t_tubule_top,
            t_tubule_bottom=t_tubule_bottom, t_tubule_half_width=tt_hw, sr_rects=sr_rects,
            cisternae_rects=cisternae, sarcomere_rect=sarcomere_rect, z_line_xs=z_line_xs, regions=regions,
            label_specs=labels,
        )

    # ----------------------------------------------------------------------------------------------------
    @property
    def sarcomere_length(self) -> float:
        return (self.z_line_xs[1] - self.z_line_xs[0]) if len(self.z_line_xs) > 1 else float(self.rect.w)

    def identify(self, pos: Sequence[float]) -> str | None:
        """The region name under `pos` (smallest matching region; the terminal, cleft and fibre use their
        true outlines), or None outside the lens."""
        x, y = float(pos[0]), float(pos[1])
        if not self.rect.collidepoint(x, y):
            return None
        hits = [(r.w * r.h, name) for name, r in self.regions.items() if r.collidepoint(x, y)]
        hits.sort()
        for _, name in hits:
            key = structure_key(name)
            if key == "axon_terminal" and not _point_in_polygon(x, y, self.terminal_poly):
                continue
            if key == "schwann_cell" and not any(_point_in_polygon(x, y, p) for p in self.schwann_polys):
                continue
            if key == "motor_axon" and not _point_in_polygon(x, y, self.terminal_poly):
                continue
            return name
        if _point_in_polygon(x, y, self.terminal_poly):
            return "axon_terminal"
        if _point_in_polygon(x, y, self.fibre_poly):
            return "muscle_fibre"
        return "extracellular_fluid#0"


# --- static drawing ---------------------------------------------------------------------------------------

class _Clip:
    """Context manager: restrict drawing to `rect` (intersected with the current clip)."""

    def __init__(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        self.surface, self.rect = surface, rect
        self.old: pygame.Rect | None = None

    def __enter__(self) -> "_Clip":
        self.old = self.surface.get_clip()
        self.surface.set_clip(self.rect.clip(self.old) if self.old else self.rect)
        return self

    def __exit__(self, *exc) -> None:
        self.surface.set_clip(self.old)


def _lw(layout: LensLayout, base: float = 2.0) -> int:
    return max(1, int(round(base * layout.unit)))


def _soft_glow(surface: pygame.Surface, centre: Point, radius: float, colour, alpha: int) -> None:
    r = max(1, int(radius))
    glow = pygame.Surface((2 * r + 2, 2 * r + 2), pygame.SRCALPHA)
    steps = 5
    for i in range(steps):
        rr = r * (1 - i / steps)
        pygame.draw.circle(glow, (*colour[:3], int(alpha * (i + 1) / steps / 2)), (r + 1, r + 1), max(1, int(rr)))
    surface.blit(glow, (centre[0] - r - 1, centre[1] - r - 1))


def _draw_mitochondrion(surface: pygame.Surface, r: pygame.Rect, pal: Palette, lw: int) -> None:
    if r.w < 3 or r.h < 3:
        return
    fill = mix(pal.mitochondrion, pal.background, 0.45)
    pygame.draw.ellipse(surface, fill, r)
    pygame.draw.ellipse(surface, pal.mitochondrion, r, lw)
    # cristae: inward folds from alternate sides
    n = max(2, r.w // max(6, r.h // 2 + 3))
    for i in range(n):
        x = r.x + r.w * (i + 0.7) / (n + 0.4)
        t = (x - r.centerx) / (r.w / 2)
        half = r.h / 2 * math.sqrt(max(0.0, 1 - t * t))
        if i % 2 == 0:
            y0, y1 = r.centery - half + 1, r.centery + half * 0.35
        else:
            y0, y1 = r.centery + half - 1, r.centery - half * 0.35
        pygame.draw.line(surface, pal.mitochondrion, (x, y0), (x, y1), max(1, lw))


def draw_static(surface: pygame.Surface, layout: LensLayout, palette: Palette | None = None,
                labels: bool = False) -> None:
    """Draw every part of the lens that does not move, into ``layout.rect`` of `surface`.

    Vesicles, receptors, sarcomeres and the action potential are drawn by the dynamic functions (use
    :func:`draw_rest_state` for a still picture). With `labels`, leader-line labels are drawn on top
    (or call :func:`draw_labels` last, after the dynamic layers)."""
    pal = palette or get_palette()
    L = layout
    R = L.rect
    old_clip = surface.get_clip()
    surface.set_clip(R.clip(old_clip) if old_clip else R)
    lw = _lw(L)
    thin = _lw(L, 1.0)

    # extracellular background with a faint vertical gradient
    surface.fill(pal.background, R)
    if R.h >= 8:
        band = max(1, R.h // 24)
        for i in range(0, int(L.cleft_bottom - R.y), band):
            t = i / max(1.0, (L.cleft_bottom - R.y))
            c = mix(pal.background, pal.cleft, t * 0.9)
            surface.fill(c, pygame.Rect(R.x, R.y + i, R.w, band))

    # ---- muscle fibre
    _poly(surface, pal.fibre_fill, L.fibre_poly)
    # myofibril bed
    sr_ = L.sarcomere_rect
    pygame.draw.rect(surface, mix(pal.fibre_fill, pal.background, 0.35), sr_)
    for n_ in L.nucleus_ellipses:
        if n_.w >= 3 and n_.h >= 3:
            pygame.draw.ellipse(surface, pal.nucleus, n_)
            pygame.draw.ellipse(surface, mix(pal.nucleus, pal.text, 0.35), n_, thin)
            nuc = n_.inflate(-n_.w * 0.7, -n_.h * 0.45)
            if nuc.w > 1 and nuc.h > 1:
                pygame.draw.ellipse(surface, mix(pal.nucleus, pal.text, 0.25), nuc)
    for m in L.muscle_mito_ellipses:
        _draw_mitochondrion(surface, m, pal, thin)

    # SR: longitudinal network + terminal cisternae (with stored Ca2+)
    for r in L.sr_rects:
        if r in L.cisternae_rects:
            continue
        if r.w >= 2 and r.h >= 2:
            rad = max(1, r.h // 2)
            pygame.draw.rect(surface, mix(pal.sr, pal.background, 0.3), r, border_radius=rad)
            pygame.draw.rect(surface, pal.sr, r, thin, border_radius=rad)
            # fenestrations: small holes give the network look
            hole = max(1, r.h // 5)
            for x in range(r.x + r.h, r.right - r.h, max(4, r.h + 2)):
                pygame.draw.ellipse(surface, mix(pal.sr, pal.fibre_fill, 0.75), pygame.Rect(x, r.centery - hole, max(2, r.h // 2), 2 * hole))
    rng = np.random.default_rng(3)
    for r in L.cisternae_rects:
        if r.w >= 2 and r.h >= 2:
            rad = max(1, r.w // 2)
            pygame.draw.rect(surface, mix(pal.sr, pal.background, 0.15), r, border_radius=rad)
            pygame.draw.rect(surface, mix(pal.sr, pal.sr_ca, 0.5), r, thin, border_radius=rad)
            if r.w >= 8:
                for _ in range(3):
                    px = r.x + rng.uniform(0.3, 0.7) * r.w
                    py = r.y + rng.uniform(0.2, 0.8) * r.h
                    draw_marker(surface, "plus", (px, py), max(3.0, 4 * L.unit), pal.sr_ca, width=1)

    # T-tubules: from the sarcolemma down to the triads
    hw = L.t_tubule_half_width
    for tt in L.t_tubule_xs:
        top = L.t_tubule_top
        tube = _rect(tt - hw, top, tt + hw, L.t_tubule_bottom)
        pygame.draw.rect(surface, pal.background, tube, border_radius=max(0, int(hw)))
        pygame.draw.line(surface, pal.t_tubule, (tt - hw, top + hw), (tt - hw, L.t_tubule_bottom - hw), thin)
        pygame.draw.line(surface, pal.t_tubule, (tt + hw, top + hw), (tt + hw, L.t_tubule_bottom - hw), thin)
        pygame.draw.arc(surface, pal.t_tubule, _rect(tt - hw, L.t_tubule_bottom - 2 * hw, tt + hw, L.t_tubule_bottom),
                        math.pi, 2 * math.pi, thin)

    # ---- cleft: basal lamina with AChE
    bl_col = pal.basal_lamina
    if len(L.basal_lamina_path) >= 2:
        pygame.draw.lines(surface, mix(bl_col, pal.background, 0.55), False, L.basal_lamina_path, max(1, _lw(L, 4.0)))
        pygame.draw.aalines(surface, bl_col, False, L.basal_lamina_path)
    ache_size = max(3.0, 9.0 * L.unit)
    for p in L.ache_positions:
        draw_marker(surface, "diamond", p, ache_size, pal.ache)
        if ache_size >= 6:
            draw_marker(surface, "diamond", p, ache_size, mix(pal.ache, pal.text, 0.5), width=1)

    # ---- postsynaptic membrane / sarcolemma (with the folds)
    if len(L.membrane_path) >= 2:
        pygame.draw.lines(surface, mix(pal.sarcolemma, pal.background, 0.5), False, L.membrane_path, _lw(L, 5.0))
        pygame.draw.lines(surface, pal.sarcolemma, False, L.membrane_path, lw)
    # Na+ channels in the fold depths (triangles, as the Na+ marker)
    na_size = max(3.0, 7.0 * L.unit)
    for p in L.na_channel_positions:
        draw_marker(surface, "triangle", p, na_size, pal.na)

    # ---- presynaptic side: myelin, Schwann cell, terminal
    for poly in L.myelin_polys:
        _poly(surface, pal.myelin, poly)
        _aa_poly_outline(surface, mix(pal.myelin, pal.background, 0.45), poly, thin)
    for sp in L.schwann_polys:
        _poly(surface, pal.schwann, sp)
        _aa_poly_outline(surface, mix(pal.schwann, pal.text, 0.35), sp, thin)
    if L.schwann_nucleus is not None and L.schwann_nucleus.w > 2 and L.schwann_nucleus.h > 2:
        pygame.draw.ellipse(surface, mix(pal.schwann, pal.nucleus, 0.6), L.schwann_nucleus)
        pygame.draw.ellipse(surface, mix(pal.schwann, pal.text, 0.35), L.schwann_nucleus, thin)
    _poly(surface, pal.terminal_fill, L.terminal_poly)
    # faint inner shading toward the release face
    tr = L.terminal_rect
    if tr.w > 4 and tr.h > 4:
        shade = pygame.Surface(tr.size, pygame.SRCALPHA)
        for i in range(8):
            h_ = int(tr.h * (1 - i / 8) * 0.45)
            pygame.draw.ellipse(shade, (*pal.axon[:3], 6), pygame.Rect(tr.w * 0.1, tr.h - h_, tr.w * 0.8, h_ * 2))
        surface.blit(shade, tr)
    # myelin lamellae drawn over the axon edges
    for poly in L.myelin_polys:
        n = len(poly) // 2
        if n >= 2:
            upper, lower = poly[:n], poly[n:][::-1]
            for f in (0.3, 0.55):
                line_u = [(u[0] + (lo[0] - u[0]) * f * 0.18, u[1] + (lo[1] - u[1]) * f * 0.18) for u, lo in zip(upper, lower)]
                line_l = [(lo[0] + (u[0] - lo[0]) * f * 0.18, lo[1] + (u[1] - lo[1]) * f * 0.18) for u, lo in zip(upper, lower)]
                for ln in (line_u, line_l):
                    pygame.draw.aalines(surface, mix(pal.myelin, pal.background, 0.3), False, ln)
    # axon core over the myelinated part (the myelin wraps the axon)
    for poly in L.myelin_polys:
        n = len(poly) // 2
        if n >= 2:
            upper, lower = poly[:n], poly[n:][::-1]
            k = L.axon_radius / max(1e-6, L.myelin_radius)
            core = ([(c[0] + (u[0] - c[0]) * k, c[1] + (u[1] - c[1]) * k) for u, c in
                     zip(upper, [((u[0] + lo[0]) / 2, (u[1] + lo[1]) / 2) for u, lo in zip(upper, lower)])])
            core_l = ([(c[0] + (lo[0] - c[0]) * k, c[1] + (lo[1] - c[1]) * k) for lo, c in
                       zip(lower, [((u[0] + lo[0]) / 2, (u[1] + lo[1]) / 2) for u, lo in zip(upper, lower)])])
            core_poly = core + core_l[::-1]
            # rounded ends of the myelin (paranodal loops) at both ends of each internode
            band_r = (1 - k) / 2 * L.myelin_radius
            if band_r >= 1.5:
                for i_end in (0, n - 1):
                    cxy = ((upper[i_end][0] + lower[i_end][0]) / 2, (upper[i_end][1] + lower[i_end][1]) / 2)
                    for edge in (upper[i_end], lower[i_end]):
                        m = (cxy[0] + (edge[0] - cxy[0]) * (1 + k) / 2, cxy[1] + (edge[1] - cxy[1]) * (1 + k) / 2)
                        pygame.draw.circle(surface, pal.myelin, m, band_r)
                        pygame.draw.circle(surface, mix(pal.myelin, pal.background, 0.45), m, band_r, 1)
            _poly(surface, pal.terminal_fill, core_poly)
            _aa_poly_outline(surface, pal.axon, core, thin, closed=False)
            _aa_poly_outline(surface, pal.axon, core_l, thin, closed=False)
    _aa_poly_outline(surface, pal.terminal, L.terminal_poly, lw)
    # mitochondria
    for m in L.mito_ellipses:
        _draw_mitochondrion(surface, m, pal, thin)
    # active zones: dense bars on the inner face of the membrane, Ca2+ channels beside them
    az_w = max(2.0, L.fold_half_width * 1.5)
    az_h = max(1.0, 3.5 * L.unit)
    for xa in L.active_zone_xs:
        pts = [(xa - az_w, L.cleft_top - 1), (xa + az_w, L.cleft_top - 1), (xa + az_w * 0.45, L.cleft_top - 1 - az_h * 1.6),
               (xa - az_w * 0.45, L.cleft_top - 1 - az_h * 1.6)]
        _poly(surface, pal.active_zone, pts)
    ca_w = max(1.0, 2.5 * L.unit)
    for (x, y) in L.ca_channel_positions:
        ch = _rect(x - ca_w, y - ca_w * 1.6, x + ca_w, y + ca_w * 1.6)
        pygame.draw.rect(surface, mix(pal.ca, pal.background, 0.35), ch, border_radius=max(0, int(ca_w)))
        pygame.draw.line(surface, pal.ca, (x, y - ca_w * 1.4), (x, y + ca_w * 1.4), 1)

    surface.set_clip(old_clip)
    if labels:
        draw_labels(surface, layout, pal)


_SARCOMERE_LABELS = {"Z-line", "Actin", "Myosin"}


def draw_labels(surface: pygame.Surface, layout: LensLayout, palette: Palette | None = None,
                size: float | None = None, shortening: float = 0.0) -> None:
    """Leader-line labels for the main structures (skipped when the lens is too small to read them).
    Pass the current `shortening` so the sarcomere labels follow the sliding filaments."""
    pal = palette or get_palette()
    R = layout.rect
    if R.w < 520 or R.h < 250:
        return
    size = size if size is not None else max(15.0, min(22.0, 20.0 * layout.unit))
    old_clip = surface.get_clip()
    surface.set_clip(R.clip(old_clip) if old_clip else R)
    bg = (*pal.panel[:3], 230)
    # the sarcomere: a bracket from Z-line to Z-line under the myofibril
    k = 1.0 - 0.30 * min(1.0, max(0.0, float(shortening)))
    cxm = layout.rect.centerx

    def slide(x: float) -> float:
        return cxm + (x - cxm) * k

    zs = [slide(z) for z in layout.z_line_xs]
    sr_ = layout.sarcomere_rect
    if len(zs) >= 3 and R.bottom - sr_.bottom >= 12:
        za, zb = zs[1], zs[2]
        yb = sr_.bottom + max(4, (R.bottom - sr_.bottom) * 0.3)
        col = pal.text_dim
        pygame.draw.line(surface, col, (za, sr_.bottom + 2), (za, yb), 1)
        pygame.draw.line(surface, col, (zb, sr_.bottom + 2), (zb, yb), 1)
        label_r = tx.draw_text(surface, "Sarcomere: Z-line to Z-line", ((za + zb) / 2, yb), size * 0.95, pal.text,
                               anchor="center", shadow=True)
        pygame.draw.line(surface, col, (za, yb), (label_r.left - 6, yb), 1)
        pygame.draw.line(surface, col, (label_r.right + 6, yb), (zb, yb), 1)
    for text, target, pos, anchor in layout.label_specs:
        if text in _SARCOMERE_LABELS and k != 1.0:
            target = (slide(target[0]), target[1])
            pos = (slide(pos[0]), pos[1])
        # keep the box inside the lens
        w, h = tx.text_size(text, size)
        w += 2 * max(3, tx.scaled(size) // 5)
        x, y = pos
        if anchor == "midleft" and x + w > R.right - 2:
            x = R.right - 2 - w
        if anchor == "midright" and x - w < R.left + 2:
            x = R.left + 2 + w
        tx.draw_label(surface, text, target, (x, y), pal.text, size, line_colour=pal.text_dim, background=bg,
                      anchor=anchor)
    surface.set_clip(old_clip)


_STATIC_CACHE: dict[tuple, pygame.Surface] = {}


def static_surface(layout: LensLayout, palette: Palette | None = None, labels: bool = False) -> pygame.Surface:
    """The static lens rendered once into its own surface (size of ``layout.rect``), cached by size,
    palette, labels and text scale. Blit it at ``layout.rect.topleft``."""
    pal = palette or get_palette()
    key = (layout.rect.size, pal.name, bool(labels), tx.get_text_scale())
    surf = _STATIC_CACHE.get(key)
    if surf is None:
        if len(_STATIC_CACHE) > 8:
            _STATIC_CACHE.clear()
        local = LensLayout.from_rect(pygame.Rect((0, 0), layout.rect.size))
        surf = pygame.Surface(layout.rect.size).convert() if pygame.display.get_surface() else pygame.Surface(layout.rect.size)
        draw_static(surf, local, pal, labels)
        _STATIC_CACHE[key] = surf
    return surf


# --- dynamic pieces -----------------------------------------------------------------------------------------

_SPRITES: dict[tuple, pygame.Surface] = {}


def _sprite_cache_put(key: tuple, surf: pygame.Surface) -> pygame.Surface:
    if len(_SPRITES) > 2048:
        _SPRITES.clear()
    _SPRITES[key] = surf
    return surf


def _vesicle_sprite(r: float, fusing: float, pal: Palette) -> pygame.Surface:
    rq = max(1.0, round(r * 2) / 2)
    fq = round(min(1.0, max(0.0, fusing)) * 20) / 20
    key = ("ves", rq, fq, pal.name)
    s = _SPRITES.get(key)
    if s is not None:
        return s
    size = int(math.ceil(rq * 2 + 4))
    s = pygame.Surface((size, size), pygame.SRCALPHA)
    c = (size / 2, size / 2)
    if fq <= 0.0:
        if rq >= 2.5:
            pygame.draw.circle(s, (*mix(pal.vesicle, pal.terminal_fill, 0.78), 255), c, rq)
            pygame.draw.aacircle(s, pal.vesicle, c, rq, max(1, int(rq / 5)))
            # a few ACh inside
            d = rq * 0.42
            for k in range(4):
                ang = k * math.pi / 2 + 0.6
                s.set_at((int(c[0] + d * math.cos(ang)), int(c[1] + d * math.sin(ang))), pal.ach)
        else:
            pygame.draw.circle(s, pal.vesicle, c, rq)
    else:
        # the vesicle opens at its bottom (toward the cleft) and flattens into the membrane
        ry = rq * (1 - 0.75 * fq)
        box = pygame.Rect(0, 0, int(rq * 2), max(2, int(ry * 2)))
        box.midbottom = (int(c[0]), int(c[1] + rq))
        gap = math.pi * (0.15 + 1.35 * fq)          # opening angle centred at the bottom
        start = -math.pi / 2 + gap / 2
        stop = 3 * math.pi / 2 - gap / 2
        # arc angles in pygame are counter-clockwise from +x (y up); bottom is -pi/2
        if rq >= 2:
            inner = mix(pal.vesicle, pal.terminal_fill, 0.78)
            pygame.draw.ellipse(s, (*inner, int(255 * (1 - fq))), box)
            pygame.draw.arc(s, pal.vesicle, box, start, stop, max(1, int(rq / 5)))
            if fq < 0.6:
                for k in range(3):
                    s.set_at((int(c[0] - rq * 0.4 + k * rq * 0.4), int(c[1] + rq * (0.6 + 0.5 * fq))), pal.ach)
        else:
            pygame.draw.circle(s, (*pal.vesicle, int(255 * (1 - fq))), c, rq)
    return _sprite_cache_put(key, s)


def draw_vesicle(surface: pygame.Surface, pos: Sequence[float], r: float, fusing_fraction: float = 0.0,
                 palette: Palette | None = None) -> None:
    """One synaptic vesicle of radius `r` centred at `pos`. `fusing_fraction` 0 = intact, ~0.3 = fusion
    pore open toward the cleft, 1 = collapsed into the membrane (drawn as a shallow open cup)."""
    pal = palette or get_palette()
    spr = _vesicle_sprite(r, fusing_fraction, pal)
    surface.blit(spr, (pos[0] - spr.get_width() / 2, pos[1] - spr.get_height() / 2))


def _receptor_sprite(state: str, size: float, pal: Palette) -> pygame.Surface:
    if state not in RECEPTOR_STATES:
        raise ValueError(f"unknown receptor state {state!r}; expected one of {RECEPTOR_STATES}")
    h = max(3, int(round(size)))
    key = ("achr", state, h, pal.name)
    s = _SPRITES.get(key)
    if s is not None:
        return s
    w = max(3, int(round(h * 0.62)))
    pad = max(1, h // 4)
    W, H = w + 2 * pad, h + 2 * pad
    s = pygame.Surface((W, H), pygame.SRCALPHA)
    base_y = H - pad                       # membrane level
    x0 = pad
    cx = x0 + w / 2
    closed_c, open_c = pal.achr_closed, pal.achr_open
    ach_r = max(1, int(round(h * 0.13)))
    small = h < 8
    top = base_y - h
    inset = max(0.0, w * 0.14)          # the channel narrows toward the membrane (a funnel-shaped vestibule)

    def trap(colour, xa: float, xb: float, width: int = 0, shrink_left: bool = True, shrink_right: bool = True) -> None:
        pts = [(xa, top), (xb, top), (xb - (inset if shrink_right else 0), base_y),
               (xa + (inset if shrink_left else 0), base_y)]
        pygame.draw.polygon(s, colour, pts, width)

    def ach_dots(hollow: bool = False, both: bool = True) -> None:
        if small:
            s.set_at((int(x0), int(base_y - h * 0.6)), pal.ach)
            return
        xs_ = (x0 - ach_r * 0.3, x0 + w + ach_r * 0.3) if both else (x0 - ach_r * 0.3,)
        for sx in xs_:
            pygame.draw.circle(s, pal.ach, (sx, base_y - h * 0.62), ach_r, 1 if hollow else 0)

    if state == "open":
        # two halves apart: a clear pore down the middle; ACh on both sites
        gap = max(1.0, w * 0.28)
        half_w = (w - gap) / 2
        trap(open_c, x0, x0 + half_w, shrink_right=False)
        trap(open_c, x0 + w - half_w, x0 + w, shrink_left=False)
        ach_dots()
    elif state in ("closed", "bound1"):
        trap(closed_c, x0, x0 + w)
        pygame.draw.line(s, mix(closed_c, pal.background, 0.65), (cx, top + max(1, h // 4)), (cx, base_y - 1), 1)
        if state == "bound1":
            ach_dots(both=False)
    elif state == "desensitised":
        # hollow outline, gate shut low down, ACh still bound: "stuck"
        trap(closed_c, x0, x0 + w, max(1, int(w * 0.16)))
        pygame.draw.line(s, closed_c, (x0 + inset * 0.6, base_y - h * 0.3), (x0 + w - inset * 0.6, base_y - h * 0.3),
                         max(1, h // 8))
        ach_dots(hollow=True)
    elif state == "blocked":
        # dimmed body with a lid across the top and an X: nothing can pass
        trap(mix(closed_c, pal.background, 0.45), x0, x0 + w)
        lid = max(1, h // 5)
        pygame.draw.rect(s, pal.antibody, (x0 - pad // 2, top - lid // 2, w + pad, lid))
        d = w * 0.3
        pygame.draw.line(s, pal.text, (cx - d, base_y - h * 0.7), (cx + d, base_y - h * 0.2), 1)
        pygame.draw.line(s, pal.text, (cx - d, base_y - h * 0.2), (cx + d, base_y - h * 0.7), 1)
    return _sprite_cache_put(key, s)


def draw_receptor(surface: pygame.Surface, pos: Sequence[float], state: str = "closed",
                  palette: Palette | None = None, size: float = 12.0) -> None:
    """One AChR standing on the membrane at `pos` (its base), pointing up into the cleft.

    States differ by shape: closed = solid body; bound1 = solid + one ACh; open = split body with a pore,
    lighter, two ACh; desensitised = hollow body with a low bar (shut), two hollow ACh; blocked = dimmed body
    with a lid and an X."""
    pal = palette or get_palette()
    spr = _receptor_sprite(state, size, pal)
    w, h = spr.get_size()
    pad = max(1, max(3, int(round(size))) // 4)
    surface.blit(spr, (pos[0] - w / 2, pos[1] - h + pad))


def draw_antibody(surface: pygame.Surface, pos: Sequence[float], attached: bool = False,
                  palette: Palette | None = None, size: float = 14.0, angle: float = 0.0) -> None:
    """An antibody (a Y). Free: upright Y at `pos`, optionally rotated by `angle` radians. Attached: upside
    down with both arms gripping the receptor top at `pos`, plus a small grip mark."""
    pal = palette or get_palette()
    s = max(3.0, float(size))
    x, y = float(pos[0]), float(pos[1])
    col = pal.antibody
    lw = max(1, int(round(s / 6)))
    if attached:
        # arms reach down onto the receptor; stem points up into the cleft
        fork = (x, y - s * 0.55)
        tips = [(x - s * 0.42, y - s * 0.08), (x + s * 0.42, y - s * 0.08)]
        stem = (x, y - s * 1.15)
    else:
        ca, sa = math.cos(angle), math.sin(angle)

        def rot(dx: float, dy: float) -> Point:
            return (x + dx * ca - dy * sa, y + dx * sa + dy * ca)

        fork = rot(0, 0)
        tips = [rot(-s * 0.38, -s * 0.42), rot(s * 0.38, -s * 0.42)]
        stem = rot(0, s * 0.55)
    pygame.draw.line(surface, col, fork, stem, lw + 1)
    for t in tips:
        pygame.draw.line(surface, col, fork, t, lw)
        pygame.draw.circle(surface, mix(col, pal.text, 0.3), t, max(1, lw))


def draw_sarcomeres(surface: pygame.Surface, layout: LensLayout, shortening: float = 0.0,
                    palette: Palette | None = None) -> None:
    """The myofibril in ``layout.sarcomere_rect``: Z-lines (zig-zag), actin thin filaments from each Z-line,
    myosin thick filaments with heads in the middle. `shortening` 0..1 slides the filaments (up to 30 %
    shorter sarcomeres) about the centre of the rect; cross-bridge heads tilt as they pull."""
    pal = palette or get_palette()
    R = layout.sarcomere_rect
    if R.w < 2 or R.h < 2:
        return
    s = min(1.0, max(0.0, float(shortening)))
    k = 1.0 - 0.30 * s
    cxm = layout.rect.centerx
    zs0 = layout.z_line_xs
    if len(zs0) < 2:
        return
    L0 = zs0[1] - zs0[0]
    L = L0 * k
    # extend the Z pattern to fill the rect after shortening
    z_first = cxm + (zs0[0] - cxm) * k
    zs = [z_first + i * L for i in range(-3, int(R.w / max(1.0, L)) + 5)]
    old_clip = surface.get_clip()
    surface.set_clip(R.clip(old_clip) if old_clip else R)
    pygame.draw.rect(surface, mix(pal.fibre_fill, pal.background, 0.35), R)
    unit = layout.unit
    thick_len = 0.64 * L0
    thin_len = 0.39 * L0
    rows = max(2, int(R.h / max(6.0, 26.0 * unit)))
    row_h = R.h / (rows + 0.4)
    top = R.y + 0.2 * row_h
    thin_w = max(1, int(round(2.0 * unit)))
    thick_w = max(1, int(round(5.0 * unit)))
    head = max(1.0, 4.0 * unit)
    # H-zone / A-band tint
    for za, zb in zip(zs, zs[1:]):
        mid = (za + zb) / 2
        aband = _rect(mid - thick_len / 2, R.y, mid + thick_len / 2, R.bottom)
        pygame.draw.rect(surface, mix(pal.fibre_fill, pal.myosin, 0.10), aband)
    for za, zb in zip(zs, zs[1:]):
        mid = (za + zb) / 2
        # thin filaments (between thick rows)
        for r_i in range(rows + 1):
            y = top + r_i * row_h
            pygame.draw.line(surface, pal.actin, (za, y), (za + thin_len, y), thin_w)
            pygame.draw.line(surface, pal.actin, (zb - thin_len, y), (zb, y), thin_w)
        # thick filaments with heads (none in the bare zone)
        for r_i in range(rows):
            y = top + (r_i + 0.5) * row_h
            x0, x1 = mid - thick_len / 2, mid + thick_len / 2
            pygame.draw.line(surface, pal.myosin, (x0, y), (x1, y), thick_w)
            if head >= 1.5 and row_h >= 8:
                tilt = 0.5 + 0.9 * s
                n_heads = int(thick_len / max(4.0, 9.0 * unit))
                bare = 0.12 * thick_len
                for h_i in range(n_heads):
                    hx = x0 + (h_i + 0.5) * thick_len / n_heads
                    if abs(hx - mid) < bare:
                        continue
                    direction = -1 if hx < mid else 1     # heads pull the thin filaments toward the centre
                    for sgn in (-1, 1):
                        pygame.draw.line(surface, mix(pal.myosin, pal.text, 0.25), (hx, y + sgn * thick_w / 2),
                                         (hx - direction * head * tilt * 0.6, y + sgn * (thick_w / 2 + head)), 1)
            # M line
            pygame.draw.line(surface, mix(pal.myosin, pal.text, 0.4), (mid, y - thick_w), (mid, y + thick_w), 1)
    # Z-lines as zig-zags
    zw = max(1, int(round(2.2 * unit)))
    amp = max(1.0, 3.0 * unit)
    for z in zs:
        pts = []
        n = max(2, int(R.h / max(3.0, 8.0 * unit)))
        for i in range(n + 1):
            pts.append((z + (amp if i % 2 else -amp), R.y + R.h * i / n))
        pygame.draw.lines(surface, pal.z_line, False, pts, zw)
    # soft top/bottom edges
    pygame.draw.line(surface, mix(pal.fibre_edge, pal.background, 0.4), R.topleft, R.topright, 1)
    pygame.draw.line(surface, mix(pal.fibre_edge, pal.background, 0.4), R.bottomleft, (R.right, R.bottom - 1), 1)
    surface.set_clip(old_clip)


def draw_ap_front(surface: pygame.Surface, path: Sequence[Point], fraction: float,
                  palette: Palette | None = None, width: float = 6.0, tail: float = 0.18) -> None:
    """An action potential at `fraction` (0..1) of the way along `path`: a bright head with a fading tail
    (the `tail` fraction of the path behind it). Outside 0..1 nothing is drawn."""
    if not path or len(path) < 2 or fraction < 0.0 or fraction > 1.0:
        return
    pal = palette or get_palette()
    col = pal.ap_trace
    n = 14
    head = point_along(path, fraction)
    prev = head
    for i in range(1, n + 1):
        f = fraction - tail * i / n
        if f < 0:
            break
        p = point_along(path, f)
        c = mix(col, pal.background, i / (n + 1))
        pygame.draw.line(surface, c, prev, p, max(1, int(round(width * (1 - 0.6 * i / n)))))
        prev = p
    _soft_glow(surface, head, width * 2.2, col, 200)
    pygame.draw.circle(surface, mix(col, pal.highlight, 0.6), head, max(1.0, width * 0.55))


def _membrane_split(layout: LensLayout) -> tuple[list[Point], list[Point], float]:
    """The membrane path split at the middle of the end plate, each half running outward."""
    xc = (layout.endplate_x[0] + layout.endplate_x[1]) / 2
    mp = layout.membrane_path
    left = [p for p in mp if p[0] <= xc][::-1]
    right = [p for p in mp if p[0] > xc]
    start = (xc, layout.cleft_bottom)
    return [start] + left, [start] + right, xc


def draw_sarcolemma_ap(surface: pygame.Surface, layout: LensLayout, fraction: float,
                       palette: Palette | None = None) -> None:
    """The muscle action potential spreading from the end plate along the sarcolemma in both directions and
    down every T-tubule. `fraction` 0..1 (0 = just starting at the end plate, 1 = reached the edges and the
    bottoms of the T-tubules). Outside 0..1 nothing is drawn."""
    if fraction < 0.0 or fraction > 1.0:
        return
    with _Clip(surface, layout.rect):
        _draw_sarcolemma_ap(surface, layout, fraction, palette)


def _draw_sarcolemma_ap(surface, layout, fraction, palette):
    pal = palette or get_palette()
    col = pal.ap_trace
    left, right, xc = _membrane_split(layout)
    R = layout.rect
    tt_len = max(1.0, layout.t_tubule_bottom - layout.t_tubule_top)
    reach = max(xc - R.left, R.right - xc) + tt_len
    front = fraction * reach                         # horizontal distance the front has travelled
    band = max(20.0, 0.16 * R.w)
    w = max(1, int(round(4 * layout.unit)))
    for half in (left, right):
        pts = [p for p in half if abs(p[0] - xc) <= front]
        if len(pts) >= 2:
            # colour by how long ago the front passed
            for p, q in zip(pts, pts[1:]):
                age = front - abs(q[0] - xc)
                t = min(1.0, age / band)
                pygame.draw.line(surface, mix(col, pal.sarcolemma, 0.25 + 0.75 * t), p, q, w if t < 0.6 else max(1, w - 1))
        # the front itself
        if front <= abs(half[-1][0] - xc):
            hx = xc + (front if half is right else -front)
            _soft_glow(surface, (hx, layout.cleft_bottom), 9 * layout.unit + 2, col, 220)
            pygame.draw.circle(surface, mix(col, pal.highlight, 0.6), (hx, layout.cleft_bottom), max(1.0, 3 * layout.unit))
    hw = layout.t_tubule_half_width
    for tt in layout.t_tubule_xs:
        d = front - abs(tt - xc)
        if d <= 0:
            continue
        depth = min(tt_len, d)
        y0, y1 = layout.t_tubule_top, layout.t_tubule_top + depth
        t = min(1.0, max(0.0, (d - depth) / band))
        c = mix(col, pal.t_tubule, 0.2 + 0.7 * t)
        pygame.draw.line(surface, c, (tt - hw, y0), (tt - hw, y1), max(1, w - 1))
        pygame.draw.line(surface, c, (tt + hw, y0), (tt + hw, y1), max(1, w - 1))
        if depth < tt_len:
            pygame.draw.circle(surface, mix(col, pal.highlight, 0.5), (tt, y1), max(1.0, 3 * layout.unit))


def draw_sr_release(surface: pygame.Surface, layout: LensLayout, level: float,
                    palette: Palette | None = None) -> None:
    """Ca2+ released from the SR: the terminal cisternae glow and a Ca2+ haze with small pluses spreads over
    the myofibril, in proportion to `level` (0..1)."""
    lv = min(1.0, max(0.0, float(level)))
    if lv <= 0.0:
        return
    with _Clip(surface, layout.rect):
        _draw_sr_release(surface, layout, lv, palette)


def _draw_sr_release(surface, layout, lv, palette):
    pal = palette or get_palette()
    col = pal.sr_ca
    for r in layout.cisternae_rects:
        if r.w >= 2 and r.h >= 2:
            g = pygame.Surface(r.size, pygame.SRCALPHA)
            pygame.draw.rect(g, (*col[:3], int(170 * lv)), g.get_rect(), border_radius=max(0, r.w // 2))
            surface.blit(g, r)
    R = layout.sarcomere_rect
    if R.w >= 2 and R.h >= 2:
        haze = pygame.Surface(R.size, pygame.SRCALPHA)
        haze.fill((*col[:3], int(46 * lv)))
        surface.blit(haze, R)
    # deterministic sprinkle of Ca2+ pluses below each triad
    rng = np.random.default_rng(11)
    n_per = int(round(14 * lv))
    size = max(3.0, 5.0 * layout.unit)
    top = R.top
    span = max(1.0, R.h)
    for tt in layout.t_tubule_xs:
        xs = tt + rng.normal(0, 0.045 * layout.rect.w, 14)
        ys = top + np.abs(rng.normal(0, 0.45, 14)) * span
        for x, y in zip(xs[:n_per], ys[:n_per]):
            if R.collidepoint(x, y):
                draw_marker(surface, "plus", (x, y), size, col, width=1)


def draw_rest_state(surface: pygame.Surface, layout: LensLayout, palette: Palette | None = None,
                    receptor_states: Sequence[str] | None = None) -> None:
    """The moving parts in their resting state (relaxed sarcomeres, intact vesicles, closed receptors):
    together with :func:`draw_static` this gives a complete still picture."""
    pal = palette or get_palette()
    old_clip = surface.get_clip()
    surface.set_clip(layout.rect.clip(old_clip) if old_clip else layout.rect)
    draw_sarcomeres(surface, layout, 0.0, pal)
    for p in layout.vesicle_positions:
        draw_vesicle(surface, p, layout.vesicle_r, 0.0, pal)
    for i, p in enumerate(layout.receptor_positions):
        st = receptor_states[i % len(receptor_states)] if receptor_states else "closed"
        draw_receptor(surface, p, st, pal, layout.receptor_size)
    surface.set_clip(old_clip)


# --- particles ------------------------------------------------------------------------------------------

#: Pixel stamp (dx, dy offsets) per particle kind; every kind has its own shape.
PARTICLE_STAMPS: dict[str, tuple[tuple[int, int], ...]] = {
    "ach": ((0, 0), (1, 0), (0, 1), (1, 1)),                               # 2x2 dot
    "ach_small": ((0, 0),),                                                # 1 px dot
    "ca": ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)),                      # tiny plus
    "na": ((0, -1), (-1, 0), (0, 0), (1, 0), (-2, 1), (-1, 1), (0, 1), (1, 1), (2, 1)),   # triangle
    "k": ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)),          # hollow square
    "choline": ((0, 0), (-1, -1), (1, 1), (-1, 1), (1, -1)),               # tiny x
}
_PARTICLE_ROLE = {"ach": "ach", "ach_small": "ach", "ca": "ca", "na": "na", "k": "k", "choline": "text_dim"}


def draw_particles(surface: pygame.Surface, xs, ys, kind: str = "ach", palette: Palette | None = None,
                   colour: Sequence[int] | None = None, clip: pygame.Rect | None = None) -> int:
    """Draw many particles fast by writing pixels (``pygame.surfarray.pixels2d``).

    `xs`, `ys`: numpy arrays (or sequences) of screen coordinates. `kind` picks the stamp shape
    (:data:`PARTICLE_STAMPS`: "ach" 2x2 dot, "ach_small" 1 px, "ca" plus, "na" triangle, "k" hollow square,
    "choline" x) and the palette role. Points outside the surface (or `clip`, default the surface clip) are
    skipped, NaNs too. Returns the number of particles drawn. The pixel array is released before returning,
    so the surface can be blitted right away."""
    if kind not in PARTICLE_STAMPS:
        raise ValueError(f"unknown particle kind {kind!r}")
    x = np.asarray(xs, dtype=np.float64).ravel()
    y = np.asarray(ys, dtype=np.float64).ravel()
    n = min(x.size, y.size)
    if n == 0:
        return 0
    x, y = x[:n], y[:n]
    pal = palette or get_palette()
    col = tuple(colour) if colour is not None else pal[_PARTICLE_ROLE[kind]]
    area = surface.get_rect()
    c = clip if clip is not None else surface.get_clip()
    area = area.clip(pygame.Rect(c)) if c is not None else area
    if area.w <= 0 or area.h <= 0:
        return 0
    ok = np.isfinite(x) & np.isfinite(y)
    xi = np.floor(x[ok]).astype(np.int64)
    yi = np.floor(y[ok]).astype(np.int64)
    inside = (xi >= area.left - 2) & (xi < area.right + 2) & (yi >= area.top - 2) & (yi < area.bottom + 2)
    xi, yi = xi[inside], yi[inside]
    if xi.size == 0:
        return 0
    mapped = surface.map_rgb(col)
    try:
        px = pygame.surfarray.pixels2d(surface)
    except (ValueError, pygame.error):
        # surfaces pixels2d cannot map (24-bit): slow fallback
        for dx, dy in PARTICLE_STAMPS[kind]:
            for a, b in zip(xi + dx, yi + dy):
                if area.collidepoint(int(a), int(b)):
                    surface.set_at((int(a), int(b)), col)
        return int(xi.size)
    try:
        for dx, dy in PARTICLE_STAMPS[kind]:
            ax = xi + dx
            ay = yi + dy
            m = (ax >= area.left) & (ax < area.right) & (ay >= area.top) & (ay < area.bottom)
            px[ax[m], ay[m]] = mapped
    finally:
        del px
    return int(xi.size)
