#!/usr/bin/env python
"""Time the analysis stages (reprints, embeddings, events, alignment, framing) on real articles.

Usage::

    OPENBLAS_NUM_THREADS=1 python scripts/bench_analyse.py [--articles 300] [--data ../shared/data]

Reads the full-text articles of the shared dev data in place (basil-dev, then newswcl50, then
ecbplus-dev, until ``--articles``), stores them in a fresh temporary database with their passages
(as extraction would), then times :func:`compare.pipeline.analysing.analyse` over all of them with
the default embedder (loaded before the clock starts; no vector cached, so embedding is timed).
Prints the article and passage counts, the wall time and what the stages did. Runs against
whatever ``compare`` is importable, so the same command times another checkout
(``PYTHONPATH=/other/checkout``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FILES = ("basil-dev", "newswcl50", "ecbplus-dev")


def _articles(data: Path, limit: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name in FILES:
        path = data / "events" / f"{name}.jsonl"
        if not path.is_file():
            sys.exit(f"bench_analyse: {path}: no such file")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            if len(str(record.get("text") or "")) < 200:
                continue
            out.append({**record, "key": f"{name}-{number}"})
            if len(out) >= limit:
                return out
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    from compare.embed import load_embedder
    from compare.passages import split_passages
    from compare.pipeline.analysing import analyse
    from compare.store import Store

    records = _articles(args.data, args.articles)
    embedder = load_embedder()
    embedder.embed(["warm up"])
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        ids, passages = [], 0
        for record in records:
            outlet = str(record.get("outlet") or "unknown").lower().replace(" ", "-")
            store.ensure_outlet(outlet)
            published = record.get("published")
            when = f"{published}T12:00:00+00:00" if published else None
            saved = store.save_article(
                outlet_id=outlet,
                url=f"http://127.0.0.1/{record['key']}",
                text=str(record["text"]),
                snapshot_sha256=None,
                run_id=None,
                fields={"title": record.get("title"), "published_at": when},
            )
            split = split_passages("0", str(record["text"]), title=str(record.get("title") or "") or None)
            store.save_passages(saved.id, split)
            ids.append(saved.id)
            passages += len(split)
        started = time.perf_counter()
        counts = analyse(store, None, run_id=None, embedder=embedder, new_article_ids=ids)
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "load_average": round(os.getloadavg()[0], 2),
                "articles": len(ids),
                "passages": passages,
                "seconds": round(seconds, 1),
                "model": embedder.model_id,
                "counts": counts.as_dict(),
            }
        )
    )


if __name__ == "__main__":
    main()
