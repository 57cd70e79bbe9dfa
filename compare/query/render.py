"""Rendering a :class:`QueryResult` for a terminal (rich), for Markdown and as JSON.

Store text is never interpreted: in the terminal every cell is a :class:`rich.text.Text` (so
"[bold]" in an article stays literal), in Markdown it is escaped (no HTML, no emphasis, no
table breaks), in JSON it is data.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from compare.query._model import ClaimMatch, EventMatch, OutletSentence, QueryResult

__all__ = [
    "JSON_SCHEMA",
    "render_query_json",
    "render_query_markdown",
    "render_query_table",
    "result_to_dict",
]

JSON_SCHEMA = "newscompare.query/1"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def result_to_dict(result: QueryResult) -> dict[str, Any]:
    """The JSON-ready form of a result, with its schema name first."""
    return {"schema": JSON_SCHEMA, **dataclasses.asdict(result)}


def render_query_json(result: QueryResult, *, indent: int | None = 2) -> str:
    """The result as JSON (``schema: newscompare.query/1``; fields as in :class:`QueryResult`)."""
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=indent)


def _attribution(s: OutletSentence) -> str:
    if not s.attribution:
        return "—"
    return f"{s.attribution} ({s.speaker})" if s.speaker else s.attribution


def _labels(s: OutletSentence) -> str:
    parts = [f"{lab.concept}: {lab.term}" if lab.concept else lab.term for lab in s.labels]
    parts += [f"loaded: {t}" for t in s.loaded]
    return "; ".join(parts) or "—"


def _event_title(event: EventMatch) -> str:
    if event.id is None:
        return "Articles not grouped into an event"
    dates = " – ".join(d[:10] for d in (event.first_published, event.last_published) if d)
    label = f" {event.label}" if event.label else ""
    return f"Event {event.id}:{label}" + (f" ({dates})" if dates else "")


def _claim_title(claim: ClaimMatch) -> str:
    head = f"claim {claim.id}" if claim.id is not None else "passage outside any claim"
    outlets = len({s.outlet_id for s in claim.sentences})
    return f"{head} · {outlets} outlet{'s' * (outlets != 1)}"


def _summary(result: QueryResult) -> str:
    shown = len(result.events)
    first = result.offset + 1 if shown else 0
    parts = [f"{result.total_events} event{'s' * (result.total_events != 1)}"]
    if shown:
        parts.append(f"showing {first}–{result.offset + shown}")
    parts.append(f"vector search: {result.vector_search}" + (f" ({result.model})" if result.model else ""))
    parts.append(f"{result.seconds:.2f} s")
    return ", ".join(parts)


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
        table = Table(
            title=Text(_event_title(event), style="bold"),
            caption=Text("Outlets covering: " + (", ".join(event.outlets) or "—")),
            show_lines=False,
            expand=True,
        )
        table.add_column("Outlet", no_wrap=True, ratio=1)
        table.add_column("Sentence", ratio=5)
        table.add_column("Attribution", ratio=1)
        table.add_column("Labels", ratio=2)
        for claim in event.claims:
            table.add_row(Text(""), Text(_claim_title(claim), style="italic"), Text(""), Text(""))
            for s in claim.sentences:
                table.add_row(
                    Text(s.outlet_name),
                    Text(s.text, style="bold" if s.matched else ""),
                    Text(_attribution(s)),
                    Text(_labels(s)),
                )
            if claim.absent:
                table.add_row(
                    Text("not said by", style="dim"), Text(", ".join(claim.absent), style="dim"), "", ""
                )
            table.rows[-1].end_section = True
        blocks.append(table)
    return Group(*blocks)


def md(text: object) -> str:
    """Text made inert for Markdown: HTML entities, escaped punctuation, one line."""
    value = " ".join(str(text).split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", value)


def render_query_markdown(result: QueryResult) -> str:
    """The result as Markdown: a section per event, a table per claim (one row per outlet)."""
    lines = [f"# Query: {md(result.query)}", ""]
    if result.expansions:
        lines += ["Also searched: " + ", ".join(md(t) for t in result.expansions), ""]
    lines += [md(_summary(result)), ""]
    if not result.events:
        lines += ["No matching passages.", ""]
    for event in result.events:
        lines += [f"## {md(_event_title(event))}", ""]
        if event.outlets:
            lines += ["Outlets covering: " + ", ".join(md(o) for o in event.outlets), ""]
        for claim in event.claims:
            lines += [f"### {md(_claim_title(claim))}", ""]
            lines += ["| Outlet | Sentence | Attribution | Labels |", "|---|---|---|---|"]
            for s in claim.sentences:
                sentence = f"**{md(s.text)}**" if s.matched else md(s.text)
                lines.append(
                    f"| {md(s.outlet_name)} | {sentence} | {md(_attribution(s))} | {md(_labels(s))} |"
                )
            lines.append("")
            if claim.absent:
                lines += ["Not said by: " + ", ".join(md(o) for o in claim.absent), ""]
    return "\n".join(lines).rstrip() + "\n"
