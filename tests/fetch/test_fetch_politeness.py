"""Politeness with httpx.MockTransport and a fake clock: delays, robots.txt, retries, no sleeping."""

from __future__ import annotations

import asyncio
import itertools
import socket
import ssl
from collections.abc import Callable, Sequence

import httpx
import pytest
from fetch_web import FakeClock, public_resolver

from compare.fetch import Clients, Conditional, Fetcher, FetcherOptions, RetryPolicy
from compare.fetch.client import ClientOptions
from compare.fetch.politeness import parse_retry_after
from compare.models import FetchResult, Outcome, Politeness

UA = "newscompare/0.1 (+https://example.org/contact)"
PAGE = b"<html><head><title>t</title></head><body><p>text</p></body></html>"
HTML = {"content-type": "text/html; charset=utf-8"}


class Recorder:
    """A MockTransport handler that scripts answers by path and records each request's time."""

    def __init__(self, clock: FakeClock, routes: dict[str, Callable[[httpx.Request], httpx.Response]]):
        self.clock = clock
        self.routes = routes
        self.requests: list[tuple[float, httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((self.clock.now, request))
        route = self.routes.get(request.url.path)
        if route is None:
            return httpx.Response(404)
        return route(request)

    def times(self, path: str) -> list[float]:
        return [t for t, r in self.requests if r.url.path == path]

    def paths(self) -> list[str]:
        return [r.url.path for _, r in self.requests]


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=PAGE, headers=HTML)


def run(
    recorder: Recorder,
    clock: FakeClock,
    urls: Sequence[str],
    politeness: Politeness,
    *,
    retry: RetryPolicy | None = None,
    conditional: Conditional | None = None,
    sequential: bool = False,
) -> list[FetchResult]:
    async def main() -> list[FetchResult]:
        clients = Clients(ClientOptions(user_agent=UA), transport=httpx.MockTransport(recorder),
                          resolver=public_resolver)
        async with clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent=UA, retry=retry or RetryPolicy()),
                              clock=clock, sleep=clock.sleep, rand=lambda: 0.5)
            jobs = [fetcher.fetch(u, outlet_id="o", politeness=politeness, conditional=conditional)
                    for u in urls]
            if sequential:
                return [await job for job in jobs]
            return list(await asyncio.gather(*jobs))

    return asyncio.run(main())


def test_min_delay_between_requests_to_one_host(clock: FakeClock) -> None:
    recorder = Recorder(clock, {f"/a{i}": ok for i in range(4)})
    results = run(recorder, clock, [f"https://e.test/a{i}" for i in range(4)],
                  Politeness(min_delay=2.0, max_concurrency=1))
    assert [r.outcome for r in results] == [Outcome.OK] * 4
    # robots.txt is the first request to the host and counts against the delay too
    assert recorder.paths()[0] == "/robots.txt"
    starts = [t for t, _ in recorder.requests]
    assert [b - a for a, b in itertools.pairwise(starts)] == [2.0] * 4
    assert clock.sleeps == [2.0] * 4


def test_hosts_do_not_wait_for_each_other(clock: FakeClock) -> None:
    recorder = Recorder(clock, {"/x": ok})
    run(recorder, clock, ["https://a.test/x", "https://b.test/x", "https://c.test/x"],
        Politeness(min_delay=5.0, max_concurrency=1))
    # each host: robots.txt then the page 5 s later; three hosts never add up to 15 s per page
    assert len(recorder.requests) == 6
    assert max(clock.sleeps) == 5.0
    assert len(clock.sleeps) == 3


def test_user_agent_is_sent_and_overridable(clock: FakeClock) -> None:
    recorder = Recorder(clock, {"/x": ok})
    run(recorder, clock, ["https://e.test/x"], Politeness(min_delay=0))
    assert {r.headers["user-agent"] for _, r in recorder.requests} == {UA}
    recorder = Recorder(clock, {"/x": ok})
    run(recorder, clock, ["https://e.test/x"], Politeness(min_delay=0, user_agent="other/2 (+x)"))
    assert {r.headers["user-agent"] for _, r in recorder.requests} == {"other/2 (+x)"}


def test_robots_fetched_once_per_host_and_disallow_honoured(clock: FakeClock) -> None:
    robots = "User-agent: *\nDisallow: /secret\nCrawl-delay: 4\n"
    recorder = Recorder(clock, {"/robots.txt": lambda r: httpx.Response(200, text=robots),
                                "/a": ok, "/b": ok, "/secret/1": ok})
    results = run(recorder, clock, ["https://e.test/a", "https://e.test/secret/1", "https://e.test/b"],
                  Politeness(min_delay=1.0, max_concurrency=1))
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.ROBOTS_DISALLOWED, Outcome.OK]
    assert recorder.paths().count("/robots.txt") == 1
    assert "/secret/1" not in recorder.paths()
    # Crawl-delay 4 is longer than min_delay 1, so it wins
    assert recorder.times("/b")[0] - recorder.times("/a")[0] == 4.0


def test_crawl_delay_is_capped(clock: FakeClock) -> None:
    robots = "User-agent: *\nCrawl-delay: 86400\n"
    recorder = Recorder(clock, {"/robots.txt": lambda r: httpx.Response(200, text=robots), "/a": ok})
    run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0))
    assert clock.sleeps == [60.0]


@pytest.mark.parametrize(("code", "allowed"), [(404, True), (410, True), (401, True),
                                                (500, False), (503, False), (429, False)])
def test_robots_status_rules(clock: FakeClock, code: int, allowed: bool) -> None:
    recorder = Recorder(clock, {"/robots.txt": lambda r: httpx.Response(code), "/a": ok})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0))
    assert result.outcome is (Outcome.OK if allowed else Outcome.ROBOTS_DISALLOWED)
    assert ("/a" in recorder.paths()) is allowed


def test_robots_unreachable_disallows_the_host_for_the_run(clock: FakeClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    recorder = Recorder(clock, {"/robots.txt": refuse, "/a": ok, "/b": ok})
    results = run(recorder, clock, ["https://e.test/a", "https://e.test/b"],
                  Politeness(min_delay=0), retry=RetryPolicy(max_retries=0))
    # the pages are not asked for, and the log says why: the host could not be reached
    assert [r.outcome for r in results] == [Outcome.CONNECTION_ERROR] * 2
    assert all("robots.txt unreachable" in (r.error or "") for r in results)
    assert recorder.paths() == ["/robots.txt"]  # asked once, then the host is off for the run


def test_robots_not_consulted_when_outlet_says_so(clock: FakeClock) -> None:
    robots = "User-agent: *\nDisallow: /\n"
    recorder = Recorder(clock, {"/robots.txt": lambda r: httpx.Response(200, text=robots), "/a": ok})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0, respect_robots=False))
    assert result.outcome is Outcome.OK
    assert recorder.paths() == ["/a"]


def test_retries_503_with_backoff_then_succeeds(clock: FakeClock) -> None:
    answers = iter([503, 502, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        code = next(answers)
        return httpx.Response(code, content=PAGE, headers=HTML)

    recorder = Recorder(clock, {"/a": flaky})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0),
                  retry=RetryPolicy(max_retries=2, backoff=1.0, jitter=0.5))
    assert result.outcome is Outcome.OK
    assert result.attempts == 3
    # backoff 1 s then 2 s, each with half of the 0.5 jitter (rand fixed at 0.5)
    assert clock.sleeps == [1.25, 2.5]


def test_retries_stop_after_max_and_report_http_error(clock: FakeClock) -> None:
    recorder = Recorder(clock, {"/a": lambda r: httpx.Response(504)})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0),
                  retry=RetryPolicy(max_retries=3, backoff=0.5, jitter=0.0))
    assert (result.outcome, result.http_status, result.attempts) == (Outcome.HTTP_ERROR, 504, 4)
    assert recorder.paths().count("/a") == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured_within_the_cap_and_left_for_later_beyond(clock: FakeClock) -> None:
    answers = iter([("429", "7"), ("429", "100000"), ("200", None)])

    def limited(request: httpx.Request) -> httpx.Response:
        code, after = next(answers)
        headers = dict(HTML)
        if after:
            headers["Retry-After"] = after
        return httpx.Response(int(code), content=PAGE, headers=headers)

    recorder = Recorder(clock, {"/a": limited})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0),
                  retry=RetryPolicy(max_retries=2, max_retry_after=30.0))
    # 7 s is waited for; "come back in 28 hours" is not hammered after 30 s but remembered
    assert (result.outcome, result.http_status, result.retry_after) == (Outcome.HTTP_ERROR, 429, 100000.0)
    assert clock.sleeps == [7.0]
    assert recorder.paths().count("/a") == 2


def test_retry_after_pauses_the_whole_host(clock: FakeClock) -> None:
    answers = iter([429, 200])

    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), content=PAGE, headers={**HTML, "Retry-After": "10"})

    recorder = Recorder(clock, {"/a": limited, "/b": ok})
    run(recorder, clock, ["https://e.test/a", "https://e.test/b"], Politeness(min_delay=0),
        sequential=True)
    assert recorder.times("/b")[0] >= recorder.times("/a")[0] + 10.0


def test_connection_errors_are_retried(clock: FakeClock) -> None:
    calls = {"n": 0}

    def drops(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] < 3:
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        return ok(request)

    recorder = Recorder(clock, {"/a": drops})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0),
                  retry=RetryPolicy(max_retries=2, backoff=1.0, jitter=0.0))
    assert (result.outcome, result.attempts) == (Outcome.OK, 3)
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), Outcome.DNS_ERROR),
        (httpx.ConnectError("x"), Outcome.CONNECTION_ERROR),
        (httpx.ConnectTimeout("x"), Outcome.TIMEOUT),
        (httpx.ReadTimeout("x"), Outcome.TIMEOUT),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), Outcome.TLS_ERROR),
    ],
)
def test_transport_errors_map_to_outcomes(clock: FakeClock, error: Exception, outcome: Outcome) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    recorder = Recorder(clock, {"/a": fail})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0, respect_robots=False),
                  retry=RetryPolicy(max_retries=1, backoff=0.1, jitter=0.0))
    assert result.outcome is outcome
    assert result.error
    # only plain connection errors are worth another try
    assert result.attempts == (2 if outcome is Outcome.CONNECTION_ERROR else 1)


def test_dns_and_tls_found_through_the_exception_chain(clock: FakeClock) -> None:
    from compare.fetch import classify_exception

    def chained(cause: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except BaseException as inner:
                raise httpx.ConnectError("failed") from inner
        except httpx.ConnectError as outer:
            return outer

    assert classify_exception(chained(socket.gaierror(-3, "x")))[0] is Outcome.DNS_ERROR
    assert classify_exception(chained(ssl.SSLError(1, "bad handshake")))[0] is Outcome.TLS_ERROR


def test_conditional_get_sends_validators_and_reports_not_modified(clock: FakeClock) -> None:
    def cached(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return ok(request)

    recorder = Recorder(clock, {"/a": cached})
    result, = run(recorder, clock, ["https://e.test/a"], Politeness(min_delay=0),
                  conditional=Conditional(etag='"v1"', last_modified="Sun, 29 Nov 2026 08:00:00 GMT"))
    request = recorder.requests[-1][1]
    assert request.headers["if-modified-since"] == "Sun, 29 Nov 2026 08:00:00 GMT"
    assert (result.outcome, result.http_status, result.snapshot) == (Outcome.NOT_MODIFIED, 304, None)
    assert result.etag == '"v1"'


def test_parse_retry_after_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Sun, 29 Nov 2026 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_concurrency_limits_per_host_and_overall(clock: FakeClock) -> None:
    in_flight: dict[str, int] = {}
    peaks: dict[str, int] = {}
    total = {"now": 0, "peak": 0}

    async def slow(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] = in_flight.get(host, 0) + 1
        total["now"] += 1
        peaks[host] = max(peaks.get(host, 0), in_flight[host])
        total["peak"] = max(total["peak"], total["now"])
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight[host] -= 1
        total["now"] -= 1
        return httpx.Response(200, content=PAGE, headers=HTML)

    async def main() -> list[FetchResult]:
        clients = Clients(ClientOptions(user_agent=UA), transport=httpx.MockTransport(slow),
                          resolver=public_resolver)
        async with clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent=UA, max_concurrency=5),
                              clock=clock, sleep=clock.sleep)
            politeness = Politeness(min_delay=0, max_concurrency=2, respect_robots=False)
            jobs = [fetcher.fetch(f"https://h{h}.test/{i}", outlet_id="o", politeness=politeness)
                    for h in range(6) for i in range(6)]
            return list(await asyncio.gather(*jobs))

    results = asyncio.run(main())
    assert all(r.outcome is Outcome.OK for r in results)
    assert max(peaks.values()) == 2  # per host
    assert total["peak"] == 5  # overall


def test_huge_robots_txt_is_read_up_to_its_first_512_kib(clock: FakeClock) -> None:
    robots = "User-agent: *\nDisallow: /early\n" + "# padding\n" * 60_000 + "Disallow: /late\n"
    recorder = Recorder(clock, {"/robots.txt": lambda r: httpx.Response(200, text=robots),
                                "/early": ok, "/late": ok})
    early, late = run(recorder, clock, ["https://e.test/early", "https://e.test/late"],
                      Politeness(min_delay=0), sequential=True)
    assert early.outcome is Outcome.ROBOTS_DISALLOWED
    assert late.outcome is Outcome.OK  # past the part a crawler must read
