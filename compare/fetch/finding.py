"""Finding an outlet's feeds from its homepage, the way a careful person would.

:class:`Finder` looks in order, and stops as soon as a step found an article feed that works:

1. the outlet's configured feeds (``sources check``; the nightly run has tried them already);
2. the homepage: ``<link rel="alternate">`` RSS/Atom links and links to feeds in its text; when
   it gives none that works, a few of its section pages (:attr:`FinderOptions.max_sections`);
3. the ``Sitemap:`` lines of the host's robots.txt (news sitemaps, sitemap indexes);
4. the paths common content-management systems serve (:data:`CMS_PATHS`: WordPress ``/feed/``,
   Drupal ``/rss.xml``, Yoast's ``/sitemap_index.xml``, ``/news-sitemap.xml`` …), under the
   homepage's path too when it has one (``https://apa.az/en`` → ``/en/rss``).

Every request goes through the run's :class:`~compare.fetch.fetcher.Fetcher`: the same client,
address policy, robots.txt rules and per-host politeness as any other fetch. Each candidate is
read (:class:`~compare.fetch.ranking.FeedProbe`: outcome, items, newest item, language, a
comments feed or not, where a 301 moved it) and ranked by :mod:`compare.fetch.ranking`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from compare.charset import decode_body
from compare.errors import FetchError
from compare.fetch.discover import parse_sitemap, read_feed, sniff_feed_kind
from compare.fetch.fetcher import Fetcher
from compare.fetch.ranking import FeedCandidate, FeedProbe, Finding, rank
from compare.models import Discovered, FetchResult, Outcome, Outlet
from compare.urls import canonicalize_url

__all__ = ["CMS_PATHS", "Finder", "FinderOptions", "scan_homepage"]

logger = logging.getLogger(__name__)

#: Feed and sitemap paths of common CMSs and news sites, most telling first.
CMS_PATHS = (
    "/feed/",             # WordPress
    "/rss.xml",           # Drupal
    "/feed",
    "/rss",
    "/rss/",
    "/atom.xml",
    "/index.xml",         # Hugo
    "/feeds/posts/default",  # Blogger
    "/news-sitemap.xml",
    "/sitemap_news.xml",
    "/sitemap_index.xml",  # Yoast
    "/sitemap.xml",
)
_FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rss",
    "application/feed+json": "json",
    "application/xml": "rss",
    "text/xml": "rss",
}
_FEEDISH_ENDINGS = ("/feed", "/feed/", "/rss", "/rss/", ".rss", "/rss.xml", "/atom.xml",
                    "/atom", "feed.xml")
_HTML_LIMIT = 2 * 1024 * 1024

Parse = Callable[..., Awaitable[Any]]
"""``await parse(parser, body, url=…, outlet_id=…)``: run a parser (in a worker thread)."""


@dataclass(frozen=True)
class FinderOptions:
    """How far discovery looks for one outlet."""

    max_sections: int = 3
    """Section pages of the homepage read when the homepage itself links no working feed."""
    max_candidates: int = 12
    """Feed URLs found in pages (links, robots.txt) that are tried, at most."""
    max_children: int = 3
    """Child sitemaps of a sitemap index that are read (the newest first)."""
    cms_paths: tuple[str, ...] = CMS_PATHS


@dataclass(frozen=True)
class _Page:
    """What the links of an HTML page say: feeds, section pages and the page's language."""

    feeds: tuple[FeedCandidate, ...]
    sections: tuple[str, ...]
    language: str | None


class _LinkScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.alternates: list[dict[str, str]] = []
        self.anchors: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.lang = values["lang"].lower()
        elif tag == "link" and "alternate" in values.get("rel", "").lower().split():
            self.alternates.append(values)
        elif tag == "a" and values.get("href"):
            self.anchors.append(values["href"])


def _same_site(url: str, base: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host == (urlsplit(base).hostname or "").removeprefix("www.")


def scan_homepage(html: str, *, url: str, max_sections: int = 3) -> _Page:
    """The feeds an HTML page links to, its first section pages, and its ``<html lang>``.

    Feeds: ``<link rel="alternate">`` of a feed type (RSS, Atom), then ``<a href>`` whose path
    looks like a feed (``/feed/``, ``.rss``, ``/rss.xml`` …). Section pages: links on the same
    site one path segment deep (``/politics/``), or two under ``/category/`` or ``/section/``.
    """
    scanner = _LinkScanner()
    try:
        scanner.feed(html[:_HTML_LIMIT])
        scanner.close()
    except Exception as exc:  # html.parser copes with nearly anything; never stop a run on a page
        logger.debug("%s: HTML scan stopped: %s", url, exc)
    feeds: list[FeedCandidate] = []
    for link in scanner.alternates:
        kind = _FEED_TYPES.get(link.get("type", "").split(";")[0].strip().lower())
        href = link.get("href")
        if kind is None or kind == "json" or not href:
            continue
        absolute = _absolute(href, url)
        if absolute is not None:
            feeds.append(FeedCandidate(absolute, origin="link", title=link.get("title") or None,
                                       language=(link.get("hreflang") or None)))
    sections: list[str] = []
    for href in scanner.anchors:
        absolute = _absolute(href, url)
        if absolute is None or not _same_site(absolute, url):
            continue
        path = urlsplit(absolute).path.lower()
        if path.endswith(_FEEDISH_ENDINGS):
            feeds.append(FeedCandidate(absolute, origin="link"))
        elif _is_section(path) and absolute not in sections and absolute != _absolute("/", url):
            sections.append(absolute)
    return _Page(tuple(_unique(feeds)), tuple(sections[:max_sections]), scanner.lang)


def _is_section(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if len(parts) == 1:
        return "." not in parts[0] and not parts[0].isdigit()
    return len(parts) == 2 and parts[0] in ("category", "section", "sections", "topic", "rubric")


def _absolute(href: str, base: str) -> str | None:
    try:
        return canonicalize_url(href, base=base)
    except FetchError:
        return None


def _unique(candidates: Iterable[FeedCandidate]) -> list[FeedCandidate]:
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c.url not in seen:
            seen.add(c.url)
            out.append(c)
    return out


def cms_candidates(homepage: str, paths: Sequence[str] = CMS_PATHS) -> list[FeedCandidate]:
    """The common CMS paths on the homepage's host, under its first path segment first."""
    parts = urlsplit(homepage)
    origin = f"{parts.scheme}://{parts.netloc}"
    prefix = "/" + parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
    urls = [origin + prefix + p for p in paths] if prefix else []
    urls += [origin + p for p in paths]
    return _unique(FeedCandidate(u, origin="guess") for u in urls if _absolute(u, u))


async def _plain_parse(parser: Callable[..., Any], body: bytes, *, url: str, outlet_id: str) -> Any:
    return await asyncio.to_thread(parser, body, url=url, outlet_id=outlet_id)


class Finder:
    """Finds and ranks the feeds of outlets, through one run's :class:`Fetcher`."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        options: FinderOptions | None = None,
        parse: Parse | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.options = options or FinderOptions()
        self.parse = parse or _plain_parse
        self.now = now or (lambda: datetime.now(UTC))

    async def find(
        self, outlet: Outlet, *, configured: Sequence[FeedCandidate] = (),
        skip: Iterable[str] = (),
    ) -> Finding:
        """Probe ``configured`` candidates, then discover (steps 2–4 of the module docstring)
        until some article feed works. ``skip``: URLs already read in this run."""
        probes: list[FeedProbe] = []
        tried = set(skip)

        async def probe_all(candidates: Iterable[FeedCandidate], limit: int, *,
                            each: bool = False) -> bool:
            """Probe ``candidates``; ``each``: stop at the first that makes a working feed."""
            fresh = [c for c in candidates if c.url not in tried][:limit]
            for candidate in fresh:
                tried.add(candidate.url)
                probes.append(await self.probe(outlet, candidate))
                if each and rank(probes, outlet.language, now=self.now()).found_feed:
                    return True
            return rank(probes, outlet.language, now=self.now()).found_feed

        if await probe_all(configured, len(configured)):
            return self._done(outlet, probes, discovered=False)
        if not outlet.homepage:
            return self._done(outlet, probes, discovered=True)
        home, page = await self.read_page(outlet, outlet.homepage)
        if not home.outcome.readable and home.outcome is not Outcome.HTTP_ERROR:
            return self._done(outlet, probes, home=home)  # the host is down, refused or blocked
        if page is not None:
            if await probe_all(page.feeds, self.options.max_candidates):
                return self._done(outlet, probes, home=home)
            for section in page.sections:
                _, inner = await self.read_page(outlet, section)
                if inner is not None and await probe_all(inner.feeds, self.options.max_candidates):
                    return self._done(outlet, probes, home=home)
        rules = await self.fetcher.robots_for(outlet.homepage, outlet.politeness,
                                              allow_private=outlet.allow_private_addresses)
        robots = _unique(FeedCandidate(u, origin="robots") for u in rules.sitemaps
                         if _absolute(u, u) and _same_site(u, outlet.homepage))
        if await probe_all([replace(c, url=_absolute(c.url, c.url) or c.url) for c in robots],
                           self.options.max_candidates):
            return self._done(outlet, probes, home=home)
        await probe_all(cms_candidates(outlet.homepage, self.options.cms_paths),
                        len(self.options.cms_paths) * 2, each=True)  # guesses: no more than needed
        return self._done(outlet, probes, home=home)

    def _done(self, outlet: Outlet, probes: Sequence[FeedProbe], *, discovered: bool = True,
              home: FetchResult | None = None) -> Finding:
        finding = rank(probes, outlet.language, now=self.now())
        return replace(finding, outlet_id=outlet.id, discovered=discovered, home=home)

    async def read_page(self, outlet: Outlet, url: str) -> tuple[FetchResult, _Page | None]:
        """Fetch an HTML page of the outlet and scan its links (``None`` when it failed)."""
        result = await self.fetcher.fetch(url, outlet_id=outlet.id, politeness=outlet.politeness,
                                          kind="article",
                                          allow_private=outlet.allow_private_addresses)
        if result.outcome is not Outcome.OK or result.snapshot is None:
            logger.info("%s: %s could not be read for discovery (%s)", outlet.id, url,
                        result.outcome.value)
            return result, None
        snap = result.snapshot
        text = decode_body(snap.body, snap.content_type).text
        page = scan_homepage(text, url=snap.final_url or url,
                             max_sections=self.options.max_sections)
        if page.language:  # links without hreflang speak the page's language
            feeds = tuple(c if c.language else replace(c, language=page.language)
                          for c in page.feeds)
            page = replace(page, feeds=feeds)
        return result, page

    async def probe(self, outlet: Outlet, candidate: FeedCandidate) -> FeedProbe:
        """Fetch one candidate and read it as a feed or sitemap (an index: a few children)."""
        result = await self.fetcher.fetch(candidate.url, outlet_id=outlet.id,
                                          politeness=outlet.politeness, kind="feed",
                                          allow_private=outlet.allow_private_addresses)
        base = FeedProbe(candidate=candidate, outcome=result.outcome.value,
                         http_status=result.http_status, moved_to=result.moved_to,
                         error=result.error, results=(result,))
        if result.outcome is not Outcome.OK or result.snapshot is None:
            return base
        body = result.snapshot.body
        url = result.moved_to or candidate.url
        try:
            if sniff_feed_kind(body) == "sitemap":
                return await self._probe_sitemap(outlet, base, body, url)
            doc = await self.parse(read_feed, body, url=url, outlet_id=outlet.id)
        except FetchError as exc:
            failed = replace(result, outcome=Outcome(exc.outcome or "not_html"), error=exc.message)
            return replace(base, outcome=failed.outcome.value, error=exc.message,
                           results=(failed,))
        kind = "atom" if doc.version.startswith("atom") else "rss"
        return replace(base, kind=kind, items=len(doc.articles), newest=_newest(doc.articles),
                       language=doc.language or candidate.language, title=doc.title,
                       articles=doc.articles)

    async def _probe_sitemap(self, outlet: Outlet, base: FeedProbe, body: bytes,
                             url: str) -> FeedProbe:
        page = await self.parse(parse_sitemap, body, url=url, outlet_id=outlet.id)
        first = replace(base.results[0], kind="sitemap")
        articles = list(page.articles)
        results = [first]
        news, language = page.news, page.language
        for child in page.sitemaps[: self.options.max_children]:
            got = await self.fetcher.fetch(child, outlet_id=outlet.id,
                                           politeness=outlet.politeness, kind="feed",
                                           allow_private=outlet.allow_private_addresses)
            got = replace(got, kind="sitemap")
            if got.outcome is Outcome.OK and got.snapshot is not None:
                try:
                    inner = await self.parse(parse_sitemap, got.snapshot.body, url=child,
                                             outlet_id=outlet.id)
                except FetchError as exc:
                    got = replace(got, outcome=Outcome(exc.outcome or "not_html"),
                                  error=exc.message)
                else:
                    articles.extend(inner.articles)
                    news = news or inner.news
                    language = language or inner.language
            results.append(got)
        kind = "news-sitemap" if news else "sitemap"
        return replace(base, kind=kind, items=len(articles), newest=_newest(articles),
                       language=language or base.candidate.language, articles=tuple(articles),
                       results=tuple(results), index=bool(page.sitemaps))


def _newest(articles: Iterable[Discovered]) -> datetime | None:
    dates = [a.published for a in articles if a.published is not None]
    return max(dates) if dates else None
