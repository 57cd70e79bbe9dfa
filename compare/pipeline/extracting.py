"""Extraction and passages over what the fetch stage stored.

Content-addressed: a (outlet, snapshot) pair is extracted once per extraction version. An
unchanged page only moves ``last_seen``; a changed one becomes a new version with its diff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from compare.errors import ExtractError
from compare.models import Snapshot, Sources
from compare.store import PageToExtract, Store

__all__ = ["EXTRACT_PARAMS", "ExtractCounts", "extract_new"]

log = logging.getLogger(__name__)

EXTRACT_PARAMS = "extract-v1"


@dataclass
class ExtractCounts:
    """What the extraction stage did in one run."""

    seen: int = 0
    new: int = 0
    new_version: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    article_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("article_ids")
        return out


def _snapshot(store: Store, sha256: str) -> Snapshot | None:
    meta = store.snapshot(sha256)
    body = store.snapshot_body(sha256)
    if meta is None or body is None:
        return None
    return Snapshot(
        sha256=sha256,
        url=meta.url,
        final_url=meta.final_url,
        status=meta.status,
        headers=meta.headers,
        fetched_at=datetime.fromisoformat(meta.fetched_at),
        body=body,
        content_type=meta.content_type,
        encoding=meta.encoding,
    )


#: Pages a worker claims at a time (several workers may share a night: each claims its own).
CLAIM_BATCH = 16


def extract_new(
    store: Store,
    sources: Sources | None,
    *,
    run_id: int | None,
    on_step: Callable[[int, int], None] | None = None,
) -> ExtractCounts:
    """Extract every stored article snapshot not yet extracted; returns the counts.

    Pages are claimed in batches (:meth:`~compare.store.Store.claim_pages_to_extract`), so
    several ``process`` workers sharing a database never extract one page twice.
    """
    counts = ExtractCounts()
    total = len(store.snapshots_to_extract(params_hash=EXTRACT_PARAMS))  # what is not done yet
    seen: set[int] = set()
    skipped: set[int] = set()  # pages whose snapshot is missing: never marked done, never retried
    while True:
        claim = store.claim_pages_to_extract(params_hash=EXTRACT_PARAMS, limit=CLAIM_BATCH, skip=skipped)
        with claim as batch:
            if not batch:
                break
            for row in batch:
                seen.add(row.fetch_id)
                if not _extract_one(store, sources, row, run_id=run_id, counts=counts):
                    skipped.add(row.fetch_id)
                if on_step:
                    on_step(len(seen), max(total, len(seen)))
    _wait_for_other_workers(store, skipped)
    return counts


def _wait_for_other_workers(store: Store, seen: set[int], *, timeout: float = 900.0) -> None:
    """Return once no other worker is still extracting a page, so every worker groups the same
    articles a single worker would (grouping in two halves can draw other events)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = {p.fetch_id for p in store.snapshots_to_extract(params_hash=EXTRACT_PARAMS)} - seen
        if not pending:
            return
        log.debug("waiting for %d pages other workers are extracting", len(pending))
        time.sleep(0.5)
    log.warning("other workers' pages still not extracted after %.0f s; going on", timeout)


def _extract_one(
    store: Store, sources: Sources | None, row: PageToExtract, *, run_id: int | None, counts: ExtractCounts
) -> bool:
    """Extract one fetched page into an article, its passages and the stage's mark; ``False``
    when its snapshot is missing (nothing to read, nothing marked)."""
    key = f"{row.outlet_id}|{row.snapshot_sha256}"
    from compare.extract import extract_page  # trafilatura: only when there is a page to read
    from compare.passages import split_passages
    from compare.versions import text_diff

    counts.seen += 1
    snapshot = _snapshot(store, row.snapshot_sha256)
    outlet = sources.outlet(row.outlet_id) if sources else None
    if snapshot is None:
        return False
    try:
        page = extract_page(
            snapshot,
            outlet_language=outlet.language if outlet else None,
            fetched_at=datetime.fromisoformat(row.fetched_at),
        )
    except ExtractError as exc:
        outcome = exc.outcome or "extract_empty"
        counts.failed[outcome] = counts.failed.get(outcome, 0) + 1
        log.info("extract %s: %s (%s)", row.url, outcome, exc)
        store.set_fetch_outcome(row.fetch_id, outcome, str(exc))
        store.mark_stage_done("extract", key, input_hash=row.snapshot_sha256, params_hash=EXTRACT_PARAMS)
        return True

    url = page.canonical_url or row.url
    previous = store.previous_text(url)
    changes = None
    if previous is not None and previous != page.text:
        changes = [asdict(c) for c in text_diff(previous, page.text)]
    passages = split_passages(
        "0", page.text, title=page.title, language=page.language_detected or page.language_declared
    )
    with store.atomic():  # article, passages and the stage mark land together or not at all
        store.ensure_outlet(row.outlet_id)
        saved = store.save_article(
            outlet_id=row.outlet_id,
            url=url,
            text=page.text,
            snapshot_sha256=row.snapshot_sha256,
            run_id=run_id,
            changes=changes,
            fields={
                "fetched_url": row.url,
                "title": page.title,
                "byline": page.author,
                "published_at": page.published_at.isoformat() if page.published_at else None,
                "published_source": page.published_source,
                "date_reliable": int(page.date_reliable),
                "updated_at": page.updated_at.isoformat() if page.updated_at else None,
                "site_name": page.site_name,
                "language": page.language_declared,
                "language_page": page.language_page,
                "language_detected": page.language_detected,
                "language_mismatch": int(page.language_mismatch),
                "method": page.method,
            },
        )
        setattr(counts, saved.status, getattr(counts, saved.status) + 1)
        if saved.status in ("new", "new_version"):
            store.save_passages(saved.id, [replace(p, article_id=str(saved.id)) for p in passages])
            counts.article_ids.append(saved.id)
        store.mark_stage_done("extract", key, input_hash=row.snapshot_sha256, params_hash=EXTRACT_PARAMS)
    return True
