"""Reprints across outlets and duplicates within one outlet.

Wire copy printed by five outlets is one source, not five confirmations. :func:`find_reprints`
marks every article that is a near-verbatim copy of another outlet's article with the id of
the origin, the earliest copy (by publication date; a date known only to the day yields to a precise
time on that day; unknown dates count as latest; ties by id).

How: every article becomes a set of hashed word shingles (:data:`SHINGLE` words). MinHash
signatures (datasketch) with LSH at a low Jaccard threshold propose candidate pairs cheaply;
each candidate is then checked exactly by *containment*, the share of the shorter article's
shingles found in the longer one, because a reprint is often trimmed or gets a local
paragraph added, which lowers Jaccard but not containment. Pairs at or above
:data:`CONTAINMENT` join one group (union-find); each group's earliest article is the origin.

:func:`find_duplicates` maps the second and later copies of the *same* text under different
URLs of one outlet to the first, so they become one article.
The thresholds are measured in docs/evaluation.md ("Extraction", reprints).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime

from compare.models import Article

__all__ = ["CONTAINMENT", "SHINGLE", "containment", "find_duplicates", "find_reprints", "shingles"]

logger = logging.getLogger(__name__)

#: Words per shingle: long enough that two independent reports rarely share one by chance.
SHINGLE = 5
#: Share of the shorter article's shingles found in the other for a pair to count as copies.
CONTAINMENT = 0.5
#: Jaccard threshold for the MinHash LSH candidate search (well under CONTAINMENT, so a short
#: copy of a long article is still proposed).
LSH_THRESHOLD = 0.15
NUM_PERM = 128
#: Articles with fewer shingles than this are too short to call copies.
MIN_SHINGLES = 8

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LATE = datetime.max.replace(tzinfo=UTC)


def shingles(text: str, *, size: int = SHINGLE) -> set[int]:
    """Hashed ``size``-word shingles of ``text`` (lower-cased, NFC, punctuation ignored)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    if len(words) < size:
        return {_hash(" ".join(words))} if words else set()
    return {_hash(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}


def _hash(value: str) -> int:
    """A stable 32-bit hash (CRC-32): the same shingle hashes alike in every process."""
    return zlib.crc32(value.encode("utf-8"))


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the other (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def _order(article: Article) -> tuple[datetime, int, datetime, str, str]:
    """Earliest first. A date known only to the day (midnight UTC, e.g. from a URL) cannot show
    that its copy came first within that day, so on the same day a precise time wins. Of equals,
    the first URL, then the smallest id: the URL is what two runs of one night agree on (row ids
    follow the order fetches landed in)."""
    published = article.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    if published is None:
        return (_LATE, 1, _LATE, article.url or "", article.id)
    utc = published.astimezone(UTC)
    day = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    day_only = utc == day
    return (day, int(day_only), utc, article.url or "", article.id)


def _candidates(sets: dict[str, set[int]]) -> set[tuple[str, str]]:
    """Pairs of ids whose MinHash signatures collide in LSH."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    template = MinHash(num_perm=NUM_PERM, seed=7, scheme="legacy")
    a, b = template.permutations
    prime, top = np.uint64((1 << 61) - 1), np.uint64((1 << 32) - 1)
    signatures = {}
    for key, values in sets.items():
        # datasketch's own update_batch, vectorised over our already-hashed shingles
        hashed = np.fromiter(values, dtype=np.uint64, count=len(values))
        permuted = np.bitwise_and((np.outer(hashed, a) + b) % prime, top)
        signature = MinHash(
            num_perm=NUM_PERM,
            seed=7,
            scheme="legacy",
            hashvalues=permuted.min(axis=0),
            permutations=(a, b),
        )
        signatures[key] = signature
        lsh.insert(key, signature)
    pairs: set[tuple[str, str]] = set()
    for key, signature in signatures.items():
        for other in lsh.query(signature):
            if other != key:
                pairs.add((min(key, other), max(key, other)))
    return pairs


def find_reprints(articles: Sequence[Article], *, threshold: float = CONTAINMENT) -> dict[str, str]:
    """Map each reprint's article id to its origin's id; articles that are no copy are absent.

    Only pairs from different outlets count; copies within one outlet are
    :func:`find_duplicates`' business.
    """
    by_id = {article.id: article for article in articles}
    sets = {a.id: s for a in articles if len(s := shingles(a.text)) >= MIN_SHINGLES}
    if len(sets) < 2:
        return {}
    parent = {key: key for key in sets}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for left, right in sorted(_candidates(sets)):
        if by_id[left].outlet_id == by_id[right].outlet_id:
            continue
        score = containment(sets[left], sets[right])
        if score >= threshold:
            logger.debug("reprint pair %s ~ %s (containment %.2f)", left, right, score)
            parent[root(left)] = root(right)
    groups: dict[str, list[Article]] = {}
    for key in sets:
        groups.setdefault(root(key), []).append(by_id[key])
    result: dict[str, str] = {}
    for members in groups.values():
        if len({m.outlet_id for m in members}) < 2:
            continue
        origin = min(members, key=_order)
        for member in members:
            if member.id != origin.id and member.outlet_id != origin.outlet_id:
                result[member.id] = origin.id
    return result


def find_duplicates(articles: Sequence[Article]) -> dict[str, str]:
    """Map each exact duplicate (same outlet, same normalised text) to the first copy's id.

    "First" is the earliest published, then the first URL, then the smallest id, so the choice is stable.
    """
    firsts: dict[tuple[str, str], Article] = {}
    for article in sorted(articles, key=_order):
        words = " ".join(_WORD.findall(unicodedata.normalize("NFC", article.text).lower()))
        if not words:
            continue
        key = (article.outlet_id, hashlib.sha256(words.encode("utf-8")).hexdigest())
        firsts.setdefault(key, article)
    result = {}
    for article in articles:
        words = " ".join(_WORD.findall(unicodedata.normalize("NFC", article.text).lower()))
        if not words:
            continue
        first = firsts[(article.outlet_id, hashlib.sha256(words.encode("utf-8")).hexdigest())]
        if first.id != article.id:
            result[article.id] = first.id
    return result
