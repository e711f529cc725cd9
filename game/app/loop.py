"""The game loop's clocks: fixed model update, variable render (Nystrom's *Game Loop*, Bevy's FixedUpdate).

Three clocks, kept apart on purpose:

* **Wall time** (real seconds between frames). `clock.tick` only caps the frame rate; the measured frame time
  is clamped (`MAX_FRAME_S`) so a stall (window dragged, laptop asleep) never feeds a burst into the model.
* **Play time** (wall time × game speed). `FixedStep` accumulates it and hands out whole fixed steps of
  `STEP_S` play seconds, at most `MAX_STEPS_PER_FRAME` per frame (if a slow machine cannot keep up, the game
  slows down instead of locking up; the time dropped is counted in `dropped_s`). Pause stops the
  accumulator; `request_step()` runs exactly one step on the next frame, paused or not.
  Each step advances the *model* by `STEP_S × pace` model seconds, where the pace is the level's
  (model seconds per second of play), so the model clock runs at pace × speed.
  Rendering gets `alpha` = leftover / step (0..1) to interpolate between the last two model states.
* **Lens time** (`game.view.lens_view.LensClock`): the junction's own slow-motion clock in milliseconds,
  scaled by the game speed, paused and single-stepped with the game.

Nothing here imports pygame, so the accounting is tested without a display.
"""
from __future__ import annotations

from dataclasses import dataclass

STEP_S = 1.0 / 64.0            # play seconds per fixed step (a power of two: exact in binary, Bevy's default)
MAX_FRAME_S = 0.25             # longest frame time fed to the accumulator
MAX_STEPS_PER_FRAME = 32       # beyond this the game slows down rather than spiral
SPEEDS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
DEFAULT_SPEED = 1.0



def clamp_frame(frame_s: float, max_frame_s: float = MAX_FRAME_S) -> float:
    """A wall-clock frame time made safe: negative or NaN → 0, long stalls → `max_frame_s`."""
    if not (frame_s > 0.0):
        return 0.0
    return min(float(frame_s), max_frame_s)


def next_speed(speed: float, direction: int, speeds: tuple[float, ...] = SPEEDS) -> float:
    """The next speed in `speeds` up (`direction` > 0) or down from `speed`."""
    if direction > 0:
        return next((s for s in speeds if s > speed + 1e-9), speeds[-1])
    return next((s for s in reversed(speeds) if s < speed - 1e-9), speeds[0])


@dataclass
class FixedStep:
    """Turns variable frame times into a whole number of fixed steps (see the module docstring)."""

    step_s: float = STEP_S
    max_frame_s: float = MAX_FRAME_S
    max_steps: int = MAX_STEPS_PER_FRAME
    speed: float = DEFAULT_SPEED
    paused: bool = False
    acc_s: float = 0.0             # play time waiting to be stepped
    steps: int = 0                 # fixed steps handed out so far
    play_s: float = 0.0            # play time handed out so far (steps × step_s)
    dropped_s: float = 0.0         # play time discarded because a frame hit max_steps
    _single: int = 0

    def set_speed(self, speed: float) -> None:
        if not (speed > 0.0):
            raise ValueError(f"game speed must be above 0 (got {speed}); use pause to stop time")
        self.speed = float(speed)

    def faster(self) -> float:
        self.speed = next_speed(self.speed, +1)
        return self.speed

    def slower(self) -> float:
        self.speed = next_speed(self.speed, -1)
        return self.speed

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        return self.paused

    def request_step(self) -> None:
        """Run exactly one fixed step on the next `advance` (the usual way to step while paused)."""
        self._single += 1

    def advance(self, frame_s: float) -> int:
        """Add one frame's wall time; return how many fixed steps to run now."""
        frame = clamp_frame(frame_s, self.max_frame_s)
        if not self.paused:
            self.acc_s += frame * self.speed
        n = 0
        while self.acc_s >= self.step_s and n < self.max_steps:
            self.acc_s -= self.step_s
            n += 1
        if self.acc_s >= self.step_s:            # could not keep up: drop whole steps, keep the fraction
            whole = (self.acc_s // self.step_s) * self.step_s
            self.dropped_s += whole
            self.acc_s -= whole
        n += self._single
        self._single = 0
        self.steps += n
        self.play_s += n * self.step_s
        return n

    @property
    def alpha(self) -> float:
        """How far the render is between the last step and the next one (0..1)."""
        return min(1.0, max(0.0, self.acc_s / self.step_s))
