"""Write a report bundle: the event's report in every format, the run index, and snapshot texts.

Layout of ``out_dir``::

    event-<id>.html  event-<id>.md  event-<id>.json  event-<id>.csv
    index.html  index.md  index.json
    snapshots/<sha256>.txt      one per article snapshot the report cites

A snapshot file is how a reader checks a passage: a short header (URL, final URL, fetch time,
sha256 of the bytes fetched, article id and version), a ``----`` line, then the article's
extracted text exactly as stored — the passages' character offsets count from the first
character after that line. The raw fetched bytes stay in the database
(``Store.snapshot_body(sha256)``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compare.errors import CompareError
from compare.files import write_atomic
from compare.report.csvout import render_claim_matrix_csv
from compare.report.html import render_html, render_index_html
from compare.report.jsonout import render_index_json, render_json
from compare.report.labels import snapshot_path
from compare.report.markdown import render_index_markdown, render_markdown
from compare.view import build_index
from compare.view.model import EventView, RunIndex

if TYPE_CHECKING:
    from compare.store import ArticleRecord, Store

__all__ = [
    "SNAPSHOT_SEPARATOR", "Bundle", "index_files", "snapshot_file", "snapshot_text", "write_report_bundle",
]

log = logging.getLogger(__name__)

#: The line that ends a snapshot file's header; the article text starts right after it.
SNAPSHOT_SEPARATOR = "----\n"


@dataclass(frozen=True)
class Bundle:
    """The files one call of :func:`write_report_bundle` wrote."""

    out_dir: Path
    html: Path
    markdown: Path
    json: Path
    csv: Path
    index_html: Path
    index_markdown: Path
    snapshots: tuple[Path, ...]


def snapshot_file(store: Store, sha256: str) -> str | None:
    """The text file of one snapshot (header, separator, the latest article text read from it)."""
    if not snapshot_path(sha256):
        return None
    article = store.article_for_snapshot(sha256)
    return _article_snapshot(store, article)[1] if article is not None else None


def _article_snapshot(store: Store, article: ArticleRecord | None) -> tuple[str | None, str]:
    if article is None or not snapshot_path(article.snapshot_sha256):
        return None, ""
    snap = store.snapshot(article.snapshot_sha256 or "")
    header = [
        f"url: {_one_line(snap.url if snap else article.url)}",
        f"final_url: {_one_line(snap.final_url if snap else '')}",
        f"fetched_at: {snap.fetched_at if snap else ''}",
        f"sha256: {article.snapshot_sha256}",
        f"article: {article.id} version {article.version} ({_one_line(article.url)})",
        "offsets: characters of the text below the ---- line, counted from 0",
    ]
    return article.snapshot_sha256, "\n".join(header) + "\n" + SNAPSHOT_SEPARATOR + article.text


def snapshot_text(store: Store, report: EventView) -> dict[str, str]:
    """The snapshot files of a report: sha256 → file content (header, separator, article text)."""
    ids = [a.id for a in report.articles if snapshot_path(a.snapshot_sha256)]
    ids += [e.article_id for e in report.changes.edited]
    files: dict[str, str] = {}
    for article in store.articles(ids).values():
        sha, text = _article_snapshot(store, article)
        if sha is not None:
            files[sha] = text
    return files


def write_report_bundle(
    store: Store,
    report: EventView,
    out_dir: str | Path,
    *,
    index: RunIndex | None = None,
    with_index: bool = True,
) -> Bundle:
    """Write ``report`` (all formats), the run index and the cited snapshot texts to ``out_dir``.

    ``index`` defaults to :func:`~compare.view.build_index` of the report's run; with
    ``with_index=False`` the index is left to the caller (a run writes it once, after every event).
    Raises :class:`~compare.errors.CompareError` when the folder cannot be written.
    """
    out = Path(out_dir)
    stem = f"event-{report.event.id}"
    contents = {
        f"{stem}.html": render_html(report),
        f"{stem}.md": render_markdown(report),
        # compact: json's C encoder (an indented dump is pure Python, a third of a quiet night)
        f"{stem}.json": render_json(report, indent=None),
        f"{stem}.csv": render_claim_matrix_csv(report),
    }
    if with_index:
        if index is None:
            index = build_index(store, run_id=report.run.id if report.run else None)
        contents |= index_files(index)
    snapshots = snapshot_text(store, report)
    try:
        (out / "snapshots").mkdir(parents=True, exist_ok=True)
        for name, text in contents.items():
            _write(out / name, text)
        written = []
        for sha, text in snapshots.items():
            path = out / "snapshots" / f"{sha}.txt"
            _write(path, text)
            written.append(path)
    except OSError as exc:
        raise CompareError(f"cannot write the report to {out}: {exc}") from None
    log.info("report of event %s written to %s (%d snapshot files)", report.event.id, out, len(written))
    return Bundle(
        out_dir=out,
        html=out / f"{stem}.html",
        markdown=out / f"{stem}.md",
        json=out / f"{stem}.json",
        csv=out / f"{stem}.csv",
        index_html=out / "index.html",
        index_markdown=out / "index.md",
        snapshots=tuple(written),
    )


def index_files(index: RunIndex) -> dict[str, str]:
    """The run index in its three formats: file name -> content."""
    return {
        "index.html": render_index_html(index),
        "index.md": render_index_markdown(index),
        "index.json": render_index_json(index, indent=None),
    }


def _write(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report (and a
    full disk leaves no temporary file behind)."""
    write_atomic(path, text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
