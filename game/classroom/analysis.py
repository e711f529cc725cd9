"""What the teacher sees, computed from the stored rows: the progress grid, the leaderboard, item analysis,
learning gain per objective (with Hake's normalised gain), CSV files safe for spreadsheets, the gain chart
as SVG, and the printable one-page report. Pure functions over plain rows; no web framework here.
"""
from __future__ import annotations

import html
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from game.rules.prepost import OBJECTIVES, Bank, gain_band, normalised_gain
from game.store.csvsafe import safe_text
from game.store.csvsafe import writer as csv_writer


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: numbers stay numbers, yes/no for booleans, and text goes
    through the game's one formula guard (`game.store.csvsafe.safe_text`)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    return safe_text(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV text: every text cell quoted and neutralised (see `game.store.csvsafe`)."""
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return out.getvalue()


# --- the class's data, in plain form -----------------------------------------------------------------

@dataclass
class Data:
    session: dict[str, Any]
    levels: list[dict[str, Any]]                   # id, title, sha256, position
    students: list[dict[str, Any]]                 # id, nickname, joined_at, removed
    attempts: list[dict[str, Any]]                 # student_id, level_id, score, stars, won, verified, ...
    answers: list[dict[str, Any]]                  # student_id, phase, question_key, objective, prompt, answer_text, correct
    bank: Bank | None = None
    prompts: dict[str, str] = field(default_factory=dict)

    def active(self) -> list[dict[str, Any]]:
        return [s for s in self.students if not s["removed"]]


def grid(d: Data) -> list[dict[str, Any]]:
    """One row per student: per level the best stars and score, whether any attempt was verified, the
    number of attempts and the play time."""
    by: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for a in d.attempts:
        by[(a["student_id"], a["level_id"])].append(a)
    rows = []
    for s in d.active():
        cells = {}
        for lv in d.levels:
            atts = by.get((s["id"], lv["id"]), [])
            scored = [a for a in atts if a["score"] is not None]
            cells[lv["id"]] = {
                "attempts": len(atts),
                "stars": max((a["stars"] for a in scored), default=None),
                "score": max((a["score"] for a in scored), default=None),
                "won": any(a["won"] for a in scored),
                "verified": any(a["verified"] for a in atts),
                "unverified": sum(1 for a in atts if not a["verified"]),
                "reasons": list(dict.fromkeys(a["reason"] for a in atts if not a["verified"] and a["reason"]))[:3],
                "time_s": round(sum(a["time_s"] or 0.0 for a in atts), 1),
            }
        rows.append({"student_id": s["id"], "nickname": s["nickname"], "joined_at": s["joined_at"], "cells": cells})
    return rows


def leaderboard(d: Data) -> list[dict[str, Any]]:
    """Students by total best stars, then total best score (the replay's, never the claimed one)."""
    board = []
    for row in grid(d):
        stars = sum(c["stars"] or 0 for c in row["cells"].values())
        score = round(sum(c["score"] or 0.0 for c in row["cells"].values()), 1)
        board.append({"student_id": row["student_id"], "nickname": row["nickname"], "stars": stars, "score": score})
    board.sort(key=lambda r: (-r["stars"], -r["score"], r["nickname"].casefold()))
    rank = 0
    last: tuple | None = None
    for i, r in enumerate(board, start=1):
        key = (r["stars"], r["score"])
        if key != last:
            rank, last = i, key
        r["rank"] = rank
    return board


def projector_name(nickname: str) -> str:
    """What the wall shows: the first word of the nickname only (no surnames), at most 12 characters."""
    first = nickname.split()[0] if nickname.split() else nickname
    return first[:12]


def _first_answers(d: Data) -> list[dict[str, Any]]:
    """Each student's first answer to each question in each phase (later retries do not count)."""
    active = {s["id"] for s in d.active()}
    seen: set[tuple] = set()
    out = []
    for a in sorted(d.answers, key=lambda a: (a["received_at"], a["id"])):
        key = (a["student_id"], a["phase"], a["question_key"])
        if a["student_id"] not in active or key in seen:
            continue
        seen.add(key)
        out.append(a)
    return out


def item_analysis(d: Data) -> list[dict[str, Any]]:
    """Per question and phase: answers, share right, the most common wrong answer; hardest first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for a in _first_answers(d):
        groups[(a["phase"], a["question_key"])].append(a)
    rows = []
    for (phase, key), answers in groups.items():
        right = sum(1 for a in answers if a["correct"])
        wrong = Counter(a["answer_text"] for a in answers if not a["correct"])
        common, times = wrong.most_common(1)[0] if wrong else ("", 0)
        rows.append({"phase": phase, "question": key, "objective": answers[0]["objective"] or "",
                     "prompt": answers[0]["prompt"], "answered": len(answers), "right": right,
                     "share_right": round(right / len(answers), 3), "common_wrong": common,
                     "common_wrong_count": times})
    rows.sort(key=lambda r: (r["share_right"], -r["answered"], r["question"]))
    return rows


def gains(d: Data) -> dict[str, Any]:
    """Pre and post percent right per objective for each student and for the class (students with both
    a pre and a post answer for that objective: matched), and the class normalised gain
    <g> = (post - pre) / (100 - pre) on the class averages."""
    per: dict[int, dict[str, dict[str, list[bool]]]] = defaultdict(lambda: defaultdict(lambda: {"pre": [], "post": []}))
    for a in _first_answers(d):
        if a["phase"] in ("pre", "post") and a["objective"]:
            per[a["student_id"]][a["objective"]][a["phase"]].append(bool(a["correct"]))
            per[a["student_id"]]["all"][a["phase"]].append(bool(a["correct"]))
    names = {s["id"]: s["nickname"] for s in d.active()}
    objectives = list(OBJECTIVES) + ["all"]
    titles = dict(d.bank.objectives) if d.bank else {}
    titles["all"] = "All objectives"
    students = []
    for sid, objs in per.items():
        if sid not in names:
            continue
        row = {"student_id": sid, "nickname": names[sid], "objectives": {}}
        for o in objectives:
            pre, post = objs[o]["pre"], objs[o]["post"]
            p = 100.0 * sum(pre) / len(pre) if pre else None
            q = 100.0 * sum(post) / len(post) if post else None
            g = normalised_gain(p, q)
            row["objectives"][o] = {"pre": _r(p), "post": _r(q), "g": _r(g, 3)}
        students.append(row)
    students.sort(key=lambda r: r["nickname"].casefold())
    klass = {}
    for o in objectives:
        matched = [s["objectives"][o] for s in students
                   if s["objectives"][o]["pre"] is not None and s["objectives"][o]["post"] is not None]
        pre = sum(m["pre"] for m in matched) / len(matched) if matched else None
        post = sum(m["post"] for m in matched) / len(matched) if matched else None
        g = normalised_gain(pre, post)
        klass[o] = {"title": titles.get(o, o), "matched": len(matched), "pre": _r(pre), "post": _r(post),
                    "g": _r(g, 3), "band": gain_band(g)}
    return {"objectives": objectives, "class": klass, "students": students}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


# --- CSV -------------------------------------------------------------------------------------------------

def results_csv(d: Data) -> str:
    names = {s["id"]: s for s in d.students}
    rows = []
    for a in sorted(d.attempts, key=lambda a: (names[a["student_id"]]["nickname"].casefold(), a["received_at"])):
        s = names[a["student_id"]]
        rows.append([s["nickname"], "yes" if s["removed"] else "no", a["level_id"], a["score"], a["stars"], a["won"],
                     a["verified"], a["claimed_score"], a["claimed_stars"], a["reason"], a["time_s"],
                     a["source"], _iso(a["received_at"]), a["uuid"]])
    return to_csv(["nickname", "removed", "level_id", "score", "stars", "won", "verified", "claimed_score",
                   "claimed_stars", "reason", "time_s", "source", "received_at", "uuid"], rows)


def items_csv(d: Data) -> str:
    return to_csv(["phase", "question", "objective", "prompt", "answered", "right", "share_right",
                   "most_common_wrong_answer", "times"],
                  ([r["phase"], r["question"], r["objective"], r["prompt"], r["answered"], r["right"],
                    r["share_right"], r["common_wrong"], r["common_wrong_count"]] for r in item_analysis(d)))


def gains_csv(d: Data) -> str:
    g = gains(d)
    rows: list[list[Any]] = []
    for o in g["objectives"]:
        c = g["class"][o]
        rows.append(["(class)", o, c["pre"], c["post"], c["g"], c["matched"]])
    for s in g["students"]:
        for o in g["objectives"]:
            v = s["objectives"][o]
            rows.append([s["nickname"], o, v["pre"], v["post"], v["g"], ""])
    return to_csv(["nickname", "objective", "pre_percent", "post_percent", "normalised_gain", "matched_students"], rows)


def _iso(t: datetime | str | None) -> str:
    if t is None:
        return ""
    return t if isinstance(t, str) else t.isoformat(timespec="seconds")


# --- the gain chart ------------------------------------------------------------------------------------

def gains_svg(d: Data, width: int = 640, height: int = 300) -> str:
    """Pre and post class averages per objective as paired bars, with <g> above each pair."""
    g = gains(d)
    objs = g["objectives"]
    left, right, top, bottom = 44, 12, 30, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    group_w = plot_w / len(objs)
    bar_w = group_w * 0.32
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="Pre and post scores per learning objective" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555555">{pct}%</text>')
    for i, o in enumerate(objs):
        c = g["class"][o]
        x0 = left + i * group_w + group_w * 0.15
        for j, (phase, colour) in enumerate((("pre", "#9aa7b8"), ("post", "#2a6fdb"))):
            v = c[phase]
            if v is None:
                continue
            h = plot_h * v / 100
            x = x0 + j * (bar_w + 4)
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{html.escape(o)} {phase}: {v:.0f}%</title></rect>')
        label = "⟨g⟩ n/a" if c["g"] is None else f"⟨g⟩ {c['g']:.2f}"
        cx = x0 + bar_w + 2
        parts.append(f'<text x="{cx:.1f}" y="{top - 10}" text-anchor="middle" fill="#222222" '
                     f'font-weight="bold">{html.escape(label)}</text>')
        words = _short(o)
        for k, line in enumerate(words):
            parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16 + 14 * k}" text-anchor="middle" '
                         f'fill="#222222">{html.escape(line)}</text>')
    parts.append(f'<rect x="{width - 150}" y="{height - 18}" width="10" height="10" fill="#9aa7b8"/>'
                 f'<text x="{width - 136}" y="{height - 9}">pre</text>'
                 f'<rect x="{width - 100}" y="{height - 18}" width="10" height="10" fill="#2a6fdb"/>'
                 f'<text x="{width - 86}" y="{height - 9}">post</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _short(objective: str) -> list[str]:
    return {"nmj-structures": ["NMJ", "structures"], "sequence-of-events": ["sequence", "of events"],
            "mg-pathophysiology": ["MG patho-", "physiology"], "symptoms-and-why": ["symptoms", "and why"],
            "all": ["all", "objectives"]}.get(objective, [objective])


# --- the printable report ------------------------------------------------------------------------------

def report_html(d: Data, model_version: str) -> str:
    """One printable page: the session, the leaderboard, each level's summary, the gain chart, the
    hardest questions."""
    e = html.escape
    s = d.session
    board = leaderboard(d)
    rows = grid(d)
    items = item_analysis(d)
    level_rows = []
    for lv in d.levels:
        cells = [r["cells"][lv["id"]] for r in rows]
        played = [c for c in cells if c["attempts"]]
        stars = [c["stars"] or 0 for c in played]
        level_rows.append(f"<tr><td>{e(lv['title'])}</td><td>{len(played)}/{len(cells)}</td>"
                          f"<td>{(sum(stars) / len(stars)) if stars else 0:.1f}</td>"
                          f"<td>{sum(1 for c in played if c['won'])}</td>"
                          f"<td>{sum(c['unverified'] for c in played)}</td></tr>")
    lead = "".join(f"<tr><td>{r['rank']}</td><td>{e(r['nickname'])}</td><td>{r['stars']}</td><td>{r['score']:.1f}</td></tr>"
                   for r in board[:10])
    hard = "".join(f"<tr><td>{e(r['phase'])}</td><td>{e(_clip(r['prompt'], 110))}</td><td>{100 * r['share_right']:.0f}%</td>"
                   f"<td>{e(_clip(r['common_wrong'], 80))}</td></tr>" for r in items[:5])
    chart = gains_svg(d, 560, 240) if s["quiz_mode"] == "pre-post" else "<p>No pre/post quiz in this session.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Endplate session report: {e(s['title'])}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font: 11px/1.35 sans-serif; color: #111; max-width: 190mm; margin: 0 auto; }}
h1 {{ font-size: 18px; margin: 0 0 4px; }} h2 {{ font-size: 13px; margin: 10px 0 4px; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ccc; padding: 2px 4px; text-align: left; }}
.cols {{ display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }} .meta {{ color: #444; }}
svg {{ max-width: 100%; height: auto; }}
@media print {{ .noprint {{ display: none; }} }}
</style></head><body>
<p class="noprint"><button onclick="window.print()">Print</button></p>
<h1>{e(s['title'])}</h1>
<p class="meta">Join code {e(s['join_code'])} · created {e(_iso(s['created_at']))} · {len(d.active())} students ·
quiz: {e(s['quiz_mode'])} · status: {e(s['status'])} · results verified on model {e(model_version)}</p>
<div class="cols">
<div><h2>Leaderboard (top 10)</h2><table><tr><th>#</th><th>Nickname</th><th>Stars</th><th>Score</th></tr>{lead}</table></div>
<div><h2>Levels</h2><table><tr><th>Level</th><th>Played</th><th>Mean stars</th><th>Won</th><th>Not verified</th></tr>{''.join(level_rows)}</table></div>
</div>
<h2>Learning gain per objective (class, matched students)</h2>
{chart}
<h2>Hardest questions</h2>
<table><tr><th>Phase</th><th>Question</th><th>Right</th><th>Most common wrong answer</th></tr>{hard}</table>
</body></html>"""
