"""Claim alignment on small hand-made events, with the deterministic hashing embedder."""

from __future__ import annotations

import numpy as np
import pytest

from compare.align import (
    PAIR_FEATURES,
    AlignParams,
    Claim,
    PairScorer,
    align_event,
    default_scorer,
    event_pairs,
    link_scores,
    pair_probabilities,
    text_signals,
)
from compare.align.pairs import pair_feature_matrix
from compare.embed import HashingEmbedder
from compare.models import Passage

ARTICLES = {
    "a1": [
        "An earthquake of magnitude 6.1 struck northern Chile on Tuesday.",
        "At least 12 people were killed in the town of Arica, officials said.",
        "The president will visit the region on Friday.",
    ],
    "a2": [
        "A magnitude 6.1 earthquake struck northern Chile on Tuesday.",
        "Officials said at least 12 people were killed in Arica.",
        "Copper prices rose sharply in London trading.",
    ],
    "a3": [
        "Northern Chile was struck by an earthquake of magnitude 6.1 on Tuesday.",
        "The ministry blamed poor building standards for the damage.",
    ],
}
OUTLETS = {"a1": "left", "a2": "centre", "a3": "right"}


def _passages(articles: dict[str, list[str]]) -> list[Passage]:
    out = []
    for article_id, sentences in articles.items():
        offset = 0
        for index, text in enumerate(sentences):
            out.append(Passage(article_id, index, offset, offset + len(text), text))
            offset += len(text) + 1
    return out


def _align(articles: dict[str, list[str]], **kwargs: object) -> tuple[list[Passage], list[Claim]]:
    passages = _passages(articles)
    vectors = HashingEmbedder(dim=512).embed([p.text for p in passages])
    outlets = kwargs.pop("outlet_of", OUTLETS)
    claims = align_event(passages, vectors, outlet_of=outlets, **kwargs)  # type: ignore[arg-type]
    return passages, claims


def _claim_of(claims: list[Claim], article_id: str, index: int) -> Claim:
    for claim in claims:
        if any(m.article_id == article_id and m.passage_index == index for m in claim.members):
            return claim
    raise AssertionError(f"{article_id}:{index} is in no claim")


def test_every_passage_in_exactly_one_claim() -> None:
    passages, claims = _align(ARTICLES)
    seen = [(m.article_id, m.passage_index) for c in claims for m in c.members]
    assert sorted(seen) == sorted((p.article_id, p.index) for p in passages)


def test_same_claim_is_aligned_across_outlets() -> None:
    _, claims = _align(ARTICLES)
    quake = _claim_of(claims, "a1", 0)
    assert {(m.article_id, m.passage_index) for m in quake.members} == {
        ("a1", 0),
        ("a2", 0),
        ("a3", 0),
    }
    assert not quake.unique
    toll = _claim_of(claims, "a1", 1)
    assert {(m.article_id, m.passage_index) for m in toll.members} == {("a1", 1), ("a2", 1)}


def test_unmatched_passages_are_unique_claims() -> None:
    _, claims = _align(ARTICLES)
    copper = _claim_of(claims, "a2", 2)
    assert len(copper.members) == 1 and copper.unique
    assert copper.central == copper.members[0]
    assert _claim_of(claims, "a3", 1).unique


def test_at_most_one_passage_per_article() -> None:
    repeated = dict(ARTICLES)
    repeated["a1"] = [*ARTICLES["a1"], "An earthquake of magnitude 6.1 hit northern Chile Tuesday."]
    _, claims = _align(repeated, params=AlignParams(repeat_threshold=1.1))
    for claim in claims:
        ids = [m.article_id for m in claim.members]
        assert len(ids) == len(set(ids))


def test_an_article_repeating_itself_may_join_its_own_claim() -> None:
    repeated = dict(ARTICLES)
    repeated["a1"] = [*ARTICLES["a1"], ARTICLES["a1"][0]]
    _, claims = _align(repeated, params=AlignParams(max_per_article=1, repeat_threshold=0.9))
    quake = _claim_of(claims, "a1", 0)
    assert ("a1", 3) in {(m.article_id, m.passage_index) for m in quake.members}


def test_declared_reprint_is_flagged_and_not_independent() -> None:
    articles = {
        "orig": ["The port of Odesa was shelled overnight, the governor said."],
        "copy": ["The port of Odesa was shelled overnight, the governor said."],
    }
    _, claims = _align(articles, outlet_of={"orig": "agency", "copy": "paper"}, reprint_of={"copy": "orig"})
    assert len(claims) == 1
    flags = {m.article_id: m.reprint for m in claims[0].members}
    assert flags == {"orig": False, "copy": True}
    assert claims[0].unique  # one independent outlet carries it


def test_different_claims_are_not_flagged_as_reprints() -> None:
    _, claims = _align(ARTICLES)
    assert not any(m.reprint for c in claims for m in c.members)


def test_deterministic_ids_and_order() -> None:
    _, first = _align(ARTICLES)
    _, second = _align(ARTICLES)
    assert first == second
    assert len({c.id for c in first}) == len(first)
    assert len(first[0].members) >= len(first[-1].members)


def test_central_member_is_most_similar_on_average() -> None:
    _, claims = _align(ARTICLES)
    quake = _claim_of(claims, "a1", 0)
    assert quake.central.similarity == max(m.similarity for m in quake.members)
    assert all(0.0 <= m.similarity <= 1.0 for m in quake.members)


def test_pair_scores_rank_paraphrase_above_unrelated() -> None:
    texts = ARTICLES["a1"] + ARTICLES["a2"]
    vectors = HashingEmbedder(dim=512).embed(texts)
    scorer = default_scorer(HashingEmbedder(dim=512).model_id)
    rows, cols = np.array([0, 0]), np.array([3, 5])
    scores = pair_probabilities(text_signals(texts), vectors, rows, cols, scorer=scorer)
    assert scores[0] > scores[1]


def test_empty_and_mismatched_input() -> None:
    assert align_event([], np.zeros((0, 8), dtype=np.float32), outlet_of={}) == []
    passages = _passages({"a": ["one sentence"]})
    with pytest.raises(ValueError, match="vectors"):
        align_event(passages, np.zeros((2, 8), dtype=np.float32), outlet_of={"a": "x"})


def test_a_headline_sits_beside_its_lead_in_one_claim() -> None:
    texts = {
        "a1": ["Magnitude 6.1 earthquake strikes northern Chile", *ARTICLES["a1"]],
        "a2": ["Earthquake of magnitude 6.1 hits northern Chile", *ARTICLES["a2"]],
    }
    passages = []
    for article_id, sentences in texts.items():
        for index, text in enumerate(sentences):
            kind = "title" if index == 0 else "body"
            passages.append(Passage(article_id, index, 0, len(text), text, kind=kind))
    vectors = HashingEmbedder(dim=512).embed([p.text for p in passages])
    claims = align_event(passages, vectors, outlet_of=OUTLETS)
    quake = _claim_of(claims, "a1", 1)
    members = {(m.article_id, m.passage_index) for m in quake.members}
    assert {("a1", 1), ("a2", 1)} <= members  # the leads
    assert {("a1", 0), ("a2", 0)} <= members  # and the headlines beside them
    # Without the headline rule an article holds one passage per claim.
    strict = align_event(passages, vectors, outlet_of=OUTLETS, params=AlignParams(title_joins_body=False))
    for claim in strict:
        ids = [m.article_id for m in claim.members]
        assert len(ids) == len(set(ids))


def test_margin_evidence_raises_the_link_of_a_pair_that_stands_out() -> None:
    texts = ARTICLES["a1"] + ARTICLES["a2"]
    vectors = HashingEmbedder(dim=512).embed(texts)
    event = event_pairs(texts, vectors, [0, 0, 0, 1, 1, 1])
    scorer = default_scorer("hashing")
    rows, cols = np.array([0, 0]), np.array([3, 5])
    alone = AlignParams(w_margin=0.0, w_mutual=0.0, w_lexical=0.0)
    plain = link_scores(event, rows, cols, scorer=scorer, params=alone)
    margin = AlignParams(w_margin=2.0, w_mutual=0.1, w_lexical=0.0)
    boosted = link_scores(event, rows, cols, scorer=scorer, params=margin)
    assert boosted[0] > plain[0]  # the paraphrase stands out among a2's sentences
    assert boosted[1] <= plain[1] + 1e-6  # the unrelated pair does not
    assert np.allclose(plain, scorer.probability(pair_feature_matrix(event.signals, vectors, rows, cols)))


def test_the_shipped_scorer_is_trained_for_the_default_encoder() -> None:
    from compare.embed import DEFAULT_MODEL, model_id_for

    scorer = default_scorer(model_id_for(backend="onnx"))
    assert scorer.model_id == DEFAULT_MODEL
    assert scorer.meta.get("trained", True) and "command" in scorer.meta and "seed" in scorer.meta
    assert 0.0 < scorer.threshold < 1.0
    again = PairScorer.from_json(scorer.to_json())
    assert np.allclose(again.out_weights, scorer.out_weights) and again.threshold == scorer.threshold
    with pytest.raises(ValueError, match="other features"):
        PairScorer.from_json({**scorer.to_json(), "features": ["cosine"]})


def test_pair_features_are_read_per_pair() -> None:
    texts = [
        "Officials said 12 people were killed in Arica.",
        "At least 12 people were killed in the town of Arica.",
        "Three people were killed in Lima.",
    ]
    vectors = HashingEmbedder(dim=512).embed(texts)
    features = pair_feature_matrix(text_signals(texts), vectors, np.array([0, 0]), np.array([1, 2]))
    column = {name: k for k, name in enumerate(PAIR_FEATURES)}
    shared, other = features
    assert shared[column["numbers_shared"]] == 1.0 and shared[column["numbers_conflict"]] == 0.0
    assert other[column["numbers_conflict"]] == 1.0  # 12 against three
    assert other[column["names_conflict"]] == 1.0  # Arica against Lima
    assert shared[column["words"]] > other[column["words"]]
    assert shared[column["chars"]] > other[column["chars"]]


def _merge_without_memory(score, event, threshold, average, params):  # type: ignore[no-untyped-def]
    """The merging rule of ``_constrained_average_link`` checked afresh for every candidate link."""
    art, n = event.article, len(event.article)
    slot = art * 2 + (event.title if params.title_joins_body else 0)
    label = list(range(n))
    members = {i: [i] for i in range(n)}
    rows, cols = np.nonzero(np.triu(score >= threshold, k=1))
    for k in np.argsort(-score[rows, cols], kind="stable"):
        a, b = sorted((label[rows[k]], label[cols[k]]))
        if a == b:
            continue
        pairs = [(i, j) for i in members[a] for j in members[b] if art[i] != art[j]]
        if not pairs or sum(score[i, j] for i, j in pairs) / len(pairs) < average:
            continue
        slots = [int(slot[i]) for i in members[a] + members[b]]
        if max(slots.count(s) for s in slots) > params.max_per_article:
            same = [event.cosine[i, j] for i in members[a] for j in members[b] if slot[i] == slot[j]]
            if not same or min(same) < params.repeat_threshold:
                continue
        members[a] = sorted(members[a] + members[b])
        for i in members.pop(b):
            label[i] = a
    return label


@pytest.mark.parametrize("seed", range(16))
def test_merging_remembers_refusals_only_until_a_cluster_grows(seed: int) -> None:
    from types import SimpleNamespace

    from compare.align.claims import _constrained_average_link

    rng = np.random.default_rng(seed)
    n, articles = 60, 8
    art = np.sort(rng.integers(0, articles, n))
    cosine = rng.uniform(0.2, 1.0, (n, n)).astype(np.float32)
    cosine = (cosine + cosine.T) / 2
    score = np.where(rng.uniform(size=(n, n)) < 0.5, cosine, 0).astype(np.float32)
    score = np.triu(score, 1) + np.triu(score, 1).T
    score[art[:, None] == art[None, :]] = 0
    event = SimpleNamespace(article=art, title=np.zeros(n, dtype=np.int64), cosine=cosine)
    params = AlignParams(repeat_threshold=0.6)
    got = _constrained_average_link(score, event, 0.55, 0.5, params)  # type: ignore[arg-type]
    assert got == _merge_without_memory(score, event, 0.55, 0.5, params)
    assert len(set(got)) < n  # some joins happened, and some were refused
