#!/usr/bin/env python
"""Benchmark the vector search behind ``newscompare query``: latency and recall by store size.

For each size (default 10k, 100k, 1M passages) it draws synthetic L2-normalised 384-d vectors
that cluster the way sentence embeddings do (topics > stories > sentences, so nearest neighbours
are not trivially one cell apart), builds :class:`compare.store.VectorIndex` in IVF mode,
and times single-vector queries drawn from the same distribution (held out from the data):

* exact search — the numpy matrix-vector product of the index's exact mode, the ground truth;
* IVF search — the index as ``newscompare query`` uses it past the size threshold;
* recall@10 of IVF against exact, build time, and the peak resident memory of the process.

Each size runs in its own subprocess so its peak memory is its own. Latencies are medians and
95th percentiles over the queries, one thread (as the service answers one query at a time).

    OPENBLAS_NUM_THREADS=1 python scripts/bench_query.py                 # the table in docs
    python scripts/bench_query.py --sizes 10000,100000 --queries 100    # quicker
    python scripts/bench_query.py --hnsw-upto 100000                    # also time usearch HNSW
    python scripts/bench_query.py --sizes "" --end-to-end 100000         # the whole query() path

``--end-to-end N`` builds a synthetic store of N passages (10 per article, 5 outlets per event,
a claim per sentence position, FTS5 kept by the store's triggers, vectors as above) and times
``compare.query.query`` itself: FTS5 BM25 + vector search + fusion + grouping + reading claims,
cold (first query: index built from the store and saved) and warm.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compare.store.vectorindex import DEFAULT_NPROBE, VectorIndex

DIM = 384
K = 10


def synthetic(n: int, n_queries: int, *, seed: int, dim: int = DIM) -> tuple[np.ndarray, np.ndarray]:
    """``n`` data vectors and ``n_queries`` held-out queries from one clustered distribution.

    Topics (one per 5,000 vectors, at least 20) spread stories around them (one per 50 vectors);
    each vector is its story's centre plus noise. Cosines come out like MiniLM's: about 0.5 within
    a story, 0.2-0.3 within a topic, near 0 across topics.
    """
    rng = np.random.default_rng(seed)
    n_topics = max(20, n // 5000)
    n_stories = max(n_topics * 2, n // 50)
    topics = rng.standard_normal((n_topics, dim)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    story_topic = rng.integers(0, n_topics, n_stories)
    stories = topics[story_topic] + 0.6 * _unit(rng, n_stories, dim)
    stories /= np.linalg.norm(stories, axis=1, keepdims=True)
    spread = rng.uniform(1.0, 1.5, n_stories).astype(np.float32)
    total = n + n_queries
    out = np.empty((total, dim), dtype=np.float32)
    for start in range(0, total, 100_000):
        stop = min(total, start + 100_000)
        which = rng.integers(0, n_stories, stop - start)
        chunk = stories[which] + spread[which, None] * _unit(rng, stop - start, dim)
        out[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    order = rng.permutation(total)
    return out[order[:n]], out[order[n:]]


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    noise = rng.standard_normal((n, dim)).astype(np.float32)
    return noise / np.linalg.norm(noise, axis=1, keepdims=True)


def exact_top(data: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """The exact mode's computation: one matrix-vector product and a partial sort."""
    scores = data @ query
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top])]


def _ms(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values) * 1000.0
    return round(float(np.median(arr)), 2), round(float(np.percentile(arr, 95)), 2)


def run_one(
    n: int, n_queries: int, *, seed: int, nprobe: int, sweep: tuple[int, ...], hnsw: bool
) -> dict[str, object]:
    t0 = time.perf_counter()
    data, queries = synthetic(n, n_queries, seed=seed)
    gen_s = time.perf_counter() - t0
    ids = np.arange(n, dtype=np.int64)

    exact_times, truth = [], []
    for q in queries:
        t = time.perf_counter()
        truth.append(exact_top(data, q, K))
        exact_times.append(time.perf_counter() - t)

    t = time.perf_counter()
    index = VectorIndex.build(ids, data, threshold=1, nprobe=nprobe, threads=1)
    build_s = time.perf_counter() - t
    row: dict[str, object] = {
        "n": n,
        "queries": n_queries,
        "generate_s": round(gen_s, 1),
        "exact_p50_ms": _ms(exact_times)[0],
        "exact_p95_ms": _ms(exact_times)[1],
        "ivf_build_s": round(build_s, 1),
        "mean_cos_top1": round(
            float(np.mean([data[g[0]] @ q for g, q in zip(truth, queries, strict=True)])), 3
        ),
    }
    for probe in sorted({*sweep, nprobe}):
        index.nprobe = probe
        ivf_times, hits = [], 0
        for q, gold in zip(queries, truth, strict=True):
            t = time.perf_counter()
            (found,) = index.search(q, K)
            ivf_times.append(time.perf_counter() - t)
            hits += len(set(found.ids) & {int(i) for i in gold})
        p50, p95 = _ms(ivf_times)
        suffix = "" if probe == nprobe else f"_nprobe{probe}"
        row[f"ivf_p50_ms{suffix}"] = p50
        row[f"ivf_p95_ms{suffix}"] = p95
        row[f"ivf_recall_at_10{suffix}"] = round(hits / (K * n_queries), 4)
    row["nprobe"] = nprobe
    del index
    if hnsw:
        row.update(_hnsw(data, queries, truth))
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    return row


def _hnsw(data: np.ndarray, queries: np.ndarray, truth: list[np.ndarray]) -> dict[str, object]:
    """usearch HNSW (f32, M=16, ef_add=128, ef_search=64), the candidate IVF was measured against."""
    from usearch.index import Index

    index = Index(
        ndim=data.shape[1], metric="ip", dtype="f32", connectivity=16, expansion_add=128, expansion_search=64
    )
    t = time.perf_counter()
    index.add(np.arange(data.shape[0], dtype=np.uint64), data, threads=1)
    build_s = time.perf_counter() - t
    times, hits = [], 0
    for q, gold in zip(queries, truth, strict=True):
        t = time.perf_counter()
        found = index.search(q, K)
        times.append(time.perf_counter() - t)
        hits += len({int(k) for k in found.keys} & {int(i) for i in gold})
    p50, p95 = _ms(times)
    return {
        "hnsw_build_s": round(build_s, 1),
        "hnsw_p50_ms": p50,
        "hnsw_p95_ms": p95,
        "hnsw_recall_at_10": round(hits / (K * len(queries)), 4),
    }


class _SyntheticEmbedder:
    """Query vectors from the benchmark's distribution, one per text (deterministic)."""

    model_id = "synthetic-384"
    dim = DIM

    def embed(self, texts: list[str]) -> np.ndarray:
        out = [synthetic(1, 1, seed=zlib.crc32(t.encode()))[1][0] for t in texts]
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


def end_to_end(n: int, n_queries: int, *, seed: int) -> dict[str, object]:
    """Build a synthetic store of ``n`` passages and time ``query()`` on it."""
    import hashlib
    import shutil
    import tempfile

    from compare.query import query
    from compare.store import Store

    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(5000)]
    weights = 1.0 / np.arange(1, 5001)
    weights /= weights.sum()
    folder = Path(tempfile.mkdtemp(prefix="bench-query-"))
    try:
        t0 = time.perf_counter()
        vectors, _ = synthetic(n, 1, seed=seed)
        store = Store(folder / "bench.db")
        db = store.db
        outlets = [f"outlet{i}" for i in range(5)]
        with db.atomic():
            db.conn.executemany(
                "INSERT INTO outlets (id, name, groups) VALUES (?, ?, '[]')",
                [(o, o.title()) for o in outlets],
            )
        per_article, per_event = 10, 5
        n_articles = n // per_article
        article_rows, passage_rows, emb_rows = [], [], []
        for a in range(n_articles):
            words = rng.choice(vocab, size=(per_article, 14), p=weights)
            sentences = [" ".join(w) + "." for w in words]
            text = " ".join(sentences)
            day = f"2026-{1 + (a // per_event) % 12:02d}-{1 + a % 28:02d}"
            article_rows.append(
                (
                    a + 1,
                    outlets[a % per_event],
                    f"https://x.test/{a}",
                    f"Title {' '.join(words[0][:5])}",
                    day,
                    text,
                    hashlib.sha256(text.encode()).hexdigest(),
                    day,
                    day,
                )
            )
            offset = 0
            for i, sentence in enumerate(sentences):
                pid = a * per_article + i + 1
                h = hashlib.sha256(sentence.encode()).hexdigest()
                passage_rows.append((pid, a + 1, i, offset, offset + len(sentence), sentence, h))
                emb_rows.append((h, _SyntheticEmbedder.model_id, DIM, vectors[pid - 1].tobytes()))
                offset += len(sentence) + 1
        with db.atomic():
            db.conn.executemany(
                """INSERT INTO articles (id, outlet_id, url, title, published_at, text, text_hash, first_seen,
                   last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                article_rows,
            )
            db.conn.executemany(
                """INSERT INTO passages (id, article_id, idx, start, "end", text, text_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                passage_rows,
            )
            db.conn.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?, ?)", emb_rows)
            n_events = n_articles // per_event
            db.conn.executemany(
                "INSERT INTO events (id, label, status) VALUES (?, ?, 'active')",
                [(e + 1, f"event {e + 1}") for e in range(n_events)],
            )
            db.conn.executemany(
                "INSERT INTO event_articles (event_id, article_id) VALUES (?, ?)",
                [(a // per_event + 1, a + 1) for a in range(n_events * per_event)],
            )
            claims, members = [], []
            for e in range(n_events):
                for i in range(per_article):
                    cid = e * per_article + i + 1
                    claims.append((cid, e + 1, f"c{i}", per_event))
                    members += [(cid, (e * per_event + k) * per_article + i + 1) for k in range(per_event)]
            db.conn.executemany(
                "INSERT INTO claims (id, event_id, key, n_outlets) VALUES (?, ?, ?, ?)", claims
            )
            db.conn.executemany("INSERT INTO claim_passages (claim_id, passage_id) VALUES (?, ?)", members)
        build_s = time.perf_counter() - t0
        embedder = _SyntheticEmbedder()
        texts = [" ".join(rng.choice(vocab[:2000], size=2)) for _ in range(n_queries + 1)]
        t = time.perf_counter()
        cold = query(store, texts[0], embedder=embedder, aliases=())  # type: ignore[arg-type]
        cold_s = time.perf_counter() - t
        times = []
        for text in texts[1:]:
            t = time.perf_counter()
            query(store, text, embedder=embedder, aliases=())  # type: ignore[arg-type]
            times.append(time.perf_counter() - t)
        store.close()
        p50, p95 = _ms(times)
        return {
            "passages": n,
            "store_build_s": round(build_s, 1),
            "cold_ms": round(cold_s * 1000, 1),
            "vector_search": cold.vector_search,
            "warm_p50_ms": p50,
            "warm_p95_ms": p95,
            "queries": n_queries,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nprobe", type=int, default=DEFAULT_NPROBE)
    parser.add_argument("--sweep", default="4,8", help="other nprobe values to report")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hnsw-upto", type=int, default=0, help="also time usearch HNSW up to this size")
    parser.add_argument("--json", action="store_true", help="print one JSON object per size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--end-to-end", default="", help="store sizes (comma-separated) to time query() on")
    args = parser.parse_args()
    for size in [int(s) for s in args.end_to_end.split(",") if s]:
        print(json.dumps(end_to_end(size, args.queries, seed=args.seed)), flush=True)
    sweep = tuple(int(p) for p in args.sweep.split(",") if p)
    if args.one:
        row = run_one(
            args.one,
            args.queries,
            seed=args.seed,
            nprobe=args.nprobe,
            sweep=sweep,
            hnsw=args.one <= args.hnsw_upto,
        )
        print(json.dumps(row))
        return
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        cmd = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)]
        cmd += ["--nprobe", str(args.nprobe), "--sweep", args.sweep, "--seed", str(args.seed)]
        cmd += ["--hnsw-upto", str(args.hnsw_upto)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), file=sys.stdout if args.json else sys.stderr, flush=True)
    if rows and not args.json:
        print(_table(rows, sweep))


def _table(rows: list[dict[str, object]], sweep: tuple[int, ...]) -> str:
    head = "| passages | exact p50 / p95 ms | IVF p50 / p95 ms | IVF recall@10 | build s | peak RSS MB |"
    lines = [head, "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['exact_p50_ms']} / {r['exact_p95_ms']} | {r['ivf_p50_ms']} / "
            f"{r['ivf_p95_ms']} | {r['ivf_recall_at_10']} | {r['ivf_build_s']} | {r['peak_rss_mb']} |"
        )
    for probe in sweep:
        cells = ", ".join(
            f"{r['n']:,}: {r.get(f'ivf_recall_at_10_nprobe{probe}')} "
            f"({r.get(f'ivf_p50_ms_nprobe{probe}')} / {r.get(f'ivf_p95_ms_nprobe{probe}')} ms)"
            for r in rows
        )
        lines.append(f"\nnprobe={probe}: recall@10 (p50 / p95) — {cells}")
    hnsw = [r for r in rows if "hnsw_build_s" in r]
    for r in hnsw:
        lines.append(
            f"\nusearch HNSW at {r['n']:,}: p50/p95 {r['hnsw_p50_ms']}/{r['hnsw_p95_ms']} ms, "
            f"recall@10 {r['hnsw_recall_at_10']}, build {r['hnsw_build_s']} s"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
