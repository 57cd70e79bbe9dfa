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


def test_a_new_database_has_every_table_and_fts(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    names = set(store.db.table_names())
    assert set(TABLES) <= names
    assert {"passages_fts", "articles_fts"} <= names
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    Store(tmp_path / "n.db").close()  # reopening applies nothing twice


def test_identical_bodies_are_stored_once_and_rows_are_not_duplicated(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
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


def test_versions_duplicates_and_passages(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
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
    hits = list(store.db.query("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'three'"))
    assert len(hits) == 1


def test_vector_cache_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
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
