"""Rendering a :class:`QueryResult` for a terminal (rich), for Markdown and as JSON.

Store text is never interpreted: in the terminal every cell is a :class:`rich.text.Text` (so
"[bold]" in an article stays literal), in Markdown it is escaped (no HTML, no emphasis, no
table breaks), in JSON it is data.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from compare.markup import md
from compare.query._model import ClaimHit, EventMatch, QueryResult
from compare.view.model import PRESENCE_NOT_READ, PRESENCE_OMITS, PRESENCE_SAYS, ClaimCell

__all__ = [
    "JSON_SCHEMA",
    "render_query_json",
    "render_query_markdown",
    "render_query_table",
    "result_to_dict",
]

JSON_SCHEMA = "newscompare.query/2"


def result_to_dict(result: QueryResult) -> dict[str, Any]:
    """The JSON-ready form of a result, with its schema name first."""
    return {"schema": JSON_SCHEMA, **dataclasses.asdict(result)}


def render_query_json(result: QueryResult, *, indent: int | None = 2) -> str:
    """The result as JSON (``schema: newscompare.query/2``; fields as in :class:`QueryResult`)."""
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=indent)


def _attribution(c: ClaimCell) -> str:
    if not c.attribution:
        return "—"
    return f"{c.attribution} ({c.speaker})" if c.speaker else c.attribution


def _labels(c: ClaimCell) -> str:
    parts = list(c.labels) + [f"loaded: {t}" for t in c.loaded]
    return "; ".join(parts) or "—"


def _event_title(event: EventMatch) -> str:
    if event.id is None:
        return "Articles not grouped into an event"
    dates = " – ".join(d[:10] for d in (event.first_published, event.last_published) if d)
    label = f" {event.label}" if event.label else ""
    return f"Event {event.id}:{label}" + (f" ({dates})" if dates else "")


def _claim_title(hit: ClaimHit) -> str:
    outlets = sum(1 for c in hit.claim.cells if c.presence == PRESENCE_SAYS)
    return f"claim {hit.claim.id} · {outlets} outlet{'s' * (outlets != 1)}"


def _absent(hit: ClaimHit, names: dict[str, str]) -> list[str]:
    """ "omits: A, B" and "not read: C (why)" for the outlets that do not carry the claim."""
    omits = [names.get(c.outlet_id, c.outlet_id) for c in hit.claim.cells if c.presence == PRESENCE_OMITS]
    unread = [
        f"{names.get(c.outlet_id, c.outlet_id)} ({(c.reason or 'unknown').replace('_', ' ')})"
        for c in hit.claim.cells
        if c.presence == PRESENCE_NOT_READ
    ]
    out = []
    if omits:
        out.append("omits: " + ", ".join(omits))
    if unread:
        out.append("not read: " + ", ".join(unread))
    return out


def _summary(result: QueryResult) -> str:
    shown = len(result.events)
    first = result.offset + 1 if shown else 0
    parts = [f"{result.total_events} event{'s' * (result.total_events != 1)}"]
    if shown:
        parts.append(f"showing {first}–{result.offset + shown}")
    parts.append(f"vector search: {result.vector_search}" + (f" ({result.model})" if result.model else ""))
    parts.append(f"{result.seconds:.2f} s")
    return ", ".join(parts)


def _names(event: EventMatch) -> dict[str, str]:
    return {o.id: o.name for o in event.outlets}


def _covering(event: EventMatch) -> str:
    return ", ".join(o.name for o in event.outlets if o.covering) or "—"


def render_query_table(result: QueryResult) -> Any:
    """A rich renderable: one table per event, a section per claim, a row per outlet."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    blocks: list[Any] = [Text(f"Query: {result.query}", style="bold")]
    if result.expansions:
        blocks.append(Text("Also searched: " + ", ".join(result.expansions), style="dim"))
    blocks.append(Text(_summary(result), style="dim"))
    if not result.events:
        blocks.append(Text("No matching passages."))
    for event in result.events:
        names = _names(event)
        table = Table(
            title=Text(_event_title(event), style="bold"),
            caption=Text("Outlets covering: " + _covering(event)),
            show_lines=False,
            expand=True,
        )
        table.add_column("Outlet", ratio=1)
        table.add_column("Sentence", ratio=5)
        table.add_column("Attribution", ratio=1)
        table.add_column("Labels", ratio=2)
        for hit in event.claims:
            table.add_row(Text(""), Text(_claim_title(hit), style="italic"), Text(""), Text(""))
            for cell in hit.claim.cells:
                if cell.presence != PRESENCE_SAYS:
                    continue
                matched = cell.outlet_id in hit.matched_outlets
                table.add_row(
                    Text(names.get(cell.outlet_id, cell.outlet_id)),
                    Text(cell.sentence or "", style="bold" if matched else ""),
                    Text(_attribution(cell)),
                    Text(_labels(cell)),
                )
            for line in _absent(hit, names):
                table.add_row(Text("not saying it", style="dim"), Text(line, style="dim"), "", "")
            table.rows[-1].end_section = True
        for loose in event.loose:
            table.add_row(Text(loose.outlet_id), Text(loose.text), Text("—"), Text("—"))
        blocks.append(table)
    return Group(*blocks)


def render_query_markdown(result: QueryResult) -> str:
    """The result as Markdown: a section per event, a table per claim (one row per outlet)."""
    lines = [f"# Query: {md(result.query)}", ""]
    if result.expansions:
        lines += ["Also searched: " + ", ".join(md(t) for t in result.expansions), ""]
    lines += [md(_summary(result)), ""]
    if not result.events:
        lines += ["No matching passages.", ""]
    for event in result.events:
        names = _names(event)
        lines += [f"## {md(_event_title(event))}", ""]
        if event.outlets:
            lines += ["Outlets covering: " + md(_covering(event)), ""]
        for hit in event.claims:
            lines += [f"### {md(_claim_title(hit))}", ""]
            lines += ["| Outlet | Sentence | Attribution | Labels |", "|---|---|---|---|"]
            for cell in hit.claim.cells:
                if cell.presence != PRESENCE_SAYS:
                    continue
                sentence = md(cell.sentence or "")
                if cell.outlet_id in hit.matched_outlets:
                    sentence = f"**{sentence}**"
                lines.append(
                    f"| {md(names.get(cell.outlet_id, cell.outlet_id))} | {sentence} | "
                    f"{md(_attribution(cell))} | {md(_labels(cell))} |"
                )
            lines.append("")
            lines += [*(f"Not saying it — {md(line)}" for line in _absent(hit, names)), ""]
        for loose in event.loose:
            lines += [f"- {md(loose.outlet_id)}: {md(loose.text)}", ""]
    return "\n".join(lines).rstrip() + "\n"
