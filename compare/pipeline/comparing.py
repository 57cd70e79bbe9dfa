"""``newscompare compare``: put given articles (files or URLs) through the pipeline and find
the events they join, so their framing is read beside the coverage already in the store."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from compare.config import Settings
from compare.models import FetchResult, Outcome, Snapshot, Sources
from compare.pipeline.fetching import fetch_into_store
from compare.pipeline.runner import process_store
from compare.store import Store

if TYPE_CHECKING:
    from compare.embed import Embedder

__all__ = ["LOCAL_OUTLET", "compare_inputs", "file_snapshot"]

LOCAL_OUTLET = "local"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def _text_as_html(text: str) -> bytes:
    """A plain-text article as a minimal HTML page: first line the title, blank lines paragraphs."""
    lines = text.strip().splitlines()
    title = lines[0].strip() if lines else ""
    paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(' '.join(p.split()))}</p>\n" for p in paragraphs)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><article><h1>{html.escape(title)}</h1>\n{body}</article></body></html>"
    )
    return page.encode("utf-8")


def file_snapshot(path: Path, *, now: datetime | None = None) -> Snapshot:
    """A local file as a snapshot: HTML as is, plain text wrapped in a minimal page."""
    raw = path.read_bytes()
    body = raw if path.suffix.lower() in HTML_SUFFIXES else _text_as_html(raw.decode("utf-8", "replace"))
    url = path.resolve().as_uri()
    return Snapshot(
        sha256=hashlib.sha256(body).hexdigest(),
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        fetched_at=now or datetime.now(UTC),
        body=body,
        content_type="text/html; charset=utf-8",
        encoding="utf-8",
    )


def compare_inputs(
    store: Store,
    run_id: int,
    sources: Sources | None,
    inputs: Sequence[str],
    *,
    settings: Settings,
    outlet_id: str | None,
    embedder: Embedder,
) -> list[int]:
    """Store and process the inputs under run ``run_id``; return the ids of the events they join."""
    urls = [i for i in inputs if i.startswith(("http://", "https://"))]
    files = [Path(i) for i in inputs if i not in urls]
    if urls:
        fetch_into_store(
            store, sources or Sources(path="<none>", outlets=()), run_id=run_id, settings=settings,
            urls=urls,
        )  # fmt: skip
    owner = outlet_id or LOCAL_OUTLET
    if sources is not None and outlet_id and sources.outlet(outlet_id) is None:
        from compare.errors import UsageError

        raise UsageError(f"unknown outlet id {outlet_id!r} (not in {sources.path})")
    if sources is not None:
        store.sync_outlets(sources)
    store.ensure_outlet(owner, name="Local files" if owner == LOCAL_OUTLET else owner)
    looked_up: list[str] = list(urls)
    for path in files:
        snap = file_snapshot(path)
        store.record_fetch(
            run_id,
            FetchResult(
                url=snap.url, outlet_id=owner, outcome=Outcome.OK, fetched_at=snap.fetched_at,
                http_status=200, bytes=len(snap.body), snapshot=snap, kind="article",
            ),
        )  # fmt: skip
        looked_up.append(snap.url)
    process_store(store, sources, run_id=run_id, embedder=embedder)
    events: list[int] = []
    for url in looked_up:
        event_id = store.event_of_url(url)
        if event_id is not None and event_id not in events:
            events.append(event_id)
    return events
