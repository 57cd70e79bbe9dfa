"""Two runs of the same night show the same thing, whatever order the fetches landed in.

Row ids follow the order concurrent fetches finish, so they differ from run to run. Nothing a
report shows may follow them: which articles form an event, its label, which article is the
origin of a reprint, which passages a claim holds and which one is its central passage. The
second night here is handed its ungrouped articles in the reverse order (as if every fetch had
landed the other way round); both nights must show the same events, compared by content.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.models import Article
from compare.pipeline import LazyEmbedder, run_pipeline
from compare.reprints import find_reprints
from compare.sources import load_sources
from compare.store import Store


def _shown(store: Store) -> dict[frozenset[str], dict[str, Any]]:
    """Per event (by its articles' URLs): what its report shows, row ids aside."""
    out: dict[frozenset[str], dict[str, Any]] = {}
    for summary in store.event_summaries():
        event = summary.event
        articles = store.event_articles(event.id)
        url_of = {a.id: a.url for a in articles}
        texts: dict[int, str] = {}
        members: dict[int, set[tuple[str, str]]] = {}
        for m in store.claim_members(event.id):
            members.setdefault(m.claim_id, set()).add((m.outlet_id, m.passage.text))
            texts[m.passage.id] = m.passage.text
        claims = {
            (frozenset(members.get(c.id, ())), texts.get(c.central_passage_id or -1), c.is_unique)
            for c in store.claims_of(event.id)
        }
        out[frozenset(url_of.values())] = {
            "label": event.label,
            "reprints": {(a.url, url_of.get(a.reprint_of)) for a in articles if a.reprint_of},
            "claims": claims,
        }
    return out


@pytest.mark.slow
def test_the_same_night_fetched_in_another_order_shows_the_same_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ungrouped = Store.ungrouped_current_articles
    nights = []
    with DemoWeb() as web:
        sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
        for k, reverse in enumerate((False, True)):
            if reverse:
                monkeypatch.setattr(Store, "ungrouped_current_articles", lambda self: ungrouped(self)[::-1])
            db = tmp_path / f"night{k}.db"
            settings = replace(Settings(), db=str(db), embed_backend="hashing", workers=1)
            run_pipeline(settings, sources, embedder=LazyEmbedder(None, backend="hashing"))
            with Store(db, read_only=True) as store:
                nights.append(_shown(store))
    first, second = nights
    assert len(first) >= 5
    assert first.keys() == second.keys()
    for urls in first:
        assert first[urls] == second[urls], sorted(urls)


def test_a_reprints_origin_does_not_follow_row_ids() -> None:
    """Two copies published at the same moment: the origin is the same whichever got the
    smaller id."""
    when = datetime(2023, 7, 12, 9, 0, tzinfo=UTC)
    text = " ".join(f"word{k} of the statement on the road, sentence {k}." for k in range(60))

    def pair(first_id: str, second_id: str) -> list[Article]:
        return [
            Article(first_id, "a", "T", text, url="https://a.example/one", published_at=when),
            Article(second_id, "b", "T", text, url="https://b.example/two", published_at=when),
        ]

    one = find_reprints(pair("1", "2"))
    other = find_reprints(pair("2", "1"))
    assert one == {"2": "1"}
    assert other == {"1": "2"}  # in both, the copy at b.example reprints the one at a.example
