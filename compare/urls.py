"""URLs: one canonical spelling per page, and the one check before a URL becomes a link.

The fetcher, discovery and extraction all spell URLs with :func:`canonicalize_url`, so the URL
an article is stored under is the one the fetcher de-duplicated on (tracking parameters gone).
Reports and the web service print links only through :func:`safe_url`.

Two URLs that a browser would treat as the same page should compare equal after
:func:`canonicalize_url`: the scheme and host are lower-cased, default ports and fragments are
dropped, percent-escapes are normalised and tracking parameters (``utm_*``, ``fbclid``, ``gclid``
…) are removed. The query keeps its order: some sites give parameter order a meaning.

:func:`canonical_from_html` reads ``<link rel="canonical">`` once a page has been fetched, so the
pipeline can record the URL the outlet itself calls canonical.
"""

from __future__ import annotations

import ipaddress
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from compare.errors import FetchError
from compare.models import Outcome

__all__ = [
    "TRACKING_PARAMS",
    "canonical_from_html",
    "canonicalize_url",
    "host_of",
    "is_tracking",
    "safe_url",
]

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "wickedid", "cmpid", "ncid", "ocid", "ito", "at_medium",
        "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "sr_share",
        "share", "smid", "ref_src", "ref_url", "rss", "fromrss", "xtor",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "__hs")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 unreserved characters need no escape; everything else in a path keeps its escape.
_PATH_SAFE = "/:@!$&'()*+,;=~"


def is_tracking(name: str) -> bool:
    """True when a query parameter only tracks the reader and never selects content."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _invalid(url: str, why: str) -> FetchError:
    return FetchError(f"invalid URL {url!r}: {why}", url=url, outcome=Outcome.INVALID_URL.value)


def _normal_path(path: str) -> str:
    """Decode then re-encode each piece, so "%7e", "~" and "%7E" agree; an encoded "/" stays."""
    pieces = re.split(r"%2[fF]", path)
    return "%2F".join(quote(unquote(piece), safe=_PATH_SAFE) for piece in pieces) or "/"


def _host(netloc_host: str, url: str) -> str:
    host = netloc_host.strip(".").lower()
    if not host:
        raise _invalid(url, "no host")
    if ":" in host:  # an IPv6 literal; urlsplit gave it without brackets
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError as exc:
            raise _invalid(url, "malformed IPv6 address") from exc
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise _invalid(url, f"host cannot be encoded ({exc})") from exc
    if not re.fullmatch(r"[a-z0-9_.-]+", host):
        raise _invalid(url, "host has characters a host name cannot have")
    return host


def canonicalize_url(url: str, *, base: str | None = None) -> str:
    """The canonical spelling of an http(s) URL, resolved against ``base`` when relative.

    Raises :class:`~compare.errors.FetchError` with outcome ``invalid_url`` for anything that is
    not an absolute http or https URL with a host.
    """
    raw = url.strip()
    if base is not None:
        raw = urljoin(base, raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise _invalid(url, str(exc)) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _invalid(url, f"scheme {scheme or '(none)'!r} is not http or https")
    host = _host(parts.hostname or "", url)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query_pairs = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    ]
    query = urlencode(query_pairs, doseq=True, quote_via=quote, safe="/:@!$'()*+,;-._~")
    return urlunsplit((scheme, netloc, _normal_path(parts.path), query, ""))


def host_of(url: str) -> str:
    """The ``host[:port]`` part of an already canonical URL (the key of per-host politeness)."""
    return urlsplit(url).netloc


class _CanonicalParser(HTMLParser):
    """Finds the first ``<link rel="canonical" href=…>`` and stops at ``<body>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
            return
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        if "canonical" in rels and values.get("href", "").strip():
            self.href = values["href"].strip()
            self.done = True


def canonical_from_html(html: str, base_url: str) -> str | None:
    """The canonical URL a page declares in its head, canonicalised; ``None`` when it declares none.

    A declared URL that is not http(s) or cannot be parsed counts as not declared, since an
    outlet's mistake must not send the fetcher elsewhere.
    """
    parser = _CanonicalParser()
    # The head is at the start; reading in chunks lets us stop early on big pages.
    for start in range(0, len(html), 16_384):
        parser.feed(html[start : start + 16_384])
        if parser.done:
            break
    href = parser.href
    if href is None:
        return None
    try:
        return canonicalize_url(href, base=base_url)
    except FetchError:
        return None


# Characters left as they are in a link; everything else (quotes, brackets, spaces, parentheses
# that would end a Markdown link) is percent-encoded.
_LINK_SAFE = ":/?#@!$&'*+,;=%~-._"


def safe_url(url: object) -> str | None:
    """``url`` when it is an absolute http(s) URL, made safe to put in a link; otherwise ``None``.

    Fetched pages decide the URLs a report or a page shows, so a ``javascript:`` or ``data:``
    URL must never become a link. Characters that could end a Markdown link or an HTML
    attribute are percent-encoded.
    """
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=_LINK_SAFE)
