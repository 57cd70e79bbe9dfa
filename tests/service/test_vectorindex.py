"""The vector index: exact and IVF agree, updates are incremental by id, and it persists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compare.errors import StoreError
from compare.store.vectorindex import VectorIndex


def clustered(n: int, dim: int = 32, *, seed: int = 0, clusters: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(data: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    scores = data @ q
    return [int(ids[i]) for i in np.argsort(-scores)[:k]]


def test_small_index_is_exact_and_large_one_is_ivf() -> None:
    data = clustered(500)
    assert VectorIndex.build(np.arange(500), data, threshold=1000).kind == "exact"
    assert VectorIndex.build(np.arange(500), data, threshold=400).kind == "ivf"


def test_ivf_recall_against_exact_search() -> None:
    data = clustered(4000, seed=1)
    ids = np.arange(10_000, 14_000)
    queries = clustered(50, seed=2)
    exact = VectorIndex.build(ids, data, threshold=10**9)
    ivf = VectorIndex.build(ids, data, threshold=1000, nprobe=8)
    assert ivf.kind == "ivf"
    hits = 0
    for q in queries:
        truth = exact_top(data, ids, q, 10)
        (from_exact,) = exact.search(q, 10)
        (from_ivf,) = ivf.search(q, 10)
        assert list(from_exact.ids) == truth
        hits += len(set(from_ivf.ids) & set(truth))
    assert hits / (10 * len(queries)) >= 0.9
    # with every cell probed, IVF is exact
    ivf.nprobe = 10_000
    (full,) = ivf.search(queries[0], 10)
    assert list(full.ids) == exact_top(data, ids, queries[0], 10)


@pytest.mark.parametrize("threshold", [10**9, 100])
def test_add_replaces_and_remove_drops(threshold: int) -> None:
    data = clustered(300, seed=3)
    index = VectorIndex.build(np.arange(300), data, threshold=threshold)
    target = data[7]
    (before,) = index.search(target, 1)
    assert before.ids == (7,)
    # id 7 now holds another vector; the old one must not be found under 7 any more
    index.add([7], data[8:9])
    assert len(index) == 300
    (after,) = index.search(target, 3)
    assert 7 not in after.ids[:1] or after.scores[0] < 0.999
    assert index.remove([7, 9999]) == 1
    assert len(index) == 299
    assert 7 not in index.search(data[8], 300)[0].ids


@pytest.mark.parametrize("threshold", [10**9, 100])
def test_search_among_a_subset_is_exhaustive(threshold: int) -> None:
    data = clustered(600, seed=4)
    ids = np.arange(600)
    index = VectorIndex.build(ids, data, threshold=threshold, nprobe=1)
    subset = ids[ids % 50 == 0]
    (hits,) = index.search(data[3], 5, among=subset)
    assert set(hits.ids) <= set(subset.tolist())
    assert list(hits.ids) == exact_top(data[subset], subset, data[3], 5)


@pytest.mark.parametrize("threshold", [10**9, 100])
def test_save_and_load_round_trip(tmp_path: Path, threshold: int) -> None:
    data = clustered(400, seed=5)
    index = VectorIndex.build(np.arange(400), data, threshold=threshold)
    index.save(tmp_path / "vec" / "model")
    again = VectorIndex.load(tmp_path / "vec" / "model")
    assert again.kind == index.kind and len(again) == 400
    assert again.search(data[11], 5)[0].ids == index.search(data[11], 5)[0].ids
    assert set(again.ids().tolist()) == set(range(400))


def test_load_of_a_missing_index_raises(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        VectorIndex.load(tmp_path / "nothing")


def test_stale_when_it_outgrows_its_mode() -> None:
    data = clustered(300, seed=6)
    index = VectorIndex.build(np.arange(100), data[:100], threshold=150)
    assert not index.stale
    index.add(np.arange(100, 200), data[100:200])
    assert index.kind == "exact" and index.stale


def test_wrong_dimension_is_refused() -> None:
    index = VectorIndex(8)
    with pytest.raises(ValueError):
        index.add([1], np.ones((1, 9), dtype=np.float32))
