#!/usr/bin/env python
"""Growth curve of event grouping and claim alignment on synthetic data.

Usage::

    OPENBLAS_NUM_THREADS=1 python scripts/bench_events.py [--store 20000] [--sizes 1000,2000,5000,10000]

Part 1 groups batches of 1k–10k new articles against a store of ``--store`` existing event
states (incremental mode: centroids and term profiles, not the stored articles). Part 2 aligns one
event of 5–30 outlets × 60 sentences. Synthetic events draw their words from a private vocabulary
of rare terms plus a shared one of common terms, and their vectors from a random centre plus noise,
so grouping has real work to do. Prints wall times (median of ``--repeats``) and the exponent ``b``
of a least-squares fit ``time ≈ a·n^b``: b ≈ 1 is linear, b ≈ 2 quadratic.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from compare.align import align_event
from compare.embed import normalise_rows
from compare.events import EventState, group_events
from compare.models import Article, Passage

DIM = 384
START = datetime(2026, 1, 1, tzinfo=UTC)
COMMON = [f"common{k}" for k in range(400)]


class Synthetic:
    """Synthetic events: each has rare words, a vector centre and a publication day."""

    def __init__(self, seed: int, events: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.days = days
        self.centres = normalise_rows(self.np.normal(size=(events, DIM)).astype(np.float32))
        self.words = [[f"w{e}x{k}" for k in range(12)] for e in range(events)]
        self.day = [self.rng.randrange(days) for _ in range(events)]

    def text(self, event: int, length: int) -> str:
        own = self.rng.choices(self.words[event], k=length // 2)
        shared = self.rng.choices(COMMON, k=length - len(own))
        words = own + shared
        self.rng.shuffle(words)
        return " ".join(words)

    def vector(self, event: int, noise: float = 0.9) -> np.ndarray:
        return self.centres[event] + noise * self.np.normal(size=DIM).astype(np.float32) / math.sqrt(DIM)

    def article(self, event: int, number: int) -> Article:
        return Article(
            id=f"a{number}",
            outlet_id=f"o{number % 30}",
            title=self.text(event, 8),
            text=self.text(event, 60),
            published_at=START + timedelta(days=self.day[event], hours=self.rng.randrange(24)),
        )

    def state(self, event: int) -> EventState:
        terms = {w: 1.0 / (1 + k) for k, w in enumerate(self.words[event])}
        when = START + timedelta(days=self.day[event])
        return EventState(
            id=f"ev{event}",
            article_ids=tuple(f"old{event}-{k}" for k in range(3)),
            centroid=(self.centres[event] * 0.8).astype(np.float32),
            terms=terms,
            entities={},
            first_published=when,
            last_published=when,
        )


def fit_exponent(sizes: list[int], times: list[float]) -> float:
    x, y = np.log(sizes), np.log(times)
    return float(np.polyfit(x, y, 1)[0])


def bench_grouping(store: int, sizes: list[int], repeats: int, days: int) -> None:
    data = Synthetic(seed=1, events=store + max(sizes) // 3, days=days)
    states = [data.state(e) for e in range(store)]
    warm = [data.article(e, k) for k, e in enumerate(range(30))]  # imports, caches
    group_events(warm, normalise_rows(np.stack([data.vector(e) for e in range(30)])))
    print(f"\n## grouping new articles against {store} stored events ({days} days of news)")
    print("| new articles | seconds (median) | articles/s | new events | attached |")
    print("|---|---|---|---|---|")
    times = []
    for size in sizes:
        rng = random.Random(size)
        # Half the new articles continue stored events, half report new events (3 each).
        events = [rng.randrange(store) for _ in range(size // 2)]
        events += [store + k // 3 for k in range(size - len(events))]
        articles = [data.article(e, k) for k, e in enumerate(events)]
        vectors = normalise_rows(np.stack([data.vector(e) for e in events]))
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            grouping = group_events(articles, vectors, existing=states)
            runs.append(time.perf_counter() - started)
        seconds = statistics.median(runs)
        times.append(seconds)
        attached = sum(1 for c in grouping.changes if c.kind == "grow")
        print(f"| {size} | {seconds:.2f} | {size / seconds:.0f} | {len(grouping.new_events)} | {attached} |")
    if len(sizes) > 1:
        print(f"fitted exponent b = {fit_exponent(sizes, times):.2f}")


def bench_alignment(outlets: list[int], sentences: int, repeats: int) -> None:
    print(f"\n## aligning one event: outlets × {sentences} sentences")
    print("| outlets | passages | seconds (median) | claims |")
    print("|---|---|---|---|")
    data = Synthetic(seed=2, events=sentences * 2, days=1)
    times, counts = [], []
    for count in outlets:
        rng = random.Random(count)
        passages, vectors, outlet_of = [], [], {}
        for o in range(count):
            article = f"art{o}"
            outlet_of[article] = f"outlet{o}"
            claims = rng.sample(range(sentences * 2), sentences)  # each outlet picks 60 claims
            offset = 0
            for index, claim in enumerate(claims):
                text = data.text(claim, 20)
                passages.append(Passage(article, index, offset, offset + len(text), text))
                offset += len(text) + 1
                vectors.append(data.vector(claim, noise=0.6))
        matrix = normalise_rows(np.stack(vectors))
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            claims_found = align_event(passages, matrix, outlet_of=outlet_of)
            runs.append(time.perf_counter() - started)
        seconds = statistics.median(runs)
        times.append(seconds)
        counts.append(len(passages))
        print(f"| {count} | {len(passages)} | {seconds:.2f} | {len(claims_found)} |")
    print(f"fitted exponent over passages b = {fit_exponent(counts, times):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=int, default=20000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--outlets", default="5,10,20,30")
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, OPENBLAS_NUM_THREADS=1")
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:  # --sizes "" times the alignment only
        bench_grouping(args.store, sizes, args.repeats, args.days)
    outlets = [int(x) for x in args.outlets.split(",") if x]
    if outlets:
        bench_alignment(outlets, args.sentences, args.repeats)


if __name__ == "__main__":
    main()
