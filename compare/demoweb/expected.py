"""Render ``seeds/EXPECTED.yaml`` and the corpus as ``seeds/EXPECTED.md``, for people.

The YAML file is the source of truth that tests read; the Markdown file is generated from it
(``python -m compare.demoweb expected-md``) so the two never drift apart, and a test checks that
the committed Markdown is current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from compare.demoweb.corpus import Corpus

__all__ = ["expected_markdown"]


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _outlets(corpus: Corpus) -> list[str]:
    rows = []
    for o in corpus.outlets:
        served = len([a for a in corpus.articles if a.outlet_id == o.id])
        feed = "sitemap (+ RSS)" if o.listed_feed == "sitemap" else o.feed_kind.upper()
        quirks = []
        if o.behaviour == "forbidden":
            quirks.append("answers 403 to everything")
        quirks += [f"robots.txt disallows {p}" for p in o.robots_disallow]
        quirks.append(f"date in: {o.date_style}")
        rows.append([o.id, o.name, o.domain, o.perspective, o.country, feed, served, "; ".join(quirks)])
    header = ["id", "name", "domain", "perspective", "country", "feed", "articles", "quirks"]
    return ["## Outlets", "", *_table(header, rows)]


def _articles(corpus: Corpus) -> list[str]:
    rows = []
    for a in sorted(corpus.articles, key=lambda a: (a.event, a.published)):
        notes = list(a.flags)
        if a.edited:
            notes.append("edited (2 versions)")
        if a.reprint_of:
            notes.append(f"reprint of {a.reprint_of}")
        if a.seed:
            notes.append("seed report")
        rows.append([a.key, a.event, f"{a.published:%Y-%m-%d %H:%M%z}", a.version(1).title, ", ".join(notes)])
    return ["## Articles", "", *_table(["key", "event", "published", "title", "notes"], rows)]


def _events(expected: Mapping[str, Any]) -> list[str]:
    lines = ["## Events", ""]
    for event in expected.get("events", []):
        kind = " (unrelated to the topic)" if event.get("unrelated") else ""
        lines.append(f"- **{event['id']}**{kind}: {event['label']}")
        lines += [f"  - {key}" for key in event["articles"]]
    close = expected.get("close_events", [])
    if close:
        pairs = ", ".join(" / ".join(pair) for pair in close)
        lines += ["", f"Events close enough to be confused: {pairs}."]
    return [*lines, ""]


def _claims(expected: Mapping[str, Any]) -> list[str]:
    lines = ["## Claims", ""]
    for claim in expected.get("claims", []):
        lines += [f"### {claim['id']} ({claim['event']})", "", claim["gist"], ""]
        rows = []
        for key, entry in claim["carried_by"].items():
            version = f" (v{entry['version']})" if entry.get("version") else ""
            rows.append([key + version, entry["attribution"], entry.get("speaker", ""), entry["quote"]])
        lines += _table(["article", "attribution", "speaker", "quote"], rows)
        for field, title in (
            ("omitted_by", "Omitted by"),
            ("not_covering", "Not covering the event"),
            ("contradicted_by", "Contradicted by"),
            ("unreadable", "Could not be read"),
        ):
            if claim.get(field):
                lines.append(f"{title}: {', '.join(claim[field])}.")
        if claim.get("note"):
            lines.append(f"Note: {claim['note']}")
        lines.append("")
    return lines


def _labels(expected: Mapping[str, Any]) -> list[str]:
    lines = ["## Labels", ""]
    rows = []
    for label in expected.get("labels", []):
        terms = "; ".join(f"{o}: {t}" for o, t in label["terms"].items())
        rows.append([label["concept"], terms])
    return lines + _table(["concept", "term per outlet"], rows)


def _numbers(expected: Mapping[str, Any]) -> list[str]:
    rows = []
    for number in expected.get("numbers", []):
        values = "; ".join(f"{k}: {v['text']}" for k, v in number["values"].items())
        rows.append([number["id"], number["what"], values])
    return ["## Numbers that disagree", "", *_table(["id", "what", "value per article"], rows)]


def _rest(expected: Mapping[str, Any]) -> list[str]:
    lines = ["## Voices", ""]
    lines += [f"- {o}: {', '.join(v)}" for o, v in expected.get("voices", {}).items()]
    lines += ["", "## Reprint", ""]
    for reprint in expected.get("reprints", []):
        lines.append(f"- origin {reprint['origin']}")
        lines += [f"  - copy {c['key']}: {c['changes']}" for c in reprint["copies"]]
    lines += ["", "## Silent edit", ""]
    for edited in expected.get("edited", []):
        lines.append(f"- {edited['key']} ({edited['versions']} versions)")
        lines += [f"  - {change}" for change in edited["changes"]]
    lines += ["", "## Unreadable pages and outlets", ""]
    rows = [
        [u["target"], u["kind"], u["outcome"], u.get("http_status", ""), u.get("note", "")]
        for u in expected.get("unreadable", [])
    ]
    lines += _table(["target", "kind", "expected outcome", "HTTP", "note"], rows)
    lines += ["## Where the dates are", ""]
    lines += [f"- {o}: {where}" for o, where in expected.get("dates", {}).items()]
    return [*lines, ""]


def expected_markdown(corpus: Corpus) -> str:
    """``seeds/EXPECTED.md``: the outlets, articles and expectations as readable tables."""
    lines = [
        "# What a correct comparison of the demo corpus must find",
        "",
        "Generated from `seeds/EXPECTED.yaml` and the corpus by `python -m compare.demoweb "
        "expected-md`; edit the YAML and the articles, never this file. Every outlet and article "
        "here is synthetic, written by the newscompare team for the demo.",
        "",
    ]
    lines += _outlets(corpus) + _articles(corpus) + _events(corpus.expected)
    lines += _claims(corpus.expected) + _labels(corpus.expected) + _numbers(corpus.expected)
    lines += _rest(corpus.expected)
    return "\n".join(lines).rstrip("\n") + "\n"
