"""The class server's HTTP API, as the game uses it: one small client on httpx with short timeouts.

Every call either returns the server's answer (parsed and checked) or raises `ClassError` with one line a
student can read. `ClassError.retry` says whether trying again later can help (no network, server busy or
down) or not (a wrong join code, a refused attempt): the outbox keeps the first kind and gives up on the
second.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from game.validation import first_error
from game.classroom.models import AnswerOut, AttemptOut, JoinResponse, PrePostOut, StudentView

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
ATTEMPT_READ_TIMEOUT_S = 60.0     # an attempt's answer waits for the server's replay, which queues in a busy class
DEFAULT_PORT = 8750


class ClassError(Exception):
    """A class-server call that did not work; `retry` is True when a later try may work."""

    def __init__(self, message: str, *, retry: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.status = status


# The requests and replies are the server's own models (game/classroom/models.py, free of FastAPI).
__all__ = ["ClassClient", "ClassError", "JoinResponse", "AttemptOut", "AnswerOut", "StudentView", "PrePostOut",
           "normalize_url"]


def normalize_url(text: str) -> str:
    """A server address as typed ("192.168.1.20:8750", "http://host:8750/") made into a base URL.
    Raises ClassError naming what was expected."""
    t = (text or "").strip()
    if not t:
        raise ClassError("server address: empty (expected something like 192.168.1.20:8750)")
    had_scheme = "://" in t
    if not had_scheme:
        t = "http://" + t
    parts = urlsplit(t)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in t):
        raise ClassError(f"server address: {text.strip()!r} is not an address (expected e.g. 192.168.1.20:8750)")
    try:
        port = parts.port
    except ValueError:
        raise ClassError(f"server address: {text.strip()!r} has a bad port number") from None
    if port is None and not had_scheme:
        port = DEFAULT_PORT
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path.rstrip('/')}"


def _detail(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200].strip() or resp.reason_phrase
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, list):          # FastAPI's validation errors: name the first field
        first = detail[0] if detail else {}
        if isinstance(first, dict):
            loc = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
            return f"{loc}: {first.get('msg', 'invalid')}" if loc else str(first.get("msg", "invalid"))
    return str(detail) if detail else resp.reason_phrase


class ClassClient:
    """Calls to one class server. `transport` lets tests use an in-process app (httpx.ASGITransport is async,
    so tests use a real server or httpx.MockTransport)."""

    def __init__(self, base_url: str, token: str | None = None, *, transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | None = None) -> None:
        self.base_url = normalize_url(base_url)
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, transport=transport,
                                  timeout=timeout or httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                                  follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ClassClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, read_s: float | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        timeout = httpx.Timeout(read_s, connect=CONNECT_TIMEOUT_S) if read_s else httpx.USE_CLIENT_DEFAULT
        try:
            resp = self._http.request(method, path, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise ClassError(f"the class server at {self.base_url} did not answer in time", retry=True) from None
        except httpx.HTTPError as err:
            raise ClassError(f"cannot reach the class server at {self.base_url} ({type(err).__name__})",
                             retry=True) from None
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise ClassError(f"the class server is busy or failing ({resp.status_code}: {_detail(resp)})",
                             retry=True, status=resp.status_code)
        if resp.status_code >= 400:
            raise ClassError(_detail(resp), status=resp.status_code)
        try:
            return resp.json()
        except ValueError:
            raise ClassError(f"the class server at {self.base_url} sent something that is not JSON", retry=True,
                             status=resp.status_code) from None

    @staticmethod
    def _parse(model: type[BaseModel], data: Any, what: str):
        try:
            return model.model_validate(data)
        except ValidationError as err:
            field, msg, _ = first_error(err)
            raise ClassError(f"the class server's {what} is not what this game expects ({field}: "
                             f"{msg}); is it an Endplate class server of the same version?",
                             retry=False) from None

    # -- the calls ----------------------------------------------------------------------------------------
    def join(self, join_code: str, nickname: str) -> JoinResponse:
        reply = self._parse(JoinResponse, self._call("POST", "/api/join", {"join_code": join_code,
                                                                          "nickname": nickname}), "join reply")
        self.token = reply.student_token
        return reply

    def session(self) -> StudentView:
        return self._parse(StudentView, self._call("GET", "/api/session"), "session reply")

    def prepost(self) -> PrePostOut:
        return self._parse(PrePostOut, self._call("GET", "/api/prepost"), "pre/post quiz")

    def send_attempt(self, body: dict[str, Any]) -> AttemptOut:
        return self._parse(AttemptOut, self._call("POST", "/api/attempts", body, read_s=ATTEMPT_READ_TIMEOUT_S),
                           "attempt reply")

    def send_answer(self, body: dict[str, Any]) -> AnswerOut:
        return self._parse(AnswerOut, self._call("POST", "/api/answers", body), "answer reply")
