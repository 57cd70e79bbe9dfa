"""Memory across nights: 404s rest, transient failures back off per URL and per host, Retry-After
is remembered, and nothing that should be retried is forgotten. Time is played by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fetch_web import FakeClock, LoopbackWeb, html, public_resolver, status

from compare.config import Settings
from compare.fetch import Conditional, RetryPolicy, fetch_sources
from compare.fetch.memory import BackoffPolicy, FetchMemory
from compare.fetch.run import FetchPlan
from compare.models import Feed, FetchResult, Outcome, Outlet, Politeness, Sources
from compare.pipeline import fetch_into_store
from compare.store import Store

NIGHT1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PAGE = b"<html><head><title>t</title></head><body><p>text</p></body></html>"
HTML = {"content-type": "text/html; charset=utf-8"}
POLITE = Politeness(min_delay=0, max_concurrency=1)
FAST_RETRY = FetchPlan(retry=RetryPolicy(max_retries=2, backoff=0.0, jitter=0.0))


def night(n: int) -> datetime:
    return NIGHT1 + timedelta(days=n - 1)


class Web:
    """Scripted answers by path (each a function of how often that path was asked)."""

    def __init__(self, routes: dict[str, Callable[[int], httpx.Response]]) -> None:
        self.routes = routes
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.asked.append(path)
        route = self.routes.get(path)
        return route(self.asked.count(path)) if route else httpx.Response(404)

    def count(self, path: str) -> int:
        return self.asked.count(path)


class Nights:
    """Runs over one sources file, carrying the memory and the stored validators between nights."""

    def __init__(self, web: Web, outlet: Outlet) -> None:
        self.web = web
        self.sources = Sources(path="t", outlets=(outlet,), defaults=POLITE)
        self.memory = FetchMemory()
        self.validators: dict[str, Conditional] = {}

    def run(self, when: datetime) -> dict[str, FetchResult]:
        results: list[FetchResult] = []
        before = len(self.web.asked)

        def keep(result: FetchResult) -> None:
            results.append(result)
            if result.outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
                self.validators[result.url] = Conditional(etag=result.etag, fetched_at=when)

        fetch_sources(self.sources, known=self.validators.get, on_result=keep, plan=FAST_RETRY,
                      transport=httpx.MockTransport(self.web), resolver=public_resolver,
                      memory=self.memory, now=lambda: when, sleep=_no_sleep)
        self.requests = self.web.asked[before:]
        return {r.url: r for r in results}


async def _no_sleep(seconds: float) -> None:
    return None


def outlet(*, feeds: tuple[str, ...] = (), urls: tuple[str, ...] = (), pages: int = 200) -> Outlet:
    politeness = Politeness(**{**POLITE.__dict__, "max_pages_per_run": pages})
    return Outlet(id="o", name="O", homepage="https://news.example/", language="en", country="AZ",
                  feeds=tuple(Feed(f) for f in feeds), urls=urls, politeness=politeness)


def ok(n: int) -> httpx.Response:
    return httpx.Response(200, content=PAGE, headers={**HTML, "etag": '"v1"'})


def rss(*paths: str) -> Callable[[int], httpx.Response]:
    items = "".join(f"<item><link>https://news.example{p}</link></item>" for p in paths)
    body = f'<rss version="2.0"><channel><title>f</title>{items}</channel></rss>'.encode()
    return lambda n: httpx.Response(200, content=body, headers={"content-type": "application/rss+xml",
                                                                "etag": '"feed"'})


URL = "https://news.example/"


def test_a_404_is_not_asked_again_for_a_week_then_for_two() -> None:
    web = Web({"/gone": lambda n: httpx.Response(404), "/live": ok})
    nights = Nights(web, outlet(urls=(URL + "gone", URL + "live")))
    assert nights.run(night(1))[URL + "gone"].outcome is Outcome.HTTP_ERROR
    second = nights.run(night(2))
    assert second[URL + "gone"].outcome is Outcome.BACKED_OFF
    assert "HTTP 404" in (second[URL + "gone"].error or "") and second[URL + "gone"].attempts == 0
    assert web.count("/gone") == 1
    nights.run(night(8))  # a week later: asked again, 404 again
    assert web.count("/gone") == 2
    assert nights.run(night(15))[URL + "gone"].outcome is Outcome.BACKED_OFF  # now two weeks
    assert nights.run(night(22))[URL + "gone"].outcome is Outcome.HTTP_ERROR
    assert web.count("/gone") == 3


def test_transient_failures_back_off_per_url_exponentially_with_no_retries_after_the_first_night() -> None:
    web = Web({"/flaky": lambda n: httpx.Response(503), "/live": ok})
    nights = Nights(web, outlet(urls=(URL + "flaky", URL + "live")))
    first = nights.run(night(1))[URL + "flaky"]
    assert (first.outcome, first.attempts) == (Outcome.HTTP_ERROR, 3)  # retried within the night
    second = nights.run(night(2))[URL + "flaky"]
    assert (second.outcome, second.attempts) == (Outcome.HTTP_ERROR, 1)  # once: it failed before
    assert nights.run(night(3))[URL + "flaky"].outcome is Outcome.BACKED_OFF  # two nights now
    assert nights.run(night(4))[URL + "flaky"].attempts == 1
    waits = []
    for n in range(5, 60):
        result = nights.run(night(n))[URL + "flaky"]
        if result.outcome is not Outcome.BACKED_OFF:
            waits.append(n)
    gaps = [b - a for a, b in zip([4, *waits], waits, strict=False)]
    # waits of 4, 8 and 16 nights of 20 hours: asked again after 4, 7 and then 14 days (the cap)
    assert gaps[:4] == [4, 7, 14, 14]
    assert max(gaps) == 14


def test_a_host_that_fails_as_a_whole_is_left_alone_in_the_run_and_the_next_night() -> None:
    web = Web({f"/p{i}": (lambda n: httpx.Response(503)) for i in range(6)})
    urls = tuple(URL + f"p{i}" for i in range(6))
    nights = Nights(web, outlet(urls=urls))
    first = nights.run(night(1))
    asked = {p for p in web.asked if p.startswith("/p")}
    assert len(asked) == 2  # two URLs fail; the other four are not sent
    assert sum(r.outcome is Outcome.BACKED_OFF for r in first.values()) == 4
    before = len(web.asked)
    second = nights.run(night(2))
    assert len(web.asked) == before  # not even robots.txt
    assert all(r.outcome is Outcome.BACKED_OFF for r in second.values())
    third = nights.run(night(3))  # two nights later: one probe, which fails, and the host rests again
    assert [p for p in nights.requests if p.startswith("/p")] == ["/p0"]
    assert sum(r.outcome is Outcome.HTTP_ERROR for r in third.values()) == 1
    # the host comes back: every URL is still queued and fetched
    for i in range(6):
        web.routes[f"/p{i}"] = ok
    for n in range(4, 12):
        results = nights.run(night(n))
        if any(r.outcome is Outcome.OK for r in results.values()):
            break
    assert all(r.outcome is Outcome.OK for r in results.values())
    assert nights.memory.urls == {} and nights.memory.hosts == {}


def test_a_long_retry_after_is_not_waited_for_but_honoured_across_the_night() -> None:
    web = Web({"/a": lambda n: httpx.Response(429, headers={"retry-after": "36000"}),
               "/b": ok, "/c": ok})
    nights = Nights(web, outlet(urls=(URL + "a", URL + "b", URL + "c")))
    first = nights.run(night(1))
    assert first[URL + "a"].attempts == 1 and first[URL + "a"].retry_after == 36000.0
    assert first[URL + "b"].outcome is Outcome.BACKED_OFF  # the host asked for ten hours
    assert "Retry-After 36000s" in (first[URL + "b"].error or "")
    assert web.count("/b") == 0
    web.routes["/a"] = ok
    second = nights.run(night(2))
    assert {r.outcome for r in second.values()} == {Outcome.OK}


def test_a_url_that_failed_is_retried_when_its_feed_no_longer_lists_it() -> None:
    feed = rss("/story", "/other")
    web = Web({"/feed.xml": feed, "/story": lambda n: httpx.Response(504) if n <= 3 else ok(n),
               "/other": ok})
    nights = Nights(web, outlet(feeds=(URL + "feed.xml",)))
    nights.run(night(1))
    web.routes["/feed.xml"] = lambda n: httpx.Response(304)  # nothing new: the feed lists nothing
    second = nights.run(night(2))
    assert second[URL + "story"].outcome is Outcome.OK
    assert nights.memory.urls == {}


def test_urls_left_for_the_next_run_are_fetched_even_when_the_feed_is_unchanged() -> None:
    paths = [f"/s{i}" for i in range(5)]
    web = Web({"/feed.xml": rss(*paths), **{p: ok for p in paths}})
    nights = Nights(web, outlet(feeds=(URL + "feed.xml",), pages=2))
    nights.run(night(1))
    assert sum(web.count(p) for p in paths) == 2
    web.routes["/feed.xml"] = lambda n: httpx.Response(304)
    nights.run(night(2))
    nights.run(night(3))
    assert all(web.count(p) == 1 for p in paths)


def test_a_host_that_rate_limits_everything_costs_one_urls_retries_not_every_urls() -> None:
    web = Web({f"/p{i}": (lambda n: httpx.Response(429, headers={"retry-after": "20"}))
               for i in range(10)})
    clock = FakeClock()
    results: list[FetchResult] = []
    sources = Sources(path="t", outlets=(outlet(urls=tuple(URL + f"p{i}" for i in range(10))),),
                      defaults=POLITE)
    fetch_sources(sources, on_result=results.append, transport=httpx.MockTransport(web),
                  resolver=public_resolver, memory=FetchMemory(), clock=clock, sleep=clock.sleep,
                  now=lambda: NIGHT1)
    # one request at a time, each after the 20 s the host asked for: the third failed attempt,
    # on a second URL, stops the host; the first URL's last retry and eight URLs are never sent
    assert clock.sleeps == [20.0, 20.0]
    assert [p for p in web.asked if p.startswith("/p")] == ["/p0", "/p0", "/p1"]
    statuses = sorted((r.outcome.value, r.http_status) for r in results)
    assert statuses.count(("http_error", 429)) == 2 and statuses.count(("backed_off", None)) == 8


def test_a_host_whose_robots_txt_cannot_be_read_is_left_alone_the_next_night() -> None:
    web = Web({"/robots.txt": lambda n: httpx.Response(503), "/feed.xml": rss("/a"), "/a": ok})
    nights = Nights(web, outlet(feeds=(URL + "feed.xml",)))
    first = nights.run(night(1))
    assert first[URL + "feed.xml"].outcome is Outcome.ROBOTS_DISALLOWED  # RFC 9309: 5xx
    assert web.count("/feed.xml") == 0
    assert nights.memory.hosts["news.example"].reason.startswith("failed 1 run")
    nights.run(night(2))
    assert web.count("/robots.txt") == 1  # not even asked the next night
    web.routes["/robots.txt"] = lambda n: httpx.Response(404)
    third = nights.run(night(3))
    assert third[URL + "a"].outcome is Outcome.OK and nights.memory.hosts == {}


def test_the_policy_waits() -> None:
    policy = BackoffPolicy()
    assert [policy.url_wait(k) / policy.night for k in (1, 2, 3, 5, 9)] == [1, 2, 4, 16, 16]
    assert [policy.host_wait(k) / policy.night for k in (1, 2, 3, 4, 9)] == [2, 4, 8, 16, 16]
    assert [policy.gone_wait(k).days for k in (1, 2, 3, 5, 9)] == [7, 14, 28, 90, 90]


def test_the_store_keeps_the_memory_between_processes(loopback: LoopbackWeb, tmp_path: Path) -> None:
    gone = loopback.route(0, "/gone", status(404))
    live = loopback.route(0, "/live", html(PAGE))
    slow = loopback.route(1, "/down", status(503, headers={"Retry-After": "0"}))
    outlets = tuple(
        Outlet(id=f"o{i}", name="O", homepage=loopback.url(i, "/"), language="en", country="AZ",
               urls=urls, politeness=POLITE, allow_private_addresses=True)
        for i, urls in enumerate([(gone, live), (slow,)])
    )
    sources = Sources(path="t", outlets=outlets, defaults=POLITE)
    settings = Settings(db=str(tmp_path / "n.db"), recheck_days=0)
    for n in (1, 2):
        with Store(settings.db) as store:
            run_id = store.start_run("fetch", {})
            fetch_into_store(store, sources, run_id=run_id, settings=settings, now=lambda n=n: night(n))
            store.finish_run(run_id, status="ok")
    assert loopback.count(0, "/gone") == 1 and loopback.count(0, "/live") == 2
    assert loopback.count(1, "/down") == 4  # night 1: three attempts; night 2: once
    with Store(settings.db) as store:
        urls, hosts = store.fetch_memory(now=night(2))
        by_url = {u.url: u for u in urls}
        assert (by_url[gone].retry, by_url[gone].http_status, by_url[gone].failures) == (False, 404, 1)
        assert (by_url[slow].retry, by_url[slow].failures) == (True, 2)
        assert by_url[slow].not_before == night(2) + 2 * BackoffPolicy().night
        assert live not in by_url and hosts == []
        names = {r[0] for r in store._db.execute("SELECT name FROM _sqlite_migrations").fetchall()}
        assert "0101_fetch_state" in names
