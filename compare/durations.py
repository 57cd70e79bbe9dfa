"""Durations and "since" cutoffs, read the same way by every command, the API and topic pages (L0).

``90m`` is ninety minutes everywhere; months are ``mo``. ``all`` (or an empty value) means no
cutoff. An ISO date or time is accepted wherever a cutoff is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from compare.errors import UsageError

__all__ = ["ALL", "DEFAULT_QUERY_SINCE", "DURATION_HELP", "parse_duration", "since_cutoff"]

#: The word for "no cutoff".
ALL = "all"
#: What a topic query searches by default, on the command line, the web page and the API alike:
#: the whole store (a journalist asks about a story, whatever its age).
DEFAULT_QUERY_SINCE = ALL
DURATION_HELP = "a number and m (minutes), h, d, w, mo (months) or y, e.g. 90m, 2d, 6mo; or 'all'"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mo|[mhdwy])\s*$", re.IGNORECASE)
_SECONDS = {"m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400, "mo": 30 * 86_400, "y": 365 * 86_400}
#: Longer than this is no cutoff in practice, and would overflow a datetime.
_MAX_SECONDS = 5000 * 365 * 86_400


def parse_duration(text: str | None) -> timedelta | None:
    """``90m``, ``12h``, ``2d``, ``1w``, ``6mo``, ``1y`` -> a timedelta; ``all`` or empty -> ``None``.

    Anything else is a :class:`~compare.errors.UsageError` (one line for the user).
    """
    if text is None or not str(text).strip() or str(text).strip().lower() == ALL:
        return None
    match = _DURATION.match(str(text))
    if not match:
        raise UsageError(f"cannot read the duration {text!r}: use {DURATION_HELP}")
    seconds = float(match.group(1)) * _SECONDS[match.group(2).lower()]
    return timedelta(seconds=min(seconds, _MAX_SECONDS))


def since_cutoff(value: str | datetime | timedelta | None, *, now: datetime | None = None) -> datetime | None:
    """The UTC time a "since" value starts at: a duration back from ``now``, an ISO date or time,
    or ``None`` for no cutoff (``all``, empty, ``None``)."""
    now = now or datetime.now(UTC)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, timedelta):
        return _minus(now, value)
    text = str(value).strip()
    if not text or text.lower() == ALL:
        return None
    if _DURATION.match(text):
        delta = parse_duration(text)
        return _minus(now, delta) if delta is not None else None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read since={text!r}: use {DURATION_HELP}, or a date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _minus(now: datetime, delta: timedelta) -> datetime:
    """``now - delta``, or the earliest datetime when that falls before year 1."""
    try:
        return now - delta
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
