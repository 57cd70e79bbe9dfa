"""Markdown rendering of an :class:`EventView` and a :class:`RunIndex` (GitHub-flavoured tables).

Fetched text is data, never markup: :func:`compare.markup.md` entity-encodes ``& < >`` (so no renderer sees an
HTML tag), backslash-escapes every character Markdown gives a meaning inline (``* _ ` [ ] ( ) |
~ \\ { } !``) and those that start a block at the beginning of a line, and folds newlines, so a
sentence can neither open a link, break out of a table cell nor start a heading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from compare.markup import md
from compare.report.glance import GLYPHS, GRID_ROWS, counts_text, glyph, grid_outlets, when
from compare.report.labels import (
    ATTRIBUTION_LABELS,
    cell_label,
    reason_label,
    safe_url,
    snapshot_path,
)
from compare.view.index import DISAGREEMENT_HELP
from compare.view.model import (
    PRESENCE_SAYS,
    ClaimCell,
    ClaimRow,
    DiffSegment,
    EventView,
    Provenance,
    RunIndex,
)

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
    """The whole report as one Markdown document, bounded like the HTML page."""
    names = {o.id: o.name for o in report.outlets}
    out = _header(report)
    for section in (_glance, _outlets_md, _side_by_side, _unique_md, _ledger_md, _numbers_md, _voices_md,
                    _reprints_md, _changes_md, _provenance_md):  # fmt: skip
        out += section(report, names)
    return "\n".join(out)


def _header(report: EventView) -> list[str]:
    ev = report.event
    span = md(when(ev.first_published)) + (f" – {md(when(ev.last_published))}" if ev.last_published else "")
    run = f"run {report.run.id} ({md(report.run.status)})" if report.run else "no run recorded"
    return [
        f"# {md(ev.label or f'Event {ev.id}')}",
        "",
        f"Event {ev.id} · published {span} · {run} · generated {md(when(report.generated_at))}",
        "",
    ]


def _ordered(report: EventView) -> tuple[list[ClaimRow], list[ClaimRow]]:
    shared = [c for c in report.claims if c.n_outlets >= 2]
    return shared, [c for c in report.claims if c.n_outlets < 2]


def _glance(report: EventView, names: dict[str, str]) -> list[str]:
    shared, single = _ordered(report)
    shown = [o for o in report.outlets if o.reason != "not_fetched"]
    out = ["## At a glance (claim matrix)", ""]
    unread = sum(1 for o in shown if o.state == "not_read")
    out += [
        f"{len(report.covering)} outlets cover it; {unread} could not be read. {report.total_claims} claims, "
        f"{len(shared)} carried by two outlets or more.",
        "",
    ]
    if not report.claims:
        return [*out, "No aligned claims yet.", ""]
    keys = ("own_voice", "neutral", "distancing", "hedged", "anonymous", "omits", "not_read")
    legend = [GLYPHS.get(k) or GLYPHS["not_read" if k == "not_read" else k] for k in keys]
    out += ["Cells: " + "; ".join(f"`{g[1]}` {md(g[2])}" for g in legend), ""]
    grid = grid_outlets(report)
    rows = (
        [str(c.id) + (" (new)" if c.is_new else ""), md(_short(c.central_sentence, 140))]
        + [glyph(cell)[1] + ("r" if cell.reprint else "") for cell in grid.cells(c)]
        for c in (shared + single)[:GRID_ROWS]
    )
    out += _table(["#", "Claim"] + [md(o.name) for o in grid.columns], rows)
    if len(shared) + len(single) > GRID_ROWS:
        out += [f"The matrix shows the {GRID_ROWS} widest claims; the JSON and CSV files hold all.", ""]
    if grid.folded:
        out += [
            "Left out of the matrix, as they have no article on this event and so the same cell in every "
            f"claim (see Outlets): {md(grid.folded_text)}.",
            "",
        ]
    never = [o.name for o in report.outlets if o.reason == "not_fetched"]
    if never:
        out += ["Never fetched, so left out of the matrix: " + ", ".join(md(n) for n in never), ""]
    return out


def _outlets_md(report: EventView, names: dict[str, str]) -> list[str]:
    profiles = {p.outlet_id: p for p in report.profiles}
    rows = []
    for o in report.outlets:
        p = profiles.get(o.id)
        where = reason_label(o) + (f" ({o.n_articles} articles)" if o.covering else "")
        if o.unread_pages:
            where += f"; {len(o.unread_pages)} page(s) that may be about it could not be read"
        rows.append(
            [
                md(o.name),
                md(where),
                md(counts_text(p.attribution)) if p else "—",
                md(", ".join(t for t, _ in p.loaded)) if p and p.loaded else "—",
                md(", ".join(p.labels)) if p and p.labels else "—",
            ]
        )
    return [
        "## Outlets",
        "",
        *_table(["Outlet", "Where it stands", "Attribution", "Loaded words", "Names"], rows),
    ]


def _wording(cell: ClaimCell, with_language: bool) -> str:
    """The cell's sentence (its diff against the central one when it has one), with its language
    when the claim is told in more than one."""
    shown = md(_short(cell.sentence or "", 1200)) if cell.central or not cell.diff else _diff(cell.diff)
    return (f"[{md(cell.language)}] " if with_language and cell.language else "") + shown


def _side_by_side(report: EventView, names: dict[str, str]) -> list[str]:
    shared, _ = _ordered(report)
    grid = grid_outlets(report)
    out = ["## Side by side", ""]
    for claim in shared:
        out += [f"### Claim {claim.id}" + (" (new)" if claim.is_new else ""), ""]
        central = md(names.get(claim.central_outlet or "", "?"))
        out += [f"Central sentence ({central}): " + md(_short(claim.central_sentence, 1200)), ""]
        # Each sentence says its language when the claim is told in more than one.
        many = len({c.language for c in claim.cells if c.presence == PRESENCE_SAYS and c.language}) > 1
        rows = [
            [
                md(names.get(cell.outlet_id, cell.outlet_id)),
                md(cell_label(cell)),
                _wording(cell, many),
                _provenance(cell.provenance),
            ]
            for cell in claim.cells
            if cell.presence == PRESENCE_SAYS
        ]
        out += _table(
            ["Outlet", "Presence", "Wording (~~central only~~, **this outlet only**)", "Source"], rows
        )
        silent = grid.silent(claim)
        who = ", ".join(f"{md(names.get(c.outlet_id, c.outlet_id))} ({md(cell_label(c))})" for c in silent)
        if grid.folded:
            who += ("; " if who else "") + f"the {len(grid.folded)} outlets with no article on this event"
        if who:
            out += ["Not saying it: " + who, ""]
    if not shared:
        out += ["No claim is carried by two outlets or more.", ""]
    return out


def _unique_md(report: EventView, names: dict[str, str]) -> list[str]:
    out = ["## Claims only one outlet makes", ""]
    out += [
        f"- {md(names.get(u.outlet_id, u.outlet_id))} (claim {u.claim_id}): {md(_short(u.sentence, 600))}"
        for u in report.unique_claims[:MAX_SINGLE]
    ]
    if len(report.unique_claims) > MAX_SINGLE:
        out.append(f"- … and {len(report.unique_claims) - MAX_SINGLE} more (the JSON and CSV files hold all)")
    return [*out, "" if report.unique_claims else "None.", ""]


def _ledger_md(report: EventView, names: dict[str, str]) -> list[str]:
    if not report.ledger:
        return ["## Label ledger", "", "None.", ""]
    rows = []
    for concept in report.ledger:
        terms = "; ".join(
            f"{md(names.get(t.outlet_id, t.outlet_id))}: {md(t.term)} ×{t.count}"
            + (f" ({t.quoted} in words it reports)" if t.quoted else "")
            for t in concept.terms
        )
        kind = "found in diffs" if concept.discovered else "lexicon"
        rows.append([md(concept.concept), kind, "yes" if concept.disagree else "no", terms])
    return [
        "## Label ledger",
        "",
        *_table(["Concept", "Source", "Names differ", "Outlet: name ×count"], rows),
    ]


def _numbers_md(report: EventView, names: dict[str, str]) -> list[str]:
    if not report.numbers:
        return ["## Numbers that disagree", "", "None.", ""]
    rows = [
        [
            str(n.claim_id),
            md(n.counts + (f" ({n.unit})" if n.unit else "")),
            "; ".join(
                f"{md(names.get(v.outlet_id, v.outlet_id))}: "
                + (md(", ".join(v.figures)) if v.figures else ", ".join(_num(x) for x in v.values))
                for v in n.values
            ),
        ]
        for n in report.numbers
    ]
    return ["## Numbers that disagree", "", *_table(["Claim", "What is counted", "Figures"], rows)]


def _voices_md(report: EventView, names: dict[str, str]) -> list[str]:
    out = ["## Voices", ""]
    for ov in report.voices:
        voices = ", ".join(
            f"{md(v.name)} ({v.mode}{', anonymous' if v.anonymous else ''}) ×{v.count}" for v in ov.voices
        )
        out.append(f"- **{md(names.get(ov.outlet_id, ov.outlet_id))}**: {voices}")
    return [*out, "" if report.voices else "None found.", ""]


def _reprints_md(report: EventView, names: dict[str, str]) -> list[str]:
    out = ["## Reprints", ""]
    for group in report.reprints:
        copies = ", ".join(_link(names.get(c.outlet_id, c.outlet_id), c.url) for c in group.copies)
        origin_name = names.get(group.origin.outlet_id, group.origin.outlet_id)
        origin = _link(f"{origin_name}: " + (group.origin.title or group.origin.url), group.origin.url)
        out.append(
            f"- {origin} — {len(group.copies)} cop{'y' if len(group.copies) == 1 else 'ies'}: {copies}"
        )
    return [*out, "" if report.reprints else "None.", ""]


def _provenance_md(report: EventView, names: dict[str, str]) -> list[str]:
    rows = []
    for a in report.articles:
        path = snapshot_path(a.snapshot_sha256)
        snap = f"[{a.snapshot_sha256[:12]}]({path})" if path and a.snapshot_sha256 else "—"
        rows.append(
            [
                md(names.get(a.outlet_id, a.outlet_id)),
                _link(a.title or a.url, a.url),
                str(a.version),
                md(when(a.published_at)),
                md(when(a.fetched_at) if a.fetched_at else "—"),
                snap,
            ]
        )
    out = [
        "## Provenance",
        "",
        *_table(["Outlet", "Article", "Version", "Published", "Fetched", "Snapshot sha256"], rows),
    ]
    out += ["Offsets count characters of the article text as stored; each snapshot file holds that text.", ""]
    legend = "; ".join(f"{label} = {md(meaning)}" for label, meaning in ATTRIBUTION_LABELS.values())
    return [*out, "Attribution badges: " + legend, ""]


def _changes_md(report: EventView, names: dict[str, str]) -> list[str]:
    ch = report.changes
    out = ["## Changed since the last run", ""]
    if ch.since_run is None:
        return [*out, "No earlier run to compare with: everything here is new.", ""]
    since = when(ch.since_run.finished_at or ch.since_run.started_at)
    out += [f"Compared with run {ch.since_run.id} ({md(since)}).", ""]
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


#: Claims carried by one outlet listed at most (as on the HTML page).
MAX_SINGLE = 200


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
        kept = f"page of run {e.page_run}" if e.page_run is not None else ""
        flag = " · ".join(f for f in (state, "seed" if e.seed else "", kept) if f)
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
