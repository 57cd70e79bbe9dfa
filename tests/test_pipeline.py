"""The whole pipeline on the demo web: idempotent reruns, silent edits, locks, kill and resume.

These use the deterministic hashing embedder so they need no model; the quality of the comparison
on the same corpus is checked against seeds/EXPECTED.yaml in test_demo_expected.py.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from compare.cli import cli
from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.embed import HashingEmbedder
from compare.errors import LockedError
from compare.pipeline import run_pipeline
from compare.sources import load_sources
from compare.store import Store, run_lock


@pytest.fixture
def web() -> Iterator[DemoWeb]:
    with DemoWeb(version=1) as demo:
        yield demo


def _settings(tmp_path: Path, name: str = "n.db") -> Settings:
    # fresh_for_hours=0: every run asks again (conditionally), as the next night would
    return replace(Settings(), db=str(tmp_path / name), embed_backend="hashing", fresh_for_hours=0)


def _contents(db: Path) -> dict[str, object]:
    """The database's meaning, independent of row ids and timestamps."""
    c = sqlite3.connect(db)
    articles = sorted(c.execute("SELECT url, version, text_hash, outlet_id FROM articles").fetchall())
    passages = sorted(
        c.execute(
            'SELECT a.url, a.version, p.idx, p.start, p."end", p.text FROM passages p'
            " JOIN articles a ON a.id = p.article_id"
        ).fetchall()
    )
    events = sorted(
        tuple(sorted(r[0].split(",")))
        for r in c.execute(
            "SELECT group_concat(a.url || '#' || a.version) FROM event_articles ea"
            " JOIN articles a ON a.id = ea.article_id JOIN events e ON e.id = ea.event_id"
            " WHERE e.status = 'active' GROUP BY ea.event_id"
        ).fetchall()
    )
    claims = sorted(
        tuple(sorted(r[0].split(",")))
        for r in c.execute(
            "SELECT group_concat(a.url || '#' || p.idx) FROM claim_passages cp"
            " JOIN passages p ON p.id = cp.passage_id JOIN articles a ON a.id = p.article_id"
            " GROUP BY cp.claim_id"
        ).fetchall()
    )
    framing = sorted(
        c.execute(
            "SELECT a.url, p.idx, f.attribution, f.labels, f.numbers FROM framing f"
            " JOIN passages p ON p.id = f.passage_id JOIN articles a ON a.id = p.article_id"
        ).fetchall()
    )
    snapshots = sorted(r[0] for r in c.execute("SELECT sha256 FROM snapshots"))
    embeddings = c.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    c.close()
    return {
        "articles": articles, "passages": passages, "events": events, "claims": claims,
        "framing": framing, "snapshots": snapshots, "embeddings": embeddings,
    }  # fmt: skip


def test_runs_are_idempotent_and_see_silent_edits(web: DemoWeb, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    embedder = HashingEmbedder()
    embedder.device = "cuda"  # a stand-in for an embedder on a GPU: the run says where it embedded
    first = run_pipeline(settings, sources, out_dir=tmp_path / "r1", embedder=embedder)
    assert first.extract is not None and first.extract.new >= 35
    assert first.analysis is not None and first.analysis.new_events >= 5
    assert first.analysis.embed_device == "cuda"
    assert {"fetch", "extract", "analyse", "report"} <= set(first.resources)
    assert all(r["cpu_s"] >= 0 and r["peak_rss_mib"] > 0 for r in first.resources.values())
    assert "closed-gazette-demo" in first.failed_outlets and first.exit_code == 1
    assert (tmp_path / "r1" / "index.html").exists() and first.reports
    before = _contents(Path(settings.db))

    second = run_pipeline(settings, sources, out_dir=tmp_path / "r2", embedder=embedder)
    assert second.extract is not None and second.extract.new == second.extract.new_version == 0
    assert second.analysis is not None and second.analysis.embedded_passages == 0
    assert second.analysis.aligned_events == 0 and second.analysis.embed_device is None
    assert _contents(Path(settings.db)) == before

    web.set_version(2)
    third = run_pipeline(settings, sources, out_dir=tmp_path / "r3", embedder=embedder)
    assert third.extract is not None and third.extract.new_version == 1
    with Store(settings.db) as store:
        edited = store._db.execute("SELECT url, changes FROM articles WHERE version = 2").fetchall()
        assert len(edited) == 1 and json.loads(edited[0][1])
        runs = store.runs()
        assert [r.status for r in runs][:3] == ["partial", "partial", "partial"]
        assert runs[2].counts["analysis"]["embed_device"] == "cuda"
        assert runs[2].counts["resources"]["analyse"]["peak_rss_mib"] > 0
        assert runs[0].timings["report"] >= 0
    reports = [json.loads(p.with_suffix(".json").read_text()) for p in third.reports]
    changed = [r for r in reports if r["changes"]["edited"]]
    assert changed, "the edited article must appear under 'changed since the last run'"


def test_a_second_run_while_one_holds_the_lock_exits_3(web: DemoWeb, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    sources_file = web.write_sources(tmp_path / "sources.yaml")
    with run_lock(settings.db):
        with pytest.raises(LockedError):
            run_pipeline(settings, load_sources(sources_file), embedder=HashingEmbedder())
        result = CliRunner().invoke(cli, ["--db", settings.db, "run", "--sources", str(sources_file)])
    assert result.exit_code == 3
    assert "another newscompare run holds the lock" in result.output


_ENV = {**os.environ, "NEWSCOMPARE_EMBED_BACKEND": "hashing", "HF_HUB_OFFLINE": "1"}


def _cli_args(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "compare", "-q", "--db", str(db), *args]


def _call(db: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        _cli_args(db, *args), env=_ENV, capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode, done.stdout + done.stderr


def test_a_run_killed_during_processing_resumes_to_the_same_database(web: DemoWeb, tmp_path: Path) -> None:
    sources_file = str(web.write_sources(tmp_path / "sources.yaml"))
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    for db in (whole, killed):
        code, output = _call(db, "fetch", "--sources", sources_file)
        assert code == 1, output  # the demo's 403 outlet fails entirely
    code, output = _call(whole, "process", "--sources", sources_file)
    assert code == 0, output

    proc = subprocess.Popen(
        _cli_args(killed, "process", "--sources", sources_file),
        env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    done_rows = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(killed, timeout=5) as c:
            try:
                done_rows = c.execute("SELECT COUNT(*) FROM stage_state WHERE stage = 'extract'").fetchone()[
                    0
                ]
            except sqlite3.OperationalError:
                done_rows = 0
        if done_rows >= 3:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the process finished before it could be killed"
    assert 3 <= done_rows < 40

    code, output = _call(killed, "process", "--sources", sources_file)
    assert code == 0, output
    resumed, uninterrupted = _contents(killed), _contents(whole)
    for key, value in uninterrupted.items():
        if isinstance(value, list):
            extra = sorted(set(map(repr, resumed[key])) - set(map(repr, value)))
            lacking = sorted(set(map(repr, value)) - set(map(repr, resumed[key])))
            assert not extra and not lacking, f"{key}: only resumed {extra[:3]}; only whole {lacking[:3]}"
        assert resumed[key] == value, key
    with Store(killed) as store:
        assert [r.status for r in store.runs()][:2] == ["ok", "interrupted"]


def test_query_and_report_commands_read_the_store(web: DemoWeb, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    run_pipeline(settings, load_sources(web.write_sources(tmp_path / "s.yaml")), embedder=HashingEmbedder())
    env = {"NEWSCOMPARE_EMBED_BACKEND": "hashing"}
    runner = CliRunner()
    found = runner.invoke(
        cli, ["--db", settings.db, "query", "Khankendi", "--since", "all", "--format", "json"], env=env
    )
    assert found.exit_code == 0, found.output
    answer = json.loads(found.output)
    assert answer["events"] and "Stepanakert" in json.dumps(answer)  # the alias set widened the query
    recent = runner.invoke(
        cli, ["--db", settings.db, "query", "Khankendi", "--since", "30d", "--format", "json"], env=env
    )
    assert recent.exit_code == 0 and json.loads(recent.output)["events"] == []  # 2023 is not in 30 days
    default = runner.invoke(cli, ["--db", settings.db, "query", "Khankendi", "--format", "json"], env=env)
    assert json.loads(default.output)["events"] == answer["events"]  # the whole store by default
    report = runner.invoke(cli, ["--db", settings.db, "report", "--latest", "--format", "md"])
    assert report.exit_code == 0 and "claim matrix" in report.output.lower()
    missing = runner.invoke(cli, ["--db", settings.db, "report", "999999"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    nodb = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "query", "x"])
    assert nodb.exit_code == 2 and "no database" in nodb.output
