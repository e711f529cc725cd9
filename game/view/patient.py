"""The patient: a friendly, simple procedural face and upper body whose look shows the muscle state.

:func:`draw_patient` takes only numbers in 0..1, so it can be driven by the model, a level's script or a
test. What each input shows:

* ``eyelid_open``: 1 = lids fully up, 0 = closed (ptosis in between). When the lids droop the brows rise,
  as real patients lift their brows to help.
* ``eye_misalignment``: one eye drifts outward and down (the cause of double vision); a small "seeing
  double" sign appears.
* ``jaw_open``: the mouth opens and the chin drops (chewing, speaking; a hanging jaw when weak).
* ``breath_phase`` (position in the breath cycle) and ``breath_depth``: the chest and shoulders rise.
* ``limb_lift``: the arm holding a small dumbbell rises sideways (0 = hanging, 1 = lifted above shoulder).
* ``distress``: brows tilt, the mouth turns down, a sweat drop appears, the lips turn a little grey-blue.
* ``muscle_group``: "ocular", "bulbar", "neck", "limb" or "respiratory" (or None): that area is ringed with
  a dashed outline and named.

Who the patient is comes from the level (see :func:`appearance_of`): ``sex``, ``age``, ``skin`` (tone),
``hair`` (style), ``hair_colour``, ``face`` (shape), ``facial_hair`` and ``glasses``; age adds lines (forehead
from about 45, crow's feet, folds and eye bags from about 60). ``mood`` (-1..1) sets the resting expression
(a smile only when well); ``ventilated`` puts a breathing mask and tube on the face; distress also slumps the
head and shoulders.
"""
from __future__ import annotations

import math
import pygame

from game.view import text as tx
from game.view.palette import Palette, draw_dashed_polyline, get_palette, mix

SKIN_TONES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {     # (skin, shade)
    "light": ((241, 206, 182), (208, 168, 142)),
    "medium-light": ((226, 180, 150), (196, 146, 118)),
    "medium": ((198, 148, 108), (162, 114, 82)),
    "medium-dark": ((150, 102, 72), (118, 78, 54)),
    "dark": ((104, 70, 50), (78, 52, 38)),
}
HAIR_RGB: dict[str, tuple[int, int, int]] = {
    "black": (34, 30, 30), "dark-brown": (66, 45, 34), "brown": (112, 76, 52), "auburn": (146, 66, 42),
    "blonde": (214, 184, 122), "grey": (158, 158, 160), "white": (226, 226, 222),
}
FACES: dict[str, tuple[float, float]] = {"oval": (0.205, 0.24), "round": (0.225, 0.228), "long": (0.19, 0.262),
                                         "square": (0.215, 0.235)}

MUSCLE_GROUPS: dict[str, str] = {
    "ocular": "eyes",
    "bulbar": "jaw and throat",
    "neck": "neck",
    "limb": "arm",
    "respiratory": "breathing",
}


def _c(v: float) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(v):
        return 0.0
    return min(1.0, max(0.0, v))


def _ellipse_pts(cx: float, cy: float, rx: float, ry: float, n: int = 48, a0: float = 0.0,
                 a1: float = 2 * math.pi) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(a0 + (a1 - a0) * i / (n - 1)), cy + ry * math.sin(a0 + (a1 - a0) * i / (n - 1)))
            for i in range(n)]


def _thick_line(surface: pygame.Surface, colour, a, b, width: float) -> None:
    """A line with round caps (limbs)."""
    w = max(1, int(round(width)))
    pygame.draw.line(surface, colour, a, b, w)
    r = w / 2
    if r >= 1:
        pygame.draw.circle(surface, colour, a, r)
        pygame.draw.circle(surface, colour, b, r)


def _dashed_ellipse(surface: pygame.Surface, colour, rect: pygame.Rect, width: int = 2) -> None:
    pts = _ellipse_pts(rect.centerx, rect.centery, rect.w / 2, rect.h / 2, 64)
    draw_dashed_polyline(surface, colour, pts, (9, 6), width)


def draw_patient(surface: pygame.Surface, rect: pygame.Rect, palette: Palette | None = None, *,
                 muscle_group: str | None = None, eyelid_open: float = 1.0, eye_misalignment: float = 0.0,
                 jaw_open: float = 0.0, breath_phase: float = 0.0, breath_depth: float = 0.5,
                 limb_lift: float = 0.0, distress: float = 0.0, backdrop: bool = True, sex: str = "female",
                 age: int = 34, skin: str | None = None, hair: str | None = None, hair_colour: str | None = None,
                 face: str | None = None, facial_hair: str | None = None, glasses: bool = False,
                 mood: float = 0.8, ventilated: bool = False) -> pygame.Rect:
    """Draw the patient into `rect`; all state inputs are 0..1 (clamped). The figure (head to waist) is
    centred in `rect` on a rounded card (`backdrop`). Returns the card rect."""
    pal = palette or get_palette()
    rect = pygame.Rect(rect)
    if rect.w < 8 or rect.h < 8:
        return rect
    lid = _c(eyelid_open)
    mis = _c(eye_misalignment)
    jaw = _c(jaw_open)
    depth = _c(breath_depth)
    lift = _c(limb_lift)
    dis = _c(distress)
    phase = float(breath_phase) if math.isfinite(float(breath_phase)) else 0.0
    breath = depth * (0.5 - 0.5 * math.cos(2 * math.pi * phase))    # 0..depth, 0 = breathed out

    L = min(rect.w / 1.3, rect.h / 1.0)
    # a portrait "card": head to waist, centred vertically in the rect
    fig_h = min(float(rect.h), 1.42 * L)
    card = pygame.Rect(rect.x, int(rect.y + (rect.h - fig_h) / 2), rect.w, int(fig_h))
    old_clip = surface.get_clip()
    surface.set_clip(card.clip(old_clip) if old_clip else card)
    if backdrop and card.w > 4 and card.h > 4:
        rad = max(2, min(14, card.w // 12))
        pygame.draw.rect(surface, mix(pal.panel, pal.text, 0.04), card, border_radius=rad)
        # a soft pillow/chair-back shape behind the shoulders
        back = pygame.Rect(0, 0, int(0.95 * L), int(0.9 * L))
        back.midtop = (int(rect.centerx + 0.10 * L), int(card.y + 0.42 * L))
        pygame.draw.rect(surface, mix(pal.panel, pal.text, 0.09), back, border_radius=int(0.2 * L))
    rect = card
    cx = rect.centerx + 0.10 * L          # leave room on the left for the lifting arm
    lw = max(1, int(round(L / 170)))
    skin, shade = SKIN_TONES.get(skin or "", (pal.skin, pal.skin_shade))
    hair_col = HAIR_RGB.get(hair_colour or "", pal.hair)
    hair = hair or ("long" if sex == "female" else "short")
    age = int(age) if age is not None else 34
    # a little grey-blue in the lips and cheeks with distress (also shown by shape: brows, mouth, sweat)
    skin_now = mix(skin, (170, 175, 190), 0.22 * dis)
    outline = mix(shade, pal.background, 0.35)
    gown = pal.gown
    gown_edge = mix(gown, pal.background, 0.4)

    fx, fy = FACES.get(face or "", FACES["oval"])
    if sex == "male" and face is None:
        fx += 0.008
    head_rx, head_ry = fx * L, fy * L
    jaw_drop = 0.045 * L * jaw
    rise = 0.028 * L * breath
    slump = 0.035 * L * dis                  # a weak, distressed patient sinks a little
    head_cy = rect.y + 0.06 * rect.h + head_ry + 0.02 * L - rise * 0.5 + slump
    sh_y = head_cy + head_ry + 0.10 * L - rise - slump * 0.4
    sh_half = 0.31 * L * (1 + 0.035 * breath)
    bottom = rect.bottom

    # ---- torso (gown) with breathing
    torso = [(cx - sh_half, sh_y + 0.07 * L), (cx - sh_half * 0.93, sh_y + 0.015 * L),
             (cx - sh_half * 0.55, sh_y - 0.01 * L), (cx + sh_half * 0.55, sh_y - 0.01 * L),
             (cx + sh_half * 0.93, sh_y + 0.015 * L), (cx + sh_half, sh_y + 0.07 * L),
             (cx + sh_half * 0.92, bottom + 2), (cx - sh_half * 0.92, bottom + 2)]
    # arms behind/alongside the torso: the resting arm (patient's left = viewer's right)
    arm_w = 0.09 * L
    r_sh = (cx + sh_half * 0.86, sh_y + 0.06 * L)
    r_el = (r_sh[0] + 0.04 * L, r_sh[1] + 0.23 * L)
    r_hand = (r_el[0] + 0.01 * L, r_el[1] + 0.19 * L)
    _thick_line(surface, gown_edge, r_sh, r_el, arm_w + 2 * lw)
    _thick_line(surface, gown, r_sh, r_el, arm_w)
    _thick_line(surface, outline, r_el, r_hand, arm_w * 0.78 + 2 * lw)
    _thick_line(surface, skin_now, r_el, r_hand, arm_w * 0.78)

    pygame.draw.polygon(surface, gown, torso)
    pygame.draw.polygon(surface, gown_edge, torso, lw)
    # chest line that lifts with breath (visible even in a still)
    chest_y = sh_y + 0.20 * L - 0.02 * L * breath
    chest = _ellipse_pts(cx, chest_y, sh_half * 0.55, 0.06 * L * (0.6 + breath), 24, math.pi * 1.1, math.pi * 1.9)
    pygame.draw.aalines(surface, mix(gown, pal.background, 0.25), False, chest)
    # V-neck and gown ties
    neck_w = 0.085 * L
    v = [(cx - neck_w * 1.25, sh_y - 0.01 * L), (cx, sh_y + 0.10 * L), (cx + neck_w * 1.25, sh_y - 0.01 * L)]
    pygame.draw.polygon(surface, skin_now, v)
    pygame.draw.lines(surface, gown_edge, False, v, lw)
    for k in range(3):
        yy = sh_y + 0.20 * L + k * 0.09 * L + 0.06 * L
        if yy < bottom - 4:
            pygame.draw.circle(surface, mix(gown, pal.text, 0.35), (cx, yy), max(1, 0.008 * L))
    # neck
    neck = pygame.Rect(0, 0, int(neck_w * 2), int(sh_y - head_cy - head_ry * 0.55))
    neck.midbottom = (int(cx), int(sh_y + 0.01 * L))
    if neck.h > 0:
        pygame.draw.rect(surface, mix(skin_now, shade, 0.35), neck)

    # ---- the lifting arm (patient's right = viewer's left) with a dumbbell
    l_sh = (cx - sh_half * 0.86, sh_y + 0.06 * L)
    ang = math.radians(8 + 112 * lift)                  # abduction from hanging down
    upper = 0.21 * L
    fore = 0.18 * L
    l_el = (l_sh[0] - upper * math.sin(ang), l_sh[1] + upper * math.cos(ang))
    bend = math.radians(10 + 20 * lift)
    l_hand = (l_el[0] - fore * math.sin(ang - bend), l_el[1] + fore * math.cos(ang - bend))
    _thick_line(surface, gown_edge, l_sh, l_el, arm_w + 2 * lw)
    _thick_line(surface, gown, l_sh, l_el, arm_w)
    _thick_line(surface, outline, l_el, l_hand, arm_w * 0.78 + 2 * lw)
    _thick_line(surface, skin_now, l_el, l_hand, arm_w * 0.78)
    # dumbbell across the hand, perpendicular to the forearm
    fa = math.atan2(l_hand[1] - l_el[1], l_hand[0] - l_el[0])
    px, py = -math.sin(fa), math.cos(fa)
    bar = 0.075 * L
    a = (l_hand[0] + px * bar, l_hand[1] + py * bar)
    b = (l_hand[0] - px * bar, l_hand[1] - py * bar)
    metal = mix(pal.text_dim, pal.background, 0.2)
    pygame.draw.line(surface, metal, a, b, max(2, int(0.018 * L)))
    for e in (a, b):
        wr = pygame.Rect(0, 0, int(0.05 * L), int(0.05 * L))
        wr.center = (int(e[0]), int(e[1]))
        pygame.draw.rect(surface, mix(pal.text_dim, pal.background, 0.45), wr, border_radius=max(1, wr.w // 4))
        pygame.draw.rect(surface, metal, wr, lw, border_radius=max(1, wr.w // 4))
    pygame.draw.circle(surface, skin_now, l_hand, arm_w * 0.45)
    pygame.draw.circle(surface, outline, l_hand, arm_w * 0.45, lw)

    # ---- head
    ear_r = 0.045 * L
    for sgn in (-1, 1):
        ec = (cx + sgn * head_rx * 0.98, head_cy + 0.02 * L)
        pygame.draw.ellipse(surface, skin_now, pygame.Rect(ec[0] - ear_r * 0.7, ec[1] - ear_r, ear_r * 1.4, ear_r * 2))
        pygame.draw.ellipse(surface, outline, pygame.Rect(ec[0] - ear_r * 0.7, ec[1] - ear_r, ear_r * 1.4, ear_r * 2), lw)
    face_rect = face_r = pygame.Rect(0, 0, int(2 * head_rx), int(2 * head_ry + jaw_drop))
    face_r.midtop = (int(cx), int(head_cy - head_ry))
    # hair behind the head (long hair, a bun)
    if hair == "long":
        back = pygame.Rect(0, 0, int(head_rx * 2.3), int(head_ry * 1.3))
        back.midtop = (int(cx), int(head_cy - head_ry * 1.04))
        pygame.draw.rect(surface, hair_col, back, border_radius=int(head_rx * 0.9))
        for sgn in (-1, 1):                 # two curtains falling to the shoulders beside the neck
            side = pygame.Rect(0, 0, int(head_rx * 0.62), int(head_ry * 1.55))
            side.top = int(head_cy - head_ry * 0.2)
            side.centerx = int(cx + sgn * head_rx * 0.86)
            pygame.draw.rect(surface, hair_col, side, border_radius=int(head_rx * 0.3))
    elif hair == "bun":
        pygame.draw.circle(surface, hair_col, (cx, head_cy - head_ry * 1.05), head_rx * 0.42)
    square = face == "square"
    if square:
        pygame.draw.rect(surface, skin_now, face_r, border_radius=int(head_rx * 0.75))
        pygame.draw.rect(surface, outline, face_r, lw, border_radius=int(head_rx * 0.75))
    else:
        pygame.draw.ellipse(surface, skin_now, face_r)
        pygame.draw.ellipse(surface, outline, face_r, lw)
    del face_rect
    # hair on top
    cap = (_ellipse_pts(cx, head_cy - 0.01 * L, head_rx * 1.04, head_ry * 1.03, 40, math.pi, 2 * math.pi)
           + [(cx + head_rx * 1.02, head_cy + 0.02 * L), (cx + head_rx * 0.86, head_cy - 0.05 * L),
              (cx + head_rx * 0.3, head_cy - head_ry * 0.62), (cx - head_rx * 0.5, head_cy - head_ry * 0.52),
              (cx - head_rx * 0.92, head_cy - 0.03 * L), (cx - head_rx * 1.02, head_cy + 0.02 * L)])
    if hair in ("short", "long", "bun"):
        pygame.draw.polygon(surface, hair_col, cap)
    elif hair == "curly":
        pygame.draw.polygon(surface, hair_col, cap)
        for k in range(13):
            a = math.pi + math.pi * k / 12
            pygame.draw.circle(surface, hair_col, (cx + head_rx * 1.02 * math.cos(a),
                                                   head_cy - 0.01 * L + head_ry * 1.0 * math.sin(a)), 0.05 * L)
    elif hair in ("receding", "bald"):
        # hair only over the ears and round the back (thinner for "bald")
        t = 0.55 if hair == "receding" else 0.3
        for sgn in (-1, 1):
            side = [(cx + sgn * head_rx * 1.03, head_cy + 0.04 * L), (cx + sgn * head_rx * 1.05, head_cy - head_ry * t),
                    (cx + sgn * head_rx * 0.8, head_cy - head_ry * (t + 0.25)), (cx + sgn * head_rx * 0.86, head_cy)]
            pygame.draw.polygon(surface, hair_col, side)
    # age: forehead lines from about 45, deeper and more from about 60
    line_col = mix(skin_now, shade, 0.9)
    if age >= 45:
        for k in range(2 if age < 60 else 3):
            yy = head_cy - head_ry * (0.42 - 0.09 * k) + slump * 0
            pts = _ellipse_pts(cx, yy + 0.03 * L, head_rx * 0.42, 0.03 * L, 12, math.pi * 1.2, math.pi * 1.8)
            pygame.draw.aalines(surface, line_col, False, pts)
    # cheeks
    cheek_col = mix(skin_now, pal.lip, 0.25 * (1 - dis))
    for sgn in (-1, 1):
        ch = pygame.Rect(0, 0, int(0.07 * L), int(0.04 * L))
        ch.center = (int(cx + sgn * head_rx * 0.55), int(head_cy + 0.075 * L))
        pygame.draw.ellipse(surface, cheek_col, ch)

    # ---- eyes
    eye_dx = 0.085 * L
    eye_y = head_cy + 0.005 * L
    erx, ery = 0.048 * L, 0.030 * L
    iris_r = ery * 0.95
    for sgn in (-1, 1):
        ex = cx + sgn * eye_dx
        er = pygame.Rect(0, 0, int(2 * erx), int(2 * ery))
        er.center = (int(ex), int(eye_y))
        pygame.draw.ellipse(surface, pal.eye, er)
        # gaze: straight ahead, except the patient's left eye (viewer's right) drifts out and down
        gx, gy = 0.0, 0.0
        if sgn > 0:
            gx, gy = erx * 0.55 * mis, ery * 0.35 * mis
        ic = (ex + gx, eye_y + gy + ery * 0.05)
        eye_clip = surface.get_clip()
        surface.set_clip(er.clip(eye_clip) if eye_clip else er)
        pygame.draw.circle(surface, pal.iris, ic, iris_r)
        pygame.draw.circle(surface, (20, 22, 28), ic, iris_r * 0.5)
        pygame.draw.circle(surface, (255, 255, 255), (ic[0] + iris_r * 0.3, ic[1] - iris_r * 0.35), max(1, iris_r * 0.2))
        # upper lid: covers the eye from the top; at lid=1 it just touches the iris top
        cover = 0.12 + 0.88 * (1 - lid)                  # fraction of the eye height covered
        lid_y = er.y + er.h * cover
        lid_rect = pygame.Rect(er.x - 2, er.y - 2, er.w + 4, int(lid_y - er.y) + 2)
        if lid_rect.h > 0:
            pygame.draw.rect(surface, mix(skin_now, shade, 0.25), lid_rect)
        surface.set_clip(eye_clip)
        # lid margin with lashes: a gently curved line
        lid_line = [(er.x + er.w * t, lid_y + ery * 0.35 * math.sin(math.pi * t) * (1 - cover) * 0.8)
                    for t in (i / 12 for i in range(13))]
        pygame.draw.lines(surface, mix(hair_col, (20, 20, 20), 0.6), False, lid_line,
                          max(2, lw + (2 if sex == "female" else 1)))
        pygame.draw.ellipse(surface, outline, er, 1)
        # brows: rise with droopy lids (frontalis helping), tilt up in the middle with distress
        brow_lift = 0.035 * L * (1 - lid) * 0.9
        by = eye_y - ery - 0.035 * L - brow_lift
        inner_up = 0.022 * L * dis
        bx0, bx1 = ex - sgn * erx * 0.9, ex + sgn * erx * 1.1     # inner end, outer end
        brow = [(bx0, by - inner_up), ((bx0 + bx1) / 2, by - 0.01 * L - inner_up * 0.3), (bx1, by + 0.004 * L)]
        brow_col = hair_col if hair_colour not in ("white", "blonde") else mix(hair_col, (90, 80, 70), 0.5)
        pygame.draw.lines(surface, brow_col, False, brow, max(2, int((0.018 if sex == "male" else 0.013) * L)))
        if age >= 60:
            # crow's feet and bags under the eyes
            ox = ex + sgn * erx * 1.15
            for d in (-1, 0, 1):
                pygame.draw.aaline(surface, line_col, (ox, eye_y + d * 0.008 * L),
                                   (ox + sgn * 0.03 * L, eye_y + d * 0.016 * L))
            bag = _ellipse_pts(ex, eye_y + ery * 1.1, erx * 0.8, ery * 0.6, 10, 0.15 * math.pi, 0.85 * math.pi)
            pygame.draw.aalines(surface, line_col, False, bag)

    # nose
    nose = [(cx, eye_y + 0.02 * L), (cx - 0.022 * L, eye_y + 0.085 * L), (cx + 0.008 * L, eye_y + 0.09 * L)]
    pygame.draw.lines(surface, outline, False, nose, lw)

    # ---- mouth: smile -> flat -> down with distress; opens with the jaw
    my = head_cy + 0.13 * L + jaw_drop * 0.6
    mw = 0.07 * L * (1 - 0.2 * jaw)
    curve = 0.022 * L * mouth_curve(mood, dis, ventilated)     # >0 smile, <0 frown
    if age >= 60:
        for sgn in (-1, 1):                             # folds from nose to mouth
            fold = [(cx + sgn * 0.035 * L, eye_y + 0.08 * L), (cx + sgn * 0.06 * L, my - 0.005 * L),
                    (cx + sgn * 0.075 * L, my + 0.02 * L)]
            pygame.draw.aalines(surface, line_col, False, fold)
    lip_col = mix(pal.lip, (150, 150, 175), 0.5 * dis)
    if jaw > 0.05:
        mh = 0.012 * L + 0.075 * L * jaw
        mouth = pygame.Rect(0, 0, int(2 * mw), int(mh))
        mouth.center = (int(cx), int(my + mh * 0.3))
        pygame.draw.ellipse(surface, (70, 30, 40), mouth)
        # teeth hint and tongue
        if mouth.h > 8:
            pygame.draw.ellipse(surface, (200, 100, 110), pygame.Rect(mouth.x + mouth.w * 0.25, mouth.centery,
                                                                       mouth.w * 0.5, mouth.h * 0.45))
            pygame.draw.rect(surface, (240, 238, 230), pygame.Rect(mouth.x + mouth.w * 0.22, mouth.y + 1,
                                                                    mouth.w * 0.56, max(1, mouth.h * 0.14)))
        pygame.draw.ellipse(surface, lip_col, mouth, max(2, lw + 1))
    else:
        pts = [(cx - mw + 2 * mw * t, my + curve * math.sin(math.pi * t)) for t in (i / 14 for i in range(15))]
        pygame.draw.lines(surface, lip_col, False, pts, max(2, lw + 1))

    # ---- facial hair, glasses, the ventilator mask
    if facial_hair in ("stubble", "beard"):
        shadow = pygame.Surface(face_r.size, pygame.SRCALPHA)
        a = 70 if facial_hair == "stubble" else 235
        top_f = 0.62 if facial_hair == "stubble" else 0.7
        low = pygame.Rect(0, int(face_r.h * top_f), face_r.w, int(face_r.h * (1.08 - top_f)))
        pygame.draw.ellipse(shadow, (*hair_col, a), low)
        pygame.draw.rect(shadow, (*hair_col, a), pygame.Rect(0, int(face_r.h * (top_f + 0.02)), face_r.w,
                                                             int(face_r.h * 0.12)))
        hole = pygame.Rect(0, 0, int(2 * mw + 0.03 * L), int(0.04 * L + jaw_drop))
        hole.center = (int(cx - face_r.x), int(my - face_r.y + jaw_drop * 0.3))
        if facial_hair == "beard":
            pygame.draw.ellipse(shadow, (0, 0, 0, 0), hole)
        mask = pygame.Surface(face_r.size, pygame.SRCALPHA)
        pygame.draw.ellipse(mask, (255, 255, 255, 255), mask.get_rect()) if not square else \
            pygame.draw.rect(mask, (255, 255, 255, 255), mask.get_rect(), border_radius=int(head_rx * 0.75))
        shadow.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
        surface.blit(shadow, face_r)
        if facial_hair == "beard":
            pts = [(cx - mw + 2 * mw * t, my + curve * math.sin(math.pi * t)) for t in (i / 14 for i in range(15))]
            if jaw <= 0.05:
                pygame.draw.lines(surface, lip_col, False, pts, max(2, lw + 1))
    if facial_hair in ("moustache", "beard"):
        mo = [(cx - mw * 1.15, my + 0.004 * L), (cx - mw * 0.5, my - 0.03 * L), (cx, my - 0.022 * L),
              (cx + mw * 0.5, my - 0.03 * L), (cx + mw * 1.15, my + 0.004 * L), (cx, my - 0.008 * L)]
        pygame.draw.polygon(surface, hair_col, mo)
    if glasses:
        frame = mix(pal.text_dim, (30, 30, 30), 0.5)
        for sgn in (-1, 1):
            g = pygame.Rect(0, 0, int(erx * 2.7), int(ery * 3.4))
            g.center = (int(cx + sgn * eye_dx), int(eye_y + ery * 0.3))
            pygame.draw.rect(surface, frame, g, max(2, lw + 1), border_radius=int(g.h * 0.35))
            pygame.draw.line(surface, frame, (g.right if sgn > 0 else g.left, g.y + g.h * 0.3),
                             (cx + sgn * head_rx * 0.98, head_cy), max(1, lw))
        pygame.draw.line(surface, frame, (cx - eye_dx + erx * 1.35, eye_y), (cx + eye_dx - erx * 1.35, eye_y),
                         max(2, lw + 1))
    if ventilated:
        m_r = pygame.Rect(0, 0, int(0.17 * L), int(0.13 * L + jaw_drop))
        m_r.center = (int(cx), int(my - 0.01 * L))
        mask_s = pygame.Surface(m_r.size, pygame.SRCALPHA)
        pygame.draw.ellipse(mask_s, (205, 225, 240, 190), mask_s.get_rect())
        pygame.draw.ellipse(mask_s, (120, 150, 175, 255), mask_s.get_rect(), max(2, lw + 1))
        surface.blit(mask_s, m_r)
        tube = [(m_r.centerx, m_r.bottom), (m_r.centerx + 0.05 * L, m_r.bottom + 0.12 * L),
                (m_r.centerx + 0.02 * L, bottom + 4)]
        pygame.draw.lines(surface, (150, 175, 195), False, tube, max(3, int(0.03 * L)))
        for sgn in (-1, 1):                              # the straps
            pygame.draw.line(surface, (120, 150, 175), (m_r.centerx + sgn * m_r.w * 0.45, m_r.centery),
                             (cx + sgn * head_rx * 0.98, head_cy - 0.01 * L), max(1, lw))

    # ---- distress: sweat drop on the temple
    if dis > 0.25:
        sx_, sy_ = cx + head_rx * 0.78, head_cy - 0.06 * L + 0.03 * L * (dis - 0.25)
        r = 0.018 * L * (0.7 + 0.6 * dis)
        drop = [(sx_, sy_ - r * 2.0), (sx_ + r * 0.9, sy_), (sx_, sy_ + r), (sx_ - r * 0.9, sy_)]
        pygame.draw.circle(surface, (150, 205, 240), (sx_, sy_), r)
        pygame.draw.polygon(surface, (150, 205, 240), drop[:2] + [(sx_, sy_)] + drop[3:])
        pygame.draw.circle(surface, (255, 255, 255), (sx_ - r * 0.3, sy_ - r * 0.1), max(1, r * 0.25))
    if dis > 0.6:
        # a second drop on the other side
        sx_, sy_ = cx - head_rx * 0.82, head_cy - 0.01 * L
        r = 0.014 * L
        pygame.draw.circle(surface, (150, 205, 240), (sx_, sy_), r)
        pygame.draw.polygon(surface, (150, 205, 240), [(sx_, sy_ - r * 2), (sx_ + r * 0.9, sy_), (sx_ - r * 0.9, sy_)])

    # ---- diplopia sign: two overlapping eye outlines beside the head
    if mis > 0.12 and L > 120:
        ix, iy = cx + head_rx + 0.16 * L, head_cy - head_ry * 0.7
        s = 0.045 * L
        off = s * 0.9 * mis
        a = int(90 + 165 * mis)
        sign = pygame.Surface((int(4 * s + off + 8), int(2.4 * s + off + 8)), pygame.SRCALPHA)
        for k, (dx, dy) in enumerate(((0, 0), (off, off * 0.5))):
            r_ = pygame.Rect(4 + dx, 4 + dy, 3 * s, 1.8 * s)
            pygame.draw.ellipse(sign, (*pal.text[:3], a if k == 0 else a // 2), r_, max(1, lw))
            pygame.draw.circle(sign, (*pal.text[:3], a if k == 0 else a // 2), r_.center, s * 0.4)
        surface.blit(sign, (ix - 2 * s, iy - s))
        if L > 220:
            tx.draw_text(surface, "double", (ix, iy + s * 1.6 + off), max(11, 0.04 * L), pal.text_dim, anchor="midtop",
                         shadow=False)

    # ---- the highlighted muscle group: dashed ring plus its name
    if muscle_group in MUSCLE_GROUPS:
        if muscle_group == "ocular":
            hl = pygame.Rect(0, 0, int(2 * eye_dx + 2.8 * erx), int(6 * ery + 0.04 * L))
            hl.center = (int(cx), int(eye_y - 0.012 * L))
        elif muscle_group == "bulbar":
            hl = pygame.Rect(0, 0, int(0.30 * L), int(0.20 * L + jaw_drop))
            hl.center = (int(cx), int(my + 0.04 * L))
        elif muscle_group == "neck":
            hl = pygame.Rect(0, 0, int(0.30 * L), int(0.16 * L))
            hl.center = (int(cx), int(sh_y - 0.02 * L))
        elif muscle_group == "limb":
            xs_ = [l_sh[0], l_el[0], l_hand[0]]
            ys_ = [l_sh[1], l_el[1], l_hand[1]]
            hl = pygame.Rect(min(xs_), min(ys_), max(xs_) - min(xs_), max(ys_) - min(ys_)).inflate(0.14 * L, 0.14 * L)
        else:   # respiratory
            hl = pygame.Rect(0, 0, int(sh_half * 1.5), int(0.26 * L))
            hl.center = (int(cx), int(sh_y + 0.18 * L))
        _dashed_ellipse(surface, pal.accent, hl, max(2, lw + 1))
        name = MUSCLE_GROUPS[muscle_group]
        if L > 140:
            size = max(14, min(20, 0.075 * L))
            lx = hl.right + 6
            anchor = "midleft"
            if lx + tx.text_size(name, size)[0] > rect.right - 4:
                lx, anchor = hl.left - 6, "midright"
            tx.draw_text(surface, name, (lx, hl.centery), size, pal.accent, anchor=anchor, outline=True,
                         shadow_colour=pal.background)

    surface.set_clip(old_clip)
    return rect


#: Ready-made states for demos and tests.
PRESETS: dict[str, dict[str, float | str | None]] = {
    "healthy": dict(muscle_group=None, eyelid_open=1.0, eye_misalignment=0.0, jaw_open=0.0, breath_phase=0.5,
                    breath_depth=0.6, limb_lift=0.8, distress=0.0),
    "ptosis": dict(muscle_group="ocular", eyelid_open=0.35, eye_misalignment=0.0, jaw_open=0.0, breath_phase=0.3,
                   breath_depth=0.5, limb_lift=0.3, distress=0.25),
    "diplopia": dict(muscle_group="ocular", eyelid_open=0.7, eye_misalignment=0.8, jaw_open=0.0, breath_phase=0.2,
                     breath_depth=0.5, limb_lift=0.2, distress=0.35),
    "crisis": dict(muscle_group="respiratory", eyelid_open=0.2, eye_misalignment=0.5, jaw_open=0.55,
                   breath_phase=0.5, breath_depth=0.12, limb_lift=0.0, distress=1.0),
}


def draw_preset(surface: pygame.Surface, rect: pygame.Rect, name: str, palette: Palette | None = None) -> pygame.Rect:
    return draw_patient(surface, rect, palette, **PRESETS[name])  # type: ignore[arg-type]


def mouth_curve(mood: float, distress: float, ventilated: bool = False) -> float:
    """The mouth's curve (>0 a smile, <0 turned down) for a resting `mood` (-1..1) and `distress` (0..1): no
    smile on a ventilator or in a crisis (distress above one half)."""
    m = min(float(mood), 0.0) if ventilated else float(mood)
    c = m - 1.6 * _c(distress)
    return min(c, -0.2) if distress > 0.5 else c


def briefing_pose(muscle_group: str, condition: str) -> dict:
    """The patient's look on the briefing card: the weakness the level is about (none when healthy)."""
    if condition == "healthy":
        return {}
    pose = {"eyelid": dict(eyelid_open=0.55), "extraocular": dict(eye_misalignment=0.5),
            "bulbar": dict(jaw_open=0.3), "respiratory": dict(breath_depth=0.3, distress=0.3),
            "limb": dict(limb_lift=0.3)}.get(muscle_group, {})
    return {**pose, "mood": 0.2}


def _pick(name: str, salt: str, options: tuple[str, ...]) -> str:
    h = sum((i + 1) * ord(c) for i, c in enumerate(f"{salt}:{name}"))
    return options[h % len(options)]


def appearance_of(patient) -> dict:
    """draw_patient keywords for a level's patient: age and sex, and the looks the level gives (skin tone, hair,
    face, facial hair, glasses); what the level leaves out is picked from the name, sex and age, so the same
    patient always looks the same and two patients rarely look alike."""
    name = str(getattr(patient, "name", "") or "")
    sex = str(getattr(patient, "sex", "other") or "other")
    age = int(getattr(patient, "age_years", 34) or 34)
    hair = getattr(patient, "hair", None)
    if hair is None:
        hair = "long" if sex == "female" else ("receding" if age >= 60 else "short")
    colour = getattr(patient, "hair_colour", None)
    if colour is None:
        colour = "grey" if age >= 60 else _pick(name, "hair", ("black", "dark-brown", "brown", "blonde", "auburn"))
    return dict(sex=sex, age=age, hair=hair, hair_colour=colour,
                skin=getattr(patient, "skin", None) or _pick(name, "skin", tuple(SKIN_TONES)),
                face=getattr(patient, "face", None) or _pick(name, "face", tuple(FACES)),
                facial_hair=getattr(patient, "facial_hair", None) or "none",
                glasses=bool(getattr(patient, "glasses", False)))
