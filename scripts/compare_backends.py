#!/usr/bin/env python
"""The demo on SQLite and on PostgreSQL: are the event reports the same?

Runs ``newscompare demo`` twice, into a fresh SQLite file and into the PostgreSQL database
``--postgres`` names (it should be empty: the demo's first night is compared), and compares every
event's JSON report by content: row ids (which follow the order concurrent fetches landed in)
and timestamps are left out, and lists are compared as sets. Prints one line per event and
exits 1 when any differs.

Usage::

    createdb newscompare_demo
    python scripts/compare_backends.py --postgres postgresql://localhost/newscompare_demo
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Keys whose values differ between two runs of the same night: when, and which row id.
VOLATILE = frozenset({"generated_at", "started_at", "finished_at", "fetched_at", "snapshot_fetched_at",
                      "first_seen", "last_seen", "reprint_of"})  # fmt: skip


def _content(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _content(v) for k, v in value.items()
                if not (k in VOLATILE or k == "id" or k.endswith(("_id", "_ids")))}  # fmt: skip
    if isinstance(value, list):
        return sorted((_content(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _demo(db: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "compare", "-q", "--db", db, "demo", "--out", str(out)],
                          env=env, capture_output=True, text=True)  # fmt: skip
    if proc.returncode not in (0, 1):
        sys.exit(f"compare_backends: the demo on {db.split('?')[0]} exited {proc.returncode}: "
                 f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")  # fmt: skip
    reports = {}
    for path in sorted(out.glob("event-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        reports[data["event"]["label"]] = _content(data)
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    if not args.postgres.startswith(("postgresql://", "postgres://")):
        parser.error("--postgres must be a postgresql:// URL")
    with tempfile.TemporaryDirectory() as tmp:
        lite = _demo(str(Path(tmp) / "demo.db"), Path(tmp) / "sqlite")
        pg = _demo(args.postgres, Path(tmp) / "postgresql")
    differ = 0
    for label in sorted(set(lite) | set(pg)):
        a, b = lite.get(label), pg.get(label)
        if a == b:
            print(f"same     {label}")
            continue
        differ += 1
        if a is None or b is None:
            where = "only on one backend"
        else:
            where = ", ".join(k for k in a if a[k] != b.get(k))
        print(f"DIFFERS  {label}: {where}")
    print(f"{len(lite)} event reports on SQLite, {len(pg)} on PostgreSQL, {differ} differ")
    sys.exit(1 if differ or not lite else 0)


if __name__ == "__main__":
    main()
