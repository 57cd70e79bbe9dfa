"""Pick a renderer by name, for the command line and the service (``--format html|md|json|csv``)."""

from __future__ import annotations

from collections.abc import Callable

from compare.errors import UsageError
from compare.report.csvout import render_claim_matrix_csv
from compare.report.html import render_html
from compare.report.jsonout import render_json
from compare.report.markdown import render_markdown
from compare.view.model import EventView

__all__ = ["FORMATS", "MEDIA_TYPES", "render_report"]

FORMATS: dict[str, Callable[[EventView], str]] = {
    "html": render_html,
    "md": render_markdown,
    "json": render_json,
    "csv": render_claim_matrix_csv,
}

#: The media type of each format, for a web response or a file name's guess.
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def render_report(report: EventView, *, format: str = "html", standalone: bool = False) -> str:
    """``report`` rendered as ``format`` (``html``, ``md``, ``json`` or ``csv``).

    ``standalone`` HTML links to nothing a report bundle would write beside it (a single file).
    An unknown format raises :class:`~compare.errors.UsageError` naming the ones there are.
    """
    if format == "html":
        return render_html(report, standalone=standalone)
    try:
        renderer = FORMATS[format]
    except KeyError:
        raise UsageError(f"unknown report format {format!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(report)
