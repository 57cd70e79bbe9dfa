"""Feeds and sitemaps are parsed off the event loop, bounded, and sitemap cycles cost one request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import feedparser
import httpx
import pytest
from fetch_web import public_resolver

from compare.fetch import FetchPlan, fetch_sources
from compare.fetch import discover as discover_module
from compare.fetch import run as run_module
from compare.fetch.discover import MAX_FEED_ITEMS, cap_feed_items, parse_sitemap
from compare.models import Feed, FetchResult, Outcome, Outlet, Politeness, Sources

POLITE = Politeness(min_delay=0, max_bytes=20_000_000)
PAGE = b"<html><head><title>t</title></head><body><p>text</p></body></html>"
HTML = {"content-type": "text/html; charset=utf-8"}
RSS = {"content-type": "application/rss+xml"}
XML = {"content-type": "application/xml"}


def rss(n: int, host: str = "big.example") -> bytes:
    items = "".join(f"<item><link>https://{host}/a/{i}</link></item>" for i in range(n))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
    return feed.encode()


def outlet(oid: str, host: str, *, feeds: tuple[Feed, ...] = (), urls: tuple[str, ...] = (),
           pages: int = 200) -> Outlet:
    politeness = Politeness(**{**POLITE.__dict__, "max_pages_per_run": pages})
    return Outlet(id=oid, name=oid, homepage=f"https://{host}/", language="en", country="AZ",
                  feeds=feeds, urls=urls, politeness=politeness)


def run(handler: Callable[[httpx.Request], object], *outlets: Outlet,
        plan: FetchPlan | None = None) -> tuple[list[FetchResult], object]:
    results: list[FetchResult] = []
    summary = fetch_sources(Sources(path="t", outlets=outlets, defaults=POLITE), on_result=results.append,
                            transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
                            resolver=public_resolver, plan=plan)
    return results, summary


def test_a_feed_is_parsed_while_other_outlets_requests_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the feed were parsed on the event loop, the other outlet's answer could not be served
    while the parse waits for it, and ``overlapped`` would stay False."""
    parsing, other_served = threading.Event(), threading.Event()
    overlapped: list[bool] = []
    real = run_module.parse_feed

    def watched_parse(body: bytes, *, url: str, outlet_id: str) -> object:
        parsing.set()
        overlapped.append(other_served.wait(timeout=10))
        return real(body, url=url, outlet_id=outlet_id)

    monkeypatch.setattr(run_module, "parse_feed", watched_parse)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "big.example" and request.url.path == "/feed.xml":
            return httpx.Response(200, content=rss(5), headers=RSS)
        if request.url.host == "other.example" and request.url.path == "/page":
            for _ in range(1000):  # answer only once the feed is being parsed
                if parsing.is_set():
                    break
                await asyncio.sleep(0.01)
            other_served.set()
            return httpx.Response(200, content=PAGE, headers=HTML)
        if request.url.path.startswith("/a/"):
            return httpx.Response(200, content=PAGE, headers=HTML)
        return httpx.Response(404)

    results, _ = run(handler, outlet("big", "big.example", feeds=(Feed("https://big.example/feed.xml"),)),
                     outlet("other", "other.example", urls=("https://other.example/page",)))
    assert overlapped == [True]
    outcomes = {r.url: r.outcome for r in results}
    assert outcomes["https://other.example/page"] is Outcome.OK
    assert outcomes["https://big.example/feed.xml"] is Outcome.OK


def test_a_100k_item_feed_is_read_up_to_the_cap_and_other_outlets_are_read() -> None:
    big = rss(100_000)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed.xml":
            return httpx.Response(200, content=big, headers=RSS)
        if request.url.path.startswith(("/a/", "/p")):
            return httpx.Response(200, content=PAGE, headers=HTML)
        return httpx.Response(404)

    results, summary = run(
        handler,
        outlet("big", "big.example", feeds=(Feed("https://big.example/feed.xml"),), pages=2),
        outlet("other", "other.example", urls=tuple(f"https://other.example/p{i}" for i in range(5))),
    )
    big_summary = summary.outlet("big")  # type: ignore[attr-defined]
    assert big_summary.discovered == MAX_FEED_ITEMS  # not 100,000
    assert (big_summary.fetched, big_summary.deferred) == (2, MAX_FEED_ITEMS - 2)
    feed = next(r for r in results if r.url == "https://big.example/feed.xml")
    assert feed.outcome is Outcome.OK
    other = [r for r in results if r.outlet_id == "other"]
    assert len(other) == 5 and all(r.outcome is Outcome.OK for r in other)


def test_cap_feed_items_keeps_a_well_formed_feed() -> None:
    body, cut = cap_feed_items(rss(2_000), limit=300)
    parsed = feedparser.parse(body)
    assert cut and len(parsed.entries) == 300 and not parsed.bozo
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title>'
            + b"".join(b'<entry><link href="https://e.com/%d"/></entry>' % i for i in range(20)) + b"</feed>")
    body, cut = cap_feed_items(atom, limit=7)
    parsed = feedparser.parse(body)
    assert cut and len(parsed.entries) == 7 and not parsed.bozo
    assert cap_feed_items(rss(7), limit=7) == (rss(7), False)


def test_a_parse_that_takes_too_long_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(body: bytes, *, url: str, outlet_id: str) -> object:
        time.sleep(1.0)
        return []

    monkeypatch.setattr(run_module, "parse_feed", stuck)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed.xml":
            return httpx.Response(200, content=rss(3), headers=RSS)
        return httpx.Response(404)

    results, _ = run(handler, outlet("big", "big.example", feeds=(Feed("https://big.example/feed.xml"),)),
                     plan=FetchPlan(parse_timeout=0.05))
    (feed,) = results
    assert feed.outcome is Outcome.TIMEOUT and "parsing took over" in (feed.error or "")


def _index(*children: str) -> bytes:
    body = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


def test_a_sitemap_index_that_lists_itself_is_requested_once() -> None:
    asked: list[str] = []
    me = "https://big.example/sitemap.xml"

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path == "/sitemap.xml":
            # itself, in two spellings of one canonical URL
            return httpx.Response(200, content=_index(me, "https://BIG.example/sitemap.xml?utm_source=x"),
                                  headers=XML)
        return httpx.Response(404)

    results, _ = run(handler, outlet("big", "big.example", feeds=(Feed(me, kind="sitemap"),)))
    assert asked.count(me) == 1
    assert [r.outcome for r in results if r.url == me] == [Outcome.OK]


def test_two_indexes_listing_each_other_are_each_requested_once() -> None:
    asked: list[str] = []
    a, b = "https://big.example/a.xml", "https://big.example/b.xml"

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if str(request.url) == a:
            return httpx.Response(200, content=_index(b, a), headers=XML)
        if str(request.url) == b:
            return httpx.Response(200, content=_index(a, b), headers=XML)
        return httpx.Response(404)

    run(handler, outlet("big", "big.example", feeds=(Feed(a, kind="sitemap"),)))
    assert (asked.count(a), asked.count(b)) == (1, 1)


def test_a_sitemap_is_read_up_to_its_url_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover_module, "MAX_SITEMAP_URLS", 100)
    urls = "".join(f"<url><loc>https://e.com/{i}</loc></url>" for i in range(1_000))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
    page = parse_sitemap(body, url="https://e.com/s.xml", outlet_id="e")
    assert [d.url for d in page.articles] == [f"https://e.com/{i}" for i in range(100)]
