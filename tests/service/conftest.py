"""A small store for the query and service tests, built row by row, with hostile text in it.

Two events: a convoy on the Lachin road told by three outlets (one calls the town Khankendi, the
others Stepanakert) and an unrelated football match. Article text, titles and an outlet's name
carry HTML, Jinja and rich markup that must never become markup anywhere.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from compare.embed import HashingEmbedder
from compare.framing.records import EventFraming, LabelLedger, to_dict
from compare.models import Passage
from compare.store import ClaimInput, Store

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> {{ 7*7 }} [bold red]boom[/] | pipe'
EVIL_OUTLET = "<b>Evil</b> & Co {{ config }}"

OUTLETS = [
    ("azstate", "AzState Daily", '["state-aligned", "country:AZ"]'),
    ("armnews", "ArmNews", '["country:AM"]'),
    ("wire", "Wire Service", '["wire"]'),
    ("evil", EVIL_OUTLET, '["wire"]'),
]

# (outlet, url, title, published, [sentences], event key)
ARTICLES = [
    (
        "azstate",
        "https://azstate.test/convoy",
        "Convoy reaches Khankendi",
        "2026-11-20T09:00:00+00:00",
        [
            "A humanitarian convoy travelled along the Lachin road to Khankendi on Monday, officials said.",
            "The government called the so-called activists a provocation.",
        ],
        "convoy",
    ),
    (
        "armnews",
        "https://armnews.test/convoy",
        "Aid trucks enter Stepanakert",
        "2026-11-20T10:00:00+00:00",
        [
            "A humanitarian convoy reportedly reached Stepanakert through the Lachin corridor on Monday.",
            "Residents said shelves had been empty for weeks.",
        ],
        "convoy",
    ),
    (
        "wire",
        "https://wire.test/convoy",
        "Red Cross convoy crosses checkpoint",
        "2026-11-20T11:00:00+00:00",
        [
            "A Red Cross humanitarian convoy crossed the Lachin checkpoint to Stepanakert on Monday.",
            "Ten trucks carried flour and medicine.",
        ],
        "convoy",
    ),
    (
        "evil",
        "https://evil.test/convoy",
        HOSTILE,
        "2026-11-21T08:00:00+00:00",
        [f"Convoy note {HOSTILE} in Stepanakert on Monday."],
        "convoy",
    ),
    (
        "wire",
        "https://wire.test/football",
        "Baku derby ends in a draw",
        "2025-01-10T18:00:00+00:00",
        ["The football derby in Baku ended in a goalless draw on Sunday."],
        "football",
    ),
]


def _label(concept: str, term: str, text: str) -> dict[str, object]:
    start = text.find(term)
    return {
        "concept": concept,
        "term": term,
        "cue": {"start": start, "end": start + len(term), "text": term, "kind": "label"},
        "topic": "karabakh",
    }


def build_store(path: Path, *, embedder: HashingEmbedder | None = None) -> dict[str, object]:
    """Fill a store at ``path``; returns the ids the tests refer to."""
    embedder = embedder or HashingEmbedder(dim=128)
    ids: dict[str, object] = {}
    with Store(path) as store:
        for oid, name, groups in OUTLETS:
            store._db["outlets"].insert(
                {"id": oid, "name": name, "groups": groups, "homepage": f"https://{oid}.test"}
            )
        run_id = store.start_run("run", {"since": "2d"})
        passage_ids: dict[tuple[str, int], int] = {}
        members: dict[str, dict[int, float]] = {}
        for outlet, url, title, published, sentences, event in ARTICLES:
            text = " ".join(sentences)
            saved = store.save_article(
                outlet_id=outlet,
                url=url,
                text=text,
                snapshot_sha256=None,
                run_id=run_id,
                fields={"title": title, "published_at": published},
            )
            passages, offset = [], 0
            for i, sentence in enumerate(sentences):
                start = text.index(sentence, offset)
                passages.append(Passage(str(saved.id), i, start, start + len(sentence), sentence))
                offset = start + len(sentence)
            store.save_passages(saved.id, passages)
            for pid, idx in store._db.execute(
                "SELECT id, idx FROM passages WHERE article_id = ?", [saved.id]
            ).fetchall():
                passage_ids[(url, idx)] = pid
            members.setdefault(event, {})[saved.id] = 0.9
        for key, arts in members.items():
            ids[f"event_{key}"] = store.save_event(
                key=key,
                label="Convoy on the Lachin road" if key == "convoy" else f"Football {HOSTILE}",
                state={},
                members=arts,
                span=("2026-11-20", "2026-11-21") if key == "convoy" else ("2025-01-10", "2025-01-10"),
                run_id=run_id,
            )
        lead = [passage_ids[(a[1], 0)] for a in ARTICLES[:4]]
        shelves = passage_ids[(ARTICLES[1][1], 1)]
        claim_ids = store.save_claims(
            int(ids["event_convoy"]),  # type: ignore[arg-type]
            [
                ClaimInput("convoy-arrives", lead[0], tuple((p, 0.8, False) for p in lead)),
                ClaimInput("shelves", shelves, ((shelves, None, False),)),
            ],
            run_id=run_id,
        )
        ids["claim"] = claim_ids["convoy-arrives"]
        ids["claim_unique"] = claim_ids["shelves"]
        framing = {
            lead[0]: {
                "attribution": "neutral",
                "speaker": "officials",
                "prominence": "lead",
                "labels": [_label("capital", "Khankendi", ARTICLES[0][4][0])],
            },
            lead[1]: {
                "attribution": "hedged",
                "speaker": None,
                "prominence": "lead",
                "labels": [_label("capital", "Stepanakert", ARTICLES[1][4][0])],
            },
            lead[3]: {
                "attribution": "own_voice",
                "speaker": HOSTILE,
                "prominence": "lead",
                "labels": [_label("capital", "Stepanakert", ARTICLES[3][4][0])],
            },
        }
        rows = {
            pid: {
                "attribution": f["attribution"],
                "speaker": f["speaker"],
                "prominence": f["prominence"],
                "labels": json.dumps(f["labels"]),
                "data": "{}",
            }
            for pid, f in framing.items()
        }
        store.save_framing(
            int(ids["event_convoy"]),  # type: ignore[arg-type]
            passages=rows,
            event_data=to_dict(EventFraming((), (), LabelLedger({}), ())),
            params_hash="test",
            input_hash="test",
            run_id=run_id,
        )
        store._db["fetch_log"].insert_all(
            [
                {
                    "run_id": run_id,
                    "outlet_id": o,
                    "url": f"https://{o}.test/x",
                    "outcome": outcome,
                    "fetched_at": "2026-11-20T00:00:00+00:00",
                }
                for o, outcome in [("azstate", "ok"), ("armnews", "ok"), ("wire", "timeout"), ("evil", "ok")]
            ]
        )
        store.finish_run(run_id, status="partial", counts={"articles": len(ARTICLES)}, failures=[HOSTILE])
        texts = {r[0]: r[1] for r in store._db.execute("SELECT text_hash, text FROM passages").fetchall()}
        hashes = list(texts)
        vectors = embedder.embed([texts[h] for h in hashes])
        store.put_many(embedder.model_id, dict(zip(hashes, vectors, strict=True)))
        ids["passages"] = passage_ids
        ids["run"] = run_id
    return ids


def damage_copy(path: Path, *tables: str) -> Path:
    """A copy of the database with every page of ``tables`` (and their indexes) overwritten."""
    copy = path.with_name("damaged.db")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        marks = ",".join("?" * len(tables))
        pages = [r[0] for r in conn.execute(
            f"SELECT pageno FROM dbstat WHERE name IN ({marks}) OR name IN"
            f" (SELECT name FROM sqlite_master WHERE tbl_name IN ({marks}))", [*tables, *tables])]
    shutil.copy(path, copy)
    with open(copy, "r+b") as handle:
        for number in pages:
            handle.seek((number - 1) * page)
            handle.write(b"\xde\xad" * (page // 2))
    return copy


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder(dim=128)


@pytest.fixture
def store_path(tmp_path: Path, embedder: HashingEmbedder) -> Path:
    path = tmp_path / "news.db"
    build_store(path, embedder=embedder)
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store(store_path) as s:
        yield s


@pytest.fixture
def ids(tmp_path: Path, embedder: HashingEmbedder) -> dict[str, object]:
    return build_store(tmp_path / "ids.db", embedder=embedder)
