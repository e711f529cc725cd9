"""Sounds made with numpy at 44.1 kHz, played through pygame's mixer.

* :func:`synthesise` (pure, for tests) returns a float32 stereo array, shape (n, 2), values within -1..1.
* :class:`Audio` plays them; if the mixer cannot start (no sound card, CI) every method quietly does
  nothing, so the game never depends on audio.

Names: "vesicle" (soft pop), "receptor" (short click), "twitch" (low thump), "alarm" (two-tone),
"success" (chime), "ambient" (a quiet music loop of a few seconds that repeats seamlessly).
"""
from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 44100
SOUND_NAMES: tuple[str, ...] = ("vesicle", "receptor", "twitch", "alarm", "success", "ambient")
AMBIENT_SECONDS = 8.0
#: Shortest gap between two plays of the same effect (many vesicles can fuse in one frame).
MIN_INTERVAL_S: dict[str, float] = {"vesicle": 0.035, "receptor": 0.025, "twitch": 0.08, "alarm": 0.8, "success": 0.5}


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * SAMPLE_RATE)), dtype=np.float64) / SAMPLE_RATE


def _stereo(mono: np.ndarray, pan: float = 0.0) -> np.ndarray:
    """Mono -> (n, 2) with a constant-power pan (-1 left .. 1 right)."""
    a = (pan + 1) * np.pi / 4
    return np.stack([mono * np.cos(a), mono * np.sin(a)], axis=1) * np.sqrt(2)


def _fade(x: np.ndarray, attack_s: float = 0.002, release_s: float = 0.01) -> np.ndarray:
    n = x.shape[0]
    na = min(n, max(1, int(attack_s * SAMPLE_RATE)))
    nr = min(n, max(1, int(release_s * SAMPLE_RATE)))
    env = np.ones(n)
    env[:na] = np.linspace(0, 1, na)
    env[n - nr:] *= np.linspace(1, 0, nr)
    return x * env if x.ndim == 1 else x * env[:, None]


def _normalise(x: np.ndarray, peak: float) -> np.ndarray:
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return x if m <= 0 else x * (peak / m)


def _vesicle() -> np.ndarray:
    t = _t(0.09)
    f = 320 + 700 * np.exp(-t / 0.012)                   # quick downward pitch sweep: a soft "pop"
    phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
    body = np.sin(phase) * np.exp(-t / 0.022)
    rng = np.random.default_rng(1)
    air = np.convolve(rng.standard_normal(t.size), np.ones(24) / 24, mode="same") * np.exp(-t / 0.006) * 0.6
    return _stereo(_fade(_normalise(body + air, 0.45), 0.001, 0.02), -0.15)


def _receptor() -> np.ndarray:
    t = _t(0.03)
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(t.size)
    hp = noise - np.convolve(noise, np.ones(6) / 6, mode="same")     # crude high-pass: a tick
    tick = hp * np.exp(-t / 0.0025) + 0.6 * np.sin(2 * np.pi * 2600 * t) * np.exp(-t / 0.004)
    return _stereo(_fade(_normalise(tick, 0.32), 0.0003, 0.01), 0.15)


def _twitch() -> np.ndarray:
    t = _t(0.32)
    f = 42 + 38 * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
    env = (1 - np.exp(-t / 0.004)) * np.exp(-t / 0.09)
    thump = np.sin(phase) * env + 0.25 * np.sin(2 * phase) * env * np.exp(-t / 0.03)
    return _stereo(_fade(_normalise(thump, 0.8), 0.002, 0.05), 0.0)


def _alarm() -> np.ndarray:
    seg = 0.22
    tones = (880.0, 660.0, 880.0, 660.0)
    parts = []
    for f in tones:
        t = _t(seg)
        tone = np.sin(2 * np.pi * f * t) + 0.25 * np.sin(2 * np.pi * 3 * f * t)   # a little edge, not harsh
        env = np.minimum(1, t / 0.01) * np.minimum(1, (seg - t) / 0.03)
        parts.append(tone * env)
        parts.append(np.zeros(int(0.03 * SAMPLE_RATE)))
    return _stereo(_normalise(np.concatenate(parts), 0.5), 0.0)


def _success() -> np.ndarray:
    total = 1.4
    t = _t(total)
    out = np.zeros(t.size)
    notes = (523.25, 659.25, 783.99, 1046.5)     # C5 E5 G5 C6
    for i, f in enumerate(notes):
        start = i * 0.09
        tt = t - start
        on = tt >= 0
        tt = np.where(on, tt, 0)
        bell = (np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(2 * np.pi * 2.76 * f * tt) * np.exp(-tt / 0.08))
        out += on * bell * np.exp(-tt / (0.45 - 0.05 * i)) * np.minimum(1, tt / 0.004)
    left = _fade(_normalise(out, 0.42), 0.001, 0.15)
    return np.stack([left, np.roll(left, int(0.004 * SAMPLE_RATE))], axis=1)


def _ambient() -> np.ndarray:
    """A soft pad alternating two chords; every frequency and modulation makes whole cycles in the loop,
    so the end joins the start without a click."""
    T = AMBIENT_SECONDS
    period = int(round(T * SAMPLE_RATE))
    nf = np.arange(period, dtype=np.float32)

    def osc(f: float) -> np.ndarray:
        k = round(f * T)                          # a whole number of cycles per loop
        return np.sin(nf * np.float32(2 * np.pi * k / period))

    chord_a = (110.0, 164.81, 220.0, 261.63, 329.63)       # A minor
    chord_b = (87.31, 130.81, 174.61, 220.0, 261.63)       # F major
    w_a = np.float32(0.5) + np.float32(0.5) * np.cos(nf * np.float32(2 * np.pi / period))   # A -> B -> A
    left = np.zeros(period, dtype=np.float32)
    right = np.zeros(period, dtype=np.float32)
    for chord, w in ((chord_a, w_a), (chord_b, 1 - w_a)):
        for k, f in enumerate(chord):
            amp = (0.8 + 0.2 * osc(0.25 * (k + 1))) * w * np.float32(1 / (k + 1.5))
            left += amp * (osc(f - 0.25) + np.float32(0.15) * osc(2 * f - 0.5))
            right += amp * (osc(f + 0.25) + np.float32(0.15) * osc(2 * f + 0.5))
    # a slow, quiet bell figure every 2 s (its period divides the loop)
    t = nf / np.float32(SAMPLE_RATE)
    for i, f in enumerate((440.0, 523.25, 659.25, 523.25)):
        tt = (t - np.float32(i * T / 4)) % np.float32(T)
        tone = osc(f) * np.exp(-tt / np.float32(0.7)) * np.minimum(1, tt / np.float32(0.01)) * np.float32(0.35)
        left += tone * np.float32(0.7 if i % 2 else 1.0)
        right += tone * np.float32(1.0 if i % 2 else 0.7)
    return _normalise(np.stack([left, right], axis=1), 0.3)


_SYNTHS = {"vesicle": _vesicle, "receptor": _receptor, "twitch": _twitch, "alarm": _alarm, "success": _success,
           "ambient": _ambient}


@lru_cache(maxsize=None)
def _cached(name: str) -> np.ndarray:
    x = np.clip(_SYNTHS[name](), -1.0, 1.0).astype(np.float32)
    x.setflags(write=False)
    return x


def synthesise(name: str) -> np.ndarray:
    """The sound `name` as float32 stereo samples at 44.1 kHz, shape (n, 2), peak <= 1. Deterministic."""
    if name not in _SYNTHS:
        raise KeyError(f"unknown sound {name!r}; expected one of {SOUND_NAMES}")
    return _cached(name).copy()


def to_mixer_format(x: np.ndarray, frequency: int, fmt: int, channels: int) -> np.ndarray:
    """Convert float stereo samples to the array layout `pygame.sndarray.make_sound` needs for a mixer
    opened with (frequency, format, channels)."""
    if frequency != SAMPLE_RATE and x.shape[0] > 1:
        n_new = max(1, int(round(x.shape[0] * frequency / SAMPLE_RATE)))
        src = np.linspace(0, 1, x.shape[0])
        dst = np.linspace(0, 1, n_new)
        x = np.stack([np.interp(dst, src, x[:, c]) for c in range(x.shape[1])], axis=1)
    if channels == 1:
        x = x.mean(axis=1, keepdims=True)
    elif channels > 2:
        x = np.concatenate([x, np.zeros((x.shape[0], channels - 2))], axis=1)
    x = np.clip(x, -1.0, 1.0)
    bits = abs(fmt)
    if bits == 32 and fmt > 0:         # 32-bit float
        out = x.astype(np.float32)
    elif bits == 32:
        out = (x * 2147483647).astype(np.int32)
    elif bits == 16 and fmt < 0:
        out = (x * 32767).astype(np.int16)
    elif bits == 16:
        out = ((x * 32767) + 32768).astype(np.uint16)
    elif bits == 8 and fmt < 0:
        out = (x * 127).astype(np.int8)
    else:
        out = ((x * 127) + 128).astype(np.uint8)
    if channels == 1:
        out = out[:, 0]
    return np.ascontiguousarray(out)


class Audio:
    """Plays the synthesised sounds. Silently does nothing when the mixer cannot be initialised."""

    def __init__(self, enabled: bool = True, music_volume: float = 0.4, effects_volume: float = 0.7,
                 muted: bool = False) -> None:
        self.ok = False
        self._sounds: dict[str, object] = {}
        self._last: dict[str, float] = {}
        self._music_channel = None
        self.music_volume = music_volume
        self.effects_volume = effects_volume
        self.muted = muted
        if not enabled:
            return
        try:
            import pygame
            self._pg = pygame
            if not pygame.mixer.get_init():
                pygame.mixer.pre_init(SAMPLE_RATE, -16, 2, 512)
                pygame.mixer.init(SAMPLE_RATE, -16, 2, 512)
            freq, fmt, ch = pygame.mixer.get_init()
            self._format = (freq, fmt, ch)
            pygame.mixer.set_num_channels(max(16, pygame.mixer.get_num_channels()))
            pygame.mixer.set_reserved(1)
            self._music_channel = pygame.mixer.Channel(0)
            for name in SOUND_NAMES:
                if name != "ambient":          # the music loop is made when it first starts
                    self._sounds[name] = self._make(name)
            self.ok = True
        except Exception:
            self.ok = False
            self._sounds = {}
        self.set_volumes(music_volume, effects_volume, muted)

    def _make(self, name: str):
        freq, fmt, ch = self._format
        return self._pg.sndarray.make_sound(to_mixer_format(synthesise(name), freq, fmt, ch))

    def play(self, name: str) -> None:
        """Play an effect (rate-limited per sound). Unknown names and a missing mixer are ignored."""
        if not self.ok or self.muted or name == "ambient":
            if name == "ambient":
                self.start_music()
            return
        snd = self._sounds.get(name)
        if snd is None:
            return
        now = time.monotonic()
        if now - self._last.get(name, -1e9) < MIN_INTERVAL_S.get(name, 0.0):
            return
        self._last[name] = now
        try:
            snd.play()
        except Exception:
            pass

    def start_music(self) -> None:
        if not self.ok or self._music_channel is None:
            return
        try:
            if "ambient" not in self._sounds:
                self._sounds["ambient"] = self._make("ambient")
            if not self._music_channel.get_busy():
                self._music_channel.play(self._sounds["ambient"], loops=-1, fade_ms=800)
            self._music_channel.set_volume(0.0 if self.muted else self.music_volume)
        except Exception:
            pass

    def stop_music(self, fade_ms: int = 500) -> None:
        if not self.ok or self._music_channel is None:
            return
        try:
            self._music_channel.fadeout(fade_ms)
        except Exception:
            pass

    def set_volumes(self, music: float, effects: float, muted: bool = False) -> None:
        """Volumes 0..1; `muted` silences everything without forgetting the volumes."""
        self.music_volume = min(1.0, max(0.0, float(music)))
        self.effects_volume = min(1.0, max(0.0, float(effects)))
        self.muted = bool(muted)
        if not self.ok:
            return
        try:
            for name, snd in self._sounds.items():
                if name != "ambient":
                    snd.set_volume(0.0 if self.muted else self.effects_volume)
            if self._music_channel is not None:
                self._music_channel.set_volume(0.0 if self.muted else self.music_volume)
        except Exception:
            pass

    def close(self) -> None:
        if self.ok:
            try:
                self._pg.mixer.stop()
            except Exception:
                pass
