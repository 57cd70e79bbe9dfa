"""Markdown rendering of an :class:`EventView` and a :class:`RunIndex` (GitHub-flavoured tables).

Fetched text is data, never markup: :func:`compare.markup.md` entity-encodes ``& < >`` (so no renderer sees an
HTML tag), backslash-escapes every character Markdown gives a meaning inline (``* _ ` [ ] ( ) |
~ \\ { } !``) and those that start a block at the beginning of a line, and folds newlines, so a
sentence can neither open a link, break out of a table cell nor start a heading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from compare.markup import md
from compare.report.glance import when
from compare.report.labels import (
    ATTRIBUTION_LABELS,
    cell_label,
    reason_label,
    safe_url,
    snapshot_path,
)
from compare.view.index import DISAGREEMENT_HELP
from compare.view.model import PRESENCE_SAYS, DiffSegment, EventView, Provenance, RunIndex

__all__ = ["render_index_markdown", "render_markdown"]


def _link(text: str, url: str | None) -> str:
    target = safe_url(url)
    return f"[{md(text)}]({target})" if target else md(text)


def _diff(segments: Sequence[DiffSegment]) -> str:
    """The other side of a diff, with deleted words struck through and new words in bold."""
    out = []
    for seg in segments:
        if seg.op == "equal":
            out.append(_spaced(seg.b, md(seg.b)))
            continue
        if seg.a.strip() and seg.op == "delete":
            out.append(f" ~~{md(seg.a)}~~ ")
        elif seg.a.strip() and seg.op == "replace":
            out.append(_spaced(seg.a, f"~~{md(seg.a)}~~"))
        if seg.b.strip() and seg.op in ("replace", "insert"):
            if seg.op == "replace":
                out.append(" ")
            out.append(_spaced(seg.b, f"**{md(seg.b)}**"))
    return " ".join("".join(out).split())


def _spaced(raw: str, rendered: str) -> str:
    """``rendered`` with the leading and trailing whitespace of ``raw`` kept (as one space)."""
    if not raw.strip():
        return " " if raw else ""
    return (" " if raw[0].isspace() else "") + rendered + (" " if raw[-1].isspace() else "")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _provenance(p: Provenance | None) -> str:
    if p is None:
        return ""
    parts = [_link(f"article {p.article_id} v{p.version}", p.url), f"chars {p.start}–{p.end}"]
    path = snapshot_path(p.snapshot_sha256)
    if path and p.snapshot_sha256:
        parts.append(f"[snapshot {p.snapshot_sha256[:12]}]({path})")
    return ", ".join(parts)


def render_markdown(report: EventView) -> str:
    """The whole report as one Markdown document."""
    ev = report.event
    names = {o.id: o.name for o in report.outlets}
    out = [f"# {md(ev.label or f'Event {ev.id}')}", ""]
    span = f"{md(ev.first_published or '?')} – {md(ev.last_published or '?')}"
    run = f"run {report.run.id} ({md(report.run.status)})" if report.run else "no run recorded"
    out += [f"Event {ev.id} · published {span} · {run} · generated {md(report.generated_at)}", ""]

    out += ["## Outlets", ""]
    covering = report.covering
    out += [f"**Covering ({len(covering)}):** " + (", ".join(md(o.name) for o in covering) or "none"), ""]
    if report.not_covering:
        out += _table(
            ["Not covering", "Why", "Fetches"],
            (
                [
                    md(o.name),
                    md(reason_label(o)),
                    md(", ".join(f"{k} {n}" for k, n in o.fetch_outcomes)),
                ]
                for o in report.not_covering
            ),
        )

    out += ["## Claim matrix", ""]
    if report.claims:
        header = ["#", "Claim"] + [md(names[o.id]) for o in report.outlets]
        matrix = (
            [str(c.id), md(_short(c.central_sentence))] + [md(cell_label(cell)) for cell in c.cells]
            for c in report.claims
        )
        out += _table(header, matrix)
    else:
        out += ["No aligned claims yet.", ""]

    out += ["## Side by side", ""]
    rows: list[list[str]]
    for claim in report.claims:
        out += [f"### Claim {claim.id}" + (" (new)" if claim.is_new else ""), ""]
        out += [
            f"Central sentence ({md(names.get(claim.central_outlet or '', '?'))}): "
            + md(claim.central_sentence),
            "",
        ]
        rows = []
        for cell in claim.cells:
            if cell.presence != PRESENCE_SAYS:
                continue
            wording = md(cell.sentence or "") if cell.central else _diff(cell.diff)
            rows.append(
                [
                    md(names.get(cell.outlet_id, cell.outlet_id)),
                    md(cell_label(cell)),
                    wording,
                    _provenance(cell.provenance),
                ]
            )
        out += _table(
            ["Outlet", "Presence", "Wording (~~central only~~, **this outlet only**)", "Source"], rows
        )
        silent = [names.get(c.outlet_id, c.outlet_id) for c in claim.cells if c.presence != PRESENCE_SAYS]
        if silent:
            out += [
                "Not saying it: "
                + ", ".join(
                    f"{md(names.get(c.outlet_id, c.outlet_id))} ({md(cell_label(c))})"
                    for c in claim.cells
                    if c.presence != PRESENCE_SAYS
                ),
                "",
            ]

    out += ["## Claims only one outlet makes", ""]
    out += [
        f"- {md(names.get(u.outlet_id, u.outlet_id))} (claim {u.claim_id}): {md(u.sentence)}"
        for u in report.unique_claims
    ]
    out += ["" if report.unique_claims else "None.", ""]

    out += ["## Label ledger", ""]
    if report.ledger:
        rows = []
        for concept in report.ledger:
            terms = "; ".join(
                f"{md(names.get(t.outlet_id, t.outlet_id))}: {md(t.term)} ×{t.count}" for t in concept.terms
            )
            kind = "found in diffs" if concept.discovered else "lexicon"
            rows.append([md(concept.concept), kind, "yes" if concept.disagree else "no", terms])
        out += _table(["Concept", "Source", "Names differ", "Outlet: name ×count"], rows)
    else:
        out += ["None.", ""]

    out += ["## Numbers that disagree", ""]
    if report.numbers:
        rows = [
            [
                str(n.claim_id),
                md(n.counts + (f" ({n.unit})" if n.unit else "")),
                "; ".join(
                    f"{md(names.get(v.outlet_id, v.outlet_id))}: {', '.join(_num(x) for x in v.values)}"
                    for v in n.values
                ),
            ]
            for n in report.numbers
        ]
        out += _table(["Claim", "What is counted", "Figures"], rows)
    else:
        out += ["None.", ""]

    out += ["## Voices", ""]
    for ov in report.voices:
        voices = ", ".join(
            f"{md(v.name)} ({v.mode}{', anonymous' if v.anonymous else ''}) ×{v.count}" for v in ov.voices
        )
        out.append(f"- **{md(names.get(ov.outlet_id, ov.outlet_id))}**: {voices}")
    out += ["" if report.voices else "None found.", ""]

    out += ["## Reprints", ""]
    for group in report.reprints:
        copies = ", ".join(_link(names.get(c.outlet_id, c.outlet_id), c.url) for c in group.copies)
        origin = _link(
            f"{names.get(group.origin.outlet_id, group.origin.outlet_id)}: "
            + (group.origin.title or group.origin.url),
            group.origin.url,
        )
        out.append(
            f"- {origin} — {len(group.copies)} cop{'y' if len(group.copies) == 1 else 'ies'}: {copies}"
        )
    out += ["" if report.reprints else "None.", ""]

    out += _changes_md(report, names)

    out += ["## Provenance", ""]
    rows = []
    for a in report.articles:
        path = snapshot_path(a.snapshot_sha256)
        snap = f"[{a.snapshot_sha256[:12]}]({path})" if path and a.snapshot_sha256 else "—"
        rows.append(
            [
                md(names.get(a.outlet_id, a.outlet_id)),
                _link(a.title or a.url, a.url),
                str(a.version),
                md(a.fetched_at or "—"),
                snap,
            ]
        )
    out += _table(["Outlet", "Article", "Version", "Fetched", "Snapshot sha256"], rows)
    out += ["Offsets count characters of the article text as stored; each snapshot file holds that text.", ""]
    out += [
        "Attribution badges: "
        + "; ".join(f"{label} = {md(meaning)}" for label, meaning in ATTRIBUTION_LABELS.values()),
        "",
    ]
    return "\n".join(out)


def _changes_md(report: EventView, names: dict[str, str]) -> list[str]:
    ch = report.changes
    out = ["## Changed since the last run", ""]
    if ch.since_run is None:
        return [*out, "No earlier run to compare with: everything here is new.", ""]
    out += [
        f"Compared with run {ch.since_run.id} ({md(ch.since_run.finished_at or ch.since_run.started_at)}).",
        "",
    ]
    if ch.new_event:
        out += ["New event since that run.", ""]
    out += [f"- {md(note.text)}" for note in ch.notes if note.kind != "new_event"]
    out += [""] if ch.notes else []
    for edit in ch.edited:
        out += [
            f"### Edited: {_link(names.get(edit.outlet_id, edit.outlet_id) + ' — ' + edit.url, edit.url)}"
            f" (version {edit.version})",
            "",
        ]
        out += ["> " + _diff(edit.diff), ""]
    if ch.empty:
        out += ["Nothing changed.", ""]
    return out


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def render_index_markdown(index: RunIndex) -> str:
    """The run index as Markdown: what changed first, then a table linking to each event's report."""
    run = f"run {index.run.id} ({md(index.run.status)})" if index.run else "no run recorded"
    out = [f"# Events — {run}", "", f"Generated {md(when(index.generated_at))}.", ""]
    if index.topics:
        out += [
            "Topics: "
            + " · ".join(f"[{md(t.name)}]({t.path.replace('.html', '.md')})" for t in index.topics),
            "",
        ]
    out += ["## What changed since the last run", ""]
    if index.since_run is None:
        out += ["This is the first run: every event is new.", ""]
    elif index.changed:
        for e in index.changed:
            label = f"[{md(e.label or f'Event {e.event_id}')}](event-{e.event_id}.md)"
            what = "; ".join(md(c) for c in e.changes) or f"{e.n_outlets} outlets, {e.n_claims} claims"
            out.append(f"- {'new' if e.new else '**changed**'} {label}{' (seed)' if e.seed else ''}: {what}")
        out.append("")
    else:
        out += ["No event changed.", ""]
    if index.failed_outlets:
        out += ["Outlets that failed in this run:", ""]
        for f in index.failed_outlets:
            outcomes = ", ".join(f"{k} {n}" for k, n in f.outcomes)
            out.append(f"- {md(f.name)}{' (nothing read)' if f.entirely else ''}: {md(outcomes)}")
        out.append("")
    out += ["## Every event", "", f"Most outlets first, then most disagreement. {md(DISAGREEMENT_HELP)}", ""]
    rows = []
    for e in index.entries:
        state = "new" if e.new else "changed" if e.changes else ""
        flag = " · ".join(f for f in (state, "seed" if e.seed else "") if f)
        label = md(e.label or f"Event {e.event_id}")
        rows.append(
            [
                f"[{label}](event-{e.event_id}.md)",
                flag,
                str(e.n_outlets),
                str(e.n_claims),
                str(e.shared_claims),
                f"{e.disagreement} of {e.shared_claims}" if e.shared_claims else str(e.disagreement),
                str(e.omissions),
                str(e.number_disagreements),
                str(e.distancing),
                md(f"{when(e.first_published)} – {when(e.last_published)}"),
            ]
        )
    out += _table(
        [
            "Event",
            "",
            "Outlets",
            "Claims",
            "Shared",
            "Disagreement",
            "Omissions",
            "Numbers",
            "Distancing",
            "Published",
        ],
        rows,
    )
    return "\n".join(out)
