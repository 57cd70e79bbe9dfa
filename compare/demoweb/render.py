"""Turn the demo corpus into the bytes a demo outlet serves: pages, feeds, sitemap, robots.txt.

Everything is rendered at request time with the base URL the outlet is actually served from, so
links, canonical tags, feed entries and sitemap locations always point at the running server.
Jinja2 escapes every piece of article text (HTML and XML autoescaping); the JSON-LD block is
serialised with ``json.dumps`` and has ``<``, ``>`` and ``&`` written as JSON escapes, so an
article text can never close the ``<script>`` element early.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from compare.demoweb.corpus import Block, Corpus, DemoArticle, DemoOutlet, Version, parse_blocks

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "Rendered",
    "last_modified",
    "render_article",
    "render_error",
    "render_feed",
    "render_home",
    "render_robots",
    "render_sitemap",
    "served_version",
]

#: How many paragraphs of a paywalled article are shown before the paywall.
TEASER_BLOCKS = 2
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Rendered:
    """A rendered resource: its bytes, media type and the time it last changed."""

    body: bytes
    content_type: str
    modified: datetime
    location: str | None = None


@functools.cache
def _env() -> jinja2.Environment:
    import jinja2  # imported here: the CLI must start fast, and only the demo needs templates

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _render(template: str, **context: Any) -> bytes:
    return _env().get_template(template).render(**context).encode("utf-8")


def _human(moment: datetime) -> str:
    offset = moment.isoformat()[19:] or "+00:00"
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} (UTC{offset})"


_DATELINE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4},? \d{1,2}:\d{2}( \(UTC[+-]\d{2}:\d{2}\))?$")


def served_version(corpus: Corpus, article: DemoArticle, number: int) -> Version:
    """The version of ``article`` served when the demo web is at version ``number``.

    The seed report is the one exception to the corpus files: when the verbatim seed text is
    present in ``seeds/seed/``, it replaces the team-written body of that article. A leading
    dateline ("29 July 2023 10:25 (UTC+04:00)") is left to the page's date header, which shows it.
    """
    version = article.version(number)
    if article.seed and corpus.seed_text:
        blocks = parse_blocks(corpus.seed_text)
        if len(blocks) == 1 and "\n" in corpus.seed_text.strip():
            lines = corpus.seed_text.strip().splitlines()
            blocks = tuple(Block("p", line.strip()) for line in lines if line.strip())
        if blocks and _DATELINE.match(blocks[0].text):
            blocks = blocks[1:]
        if blocks:
            version = Version(
                number=version.number,
                title=version.title,
                summary=blocks[0].text,
                blocks=blocks,
                updated=version.updated,
            )
    return version


def last_modified(article: DemoArticle, version: Version) -> datetime:
    """When this version of the article last changed."""
    return version.updated or article.published


def _ld_json(data: dict[str, Any]) -> str:
    """JSON for a ``<script>`` element; safe as it is, so the template marks it ``safe``."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _jsonld(
    outlet: DemoOutlet, article: DemoArticle, version: Version, url: str, paywalled: bool
) -> str | None:
    with_dates = outlet.date_style == "jsonld"
    if not with_dates and not paywalled:
        return None
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": version.title,
        "mainEntityOfPage": url,
        "articleSection": article.section.title(),
        "inLanguage": outlet.language,
        "publisher": {"@type": "Organization", "name": outlet.name, "url": _site(url)},
        "description": version.summary,
    }
    if with_dates:
        data["datePublished"] = article.published.isoformat()
        data["dateModified"] = last_modified(article, version).isoformat()
        if article.author:
            data["author"] = [{"@type": "Person", "name": article.author}]
    if paywalled:
        data["isAccessibleForFree"] = False
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywall",
        }
    return _ld_json(data)


@dataclass(frozen=True)
class _Item:
    title: str
    url: str
    section: str
    summary: str
    author: str | None
    published_iso: str
    published_rfc822: str
    updated_iso: str


def _items(corpus: Corpus, outlet: DemoOutlet, base: str, number: int) -> list[_Item]:
    items = []
    for article in corpus.articles_of(outlet.id):
        version = served_version(corpus, article, number)
        items.append(
            _Item(
                title=version.title,
                url=base + article.path(outlet),
                section=article.section,
                summary=version.summary,
                author=article.author,
                published_iso=article.published.isoformat(),
                published_rfc822=format_datetime(article.published),
                updated_iso=last_modified(article, version).isoformat(),
            )
        )
    return items


def _newest(corpus: Corpus, outlet: DemoOutlet, number: int) -> datetime:
    moments = [last_modified(a, served_version(corpus, a, number)) for a in corpus.articles_of(outlet.id)]
    return max(moments) if moments else datetime(2023, 7, 31).astimezone()


def render_article(
    corpus: Corpus, outlet: DemoOutlet, article: DemoArticle, base: str, number: int
) -> Rendered:
    """The HTML page of one article, with its outlet's chrome, at version ``number``."""
    version = served_version(corpus, article, number)
    url = base + article.path(outlet)
    paywalled = "paywalled" in article.flags
    blocks: Sequence[Block] = version.blocks[:TEASER_BLOCKS] if paywalled else version.blocks
    modified = version.updated
    related = [
        {"title": served_version(corpus, other, number).title, "url": base + other.path(outlet)}
        for other in sorted(
            corpus.articles_of(outlet.id),
            key=lambda o: (o.event != article.event, o.section != article.section),
        )
        if other.key != article.key and "missing" not in other.flags
    ][:4]
    most_read = (
        []
        if outlet.theme.layout != "classic"
        else [
            {"title": served_version(corpus, other, number).title, "url": base + other.path(outlet)}
            for other in corpus.articles_of(outlet.id)
            if other.event != article.event and not other.flags
        ][:3]
    )
    body = _render(
        "article.html",
        most_read=most_read,
        outlet=outlet,
        base=base,
        article=article,
        version=version,
        blocks=blocks,
        url=url,
        paywalled=paywalled,
        related=related,
        jsonld=_jsonld(outlet, article, version, url, paywalled),
        published_iso=article.published.isoformat(),
        published_text=_human(article.published),
        modified_iso=modified.isoformat() if modified else None,
        modified_text=_human(modified) if modified else None,
    )
    return Rendered(body, "text/html; charset=utf-8", last_modified(article, version))


def render_home(corpus: Corpus, outlet: DemoOutlet, base: str, number: int) -> Rendered:
    """The outlet's front page: links to its articles, newest first."""
    items = _items(corpus, outlet, base, number)
    body = _render("home.html", outlet=outlet, base=base, items=items)
    return Rendered(body, "text/html; charset=utf-8", _newest(corpus, outlet, number))


def render_feed(corpus: Corpus, outlet: DemoOutlet, base: str, number: int) -> Rendered:
    """The outlet's RSS 2.0 or Atom 1.0 feed, every article in it (the deliberate 404 too)."""
    newest = _newest(corpus, outlet, number)
    template = "rss.xml" if outlet.feed_kind == "rss" else "atom.xml"
    body = _render(
        template,
        outlet=outlet,
        base=base,
        self_url=base + outlet.feed_path,
        items=_items(corpus, outlet, base, number),
        updated_iso=newest.isoformat(),
        updated_rfc822=format_datetime(newest),
    )
    kind = "application/rss+xml" if outlet.feed_kind == "rss" else "application/atom+xml"
    return Rendered(body, f"{kind}; charset=utf-8", newest)


def render_sitemap(corpus: Corpus, outlet: DemoOutlet, base: str, number: int) -> Rendered:
    """An XML sitemap with Google News tags, listing every article of the outlet."""
    body = _render("sitemap.xml", outlet=outlet, items=_items(corpus, outlet, base, number))
    return Rendered(body, "application/xml; charset=utf-8", _newest(corpus, outlet, number))


def render_robots(corpus: Corpus, outlet: DemoOutlet, base: str, number: int) -> Rendered:
    """robots.txt: every outlet keeps crawlers off its search; some disallow more."""
    lines = ["# robots.txt of a synthetic newscompare demo outlet", "User-agent: *", "Disallow: /search"]
    lines += [f"Disallow: {path}" for path in outlet.robots_disallow]
    if outlet.sitemap:
        lines += ["", f"Sitemap: {base}/sitemap.xml"]
    body = ("\n".join(lines) + "\n").encode("utf-8")
    return Rendered(body, "text/plain; charset=utf-8", _newest(corpus, outlet, number))


def render_error(
    outlet: DemoOutlet, base: str, status: int, reason: str, message: str, modified: datetime
) -> Rendered:
    """An error page in the outlet's chrome (404, 403, 500)."""
    body = _render("error.html", outlet=outlet, base=base, status=status, reason=reason, message=message)
    return Rendered(body, "text/html; charset=utf-8", modified)
