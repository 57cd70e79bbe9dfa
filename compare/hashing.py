"""Content hashes: the one definition every stage and the store agree on (layer L0).

The passage–vector join relies on the pipeline, the embedding cache and the store hashing a text
the same way, so there is exactly one :func:`text_hash`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["digest", "shard_of", "text_hash"]


def text_hash(text: str) -> str:
    """The sha256 hex digest of the UTF-8 text: the key of an article's text, a passage, a vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    """A short, stable digest of a JSON-able value (sorted keys): for parameter and input hashes."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def shard_of(key: str, shards: int) -> int:
    """Which of ``shards`` (0-based) a key such as a host name falls in: stable across processes,
    machines and Python versions (unlike :func:`hash`), so every worker agrees on the split."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    return int(hashlib.sha256(key.strip().lower().encode("utf-8")).hexdigest()[:15], 16) % shards
