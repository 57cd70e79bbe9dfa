"""Feed discovery from a homepage, on loopback sites built like real CMSs (``cms_web``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cms_web import CmsWeb

from compare.fetch.client import ClientOptions, Clients
from compare.fetch.fetcher import Fetcher, FetcherOptions
from compare.fetch.finding import Finder, cms_candidates, scan_homepage
from compare.fetch.ranking import FeedCandidate, FeedProbe, rank
from compare.models import Discovered, Feed, Outlet, Politeness

FAST = Politeness(min_delay=0)


def outlet(web: CmsWeb, site: str, *, feeds: tuple[str, ...] = (), language: str = "en") -> Outlet:
    return Outlet(id=site, name=site, homepage=web.homepage_of(site), language=language,
                  country="GB", feeds=tuple(Feed(u) for u in feeds), politeness=FAST,
                  allow_private_addresses=True)


def find(web: CmsWeb, site: str, **kwargs: object):  # type: ignore[no-untyped-def]
    target = outlet(web, site, **kwargs)  # type: ignore[arg-type]

    async def go():  # type: ignore[no-untyped-def]
        async with Clients() as clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent="newscompare-test"))
            configured = [FeedCandidate(f.url, origin="configured") for f in target.feeds]
            return await Finder(fetcher, now=lambda: web.now).find(target, configured=configured)

    return asyncio.run(go())


def chosen_paths(finding, web: CmsWeb, site: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.url.removeprefix(web.base(site)) for p in finding.chosen]


def test_wordpress_posts_feed_beats_the_comments_feed_linked_before_it(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "harbour-post")
    assert chosen_paths(finding, cms_web, "harbour-post") == ["/feed/"]
    verdicts = {p.candidate.url.removeprefix(cms_web.base("harbour-post")): p.verdict
                for p in finding.probes}
    assert verdicts["/comments/feed/"] == "comments feed"
    assert verdicts["/feed/"] == "works"
    (feed,) = finding.chosen
    assert feed.items == 3 and feed.kind == "rss" and feed.language == "en-us"
    assert feed.newest is not None and cms_web.now - feed.newest < timedelta(hours=4)
    # The homepage named the feeds: no CMS path was guessed, robots.txt asked once.
    assert "/rss.xml" not in cms_web.hits("harbour-post")


def test_drupal_feed_found_on_a_section_page(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "valley-courier")
    assert chosen_paths(finding, cms_web, "valley-courier") == ["/rss.xml"]
    hits = cms_web.hits("valley-courier")
    assert hits.index("/") < hits.index("/news") < hits.index("/rss.xml")
    assert "/feed/" not in hits  # found before any guess


def test_news_sitemap_from_robots_beats_the_full_sitemap(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "capital-wire")
    assert chosen_paths(finding, cms_web, "capital-wire") == ["/sitemap-news.xml"]
    (news,) = finding.chosen
    assert news.kind == "news-sitemap" and news.items == 3 and news.language == "en"
    assert news.candidate.origin == "robots"


def test_a_feed_moved_with_a_301_is_chosen_at_its_new_address(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "river-times")
    (feed,) = finding.chosen
    assert feed.candidate.url.endswith("/rss/news.xml")
    assert feed.url == cms_web.base("river-times") + "/feeds/latest.xml"
    assert "moved (301)" in feed.verdict


def test_a_site_with_only_a_sitemap_index_is_read_through_it(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "plains-daily")
    (index,) = finding.chosen
    assert index.url.endswith("/sitemap_index.xml") and index.index and index.kind == "sitemap"
    assert index.items == 4  # three posts and the about page, from the two child sitemaps
    assert len(index.results) == 3  # the index and both children, each one fetch result
    assert index.candidate.origin == "guess"


def test_the_edition_in_the_outlets_language_is_chosen(cms_web: CmsWeb) -> None:
    finding = find(cms_web, "border-herald")
    assert chosen_paths(finding, cms_web, "border-herald") == ["/en/rss"]
    russian = next(p for p in finding.probes if p.candidate.url.endswith("/ru/feed.atom"))
    assert russian.kind == "atom" and russian.verdict == "other language (ru)"
    # And an outlet that declares Russian gets the other edition.
    finding_ru = find(cms_web, "border-herald", language="ru")
    assert chosen_paths(finding_ru, cms_web, "border-herald") == ["/ru/feed.atom"]


def test_a_site_without_feeds_gives_nothing_after_a_bounded_number_of_requests(
    cms_web: CmsWeb,
) -> None:
    finding = find(cms_web, "quiet-gazette")
    assert not finding.ok and finding.probes
    assert all(p.verdict.startswith("failed: http_error 404") for p in finding.probes)
    hits = cms_web.hits("quiet-gazette")
    assert len(hits) <= 2 + 2 * len(cms_candidates("http://x/"))  # home, robots, the paths
    assert len(hits) == len(set(hits))  # nothing asked twice


def test_a_working_configured_feed_stops_discovery(cms_web: CmsWeb) -> None:
    feed = cms_web.base("harbour-post") + "/feed/"
    finding = find(cms_web, "harbour-post", feeds=(feed,))
    assert not finding.discovered and [p.url for p in finding.chosen] == [feed]
    assert cms_web.hits("harbour-post") == ["/robots.txt", "/feed/"]


def test_discovery_honours_robots_txt(cms_web: CmsWeb) -> None:
    from fetch_web import html

    cms_web.web.route(1, "/robots.txt", html("User-agent: *\nDisallow: /rss.xml\n",
                                             content_type="text/plain"))
    finding = find(cms_web, "valley-courier")
    probe = next(p for p in finding.probes if p.candidate.url.endswith("/rss.xml"))
    assert probe.outcome == "robots_disallowed"
    assert "/rss.xml" not in cms_web.hits("valley-courier")


def test_scan_finds_alternate_links_feed_anchors_and_sections() -> None:
    page = scan_homepage(
        '<html lang="hy"><head><link rel="alternate" type="application/atom+xml" href="/a.atom">'
        '<link rel="alternate" hreflang="ru" href="/ru/"><link rel="stylesheet" href="/s.css">'
        '</head><body><a href="/politics/">Politics</a><a href="https://other.example/x/">x</a>'
        '<a href="/category/world/">World</a><a href="/2026/12/01/a-story.html">s</a>'
        '<a href="/feed/">RSS</a></body></html>', url="https://news.example/")
    assert [c.url for c in page.feeds] == ["https://news.example/a.atom", "https://news.example/feed/"]
    assert page.sections == ("https://news.example/politics/", "https://news.example/category/world/")
    assert page.language == "hy"


def test_cms_paths_under_the_homepages_path_come_first() -> None:
    urls = [c.url for c in cms_candidates("https://apa.example/en")]
    assert urls[0] == "https://apa.example/en/feed/" and "https://apa.example/feed/" in urls
    assert len(urls) == len(set(urls))


NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _probe(url: str, *, kind: str = "rss", items: int = 5, age_days: float = 0.1,
           language: str | None = "en", origin: str = "link") -> FeedProbe:
    arts = tuple(Discovered(f"{url}/{n}", "o", via=url) for n in range(items))
    return FeedProbe(FeedCandidate(url, origin=origin), outcome="ok", kind=kind, items=items,
                     newest=NOW - timedelta(days=age_days), language=language, articles=arts)


@pytest.mark.parametrize(
    ("probes", "expected"),
    [
        # a fresh feed beats one whose newest item is a year old
        ([_probe("https://a/old", age_days=400), _probe("https://a/new")], ["https://a/new"]),
        # the declared language beats a feed that does not say
        ([_probe("https://a/x", language=None), _probe("https://a/y")], ["https://a/y"]),
        # a news sitemap is chosen beside the feed; a full sitemap is not
        ([_probe("https://a/s", kind="sitemap", items=900), _probe("https://a/n", kind="news-sitemap"),
          _probe("https://a/f")], ["https://a/n", "https://a/f"]),
        # a full sitemap is chosen when it is all there is
        ([_probe("https://a/s", kind="sitemap")], ["https://a/s"]),
        # only a stale feed: still chosen, and said to be stale
        ([_probe("https://a/old", age_days=400)], ["https://a/old"]),
    ],
)
def test_ranking(probes: list[FeedProbe], expected: list[str]) -> None:
    finding = rank(probes, "en", now=NOW)
    assert sorted(p.url for p in finding.chosen) == sorted(expected)


def test_ranking_says_stale_and_refuses_empty_and_duplicate_feeds() -> None:
    probes = [_probe("https://a/old", age_days=400), _probe("https://a/empty", items=0),
              FeedProbe(FeedCandidate("https://a/feed", origin="guess"), outcome="ok", kind="rss",
                        items=2, moved_to="https://a/old")]
    verdicts = [p.verdict for p in rank(probes, "en", now=NOW).probes]
    assert verdicts[0] == "stale (newest 2025-10-28)"
    assert verdicts[1] == "empty" and verdicts[2] == "same feed as #1"


# -- every discovery request under the same rules (MockTransport, a stub resolver, fake time) --


def _mock_find(handler, target: Outlet, clock) -> tuple[object, list[httpx.Request]]:  # type: ignore[no-untyped-def]
    from fetch_web import public_resolver

    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def go():  # type: ignore[no-untyped-def]
        async with Clients(ClientOptions(user_agent="newscompare-test"),
                           transport=httpx.MockTransport(record), resolver=public_resolver) as clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent="newscompare-test"), clock=clock,
                              sleep=clock.sleep)
            return await Finder(fetcher, now=lambda: NOW).find(target)

    return asyncio.run(go()), seen


def test_feed_links_to_non_public_addresses_are_refused(clock) -> None:  # type: ignore[no-untyped-def]
    home = ('<html><head><link rel="alternate" type="application/rss+xml" '
            'href="http://169.254.169.254/latest/meta-data/">'
            '<link rel="alternate" type="application/rss+xml" href="http://10.0.0.5/rss">'
            '</head></html>')

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text=home, headers={"content-type": "text/html"})
        return httpx.Response(404)

    target = Outlet(id="o", name="O", homepage="https://news.example/", language="en",
                    country="GB", politeness=Politeness(min_delay=0))
    finding, seen = _mock_find(handler, target, clock)
    outcomes = {p.candidate.url: p.outcome for p in finding.probes}  # type: ignore[attr-defined]
    assert outcomes["http://169.254.169.254/latest/meta-data/"] == "blocked_address"
    assert outcomes["http://10.0.0.5/rss"] == "blocked_address"
    assert {r.url.host for r in seen} == {"news.example"}  # nothing else was ever asked


def test_discovery_keeps_the_hosts_delay_between_requests(clock) -> None:  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text="<html><body>hi</body></html>",
                                  headers={"content-type": "text/html"})
        return httpx.Response(404)

    target = Outlet(id="o", name="O", homepage="https://news.example/", language="en",
                    country="GB", politeness=Politeness(min_delay=5.0))
    finding, seen = _mock_find(handler, target, clock)
    assert not finding.ok  # type: ignore[attr-defined]
    assert len(seen) == 2 + len(cms_candidates("https://news.example/"))  # robots, home, guesses
    assert len(clock.sleeps) == len(seen) - 1 and all(s >= 5.0 for s in clock.sleeps)
    assert seen[0].headers["user-agent"] == "newscompare-test"


def test_plan_edit_gives_up_only_feeds_that_are_gone() -> None:
    from compare.fetch.checking import plan_edit

    def configured(url: str, outcome: str, status: int | None) -> FeedProbe:
        return FeedProbe(FeedCandidate(url, origin="configured"), outcome=outcome,
                         http_status=status)

    probes = [configured("https://a/gone", "http_error", 404),
              configured("https://a/busy", "http_error", 503),
              configured("https://a/slow", "timeout", None),
              configured("https://a/page", "not_html", 200),
              _probe("https://a/feed/", origin="guess")]
    edit = plan_edit(rank(probes, "en", now=NOW), today="2026-12-02")
    assert edit is not None
    assert edit.failed == (("https://a/gone", "2026-12-02: http_error 404"),
                           ("https://a/page", "2026-12-02: not_html"))
    assert [f.url for f in edit.added] == ["https://a/feed/"] and edit.verified_on == "2026-12-02"
    # Nothing works: the outlet is left as it was.
    assert plan_edit(rank(probes[:3], "en", now=NOW), today="2026-12-02") is None
