"""The pipeline: the only place where stages meet the store (layer L7).

``run_pipeline`` is the nightly job; ``fetch_into_store`` and ``process_store`` are its halves,
for ``newscompare fetch`` and ``newscompare process``.
"""

from __future__ import annotations

from compare.pipeline.analysing import AnalyseCounts, analyse
from compare.pipeline.comparing import compare_inputs, file_snapshot
from compare.pipeline.extracting import ExtractCounts, extract_new
from compare.pipeline.fetching import fetch_into_store
from compare.pipeline.lifecycle import ActiveRun, run_lifecycle
from compare.pipeline.reporting import write_reports
from compare.pipeline.runner import (
    LazyEmbedder,
    RunResult,
    events_touched_since,
    process_store,
    run_pipeline,
)

__all__ = [
    "ActiveRun",
    "AnalyseCounts",
    "ExtractCounts",
    "LazyEmbedder",
    "RunResult",
    "analyse",
    "compare_inputs",
    "events_touched_since",
    "extract_new",
    "fetch_into_store",
    "file_snapshot",
    "process_store",
    "run_lifecycle",
    "run_pipeline",
    "write_reports",
]
