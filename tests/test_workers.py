"""Three workers against one PostgreSQL database share a night: fetch shards, process claims.

The demo web is fetched and processed twice: once by one ``fetch`` and one ``process`` (the
reference), once by three ``fetch --shard K/3`` processes and then three ``process`` processes
running at the same time, each into its own fresh database. The shared night must hold no
duplicate row and the same events, claims and framing as the single worker's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from backends import fresh_postgres_database

from compare.demoweb import DemoWeb
from compare.sources import load_sources, outlets_in_shard, parse_shard
from compare.store import Store


def _cli(db: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSCOMPARE_EMBED_BACKEND": "hashing", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "compare", "-q", "--db", db, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _all(procs: Sequence[subprocess.Popen[str]]) -> list[int]:
    codes = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode in (0, 1), f"{proc.args}: exit {proc.returncode}\n{out}\n{err}"
        codes.append(proc.returncode)
    return codes


def _night(store: Store) -> dict[str, object]:
    """What a report shows, by content (ids differ with the order workers wrote in)."""
    events = set()
    claims = set()
    for summary in store.event_summaries():
        event_id = summary.event.id
        urls = frozenset(a.url for a in store.event_articles(event_id))
        events.add(urls)
        members: dict[int, set[tuple[str, str]]] = {}
        for m in store.claim_members(event_id):
            members.setdefault(m.claim_id, set()).add((m.outlet_id, m.passage.text))
        claims |= {(urls, frozenset(v)) for v in members.values()}
    counts = store.counts()
    return {
        "events": events,
        "claims": claims,
        "rows": {t: counts[t] for t in ("articles", "passages", "events", "claims", "framing")},
    }


def test_shards_split_the_outlets_by_host_and_cover_each_once(tmp_path: Path) -> None:
    with DemoWeb() as web:
        sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    shards = [outlets_in_shard(sources, k, 3) for k in (1, 2, 3)]
    every = [o for shard in shards for o in shard]
    assert sorted(every) == sorted(o.id for o in sources.outlets)
    assert outlets_in_shard(sources, 2, 3) == shards[1]  # stable
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(Exception, match="K/N"):
            parse_shard(bad)


@pytest.mark.slow
def test_three_workers_on_one_postgresql_make_the_night_one_worker_makes(tmp_path: Path) -> None:
    with DemoWeb(version=1) as web, fresh_postgres_database() as single, fresh_postgres_database() as shared:
        sources = str(web.write_sources(tmp_path / "sources.yaml"))
        _all([_cli(single, "fetch", "--sources", sources)])
        _all([_cli(single, "process", "--sources", sources)])
        _all([_cli(shared, "fetch", "--sources", sources, "--shard", f"{k}/3") for k in (1, 2, 3)])
        _all([_cli(shared, "process", "--sources", sources) for _ in range(3)])
        with Store(single, read_only=True) as one, Store(shared, read_only=True) as three:
            assert three.runs_started_since("1970-01-01") and len(three.runs(limit=10)) == 6
            # every page fetched once in the night, by the one worker of its host
            fetched = [(r["url"], r["run_id"]) for r in three.fetch_log()]
            assert len({u for u, _ in fetched}) == len(fetched)
            reference, night = _night(one), _night(three)
        assert night["rows"] == reference["rows"]
        assert night["events"] == reference["events"] and reference["events"]
        assert night["claims"] == reference["claims"] and reference["claims"]


def test_a_run_with_two_alignment_workers_makes_the_night_one_process_makes(tmp_path: Path) -> None:
    """``workers = 2``: a spawned process aligns and frames changed events beside the run's own
    (on SQLite, claims are lease rows): the same events, claims, framing rows and event framing."""
    import sqlite3
    from dataclasses import replace

    from compare.config import Settings
    from compare.pipeline import LazyEmbedder, run_pipeline

    nights: dict[int, dict[str, object]] = {}
    framings: dict[int, set[str]] = {}
    with DemoWeb() as web:
        sources = load_sources(web.write_sources(tmp_path / "sources.yaml", languages=("en",)))
        for workers in (1, 2):
            db = tmp_path / f"w{workers}.db"
            settings = replace(Settings(), db=str(db), embed_backend="hashing", workers=workers)
            result = run_pipeline(settings, sources, embedder=LazyEmbedder(None, backend="hashing"))
            assert result.analysis is not None and result.analysis.framed_events >= 5
            assert result.analysis.align_workers == workers
            with Store(db, read_only=True) as store:
                nights[workers] = _night(store)
            with sqlite3.connect(db) as c:  # the framing answers, by the text they are about
                where = ("article_id", "passage_index")
                framings[workers] = {
                    json.dumps({k: v for k, v in json.loads(d).items() if k not in where}, sort_keys=True)
                    for (d,) in c.execute("SELECT data FROM framing")
                }
            with sqlite3.connect(db) as c:
                holders = {h for (h,) in c.execute("SELECT DISTINCT holder FROM work_leases")}
            assert not holders  # every lease was released
    assert nights[1] == nights[2]
    assert framings[1] == framings[2]
