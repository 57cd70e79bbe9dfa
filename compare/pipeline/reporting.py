"""The report stage of a run: every event's pages, the run index, and the record of what was kept.

An event whose pages in the reports folder were made from the view it would have now keeps them
(:mod:`compare.report.manifest`, :mod:`compare.view.freshness`). The pages to write are rendered
by up to ``workers`` processes (each opens the store read-only and renders a share of the
events; rendering is pure Python, so one process per core), and the run's process writes the
index and the record once they are all done.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from compare.errors import CompareError
from compare.store import Store
from compare.view.model import TopicLink

__all__ = ["write_reports"]

log = logging.getLogger(__name__)

#: Fewer pages than this are written by the run's own process (a worker's start-up costs a second).
_PARALLEL_FROM = 8


def default_workers() -> int:
    """One report worker per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def write_reports(
    store: Store,
    out_dir: Path,
    *,
    event_ids: Sequence[int] | None = None,
    run_id: int | None = None,
    topics: Sequence[TopicLink] = (),
    reuse: bool = True,
    workers: int | None = None,
) -> tuple[list[Path], Path]:
    """Write the report bundle of each event (all active events by default) and the run index,
    which links the ``topics`` pages written beside it.

    With ``reuse`` (a nightly run), an event whose pages in ``out_dir`` were made from the view
    it would have now keeps them: nothing they show changed, and the index names the run they
    were written in.
    """
    from compare.files import write_atomic
    from compare.report import PageManifest, index_files
    from compare.view import PresenceContext, build_index
    from compare.view.freshness import PageKeys

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompareError(f"cannot write the reports to {out_dir}: {exc}") from None
    active = store.active_event_ids()
    ids = list(event_ids) if event_ids is not None else active
    run = store.run(run_id) if run_id is not None else None
    context = PresenceContext.load(store, run=run)
    index = build_index(store, run_id=run_id, context=context, topics=topics)
    keys = PageKeys(store, context) if reuse else None
    manifest = PageManifest.load(out_dir)
    kept: dict[int, int] = {}
    todo: dict[int, str | None] = {}
    for event_id in ids:
        key = keys.key(event_id) if keys is not None else None
        page_run = manifest.current(event_id, key) if key is not None else None
        if page_run is None:
            todo[event_id] = key
        else:
            kept[event_id] = page_run
    for event_id, snapshots in _write_pages(store, out_dir, list(todo), run_id, workers).items():
        manifest.record(event_id, todo[event_id], run_id=run_id, snapshots=snapshots)
    if kept:
        index = replace(index, entries=tuple(
            replace(e, page_run=kept[e.event_id]) if kept.get(e.event_id) not in (None, run_id) else e
            for e in index.entries
        ))  # fmt: skip
    manifest.forget_except(set(active))
    try:
        for name, text in index_files(index).items():
            write_atomic(out_dir / name, text)
        manifest.save()
    except OSError as exc:
        raise CompareError(f"cannot write the reports to {out_dir}: {exc}") from None
    if kept:
        log.info("%d of %d event reports kept: nothing they show changed", len(kept), len(ids))
    return [out_dir / f"event-{e}.html" for e in ids], out_dir / "index.html"


def _write_pages(
    store: Store, out_dir: Path, event_ids: list[int], run_id: int | None, workers: int | None
) -> dict[int, list[str]]:
    """Write the pages of ``event_ids``; per event, the snapshot files its pages cite."""
    n = min(workers if workers is not None else default_workers(), len(event_ids) // _PARALLEL_FROM or 1)
    if n <= 1:
        return _write_share(store, out_dir, event_ids, run_id)
    shares = [event_ids[k::n] for k in range(n)]  # interleaved: the largest events are spread
    written: dict[int, list[str]] = {}
    try:
        # spawn, not fork: the run's process holds threads (the embedder's) and a database handle.
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_write_share_in_worker, store.path, out_dir, s, run_id) for s in shares]
            for future in futures:
                written |= future.result()
    except BrokenProcessPool as exc:  # a worker could not start (a script without a main guard) or died
        log.warning("report workers failed (%s): writing the remaining pages in this process", exc)
        written |= _write_share(store, out_dir, [e for e in event_ids if e not in written], run_id)
    return written


def _write_share_in_worker(
    db: str, out_dir: Path, event_ids: list[int], run_id: int | None
) -> dict[int, list[str]]:
    with Store(db, read_only=True, migrate=False) as store:
        return _write_share(store, out_dir, event_ids, run_id)


def _write_share(
    store: Store, out_dir: Path, event_ids: list[int], run_id: int | None
) -> dict[int, list[str]]:
    from compare.report import write_report_bundle
    from compare.view import PresenceContext, build_event_view

    context = PresenceContext.load(store, run=store.run(run_id) if run_id is not None else None)
    written = {}
    for event_id in event_ids:
        bundle = write_report_bundle(store, build_event_view(store, event_id, context=context), out_dir,
                                     with_index=False)  # fmt: skip
        written[event_id] = [p.name for p in bundle.snapshots]
    return written
