"""What the HTML pages draw at a glance: cell glyphs, readable times, the coverage timeline.

Pure functions of the view's values, for the templates. Nothing is said by colour alone: every
grid cell carries a letter (and a pattern for the unread and distancing ones), every timeline mark
a label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from compare.report.labels import reason_label
from compare.view.model import (
    PRESENCE_NOT_READ,
    PRESENCE_OMITS,
    PRESENCE_SAYS,
    ClaimCell,
    ClaimRow,
    EventView,
    OutletStatus,
)

__all__ = [
    "FOLD_AFTER",
    "GLYPHS",
    "GRID_ROWS",
    "GridOutlets",
    "Mark",
    "Timeline",
    "ago",
    "counts_text",
    "glyph",
    "grid_outlets",
    "short_name",
    "timeline",
    "when",
]

#: How many claims the at-a-glance grid shows (the widest first); the rest are listed below it.
GRID_ROWS = 40

#: With more outlets than this that have no article in the event, the claim grid and each claim's
#: "not saying it" list show only the outlets covering the event and fold the others into one
#: line: an outlet with no article here has the same cell in every claim (its own state, in the
#: Outlets table), and two hundred identical columns hide the ten that differ.
FOLD_AFTER = 12

#: Grid cell: css class, letter, words. Attribution classes for "says", then the two absences.
GLYPHS = {
    "own_voice": ("own", "O", "says it in its own voice"),
    "neutral": ("attr", "A", "says it, attributed to a source"),
    "distancing": ("dist", "D", "says it at a distance (claimed, so-called, scare quotes)"),
    "hedged": ("hedge", "H", "says it hedged (reportedly, allegedly)"),
    "anonymous": ("anon", "?", "says it on an unnamed source's word"),
    "says": ("says", "S", "says it"),
    PRESENCE_OMITS: ("omits", "–", "read, does not say it"),
    PRESENCE_NOT_READ: ("unread", "×", "could not be read"),
}


def glyph(cell: ClaimCell) -> tuple[str, str, str]:
    """(css class, letter, words) of one grid cell."""
    if cell.presence in (PRESENCE_OMITS, PRESENCE_NOT_READ):
        return GLYPHS[cell.presence]
    return GLYPHS.get(cell.attribution or "says", GLYPHS["says"])


@dataclass(frozen=True)
class GridOutlets:
    """Which outlets the claim grid and the claims' lists name one by one.

    ``columns`` get a column (and are named in each claim's "not saying it"); ``folded`` have no
    article in the event and are summed up in one line (:attr:`folded_text`) when there are more
    than :data:`FOLD_AFTER` of them; ``never`` were never fetched and are left out of both.
    """

    columns: tuple[OutletStatus, ...]
    folded: tuple[OutletStatus, ...]
    never: tuple[OutletStatus, ...]

    @property
    def column_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.columns)

    @property
    def folded_text(self) -> str:
        """The folded outlets by where they stand, most first, in the Outlets table's words:
        "150 read, does not cover it (omits); 3 not read: timeout"."""
        counts = Counter(reason_label(o) for o in self.folded)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return "; ".join(f"{n} {label}" for label, n in ranked)

    def cells(self, claim: ClaimRow) -> list[ClaimCell]:
        """The claim's cells of the outlets with a column, in column order."""
        ids = self.column_ids
        return [c for c in claim.cells if c.outlet_id in ids]

    def silent(self, claim: ClaimRow) -> list[ClaimCell]:
        """The claim's cells that do not say it, of the outlets with a column."""
        ids = self.column_ids
        return [c for c in claim.cells if c.presence != PRESENCE_SAYS and c.outlet_id in ids]


def grid_outlets(view: EventView, *, fold_after: int = FOLD_AFTER) -> GridOutlets:
    """The event's outlets split for the claim grid (see :class:`GridOutlets`)."""
    never = tuple(o for o in view.outlets if o.reason == "not_fetched")
    shown = [o for o in view.outlets if o.reason != "not_fetched"]
    absent = tuple(o for o in shown if not o.covering)
    if len(absent) <= fold_after:
        return GridOutlets(tuple(shown), (), never)
    return GridOutlets(tuple(o for o in shown if o.covering), absent, never)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(value: str | None) -> str:
    """An ISO time as a person reads it: "29 July 2023, 08:40 UTC" (a date alone stays a date)."""
    if not value:
        return "date unknown"
    parsed = _parse(value)
    if parsed is None:
        return str(value)
    day = f"{parsed.day} {parsed:%B %Y}"
    if len(str(value)) <= 10:
        return day
    return f"{day}, {parsed.astimezone(UTC):%H:%M} UTC"


_UNITS = ((86_400 * 365, "year"), (86_400 * 30, "month"), (86_400, "day"), (3600, "hour"), (60, "minute"))


def ago(value: str | None, *, now: str | None = None) -> str:
    """How long before ``now`` (default: the present) a time was: "3 hours ago", "2 days ago"."""
    then, ref = _parse(value), _parse(now) if now else datetime.now(UTC)
    if then is None or ref is None:
        return ""
    seconds = (ref - then).total_seconds()
    if seconds < 0:
        return "just now"
    for size, unit in _UNITS:
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' * (n != 1)} ago"
    return "just now"


@dataclass(frozen=True)
class Mark:
    """One article on the timeline: where it sits, and what its label says."""

    x: float
    y: float
    label: str
    edited: bool
    article_id: int


@dataclass(frozen=True)
class Timeline:
    """The coverage timeline: one row per covering outlet, a mark per dated article."""

    width: int
    height: int
    rows: tuple[tuple[float, str], ...]
    marks: tuple[Mark, ...]
    ticks: tuple[tuple[float, str], ...]
    undated: tuple[str, ...]


_LEFT, _RIGHT, _ROW, _TOP = 190, 30, 26, 26


def timeline(view: EventView, *, width: int = 980) -> Timeline | None:
    """Who published when (and whose article changed since): ``None`` when nothing is dated."""
    names = {o.id: o.name for o in view.outlets}
    edited = {e.article_id for e in view.changes.edited}
    dated = [(a, _parse(a.published_at)) for a in view.articles]
    known = [t for _, t in dated if t is not None]
    if not known:
        return None
    start, end = min(known), max(known)
    span = max((end - start).total_seconds(), 3600.0)
    outlets = list(dict.fromkeys(a.outlet_id for a, t in dated if t is not None))
    rows = tuple((_TOP + i * _ROW + _ROW / 2, names.get(o, o)) for i, o in enumerate(outlets))
    inner = width - _LEFT - _RIGHT
    marks = []
    for article, at in dated:
        if at is None:
            continue
        x = _LEFT + inner * (at - start).total_seconds() / span
        y = rows[outlets.index(article.outlet_id)][0]
        label = f"{names.get(article.outlet_id, article.outlet_id)}: {when(article.published_at)}"
        if article.version > 1:
            label += f" (version {article.version})"
        marks.append(Mark(round(x, 1), y, label, article.id in edited or article.version > 1, article.id))
    ticks = tuple(
        (round(_LEFT + inner * f, 1), when((start + (end - start) * f).isoformat(timespec="minutes")))
        for f in ((0.0, 0.5, 1.0) if end > start else (0.0,))
    )
    undated = tuple(names.get(a.outlet_id, a.outlet_id) for a, t in dated if t is None)
    return Timeline(width, _TOP + len(rows) * _ROW + 30, rows, tuple(marks), ticks, undated)


def short_name(name: str, limit: int = 22) -> str:
    """An outlet name short enough for a grid column head."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def counts_text(items: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in items)
