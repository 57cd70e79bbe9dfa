"""An event that grows keeps its old articles' stored framing and parses, and frames the same.

Two nights of the demo web (the second with a silent edit that regrows one event) with the
hashing embedder, then the same database with every stored framing deleted and framed again from
nothing: each event's framing answer must be identical, and the second night must have parsed
only the passages of the articles it had not framed before.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import compare.framing.event as event_module
from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.embed import HashingEmbedder
from compare.pipeline import process_store, run_pipeline
from compare.sources import load_sources
from compare.store import Store


def _framings(db: Path) -> dict[int, object]:
    with sqlite3.connect(db) as c:
        return {int(e): json.loads(d) for e, d in c.execute("SELECT event_id, data FROM event_framing")}


def _passage_rows(db: Path) -> dict[int, tuple[object, ...]]:
    with sqlite3.connect(db) as c:
        rows = c.execute(
            """SELECT passage_id, attribution, speaker, prominence, hedges, loaded, labels, numbers,
                      voices, data, params_hash FROM framing"""
        )
        return {int(r[0]): tuple(r[1:]) for r in rows}


def test_regrown_events_frame_as_from_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = replace(Settings(), db=str(tmp_path / "r.db"), embed_backend="hashing", fresh_for_hours=0)
    embedder = HashingEmbedder()
    with DemoWeb(version=1) as web:
        sources = load_sources(web.write_sources(tmp_path / "sources.yaml", languages=("en",)))
        run_pipeline(settings, sources, embedder=embedder)
        before = _passage_rows(Path(settings.db))
        web.set_version(2)
        parsed: list[str] = []
        real = event_module.parse_many

        def counting(texts: list[str], **kwargs: object) -> object:
            parsed.extend(texts)
            return real(texts, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(event_module, "parse_many", counting)
        written: list[int] = []
        real_save = Store.save_framing

        def recording(self: Store, event_id: int, **kwargs: Any) -> None:
            written.extend(kwargs["passages"])
            real_save(self, event_id, **kwargs)

        monkeypatch.setattr(Store, "save_framing", recording)
        second = run_pipeline(settings, sources, embedder=embedder)
    assert second.analysis is not None and second.analysis.framed_events >= 1
    with sqlite3.connect(settings.db) as c:
        new_text = {t for (t,) in c.execute(
            "SELECT p.text FROM passages p JOIN articles a ON a.id = p.article_id WHERE a.run_id = ?",
            [second.run_id],
        )}  # fmt: skip
    assert new_text  # the silent edit: the night's one new article version
    # parsed: sentences of the edited article only, not the other articles of its event
    assert parsed and set(parsed) <= new_text
    with sqlite3.connect(settings.db) as c:
        new_ids = {int(p) for (p,) in c.execute(
            "SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE a.run_id = ?",
            [second.run_id],
        )}  # fmt: skip
    # framing rows written: the new version's passages, and an old one only for a parse made now
    assert written and set(written) & new_ids
    unparsed = {p for p, row in before.items() if not json.loads(str(row[8])).get("parse")}
    assert set(written) - new_ids <= unparsed

    again = tmp_path / "again.db"
    shutil.copy(settings.db, again)
    with sqlite3.connect(again) as c:
        c.execute("DELETE FROM framing")
        c.execute("DELETE FROM event_framing")
    with Store(again) as store:
        process_store(store, sources, run_id=None, embedder=embedder)
    assert _framings(again) == _framings(Path(settings.db))
    # the rows kept from the first night are the rows framing from nothing writes (the original
    # also keeps the rows of the edited article's first version, no longer framed)
    fresh, kept = _passage_rows(again), _passage_rows(Path(settings.db))
    assert fresh and {p: kept.get(p) for p in fresh} == fresh
