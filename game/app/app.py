"""The application: one window, a stack of scenes, one frame at a time.

`App.frame(frame_s)` is the whole loop body: gather pygame events (window events handled here, the rest go to
the top scene), update the top scene with the frame time, draw the stack, flip. `App.run()` calls it with
the measured frame time and caps the frame rate with `clock.tick`; tests and headless runs call it with a
fixed frame time so that a run is reproducible and does not wait.
"""
from __future__ import annotations

import time
from typing import Callable

import pygame

from game.app.context import AppContext
from game.app.scene import Pop, Push, Quit, Replace, Reset, Scene, Transition

FPS_CAP = 60
HEADLESS_FRAME_S = 1.0 / 60.0


class App:
    def __init__(self, ctx: AppContext, first: Scene) -> None:
        self.ctx = ctx
        self.stack: list[Scene] = []
        self.running = True
        self.frames = 0
        self.clock = pygame.time.Clock()
        self._push(first)

    # -- the stack ----------------------------------------------------------------------------------------
    @property
    def top(self) -> Scene | None:
        return self.stack[-1] if self.stack else None

    def _push(self, scene: Scene) -> None:
        self.stack.append(scene)
        scene.resize(self.ctx.window.size)
        scene.enter()

    def _pop(self) -> Scene | None:
        if not self.stack:
            return None
        scene = self.stack.pop()
        if not scene.closed:
            scene.close()
        return scene

    def apply(self, tr: Transition | None) -> None:
        """Carry out a scene transition (chains: a resumed scene may answer with another one)."""
        depth = 0
        while tr is not None and depth < 8:
            depth += 1
            match tr:
                case Push(scene=s):
                    self._push(s)
                    tr = None
                case Replace(scene=s):
                    self._pop()
                    self._push(s)
                    tr = None
                case Reset(scene=s):
                    while self.stack:
                        self._pop()
                    self._push(s)
                    tr = None
                case Pop(result=r):
                    self._pop()
                    if not self.stack:
                        self.running = False
                        return
                    self.top.resize(self.ctx.window.size)
                    self.top.enter()
                    tr = self.top.resumed(r)
                case Quit():
                    self.quit()
                    tr = None

    def quit(self) -> None:
        for scene in reversed(self.stack):
            try:
                scene.autosave()
            except Exception:      # a failed autosave must never stop the game from closing
                pass
        while self.stack:
            self._pop()
        self.running = False

    # -- one frame ----------------------------------------------------------------------------------------
    def frame(self, frame_s: float) -> bool:
        """Run one frame; returns False once the app has quit."""
        if not self.running:
            return False
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.quit()
                return False
            if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self.ctx.window.sync()
                self.ctx.apply_text_scale()
                for s in self.stack:
                    s.resize(self.ctx.window.size)
                continue
            if event.type == pygame.KEYDOWN and event.key == pygame.K_F11:
                self.toggle_fullscreen()
                continue
            if self.top is None:
                break
            self.apply(self.top.handle(event))
            if not self.running:
                return False
        if self.top is None:
            self.running = False
            return False
        self.apply(self.top.update(frame_s))
        if self.ctx.class_sync is not None:     # class results: sent in the background, never waited for
            self.ctx.class_sync.tick(frame_s)
        if not self.running or self.top is None:
            return False
        self.draw()
        self.frames += 1
        return True

    def toggle_fullscreen(self) -> None:
        err = self.ctx.update_settings(fullscreen=not self.ctx.window.fullscreen)
        if self.ctx.headless:
            self.ctx.window.set_fullscreen(self.ctx.settings.fullscreen)
        self.ctx.apply_text_scale()
        if err:
            self.ctx.messages.append(err)
        for s in self.stack:
            s.resize(self.ctx.window.size)

    def draw(self) -> None:
        surface = self.ctx.window.surface
        first = 0
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].opaque:
                first = i
                break
        for scene in self.stack[first:]:
            scene.draw(surface)
        if not self.ctx.headless:
            pygame.display.flip()

    def run(self, *, max_frames: int | None = None, frame_s: float | None = None,
            on_frame: Callable[["App"], None] | None = None) -> None:
        """The main loop. `frame_s` fixes the frame time (headless, tests); otherwise it is measured."""
        last = time.perf_counter()
        while self.running:
            if frame_s is None:
                self.clock.tick(FPS_CAP)         # caps the frame rate only; the model never sees it
                now = time.perf_counter()
                dt, last = now - last, now
            else:
                dt = frame_s
            if on_frame is not None:
                on_frame(self)
            if not self.frame(dt):
                break
            if max_frames is not None and self.frames >= max_frames:
                break

    def close(self) -> None:
        """Close every scene still open (the context is closed by its owner)."""
        while self.stack:
            self._pop()
