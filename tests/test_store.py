from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from compare.errors import LockedError, StoreError
from compare.models import FetchResult, Outcome, Passage, Snapshot
from compare.store import TABLES, Store, run_lock


def _result(url: str, body: bytes, outcome: Outcome = Outcome.OK) -> FetchResult:
    now = datetime(2023, 7, 29, 12, tzinfo=UTC)
    import hashlib

    snap = Snapshot(
        sha256=hashlib.sha256(body).hexdigest(),
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html"},
        fetched_at=now,
        body=body,
    )
    return FetchResult(
        url=url, outlet_id="o", outcome=outcome, fetched_at=now, http_status=200, snapshot=snap, etag='"v1"'
    )


def test_a_new_database_has_every_table_and_fts(db_target: str) -> None:
    store = Store(db_target)
    names = store.tables()
    assert set(TABLES) <= names
    assert {"passages_fts", "articles_fts"} <= names
    if store.dialect == "sqlite":
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    Store(db_target).close()  # reopening applies nothing twice


def test_identical_bodies_are_stored_once_and_rows_are_not_duplicated(db_target: str) -> None:
    store = Store(db_target)
    run = store.start_run("fetch", {})
    store.record_fetch(run, _result("http://a/1", b"<html>same</html>"))
    store.record_fetch(run, _result("http://a/2", b"<html>same</html>"))
    store.record_fetch(run, _result("http://a/2", b"<html>same</html>"))  # resumed run
    counts = store.counts()
    assert counts["snapshots"] == 1
    assert counts["fetch_log"] == 2
    last = store.last_good_fetch("http://a/2")
    assert last is not None and last.etag == '"v1"'
    assert store.snapshot_body(last.snapshot_sha256 or "") == b"<html>same</html>"
    assert store.last_good_fetch("http://a/3") is None


def test_versions_duplicates_and_passages(db_target: str) -> None:
    store = Store(db_target)
    store.ensure_outlet("o")
    first = store.save_article(
        outlet_id="o",
        url="http://a/1",
        text="One. Two.",
        snapshot_sha256=None,
        run_id=None,
        fields={"title": "T"},
    )
    same = store.save_article(
        outlet_id="o", url="http://a/1", text="One. Two.", snapshot_sha256=None, run_id=None, fields={}
    )
    twin = store.save_article(
        outlet_id="o", url="http://a/1?amp", text="One. Two.", snapshot_sha256=None, run_id=None, fields={}
    )
    edited = store.save_article(
        outlet_id="o",
        url="http://a/1",
        text="One. Three.",
        snapshot_sha256=None,
        run_id=None,
        fields={},
        changes=["Two->Three"],
    )
    assert (first.status, same.status, twin.status, edited.status) == (
        "new",
        "unchanged",
        "duplicate",
        "new_version",
    )
    assert twin.id == first.id and edited.previous_id == first.id
    current = store.current_articles()
    assert [a.text for a in current] == ["One. Three."]
    store.save_passages(
        edited.id,
        [Passage(str(edited.id), 0, 0, 4, "One."), Passage(str(edited.id), 1, 5, 11, "Three.")],
    )
    store.save_passages(
        edited.id,
        [Passage(str(edited.id), 0, 0, 4, "One."), Passage(str(edited.id), 1, 5, 11, "Three.")],
    )
    assert [p.text for _, p in store.passages_of([edited.id])[edited.id]] == ["One.", "Three."]
    from compare.store import SearchFilter

    assert len(store.search_passages('"three"', SearchFilter(), limit=10)) == 1
    assert len(store.search_passages('"four"', SearchFilter(), limit=10)) == 0


def test_vector_cache_round_trip(db_target: str) -> None:
    store = Store(db_target)
    vec = np.arange(4, dtype=np.float32)
    store.put_many("m", {"h1": vec})
    store.put_many("m", {"h1": vec + 1})  # never overwritten: same text, same model, same vector
    got = store.get_many(["h1", "h2"], "m")
    assert list(got) == ["h1"] and np.array_equal(got["h1"], vec)
    assert store.get_many(["h1"], "other-model") == {}


def test_bad_database_paths_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing" / "n.db")
    path = tmp_path / "ro.db"
    Store(path).close()
    os.chmod(path, 0o444)
    # root may write to read-only files, so ask the check itself rather than the file system
    monkeypatch.setattr("compare.store.db.os.access", lambda p, mode: mode != os.W_OK)
    with pytest.raises(StoreError, match="read-only"):
        Store(path)


def test_the_run_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "n.db"
    with run_lock(db):
        code = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys\nfrom compare.store import run_lock\n"
                f"try:\n    with run_lock({str(db)!r}): pass\n"
                "except Exception as e:\n    print(type(e).__name__); sys.exit(3)",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert code.returncode == 3 and "LockedError" in code.stdout
    with run_lock(db):  # released
        pass
    assert issubclass(LockedError, StoreError) and LockedError.exit_code == 3


def _article(store: Store, outlet: str, url: str, sentences: list[str], run_id: int | None) -> list[int]:
    """An article of these sentences; returns its passage row ids in order."""
    text = " ".join(sentences)
    saved = store.save_article(
        outlet_id=outlet, url=url, text=text, snapshot_sha256=None, run_id=run_id, fields={}
    )
    passages, at = [], 0
    for i, s in enumerate(sentences):
        start = text.index(s, at)
        passages.append(Passage(str(saved.id), i, start, start + len(s), s))
        at = start + len(s)
    store.save_passages(saved.id, passages)
    return [p.id for p in store.article_passages(saved.id)]


def test_claim_ids_survive_re_alignment_and_changes_are_recorded(db_target: str) -> None:
    from compare.store import ClaimInput

    store = Store(db_target)
    for o in ("a", "b", "c"):
        store.ensure_outlet(o)
    run1 = store.start_run("run", {})
    a = _article(store, "a", "https://a.test/1", ["The road closed.", "Trucks waited."], run1)
    b = _article(store, "b", "https://b.test/1", ["The road was closed.", "Trucks queued."], run1)
    event = store.save_event(key="e", label="Road", state={}, members={}, span=(None, None), run_id=run1)

    def claims(*groups: list[int]) -> list[ClaimInput]:
        return [ClaimInput(f"k{i}", g[0], tuple((p, 0.9, False) for p in g)) for i, g in enumerate(groups)]

    first = store.save_claims(event, claims([a[0], b[0]], [a[1], b[1]]), run_id=run1)
    road, trucks = first["k0"], first["k1"]
    run2 = store.start_run("run", {})
    # a re-run lists the claims in another order, with other keys: the ids stay
    again = store.save_claims(event, claims([a[1], b[1]], [a[0], b[0]]), run_id=run2)
    assert again == {"k1": road, "k0": trucks}
    # an edit rewords b's first sentence (a new version of the article): the claim keeps its id
    b2 = _article(store, "b", "https://b.test/1", ["The road was shut on Monday.", "Trucks queued."], run2)
    c = _article(store, "c", "https://c.test/1", ["Officials said the road was shut."], run2)
    third = store.save_claims(event, claims([a[0], b2[0], c[0]], [a[1]]), run_id=run2)
    assert third == {"k0": road, "k1": trucks}
    kinds = [(ch.kind, ch.claim_id, ch.outlet_id) for ch in store.claim_changes(event, after_run=run1)]
    assert ("reworded", road, "b") in kinds and ("outlet_added", road, "c") in kinds
    assert ("outlet_dropped", trucks, "b") in kinds
    # nothing of a claim persists: it is retired (never renumbered), and a new one gets a new id
    fourth = store.save_claims(event, claims([a[0], b2[0], c[0]], [b2[1]]), run_id=run2)
    assert fourth["k0"] == road and fourth["k1"] not in (road, trucks)
    retired = store.claim(trucks)
    assert retired is not None and retired.status == "retired"
    assert [c.id for c in store.claims_of(event)] == [road, fourth["k1"]]
    kinds = [(ch.kind, ch.claim_id) for ch in store.claim_changes(event, after_run=run1)]
    assert ("retired", trucks) in kinds and ("new", fourth["k1"]) in kinds


def test_every_migration_has_its_postgresql_dialect() -> None:
    from compare.store.pgschema import PG_MIGRATIONS, ordered_names, pg_ddl

    assert sorted(PG_MIGRATIONS) == sorted(ordered_names())  # applied in the order SQLite applies them
    ddl = pg_ddl("CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    v BLOB, r REAL, n INTEGER\n)")
    assert ddl == ["CREATE TABLE t (\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
                   "    v BYTEA, r DOUBLE PRECISION, n BIGINT\n)"]  # fmt: skip


def test_the_store_sql_reads_in_postgresql_dialect() -> None:
    from compare.store.pg import translate

    assert translate("SELECT COUNT(*) FROM [runs] WHERE id = ? AND url LIKE 'a%'") == (
        "SELECT COUNT(*) FROM \"runs\" WHERE id = %s AND url LIKE 'a%%'"
    )
    assert translate("INSERT OR IGNORE INTO embeddings (a, b) VALUES (?, ?)") == (
        "INSERT INTO embeddings (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    assert translate("INSERT OR REPLACE INTO host_state (host, failures) VALUES (?, ?)") == (
        "INSERT INTO host_state (host, failures) VALUES (%s, %s)"
        " ON CONFLICT (host) DO UPDATE SET failures = EXCLUDED.failures"
    )
    with pytest.raises(StoreError, match="primary key"):
        translate("INSERT OR REPLACE INTO nowhere (a) VALUES (?)")


def test_a_postgresql_url_is_shown_without_its_password() -> None:
    from compare.store import redacted

    assert redacted("postgresql://nc:s3cret@db.internal/news") == "postgresql://nc:***@db.internal/news"
    assert redacted("postgresql://nc@/news?host=/run/pg") == "postgresql://nc@/news?host=/run/pg"
    assert redacted("news.db") == "news.db"


def test_an_edit_that_rewords_two_sentences_of_one_claim_is_said_once(tmp_path: Path) -> None:
    from compare.store import ClaimInput
    from compare.view import build_event_view

    store = Store(tmp_path / "c.db")
    for o in ("a", "b", "c"):
        store.ensure_outlet(o, name=o.upper())
    run1 = store.start_run("run", {})
    a = _article(store, "a", "https://a.test/1", ["The road closed.", "Trucks waited."], run1)
    b = _article(store, "b", "https://b.test/1", ["Road closed", "The road was closed."], run1)
    c = _article(store, "c", "https://c.test/1", ["Officials closed the road."], run1)
    event = store.save_event(key="e", label="Road", state={}, members={}, span=(None, None), run_id=run1)
    members = ((a[0], 1.0, False), (b[0], 0.9, True), (b[1], 0.9, False), (c[0], 0.8, False))
    store.save_claims(event, [ClaimInput("k", a[0], members)], run_id=run1)
    store.finish_run(run1, status="ok")
    run2 = store.start_run("run", {})
    b2 = _article(store, "b", "https://b.test/1", ["Road shut", "The road was shut on Monday."], run2)
    members = ((a[0], 1.0, False), (b2[0], 0.9, True), (b2[1], 0.9, False), (c[0], 0.8, False))
    (road,) = store.save_claims(event, [ClaimInput("k", a[0], members)], run_id=run2).values()
    store.finish_run(run2, status="ok")
    notes = [
        n.text for n in build_event_view(store, event, since_run=run1).changes.notes if n.kind == "reworded"
    ]
    assert len(notes) == 1 and notes[0].startswith(f"B reworded 2 of its sentences in claim {road}"), notes


def test_claims_of_one_repeated_sentence_are_each_stored(tmp_path: Path) -> None:
    """An article that repeats a sentence, each copy in a claim of its own: two claims, one event."""
    from compare.store import ClaimInput

    store = Store(tmp_path / "c.db")
    store.ensure_outlet("a")
    run = store.start_run("run", {})
    a = _article(store, "a", "https://a.test/1", ["Read more.", "The road closed.", "Read more."], run)
    event = store.save_event(key="e", label="Road", state={}, members={}, span=(None, None), run_id=run)
    claims = [ClaimInput(f"k{i}", p, ((p, 1.0, False),)) for i, p in enumerate(a)]
    ids = store.save_claims(event, claims, run_id=run)
    assert len(set(ids.values())) == 3 and len(store.claims_of(event)) == 3
    again = store.save_claims(event, claims, run_id=run)  # the same ids (the two copies may swap)
    assert set(again.values()) == set(ids.values()) and again["k1"] == ids["k1"]
