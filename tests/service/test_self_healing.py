"""Caches rebuild themselves, damaged databases say how to recover, failed writes leave nothing."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from compare import files
from compare.cli import cli
from compare.embed import HashingEmbedder
from compare.errors import CompareError, StoreError
from compare.files import write_atomic
from compare.query import query
from compare.store import Store, VectorIndex
from compare.store import vectors as store_vectors

from .conftest import damage_copy


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 4096])
def test_a_corrupt_vector_cache_is_rebuilt_with_a_warning(
    store: Store, store_path: Path, damage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    embedder = HashingEmbedder(dim=128)
    first = query(store, "convoy to Stepanakert", embedder=embedder, min_similarity=0.0)
    (npz,) = Path(f"{store_path}.vectors").glob("*.npz")
    npz.write_bytes(damage)
    store_vectors._INDEXES.clear()  # as a new process would start: only the files beside the database
    with caplog.at_level(logging.WARNING, logger="compare.store"):
        again = query(store, "convoy to Stepanakert", embedder=embedder, min_similarity=0.0)
    assert again.vector_search == first.vector_search == "exact"
    assert [e.id for e in again.events] == [e.id for e in first.events]
    assert any("rebuilding it from the store" in r.getMessage() for r in caplog.records)
    assert len(VectorIndex.load(npz.with_suffix(""))) > 0  # rewritten, readable again


def _stderr_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["process"], ["report", "--latest"], ["query", "convoy"],
                                     ["report", "1", "--format", "json"]])
def test_a_damaged_database_is_one_line_naming_the_recovery(store_path: Path, command: list[str]) -> None:
    damaged = damage_copy(store_path, "events", "articles", "passages", "runs")
    result = CliRunner().invoke(cli, ["--db", str(damaged), *command])
    assert result.exit_code == 2, result.output
    line = _stderr_line(result)
    assert "is damaged" in line and f'sqlite3 {damaged} ".recover"' in line
    assert "Traceback" not in result.output


def test_a_database_file_that_is_no_database_is_one_line_too(tmp_path: Path) -> None:
    db = tmp_path / "not.db"
    db.write_bytes(b"this is not an sqlite file at all" * 200)
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "--latest"])
    assert result.exit_code == 2
    assert '".recover"' in _stderr_line(result)


class _Full:
    """A file handle on a full disk: the first write fails with ENOSPC."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __enter__(self) -> _Full:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = open
    monkeypatch.setattr(files, "open", lambda path, mode="r": _Full(real_open(path, mode)), raising=False)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path, full_disk: None) -> None:
    target = tmp_path / "event-1.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["event-1.json"]


def test_a_full_reports_folder_is_one_error_and_leaves_no_temporary_file(
    store: Store, tmp_path: Path, full_disk: None
) -> None:
    from compare.report import write_report_bundle
    from compare.view import build_event_view

    event_id = store.active_event_ids()[0]
    out = tmp_path / "reports"
    with pytest.raises(CompareError, match="cannot write the report"):
        write_report_bundle(store, build_event_view(store, event_id), out)
    assert not [p for p in out.rglob("*") if p.is_file()]


def test_writing_works_and_keeps_newlines(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "a.csv", "a,b\r\n1,2\r\n")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_a_vector_index_that_cannot_be_saved_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = VectorIndex.build(np.arange(3), np.eye(3, 8, dtype=np.float32))

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", no_space)
    with pytest.raises(StoreError, match="No space left"):
        index.save(tmp_path / "vec" / "model")
    assert list((tmp_path / "vec").iterdir()) == []
