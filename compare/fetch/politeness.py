"""Per-host politeness: a concurrency limit and a minimum delay between request starts.

Clock and sleep are injected, so tests drive time by hand and never sleep. A host's delay can
only grow during a run (robots.txt ``Crawl-delay``, a ``Retry-After`` answer), never shrink.

Retry timing lives here too: exponential backoff with jitter, and ``Retry-After`` honoured but
capped, so one server cannot stall a nightly run for hours.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["Clock", "HostGate", "HostGates", "RetryPolicy", "Sleep", "parse_retry_after"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class HostGate:
    """Admits requests to one host: at most ``concurrency`` at once, starts ``delay`` apart."""

    def __init__(
        self, host: str, *, delay: float, concurrency: int, clock: Clock, sleep: Sleep
    ) -> None:
        self.host = host
        self.delay = max(0.0, delay)
        self._semaphore = asyncio.Semaphore(max(1, concurrency))
        self._clock = clock
        self._sleep = sleep
        self._next_start = float("-inf")
        self._last_start = float("-inf")
        self.waited = 0.0  # total seconds spent waiting for the delay; for tests and logs

    def slow_down(self, delay: float) -> None:
        """Raise the delay between requests (never lowers it)."""
        if delay > self.delay:
            logger.debug("%s: delay raised from %.2fs to %.2fs", self.host, self.delay, delay)
            self.delay = delay
            # The next start was reserved with the old delay: push it back.
            self._next_start = max(self._next_start, self._last_start + delay)

    def pause_until(self, when: float) -> None:
        """Start no request before clock time ``when`` (a Retry-After from this host)."""
        self._next_start = max(self._next_start, when)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the host's concurrent slots, started no sooner than the delay allows."""
        async with self._semaphore:
            now = self._clock()
            start = max(now, self._next_start)
            # Reserve the start time before sleeping, so concurrent waiters queue up behind it.
            self._next_start = start + self.delay
            self._last_start = start
            wait = start - now
            if wait > 0:
                self.waited += wait
                await self._sleep(wait)
            yield


class HostGates:
    """One :class:`HostGate` per ``host[:port]``, created on first use with that host's settings."""

    def __init__(self, *, clock: Clock, sleep: Sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._gates: dict[str, HostGate] = {}

    def get(self, host: str, *, delay: float, concurrency: int) -> HostGate:
        """The gate of ``host``; the first caller's settings create it."""
        gate = self._gates.get(host)
        if gate is None:
            gate = HostGate(host, delay=delay, concurrency=concurrency, clock=self._clock,
                            sleep=self._sleep)
            self._gates[host] = gate
        return gate

    def __contains__(self, host: object) -> bool:
        return host in self._gates


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure (429, 502, 503, 504, lost connection)."""

    max_retries: int = 2
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    jitter: float = 0.5
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def wait(
        self, attempt: int, retry_after: float | None, *, rand: Callable[[], float] = random.random
    ) -> float:
        """Seconds before retry number ``attempt`` (1-based).

        A server's ``Retry-After`` is honoured up to ``max_retry_after``; otherwise the wait is
        ``backoff · 2^(attempt-1)``, capped, plus up to ``jitter`` of itself at random so that
        many clients do not retry in step.
        """
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        base = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        return float(base * (1.0 + self.jitter * rand()))
