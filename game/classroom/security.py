"""Tokens, the teacher cookie and the request size cap (the join rate limit: game/classroom/joinlimit.py)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets

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
