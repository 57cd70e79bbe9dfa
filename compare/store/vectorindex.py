"""Nearest-neighbour search over passage vectors: exact below a size, an IVF index above (layer L2).

The one adapter over faiss. Vectors are L2-normalised float32 rows keyed by an integer id (the
passage id), so the inner product is the cosine. Two modes, picked by size:

* ``exact`` — a numpy matrix and one matrix-vector product per query. Below
  :data:`ANN_THRESHOLD` vectors this is fast enough (tens of milliseconds at 50k) and has recall 1;
* ``ivf`` — a faiss ``IndexIVFFlat`` (inverted lists over k-means cells, vectors kept exactly):
  a query scans only the ``nprobe`` closest cells. Chosen over HNSW (usearch, faiss HNSW) by
  ``scripts/bench_query.py``: on this 2-core machine an HNSW graph took minutes per 100k vectors to
  build, an IVF index seconds, with recall@10 >= 0.95 at a fraction of exact search's latency
  (figures in docs/benchmarks.md, section "Query").

Updates are incremental by id (:meth:`VectorIndex.add` replaces an id's vector,
:meth:`VectorIndex.remove` drops ids). The IVF cells are trained once, on the vectors present
when the index grew past the threshold; :attr:`VectorIndex.stale` turns true when the index has
since grown so much that the cells should be retrained (the owner then rebuilds it from its
vectors with :meth:`VectorIndex.build`).

Persistence: :meth:`VectorIndex.save` writes ``<prefix>.npz`` (the ids, and the vectors in exact
mode), ``<prefix>.faiss`` (ivf mode) and ``<prefix>.json`` (mode, dimension, counts);
:meth:`VectorIndex.load` reads them back.
faiss is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.errors import StoreError

__all__ = ["ANN_THRESHOLD", "Hits", "VectorIndex"]

logger = logging.getLogger(__name__)

#: Below this many vectors the index is an exact numpy search; at or above it, IVF.
ANN_THRESHOLD = 50_000
#: Retrain the IVF cells when the index holds this many times the vectors it was trained on.
RETRAIN_GROWTH = 8.0
#: Cells scanned per query. Chosen with scripts/bench_query.py (recall@10 >= 0.95 at 1M).
DEFAULT_NPROBE = 32
_FORMAT = 1


@dataclass(frozen=True)
class Hits:
    """The ``k`` nearest ids of one query, best first, with their cosine similarities."""

    ids: tuple[int, ...]
    scores: tuple[float, ...]


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out.reshape(1, -1)
    if out.ndim != 2 or out.shape[1] != dim:
        raise ValueError(f"expected vectors of dimension {dim}, got shape {tuple(np.shape(vectors))}")
    return out


def _as_ids(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _nlist_for(n: int) -> int:
    """Number of IVF cells for ``n`` vectors: about sqrt(n), within [16, 4096].

    More cells make each probe cheaper but training (k-means) and assignment costlier; sqrt(n)
    keeps a 1M-vector build to seconds on two cores.
    """
    return int(min(4096, max(16, round(math.sqrt(max(n, 1))))))


class VectorIndex:
    """Id-keyed cosine search that switches from exact to IVF past ``threshold`` vectors.

    Not safe for concurrent writers; searches may run from several threads once it is built
    (a lock guards the mutable state).
    """

    def __init__(
        self,
        dim: int,
        *,
        threshold: int = ANN_THRESHOLD,
        nprobe: int = DEFAULT_NPROBE,
        threads: int = 1,
    ) -> None:
        if dim <= 0:
            raise ValueError(f"dimension must be positive, got {dim}")
        self.dim = dim
        self.threshold = threshold
        self._nprobe = nprobe
        self.threads = threads
        self._lock = threading.RLock()
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._ivf: Any = None
        self._trained_on = 0

    # ----------------------------------------------------------------------------------------
    # State
    # ----------------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """``"exact"`` or ``"ivf"``."""
        return "ivf" if self._ivf is not None else "exact"

    def __len__(self) -> int:
        with self._lock:
            return int(self._ids.size)

    @property
    def nprobe(self) -> int:
        """IVF cells scanned per query: more is slower and closer to exact."""
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        with self._lock:
            self._nprobe = max(1, int(value))
            if self._ivf is not None:
                self._ivf.nprobe = min(self._nprobe, int(self._ivf.nlist))

    @property
    def stale(self) -> bool:
        """True when the index should be rebuilt: past the threshold while exact, or grown
        :data:`RETRAIN_GROWTH` times beyond the vectors its IVF cells were trained on."""
        n = len(self)
        if self._ivf is None:
            return n >= self.threshold
        return n > RETRAIN_GROWTH * max(self._trained_on, 1)

    def ids(self) -> np.ndarray:
        """Every id held, in insertion order (kept beside faiss too, for incremental syncing)."""
        with self._lock:
            return self._ids.copy()

    # ----------------------------------------------------------------------------------------
    # Building and updating
    # ----------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        ids: Sequence[int] | np.ndarray,
        vectors: np.ndarray,
        *,
        threshold: int = ANN_THRESHOLD,
        nprobe: int = DEFAULT_NPROBE,
        threads: int = 1,
        seed: int = 0,
    ) -> VectorIndex:
        """An index over these vectors: exact below ``threshold`` rows, IVF (trained here) above."""
        matrix = np.asarray(vectors, dtype=np.float32)
        dim = int(matrix.shape[1]) if matrix.ndim == 2 else 0
        index = cls(dim, threshold=threshold, nprobe=nprobe, threads=threads)
        id_array = _as_ids(ids)
        matrix = _as_matrix(matrix, dim)
        if id_array.size != matrix.shape[0]:
            raise ValueError(f"{id_array.size} ids for {matrix.shape[0]} vectors")
        if id_array.size >= threshold:
            index._train(matrix, seed=seed)
        index.add(id_array, matrix)
        return index

    def _train(self, matrix: np.ndarray, *, seed: int) -> None:
        import faiss

        faiss.omp_set_num_threads(max(1, self.threads))
        nlist = _nlist_for(matrix.shape[0])
        ivf: Any = faiss.index_factory(self.dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample_size = min(matrix.shape[0], max(nlist * 40, 10_000))
        sample = matrix[np.sort(rng.choice(matrix.shape[0], sample_size, replace=False))]
        ivf.train(np.ascontiguousarray(sample))
        self._ivf = ivf
        self.nprobe = self._nprobe
        self._trained_on = int(matrix.shape[0])
        logger.info("vector index: trained %d IVF cells on %d vectors", nlist, matrix.shape[0])

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Insert these vectors, replacing the vector of any id already held."""
        id_array = _as_ids(ids)
        matrix = _as_matrix(vectors, self.dim)
        if id_array.size != matrix.shape[0]:
            raise ValueError(f"{id_array.size} ids for {matrix.shape[0]} vectors")
        if id_array.size == 0:
            return
        unique, last = np.unique(id_array[::-1], return_index=True)
        if unique.size != id_array.size:  # the last vector given for an id wins
            keep = np.sort(id_array.size - 1 - last)
            id_array, matrix = id_array[keep], matrix[keep]
        with self._lock:
            self.remove(id_array)
            if self._ivf is not None:
                self._ivf.add_with_ids(matrix, id_array)
            else:
                self._matrix = np.concatenate([self._matrix, matrix])
            self._ids = np.concatenate([self._ids, id_array])

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Drop these ids (unknown ones are ignored); returns how many were held."""
        id_array = _as_ids(ids)
        if id_array.size == 0:
            return 0
        with self._lock:
            gone = np.isin(self._ids, id_array)
            count = int(gone.sum())
            if count:
                if self._ivf is not None:
                    self._ivf.remove_ids(np.ascontiguousarray(self._ids[gone]))
                else:
                    self._matrix = self._matrix[~gone]
                self._ids = self._ids[~gone]
            return count

    # ----------------------------------------------------------------------------------------
    # Searching
    # ----------------------------------------------------------------------------------------

    def search(
        self,
        queries: np.ndarray,
        k: int,
        *,
        among: Sequence[int] | np.ndarray | None = None,
    ) -> list[Hits]:
        """The ``k`` best ids for each query row (cosine, best first).

        ``among`` restricts the answer to those ids; the search over them is exhaustive (exact),
        so a narrow filter never loses its matches to the IVF cells not probed.
        """
        q = _as_matrix(queries, self.dim)
        if k <= 0 or len(self) == 0:
            return [Hits((), ()) for _ in range(q.shape[0])]
        subset = None if among is None else _as_ids(among)
        with self._lock:
            if self._ivf is not None:
                return self._search_ivf(q, k, subset)
            return self._search_exact(q, k, subset)

    def _search_exact(self, q: np.ndarray, k: int, subset: np.ndarray | None) -> list[Hits]:
        ids, matrix = self._ids, self._matrix
        if subset is not None:
            mask = np.isin(ids, subset)
            ids, matrix = ids[mask], matrix[mask]
        if ids.size == 0:
            return [Hits((), ()) for _ in range(q.shape[0])]
        scores = q @ matrix.T
        k = min(k, ids.size)
        out = []
        for row in scores:
            top = np.argpartition(-row, k - 1)[:k] if k < row.size else np.arange(row.size)
            top = top[np.argsort(-row[top], kind="stable")]
            out.append(Hits(tuple(int(i) for i in ids[top]), tuple(float(s) for s in row[top])))
        return out

    def _search_ivf(self, q: np.ndarray, k: int, subset: np.ndarray | None) -> list[Hits]:
        import faiss

        faiss.omp_set_num_threads(max(1, self.threads))
        if subset is None:
            scores, found = self._ivf.search(q, k)
        else:
            selector = faiss.IDSelectorBatch(subset)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=int(self._ivf.nlist))  # type: ignore[call-arg]
            scores, found = self._ivf.search(q, k, params=params)
        out = []
        for row_ids, row_scores in zip(found, scores, strict=True):
            keep = row_ids >= 0
            out.append(Hits(tuple(int(i) for i in row_ids[keep]), tuple(float(s) for s in row_scores[keep])))
        return out

    # ----------------------------------------------------------------------------------------
    # Persistence
    # ----------------------------------------------------------------------------------------

    def save(self, prefix: str | Path) -> None:
        """Write the index to ``<prefix>.json`` + ``.npz`` or ``.faiss`` (atomically, by rename)."""
        prefix = Path(prefix)
        folder = prefix.parent
        temporary: list[Path] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with self._lock:
                meta = {
                    "format": _FORMAT,
                    "kind": self.kind,
                    "dim": self.dim,
                    "count": len(self),
                    "trained_on": self._trained_on,
                    "threshold": self.threshold,
                }
                if self._ivf is not None:
                    import faiss

                    tmp = _temp_path(folder, prefix.name + ".faiss")
                    temporary.append(tmp)
                    faiss.write_index(self._ivf, str(tmp))
                    os.replace(tmp, f"{prefix}.faiss")
                tmp = _temp_path(folder, prefix.name + ".npz")
                temporary.append(tmp)
                with open(tmp, "wb") as handle:
                    np.savez(handle, ids=self._ids, vectors=self._matrix)
                os.replace(tmp, f"{prefix}.npz")
            tmp = _temp_path(folder, prefix.name + ".json")
            temporary.append(tmp)
            tmp.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(tmp, f"{prefix}.json")
        except OSError as exc:
            for path in temporary:  # a full disk must not leave half-written files behind
                path.unlink(missing_ok=True)
            raise StoreError(f"cannot save vector index {prefix}: {exc}", path=str(prefix)) from None

    @classmethod
    def load(cls, prefix: str | Path, *, nprobe: int = DEFAULT_NPROBE, threads: int = 1) -> VectorIndex:
        """Read an index written by :meth:`save`; :class:`StoreError` when absent or unreadable."""
        prefix = Path(prefix)
        try:
            meta = json.loads(Path(f"{prefix}.json").read_text(encoding="utf-8"))
            if meta.get("format") != _FORMAT:
                raise StoreError(f"vector index {prefix} has an unknown format", path=str(prefix))
            index = cls(int(meta["dim"]), threshold=int(meta["threshold"]), nprobe=nprobe, threads=threads)
            if meta["kind"] == "ivf":
                import faiss

                ivf: Any = faiss.read_index(f"{prefix}.faiss")
                index._ivf = ivf
                index.nprobe = nprobe
                index._trained_on = int(meta["trained_on"])
            # Opened here, not by numpy: numpy leaks its handle when the file is no zip at all.
            with open(f"{prefix}.npz", "rb") as handle, np.load(handle) as data:
                index._ids = np.asarray(data["ids"], dtype=np.int64)
                index._matrix = np.asarray(data["vectors"], dtype=np.float32).reshape(-1, index.dim)
        except StoreError:
            raise
        except (OSError, ValueError, KeyError, RuntimeError, EOFError, zipfile.BadZipFile) as exc:
            # A cache: damage of any kind (a truncated or overwritten .npz is a bad zip file)
            # is a StoreError, which the caller answers by rebuilding it from the store.
            raise StoreError(f"cannot load vector index {prefix}: {exc}", path=str(prefix)) from None
        if len(index) != int(meta["count"]) or (index._ivf is not None and index._ivf.ntotal != len(index)):
            raise StoreError(f"vector index {prefix} is incomplete", path=str(prefix))
        return index


def _temp_path(folder: Path, name: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    os.close(handle)
    return Path(path)
