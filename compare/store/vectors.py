"""Vectors: the embedding cache (float32, keyed by text hash and model id) and the passage vector
index kept beside the database (``<db>.vectors/``) with its process cache.

:meth:`VectorMixin.passage_index` loads the index from beside the database when present, syncs it
by passage id (new passages added, deleted ones removed; rebuilt when it outgrew its mode), and
saves it back when the folder is writable (a read-only service keeps its copy in memory).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from compare.errors import CompareError
from compare.files import write_atomic
from compare.store.vectorindex import ANN_THRESHOLD, VectorIndex

__all__ = ["VectorMixin"]

logger = logging.getLogger(__name__)

_CHUNK = 500
_INDEXES: dict[tuple[str, str], tuple[tuple[int, ...], VectorIndex]] = {}
_INDEX_LOCK = threading.Lock()
_PASSAGE_VECTORS = """SELECT p.id, e.dim, e.vector FROM passages p
                      JOIN embeddings e ON e.text_hash = p.text_hash AND e.model = ?"""


class VectorMixin:
    _db: Database
    path: str
    dialect: str
    read_only: bool

    # -- the embedding cache ----------------------------------------------------------------------

    def get_many(self, text_hashes: Sequence[str], model_id: str) -> dict[str, np.ndarray]:
        """Cached vectors for these hashes (missing ones are simply absent)."""
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(text_hashes))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for text_hash, dim, blob in self._db.execute(
                f"SELECT text_hash, dim, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
                [model_id, *chunk],
            ).fetchall():
                out[text_hash] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
        return out

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [
            (h, model_id, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes())
            for h, v in vectors.items()
        ]
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT OR IGNORE INTO embeddings (text_hash, model, dim, vector) VALUES (?, ?, ?, ?)", rows
            )

    def has_vectors(self) -> bool:
        """True when any vector is cached (a query then searches by meaning too)."""
        return self._db.execute("SELECT 1 FROM embeddings LIMIT 1").fetchone() is not None

    # -- the passage index ------------------------------------------------------------------------

    def _index_prefix(self, model_id: str) -> Path | None:
        if self.path == ":memory:" or self.dialect == "postgresql":
            return None  # the index of a PostgreSQL store lives in the process that built it
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)
        return Path(f"{self.path}.vectors") / slug

    def _index_signature(self) -> tuple[int, ...]:
        """What changes when passages or vectors are added: the highest row ids (O(1) lookups).

        Re-extracted articles get new passage rows, so an edit moves it too. A passage deleted
        without any insertion is noticed at the next insertion; meanwhile its id is dropped when
        hits are joined back to the passages table.
        """
        top = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0]
        if self.dialect == "postgresql":  # no rowid there: count the rows (a cheap index scan)
            emb = self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        else:
            emb = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM embeddings").fetchone()[0]
        return (int(top), int(emb))

    def passage_vectors(
        self, model_id: str, ids: Sequence[int] | None = None, *, expect: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and their vectors (all of the model's, or those of ``ids``).

        Rows are copied into one preallocated array in batches (``expect`` rows sized up front),
        so a million vectors cost their own 1.5 GB and not two or three times that in Python bytes.
        """
        cursors = []
        if ids is None:
            cursors.append(self._db.execute(_PASSAGE_VECTORS, [model_id]))
        else:
            expect = len(ids)
            for i in range(0, len(ids), _CHUNK):
                chunk = list(ids[i : i + _CHUNK])
                marks = ",".join("?" * len(chunk))
                cursors.append(
                    self._db.execute(f"{_PASSAGE_VECTORS} WHERE p.id IN ({marks})", [model_id, *chunk])
                )
        id_array = np.zeros(max(expect, 1), dtype=np.int64)
        matrix: np.ndarray | None = None
        n = 0
        for cursor in cursors:
            while batch := cursor.fetchmany(20_000):
                dim = int(batch[0][1])
                if matrix is None:
                    matrix = np.zeros((max(expect, len(batch)), dim), dtype=np.float32)
                if n + len(batch) > matrix.shape[0]:  # the store grew meanwhile
                    grow = max(n + len(batch), 2 * matrix.shape[0])
                    matrix = np.resize(matrix, (grow, dim))
                    id_array = np.resize(id_array, grow)
                id_array[n : n + len(batch)] = [r[0] for r in batch]
                matrix[n : n + len(batch)] = np.frombuffer(
                    b"".join(r[2] for r in batch), dtype=np.float32
                ).reshape(len(batch), dim)
                n += len(batch)
        if matrix is None:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        return id_array[:n], matrix[:n]

    def passage_index(self, model_id: str, *, threshold: int = ANN_THRESHOLD) -> VectorIndex | None:
        """The vector index of ``model_id``'s passage vectors, brought up to date with the store.

        ``None`` when the store holds no vectors of that model. The pipeline may call this after
        embedding to keep the first query fast.
        """
        # In-memory stores have no path to tell them apart: key them by their connection.
        key = (self.path if self.path != ":memory:" else f":memory:{id(self._db.conn)}", model_id)
        with _INDEX_LOCK:
            signature = self._index_signature()
            cached = _INDEXES.get(key)
            if cached is not None and cached[0] == signature:
                return cached[1]
            prefix = self._index_prefix(model_id)
            index = cached[1] if cached is not None else None
            if index is None and prefix is not None and Path(f"{prefix}.json").exists():
                try:
                    index = VectorIndex.load(prefix)
                    stored = json.loads(Path(f"{prefix}.sync.json").read_text(encoding="utf-8"))
                    if tuple(stored.get("signature", ())) == signature:
                        _INDEXES[key] = (signature, index)
                        return index
                except (CompareError, OSError, ValueError) as exc:
                    logger.warning("vector index %s unusable (%s); rebuilding it from the store",
                                   prefix, exc)
                    index = None
            changed = self._sync_index(model_id, index, threshold=threshold)
            if changed is None:
                _INDEXES.pop(key, None)
                return None
            _INDEXES[key] = (signature, changed)
            if prefix is not None and not self.read_only:
                try:
                    changed.save(prefix)
                    write_atomic(f"{prefix}.sync.json", json.dumps({"signature": signature}))
                except (CompareError, OSError) as exc:
                    logger.info("vector index kept in memory only: %s", exc)
            return changed

    def _sync_index(self, model_id: str, index: VectorIndex | None, *, threshold: int) -> VectorIndex | None:
        wanted = np.fromiter(
            (
                r[0]
                for r in self._db.execute(
                    """SELECT p.id FROM passages p
                       JOIN embeddings e ON e.text_hash = p.text_hash AND e.model = ?""",
                    [model_id],
                )
            ),
            dtype=np.int64,
        )
        if wanted.size == 0:
            return None
        if index is not None:
            held = index.ids()
            index.remove(held[~np.isin(held, wanted)])
            missing = wanted[~np.isin(wanted, held)]
            if missing.size:
                ids, matrix = self.passage_vectors(model_id, missing.tolist())
                if matrix.shape[1] == index.dim:
                    index.add(ids, matrix)
                else:
                    index = None
            if index is not None and not index.stale:
                logger.debug("vector index synced: %d passages", len(index))
                return index
        ids, matrix = self.passage_vectors(model_id, None, expect=int(wanted.size))
        del wanted
        logger.info("vector index: building over %d passages", ids.size)
        return VectorIndex.build(ids, matrix, threshold=threshold)
