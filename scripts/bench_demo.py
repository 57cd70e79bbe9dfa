"""Time ``newscompare demo`` end to end: a cold run, the next night's run, and a run with nothing new.

Each run is a fresh process, as a user or cron starts it, so imports and the model's start-up are
included. "cold" starts from an empty database; "second night" serves the silently edited article
(one page changed); "nothing new" runs again with nothing changed. Prints a table and the ratio of
the nothing-new run to the cold one (the target is under 5%).

    python scripts/bench_demo.py [--repeat 3] [--backend auto]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(db: Path, out: Path, version: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "compare", "-q", "--db", str(db), "demo", "--version", str(version),
         "--out", str(out)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the whole sequence")
    parser.add_argument("--backend", default=None, help="embedding backend (default: the configured one)")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if args.backend:
        env["NEWSCOMPARE_EMBED_BACKEND"] = args.backend
    times: dict[str, list[float]] = {"cold": [], "second night (1 edit)": [], "nothing new": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db, out = Path(tmp) / "demo.db", Path(tmp) / "reports"
            times["cold"].append(_run(db, out, 1, env))
            times["second night (1 edit)"].append(_run(db, out, 2, env))
            times["nothing new"].append(_run(db, out, 2, env))
    cold = statistics.median(times["cold"])
    print(f"newscompare demo, {args.repeat} repetitions, medians (seconds), {os.cpu_count()} CPUs")
    print("| run | median s | min s | share of cold |")
    print("|---|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {min(values):.2f} | {median / cold:.1%} |")


if __name__ == "__main__":
    main()
