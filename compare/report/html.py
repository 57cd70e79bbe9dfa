"""Self-contained HTML rendering of an :class:`EventView` and a :class:`RunIndex`.

One file per page: the CSS is inlined, there is no script and no external asset, and a
Content-Security-Policy meta tag forbids both anyway, so a report opens from disk, offline, and
prints cleanly (print CSS). Jinja2 autoescaping is on for every template; fetched text is only
ever printed through ``{{ }}`` and URLs pass :func:`~compare.report.labels.safe_url` before they
become links — the tests feed hostile titles, bodies and URLs through it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare.report.glance import (
    GLYPHS,
    GRID_ROWS,
    ago,
    counts_text,
    glyph,
    grid_outlets,
    short_name,
    timeline,
    when,
)
from compare.report.labels import (
    ATTRIBUTION_LABELS,
    presence_class,
    presence_label,
    reason_label,
    safe_url,
    snapshot_path,
)
from compare.view.index import DISAGREEMENT_HELP
from compare.view.model import PRESENCE_NOT_READ, EventView, RunIndex

if TYPE_CHECKING:
    import jinja2

__all__ = ["render_html", "render_index_html", "render_topic_html"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        safe_url=safe_url,
        snapshot_path=snapshot_path,
        presence_label=presence_label,
        presence_class=presence_class,
        reason_label=reason_label,
        attribution_labels=ATTRIBUTION_LABELS,
        glyph=glyph,
        glyphs={**GLYPHS, "not_read": GLYPHS[PRESENCE_NOT_READ]},
        disagreement_help=DISAGREEMENT_HELP,
    )
    env.filters.update(number=_number, when=when, ago=ago, short=short_name, counts=counts_text)
    return env


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


#: Claims carried by one outlet listed under "Only one outlet" at most (the JSON and CSV have all).
MAX_SINGLE = 200


def render_html(report: EventView, *, standalone: bool = False) -> str:
    """The event report as one self-contained HTML page.

    ``standalone`` is a page on its own (``report … --out x.html``): it links to nothing a report
    bundle would write beside it (the index, snapshot files), only to the outlets' own pages.
    """
    return _render(
        "report.html",
        r=report,
        names={o.id: o.name for o in report.outlets},
        profiles={p.outlet_id: p for p in report.profiles},
        tl=timeline(report),
        g=grid_outlets(report),
        grid_rows=GRID_ROWS,
        max_single=MAX_SINGLE,
        standalone=standalone,
    )


def render_topic_html(name: str, results: Sequence[Any]) -> str:
    """A topic page: each of its query phrases' matching events, their claims in a grid.

    ``results`` are :class:`compare.query.QueryResult` values (the template reads their fields).
    """
    return _render("topic.html", topic=name, results=results)


def render_index_html(index: RunIndex) -> str:
    """The run's index page, linking to ``event-<id>.html`` (and topic pages) beside it."""
    return _render("index.html", ix=index)
