"""The join rate limit, kept in the database so that it holds across server processes and restarts.

Per client address: at most `per_minute` join tries in any 60 s; every wrong join code in the last
`wrong_window_s` (ten minutes) holds the next answer back longer (0.25 s doubling, at most 4 s), and
`max_wrong` wrong codes in that window refuse joins from the address until the oldest of them is old enough.
Several `class serve` processes on one database (and a restarted one) share these budgets because every try
is a row of `class_join_tries` (migration 0003); the address is stored as a SHA-256 hash, and rows are
deleted once no window needs them (`prune`, at start and then at most every PRUNE_EVERY_S in each process),
so the table holds at most the tries of the last ten minutes.

Tries from one address are serialised across processes: on PostgreSQL by a transaction-level advisory lock
on the address, on SQLite by inserting the try first (the insert takes the database's write lock, so the
counts read after it see every other process's committed tries). A refused try is taken back (deleted), as
the limit counts the tries it lets through.

In-memory fast path: a refusal is remembered in this process until the time it named. That stays correct
because the only way another process changes an address's count within a window is by adding tries, which
can lengthen a refusal, never shorten it; when the remembered time has passed the database decides again.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import and_, delete, false, func, insert, or_, select, text, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from game.classroom.db import JoinTry

log = logging.getLogger("endplate.classroom")

MINUTE_S = 60.0
PRUNE_EVERY_S = 60.0
MAX_REMEMBERED = 10_000      # refusals remembered in memory (beyond that the oldest are forgotten)


def address_key(address: str) -> str:
    """What is stored instead of the address: its SHA-256 (hex)."""
    return hashlib.sha256(b"endplate join address\0" + address.encode("utf-8", "surrogatepass")).hexdigest()


def _lock_key(key: str) -> int:
    """A signed 64-bit number for pg_advisory_xact_lock, from the address hash."""
    return int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)


class JoinLimiter:
    """`check(address)` before a join (None: go ahead; else seconds to wait), `wrong_code(address)` after a
    code that matched no session (returns how long to hold the answer back).

    `clock`: seconds since 1970 (tests move it). By default the database's clock on PostgreSQL (processes on
    several machines then agree), this machine's on SQLite (a file is on one machine)."""

    def __init__(self, engine: Engine, per_minute: int = 60, max_wrong: int = 20, wrong_window_s: float = 600.0,
                 clock: Callable[[], float] | None = None) -> None:
        self.engine = engine
        self.per_minute = per_minute
        self.max_wrong = max_wrong
        self.window = wrong_window_s
        self.clock = clock
        self.dialect = engine.dialect.name
        self._local = clock or time.monotonic          # the fast path's clock
        self._refused: dict[str, float] = {}            # address hash -> refused until (local clock)
        self._lock = threading.Lock()
        self._pruned_at: float | None = None

    # --- the database ------------------------------------------------------------------------------------
    def _now(self, conn: Connection) -> float:
        if self.clock is not None:
            return float(self.clock())
        if self.dialect == "postgresql":
            return float(conn.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
        return time.time()

    def _serialise(self, conn: Connection, key: str) -> None:
        """Make other processes' tries from this address wait until this transaction ends (PostgreSQL; on
        SQLite the insert that follows takes the write lock)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(key)})

    def _wrong_times(self, conn: Connection, key: str, now: float) -> list[float]:
        return list(conn.execute(select(JoinTry.at).where(JoinTry.address == key, JoinTry.wrong == true(),
                                                          JoinTry.at > now - self.window)
                                 .order_by(JoinTry.at)).scalars())

    # --- the limit ---------------------------------------------------------------------------------------
    def check(self, address: str) -> float | None:
        """None when the address may try now (the try is counted), else seconds to wait."""
        key = address_key(address)
        local = self._local()
        with self._lock:
            until = self._refused.get(key)
            if until is not None:
                if local < until:
                    return max(1.0, until - local)
                del self._refused[key]
        with self.engine.begin() as conn:
            self._serialise(conn, key)
            now = self._now(conn)
            mine = conn.execute(insert(JoinTry).values(address=key, wrong=False, at=now)).inserted_primary_key[0]
            wait: float | None = None
            wrong = self._wrong_times(conn, key, now)
            if len(wrong) >= self.max_wrong:       # locked out until enough wrong codes are old enough
                wait = self.window - (now - wrong[len(wrong) - self.max_wrong])
            else:
                tries = list(conn.execute(
                    select(JoinTry.at).where(JoinTry.address == key, JoinTry.wrong == false(), JoinTry.id != mine,
                                             JoinTry.at > now - MINUTE_S).order_by(JoinTry.at)).scalars())
                if len(tries) >= self.per_minute:
                    wait = MINUTE_S - (now - tries[len(tries) - self.per_minute])
            if wait is not None:
                conn.execute(delete(JoinTry).where(JoinTry.id == mine))     # a refused try is not counted
        if wait is not None:
            wait = max(1.0, wait)
            with self._lock:
                if len(self._refused) >= MAX_REMEMBERED:
                    self._refused = {k: u for k, u in self._refused.items() if u > local}
                    while len(self._refused) >= MAX_REMEMBERED:
                        self._refused.pop(next(iter(self._refused)))
                self._refused[key] = local + wait
        self._maybe_prune(local)
        return wait

    def wrong_code(self, address: str) -> float:
        """Note a wrong code; returns how long to hold the answer back (0.25 s doubling, at most 4 s)."""
        key = address_key(address)
        with self.engine.begin() as conn:
            self._serialise(conn, key)
            now = self._now(conn)
            conn.execute(insert(JoinTry).values(address=key, wrong=True, at=now))
            n = conn.execute(select(func.count()).select_from(JoinTry).where(
                JoinTry.address == key, JoinTry.wrong == true(), JoinTry.at > now - self.window)).scalar_one()
        return min(4.0, 0.25 * 2 ** (max(1, int(n)) - 1))

    # --- keeping the table small -------------------------------------------------------------------------
    def prune(self) -> int:
        """Delete the tries no window needs any more (plain tries after a minute, wrong codes after the wrong
        window); returns how many."""
        with self.engine.begin() as conn:
            now = self._now(conn)
            gone = conn.execute(delete(JoinTry).where(or_(
                and_(JoinTry.wrong == false(), JoinTry.at <= now - MINUTE_S),
                and_(JoinTry.wrong == true(), JoinTry.at <= now - self.window))))
            return int(gone.rowcount or 0)

    def _maybe_prune(self, local: float) -> None:
        with self._lock:
            if self._pruned_at is not None and local - self._pruned_at < PRUNE_EVERY_S:
                return
            self._pruned_at = local
        try:
            self.prune()
        except SQLAlchemyError as err:      # another process pruning at the same moment, a busy file: next time
            log.warning("could not prune old join tries: %s", str(err).splitlines()[0] if str(err) else err)
