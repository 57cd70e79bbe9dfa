"""Discovery: article URLs from RSS/Atom feeds, XML sitemaps (index, news) and given lists.

Parsing only: the bytes come from the fetcher. Feeds are read with feedparser, which copes with
the many broken feeds in the wild; sitemaps with the standard library's XML parser (expat, which
refuses entity expansion bombs), gzipped or not. Each parser returns :class:`Discovered` records
with canonical URLs; :func:`select` applies an outlet's include/exclude regexes, de-duplicates
and keeps the newest first.

Each parse is bounded: a feed is read up to :data:`MAX_FEED_ITEMS` entries (feedparser spends
milliseconds per entry, so a 100,000-item feed would take minutes; the rest is cut off before
feedparser sees it), a sitemap up to :data:`MAX_SITEMAP_URLS` URLs (the sitemaps.org limit),
read incrementally. The fetch run calls these in a worker thread, under a time limit.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time

from compare.errors import FetchError
from compare.models import Discovered, Outlet
from compare.urls import canonicalize_url

__all__ = [
    "MAX_FEED_ITEMS",
    "MAX_SITEMAP_URLS",
    "FeedDocument",
    "SitemapPage",
    "cap_feed_items",
    "parse_feed",
    "parse_sitemap",
    "read_feed",
    "select",
    "sniff_feed_kind",
]

logger = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed sitemap
#: Entries of one feed that are read; news feeds list tens, the largest a few hundred.
MAX_FEED_ITEMS = 500
#: URLs of one sitemap that are read (the sitemaps.org limit per file).
MAX_SITEMAP_URLS = 50_000
_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_FEED_CLOSERS = {b"entry": b"</feed>", b"item": b"</channel></rss>"}


@dataclass(frozen=True)
class SitemapPage:
    """What one sitemap document lists: article URLs, and child sitemaps when it is an index."""

    articles: tuple[Discovered, ...]
    sitemaps: tuple[str, ...]
    language: str | None = None
    """The ``<news:language>`` most of a news sitemap's entries give, if any."""
    news: bool = False
    """Some entry carries a ``<news:news>`` block: a Google News sitemap."""


@dataclass(frozen=True)
class FeedDocument:
    """An RSS or Atom feed: its articles, in feed order, and what the feed says of itself."""

    articles: tuple[Discovered, ...]
    title: str | None = None
    language: str | None = None
    """The feed's ``<language>`` (RSS) or ``xml:lang`` (Atom), e.g. ``en-us``."""
    version: str = ""
    """feedparser's name of the format: ``rss20``, ``atom10`` …"""


def _as_datetime(value: struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def cap_feed_items(body: bytes, limit: int = MAX_FEED_ITEMS) -> tuple[bytes, bool]:
    """The feed cut after its ``limit``-th entry (and closed again), and whether it was cut.

    A regular-expression scan for the ends of ``<item>`` / ``<entry>`` elements costs
    milliseconds on megabytes; feedparser then reads only what is kept.
    """
    for count, match in enumerate(_ITEM_END.finditer(body), start=1):
        if count == limit:
            end = match.end()
            if _ITEM_END.search(body, end) is None:
                return body, False
            local = match.group(0).lower().split(b":")[-1].strip(b"</> \t\r\n")
            tail = _FEED_CLOSERS.get(local, b"")
            if b"rdf:rdf" in body[:4096].lower():
                tail = b"</rdf:RDF>"
            return body[:end] + tail, True
    return body, False


def parse_feed(body: bytes, *, url: str, outlet_id: str) -> list[Discovered]:
    """Article links of an RSS or Atom feed, in feed order. Entries without a usable link are dropped.

    Only the first :data:`MAX_FEED_ITEMS` entries are read. Raises :class:`FetchError` when the
    body is not a feed at all (feedparser found no entries and no feed element), so a moved feed
    that now serves an HTML page is reported, not ignored.
    """
    return list(read_feed(body, url=url, outlet_id=outlet_id).articles)


def read_feed(body: bytes, *, url: str, outlet_id: str) -> FeedDocument:
    """:func:`parse_feed`, with the feed's own title and language."""
    import feedparser

    body, cut = cap_feed_items(body)
    if cut:
        logger.warning("feed %s lists more than %d entries; reading the first %d", url,
                       MAX_FEED_ITEMS, MAX_FEED_ITEMS)
    parsed = feedparser.parse(body, response_headers={"content-location": url},
                              sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):  # version is "" for non-feeds
        raise FetchError(
            f"not a feed: {parsed.get('bozo_exception')}", url=url, outlet=outlet_id,
            outcome="not_html",
        )
    found: list[Discovered] = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link:
            continue
        try:
            canonical = canonicalize_url(link, base=url)
        except FetchError:
            logger.debug("feed %s: skipping unusable link %r", url, link)
            continue
        published = _as_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
        title = entry.get("title")
        found.append(Discovered(canonical, outlet_id, via=url, title=title or None,
                                published=published))
    meta = parsed.get("feed", {})
    language = meta.get("language") or None
    return FeedDocument(tuple(found), title=meta.get("title") or None,
                        language=str(language).strip().lower() if language else None,
                        version=str(parsed.get("version") or ""))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _parse_w3c_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ungzip(body: bytes, url: str) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
            data = handle.read(MAX_SITEMAP_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise FetchError(f"broken gzip sitemap: {exc}", url=url, outcome="http_error") from exc
    if len(data) > MAX_SITEMAP_BYTES:
        raise FetchError("sitemap larger than 50 MB uncompressed", url=url, outcome="too_large")
    return data


def parse_sitemap(body: bytes, *, url: str, outlet_id: str) -> SitemapPage:
    """The URLs of a sitemap, a sitemap index or a Google News sitemap (gzipped or not).

    A ``<news:news>`` block supplies the title and publication date; otherwise ``<lastmod>``
    stands in for the date. Raises :class:`FetchError` when the body is not sitemap XML.
    """
    data = _ungzip(body, url)
    articles: list[Discovered] = []
    children: list[Discovered] = []
    languages: Counter[str] = Counter()
    news = False
    for item in _sitemap_entries(data, url=url, outlet_id=outlet_id):
        name = _local(item.tag)
        loc = None
        for child in item:
            if _local(child.tag) == "loc" and child.text:
                loc = child.text.strip()
                break
        if not loc:
            continue
        try:
            canonical = canonicalize_url(loc, base=url)
        except FetchError:
            logger.debug("sitemap %s: skipping unusable loc %r", url, loc)
            continue
        if name == "sitemap":
            children.append(Discovered(canonical, outlet_id, via=url,
                                       published=_parse_w3c_date(_child_text(item, "lastmod"))))
        elif name == "url":
            published = _parse_w3c_date(_child_text(item, "publication_date"))
            if published is None:
                published = _parse_w3c_date(_child_text(item, "lastmod"))
            title = _child_text(item, "title")
            language = _child_text(item, "language")
            if language:
                languages[language.lower()] += 1
            news = news or any(_local(child.tag) == "news" for child in item)
            articles.append(Discovered(canonical, outlet_id, via=url, title=title,
                                       published=published))
    # Indexes of news sites list one sitemap per day or month: read the newest first.
    language = languages.most_common(1)[0][0] if languages else None
    return SitemapPage(tuple(articles), tuple(c.url for c in _newest_first(children)),
                       language=language, news=news)


def _sitemap_entries(data: bytes, *, url: str, outlet_id: str) -> Iterable[ET.Element]:
    """The ``<url>`` / ``<sitemap>`` elements of a sitemap, read in chunks, at most
    :data:`MAX_SITEMAP_URLS` of them; each is cleared once read, so memory stays flat."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    read = 0
    root: ET.Element | None = None
    try:
        for start in range(0, max(len(data), 1), 64 * 1024):
            parser.feed(data[start : start + 64 * 1024])
            for item in parser.read_events():
                event, element = item[0], item[-1]
                if not isinstance(element, ET.Element):
                    continue
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        if _local(root.tag) not in ("urlset", "sitemapindex"):
                            raise FetchError(f"not a sitemap: root element <{_local(root.tag)}>",
                                             url=url, outlet=outlet_id, outcome="not_html")
                    continue
                depth -= 1
                if depth == 1 and root is not None:
                    yield element
                    root.remove(element)
                    read += 1
                    if read >= MAX_SITEMAP_URLS:
                        logger.warning("sitemap %s lists more than %d URLs; reading the first %d",
                                       url, MAX_SITEMAP_URLS, MAX_SITEMAP_URLS)
                        return
        parser.close()
    except ET.ParseError as exc:
        raise FetchError(f"not sitemap XML: {exc}", url=url, outlet=outlet_id,
                         outcome="not_html") from exc
    if root is None:
        raise FetchError("not sitemap XML: no element", url=url, outlet=outlet_id,
                         outcome="not_html")


def sniff_feed_kind(body: bytes) -> str:
    """``sitemap`` when the body is a sitemap (or gzip), else ``rss`` (feedparser reads Atom too)."""
    head = body[:2048].lstrip()
    if head.startswith(b"\x1f\x8b") or re.search(rb"<(\w+:)?(urlset|sitemapindex)\b", head):
        return "sitemap"
    return "rss"


def _compiled(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def select(
    found: Sequence[Discovered], outlet: Outlet, *, seen: set[str] | None = None
) -> list[Discovered]:
    """The outlet's articles to fetch: include/exclude applied, duplicates dropped, newest first.

    ``include`` regexes: when given, a URL must match one. ``exclude``: a URL matching any is
    dropped. ``seen`` (URLs already taken in this run, by any outlet) is updated in place.
    Records with a date come first, newest first; undated ones keep their discovery order.
    """
    include = _compiled(outlet.include)
    exclude = _compiled(outlet.exclude)
    taken = seen if seen is not None else set()
    kept: list[Discovered] = []
    for item in found:
        if item.url in taken:
            continue
        if include and not any(p.search(item.url) for p in include):
            continue
        if any(p.search(item.url) for p in exclude):
            continue
        taken.add(item.url)
        kept.append(item)
    return _newest_first(kept)


def _newest_first(items: Sequence[Discovered]) -> list[Discovered]:
    dated = [(d.published, d) for d in items if d.published is not None]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [d for _, d in dated] + [d for d in items if d.published is None]
