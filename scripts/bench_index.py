#!/usr/bin/env python
"""The run index of a stored night: how long building it takes and how much memory it needs.

Every nightly run rebuilds the index (``index.html``, ``index.json``) even when every event's
pages are kept, so its cost is part of a quiet night. This opens a stored database read-only
(e.g. one kept by ``scripts/bench_night.py --keep``), builds the index of its latest run as the
report stage does, and prints the wall time and the process's peak RSS (the process starts
small: the figure is what building the index adds).

Usage::

    python scripts/bench_night.py --articles 3000 --keep /tmp/bn3k
    python scripts/bench_index.py /tmp/bn3k/night.db
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from compare.store import Store
from compare.view import PresenceContext, build_index


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a stored newscompare database (SQLite file)")
    args = parser.parse_args()
    if not args.db.is_file():
        sys.exit(f"bench_index: {args.db} is not a file")
    before = _rss_mib()
    with Store(args.db, read_only=True, migrate=False) as store:
        start = time.perf_counter()
        index = build_index(store, context=PresenceContext.load(store, run=store.current_run()))
        wall = time.perf_counter() - start
    print(f"index of {len(index.entries)} events: {wall:.1f} s, peak RSS {_rss_mib():.0f} MiB "
          f"(before building: {before:.0f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
