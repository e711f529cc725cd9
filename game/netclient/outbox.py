"""Sending the outbox: attempts and answers wait in the local store and go to the class server when it can
be reached — at start, on a timer, and on "Sync now".

The store is single-threaded, so the work is split: the main thread reads the pending items and hands
copies to a background thread, which only talks HTTP and puts each outcome on a queue; the main thread
then writes the outcomes to the store (`apply`, called every frame by `tick`). A frame never waits for
the network, and an item is marked sent only after the server said it has it. An item sent but whose
answer was lost (the game closed, the network dropped) stays pending and is sent again with the same
uuid, which the server stores once.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from game.netclient.api import ClassClient, ClassError

SYNC_EVERY_S = 20.0            # the game's timer: try again this often while something is queued
BATCH = 200                    # items handed to one background send at most


@dataclass(frozen=True)
class Outcome:
    uuid: str
    kind: str
    status: str                 # "sent" | "refused" | "failed"
    message: str = ""
    reply: dict[str, Any] | None = None


@dataclass
class SyncStatus:
    queued: int = 0
    sent: int = 0
    refused: int = 0
    busy: bool = False
    last_error: str = ""
    last_reply: dict[str, Any] | None = None

    def line(self) -> str:
        parts = [f"{self.sent} sent", f"{self.queued} waiting"]
        if self.refused:
            parts.append(f"{self.refused} refused")
        text = "Results: " + ", ".join(parts)
        if self.busy:
            text += " (sending...)"
        elif self.queued and self.last_error:
            text += f" - {self.last_error}"
        return text


def _send_all(items: list[dict[str, Any]], out: "queue.Queue[Outcome]",
              transport: httpx.BaseTransport | None) -> None:
    """Background thread: send each item; after a server proves unreachable, leave its other items for later."""
    down: set[str] = set()
    clients: dict[tuple[str, str], ClassClient] = {}
    try:
        for it in items:
            url = it["server_url"]
            payload = it["payload"]
            if url in down:
                continue
            key = (url, str(payload.get("student_token", "")))
            try:
                client = clients.get(key)
                if client is None:
                    client = clients[key] = ClassClient(url, key[1] or None, transport=transport)
                body = payload.get("body") or {}
                if it["kind"] == "attempt":
                    reply = client.send_attempt(body).model_dump()
                else:
                    reply = client.send_answer(body).model_dump()
                out.put(Outcome(it["uuid"], it["kind"], "sent", reply=reply))
            except ClassError as err:
                if err.retry:
                    down.add(url)
                    out.put(Outcome(it["uuid"], it["kind"], "failed", str(err)))
                else:
                    out.put(Outcome(it["uuid"], it["kind"], "refused", str(err)))
            except Exception as err:     # never let the thread die silently: the item stays pending
                out.put(Outcome(it["uuid"], it["kind"], "failed", f"{type(err).__name__}: {err}"))
    finally:
        for c in clients.values():
            c.close()


class ClassSync:
    """Owns the background sending of one store's outbox. Use from the main thread only."""

    def __init__(self, store, *, every_s: float = SYNC_EVERY_S, transport: httpx.BaseTransport | None = None,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.store = store
        self.every_s = float(every_s)
        self.transport = transport
        self.on_outcome = on_outcome
        self._results: "queue.Queue[Outcome]" = queue.Queue()
        self._thread: threading.Thread | None = None
        self._since = self.every_s          # the first tick tries at once (the game's start)
        self._again = False                 # a send was asked for while one was running
        self.status = SyncStatus()
        self.replies: dict[str, dict[str, Any]] = {}     # uuid -> the server's reply (verified score...)
        self.refresh()

    # -- main thread ----------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> None:
        try:
            counts = self.store.outbox_counts()
        except Exception as err:          # a closed or failing store: say so, keep the game running
            self.status.last_error = f"outbox unreadable: {err}"
            return
        self.status.queued, self.status.sent, self.status.refused = counts["queued"], counts["sent"], counts["refused"]
        self.status.busy = self.busy

    def sync_now(self) -> bool:
        """Start sending what is pending (False when a send is already running or nothing waits)."""
        self.apply()
        if self.busy:
            self._again = True                # items queued during a send go right after it
            return False
        self._again = False
        try:
            items = self.store.outbox_pending(BATCH)
        except Exception as err:
            self.status.last_error = f"outbox unreadable: {err}"
            return False
        self._since = 0.0
        if not items:
            return False
        self._thread = threading.Thread(target=_send_all, args=(items, self._results, self.transport),
                                        name="endplate-class-sync", daemon=True)
        self._thread.start()
        self.status.busy = True
        return True

    def apply(self) -> int:
        """Write the outcomes the background thread has finished into the store; returns how many."""
        n = 0
        while True:
            try:
                o = self._results.get_nowait()
            except queue.Empty:
                break
            n += 1
            try:
                if o.status == "sent":
                    self.store.outbox_sent(o.uuid)
                    if o.reply is not None:
                        self.replies[o.uuid] = o.reply
                        if o.kind == "attempt":
                            self.status.last_reply = o.reply
                    self.status.last_error = ""
                elif o.status == "refused":
                    self.store.outbox_sent(o.uuid, refused=o.message or "refused")
                    self.status.last_error = o.message
                else:
                    self.store.outbox_failed(o.uuid, o.message)
                    self.status.last_error = o.message
            except Exception as err:      # the item stays as it was (pending): it will be tried again
                self.status.last_error = f"outbox not updated: {err}"
            if self.on_outcome is not None:
                self.on_outcome(o)
        if n or self.status.busy != self.busy:
            self.refresh()
        return n

    def tick(self, frame_s: float) -> None:
        """Call once a frame: picks up finished sends, and starts one every `every_s` while items wait."""
        self.apply()
        self._since += frame_s
        if self._again and not self.busy and not (self.status.last_error and self.status.queued):
            self.sync_now()
        elif self._since >= self.every_s and not self.busy:
            self._since = 0.0
            self.refresh()
            if self.status.queued:
                self.sync_now()

    def wait(self, timeout_s: float = 30.0) -> None:
        """Block until the running send is over, then apply its outcomes (command line and tests only)."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.apply()

    def flush(self, timeout_s: float = 30.0, rounds: int = 3) -> SyncStatus:
        """Send everything pending and wait (command line): a few rounds, bounded in count and time."""
        self.wait(timeout_s)                  # a send already running (started after a level) ends first
        for _ in range(max(1, rounds)):
            if not self.sync_now():
                break
            self.wait(timeout_s)
            if self.status.last_error and self.status.queued:
                break                         # the server is not reachable now: the items stay queued
        self.refresh()
        return self.status

    def close(self) -> None:
        """Stop using the store. A send still running is left to finish on its own (its outcomes are not
        written; those items stay pending and are resent with the same uuid next time)."""
        self.apply()
