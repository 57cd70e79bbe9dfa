#!/usr/bin/env python
"""Event report bundles of a stored night: how long building each view and writing its bundle takes.

Opens a stored database read-only (e.g. one kept by ``scripts/bench_night.py --keep``), picks
events by size (the largest ``--largest`` and ``--middle`` from the middle of the size order),
builds each event's view as the report stage does and writes its bundle (HTML, Markdown, JSON,
CSV, snapshots) into a temporary folder, and prints per event the view and write times, and
the totals. One view is built first and thrown away, so imports and caches are not counted.

Usage::

    python scripts/bench_night.py --articles 10000 --keep /tmp/bn10k
    python scripts/bench_bundles.py /tmp/bn10k/night.db
    python scripts/bench_bundles.py /tmp/bn10k/night.db --largest 2 --middle 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from compare.report import write_report_bundle
from compare.store import Store
from compare.view import PresenceContext, build_event_view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a stored night's database (SQLite file)")
    parser.add_argument("--largest", type=int, default=2, help="how many of the largest events")
    parser.add_argument("--middle", type=int, default=10, help="how many events from the middle of the sizes")
    args = parser.parse_args()
    if not args.db.is_file():
        parser.error(f"{args.db}: no such database")
    with Store(args.db, read_only=True, migrate=False) as store, tempfile.TemporaryDirectory() as tmp:
        context = PresenceContext.load(store)
        sizes = sorted(((s.n_articles, s.event.id) for s in store.event_summaries()), reverse=True)
        if not sizes:
            parser.error(f"{args.db}: no event")
        mid = len(sizes) // 2
        picks = sizes[: args.largest] + sizes[mid : mid + args.middle]
        build_event_view(store, picks[-1][1], context=context)
        total_view = total_write = 0.0
        for n_articles, event_id in picks:
            start = time.perf_counter()
            view = build_event_view(store, event_id, context=context)
            built = time.perf_counter()
            write_report_bundle(store, view, Path(tmp), with_index=False)
            done = time.perf_counter()
            total_view += built - start
            total_write += done - built
            print(f"event {event_id}: {n_articles} articles, {len(view.claims)} claims, "
                  f"{len(view.outlets)} outlets: view {built - start:.2f} s, "
                  f"write {done - built:.2f} s")  # fmt: skip
        print(f"{len(picks)} events: view {total_view:.2f} s, write {total_write:.2f} s, "
              f"total {total_view + total_write:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
