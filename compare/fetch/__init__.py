"""Collecting coverage: discovery (feeds, sitemaps, given URLs) and polite, resumable fetching.

The package is the one adapter of httpx and feedparser. It never touches the store: the pipeline
calls :func:`fetch_sources` with a ``known`` look-up and an ``on_result`` writer, and persists
each :class:`~compare.models.FetchResult` (a ``fetch_log`` row, plus a snapshot when a body was
read) as it arrives::

    from compare.fetch import fetch_sources, Conditional, render_summary
    summary = fetch_sources(sources, known=store_lookup, on_result=store_write)
    console.print(render_summary(summary))
    raise SystemExit(summary.exit_code)

Modules, by the noun they own: ``address`` (which hosts may be reached), ``robots`` (RFC 9309
rules), ``politeness`` (per-host gates, retry timing), ``client`` (the one
httpx client), ``discover`` (feed and sitemap parsing), ``fetcher`` (one URL → one outcome),
``finding`` (feeds found from a homepage), ``ranking`` (which feeds to read, with verdicts),
``checking`` (``sources check``), ``run`` (a whole run, falling back to discovery when an
outlet's configured feeds fail), ``summary`` (counts, table, progress). URL spelling
(:mod:`compare.urls`) and decoding bytes (:mod:`compare.charset`) live a layer lower, because
extraction uses the same rules.
"""

from __future__ import annotations

from compare.charset import Decoded, decode_body
from compare.fetch.client import ClientOptions, Clients, build_client
from compare.fetch.discover import SitemapPage, parse_feed, parse_sitemap
from compare.fetch.fetcher import Conditional, Fetcher, FetcherOptions, classify_exception
from compare.fetch.politeness import RetryPolicy
from compare.fetch.robots import RobotsRules, parse_robots
from compare.fetch.run import ADHOC_OUTLET, FetchPlan, afetch_sources, fetch_sources
from compare.fetch.summary import (
    ConsoleProgress,
    FetchSummary,
    OutletSummary,
    Progress,
    discovery_lines,
    render_summary,
)
from compare.urls import canonical_from_html, canonicalize_url

__all__ = [
    "ADHOC_OUTLET",
    "ClientOptions",
    "Clients",
    "Conditional",
    "ConsoleProgress",
    "Decoded",
    "FetchPlan",
    "FetchSummary",
    "Fetcher",
    "FetcherOptions",
    "OutletSummary",
    "Progress",
    "RetryPolicy",
    "RobotsRules",
    "SitemapPage",
    "afetch_sources",
    "build_client",
    "canonical_from_html",
    "canonicalize_url",
    "classify_exception",
    "decode_body",
    "discovery_lines",
    "fetch_sources",
    "parse_feed",
    "parse_robots",
    "parse_sitemap",
    "render_summary",
]
