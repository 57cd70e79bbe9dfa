"""Claim alignment: inside one event, which passages of different articles make the same claim.

- :mod:`compare.align.pairs` — the context-free same-claim decision for two passages (a small
  trained scorer over cosine, word, character, name and number agreement);
- :mod:`compare.align.claims` — scoring inside an event (margin, mutual nearest passages) and
  clustering its passages into :class:`Claim` values.
"""

from __future__ import annotations

from compare.align.claims import (
    AlignParams,
    Claim,
    ClaimMember,
    EventPairs,
    align_event,
    event_pairs,
    link_scores,
)
from compare.align.pairs import PAIR_FEATURES, PairScorer, default_scorer, pair_probabilities, text_signals

__all__ = [
    "PAIR_FEATURES",
    "AlignParams",
    "Claim",
    "ClaimMember",
    "EventPairs",
    "PairScorer",
    "align_event",
    "default_scorer",
    "event_pairs",
    "link_scores",
    "pair_probabilities",
    "text_signals",
]
