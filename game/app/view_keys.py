"""The clock and lens-view keys that every scene with a lens shares (play and lab)."""
from __future__ import annotations

PAN_STEP_PX = 60
VIEW_ACTIONS = ("step", "slower", "faster", "speed_reset", "zoom_in", "zoom_out", "zoom_reset",
                "pan_left", "pan_right", "pan_up", "pan_down", "labels")


def view_action(action: str, clock, lens_view, mouse: tuple[int, int]) -> bool:
    """Apply a clock or lens-view action; False when `action` is not one of VIEW_ACTIONS."""
    match action:
        case "step":
            clock.paused = True
            clock.request_step()
        case "slower":
            clock.slower()
        case "faster":
            clock.faster()
        case "speed_reset":
            clock.set_speed(1.0)
        case "zoom_in":
            lens_view.zoom_by(+1, mouse if lens_view.rect.collidepoint(mouse) else None)
        case "zoom_out":
            lens_view.zoom_by(-1)
        case "zoom_reset":
            lens_view.reset_view()
        case "pan_left" | "pan_right" | "pan_up" | "pan_down":
            dx = {"pan_left": PAN_STEP_PX, "pan_right": -PAN_STEP_PX}.get(action, 0)
            dy = {"pan_up": PAN_STEP_PX, "pan_down": -PAN_STEP_PX}.get(action, 0)
            lens_view.pan_by(dx, dy)
        case "labels":
            lens_view.labels = not lens_view.labels
        case _:
            return False
    return True
