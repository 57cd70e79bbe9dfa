"""Whole runs: the lock, the ``runs`` row, every stage in order, timings, counts and reports.

A run killed at any point leaves a ``running`` row that the next run marks ``interrupted``; every
stage skips what is already done, so the next run resumes where the killed one stopped.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare.config import Settings
from compare.errors import UsageError
from compare.models import Sources
from compare.pipeline.analysing import AnalyseCounts, analyse
from compare.pipeline.extracting import ExtractCounts, extract_new
from compare.pipeline.fetching import fetch_into_store
from compare.pipeline.lifecycle import run_lifecycle
from compare.pipeline.reporting import write_reports
from compare.pipeline.topics import write_topic_pages
from compare.store import Store

if TYPE_CHECKING:
    import httpx

    from compare.embed import Embedder
    from compare.fetch import FetchSummary, Progress

__all__ = ["RunResult", "process_store", "run_pipeline"]

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run did, for the closing summary and the exit code."""

    run_id: int
    status: str = "running"
    timings: dict[str, float] = field(default_factory=dict)
    #: Per stage: CPU seconds (every thread of the process) and the process's peak RSS in MiB
    #: by the stage's end (the peak so far: RSS peaks only grow).
    resources: dict[str, dict[str, float]] = field(default_factory=dict)
    fetch: FetchSummary | None = None
    extract: ExtractCounts | None = None
    analysis: AnalyseCounts | None = None
    reports: list[Path] = field(default_factory=list)
    index: Path | None = None
    topics: list[Path] = field(default_factory=list)
    failed_outlets: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed_outlets else 0

    def counts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.extract:
            out["extract"] = self.extract.as_dict()
        if self.analysis:
            out["analysis"] = self.analysis.as_dict()
        if self.fetch:
            out["fetch"] = {
                o.outlet_id: {
                    "discovered": o.discovered,
                    "fetched": o.fetched,
                    "unchanged": o.unchanged,
                    "failed": dict(o.failed),
                    # feeds found from the homepage because the configured ones failed (#19)
                    **({"discovery": o.discovery, "discovered_feeds": list(o.discovered_feeds)}
                       if o.discovery else {}),
                }
                for o in self.fetch.outlets
            }
        out["reports"] = len(self.reports)
        if self.resources:
            out["resources"] = dict(self.resources)
        return out


class LazyEmbedder:
    """Loads the configured model on the first text that is not in the cache.

    A nightly run with nothing new never pays the model's start-up (torch alone takes seconds).
    """

    def __init__(self, model: str | None, *, backend: str | None) -> None:
        self._model = model
        self._backend = backend
        self._inner: Embedder | None = None

    @property
    def spec(self) -> tuple[str | None, str | None]:
        """``(model, backend)``: what another process loads to embed as this one does."""
        return self._model, self._backend

    def _load(self) -> Embedder:
        if self._inner is None:
            from compare.embed import load_embedder

            self._inner = load_embedder(self._model, backend=self._backend)
        return self._inner

    @property
    def model_id(self) -> str:
        from compare.embed import model_id_for

        return model_id_for(self._model, backend=self._backend)

    @property
    def dim(self) -> int:
        return self._load().dim

    @property
    def device(self) -> str | None:
        """Where the model runs (``cpu``, ``cuda``); ``None`` while it is not loaded."""
        return None if self._inner is None else str(getattr(self._inner, "device", "cpu"))

    def embed(self, texts: Sequence[str]) -> Any:
        return self._load().embed(texts)


@contextmanager
def _timed(result: RunResult, stage: str) -> Iterator[None]:
    start, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        result.timings[stage] = round(time.perf_counter() - start, 3)
        result.resources[stage] = {
            "cpu_s": round(time.process_time() - cpu, 3),
            "peak_rss_mib": round(peak_rss_mib(), 1),
        }


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if os.uname().sysname == "Darwin" else peak / 1024


def process_store(
    store: Store,
    sources: Sources | None,
    *,
    run_id: int | None,
    embedder: Embedder,
    result: RunResult | None = None,
    on_step: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> tuple[ExtractCounts, AnalyseCounts]:
    """Extraction, passages, reprints, embeddings, events, claims and framing over what is new;
    ``workers`` processes align and frame the changed events."""
    holder = result or RunResult(run_id=run_id or 0)
    with _timed(holder, "extract"):
        extracted = extract_new(store, sources, run_id=run_id, on_step=on_step)
    with _timed(holder, "analyse"):
        analysed = analyse(
            store, sources, run_id=run_id, embedder=embedder, new_article_ids=extracted.article_ids,
            workers=workers,
        )  # fmt: skip
    return extracted, analysed


def events_touched_since(store: Store, since: timedelta | None) -> list[int]:
    """Active events created or changed by a run that started within ``since`` (all events when
    ``since`` is ``None``), most outlets first."""
    ids = store.active_event_ids()
    if since is None:
        return ids
    cutoff = (datetime.now(UTC) - since).isoformat(timespec="seconds")
    recent = store.events_updated_by(store.runs_started_since(cutoff))
    return [e for e in ids if e in recent]


def _check_writable(out_dir: Path) -> None:
    """Refuse before any fetch a reports folder that cannot be written (one line, exit 2)."""
    folder = out_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write the reports to {out_dir}: {folder} is not a writable folder")


def run_pipeline(
    settings: Settings,
    sources: Sources,
    *,
    command: str = "run",
    out_dir: Path | None = None,
    outlet_ids: Sequence[str] | None = None,
    urls: Sequence[str] = (),
    embedder: Embedder | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    parameters: dict[str, Any] | None = None,
    since: timedelta | None = None,
) -> RunResult:
    """The nightly job: fetch, process, report; under the database's run lock."""
    if out_dir is not None:
        _check_writable(out_dir)
    params = {
        "sources": sources.path,
        "outlets": list(outlet_ids or []),
        "urls": list(urls),
        "out": str(out_dir) if out_dir else None,
        **(parameters or {}),
    }
    with run_lifecycle(settings.db, command, params) as active:
        store = active.store
        result = RunResult(run_id=active.run_id, timings=active.timings)
        with _timed(result, "fetch"):
            result.fetch = fetch_into_store(
                store, sources, run_id=active.run_id, settings=settings, outlet_ids=outlet_ids,
                urls=urls, transport=transport, progress=progress,
            )  # fmt: skip
        result.failed_outlets = [o.outlet_id for o in result.fetch.outlets if o.failed_entirely]
        active.failures = list(result.failed_outlets)
        if embedder is None:
            model, backend = settings.embedding_for(sources.languages)
            embedder = LazyEmbedder(model, backend=backend)
        workers = settings.resolved_workers()
        result.extract, result.analysis = process_store(
            store, sources, run_id=active.run_id, embedder=embedder, result=result, workers=workers
        )
        result.status = "partial" if result.failed_outlets else "ok"
        active.counts = result.counts()
        # The reports show this run's status, so record it before writing them; the report
        # stage's own timing is added when the run ends.
        active.record(result.status)
        if out_dir is not None:
            with _timed(result, "report"):
                topics = []
                if sources.topics:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    topics = write_topic_pages(store, sources, out_dir, embedder=embedder, since=since)
                result.topics = [out_dir / t.path for t in topics]
                result.reports, result.index = write_reports(
                    store, out_dir, event_ids=events_touched_since(store, since) if since else None,
                    run_id=active.run_id, topics=topics, workers=workers,
                )  # fmt: skip
            active.counts = result.counts()
        return result
