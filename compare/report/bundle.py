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
from compare.report.index import build_index
from compare.report.jsonout import render_index_json, render_json
from compare.report.labels import snapshot_path
from compare.report.markdown import render_index_markdown, render_markdown
from compare.report.model import Report, RunIndex

if TYPE_CHECKING:
    from compare.store import Store

__all__ = ["SNAPSHOT_SEPARATOR", "Bundle", "snapshot_file", "snapshot_text", "write_report_bundle"]

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
    row = store.db.execute(
        "SELECT id FROM articles WHERE snapshot_sha256 = ? ORDER BY version DESC, id DESC LIMIT 1", [sha256]
    ).fetchone()
    return _article_snapshot(store, int(row[0]))[1] if row else None


def _article_snapshot(store: Store, article_id: int) -> tuple[str | None, str]:
    rows = list(
        store.db.query(
            """SELECT a.id, a.url, a.version, a.text, a.snapshot_sha256, s.url AS snapshot_url,
                      s.final_url, s.fetched_at FROM articles a
               LEFT JOIN snapshots s ON s.sha256 = a.snapshot_sha256 WHERE a.id = ?""",
            [article_id],
        )
    )
    if not rows or not snapshot_path(rows[0]["snapshot_sha256"]):
        return None, ""
    row = rows[0]
    header = [
        f"url: {_one_line(row['snapshot_url'] or row['url'])}",
        f"final_url: {_one_line(row['final_url'] or '')}",
        f"fetched_at: {row['fetched_at'] or ''}",
        f"sha256: {row['snapshot_sha256']}",
        f"article: {row['id']} version {row['version']} ({_one_line(row['url'])})",
        "offsets: characters of the text below the ---- line, counted from 0",
    ]
    return row["snapshot_sha256"], "\n".join(header) + "\n" + SNAPSHOT_SEPARATOR + row["text"]


def snapshot_text(store: Store, report: Report) -> dict[str, str]:
    """The snapshot files of a report: sha256 → file content (header, separator, article text)."""
    files: dict[str, str] = {}
    ids = [a.id for a in report.articles if snapshot_path(a.snapshot_sha256)]
    ids += [e.article_id for e in report.changes.edited]
    for article_id in dict.fromkeys(ids):
        sha, text = _article_snapshot(store, int(article_id))
        if sha is not None:
            files[sha] = text
    return files


def write_report_bundle(
    store: Store, report: Report, out_dir: str | Path, *, index: RunIndex | None = None
) -> Bundle:
    """Write ``report`` (all formats), the run index and the cited snapshot texts to ``out_dir``.

    ``index`` defaults to :func:`~compare.report.index.build_index` of the report's run.
    Raises :class:`~compare.errors.CompareError` when the folder cannot be written.
    """
    out = Path(out_dir)
    index = index if index is not None else build_index(store, run_id=report.run.id if report.run else None)
    stem = f"event-{report.event.id}"
    contents = {
        f"{stem}.html": render_html(report),
        f"{stem}.md": render_markdown(report),
        f"{stem}.json": render_json(report),
        f"{stem}.csv": render_claim_matrix_csv(report),
        "index.html": render_index_html(index),
        "index.md": render_index_markdown(index),
        "index.json": render_index_json(index),
    }
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


def _write(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a report (and a
    full disk leaves no temporary file behind)."""
    write_atomic(path, text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
