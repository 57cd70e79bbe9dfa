"""Datasette opens a newscompare database and a journalist can read the browsing views."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import yaml
from datasette.app import Datasette
from report_fixture import build_fixture

REPO = Path(__file__).resolve().parents[2]
METADATA = REPO / "datasette" / "metadata.yaml"


def test_datasette_lists_and_reads_the_views(tmp_path: Path) -> None:
    fixture = build_fixture(tmp_path / "newscompare.db")
    fixture.store.close()
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    ds = Datasette([str(tmp_path / "newscompare.db")], metadata=metadata)

    async def read() -> tuple[list[str], list[dict[str, object]], str]:
        db = await ds.client.get("/newscompare.json")
        views = [v["name"] for v in db.json()["views"]]
        rows = await ds.client.get("/newscompare/claim_sentences.json?_shape=array&outlet_id=beta")
        page = await ds.client.get("/newscompare/claim_sentences")
        return views, rows.json(), page.text

    views, rows, page = asyncio.run(read())
    assert {"events_overview", "claims_overview", "claim_sentences", "passage_framing"} <= set(views)
    assert rows and {r["outlet_id"] for r in rows} == {"beta"}
    assert any("Khankendi" in str(r["sentence"]) for r in rows)
    assert "sentence of each claim" in page  # the metadata's title
    described = metadata["databases"]["newscompare"]["tables"]
    assert metadata["databases"]["newscompare-demo"]["tables"] == described
    with sqlite3.connect(tmp_path / "newscompare.db") as conn:
        for view in ("events_overview", "claims_overview", "claim_sentences", "passage_framing"):
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({view})")}
            assert columns and columns == set(described[view]["columns"]), view
