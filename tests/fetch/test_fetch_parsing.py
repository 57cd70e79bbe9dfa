"""Pure parts of the fetcher: URL canonicalisation, charsets, robots.txt rules, feeds, sitemaps."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from compare.errors import FetchError
from compare.fetch import (
    canonical_from_html,
    canonicalize_url,
    decode_body,
    parse_feed,
    parse_robots,
    parse_sitemap,
)
from compare.fetch.discover import select, sniff_feed_kind
from compare.models import Discovered, Outlet

# ----------------------------------------------------------------------------- canonical URLs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a/b", "http://example.com/a/b"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://e.com/a?utm_source=rss&utm_medium=x&id=7&fbclid=abc&gclid=1",
         "https://e.com/a?id=7"),
        ("https://e.com/a?b=2&a=1", "https://e.com/a?b=2&a=1"),  # order kept
        ("https://e.com/%7euser/%7Ea", "https://e.com/~user/~a"),
        ("https://e.com/a%2Fb", "https://e.com/a%2Fb"),
        ("https://e.com/caf\u00e9", "https://e.com/caf%C3%A9"),
        ("https://B\u00dcCHER.de/", "https://xn--bcher-kva.de/"),
        ("  https://e.com/x  ", "https://e.com/x"),
        ("http://[0:0:0:0:0:0:0:1]:8080/a", "http://[::1]:8080/a"),
        ("https://user:secret@e.com/a", "https://e.com/a"),
    ],
)
def test_canonicalize_url(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected
    assert canonicalize_url(expected) == expected  # idempotent


@pytest.mark.parametrize(
    "raw",
    ["ftp://e.com/x", "javascript:alert(1)", "mailto:a@b.c", "/relative", "http://", "http://a b/",
     "http://[::1", "http://e.com:99999/", "http://e.com:abc/", "http://%zz/", "http://[::g]/"],
)
def test_canonicalize_rejects(raw: str) -> None:
    with pytest.raises(FetchError) as info:
        canonicalize_url(raw)
    assert info.value.outcome == "invalid_url"


def test_canonicalize_resolves_relative_against_base() -> None:
    assert canonicalize_url("../b?utm_campaign=z", base="https://e.com/x/y/z") == "https://e.com/x/b"


def test_canonical_from_html() -> None:
    page = ('<html><head><link rel="stylesheet" href="/s.css">'
            '<LINK REL="Canonical" HREF="/story/1?utm_medium=rss"></head><body></body></html>')
    assert canonical_from_html(page, "https://e.com/amp/story/1") == "https://e.com/story/1"
    assert canonical_from_html("<html><head></head><body>x</body></html>", "https://e.com/") is None
    # a canonical link in the body does not count, nor a non-web one
    base = "https://e.com/"
    assert canonical_from_html('<body><link rel="canonical" href="/x"></body>', base) is None
    assert canonical_from_html('<head><link rel="canonical" href="ftp://e.com/x"></head>', base) is None


# ----------------------------------------------------------------------------- charsets

CYRILLIC = "Лачинский коридор открыт. Степанакерт."


def test_charset_from_header() -> None:
    decoded = decode_body(CYRILLIC.encode("koi8_r"), "text/html; charset=KOI8-R")
    assert (decoded.text, decoded.source) == (CYRILLIC, "header")


def test_charset_header_wrong_falls_back_to_meta() -> None:
    body = f'<meta charset="windows-1251"><p>{CYRILLIC}</p>'.encode("cp1251")
    decoded = decode_body(body, "text/html; charset=utf-8")  # a lie: not valid UTF-8
    assert decoded.source == "meta"
    assert CYRILLIC in decoded.text


def test_charset_http_equiv_meta() -> None:
    body = ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            "<p>Caf\u00e9 \u2019</p>").encode("cp1252")
    decoded = decode_body(body, "text/html")
    assert decoded.source == "meta"
    assert "Caf\u00e9 \u2019" in decoded.text  # iso-8859-1 read as windows-1252, like browsers


def test_charset_detected_without_declaration() -> None:
    text = ("<p>" + "Ереван и Баку договорились о границе. " * 20 + "</p>")
    decoded = decode_body(text.encode("cp1251"), None)
    assert decoded.source == "detected"
    assert "Ереван" in decoded.text


def test_charset_bom_wins() -> None:
    decoded = decode_body("\ufeff<p>é</p>".encode("utf-8"), "text/html; charset=latin-1")
    assert (decoded.text, decoded.encoding, decoded.source) == ("<p>é</p>", "utf-8", "bom")


# ----------------------------------------------------------------------------- robots.txt

ROBOTS = """
# comment
User-agent: *
Disallow: /private/
Allow: /private/ok
Disallow: /*?print=
Disallow: /*.pdf$
Crawl-delay: 3

User-agent: NewsCompare
User-agent: otherbot
Disallow: /nc-only/
Crawl-delay: 7

Sitemap: https://e.com/sitemap.xml
"""


def test_robots_longest_match_and_wildcards() -> None:
    rules = parse_robots(ROBOTS)
    ua = "somebot/1.0"
    assert not rules.allowed("https://e.com/private/x", ua)
    assert rules.allowed("https://e.com/private/ok/1", ua)  # longer allow beats shorter disallow
    assert not rules.allowed("https://e.com/a?print=1", ua)
    assert not rules.allowed("https://e.com/doc.pdf", ua)
    assert rules.allowed("https://e.com/doc.pdf?x=1", ua)  # $ anchors the end
    assert rules.allowed("https://e.com/robots.txt", ua)
    assert rules.crawl_delay(ua) == 3
    assert rules.sitemaps == ("https://e.com/sitemap.xml",)


def test_robots_specific_group_replaces_star() -> None:
    rules = parse_robots(ROBOTS)
    ua = "newscompare/0.1 (+https://example.org/contact)"
    assert rules.allowed("https://e.com/private/x", ua)  # the * group does not apply
    assert not rules.allowed("https://e.com/nc-only/a", ua)
    assert rules.crawl_delay(ua) == 7


def test_robots_allow_wins_a_tie_and_empty_disallow_allows() -> None:
    rules = parse_robots("User-agent: *\nDisallow: /a\nAllow: /a\n\nUser-agent: x\nDisallow:\n")
    assert rules.allowed("https://e.com/a", "bot")
    assert rules.allowed("https://e.com/anything", "x")


# ----------------------------------------------------------------------------- feeds and sitemaps

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://e.com/one?utm_source=rss</link>
<pubDate>Sun, 29 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>/two</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>A</title><link href="https://e.com/a"/><id>tag:e.com,2026:a</id>
<updated>2026-11-28T08:00:00Z</updated></entry></feed>"""


def test_parse_rss() -> None:
    found = parse_feed(RSS, url="https://e.com/feed", outlet_id="e")
    assert [d.url for d in found] == ["https://e.com/one", "https://e.com/two"]
    assert found[0].title == "One"
    assert found[0].published == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert found[0].via == "https://e.com/feed"


def test_parse_atom() -> None:
    found = parse_feed(ATOM, url="https://e.com/atom", outlet_id="e")
    assert [(d.url, d.published) for d in found] == [
        ("https://e.com/a", datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    ]


def test_parse_feed_rejects_html() -> None:
    with pytest.raises(FetchError):
        parse_feed(b"<html><body><p>We moved!</p></body>", url="https://e.com/feed", outlet_id="e")


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>https://e.com/n1</loc><news:news><news:publication><news:name>E</news:name>
   <news:language>en</news:language></news:publication>
   <news:publication_date>2026-11-29T09:30:00+04:00</news:publication_date>
   <news:title>Corridor reopened</news:title></news:news></url>
 <url><loc>https://e.com/n2</loc><lastmod>2026-11-27</lastmod></url>
 <url><loc>mailto:x@e.com</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 <sitemap><loc>https://e.com/sm-2026-10.xml</loc><lastmod>2026-10-31</lastmod></sitemap>
 <sitemap><loc>https://e.com/sm-2026-11.xml.gz</loc><lastmod>2026-11-29</lastmod></sitemap>
</sitemapindex>"""


def test_parse_news_sitemap() -> None:
    page = parse_sitemap(NEWS_SITEMAP, url="https://e.com/news.xml", outlet_id="e")
    assert page.sitemaps == ()
    assert [d.url for d in page.articles] == ["https://e.com/n1", "https://e.com/n2"]
    assert page.articles[0].title == "Corridor reopened"
    assert page.articles[0].published == datetime(2026, 11, 29, 5, 30, tzinfo=UTC)
    assert page.articles[1].published == datetime(2026, 11, 27, tzinfo=UTC)


def test_parse_sitemap_index_newest_first_and_gzip() -> None:
    page = parse_sitemap(gzip.compress(INDEX), url="https://e.com/index.xml", outlet_id="e")
    assert page.articles == ()
    assert page.sitemaps == ("https://e.com/sm-2026-11.xml.gz", "https://e.com/sm-2026-10.xml")


def test_parse_sitemap_rejects_other_xml() -> None:
    with pytest.raises(FetchError):
        parse_sitemap(RSS, url="https://e.com/s.xml", outlet_id="e")
    with pytest.raises(FetchError):
        parse_sitemap(b"<html><body>", url="https://e.com/s.xml", outlet_id="e")


def test_sniff_feed_kind() -> None:
    assert sniff_feed_kind(INDEX) == "sitemap"
    assert sniff_feed_kind(gzip.compress(NEWS_SITEMAP)) == "sitemap"
    assert sniff_feed_kind(RSS) == "rss"
    assert sniff_feed_kind(ATOM) == "rss"


def test_select_include_exclude_dedupe_newest_first() -> None:
    outlet = Outlet(id="e", name="E", homepage="https://e.com/", language="en", country="AZ",
                    include=(r"/news/",), exclude=(r"/news/live-",))
    day = lambda d: datetime(2026, 11, d, tzinfo=UTC)  # noqa: E731
    found = [
        Discovered("https://e.com/news/a", "e", via="f", published=day(27)),
        Discovered("https://e.com/sport/b", "e", via="f", published=day(29)),
        Discovered("https://e.com/news/live-c", "e", via="f"),
        Discovered("https://e.com/news/d", "e", via="f"),
        Discovered("https://e.com/news/e", "e", via="f", published=day(28)),
        Discovered("https://e.com/news/a", "e", via="g"),
    ]
    seen = {"https://e.com/news/e"}  # taken by another outlet earlier in the run
    chosen = select(found, outlet, seen=seen)
    assert [d.url for d in chosen] == ["https://e.com/news/a", "https://e.com/news/d"]
    assert "https://e.com/news/d" in seen
