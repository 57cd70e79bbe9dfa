"""Outlets on 127.0.0.11–.17 built the way real news sites are, for feed discovery tests.

Each site copies the structure of a real publishing system, dates relative to now:

- ``harbour-post`` (WordPress): ``<link rel="alternate">`` to the comments feed *first*, then
  the posts feed at ``/feed/``; ``/feed`` answers 301 to ``/feed/``; ``/comments/feed/`` lists
  ``#comment-`` links; posts at ``/2026/12/01/slug/``.
- ``valley-courier`` (Drupal): no feed link on the front page, which links its ``/news``
  section; the section page links ``/rss.xml``; articles at ``/node/N``.
- ``capital-wire``: no feed anywhere; robots.txt lists a Google News sitemap
  (``/sitemap-news.xml``) and a full sitemap of years of pages.
- ``river-times``: its old feed ``/rss/news.xml`` moved with a 301 to ``/feeds/latest.xml``;
  the front page template still links the old address.
- ``plains-daily``: only a Yoast sitemap index at ``/sitemap_index.xml`` (post and page
  sitemaps); no feed, no robots.txt.
- ``border-herald``: an English and a Russian edition; the English homepage ``/en/`` links the
  Russian Atom feed first (``hreflang="ru"``), then the English RSS feed.
- ``quiet-gazette``: a homepage and nothing else: no feed can be found.

Run as a script to serve the web and write a sources file with homepages only::

    python tests/fetch/cms_web.py --sources /tmp/cms-sources.yaml
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_web import LoopbackWeb, html, redirect, start, stop

SITES = ("harbour-post", "valley-courier", "capital-wire", "river-times", "plains-daily",
         "border-herald", "quiet-gazette")
HOSTS = tuple(f"127.0.0.{11 + i}" for i in range(len(SITES)))
NAMES = {"harbour-post": "Harbour Post", "valley-courier": "Valley Courier",
         "capital-wire": "Capital Wire", "river-times": "River Times",
         "plains-daily": "Plains Daily", "border-herald": "Border Herald",
         "quiet-gazette": "Quiet Gazette"}
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"

STORIES = (
    ("Water talks resume in Geneva after a month of delays",
     "Negotiators from both countries returned to Geneva on Monday to resume talks on sharing the "
     "river's water, after a month of delays over the agenda. The mediator said both delegations "
     "had agreed to discuss the summer quotas first and the new dam later in the week."),
    ("Port workers end a three-day strike over night shifts",
     "Dock workers at the northern port ended a three-day strike on Tuesday after the operator "
     "agreed to limit night shifts to four a month. Forty ships had waited at anchor, and the "
     "union said the agreement would be put to a vote of its members on Friday."),
    ("Grain prices fall as the harvest beats forecasts",
     "Wholesale grain prices fell for the second week as farmers reported a harvest well above "
     "the ministry's forecast. Traders said export contracts signed in the spring would be met, "
     "and the agriculture minister said storage capacity would be expanded before winter."),
)


def _slug(title: str) -> str:
    return "-".join(w.lower().strip(",.") for w in title.split()[:6])


@dataclass(frozen=True)
class Item:
    path: str
    title: str
    published: datetime
    text: str


def article_page(item: Item, site: str) -> str:
    body = "".join(f"<p>{escape(item.text)} {escape(NAMES[site])} reported.</p>" for _ in range(3))
    return (f"<!doctype html><html lang=\"en\"><head><title>{escape(item.title)}</title>"
            f"<meta property=\"article:published_time\" content=\"{item.published.isoformat()}\">"
            f"</head><body><article><h1>{escape(item.title)}</h1>{body}</article></body></html>")


def rss(title: str, link: str, items: list[tuple[str, str, datetime]], *,
        language: str | None = "en-US") -> bytes:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
        f"<pubDate>{format_datetime(d)}</pubDate></item>" for u, t, d in items
    )
    lang = f"<language>{language}</language>" if language else ""
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{escape(title)}</title><link>{escape(link)}</link>{lang}{entries}"
            f"</channel></rss>").encode()


def atom(title: str, link: str, items: list[tuple[str, str, datetime]], *, language: str) -> bytes:
    entries = "".join(
        f"<entry><title>{escape(t)}</title><link href=\"{escape(u)}\"/><id>{escape(u)}</id>"
        f"<updated>{d.isoformat()}</updated></entry>" for u, t, d in items
    )
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" "
            f"xml:lang=\"{language}\"><title>{escape(title)}</title><link href=\"{escape(link)}\"/>"
            f"<id>{escape(link)}</id><updated>{items[0][2].isoformat()}</updated>{entries}</feed>"
            ).encode()


def urlset(entries: list[tuple[str, datetime]], *, news: str | None = None) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    out = []
    for url, when in entries:
        block = ""
        if news:
            block = (f"<news:news><news:publication><news:name>{news}</news:name>"
                     f"<news:language>en</news:language></news:publication>"
                     f"<news:publication_date>{when.isoformat()}</news:publication_date>"
                     f"<news:title>{escape(url.rsplit('/', 2)[-2])}</news:title></news:news>")
        out.append(f"<url><loc>{escape(url)}</loc><lastmod>{when.date().isoformat()}</lastmod>"
                   f"{block}</url>")
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset "
            f"xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"{ns}>{''.join(out)}</urlset>"
            ).encode()


def homepage(title: str, head: str = "", body: str = "", lang: str = "en") -> str:
    return (f"<!doctype html><html lang=\"{lang}\"><head><title>{escape(title)}</title>{head}"
            f"</head><body><header><a href=\"/\">Home</a></header>{body}</body></html>")


@dataclass
class CmsWeb:
    """The seven sites, served on loopback while the context is open."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    web: LoopbackWeb = field(default_factory=LoopbackWeb)

    def __enter__(self) -> CmsWeb:
        start(self.web, HOSTS)
        for i, site in enumerate(SITES):
            getattr(self, "_" + site.replace("-", "_"))(i)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.web)

    def base(self, site: str) -> str:
        return self.web.base(SITES.index(site))

    def homepage_of(self, site: str) -> str:
        return self.base(site) + ("/en/" if site == "border-herald" else "/")

    def hits(self, site: str) -> list[str]:
        base = self.base(site)
        return [h.path for h in self.web.hits if h.host == base]

    def items(self, i: int, pattern: str, hours: float = 3.0) -> list[Item]:
        made = []
        for n, (title, text) in enumerate(STORIES):
            when = (self.now - timedelta(hours=hours * (n + 1))).replace(microsecond=0)
            path = pattern.format(n=n + 1, slug=_slug(title), date=when.strftime("%Y/%m/%d"))
            made.append(Item(path, title, when, text))
        return made

    def _articles(self, i: int, site: str, items: list[Item]) -> list[tuple[str, str, datetime]]:
        base = self.web.base(i)
        for item in items:
            self.web.route(i, item.path, html(article_page(item, site)))
        return [(base + it.path, it.title, it.published) for it in items]

    # -- the sites ---------------------------------------------------------------------------

    def _harbour_post(self, i: int) -> None:
        base = self.web.base(i)
        entries = self._articles(i, "harbour-post", self.items(i, "/{date}/{slug}/"))
        head = (f'<link rel="alternate" type="application/rss+xml" title="Harbour Post &raquo; '
                f'Comments Feed" href="{base}/comments/feed/">'
                f'<link rel="alternate" type="application/rss+xml" title="Harbour Post &raquo; Feed"'
                f' href="{base}/feed/">')
        self.web.route(i, "/", html(homepage("Harbour Post", head)))
        self.web.route(i, "/feed/", html(rss("Harbour Post", base + "/", entries), content_type=RSS))
        self.web.route(i, "/feed", redirect(base + "/feed/", 301))
        comments = [(u + "#comment-" + str(n), "Comment on " + t, d)
                    for n, (u, t, d) in enumerate(entries, start=10)]
        self.web.route(i, "/comments/feed/", html(rss("Comments for Harbour Post", base + "/",
                                                      comments), content_type=RSS))

    def _valley_courier(self, i: int) -> None:
        entries = self._articles(i, "valley-courier", self.items(i, "/node/{n}"))
        base = self.web.base(i)
        self.web.route(i, "/", html(homepage("Valley Courier", body='<a href="/news">News</a>'
                                             '<a href="/node/1">Read</a>')))
        section_head = ('<link rel="alternate" type="application/rss+xml" '
                        'title="Valley Courier RSS" href="/rss.xml">')
        self.web.route(i, "/news", html(homepage("News | Valley Courier", section_head)))
        self.web.route(i, "/rss.xml", html(rss("Valley Courier", base + "/", entries,
                                               language="en"), content_type=RSS))

    def _capital_wire(self, i: int) -> None:
        base = self.web.base(i)
        entries = self._articles(i, "capital-wire", self.items(i, "/news/{slug}/"))
        robots = (f"User-agent: *\nDisallow: /search\n\nSitemap: {base}/sitemap-news.xml\n"
                  f"Sitemap: {base}/sitemap.xml\n")
        self.web.route(i, "/robots.txt", html(robots, content_type="text/plain"))
        self.web.route(i, "/", html(homepage("Capital Wire")))
        self.web.route(i, "/sitemap-news.xml", html(urlset([(u, d) for u, _, d in entries],
                                                           news="Capital Wire"), content_type=XML))
        old = [(f"{base}/archive/{n}/", self.now - timedelta(days=400 + n)) for n in range(40)]
        self.web.route(i, "/sitemap.xml", html(urlset(old), content_type=XML))

    def _river_times(self, i: int) -> None:
        base = self.web.base(i)
        entries = self._articles(i, "river-times", self.items(i, "/stories/{n}-{slug}"))
        head = (f'<link rel="alternate" type="application/rss+xml" title="River Times" '
                f'href="{base}/rss/news.xml">')
        self.web.route(i, "/", html(homepage("River Times", head)))
        self.web.route(i, "/rss/news.xml", redirect(base + "/feeds/latest.xml", 301))
        self.web.route(i, "/feeds/latest.xml", html(rss("River Times", base + "/", entries),
                                                    content_type=RSS))

    def _plains_daily(self, i: int) -> None:
        base = self.web.base(i)
        entries = self._articles(i, "plains-daily", self.items(i, "/{slug}/"))
        index = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sitemapindex "
                 f"xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
                 f"<sitemap><loc>{base}/post-sitemap.xml</loc>"
                 f"<lastmod>{self.now.isoformat()}</lastmod></sitemap>"
                 f"<sitemap><loc>{base}/page-sitemap.xml</loc>"
                 f"<lastmod>{(self.now - timedelta(days=90)).isoformat()}</lastmod></sitemap>"
                 f"</sitemapindex>").encode()
        self.web.route(i, "/", html(homepage("Plains Daily")))
        self.web.route(i, "/sitemap_index.xml", html(index, content_type=XML))
        self.web.route(i, "/post-sitemap.xml", html(urlset([(u, d) for u, _, d in entries]),
                                                    content_type=XML))
        pages = [(f"{base}/about/", self.now - timedelta(days=90))]
        self.web.route(i, "/page-sitemap.xml", html(urlset(pages), content_type=XML))

    def _border_herald(self, i: int) -> None:
        base = self.web.base(i)
        en = self._articles(i, "border-herald", self.items(i, "/en/news/{n}"))
        ru = [(f"{base}/ru/news/{n}", f"Новость {n}", d) for n, (_, _, d) in enumerate(en, 1)]
        head = (f'<link rel="alternate" type="application/atom+xml" hreflang="ru" '
                f'title="Пограничный вестник" href="{base}/ru/feed.atom">'
                f'<link rel="alternate" type="application/rss+xml" hreflang="en" '
                f'title="Border Herald" href="{base}/en/rss">')
        self.web.route(i, "/", redirect(base + "/en/"))
        self.web.route(i, "/en/", html(homepage("Border Herald", head)))
        self.web.route(i, "/en/rss", html(rss("Border Herald", base + "/en/", en),
                                          content_type=RSS))
        self.web.route(i, "/ru/feed.atom", html(atom("Пограничный вестник", base + "/ru/", ru,
                                                     language="ru"), content_type=ATOM))

    def _quiet_gazette(self, i: int) -> None:
        self.web.route(i, "/", html(homepage("Quiet Gazette", body="<p>Coming soon.</p>")))

    # -- a sources file -----------------------------------------------------------------------

    def sources_yaml(self, *, feeds: dict[str, list[str]] | None = None) -> str:
        """A sources file with every site's homepage (and the given feeds), as people write it."""
        lines = ["# Outlets of the loopback CMS web.", "version: 1", "", "defaults:",
                 "  min_delay: 0          # loopback: no need to wait", "", "outlets:"]
        for site in SITES:
            lines += [f"  - id: {site}", f"    name: {NAMES[site]}",
                      f"    homepage: {self.homepage_of(site)}", "    language: en",
                      "    country: GB"]
            if feeds and site in feeds:
                lines.append("    feeds:")
                lines += [f'      - {{url: "{u}", kind: rss}}' for u in feeds[site]]
            lines += ["    allow_private_addresses: true   # the web lives on 127.0.0.x", ""]
        return "\n".join(lines)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    args = parser.parse_args()
    with CmsWeb() as web:
        args.sources.write_text(web.sources_yaml(), encoding="utf-8")
        print(f"serving {len(SITES)} sites; sources file: {args.sources}", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    _main()
