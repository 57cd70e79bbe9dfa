"""Fetching one URL politely, and saying exactly what happened: a :class:`FetchResult`.

:class:`Fetcher` owns a run's client, its per-host gates and its robots.txt cache. For each URL it
checks the address policy (the host resolved once per run, non-public addresses refused unless
the outlet allows them: outcome ``blocked_address``), checks robots.txt (fetched once per host
per run, under the same policy), waits for the host's gate, sends a GET
(conditional when the store has an ETag or Last-Modified), follows redirects itself (http/https
only, at most ``max_redirects``, loops detected), streams the body under a size cap and a total
timeout, retries transient failures with backoff, and classifies the end into an
:class:`~compare.models.Outcome`. It never raises for a per-URL failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from compare.charset import decode_body
from compare.errors import FetchError
from compare.fetch.address import AddressRefused, Unresolvable
from compare.fetch.client import Clients
from compare.fetch.politeness import Clock, HostGate, HostGates, RetryPolicy, Sleep, parse_retry_after
from compare.fetch.robots import RobotsRules, parse_robots
from compare.models import FetchResult, Outcome, Politeness, Snapshot
from compare.urls import canonicalize_url, host_of

__all__ = ["SNAPSHOT_HEADERS", "Conditional", "Fetcher", "FetcherOptions"]

logger = logging.getLogger(__name__)

SNAPSHOT_HEADERS = (
    "content-type", "content-language", "content-encoding", "content-length", "etag",
    "last-modified", "date", "age", "cache-control", "expires", "link", "server", "x-robots-tag",
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
_PAYWALL = {401, 402, 451}
# Case-insensitive regex alternation is slow on 32 KiB (no literal prefix scan); lowering the
# head once and testing plain substrings is ~20x faster.
_CHALLENGE_MARKERS = (
    b"cf-browser-verification", b"challenge-platform", b"cf_chl_", b"<title>just a moment...",
    b"attention required! | cloudflare", b"captcha-delivery.com", b"_incapsula_resource",
    b"px-captcha", b"<title>access denied</title>", b"ddos-guard",
)
_ERROR_BODY_PEEK = 32 * 1024
_CHALLENGE_PEEK_OK = 8 * 1024
_ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class Conditional:
    """What the store already has for a URL: validators for a conditional GET, and its age."""

    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class FetcherOptions:
    """Run-wide fetching rules (per-outlet ones are in :class:`~compare.models.Politeness`)."""

    user_agent: str
    max_concurrency: int = 16
    max_redirects: int = 10
    max_crawl_delay: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class _Stop(Exception):
    """Internal: one attempt ended in a classified outcome (maybe worth retrying)."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.host = host


@dataclass(frozen=True)
class _Response:
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    moved_to: str | None = None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


_DNS_WORDS = ("name or service not known", "temporary failure in name resolution",
              "nodename nor servname", "no address associated", "getaddrinfo failed",
              "name resolution")


def classify_exception(exc: BaseException) -> tuple[Outcome, bool]:
    """The outcome an exception from the transport means, and whether a retry may help."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Outcome.TIMEOUT, False
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Outcome.INVALID_URL, False
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in _DNS_WORDS):
        return Outcome.DNS_ERROR, False
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain) or (
        "ssl" in text and "certificate" in text
    ):
        return Outcome.TLS_ERROR, False
    if isinstance(exc, httpx.TransportError | OSError):
        return Outcome.CONNECTION_ERROR, True
    return Outcome.CONNECTION_ERROR, False


def _is_challenge(headers: Mapping[str, str], body: bytes) -> bool:
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = body[:_ERROR_BODY_PEEK].lower()
    return any(marker in head for marker in _CHALLENGE_MARKERS)


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<!--"))


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class Fetcher:
    """Fetches URLs for one run, through ``clients`` (which the caller opens and closes)."""

    def __init__(
        self,
        clients: Clients,
        options: FetcherOptions,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.clients = clients
        self.options = options
        self.gates = HostGates(clock=clock, sleep=sleep)
        self._clock = clock
        self._rand = rand
        self._now = now
        self._global = asyncio.Semaphore(max(1, options.max_concurrency))
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self.robots_fetches = 0
        self.refuse: Callable[[str], str | None] | None = None
        """Asked with each URL just before it is sent (after waiting for its host's gate), and
        before each retry: a reason not to send it (its host is backing off), or None."""
        self.failed_attempt: Callable[[str, Outcome, int | None, bool], None] | None = None
        """Told of every attempt that failed (URL, outcome, HTTP status, and whether it speaks
        for the whole host: robots.txt unreachable), retried or not, so a host that keeps
        failing can be stopped within the run. The fetch run sets both hooks."""

    # ---------------------------------------------------------------------------- politeness

    def gate(self, url: str, politeness: Politeness) -> HostGate:
        """The gate of the host of ``url`` (created with ``politeness`` on first use)."""
        return self.gates.get(host_of(url), delay=politeness.min_delay,
                              concurrency=politeness.max_concurrency)

    def _headers(self, politeness: Politeness) -> dict[str, str]:
        return {"User-Agent": politeness.user_agent} if politeness.user_agent else {}

    def _agent(self, politeness: Politeness) -> str:
        return politeness.user_agent or self.options.user_agent

    async def robots_for(
        self, url: str, politeness: Politeness, *, allow_private: bool = False
    ) -> RobotsRules:
        """The robots.txt rules of the host of ``url``, fetched once per host per run."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is not None:
            return cached
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached is not None:
                return cached
            rules = await self._fetch_robots(origin, politeness, allow_private)
            self._robots[origin] = rules
            delay = rules.crawl_delay(self._agent(politeness))
            if delay:
                capped = min(delay, self.options.max_crawl_delay)
                if capped < delay:
                    logger.warning("%s asks for Crawl-delay %.0fs; capped at %.0fs", origin,
                                   delay, capped)
                self.gate(url, politeness).slow_down(capped)
            return rules

    async def _fetch_robots(
        self, origin: str, politeness: Politeness, allow_private: bool
    ) -> RobotsRules:
        self.robots_fetches += 1
        target = f"{origin}/robots.txt"
        for _hop in range(6):  # RFC 9309 §2.3.1.2: follow at least five redirects
            try:
                response = await self._get(target, politeness, None, kind="robots",
                                           cap=_ROBOTS_MAX_BYTES, allow_private=allow_private)
            except _Stop as stop:
                logger.info("%s unreachable (%s): disallowing the host for this run", target,
                            stop.message)
                self._note_failure(target, stop.outcome, stop.status, whole_host=True)
                return RobotsRules.disallowing_all(f"{target} unreachable: {stop.message}",
                                                   unreachable=stop.outcome.value)
            status = response.status
            if 300 <= status < 400 and response.headers.get("location"):
                try:
                    target = canonicalize_url(response.headers["location"], base=target)
                except FetchError:
                    return RobotsRules.allowing_all(f"{target}: redirect off the web")
                continue
            if 200 <= status < 300:
                rules = parse_robots(response.body.decode("utf-8", "replace"))
                return RobotsRules(rules.groups, rules.sitemaps, reason=target)
            if status == 429 or status >= 500:
                self._note_failure(target, Outcome.HTTP_ERROR, status, whole_host=True)
                return RobotsRules.disallowing_all(f"{target}: HTTP {status}")
            return RobotsRules.allowing_all(f"{target}: HTTP {status}")
        return RobotsRules.allowing_all(f"{origin}/robots.txt: too many redirects")

    # ------------------------------------------------------------------------------- network

    async def check_address(self, url: str, politeness: Politeness, *, allow_private: bool) -> None:
        """Resolve the host of ``url`` (once per run) and refuse what the policy forbids.

        Raises :class:`_Stop` with ``blocked_address`` or ``dns_error`` (also when resolving
        takes longer than the connect timeout).
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            async with asyncio.timeout(politeness.connect_timeout):
                await self.clients.addresses.check(host, port, allow_private=allow_private)
        except TimeoutError as exc:
            raise _Stop(Outcome.DNS_ERROR, f"resolving {host} took over "
                        f"{politeness.connect_timeout:g}s", host=host) from exc
        except AddressRefused as exc:
            raise _Stop(Outcome.BLOCKED_ADDRESS, f"refused: {exc}", host=host) from exc
        except Unresolvable as exc:
            raise _Stop(Outcome.DNS_ERROR, f"cannot resolve {exc}", host=host) from exc

    async def _get(
        self,
        url: str,
        politeness: Politeness,
        conditional: Conditional | None,
        *,
        kind: str,
        cap: int,
        spent: list[float] | None = None,
        allow_private: bool = False,
    ) -> _Response:
        """One GET of one URL (no redirect following), inside the host's gate and timeouts.

        The host's address is checked first (and the connection goes to that address). The
        seconds spent on the network (not waiting for the gate) are appended to ``spent``.
        """
        headers = self._headers(politeness)
        if conditional is not None:
            if conditional.etag:
                headers["If-None-Match"] = conditional.etag
            if conditional.last_modified:
                headers["If-Modified-Since"] = conditional.last_modified
        host = host_of(url)
        gate = self.gate(url, politeness)
        async with gate.slot(), self._global:
            refusal = self.refuse(url) if self.refuse is not None else None
            if refusal is not None:
                raise _Stop(Outcome.BACKED_OFF, refusal, host=host)
            began = self._clock()
            try:
                async with asyncio.timeout(politeness.total_timeout):
                    await self.check_address(url, politeness, allow_private=allow_private)
                    return await self._send(url, headers, politeness, kind=kind, cap=cap)
            except _Stop:
                raise
            except AddressRefused as exc:  # raised by the pinning backend: never checked
                raise _Stop(Outcome.BLOCKED_ADDRESS, str(exc), host=host) from exc
            except Exception as exc:  # every transport failure is classified, never raised
                outcome, retryable = classify_exception(exc)
                message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if outcome is Outcome.TIMEOUT and isinstance(exc, TimeoutError):
                    message = f"total timeout of {politeness.total_timeout:g}s exceeded"
                raise _Stop(outcome, message, retryable=retryable, host=host) from exc
            finally:
                if spent is not None:
                    spent.append(self._clock() - began)

    async def _send(
        self, url: str, headers: dict[str, str], politeness: Politeness, *, kind: str, cap: int
    ) -> _Response:
        client = self.clients.get(url)
        timeout = httpx.Timeout(connect=politeness.connect_timeout, read=politeness.read_timeout,
                                write=politeness.read_timeout, pool=None)
        request = client.build_request("GET", url, headers=headers, timeout=timeout)
        response = await client.send(request, stream=True)
        try:
            status = response.status_code
            if status == 304 or (300 <= status < 400) or status >= 400:
                body = b""
                if status >= 400:  # a peek for challenge pages; never the whole error page
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) >= _ERROR_BODY_PEEK:
                            break
                return _Response(str(response.url), status, response.headers, body)
            mime = _mime(response.headers.get("content-type"))
            if kind == "article" and mime and mime not in HTML_TYPES:
                raise _Stop(Outcome.NOT_HTML, f"content type {mime}", status=status)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap and kind != "robots":
                raise _Stop(Outcome.TOO_LARGE, f"Content-Length {declared} > {cap}", status=status)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    if kind == "robots":  # RFC 9309 §2.5: parse the first 500 KiB and stop
                        chunks.append(chunk[: len(chunk) - (size - cap)])
                        break
                    raise _Stop(Outcome.TOO_LARGE, f"body over {cap} bytes", status=status)
                chunks.append(chunk)
            return _Response(str(response.url), status, response.headers, b"".join(chunks))
        finally:
            await response.aclose()

    async def _follow(
        self,
        url: str,
        politeness: Politeness,
        conditional: Conditional | None,
        *,
        kind: str,
        spent: list[float],
        allow_private: bool,
    ) -> _Response:
        """GET ``url`` and follow redirects, checking every hop; raises :class:`_Stop`."""
        seen = {url}
        current = url
        permanent: list[bool] = []  # each hop so far: was it a 301 or 308?
        for _hop in range(self.options.max_redirects + 1):
            # The page's own address first, so a refusal names the page rather than robots.txt.
            await self.check_address(current, politeness, allow_private=allow_private)
            if politeness.respect_robots:
                rules = await self.robots_for(current, politeness, allow_private=allow_private)
                if not rules.allowed(current, self._agent(politeness)):
                    if rules.unreachable:  # the host is down: say so, not "disallowed"
                        raise _Stop(Outcome(rules.unreachable), rules.reason)
                    raise _Stop(Outcome.ROBOTS_DISALLOWED, f"disallowed by {rules.reason}")
            response = await self._get(current, politeness, conditional, kind=kind,
                                       cap=politeness.max_bytes, spent=spent,
                                       allow_private=allow_private)
            location = response.headers.get("location")
            if not (300 <= response.status < 400 and response.status != 304 and location):
                if permanent and all(permanent):
                    return replace(response, moved_to=current)
                return response
            try:
                target = canonicalize_url(location, base=current)
            except FetchError as exc:
                raise _Stop(Outcome.INVALID_URL, f"redirect to {exc}",
                            status=response.status) from exc
            if target in seen:
                raise _Stop(Outcome.REDIRECT_LOOP, f"redirect loop back to {target}",
                            status=response.status)
            seen.add(target)
            permanent.append(response.status in (301, 308))
            current = target
        raise _Stop(Outcome.REDIRECT_LOOP, f"more than {self.options.max_redirects} redirects")

    # ------------------------------------------------------------------------------- results

    async def fetch(
        self,
        url: str,
        *,
        outlet_id: str,
        politeness: Politeness,
        kind: str = "article",
        conditional: Conditional | None = None,
        allow_private: bool = False,
        max_retries: int | None = None,
    ) -> FetchResult:
        """Fetch one URL and classify the result. Never raises for anything the URL did.

        ``allow_private``: the URL, its redirects and robots.txt may be on loopback, private or
        shared addresses. ``max_retries`` overrides the policy's (0 for a URL that failed on an
        earlier night). A ``Retry-After`` over ``max_retry_after`` is carried, not waited for.
        """
        fetched_at = self._now()
        attempts = 0
        spent: list[float] = []  # network time of every hop and attempt, without gate waits

        def result(outcome: Outcome, **fields: object) -> FetchResult:
            elapsed = round(sum(spent) * 1000)
            made = FetchResult(url=url, outlet_id=outlet_id, outcome=outcome,
                               fetched_at=fetched_at, elapsed_ms=elapsed, attempts=attempts,
                               kind=kind, **fields)  # type: ignore[arg-type]
            logger.info("%s %s %s %s bytes %d ms", outcome.value, made.http_status or "-", url,
                        made.bytes if made.bytes is not None else "-", elapsed)
            return made

        try:
            target = canonicalize_url(url)
        except FetchError as exc:
            return result(Outcome.INVALID_URL, error=str(exc))
        retries = self.options.retry.max_retries if max_retries is None else max_retries
        previous: Callable[[], FetchResult] | None = None  # the last failed attempt, unreported
        while True:
            attempts += 1
            try:
                response = await self._follow(target, politeness, conditional, kind=kind,
                                              spent=spent, allow_private=allow_private)
                outcome = self._classify(response, kind)
            except _Stop as stop:
                if stop.outcome is Outcome.BACKED_OFF and previous is not None:
                    attempts -= 1  # the host was stopped while this URL waited to retry:
                    return previous()  # its own last answer is what it got
                self._note_failure(target, stop.outcome, stop.status)
                if stop.retryable and self._may_retry(target, attempts, retries, None):
                    previous = _later(result, stop)
                    await self._back_off(target, politeness, attempts, stop.retry_after)
                    continue
                return result(stop.outcome, http_status=stop.status, error=stop.message)
            if outcome.retryable:
                self._note_failure(target, outcome.outcome, response.status)
            if outcome.retryable and self._may_retry(target, attempts, retries, outcome.retry_after):
                previous = _finished_later(self, result, url, response, outcome.outcome, kind,
                                           fetched_at)
                await self._back_off(target, politeness, attempts, outcome.retry_after)
                continue
            return self._finish(result, url, response, outcome.outcome, kind, fetched_at)

    def _note_failure(
        self, url: str, outcome: Outcome, status: int | None, *, whole_host: bool = False
    ) -> None:
        if self.failed_attempt is not None:
            self.failed_attempt(url, outcome, status, whole_host)

    def _may_retry(self, url: str, attempts: int, retries: int, retry_after: float | None) -> bool:
        """Retries left, a wait the run can afford, and a host that is not stopped."""
        if attempts > retries:
            return False
        if retry_after is not None and retry_after > self.options.retry.max_retry_after:
            return False
        return self.refuse is None or self.refuse(url) is None

    async def _back_off(
        self, url: str, politeness: Politeness, attempt: int, retry_after: float | None
    ) -> None:
        wait = self.options.retry.wait(attempt, retry_after, rand=self._rand)
        logger.debug("retrying %s in %.2fs (attempt %d)", url, wait, attempt + 1)
        # The pause applies to the whole host: a server that says "slow down" means all of it.
        self.gate(url, politeness).pause_until(self._clock() + wait)

    def _classify(self, response: _Response, kind: str) -> _Verdict:
        status = response.status
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 304:
            return _Verdict(Outcome.NOT_MODIFIED)
        if status >= 400 and _is_challenge(response.headers, response.body):
            return _Verdict(Outcome.BLOCKED)
        if status in self.options.retry.retry_statuses:
            return _Verdict(Outcome.HTTP_ERROR, retryable=True, retry_after=retry_after)
        if status == 403:
            return _Verdict(Outcome.BLOCKED)
        if status in _PAYWALL:
            return _Verdict(Outcome.PAYWALL)
        if status >= 300:
            return _Verdict(Outcome.HTTP_ERROR)
        if kind == "article":
            if not _mime(response.headers.get("content-type")) and not _looks_like_html(
                response.body
            ):
                return _Verdict(Outcome.NOT_HTML)
            # A challenge page that answers 200 says so near its top; real articles are long.
            if _is_challenge(response.headers, response.body[:_CHALLENGE_PEEK_OK]):
                return _Verdict(Outcome.BLOCKED)
        return _Verdict(Outcome.OK)

    def _finish(
        self,
        result: Callable[..., FetchResult],
        url: str,
        response: _Response,
        outcome: Outcome,
        kind: str,
        fetched_at: datetime,
    ) -> FetchResult:
        headers = response.headers
        common = {
            "http_status": response.status,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "moved_to": response.moved_to,
        }
        if outcome is not Outcome.OK:
            error = None if outcome is Outcome.NOT_MODIFIED else f"HTTP {response.status}"
            retry_after = None
            if response.status == 429 or response.status >= 500:
                retry_after = parse_retry_after(headers.get("retry-after"))
                if retry_after is not None:
                    error = f"{error}, Retry-After {retry_after:.0f}s"
            return result(outcome, error=error, retry_after=retry_after, **common)
        body = response.body
        content_type = headers.get("content-type")
        encoding = decode_body(body, content_type).encoding if kind == "article" else None
        snapshot = Snapshot(
            sha256=hashlib.sha256(body).hexdigest(),
            url=url,
            final_url=response.final_url,
            status=response.status,
            headers={k: headers[k] for k in SNAPSHOT_HEADERS if k in headers},
            fetched_at=fetched_at,
            body=body,
            content_type=content_type,
            encoding=encoding,
        )
        return result(outcome, bytes=len(body), snapshot=snapshot, **common)


def _later(result: Callable[..., FetchResult], stop: _Stop) -> Callable[[], FetchResult]:
    return lambda: result(stop.outcome, http_status=stop.status, error=stop.message)


def _finished_later(
    fetcher: Fetcher, result: Callable[..., FetchResult], url: str, response: _Response,
    outcome: Outcome, kind: str, fetched_at: datetime,
) -> Callable[[], FetchResult]:
    return lambda: fetcher._finish(result, url, response, outcome, kind, fetched_at)


@dataclass(frozen=True)
class _Verdict:
    outcome: Outcome
    retryable: bool = False
    retry_after: float | None = None
