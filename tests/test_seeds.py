"""The demo corpus and seeds/EXPECTED.yaml agree with each other.

EXPECTED.yaml is what later stages are checked against, so every key, quote, label and number
in it must really be in the corpus: a typo there would make a correct pipeline fail (or a wrong
one pass).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from compare.demoweb import default_seeds_dir, load_corpus
from compare.demoweb.corpus import Corpus, DemoArticle
from compare.demoweb.render import served_version
from compare.errors import ConfigError

ATTRIBUTION = {"own_voice", "neutral", "distancing", "anonymous", "hedged"}
OUTCOMES = {"blocked", "paywall", "http_error", "robots_disallowed"}
DEMO_MARK = re.compile(r"\(demo\)$")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def _text(corpus: Corpus, article: DemoArticle, version: int = 1) -> str:
    """The title and body the demo web serves (the seed report's body is the verbatim seed)."""
    chosen = served_version(corpus, article, version)
    return chosen.title + "\n" + chosen.text


def _served(corpus: Corpus) -> list[DemoArticle]:
    """Articles whose page a reader can open (not at the 403 outlet, not the 404 entry)."""
    forbidden = {o.id for o in corpus.outlets if o.behaviour == "forbidden"}
    return [a for a in corpus.articles if a.outlet_id not in forbidden and "missing" not in a.flags]


def _disallowed(corpus: Corpus, article: DemoArticle) -> bool:
    outlet = corpus.outlet(article.outlet_id)
    assert outlet is not None
    return any(article.path(outlet).startswith(p) for p in outlet.robots_disallow)


def test_the_corpus_is_big_enough(corpus: Corpus) -> None:
    active = [o for o in corpus.outlets if o.behaviour == "normal"]
    assert len(active) >= 6
    assert len(_served(corpus)) >= 40
    readable = [a for a in _served(corpus) if not a.flags and not _disallowed(corpus, a)]
    assert len(readable) >= 40, "at least 40 pages that a polite fetcher can read and compare"
    unrelated = [e for e in corpus.expected["events"] if e.get("unrelated")]
    assert len(unrelated) >= 2
    per_outlet = Counter(a.outlet_id for a in _served(corpus))
    # Native-language editions carry the seed event and the convoy; the English ones more.
    assert all(per_outlet[o.id] >= (5 if o.language == "en" else 2) for o in active), per_outlet


def test_every_outlet_is_marked_as_a_demo(corpus: Corpus) -> None:
    for outlet in corpus.outlets:
        assert DEMO_MARK.search(outlet.name), outlet.name
        assert outlet.domain.endswith(".demo.test"), outlet.domain
        assert outlet.language in ("en", "az", "hy", "ru")
    assert len({o.domain for o in corpus.outlets}) == len(corpus.outlets)


def test_the_deliberate_failures_are_all_there(corpus: Corpus) -> None:
    flags = Counter(flag for a in corpus.articles for flag in a.flags)
    assert flags["paywalled"] >= 1 and flags["broken"] >= 1 and flags["missing"] >= 1
    assert any(o.behaviour == "forbidden" for o in corpus.outlets)
    assert any(o.listed_feed == "sitemap" for o in corpus.outlets)
    assert {o.date_style for o in corpus.outlets} >= {"jsonld", "meta", "time", "url"}
    disallowed = [
        a
        for a in corpus.articles
        for o in [corpus.outlet(a.outlet_id)]
        if o and any(a.path(o).startswith(p) for p in o.robots_disallow)
    ]
    assert disallowed, "no feed entry is disallowed by its outlet's robots.txt"
    edited = [a for a in corpus.articles if a.edited]
    assert len(edited) == 1
    assert edited[0].version(1).text != edited[0].version(2).text


def test_front_matter_events_match_expected(corpus: Corpus) -> None:
    listed: dict[str, str] = {}
    for event in corpus.expected["events"]:
        for key in event["articles"]:
            assert key not in listed, f"{key} is in two events"
            listed[key] = event["id"]
    for article in corpus.articles:
        assert listed.get(article.key) == article.event, article.key
    assert set(listed) == {a.key for a in corpus.articles}


def test_claims_are_in_the_articles_that_carry_them(corpus: Corpus) -> None:
    events = {e["id"]: e for e in corpus.expected["events"]}
    outlet_ids = {o.id for o in corpus.outlets}
    ids = [c["id"] for c in corpus.expected["claims"]]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 15
    for claim in corpus.expected["claims"]:
        assert claim["event"] in events, claim["id"]
        assert claim["gist"].strip()
        carriers = set()
        for key, entry in claim["carried_by"].items():
            article = corpus.article(key)
            assert article is not None, f"{claim['id']}: no article {key}"
            assert article.event == claim["event"], f"{claim['id']}: {key} is in another event"
            assert entry["attribution"] in ATTRIBUTION, f"{claim['id']}: {key}"
            quote = entry["quote"]
            assert quote in _text(corpus, article, entry.get("version", 1)), f"{claim['id']}: {key}"
            if entry.get("version", 1) == 2:
                assert quote not in _text(corpus, article, 1), "a version-2 quote must be new in v2"
            carriers.add(article.outlet_id)
        for key in ("omitted_by", "not_covering", "unreadable", "contradicted_by"):
            others = set(claim.get(key, []))
            assert others <= outlet_ids, f"{claim['id']}: {key}"
            assert not others & carriers, f"{claim['id']}: {key} overlaps carried_by"


def test_every_attribution_class_occurs(corpus: Corpus) -> None:
    used = {
        entry["attribution"] for claim in corpus.expected["claims"] for entry in claim["carried_by"].values()
    }
    assert used == ATTRIBUTION


def test_labels_appear_in_the_outlets_coverage(corpus: Corpus) -> None:
    topic_events = {e["id"] for e in corpus.expected["events"] if not e.get("unrelated")}
    for label in corpus.expected["labels"]:
        terms = dict(label["terms"])
        assert len(set(terms.values())) >= 2, f"{label['concept']}: no disagreement"
        for outlet_id, term in terms.items():
            texts = [
                _text(corpus, a, v)
                for a in corpus.articles
                if a.outlet_id == outlet_id and a.event in topic_events
                for v in (1, 2)
            ]
            assert any(term in t for t in texts), f"{label['concept']}: {outlet_id} {term!r}"
        for outlet_id, extra in label.get("also", {}).items():
            texts = [_text(corpus, a) for a in corpus.articles if a.outlet_id == outlet_id]
            assert all(any(term in t for t in texts) for term in extra), label["concept"]


def test_numbers_disagree_and_are_in_the_text(corpus: Corpus) -> None:
    assert len(corpus.expected["numbers"]) >= 4
    for number in corpus.expected["numbers"]:
        shown = set()
        for key, entry in number["values"].items():
            article = corpus.article(key)
            assert article is not None and article.event == number["event"], key
            assert entry["text"] in _text(corpus, article), f"{number['id']}: {key}"
            shown.add(entry["text"].lower())
        assert len(shown) >= 2, f"{number['id']}: the outlets do not disagree"


def test_reprints_are_near_copies(corpus: Corpus) -> None:
    for reprint in corpus.expected["reprints"]:
        origin = corpus.article(reprint["origin"])
        assert origin is not None
        assert len(reprint["copies"]) >= 2
        for copy in reprint["copies"]:
            article = corpus.article(copy["key"])
            assert article is not None and article.reprint_of == origin.key
            assert article.outlet_id != origin.outlet_id
            mine = set(article.version(1).text.split())
            theirs = set(origin.version(1).text.split())
            assert len(mine & theirs) / len(mine | theirs) > 0.8, copy["key"]
            assert article.version(1).text != origin.version(1).text


def test_edited_and_unreadable_entries_exist(corpus: Corpus) -> None:
    for edited in corpus.expected["edited"]:
        article = corpus.article(edited["key"])
        assert article is not None and article.edited
    outlets = {o.id: o for o in corpus.outlets}
    for entry in corpus.expected["unreadable"]:
        assert entry["outcome"] in OUTCOMES
        if entry["kind"] == "outlet":
            assert outlets[entry["target"]].behaviour == "forbidden"
        else:
            assert corpus.article(entry["target"]) is not None, entry["target"]
    flagged = {a.key for a in corpus.articles if a.flags}
    listed = {e["target"] for e in corpus.expected["unreadable"]}
    assert flagged <= listed


def test_voices_name_demo_outlets(corpus: Corpus) -> None:
    outlet_ids = {o.id for o in corpus.outlets}
    assert set(corpus.expected["voices"]) <= outlet_ids
    assert all(corpus.expected["voices"].values())


def test_seed_metadata_names_the_original(corpus: Corpus) -> None:
    meta = corpus.seed_meta
    assert meta["outlet"] == "Azernews"
    assert meta["url"] is None  # the seed does not give its address: none is guessed
    assert meta["text_status"] == "verbatim"
    verbatim = (default_seeds_dir() / "seed" / meta["text_file"]).read_bytes()
    assert hashlib.sha256(verbatim).hexdigest() == meta["sha256"]
    assert corpus.seed_text is not None and corpus.seed_text.startswith("29 July 2023 10:25 (UTC+04:00)")
    assert str(meta["published"]).startswith("2023-07-29T10:25")
    seed_articles = [a for a in corpus.articles if a.seed]
    assert [a.key for a in seed_articles] == [meta["demo_article"]]


def test_broken_corpus_files_raise_config_errors(tmp_path: Path) -> None:
    (tmp_path / "demo" / "articles" / "x-demo").mkdir(parents=True)
    (tmp_path / "demo" / "outlets.yaml").write_text(
        yaml.safe_dump(
            {
                "outlets": [
                    {
                        "id": "x-demo",
                        "name": "X (demo)",
                        "domain": "x.demo.test",
                        "perspective": "test",
                        "country": "GB",
                        "feed": "rss",
                        "url_pattern": "/{slug}",
                    }
                ]
            }
        )
    )
    article = tmp_path / "demo" / "articles" / "x-demo" / "a.md"
    article.write_text("no front matter\n")
    with pytest.raises(ConfigError, match="front matter"):
        load_corpus(tmp_path)
    article.write_text("---\ntitle: T\nsection: s\nevent: e\n---\nBody.\n")
    with pytest.raises(ConfigError, match="published"):
        load_corpus(tmp_path)
    article.write_text("---\ntitle: T\nsection: s\nevent: e\npublished: soon\n---\nBody.\n")
    with pytest.raises(ConfigError, match="ISO"):
        load_corpus(tmp_path)
    with pytest.raises(ConfigError, match="no demo corpus"):
        load_corpus(tmp_path / "nowhere")


def test_expected_md_is_generated_from_the_yaml(corpus: Corpus) -> None:
    from compare.demoweb.expected import expected_markdown

    committed = (corpus.root / "EXPECTED.md").read_text(encoding="utf-8")
    assert committed == expected_markdown(corpus), "run: python -m compare.demoweb expected-md"
    for claim in corpus.expected["claims"]:
        assert f"### {claim['id']} " in committed
