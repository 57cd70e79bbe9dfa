"""Memory across nights: what failed, how often, and when to ask again (per URL and per host).

A nightly run against a hostile web used to pay every failure again each night: every timeout,
429 and 503 retried at full cost, every 404 asked again. :class:`FetchMemory` holds what earlier
runs learnt (loaded from the store as :class:`~compare.models.UrlMemory` and
:class:`~compare.models.HostMemory`) and decides, per URL and per host:

- a URL that answered **404 or 410** is not asked again for :attr:`BackoffPolicy.gone_days`
  days, doubling each time it answers so again (capped), unless a success clears it;
- a URL that failed **transiently** (timeout, lost connection, DNS or TLS error, 429, 5xx) is
  asked again after one night, then two, four … (capped at :attr:`BackoffPolicy.max_nights`),
  with no retries within the night once it has failed on an earlier one; it stays queued (added
  to the run even when no feed lists it any more) until it is fetched: nothing that should be
  retried is forgotten, and URLs a run leaves for later (``max_pages_per_run``, a host paused)
  are queued the same way;
- a **host** whose requests fail transiently (its robots.txt cannot be read, or three failed
  attempts on two URLs or more and no success in a run; one, for a host that failed before) is
  left alone at once (the URLs still waiting to retry stop, the rest are not sent) and for two
  nights, then four …
  (capped): the night after a host failed as a whole costs it nothing; a ``Retry-After`` longer
  than the run waits (:attr:`BackoffPolicy.run_wait`) is remembered and honoured across
  nights (capped at :attr:`BackoffPolicy.max_retry_after`).

Pure bookkeeping: the fetch run asks and tells, the pipeline persists :meth:`FetchMemory.drain`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from compare.models import FetchResult, HostMemory, Outcome, UrlMemory
from compare.urls import host_of

__all__ = ["BackoffPolicy", "FetchMemory", "MemoryChanges", "is_transient"]

logger = logging.getLogger(__name__)

_TRANSIENT = frozenset({Outcome.TIMEOUT, Outcome.CONNECTION_ERROR, Outcome.DNS_ERROR,
                        Outcome.TLS_ERROR})
_CLEARS = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
_UNTRIED = frozenset({Outcome.BACKED_OFF, Outcome.SKIPPED_FRESH})


def is_transient(result: FetchResult) -> bool:
    """A failure that may well go away by itself: worth asking again, later."""
    return _transient(result.outcome, result.http_status)


def _transient(outcome: Outcome, status: int | None) -> bool:
    if outcome in _TRANSIENT:
        return True
    return outcome is Outcome.HTTP_ERROR and status is not None and (status == 429 or status >= 500)


def _gone(result: FetchResult) -> bool:
    return result.outcome is Outcome.HTTP_ERROR and result.http_status in (404, 410)


@dataclass(frozen=True)
class BackoffPolicy:
    """How long failures keep a URL or a host from being asked again."""

    night: timedelta = timedelta(hours=20)
    """One night, with slack for a timer that fires a few hours early."""
    max_nights: int = 16
    gone_days: int = 7
    max_gone_days: int = 90
    host_trip: int = 3
    """Failed attempts (on two URLs at least) without a success that stop a host for the run;
    one is enough for a host that failed on an earlier run."""
    max_retry_after: timedelta = timedelta(days=7)
    run_wait: float = 60.0
    """A Retry-After up to this many seconds is waited out within the run (the host's gate
    pauses); a longer one pauses the host across runs."""

    def url_wait(self, failures: int) -> timedelta:
        """After the ``failures``-th transient failure in a row: 1, 2, 4 … nights, capped."""
        nights: int = min(2 ** max(0, failures - 1), self.max_nights)
        return self.night * nights

    def host_wait(self, failures: int) -> timedelta:
        """After a host's ``failures``-th failed run in a row: 2, 4, 8 … nights, capped."""
        nights: int = min(2**failures, self.max_nights)
        return self.night * nights

    def gone_wait(self, failures: int) -> timedelta:
        """After the ``failures``-th 404/410 in a row: 7, 14, 28 … days, capped."""
        return timedelta(days=min(self.gone_days * 2 ** max(0, failures - 1), self.max_gone_days))


@dataclass
class MemoryChanges:
    """What changed since the last :meth:`FetchMemory.drain`, for the store to write."""

    urls: dict[str, UrlMemory | None] = field(default_factory=dict)
    """URL → its new state, or None to forget it."""
    hosts: dict[str, HostMemory | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.urls or self.hosts)


@dataclass
class _HostRun:
    ok: int = 0
    failed: int = 0
    failed_urls: set[str] = field(default_factory=set)
    tripped: bool = False


class FetchMemory:
    """The memory of earlier runs, asked and updated by one run (see the module docstring)."""

    def __init__(
        self,
        urls: Iterable[UrlMemory] = (),
        hosts: Iterable[HostMemory] = (),
        *,
        policy: BackoffPolicy | None = None,
    ) -> None:
        self.policy = policy or BackoffPolicy()
        self.urls = {u.url: u for u in urls}
        self.hosts = {h.host: h for h in hosts}
        self._run: dict[str, _HostRun] = {}
        self._changes = MemoryChanges()

    def start_run(self) -> None:
        """Forget what the previous run saw of each host (its counts, its trips); keep the states."""
        self._run = {}

    # --------------------------------------------------------------------------------- asking

    def due(self, outlet_id: str, now: datetime) -> list[str]:
        """The queued URLs of an outlet whose wait is over, oldest failure first."""
        queued = [u for u in self.urls.values()
                  if u.outlet_id == outlet_id and u.retry and u.not_before <= now]
        return [u.url for u in sorted(queued, key=lambda u: u.since)]

    def url_refusal(self, url: str, now: datetime) -> str | None:
        """Why ``url`` must not be asked now (its own earlier answers); None when it may."""
        known = self.urls.get(url)
        if known is None or known.not_before <= now or known.failures == 0:
            return None
        what = f"HTTP {known.http_status}" if known.http_status else known.outcome
        return (f"answered {what} {known.failures} time{'s' * (known.failures > 1)} since "
                f"{known.since:%Y-%m-%d}; not asked again before {known.not_before:%Y-%m-%d %H:%M}Z")

    def host_refusal(self, url: str, now: datetime) -> str | None:
        """Why the host of ``url`` must not be asked now; None when it may."""
        host = host_of(url)
        known = self.hosts.get(host)
        if known is not None and known.not_before > now:
            return f"{host}: {known.reason}; not asked before {known.not_before:%Y-%m-%d %H:%M}Z"
        run = self._run.get(host)
        if run is not None and run.tripped:
            return f"{host} failed {run.failed} times in this run; left alone until a later run"
        return None

    def failed_before(self, url: str) -> bool:
        """True when ``url`` already failed on an earlier run (it then gets no in-run retries)."""
        known = self.urls.get(url)
        return known is not None and known.failures > 0

    # -------------------------------------------------------------------------------- telling

    def note_failure(
        self, url: str, outcome: Outcome, status: int | None, now: datetime, *,
        whole_host: bool = False,
    ) -> None:
        """One attempt at ``url`` failed (retried or not): a host that keeps failing is stopped.

        ``whole_host``: the failure speaks for the host (its robots.txt could not be read, so
        nothing of it can be read in this run); the host is stopped at once.
        """
        if not _transient(outcome, status):
            return
        host = host_of(url)
        run = self._run.setdefault(host, _HostRun())
        run.failed += 1
        run.failed_urls.add(url)
        what = f"HTTP {status}" if status else outcome.value
        if whole_host:
            what = f"robots.txt: {what}"
        self._maybe_trip(host, now, what, whole_host=whole_host)

    def learn(self, result: FetchResult, now: datetime) -> None:
        """Take in one finished URL: its own state, and its host's."""
        if result.outcome in _UNTRIED:
            if result.outcome is Outcome.BACKED_OFF and result.kind == "article":
                self.queue(result.url, result.outlet_id, now, reason=result.outcome.value)
            return
        self._learn_host(result, now)
        self._learn_url(result, now)

    def queue(self, url: str, outlet_id: str, now: datetime, *, reason: str) -> None:
        """Keep ``url`` queued for a later run (it was left out of this one), unless it is known."""
        if url in self.urls:
            return
        self._put(UrlMemory(url=url, outlet_id=outlet_id, host=host_of(url), outcome=reason,
                            failures=0, not_before=now, retry=True, since=now, last_attempt=now))

    def _learn_url(self, result: FetchResult, now: datetime) -> None:
        known = self.urls.get(result.url)
        if result.outcome in _CLEARS:
            if known is not None:
                self._forget(result.url)
            return
        transient = is_transient(result)
        gone = _gone(result) and result.kind == "article"
        if not (transient or gone):
            if known is not None:  # a lasting answer (403, paywall, robots …): nothing to retry
                self._forget(result.url)
            return
        same_kind = known is not None and known.failures > 0 and known.retry == transient
        failures = known.failures + 1 if same_kind and known is not None else 1
        wait = self.policy.gone_wait(failures) if gone else self.policy.url_wait(failures)
        not_before = now + wait
        if result.retry_after:
            not_before = max(not_before, now + self._retry_after(result.retry_after))
        since = known.since if same_kind and known is not None else now
        self._put(UrlMemory(url=result.url, outlet_id=result.outlet_id, host=host_of(result.url),
                            outcome=result.outcome.value, failures=failures,
                            not_before=not_before, retry=transient, since=since,
                            last_attempt=now, http_status=result.http_status, kind=result.kind))

    def _retry_after(self, seconds: float) -> timedelta:
        return min(timedelta(seconds=seconds), self.policy.max_retry_after)

    def _learn_host(self, result: FetchResult, now: datetime) -> None:
        host = host_of(result.url)
        run = self._run.setdefault(host, _HostRun())
        known = self.hosts.get(host)
        if not is_transient(result):
            if result.http_status is not None:  # the host answered: it is up
                run.ok += 1
                if known is not None and known.not_before <= now:
                    self._forget_host(host)
            return
        if result.retry_after and result.retry_after > self.policy.run_wait:
            until = now + self._retry_after(result.retry_after)
            if known is None or until > known.not_before:
                reason = f"asked to wait (Retry-After {result.retry_after:.0f}s)"
                self._put_host(HostMemory(host=host, failures=known.failures if known else 0,
                                          not_before=until, reason=reason, last_failure=now))
        what = f"HTTP {result.http_status}" if result.http_status else result.outcome.value
        self._maybe_trip(host, now, what)

    def _maybe_trip(self, host: str, now: datetime, what: str, *, whole_host: bool = False) -> None:
        """Stop ``host`` for the run (and the nights after) when it only fails."""
        run = self._run.setdefault(host, _HostRun())
        known = self.hosts.get(host)
        if run.tripped or run.ok or run.failed < 1:
            return
        on_probation = known is not None and known.failures > 0
        enough = run.failed >= self.policy.host_trip and len(run.failed_urls) >= 2
        if not (on_probation or whole_host or enough):
            return
        run.tripped = True
        failures = (known.failures if known else 0) + 1
        wait_until = now + self.policy.host_wait(failures)
        if known is not None:
            wait_until = max(wait_until, known.not_before)
        logger.info("%s: %d failed attempts (%s) and no success; left alone until %s", host,
                    run.failed, what, f"{wait_until:%Y-%m-%d %H:%M}Z")
        self._put_host(HostMemory(host=host, failures=failures, not_before=wait_until,
                                  reason=f"failed {failures} run{'s' * (failures > 1)} in a row ({what})",
                                  last_failure=now))

    # ------------------------------------------------------------------------------ bookkeeping

    def _put(self, state: UrlMemory) -> None:
        self.urls[state.url] = state
        self._changes.urls[state.url] = state

    def _forget(self, url: str) -> None:
        self.urls.pop(url, None)
        self._changes.urls[url] = None

    def _put_host(self, state: HostMemory) -> None:
        self.hosts[state.host] = state
        self._changes.hosts[state.host] = state

    def _forget_host(self, host: str) -> None:
        self.hosts.pop(host, None)
        self._changes.hosts[host] = None

    def drain(self) -> MemoryChanges:
        """The changes since the last call (the caller writes them), and a fresh record."""
        changes, self._changes = self._changes, MemoryChanges()
        return changes

    def snapshot(self, url: str) -> UrlMemory | None:
        """The current state of one URL (for tests and logs)."""
        return self.urls.get(url)

