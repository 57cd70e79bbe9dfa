"""Turn one fetched snapshot into clean article text plus trustworthy metadata.

This is the only module that imports trafilatura and htmldate. Failures raise
:class:`compare.errors.ExtractError` whose ``.outcome`` is a fetch_log outcome:

- ``not_html``      the bytes are not an HTML page (binary, an image, a PDF);
- ``extract_empty`` no article body could be found by any path;
- ``paywall``       a short teaser behind a paywall (paywall markers in the page, or JSON-LD
                    ``isAccessibleForFree: false``), which must not become an article.

Order of work, and why:

1. **Sniff and decode.** Binary bodies (by magic number, or mostly control bytes) are refused
   before any parser sees them; a stray NUL is no reason. The HTML is decoded by the project's
   one decoder (:func:`compare.charset.decode_body`: valid UTF-8, else the declared charset
   when the body satisfies it but for a few bytes, else a verified guess); invalid bytes are
   replaced, never fatal. Characters no XML document may hold (C0 controls, U+FFFE, U+FFFF,
   lone surrogates) are dropped before parsing: trafilatura discards a tree that has one.
2. **Bound the cost.** HTML over :data:`MAX_HTML_CHARS` is cut before parsing; elements nested
   deeper than :data:`MAX_DEPTH` are unwrapped (their text kept: libxml2 stops reading a
   document at 256 levels, and a 10,000-deep page kept 88 characters); scripts, styles
   and SVG are dropped from the tree once JSON-LD has been read; a tree still over
   :data:`MAX_ELEMENTS` elements is cut in document order (``truncated=True`` in both cases);
   and the fallback passes are skipped when the first pass took over :data:`FALLBACK_BUDGET`
   seconds. trafilatura's time grows with the tree: a 20 MB page of links took about a minute
   with only a character cap, about 5 s with these bounds (docs/evaluation.md, "Extraction").
3. **Body by the cheapest path that looks complete.** trafilatura with ``favor_precision``
   (measured best on the fundus pages), then its default, then ``favor_recall``, then the
   JSON-LD ``articleBody``; a fuller candidate wins only when the precise one looks truncated
   (short, or under 60% of the other's length). ``method`` records the path that produced the
   text; a first paragraph that only repeats the title is dropped.
4. **Metadata by trust.** Title: JSON-LD headline, ``og:title``, trafilatura's title. Dates:
   JSON-LD, meta tags, ``<time>``, the URL, then htmldate's text search — never later than the
   fetch time (:func:`choose_dates`). Only the first three count as reliable.
5. **Normalise.** NFC, zero-width and control characters dropped, paragraphs separated by one
   blank line, so passage offsets taken later stay exact. The stored URL is the page's declared
   canonical URL, else its final URL, spelled by :func:`compare.urls.canonicalize_url`
   (tracking parameters removed), as the fetcher spells it.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from compare.charset import decode_body
from compare.errors import ExtractError, FetchError
from compare.language import detect_language, languages_differ, normalise_language
from compare.models import ExtractedPage, Snapshot
from compare.urls import canonicalize_url

__all__ = [
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_HTML_CHARS",
    "PageMeta",
    "baseline_extract",
    "choose_dates",
    "extract_html",
    "extract_page",
    "flatten_deep",
    "looks_binary",
    "normalise_text",
    "parse_date",
    "read_metadata",
    "strip_site_name",
]

logger = logging.getLogger(__name__)

#: HTML beyond this many characters is cut before parsing (the largest of the 247 fundus pages
#: is 2.2 MB, most of it scripts; lxml parses 4 MB in well under a second).
MAX_HTML_CHARS = 4_000_000
#: Elements left after scripts and styles are dropped (fundus pages: median 1,000, max 4,300).
MAX_ELEMENTS = 15_000
#: Seconds the first trafilatura pass may take before the slower fallback passes are skipped.
FALLBACK_BUDGET = 2.0
#: htmldate's full-text search runs only on pages up to this size (it reads the whole page).
MAX_TEXT_DATE_CHARS = 1_500_000
#: A body shorter than this (characters) is "short": fallbacks are tried, paywalls suspected.
SHORT_BODY = 600
#: Minimum body length accepted at all.
MIN_BODY = 80
#: A precise extraction that keeps less than this share of a fuller candidate looks truncated.
TRUNCATED_SHARE = 0.6

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
#: Characters XML 1.0 forbids (C0 controls but whitespace, U+FFFE, U+FFFF, lone surrogates);
#: vertical tab and form feed are whitespace to HTML, so they become spaces instead.
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_SPACE = re.compile("[\x0b\x0c]")
#: Controls in text (C0 and C1, DEL) but whitespace: an ESC in a title must not reach a
#: terminal, and none of them is text.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"wOFF",
    b"wOF2",
)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain")
_PAYWALL_MARKERS = re.compile(
    r"""(?ix)
    class\s*=\s*["'][^"']*\b(?:paywall|paywalled|piano-?offer|premium-?(?:content|teaser|wall)
      |subscriber-?only|subscription-?wall|regwall|meteredcontent|plus-?teaser)\b
    | \b(?:subscribe|sign\s+in|log\s+in)\s+to\s+(?:continue|read)\s+(?:reading|this|the\s+full)
    | \bthis\s+(?:article|content)\s+is\s+(?:for|only\s+available\s+to)\s+subscribers\b
    | \bjetzt\s+(?:weiterlesen|abonnieren)\b | \bnur\s+für\s+abonnenten\b
    | \bпродолжение\s+доступно\s+(?:по|только)\s+подписк
    """
)


@dataclass(frozen=True)
class PageMeta:
    """Metadata read from the page itself (JSON-LD, meta tags, ``<time>``, ``<html lang>``).

    Values are raw strings as the page states them; dates are parsed later, in order of trust.
    """

    headline: str | None = None
    og_title: str | None = None
    site_name: str | None = None
    description: str | None = None
    author: str | None = None
    canonical: str | None = None
    language: str | None = None
    article_body: str | None = None
    accessible_for_free: bool | None = None
    jsonld_published: str | None = None
    jsonld_modified: str | None = None
    meta_published: str | None = None
    meta_modified: str | None = None
    time_published: str | None = None


# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFC, no zero-width characters or soft hyphens, paragraphs split by one blank line.

    Whitespace inside a paragraph is collapsed to single spaces; this is the string every
    passage offset refers to, so it is computed once and stored as is.
    """
    text = unicodedata.normalize("NFC", _CONTROL.sub("", _ZERO_WIDTH.sub("", text)))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in text.split("\n"):
        line = " ".join(block.split())
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def _clean_line(value: Any) -> str | None:
    """A one-line string from a metadata value, or ``None`` when it is empty or not text."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    value = html_lib.unescape(value)  # JSON-LD often carries "&quot;" and "&ouml;" as text
    value = " ".join(unicodedata.normalize("NFC", _CONTROL.sub("", _ZERO_WIDTH.sub("", value))).split())
    return value or None


# --------------------------------------------------------------------------------------------
# Bytes → str
# --------------------------------------------------------------------------------------------


def looks_binary(body: bytes) -> bool:
    """A known binary format by its magic number, or a head that is mostly control bytes.

    A NUL or two in an HTML page (a broken template, a stray byte) is no reason to call it
    binary: only a head where over a tenth of the bytes are controls (NUL included) is.
    """
    head = body[:2048]
    if head.startswith(_BINARY_MAGIC):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its mark: NULs are text
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.1


# --------------------------------------------------------------------------------------------
# Metadata from the page
# --------------------------------------------------------------------------------------------


def _iter_jsonld(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in the page, flattening lists and ``@graph``; bad JSON is skipped."""
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


_ARTICLE_TYPES = re.compile(r"(?i)article|posting|report|blog")


def _types(obj: Mapping[str, Any]) -> str:
    kind = obj.get("@type", "")
    return " ".join(kind) if isinstance(kind, list) else str(kind)


def _person_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        return _clean_line(value.get("name"))
    return _clean_line(value)


def _meta_tags(tree: Any) -> dict[str, str]:
    """Every ``<meta>`` tag's content by its property, name or itemprop (first one wins).

    One pass over the tree: a page with a huge tree must not be scanned once per name.
    """
    tags: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = _clean_line(element.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = element.get(attr)
            if key:
                tags.setdefault(key.strip(), content)
    return tags


def _first_meta(tags: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((tags[name] for name in names if name in tags), None)


_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "DC.date.issued",
    "dcterms.created",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")


def read_metadata(tree: Any) -> PageMeta:
    """Collect the page's own statements about itself from a parsed lxml tree."""
    tags = _meta_tags(tree)
    headline = published = modified = body = author = site = None
    free: bool | None = None
    for obj in _iter_jsonld(tree):
        if not _ARTICLE_TYPES.search(_types(obj)):
            if "WebSite" in _types(obj) or "Organization" in _types(obj):
                site = site or _clean_line(obj.get("name"))
            continue
        headline = headline or _clean_line(obj.get("headline") or obj.get("name"))
        published = published or _clean_line(obj.get("datePublished") or obj.get("dateCreated"))
        modified = modified or _clean_line(obj.get("dateModified"))
        author = author or _person_name(obj.get("author"))
        publisher = obj.get("publisher")
        if isinstance(publisher, dict):
            site = site or _clean_line(publisher.get("name"))
        article_body = obj.get("articleBody")
        if isinstance(article_body, str) and len(article_body) > len(body or ""):
            body = article_body
        flag = obj.get("isAccessibleForFree")
        if flag is not None and free is not False:
            free = str(flag).strip().lower() not in {"false", "0", "no"}
    time_values = tree.xpath("//time[@pubdate]/@datetime | //article//time/@datetime")
    if not time_values:
        time_values = tree.xpath("//time/@datetime")
    lang = tree.xpath("/html/@lang | /html/@xml:lang")
    language = _clean_line(lang[0]) if lang else None
    if not language:
        language = _first_meta(tags, ("og:locale", "language", "content-language"))
        if not language:
            equiv = tree.xpath(
                '//meta[translate(@http-equiv,"CONTENTLAGU","contentlagu")="content-language"]/@content'
            )
            language = _clean_line(equiv[0]) if equiv else None
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    return PageMeta(
        headline=headline,
        og_title=_first_meta(tags, ("og:title", "twitter:title")),
        site_name=site or _first_meta(tags, ("og:site_name", "application-name")),
        description=_first_meta(tags, ("og:description", "description")),
        author=author or _first_meta(tags, ("author", "article:author", "parsely-author")),
        canonical=_clean_line(canonical[0]) if canonical else _first_meta(tags, ("og:url",)),
        language=language,
        article_body=body,
        accessible_for_free=free,
        jsonld_published=published,
        jsonld_modified=modified,
        meta_published=_first_meta(tags, _PUBLISHED_META),
        meta_modified=_first_meta(tags, _MODIFIED_META),
        time_published=_clean_line(time_values[0]) if time_values else None,
    )


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|\b)")
_URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from an ISO-8601-ish string, or ``None`` when it is not one.

    A date without a zone is taken as UTC; a bare date becomes midnight UTC.
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"(\d{4}-\d{2}-\d{2})", text)
        if not match:
            return None
        try:
            parsed = datetime.fromisoformat(match.group(1))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed if parsed.year >= 1990 else None


def _date_from_url(url: str) -> datetime | None:
    path = urlsplit(url).path
    match = _URL_DATE.search(path) or _URL_DATE_COMPACT.search(path)
    if not match:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def _date_from_text(html: str, *, url: str, fetched_at: datetime) -> datetime | None:
    """htmldate's search through the page text: the last, least trusted resort."""
    from htmldate import find_date

    try:
        found = find_date(
            html,
            url=url,
            original_date=True,
            extensive_search=True,
            max_date=fetched_at.strftime("%Y-%m-%d"),
        )
    except Exception as exc:  # htmldate raises assorted errors on odd pages
        logger.debug("htmldate failed on %s: %s", url, exc)
        return None
    return parse_date(found)


def choose_dates(
    meta: PageMeta, *, url: str, html: str, fetched_at: datetime
) -> tuple[datetime | None, str, bool, datetime | None]:
    """``(published_at, source, reliable, updated_at)`` by order of trust, none after fetching.

    A candidate later than ``fetched_at`` is discarded (a page cannot be published after it
    was fetched; such dates are usually "now" stamps or time-zone slips) and the next source
    is tried. ``source`` is ``"none"`` and the date ``None`` when nothing trustworthy is found.
    """
    candidates: list[tuple[str, datetime | None]] = [
        ("jsonld", parse_date(meta.jsonld_published)),
        ("meta", parse_date(meta.meta_published)),
        ("time", parse_date(meta.time_published)),
        ("url", _date_from_url(url)),
    ]
    published: datetime | None = None
    source = "none"
    for name, value in candidates:
        if value is not None and value <= fetched_at:
            published, source = value, name
            break
    if published is None and len(html) <= MAX_TEXT_DATE_CHARS:
        value = _date_from_text(html, url=url, fetched_at=fetched_at)
        if value is not None and value <= fetched_at:
            published, source = value, "text"
    updated = parse_date(meta.jsonld_modified) or parse_date(meta.meta_modified)
    if updated is not None and (updated > fetched_at or (published and updated < published)):
        updated = None
    return published, source, source in {"jsonld", "meta", "time"}, updated


# --------------------------------------------------------------------------------------------
# Body
# --------------------------------------------------------------------------------------------


def _trafilatura(tree: Any, url: str | None, *, with_metadata: bool = False, **options: Any) -> Any:
    """One trafilatura pass; its metadata (costly: it runs its own date search) only on request."""
    from trafilatura import bare_extraction

    try:
        return bare_extraction(tree, url=url, include_comments=False, with_metadata=with_metadata, **options)
    except Exception as exc:  # trafilatura raises assorted lxml/parsing errors
        logger.debug("trafilatura failed on %s with %s: %s", url, options, exc)
        return None


def _body_candidates(tree: Any, url: str | None, meta: PageMeta) -> tuple[str, str, Any]:
    """``(text, method, document)``: the best body among the extraction paths.

    ``favor_precision`` first; when it comes out short or much shorter than what another path
    finds, the fuller candidate is taken, because a cut-off article misleads more than a stray
    line of boilerplate.
    """
    started = time.perf_counter()
    wanted = not (meta.headline or meta.og_title)  # trafilatura's title is only a fallback
    first = _trafilatura(tree, url, favor_precision=True, with_metadata=wanted)
    text = normalise_text(first.text or "") if first is not None else ""
    slow = time.perf_counter() - started > FALLBACK_BUDGET
    method, document = "trafilatura-precision", first
    if len(text) >= SHORT_BODY * 3 and not meta.article_body:
        return text, method, document
    fuller: list[tuple[str, str, Any]] = []
    jsonld = normalise_text(meta.article_body or "")
    if len(jsonld) >= MIN_BODY:
        fuller.append((jsonld, "jsonld-articlebody", None))
    if len(text) < SHORT_BODY * 3 and not slow:
        for name, options in (("trafilatura", {}), ("trafilatura-recall", {"favor_recall": True})):
            document_b = _trafilatura(tree, url, **options)
            text_b = normalise_text(document_b.text or "") if document_b is not None else ""
            if text_b:
                fuller.append((text_b, name, document_b))
            if len(text_b) >= SHORT_BODY * 3:
                break
    for candidate, name, doc in fuller:
        if len(text) < TRUNCATED_SHARE * len(candidate):
            text, method = candidate, name
            document = document or doc
    return text, method, document


_TITLE_SEPARATORS = "|-–—:·•/ㅣ"


def strip_site_name(title: str | None, site_name: str | None) -> str | None:
    """``"Story - The Daily"`` → ``"Story"`` when ``"The Daily"`` is the page's site name."""
    if not title or not site_name:
        return title
    if not title.casefold().endswith(site_name.casefold()):
        return title
    head = title[: len(title) - len(site_name)].rstrip()
    if head[-1:] in _TITLE_SEPARATORS and head[:-1].strip():
        return head[:-1].rstrip()
    return title


def _drop_title(text: str, title: str | None) -> str:
    """The body without a first paragraph that only repeats the title (it is stored apart)."""
    if not title:
        return text
    first, _, rest = text.partition("\n\n")
    return rest if rest and first.casefold() == title.casefold() else text


def _is_paywalled(html: str, meta: PageMeta, text: str) -> bool:
    """A short body on a page that says it is not free, or that shows paywall markers.

    Markers are looked for in the first :data:`MAX_TEXT_DATE_CHARS` characters only, where
    the article and its paywall box sit; the rest of a huge page is not worth the time.
    """
    if len(text) >= SHORT_BODY * 2:
        return False
    if meta.accessible_for_free is False:
        return True
    return bool(_PAYWALL_MARKERS.search(html, 0, MAX_TEXT_DATE_CHARS))


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def _canonical(meta: PageMeta, final_url: str) -> str:
    """The URL the article is stored under, spelled as the fetcher spells URLs.

    The page's declared canonical URL when it is a usable http(s) URL, else the final URL;
    a final URL that is no web URL (a local file given to ``compare``) is kept as it is.
    """
    for candidate in (meta.canonical, final_url):
        if not candidate:
            continue
        try:
            return canonicalize_url(candidate, base=final_url)
        except FetchError:
            continue
    parts = urlsplit(final_url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, ""))


def _parse(html: str, url: str) -> Any:
    """The lxml tree of ``html``; a document nested past libxml2's 256 levels is unwrapped first.

    libxml2 stops reading at that depth (and recovers by dropping the rest of the document), so
    the nesting is flattened to :data:`MAX_DEPTH` levels and the page parsed again.
    """
    from lxml import etree
    from lxml import html as lxml_html

    for attempt in range(2):
        parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=False)
        try:
            tree = lxml_html.document_fromstring(html, parser=parser)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractError(f"unparseable HTML: {exc}", url=url, outcome="extract_empty") from exc
        if tree is None:
            raise ExtractError("empty HTML document", url=url, outcome="extract_empty")
        too_deep = any("Excessive depth" in e.message for e in parser.error_log)
        if not too_deep or attempt:
            return tree
        logger.info("%s: nested deeper than libxml2 reads; unwrapped to %d levels", url, MAX_DEPTH)
        html = flatten_deep(html, MAX_DEPTH)
    return tree


#: How deep a page that libxml2 refused is unwrapped to.
MAX_DEPTH = 200
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
     "track", "wbr"]
)
_TAGS = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|textarea|title)\b[^>]*>.*?(?:</\1\s*>|$)"
    r"|<(/?)([a-zA-Z][\w:-]*)\b[^>]*?(/?)>",
    re.S | re.I,
)


def flatten_deep(html: str, limit: int) -> str:
    """``html`` with every element nested below ``limit`` levels unwrapped: tags dropped, text kept.

    A tokenizer, not a parser: an end tag closes the innermost open element of its name (as an
    HTML parser recovers), and the end tags of unwrapped elements are dropped with them.
    """
    out: list[str] = []
    stack: list[str] = []
    unwrapped: dict[str, int] = {}
    last = 0
    for match in _TAGS.finditer(html):
        closing, name, self_closing = match.group(2), (match.group(3) or "").lower(), match.group(4)
        keep = True
        if name and not match.group(1) and name not in _VOID and not self_closing:
            if closing:
                if unwrapped.get(name):
                    unwrapped[name] -= 1
                    keep = False
                elif name in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(name) :]
            elif len(stack) >= limit:
                unwrapped[name] = unwrapped.get(name, 0) + 1
                keep = False
            else:
                stack.append(name)
        out.append(html[last : match.start()])
        if keep:
            out.append(match.group(0))
        last = match.end()
    out.append(html[last:])
    return "".join(out)


_JUNK_TAGS = ("style", "svg", "noscript", "template", "iframe", "object", "embed", "canvas")


def _slim(tree: Any) -> bool:
    """Drop scripts (JSON-LD already read), styles and SVG; cut the tree at MAX_ELEMENTS.

    Returns True when the tree was cut. The cut keeps everything before the
    :data:`MAX_ELEMENTS`-th element in document order and drops everything after it.
    """
    from lxml import etree

    etree.strip_elements(tree, *_JUNK_TAGS, etree.Comment, with_tail=False)
    for script in tree.xpath("//script"):
        parent = script.getparent()
        if parent is not None:
            parent.remove(script)
    cut = None
    for count, element in enumerate(tree.iter()):
        if count == MAX_ELEMENTS:
            cut = element
            break
    if cut is None:
        return False
    node = cut
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    cut_parent = cut.getparent()
    if cut_parent is not None:
        cut_parent.remove(cut)
    return True


def extract_html(
    html: str,
    *,
    url: str,
    fetched_at: datetime,
    outlet_language: str | None = None,
    truncated: bool = False,
) -> ExtractedPage:
    """Extract an article from decoded HTML; see :func:`extract_page` for the contract."""
    if len(html) > MAX_HTML_CHARS:
        html, truncated = html[:MAX_HTML_CHARS], True
    html = _XML_SPACE.sub(" ", _NOT_XML.sub("", html))
    if not html.strip():
        raise ExtractError("empty page", url=url, outcome="extract_empty")
    tree = _parse(html, url)
    meta = read_metadata(tree)
    if _slim(tree):
        truncated = True
        logger.info("%s: over %d elements, cut", url, MAX_ELEMENTS)
    text, method, document = _body_candidates(tree, url, meta)
    if _is_paywalled(html, meta, text):
        raise ExtractError("paywalled teaser", url=url, outcome="paywall")
    if len(text) < MIN_BODY:
        raise ExtractError(
            f"no article body found ({len(text)} characters)", url=url, outcome="extract_empty"
        )
    title = meta.headline or meta.og_title or _clean_line(getattr(document, "title", None))
    title = strip_site_name(title, meta.site_name)
    text = _drop_title(text, title)
    published, source, reliable, updated = choose_dates(meta, url=url, html=html, fetched_at=fetched_at)
    language_page = normalise_language(meta.language)
    language_detected = detect_language(text)
    declared = normalise_language(outlet_language)
    return ExtractedPage(
        url=url,
        canonical_url=_canonical(meta, url),
        title=title,
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        method=method,
        author=meta.author or _clean_line(getattr(document, "author", None)),
        published_at=published,
        published_source=source,
        date_reliable=reliable,
        updated_at=updated,
        site_name=meta.site_name or _clean_line(getattr(document, "sitename", None)),
        description=meta.description,
        language_declared=declared,
        language_page=language_page,
        language_detected=language_detected,
        language_mismatch=languages_differ(declared, language_page, language_detected),
        truncated=truncated,
    )


def extract_page(
    snapshot: Snapshot,
    *,
    outlet_language: str | None = None,
    fetched_at: datetime | None = None,
) -> ExtractedPage:
    """Extract the article in ``snapshot``: clean text, title, dates, languages, provenance.

    ``fetched_at`` defaults to the snapshot's; no date later than it is ever returned.
    ``outlet_language`` is the language sources.yaml declares for the outlet; it is kept and
    compared with the page's and the detected one (``language_mismatch``).

    Raises :class:`ExtractError` with ``outcome`` ``not_html``, ``extract_empty`` or
    ``paywall``; never returns a page without a body.
    """
    url = snapshot.final_url or snapshot.url
    when = fetched_at or snapshot.fetched_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    body = snapshot.body
    content_type = (snapshot.content_type or snapshot.headers.get("content-type") or "").lower()
    if content_type and not any(kind in content_type for kind in _HTML_TYPES):
        raise ExtractError(f"not HTML ({content_type})", url=url, outcome="not_html")
    if not body.strip():
        raise ExtractError("empty body", url=url, outcome="extract_empty")
    if looks_binary(body):
        raise ExtractError("binary body", url=url, outcome="not_html")
    truncated = len(body) > MAX_HTML_CHARS * 2
    if truncated:  # decode no more than can be used (UTF-8 needs up to 4 bytes a character)
        body = body[: MAX_HTML_CHARS * 2]
    html = decode_body(body, content_type or None).text
    return extract_html(html, url=url, fetched_at=when, outlet_language=outlet_language, truncated=truncated)


def baseline_extract(html: str, *, url: str | None = None) -> tuple[str, str | None]:
    """trafilatura's default ``extract()`` call and its title, for side-by-side evaluation."""
    from trafilatura import bare_extraction, extract

    text = extract(html, url=url) or ""
    title = None
    try:
        document = bare_extraction(html, url=url, with_metadata=True)
        title = _clean_line(getattr(document, "title", None))
    except Exception as exc:  # same guard as the main path
        logger.debug("baseline metadata failed on %s: %s", url, exc)
    return text, title
