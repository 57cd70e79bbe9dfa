#!/usr/bin/env python
"""The run index of a stored night: how long building it takes and how much memory it needs.

Every nightly run rebuilds the index (``index.html``, ``index.json``) even when every event's
pages are kept, so its cost is part of a quiet night. This opens a stored database read-only
(e.g. one kept by ``scripts/bench_night.py --keep``), builds the index of its latest run as the
report stage does, and prints the wall time and the process's peak RSS (the process starts
small: the figure is what building the index adds).

With ``--reports DIR`` (the reports folder of that night, as ``--keep`` leaves it) it times the
whole report stage of a night in which nothing changed instead: a copy of the folder is given to
:func:`~compare.pipeline.reporting.write_reports` for the latest run, which keeps every page
whose view is unchanged and writes the index. ``--profile N`` prints the N functions that took
longest (cumulative, cProfile).

Usage::

    python scripts/bench_night.py --articles 3000 --keep /tmp/bn3k
    python scripts/bench_index.py /tmp/bn3k/night.db
    python scripts/bench_index.py /tmp/bn3k/night.db --reports /tmp/bn3k/reports --profile 25
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compare.store import Store
from compare.view import PresenceContext, build_index


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(work: Callable[[], Any], profile: int) -> tuple[Any, float]:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = work()
    if profiler is not None:
        profiler.disable()
    wall = time.perf_counter() - start
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(profile)
    return result, wall


def _quiet_report_stage(store: Store, reports: Path, profile: int) -> str:
    from compare.pipeline.reporting import write_reports

    run = store.current_run()
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        out = Path(tmp) / "reports"
        shutil.copytree(reports, out)
        started = time.time() - 1  # copytree keeps the pages' times: a rewritten page is newer
        run_id = run.id if run is not None else None
        (pages, _index), wall = _timed(lambda: write_reports(store, out, run_id=run_id), profile)
        rewritten = sum(1 for p in pages if p.stat().st_mtime >= started)
    return f"report stage of {len(pages)} events ({rewritten} pages rewritten): {wall:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a stored newscompare database (SQLite file)")
    parser.add_argument("--reports", type=Path, help="time the quiet report stage on a copy of this folder")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N slowest functions")
    args = parser.parse_args()
    if not args.db.is_file():
        sys.exit(f"bench_index: {args.db} is not a file")
    if args.reports is not None and not args.reports.is_dir():
        sys.exit(f"bench_index: {args.reports} is not a folder")
    before = _rss_mib()
    with Store(args.db, read_only=True, migrate=False) as store:
        if args.reports is not None:
            said = _quiet_report_stage(store, args.reports, args.profile)
        else:
            context = PresenceContext.load(store, run=store.current_run())
            index, wall = _timed(lambda: build_index(store, context=context), args.profile)
            said = f"index of {len(index.entries)} events: {wall:.1f} s"
    print(f"{said}, peak RSS {_rss_mib():.0f} MiB (before: {before:.0f} MiB)")


if __name__ == "__main__":
    main()
