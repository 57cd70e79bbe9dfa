"""The embedding cache: float32 vectors keyed by (text hash, model id)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlite_utils import Database

__all__ = ["VectorMixin"]

_CHUNK = 500


class VectorMixin:
    db: Database

    def get_many(self, text_hashes: Sequence[str], model_id: str) -> dict[str, np.ndarray]:
        """Cached vectors for these hashes (missing ones are simply absent)."""
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(text_hashes))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for text_hash, dim, blob in self.db.execute(
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
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO embeddings (text_hash, model, dim, vector) VALUES (?, ?, ?, ?)",
                rows,
            )
