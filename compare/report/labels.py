"""Words and links shared by the renderers: presence and badge labels, safe URLs, snapshot paths.

Every renderer says the same thing the same way: "omits" only ever means the outlet was read;
an outlet that could not be read is "not fetched" with the fetch outcome beside it.
"""

from __future__ import annotations

import re

from compare.report.model import PRESENCE_OMITS, PRESENCE_SAYS, ClaimCell, OutletStatus
from compare.urls import safe_url  # the one check before a URL becomes a link

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

#: How a fetch outcome reads in a report.
OUTCOME_LABELS = {
    "omitted": "read, does not cover it",
    "not_fetched": "not fetched",
    "blocked": "blocked",
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
    "blocked_address": "refused: not a public address",
    "backed_off": "not asked (backing off after earlier failures)",
}

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def presence_label(presence: str) -> str:
    """``says``, ``omits`` or ``not fetched: <outcome>``."""
    if presence in (PRESENCE_SAYS, PRESENCE_OMITS):
        return presence
    if presence == "not_fetched":
        return "not fetched"
    return f"not fetched: {OUTCOME_LABELS.get(presence, presence.replace('_', ' '))}"


def presence_class(presence: str) -> str:
    """CSS class of a presence: ``says``, ``omits`` or ``unread``."""
    return presence if presence in (PRESENCE_SAYS, PRESENCE_OMITS) else "unread"


def cell_label(cell: ClaimCell) -> str:
    """The short text of a claim-matrix cell: presence, then badge and reprint mark if any."""
    parts = [presence_label(cell.presence)]
    if cell.presence == PRESENCE_SAYS and cell.attribution:
        parts.append(ATTRIBUTION_LABELS.get(cell.attribution, (cell.attribution, ""))[0])
    if cell.reprint:
        parts.append("reprint")
    return " · ".join(parts)


def reason_label(outlet: OutletStatus) -> str:
    """Why an outlet is not among those covering the event."""
    if outlet.covering or outlet.reason is None:
        return "covers it"
    return OUTCOME_LABELS.get(outlet.reason, outlet.reason.replace("_", " "))


def snapshot_path(sha256: str | None) -> str | None:
    """The bundle-relative path of a snapshot's text file, for a well-formed sha256 only."""
    if sha256 is None or not _SHA256.match(sha256):
        return None
    return f"snapshots/{sha256}.txt"
