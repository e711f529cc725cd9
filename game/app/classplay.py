"""What the game does for a joined class, shared by the scenes and the command line (no scene imports
another): queue a finished attempt and start sending it, build the quizzes whose answers go to the server,
and finish a headless attempt early.

The joined class lives in `ctx.class_run` (game.netclient.classrun.ClassRun) and the background sending in
`ctx.class_sync` (game.netclient.outbox.ClassSync), which the app ticks every frame.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from game.app.router import make
from game.netclient.outbox import ClassSync


def sync(ctx) -> ClassSync:
    """The context's background sender (made on first use)."""
    if getattr(ctx, "class_sync", None) is None:
        ctx.class_sync = ClassSync(ctx.store)
    return ctx.class_sync


def report_attempt(ctx, class_level, moves: list[dict], summary, wall_s: float) -> str | None:
    """Queue the attempt (the store first), then try to send it without waiting. Returns its uuid, or None
    (with a message for the player) when it could not even be queued."""
    run = ctx.class_run
    if run is None:
        return None
    try:
        uuid = run.queue_attempt(ctx.store, class_level, moves, summary, time_s=wall_s)
    except Exception as err:      # a full disk must not stop the debrief; say so
        ctx.messages.append(f"Class result not saved for sending: {err}")
        return None
    sync(ctx).sync_now()
    return uuid


def _answerer(ctx, phase: str, level_id: str | None = None, ids: list[Any] | None = None):
    def on_answer(index: int, question, answer, correct) -> None:
        run = ctx.class_run
        if run is None:
            return
        qid = ids[index] if ids is not None else index
        try:
            run.queue_answer(ctx.store, phase, qid, answer, level_id)
        except Exception as err:
            ctx.messages.append(f"Quiz answer not saved for sending: {err}")
            return
        sync(ctx).sync_now()
    return on_answer


def level_quiz(ctx, level):
    """The level's quiz; each answer is queued for the server as it is checked (quiz mode after-level)."""
    run = ctx.class_run
    if run is not None:
        run.quizzed.add(level.id)
    return make("quiz", ctx, level, on_answer=_answerer(ctx, "level", level.id))


def prepost_questions(items: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """The pre/post items as the quiz screen shows them (the server keeps the answers)."""
    out = []
    for it in items:
        kind = it.get("kind")
        if kind == "choice":
            out.append(SimpleNamespace(kind="choice", question=it["question"], options=list(it["options"])))
        elif kind == "order":
            out.append(SimpleNamespace(kind="order", question=it["question"], items=list(it["items"])))
        elif kind == "match":
            pairs = [SimpleNamespace(left=l, right=r) for l, r in zip(it["left"], it["right"])]
            out.append(SimpleNamespace(kind="match", question=it["question"], pairs=pairs))
    return out


def prepost_quiz(ctx, phase: str, items: list[dict[str, Any]]):
    """The session's pre or post quiz: no right/wrong shown; each answer is queued as it is given."""
    run = ctx.class_run
    usable = [it for it in items if it.get("kind") in ("choice", "order", "match")]
    if run is not None:
        run.quizzed.add(phase)
    title = "Before the session" if phase == "pre" else "After the session"
    holder = SimpleNamespace(id=phase, title=title, quiz=[])
    return make("quiz", ctx, holder, questions=prepost_questions(usable), reveal=False, title=title,
                on_answer=_answerer(ctx, phase, ids=[it["id"] for it in usable]))


def finish_early(scene) -> None:
    """Headless class play (`--seconds`): the level runs on to its end with no more moves (what the server's
    replay does too), then the attempt is reported."""
    if scene.class_level is None or scene.class_reported or scene.closed:
        return
    run = scene.run
    if scene.train_held:
        scene.act("train_stop")
        scene.train_held = False
    guard = 0
    while not run.finished and guard < 100_000:
        run.advance(max(1.0, scene.level.duration_model_s - run.t_s))
        guard += 1
    scene.report_class_attempt()
