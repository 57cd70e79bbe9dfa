"""analyse_event: presence, diffs, the label ledger, number disagreements and the JSON form."""

from __future__ import annotations

import json

import pytest

from compare.align import Claim
from compare.align import ClaimMember as Member
from compare.framing import EventFraming, PassageFraming, analyse_event, from_dict, load_lexicons, to_dict
from compare.models import Article, Passage
from compare.syntax import Parse, decode_parse, encode_parse


def _article(aid: str, outlet: str, sentences: list[str]) -> tuple[Article, list[Passage]]:
    text = " ".join(sentences)
    passages, at = [], 0
    for i, s in enumerate(sentences):
        passages.append(Passage(aid, i, at, at + len(s), s))
        at += len(s) + 1
    return Article(aid, outlet, sentences[0], text), passages


def _event(
    known: dict[tuple[str, int], PassageFraming] | None = None,
    parses: dict[tuple[str, int], Parse] | None = None,
) -> EventFraming:
    a, pa = _article(
        "a1",
        "armenpress",
        [
            "Azerbaijan keeps the Lachin corridor under blockade.",
            "More than 120,000 Armenians of Artsakh face shortages, the ombudsman said.",
            "Trucks wait in Goris.",
        ],
    )
    b, pb = _article(
        "b1",
        "apa",
        [
            "Azerbaijan keeps the Lachin road under checkpoint control.",
            "About 25,000 residents of the Karabakh region face shortages, officials said.",
        ],
    )
    claims = [
        Claim("c1", (Member("a1", 0, 1.0), Member("b1", 0, 0.8)), Member("a1", 0, 1.0)),
        Claim("c2", (Member("a1", 1, 1.0), Member("b1", 1, 0.7)), Member("a1", 1, 1.0)),
        Claim("c3", (Member("a1", 2, 1.0),), Member("a1", 2, 1.0)),
    ]
    readable = {"armenpress": "ok", "apa": "ok", "civilnet": "paywall", "news_am": "ok"}
    return analyse_event(
        claims, {"a1": pa, "b1": pb}, {"a1": a, "b1": b}, readable, lexicon=load_lexicons(), known=known,
        parses=parses,
    )  # fmt: skip


def test_presence_keeps_unread_apart_from_omitted() -> None:
    result = _event()
    presence = {(r.claim_id, r.outlet_id): r.presence for r in result.claims}
    assert presence[("c3", "armenpress")] == "says"
    assert presence[("c3", "apa")] == "omits"
    assert presence[("c3", "civilnet")] == "paywall"
    assert presence[("c3", "news_am")] == "omits"
    assert all(r.presence != "omits" for r in result.claims if r.outlet_id == "civilnet")


def test_diff_ledger_and_prominence() -> None:
    result = _event()
    row = next(r for r in result.claims if r.claim_id == "c1" and r.outlet_id == "apa")
    assert row.passage is not None and row.passage.prominence == "lead"
    assert any(op.op == "replace" and "road" in op.b for op in row.diff)
    lachin = result.ledger.terms("lachin_road")
    assert lachin == {"armenpress": {"Lachin corridor": 1}, "apa": {"Lachin road": 1}}
    assert result.ledger.terms("population")["armenpress"] == {"Armenians of Artsakh": 1}


def test_number_disagreement_and_attribution() -> None:
    result = _event()
    (disagreement,) = result.disagreements
    assert disagreement.claim_id == "c2"
    assert disagreement.counts == "people"
    assert dict(disagreement.values) == {"apa": (25000.0,), "armenpress": (120000.0,)}
    row = next(r for r in result.claims if r.claim_id == "c2" and r.outlet_id == "apa")
    assert row.passage is not None and row.passage.attribution.label == "anonymous"


def test_voices_per_outlet() -> None:
    result = _event()
    assert result.voices["armenpress"] == {"the ombudsman": {"direct": 0, "indirect": 1}}
    assert result.voices["apa"] == {"(unnamed source)": {"direct": 0, "indirect": 1}}


def test_round_trip_through_json() -> None:
    result = _event()
    data = json.loads(json.dumps(to_dict(result)))
    assert from_dict(EventFraming, data) == result


def test_quoted_words_are_the_speakers_and_the_ledger_keeps_them_apart() -> None:
    a, pa = _article(
        "q1",
        "wire",
        [
            "Azerbaijan said the convoy was a provocation staged in Khankendi.",
            "The convoy waited near Stepanakert.",
        ],
    )
    b, pb = _article("q2", "armenpress", ["The convoy waited near Stepanakert for days."])
    claims = [Claim("c1", (Member("q1", 1, 1.0), Member("q2", 0, 0.9)), Member("q1", 1, 1.0))]
    result = analyse_event(claims, {"q1": pa, "q2": pb}, {"q1": a, "q2": b}, {}, lexicon=load_lexicons())
    first = next(p for p in result.passages if (p.article_id, p.passage_index) == ("q1", 0))
    (label,) = [t for t in first.labels if t.term == "Khankendi"]
    assert (label.quoted, label.speaker) == (True, "Azerbaijan")
    loaded = {t.term: (t.quoted, t.speaker) for t in first.loaded}
    assert loaded["provocation"] == (True, "Azerbaijan")
    capital = next(c for c in result.ledger.entries if "Stepanakert" in str(result.ledger.entries[c]))
    assert result.ledger.entries[capital]["wire"] == {"Khankendi": 1, "Stepanakert": 1}
    assert result.ledger.quoted[capital]["wire"] == {"Khankendi": 1}  # the speaker's name, not the outlet's
    assert from_dict(EventFraming, json.loads(json.dumps(to_dict(result)))) == result


def test_the_voices_of_an_outlet_count_each_speaker_once() -> None:
    a, pa = _article(
        "v1",
        "eurocast",
        [
            "Azerbaijan's Foreign Ministry said on Saturday that the road was open.",
            "The ministry said that trucks could pass.",
            "But the ministry said that the checkpoint would stay.",
        ],
    )
    result = analyse_event([], {"v1": pa}, {"v1": a}, {}, lexicon=load_lexicons())
    assert result.voices["eurocast"] == {"Azerbaijan's Foreign Ministry": {"direct": 0, "indirect": 3}}


def test_stored_framing_of_an_article_gives_the_same_event_without_framing_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event that grows keeps its old articles' stored passage framing (read back from JSON):
    the event's framing is the same as framing everything again, and the old article's passages
    are parsed only where the naming comparison needs them."""
    import compare.framing.event as event_module

    fresh = _event()
    stored = {
        (pf.article_id, pf.passage_index): from_dict(PassageFraming, json.loads(json.dumps(to_dict(pf))))
        for pf in fresh.passages
        if pf.article_id == "a1"
    }
    framed_again = []
    real = event_module.analyse_passage

    def counting(passage: Passage, **kwargs: object) -> PassageFraming:
        framed_again.append((passage.article_id, passage.index))
        return real(passage, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(event_module, "analyse_passage", counting)
    reused = _event(known=stored)
    assert to_dict(reused) == to_dict(fresh)
    assert framed_again and all(article == "b1" for article, _ in framed_again)
    partial = dict(stored)
    partial.pop(("a1", 2))  # an article with one passage unknown is framed again whole
    framed_again.clear()
    assert to_dict(_event(known=partial)) == to_dict(fresh)
    assert {a for a, _ in framed_again} == {"a1", "b1"}


def test_stored_parses_are_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every passage's framing and parse stored (the parse through its JSON rows), nothing
    is parsed and the event's framing is the same."""
    import compare.framing.event as event_module

    made: dict[tuple[str, int], Parse] = {}
    fresh = _event(parses=made)
    texts = {(pf.article_id, pf.passage_index): pf.text for pf in fresh.passages}
    assert set(made) == set(texts) and all(made.values())
    stored = {k: decode_parse(texts[k], json.loads(json.dumps(encode_parse(v)))) for k, v in made.items()}
    assert stored == made
    known = {(pf.article_id, pf.passage_index): pf for pf in fresh.passages}

    def no_parsing(texts: list[str], **_: object) -> list[Parse]:
        assert not texts, f"parsed again: {texts}"
        return []

    monkeypatch.setattr(event_module, "parse_many", no_parsing)
    assert to_dict(_event(known=known, parses=dict(stored))) == to_dict(fresh)
