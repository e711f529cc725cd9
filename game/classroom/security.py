"""Tokens, the teacher cookie, the join rate limit and the request size cap."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque

TEACHER_COOKIE = "endplate_teacher"
STUDENT_TOKEN_BYTES = 24


def new_teacher_token() -> str:
    """128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def new_student_token() -> str:
    return secrets.token_urlsafe(STUDENT_TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def cookie_value(teacher_token: str) -> str:
    """What the teacher's browser keeps instead of the token itself."""
    return hmac.new(teacher_token.encode(), b"endplate teacher cookie v1", hashlib.sha256).hexdigest()


class JoinLimiter:
    """Per address: at most `per_minute` join attempts a minute; every wrong code in the last ten minutes
    makes the next answer slower (`delay`), and too many wrong codes refuse joins for a while."""

    def __init__(self, per_minute: int = 60, max_wrong: int = 20, wrong_window_s: float = 600.0) -> None:
        self.per_minute = per_minute
        self.max_wrong = max_wrong
        self.window = wrong_window_s
        self._hits: dict[str, deque[float]] = {}
        self._wrong: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, q: deque[float], age: float, now: float) -> None:
        while q and now - q[0] > age:
            q.popleft()

    def check(self, address: str) -> float | None:
        """None when the address may try now, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(address, deque())
            self._trim(hits, 60.0, now)
            wrong = self._wrong.setdefault(address, deque())
            self._trim(wrong, self.window, now)
            if len(wrong) >= self.max_wrong:
                return max(1.0, self.window - (now - wrong[0]))
            if len(hits) >= self.per_minute:
                return max(1.0, 60.0 - (now - hits[0]))
            hits.append(now)
            if len(self._hits) > 10_000:   # forget idle addresses
                for key in [k for k, q in self._hits.items() if not q][:5000]:
                    self._hits.pop(key, None)
            return None

    def wrong_code(self, address: str) -> float:
        """Note a wrong code; returns how long to hold the answer back (0.25 s doubling, at most 4 s)."""
        now = time.monotonic()
        with self._lock:
            q = self._wrong.setdefault(address, deque())
            self._trim(q, self.window, now)
            q.append(now)
            return min(4.0, 0.25 * 2 ** (len(q) - 1))


class SizeCapMiddleware:
    """Refuses request bodies above a cap (by path), before the body is read: 413 with a JSON detail."""

    def __init__(self, app, caps: dict[str, int], default: int) -> None:
        self.app = app
        self.caps = caps
        self.default = default

    def cap_for(self, path: str) -> int:
        for prefix, cap in self.caps.items():
            if path == prefix or path.startswith(prefix):
                return cap
        return self.default

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = self.cap_for(scope.get("path", ""))
        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    length = -1
        if length is not None and (length < 0 or length > cap):
            return await _too_large(send, cap)
        seen = 0
        too_big = False

        async def guarded():
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    too_big = True
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, guarded, send)
        except _TooLarge:
            await _too_large(send, cap)


class _TooLarge(Exception):
    pass


async def _too_large(send, cap: int) -> None:
    body = json.dumps({"detail": f"request body: larger than the limit of {cap} bytes for this address"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
