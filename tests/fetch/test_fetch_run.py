"""Whole runs through fetch_sources: discovery, resumability, summaries, the demo web end to end."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fetch_web import LoopbackWeb, html, status

from compare.errors import StoreError, UsageError
from compare.fetch import (
    ADHOC_OUTLET,
    Conditional,
    ConsoleProgress,
    FetchSummary,
    fetch_sources,
    render_summary,
)
from compare.models import Feed, FetchResult, Outcome, Outlet, Politeness, Sources

FAST = Politeness(min_delay=0.0, max_concurrency=2, connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)
PAGE = "<html><head><title>{0}</title></head><body><p>Story {0}.</p></body></html>"


def rss(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'


def sitemap(*locs: str, index: bool = False) -> str:
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    body = "".join(f"<{item}><loc>{loc}</loc></{item}>" for loc in locs)
    return f'<{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</{tag}>'


class MemoryStore:
    """What the pipeline does with results: remember the last one per URL, answer ``known``."""

    def __init__(self) -> None:
        self.rows: list[FetchResult] = []
        self.latest: dict[str, FetchResult] = {}

    def write(self, result: FetchResult) -> None:
        self.rows.append(result)
        if result.outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
            self.latest[result.url] = result

    def known(self, url: str) -> Conditional | None:
        row = self.latest.get(url)
        if row is None:
            return None
        return Conditional(etag=row.etag, last_modified=row.last_modified, fetched_at=row.fetched_at)


def web_of_news(loopback: LoopbackWeb) -> Sources:
    """Outlet A: an RSS feed; outlet B: a sitemap index with two sitemaps; C: a dead feed."""
    a_links = [loopback.route(0, f"/a/{i}", html(PAGE.format(f"a{i}"))) for i in range(4)]
    a_links.append(loopback.route(0, "/a/video/1", html(PAGE.format("video"))))
    loopback.route(0, "/feed.xml", html(rss(*a_links), content_type="application/rss+xml"))
    b_links = [loopback.route(1, f"/b/{i}", html(PAGE.format(f"b{i}"))) for i in range(3)]
    loopback.route(1, "/sm1.xml", html(sitemap(*b_links[:2]), content_type="application/xml"))
    loopback.route(1, "/sm2.xml", html(sitemap(b_links[2]), content_type="application/xml"))
    loopback.route(
        1,
        "/index.xml",
        html(
            sitemap(loopback.url(1, "/sm1.xml"), loopback.url(1, "/sm2.xml"), index=True),
            content_type="application/xml",
        ),
    )
    loopback.route(2, "/feed.xml", status(500))
    outlets = (
        Outlet(
            id="a",
            name="A",
            homepage=loopback.url(0, "/"),
            language="en",
            country="AZ",
            feeds=(Feed(loopback.url(0, "/feed.xml")),),
            exclude=(r"/video/",),
            politeness=FAST,
            allow_private_addresses=True,
        ),
        Outlet(
            id="b",
            name="B",
            homepage=loopback.url(1, "/"),
            language="en",
            country="AM",
            feeds=(Feed(loopback.url(1, "/index.xml"), kind="sitemap"),),
            politeness=FAST,
            allow_private_addresses=True,
        ),
        Outlet(
            id="c",
            name="C",
            homepage=loopback.url(2, "/"),
            language="en",
            country="RU",
            feeds=(Feed(loopback.url(2, "/feed.xml")),),
            politeness=FAST,
            allow_private_addresses=True,
        ),
    )
    return Sources(path="test.yaml", outlets=outlets, defaults=FAST)


def test_run_discovers_fetches_and_summarises(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)
    store = MemoryStore()
    summary = fetch_sources(sources, known=store.known, on_result=store.write)
    a, b, c = summary.outlets
    assert (a.discovered, a.fetched, a.failed) == (4, 4, {})  # the video page is excluded
    assert (b.discovered, b.fetched, b.feeds) == (3, 3, 3)  # index + two sitemaps
    assert (c.feeds_failed, c.failed_entirely) == ({"http_error": 1}, True)
    assert summary.exit_code == 1
    kinds = {r.url: r.kind for r in store.rows}
    assert kinds[loopback.url(1, "/index.xml")] == "sitemap"
    assert kinds[loopback.url(0, "/feed.xml")] == "feed"
    urls = [r.url for r in store.rows]
    assert len(urls) == len(set(urls))  # one row per URL per run
    assert loopback.count(0, "/a/video/1") == 0
    # a feed's own row comes after the rows of the articles found in it
    assert urls.index(loopback.url(0, "/feed.xml")) > max(
        urls.index(loopback.url(0, f"/a/{i}")) for i in range(4)
    )


def test_rerun_skips_fresh_and_revalidates_stale(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)
    store = MemoryStore()
    fetch_sources(sources, outlet_ids=["a"], known=store.known, on_result=store.write)
    first_hits = len(loopback.hits)
    second = MemoryStore()
    second.latest = dict(store.latest)
    summary = fetch_sources(sources, outlet_ids=["a"], known=second.known, on_result=second.write)
    assert summary.outlets[0].unchanged == 4
    assert {r.outcome for r in second.rows if r.kind == "article"} == {Outcome.SKIPPED_FRESH}
    # robots.txt once per run, then the feed; the articles are not asked for
    assert [h.path for h in loopback.hits[first_hits:]] == ["/robots.txt", "/feed.xml"]
    # stale (older than fresh_for): asked again, conditionally; this server has no validators
    later = lambda: datetime.now(UTC) + timedelta(hours=13)  # noqa: E731
    third = MemoryStore()
    third.latest = dict(store.latest)
    summary = fetch_sources(sources, outlet_ids=["a"], known=third.known, on_result=third.write, now=later)
    assert summary.outlets[0].fetched == 4


class Killed(Exception):
    pass


def test_killed_run_resumes_without_duplicates(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)
    store = MemoryStore()

    def dies_after_two(result: FetchResult) -> None:
        if len(store.rows) == 2:
            raise Killed("power cut")
        store.write(result)

    with pytest.raises(Killed):
        fetch_sources(sources, outlet_ids=["a"], known=store.known, on_result=dies_after_two)
    assert len(store.rows) == 2
    assert all(r.kind == "article" for r in store.rows)  # the feed row was not written yet
    summary = fetch_sources(sources, outlet_ids=["a"], known=store.known, on_result=store.write)
    outcomes = [r.outcome for r in store.rows[2:] if r.kind == "article"]
    assert outcomes.count(Outcome.SKIPPED_FRESH) == 2
    assert outcomes.count(Outcome.OK) == 2
    assert summary.outlets[0].fetched + summary.outlets[0].unchanged == 4
    ok_urls = [r.url for r in store.rows if r.outcome is Outcome.OK and r.kind == "article"]
    assert len(ok_urls) == len(set(ok_urls)) == 4  # nothing fetched twice


def test_store_errors_propagate_unwrapped(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)

    def broken(result: FetchResult) -> None:
        raise StoreError("disk full", path="x.db")

    with pytest.raises(StoreError, match="disk full"):
        fetch_sources(sources, outlet_ids=["b"], on_result=broken)


def test_max_pages_per_run_defers_the_rest(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)
    a = sources.outlets[0]
    limited = Outlet(**{**a.__dict__, "politeness": Politeness(**{**FAST.__dict__, "max_pages_per_run": 3})})
    summary = fetch_sources(Sources(path="t", outlets=(limited,), defaults=FAST))
    assert (summary.outlets[0].fetched, summary.outlets[0].deferred) == (3, 1)


def test_unknown_outlet_is_a_usage_error(loopback: LoopbackWeb) -> None:
    with pytest.raises(UsageError, match="nope"):
        fetch_sources(web_of_news(loopback), outlet_ids=["a", "nope"])


def test_command_line_urls_find_their_outlet_or_go_adhoc(loopback: LoopbackWeb) -> None:
    sources = web_of_news(loopback)
    loopback.route(0, "/direct", html(PAGE.format("direct")))
    store = MemoryStore()
    summary = fetch_sources(
        sources,
        extra_urls=[loopback.url(0, "/direct"), "http://localhost:1/x?utm_source=a", "gopher://x"],
        on_result=store.write,
    )
    by_url = {r.url: r for r in store.rows}
    assert by_url[loopback.url(0, "/direct")].outlet_id == "a"
    assert by_url[loopback.url(0, "/direct")].outcome is Outcome.OK
    assert by_url["gopher://x"].outcome is Outcome.INVALID_URL
    assert [o.outlet_id for o in summary.outlets] == ["a", ADHOC_OUTLET]
    assert loopback.count(0, "/feed.xml") == 0  # URLs alone: no discovery


def test_render_summary_and_plain_progress(loopback: LoopbackWeb) -> None:
    from rich.console import Console

    sources = web_of_news(loopback)
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    with ConsoleProgress(console) as progress:
        summary = fetch_sources(sources, progress=progress)
    lines = out.getvalue().splitlines()
    assert len(lines) == progress.done == progress.total
    assert any(" ok 200 " in line for line in lines)
    console.print(render_summary(summary))
    table = out.getvalue()
    assert "c (failed)" in table and "http_error" in table
    assert isinstance(summary, FetchSummary)


def test_demo_web_end_to_end(tmp_path: Path) -> None:
    import compare.demoweb as demoweb
    from compare.sources import load_sources

    with demoweb.DemoWeb() as web:
        sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
        store = MemoryStore()
        summary = fetch_sources(sources, known=store.known, on_result=store.write)
        fetched = sum(o.fetched for o in summary.outlets)
        assert fetched >= 20
        snapshots = [r.snapshot for r in store.rows if r.snapshot and r.kind == "article"]
        assert all(s.body and s.encoding for s in snapshots)
        assert summary.outlets  # every outlet reported
        failed = [o.outlet_id for o in summary.outlets if o.failed_entirely]
        # The demo web has one outlet that blocks crawlers: it must show up as failed.
        assert failed == [
            r.outlet_id for r in store.rows if r.kind != "article" and r.outcome is Outcome.BLOCKED
        ]
        # A day later: the feeds answer 304 to their conditional GET, so nothing is rediscovered.
        later = lambda: datetime.now(UTC) + timedelta(days=1)  # noqa: E731
        again = MemoryStore()
        again.latest = dict(store.latest)
        summary2 = fetch_sources(sources, known=again.known, on_result=again.write, now=later)
        feeds = [r for r in again.rows if r.kind != "article"]
        assert feeds and {r.outcome for r in feeds} <= {Outcome.NOT_MODIFIED, Outcome.BLOCKED}
        assert sum(o.fetched for o in summary2.outlets) == 0
        # Without the feeds' validators, the feeds are read again and each stale article gets
        # a conditional GET, which the demo server answers with 304.
        third = MemoryStore()
        third.latest = {u: r for u, r in store.latest.items() if r.kind == "article"}
        summary3 = fetch_sources(sources, known=third.known, on_result=third.write, now=later)
        assert sum(o.unchanged for o in summary3.outlets) == fetched
        assert sum(o.fetched for o in summary3.outlets) == 0
