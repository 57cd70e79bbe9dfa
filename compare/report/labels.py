"""Words and links shared by the renderers: presence and badge labels, safe URLs, snapshot paths.

Every renderer says the same thing the same way: "omits" only ever means the outlet was read for
the event's dates; an outlet that could not be read is "not read", with the reason beside it.
"""

from __future__ import annotations

import re

from compare.urls import safe_url  # the one check before a URL becomes a link
from compare.view.model import PRESENCE_NOT_READ, PRESENCE_OMITS, PRESENCE_SAYS, ClaimCell, OutletStatus

__all__ = [
    "ATTRIBUTION_LABELS",
    "OUTCOME_LABELS",
    "cell_label",
    "presence_class",
    "presence_label",
    "reason_label",
    "safe_url",
    "snapshot_path",
]

#: Attribution badge text and what it means (docs/reports.md explains each).
ATTRIBUTION_LABELS = {
    "own_voice": ("own voice", "told as fact, in the outlet's own voice"),
    "neutral": ("attributed", "attributed neutrally to a source ('said')"),
    "distancing": ("distancing", "attributed at a distance ('claimed', 'so-called', scare quotes)"),
    "anonymous": ("anonymous", "attributed to an unnamed source"),
    "hedged": ("hedged", "hedged ('reportedly', 'allegedly')"),
}

#: Why an outlet could not be read, as a report says it.
OUTCOME_LABELS = {
    "not_fetched": "no fetch recorded",
    "outside_window": "none of its pages from these dates was read",
    "blocked": "blocked",
    "blocked_address": "address refused",
    "paywall": "paywalled",
    "http_error": "HTTP error",
    "timeout": "timed out",
    "robots_disallowed": "disallowed by robots.txt",
    "too_large": "page too large",
    "not_html": "not an HTML page",
    "extract_empty": "no text could be extracted",
    "redirect_loop": "redirect loop",
    "dns_error": "DNS error",
    "connection_error": "connection error",
    "tls_error": "TLS error",
    "invalid_url": "invalid URL",
    "backed_off": "not asked (backing off after earlier failures)",
    "no_feed": "no working feed found (feed discovery)",
}


def _reason(reason: str | None) -> str:
    if not reason:
        return "unknown"
    return OUTCOME_LABELS.get(reason, reason.replace("_", " "))


def presence_label(presence: str, reason: str | None = None) -> str:
    """``says``, ``omits`` or ``not read: <why>``."""
    if presence in (PRESENCE_SAYS, PRESENCE_OMITS):
        return presence
    return f"not read: {_reason(reason)}"


def presence_class(presence: str) -> str:
    """CSS class of a presence: ``says``, ``omits`` or ``unread``."""
    return presence if presence in (PRESENCE_SAYS, PRESENCE_OMITS) else "unread"


def cell_label(cell: ClaimCell) -> str:
    """The short text of a claim-matrix cell: presence, then badge and reprint mark if any."""
    parts = [presence_label(cell.presence, cell.reason)]
    if cell.presence == PRESENCE_SAYS and cell.attribution:
        parts.append(ATTRIBUTION_LABELS.get(cell.attribution, (cell.attribution, ""))[0])
    if cell.reprint:
        parts.append("reprint")
    return " · ".join(parts)


def reason_label(outlet: OutletStatus) -> str:
    """Where an outlet stands for the event, in words: the same words its matrix cells use."""
    if outlet.covering:
        return "covers it"
    if outlet.state == PRESENCE_NOT_READ:
        return presence_label(PRESENCE_NOT_READ, outlet.reason)
    return "read, does not cover it (omits)"


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def snapshot_path(sha256: str | None) -> str | None:
    """The bundle-relative path of a snapshot's text file, for a well-formed sha256 only."""
    if sha256 is None or not _SHA256.match(sha256):
        return None
    return f"snapshots/{sha256}.txt"
