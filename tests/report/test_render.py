"""Renderers: hostile fetched text stays inert in HTML and Markdown, JSON follows the schema,
the CSV round-trips, and the bundle writes snapshot files whose offsets point at the passages."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from markupsafe import escape
from report_fixture import FORMULA, HOSTILE, IMG, MD_LINK, SCRIPT, TEMPLATE, Fixture

from compare.markup import md
from compare.report import (
    read_claim_matrix_csv,
    render_claim_matrix_csv,
    render_html,
    render_index_html,
    render_index_json,
    render_index_markdown,
    render_json,
    render_markdown,
    write_report_bundle,
)
from compare.report.bundle import SNAPSHOT_SEPARATOR
from compare.report.csvout import cell_code
from compare.report.glance import FOLD_AFTER
from compare.report.labels import safe_url
from compare.store import Store
from compare.view import build_event_view, build_index
from compare.view.model import PRESENCE_OMITS, ClaimCell, OutletStatus

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "nav", "section", "h1", "h2", "h3",
    "p", "a", "span", "strong", "table", "thead", "tbody", "tr", "th", "td", "div", "ul", "li",
    "br", "code", "del", "ins", "em", "sup", "details", "summary",
    "svg", "line", "circle", "rect", "text",  # the inline timeline
}  # fmt: skip


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _check_inert_html(html: str) -> _Tags:
    parsed = _parse(html)
    tags = {t for t, _ in parsed.tags}
    assert tags <= ALLOWED_TAGS, f"unexpected tags: {tags - ALLOWED_TAGS}"
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert re.match(
                r"^(https?://|#|snapshots/[0-9a-f]{64}\.txt$|index\.html$|event-\d+\.html(#claim-\d+)?$"
                r"|topic-[\w-]+\.html$)",
                href,
            ), href
    return parsed


@pytest.fixture
def report(fx: Fixture):  # type: ignore[no-untyped-def]
    return build_event_view(fx.store, fx.event_id)


def test_html_shows_hostile_text_as_text(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report)
    parsed = _check_inert_html(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    text = " ".join(parsed.text)
    # the hostile strings are there, as the reader's visible text
    for hostile in (SCRIPT, IMG, TEMPLATE):
        assert hostile in text, hostile
    # {{ 7*7 }} was never evaluated: it appears verbatim above (a "49" may occur in timestamps)
    assert "javascript:" not in "".join(str(a.get("href")) for _, a in parsed.tags)
    assert 'http-equiv="Content-Security-Policy"' in html


def test_html_sections_and_presence(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report)
    for section in ("glance", "outlets", "timeline", "side-by-side", "unique", "ledger", "numbers", "voices",
                    "reprints", "changes", "provenance"):  # fmt: skip
        assert f'<section id="{section}">' in html
    text = " ".join(_parse(html).text)
    assert "not read: blocked" in text and "not read: paywalled" in text
    assert "read, does not cover it" in text  # epsilon in the header
    assert "Khankendi" in text and "Stepanakert" in text
    assert "late in the evening" in text  # the edited article's new words
    assert "<ins>late in the evening</ins>" in html and "<del>at noon</del>" in html
    assert "<link" not in html and "src=" not in html.replace("src=x", "")  # no external assets


def test_index_html_is_inert_and_links_reports(fx: Fixture) -> None:
    index = build_index(fx.store)
    html = render_index_html(index)
    parsed = _check_inert_html(html)
    hrefs = [a["href"] for t, a in parsed.tags if t == "a"]
    # what changed comes first (the new event, then the changed one), then every event
    order = (fx.other_event_id, fx.event_id, fx.event_id, fx.other_event_id)
    assert hrefs == [f"event-{e}.html" for e in order]
    text = " ".join(parsed.text)
    assert "What changed since the last run" in text and "Outlets that failed in this run" in text
    assert "Gamma Daily" in text and "blocked 2" in text
    assert IMG in " ".join(parsed.text)


def test_markdown_escapes_fetched_text(report) -> None:  # type: ignore[no-untyped-def]
    text = render_markdown(report)
    assert "<script" not in text and "<img" not in text
    assert MD_LINK not in text and "](javascript:" not in text
    assert "{{ 7*7 }}" not in text
    # every table row has as many unescaped pipes as its header
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            width = len(re.findall(r"(?<!\\)\|", lines[i - 1]))
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert len(re.findall(r"(?<!\\)\|", lines[j])) == width, lines[j]
                j += 1


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("a | b", r"(?<!\\)\|"),
        ("[x](javascript:alert(1))", r"(?<!\\)\[x(?<!\\)\]\("),
        ("<b>bold</b>", r"<b>"),
        ("# heading", r"^#"),
        ("- item", r"^-"),
        ("1. item", r"^1\."),
        ("**strong** _em_ `code`", r"(?<!\\)\*\*|(?<!\\)`"),
        ("line one\nline two", r"\n"),
    ],
)
def test_md_escape(raw: str, forbidden: str) -> None:
    assert not re.search(forbidden, md(raw)), md(raw)


def test_json_validates_against_the_schema(report, fx: Fixture) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(render_json(report))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "2.1"
    assert data["event"]["label"] == report.event.label  # hostile text kept verbatim in JSON
    index_schema = {"$ref": "#/$defs/runIndex", "$defs": schema["$defs"]}
    jsonschema.Draft202012Validator(index_schema).validate(
        json.loads(render_index_json(build_index(fx.store)))
    )


def test_schema_rejects_a_drifted_report(report) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = json.loads(render_json(report))
    data["claims"][0]["cells"][0]["presence"] = ""
    data["unexpected"] = 1
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert len(errors) == 2


def test_csv_round_trips(report) -> None:  # type: ignore[no-untyped-def]
    text = render_claim_matrix_csv(report)
    assert "\n=" not in text and ",=" not in text  # formula cells are neutralised
    rows = read_claim_matrix_csv(text)
    assert len(rows) == len(report.claims)
    for row, claim in zip(rows, report.claims, strict=True):
        assert row["claim_id"] == str(claim.id)
        assert row["claim_key"] == claim.key
        assert row["central_sentence"] == claim.central_sentence
        for cell in claim.cells:
            assert row[cell.outlet_id] == cell_code(cell)
    first = rows[0]
    assert first["beta"] == "says:distancing" and first["epsilon"] == "omits"
    assert first["gamma"] == "not_read:blocked"
    assert rows[0]["claim_key"] == FORMULA


def test_bundle_writes_every_file_and_checkable_snapshots(report, fx: Fixture, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bundle = write_report_bundle(fx.store, report, tmp_path / "out")
    for path in (
        bundle.html,
        bundle.markdown,
        bundle.json,
        bundle.csv,
        bundle.index_html,
        bundle.index_markdown,
    ):
        assert path.is_file() and path.stat().st_size > 0
    assert not list((tmp_path / "out").rglob("*.tmp"))
    checked = 0
    for claim in report.claims:
        for cell in claim.cells:
            if cell.provenance is None:
                continue
            p = cell.provenance
            snap = tmp_path / "out" / "snapshots" / f"{p.snapshot_sha256}.txt"
            header, _, body = snap.read_text(encoding="utf-8").partition(SNAPSHOT_SEPARATOR)
            assert f"sha256: {p.snapshot_sha256}" in header
            if f"article: {p.article_id} " in header:
                assert body[p.start : p.end] == cell.sentence
                checked += 1
    assert checked >= 3
    html = bundle.html.read_text(encoding="utf-8")
    for href in re.findall(r'href="(snapshots/[^"]+)"', html):
        assert (tmp_path / "out" / href).is_file()


def test_index_markdown_links_each_event(fx: Fixture) -> None:
    text = render_index_markdown(build_index(fx.store))
    assert f"(event-{fx.event_id}.md)" in text and "<img" not in text


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.example/x?q=1", True),
        ("http://a.example/(x)", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example", False),
        ("", False),
    ],
)
def test_safe_url(url: str, ok: bool) -> None:
    out = safe_url(url)
    assert (out is not None) is ok
    if out:
        assert not set(out) & set('()<> "')


def test_every_hostile_string_reaches_the_report(report) -> None:  # type: ignore[no-untyped-def]
    # guard against a fixture that silently stops being hostile
    blob = json.dumps(json.loads(render_json(report)), ensure_ascii=False)
    for hostile in HOSTILE:
        assert json.dumps(hostile)[1:-1] in blob, hostile


def test_md_escape_round_trips_random_hostile_text() -> None:
    """md() output has no live markup character, and undoing the escapes gives the text back."""
    import html
    import random

    rng = random.Random(8)
    alphabet = "ab 1.<>&|[]()*_`~!#\\{}-+=:/\n\t\"'"
    for _ in range(500):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        out = md(raw)
        assert "<" not in out and ">" not in out and "\n" not in out
        assert not re.search(r"(?<!\\)(?:\\\\)*[|\[\]()*_`~]", out.replace("\\\\", "")), (raw, out)
        back = html.unescape(re.sub(r"\\(.)", r"\1", out))
        assert back == " ".join(raw.split()), (raw, out)


def test_render_report_by_format_name(report) -> None:  # type: ignore[no-untyped-def]
    from compare.errors import UsageError
    from compare.report import FORMATS, render_report

    assert render_report(report, format="json") == render_json(report)
    assert render_report(report, format="md") == render_markdown(report)
    assert render_report(report).startswith("<!DOCTYPE html>")
    assert set(FORMATS) == {"html", "md", "json", "csv"}
    with pytest.raises(UsageError, match="html, md, json, csv"):
        render_report(report, format="pdf")


def test_a_single_file_links_to_nothing_beside_it(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report, standalone=True)
    parsed = _check_inert_html(html)
    hrefs = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href")]
    assert hrefs and all(h.startswith(("#", "http://", "https://")) for h in hrefs), hrefs
    anchors = {a["id"] for _, a in parsed.tags if a.get("id")}
    assert all(h[1:] in anchors for h in hrefs if h.startswith("#")), "every in-page link has its target"
    assert "snapshots/" not in html.replace("snapshots/&lt;sha256&gt;", "")


def _long_event(path: Path, *, sentences: int = 680) -> tuple[Store, int]:
    """An event whose one article is a single 1 MB line of ~680 sentences, beside a short one."""
    from compare.models import Passage
    from compare.store import ClaimInput

    store = Store(path)
    store.ensure_outlet("long", name="Long Read")
    store.ensure_outlet("short", name="Short Wire")
    run = store.start_run("run", {})
    words = " ".join(["The convoy waited at the checkpoint while officials argued about the road"] * 20)
    long_sentences = [f"{words} number {i}." for i in range(sentences)]
    ids = {}
    for outlet, texts in (("long", long_sentences), ("short", long_sentences[:3])):
        text = " ".join(texts)
        saved = store.save_article(
            outlet_id=outlet, url=f"https://{outlet}.test/a", text=text, snapshot_sha256=None, run_id=run,
            fields={"title": "Convoy", "published_at": "2026-11-20T10:00:00+00:00"},
        )  # fmt: skip
        at, passages = 0, []
        for i, s in enumerate(texts):
            passages.append(Passage(str(saved.id), i, at, at + len(s), s))
            at += len(s) + 1
        store.save_passages(saved.id, passages)
        ids[outlet] = [p.id for p in store.article_passages(saved.id)]
    event = store.save_event(key="e", label="Convoy", state={}, members={a: 1.0 for a in (1, 2)},
                             span=("2026-11-20", "2026-11-20"), run_id=run)  # fmt: skip
    claims = [
        ClaimInput(f"k{i}", p, ((p, 1.0, False), *(((ids["short"][i], 0.9, False),) if i < 3 else ())))
        for i, p in enumerate(ids["long"])
    ]
    store.save_claims(event, claims, run_id=run)
    store.finish_run(run, status="ok")
    return store, event


def test_a_page_stays_bounded_for_a_huge_event(tmp_path: Path) -> None:
    store, event = _long_event(tmp_path / "long.db")
    view = build_event_view(store, event)
    assert view.total_claims == 680 and len(view.claims) == 680  # the view and the JSON keep all
    html = render_html(view)
    assert len(html.encode("utf-8")) < 1_000_000, len(html)
    parsed = _check_inert_html(html)
    assert len([t for t, a in parsed.tags if t == "tr" and a.get("id", "").startswith("c")]) == 3 * 2
    assert "the first 200 shown" in html  # the rest of the single-outlet claims are folded away
    assert len(parsed.tags) < 20_000


def test_topic_pages_are_written_inert_and_linked_from_the_index(fx: Fixture, tmp_path: Path) -> None:
    from compare.embed import HashingEmbedder
    from compare.models import Sources, Topic
    from compare.pipeline.topics import write_topic_pages

    sources = Sources(path="x", outlets=(), topics=(Topic("lachin", f"Lachin {SCRIPT}", ("checkpoint",)),))
    links = write_topic_pages(fx.store, sources, tmp_path, embedder=HashingEmbedder(dim=64), since=None)
    assert [link.path for link in links] == ["topic-lachin.html"]
    html = (tmp_path / "topic-lachin.html").read_text(encoding="utf-8")
    parsed = _check_inert_html(html)
    assert SCRIPT in " ".join(parsed.text) and "<script" not in html.lower()
    assert any(a.get("href", "").startswith(f"event-{fx.event_id}.html") for _, a in parsed.tags)
    markdown = (tmp_path / "topic-lachin.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Topic: Lachin &lt;script&gt;")
    index = render_index_html(build_index(fx.store, topics=links))
    assert 'href="topic-lachin.html"' in index


def _with_silent_outlets(view, n: int):  # type: ignore[no-untyped-def]
    """The view with ``n`` more outlets that were read for the event's dates and have no article."""
    extra = [OutletStatus(id=f"quiet{i}", name=f"Quiet Outlet {i}", state="omits", reason=None, n_articles=0)
             for i in range(n)]  # fmt: skip
    claims = tuple(
        replace(c, cells=c.cells + tuple(ClaimCell(o.id, PRESENCE_OMITS) for o in extra)) for c in view.claims
    )
    return replace(view, outlets=view.outlets + tuple(extra), claims=claims)


def test_many_silent_outlets_fold_out_of_the_grid(report) -> None:  # type: ignore[no-untyped-def]
    view = _with_silent_outlets(report, FOLD_AFTER + 8)
    covering = [o for o in view.outlets if o.covering]
    absent = [o for o in view.outlets if not o.covering and o.reason != "not_fetched"]
    html = render_html(view)
    grid = html.split('<table class="grid">', 1)[1].split("</table>", 1)[0]
    assert grid.count('<th class="o"') == len(covering)
    assert "Quiet Outlet" not in grid
    silent = sum(1 for o in absent if o.state == "omits")
    assert silent >= FOLD_AFTER + 8 and f"{silent} read, does not cover it (omits)" in html  # by state
    # each claim names the covering outlets that leave it out, and counts the rest
    assert f"the {len(absent)} outlets with no article on this event" in html
    # a covering outlet that leaves one shared claim out (the fixture's all say theirs)
    claim = next(c for c in view.claims if c.n_outlets >= 2)
    cell = next(c for c in claim.cells if c.presence == "says" and not c.central)
    cells = tuple(ClaimCell(c.outlet_id, PRESENCE_OMITS) if c is cell else c for c in claim.cells)
    view = replace(view, claims=tuple(replace(c, cells=cells) if c is claim else c for c in view.claims))
    html = render_html(view)
    block = html.split(f'<div class="claim" id="claim-{claim.id}">', 1)[1].split("</section>", 1)[0]
    block = block.split('<div class="claim"', 1)[0]
    name = escape({o.id: o.name for o in view.outlets}[cell.outlet_id])
    assert f"Not saying it: {name} (omits); the {len(absent)} outlets" in block
    assert "Quiet Outlet" not in block
    # every outlet keeps its row in the Outlets table, and the JSON keeps every cell
    assert all(f"<strong>Quiet Outlet {i}</strong>" in html for i in range(FOLD_AFTER + 8))
    data = json.loads(render_json(view))
    assert [len(c["cells"]) for c in data["claims"]] == [len(c.cells) for c in view.claims]
    assert any(cell["outlet_id"] == "quiet0" for cell in data["claims"][0]["cells"])
    md_text = render_markdown(view)
    assert "Quiet Outlet" not in md_text.split("## At a glance", 1)[1].split("## Outlets", 1)[0].split(
        "Left out of the matrix", 1)[0]  # fmt: skip
    assert f"the {len(absent)} outlets with no article on this event" in md_text


def test_few_silent_outlets_keep_their_columns(report) -> None:  # type: ignore[no-untyped-def]
    view = _with_silent_outlets(report, 1)
    html = render_html(view)
    grid = html.split('<table class="grid">', 1)[1].split("</table>", 1)[0]
    assert "Quiet Outlet 0" in grid and "outlets with no article on this event" not in html


def test_json_of_shared_cells_is_the_plain_view(report) -> None:  # type: ignore[no-untyped-def]
    from compare.plain import plain
    from compare.report import report_to_dict

    view = _with_silent_outlets(report, 3)
    shared = ClaimCell("quiet0", PRESENCE_OMITS)  # one value in every row, as the view builds it
    view = replace(
        view, claims=tuple(replace(c, cells=(*c.cells[:-3], shared, *c.cells[-2:])) for c in view.claims)
    )
    data = report_to_dict(view)
    assert data["claims"] == plain(view)["claims"]
    assert list(data) == [*plain(view), "$schema"]  # keys in model order
