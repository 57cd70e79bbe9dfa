"""Time building and rendering one large event report (not a test; run it by hand).

    python tests/report/bench_report.py [--outlets 20] [--claims 60] [--repeat 5]

Builds a throwaway store with ``--outlets`` outlets, one article each, and ``--claims`` claims
that every outlet tells in slightly different words (real framing stage), then prints the
median seconds of each step over ``--repeat`` rounds, and the output sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compare.align import Claim as _Claim
from compare.align import ClaimMember as _Member
from compare.framing import analyse_event, to_dict
from compare.models import Article, Passage
from compare.report import (
    render_claim_matrix_csv,
    render_html,
    render_json,
    render_markdown,
)
from compare.store import Store
from compare.view import build_event_view, build_index

VERBS = ("said", "claimed", "reported", "stated")
PLACES = ("Stepanakert", "Khankendi")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_store(path: Path, n_outlets: int, n_claims: int) -> tuple[Store, int]:
    store = Store(path)
    db: Any = store.db
    run = (
        db["runs"]
        .insert({"command": "bench", "started_at": "2026-11-29T00:00:00", "finished_at": "x", "status": "ok"})
        .last_pk
    )
    event = (
        db["events"]
        .insert({"label": "bench", "status": "active", "created_run": run, "updated_run": run})
        .last_pk
    )
    texts: dict[int, list[str]] = {}
    for o in range(n_outlets):
        oid = f"o{o:02d}"
        db["outlets"].insert({"id": oid, "name": f"Outlet {o}"})
        sentences = [
            f"Officials {VERBS[(o + c) % 4]} {100 + (o % 3) * 10 + c} people crossed the checkpoint near "
            f"{PLACES[o % 2]} on day {c} of the {('blockade', 'closure')[o % 2]}."
            for c in range(n_claims)
        ]
        text = " ".join(sentences)
        sha = _sha(oid + text)
        db["snapshots"].insert(
            {
                "sha256": sha,
                "url": f"https://{oid}.example/1",
                "final_url": f"https://{oid}.example/1",
                "status": 200,
                "fetched_at": "2026-11-29T00:00:00",
                "bytes": 1,
                "body": b"",
            }
        )
        db["fetch_log"].insert(
            {
                "run_id": run,
                "outlet_id": oid,
                "url": f"https://{oid}.example/1",
                "outcome": "ok",
                "fetched_at": "2026-11-29T00:00:00",
                "snapshot_sha256": sha,
            }
        )
        aid = (
            db["articles"]
            .insert(
                {
                    "outlet_id": oid,
                    "url": f"https://{oid}.example/1",
                    "text": text,
                    "text_hash": sha,
                    "snapshot_sha256": sha,
                    "first_seen": "x",
                    "last_seen": "x",
                    "run_id": run,
                }
            )
            .last_pk
        )
        db["event_articles"].insert({"event_id": event, "article_id": aid, "run_id": run})
        start = 0
        for i, s in enumerate(sentences):
            db["passages"].insert(
                {
                    "article_id": aid,
                    "idx": i,
                    "start": start,
                    "end": start + len(s),
                    "text": s,
                    "text_hash": _sha(s),
                }
            )
            start += len(s) + 1
        texts[aid] = sentences
    aids = sorted(texts)
    claims = []
    for c in range(n_claims):
        central = db.execute(
            "SELECT id FROM passages WHERE article_id = ? AND idx = ?", [aids[0], c]
        ).fetchone()[0]
        cid = (
            db["claims"]
            .insert(
                {
                    "event_id": event,
                    "key": f"k{c}",
                    "central_passage_id": central,
                    "n_outlets": n_outlets,
                    "created_run": run,
                }
            )
            .last_pk
        )
        members = []
        for aid in aids:
            pid = db.execute("SELECT id FROM passages WHERE article_id = ? AND idx = ?", [aid, c]).fetchone()[
                0
            ]
            db["claim_passages"].insert({"claim_id": cid, "passage_id": pid, "similarity": 0.8})
            members.append(_Member(str(aid), c, 1.0 if aid == aids[0] else 0.8))
        claims.append(_Claim(str(cid), tuple(members), members[0]))
    passages = {
        str(aid): [Passage(str(aid), i, 0, len(s), s) for i, s in enumerate(ss)] for aid, ss in texts.items()
    }
    articles = {
        str(aid): Article(str(aid), f"o{i:02d}", None, " ".join(texts[aid])) for i, aid in enumerate(aids)
    }
    framing = analyse_event(claims, passages, articles, {})
    db["event_framing"].insert(
        {
            "event_id": event,
            "run_id": run,
            "params_hash": "p",
            "input_hash": "i",
            "data": json.dumps(to_dict(framing)),
            "built_at": "x",
        }
    )
    return store, int(event)


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--claims", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store, event = make_store(Path(tmp) / "bench.db", args.outlets, args.claims)
        build_s, report = _median(lambda: build_event_view(store, event), args.repeat)
        cells = args.outlets * args.claims
        print(f"outlets={args.outlets} claims={args.claims} cells={cells} repeat={args.repeat}")
        print(f"build_event_view  {build_s:8.3f} s")
        for name, fn in (
            ("render_html", render_html),
            ("render_markdown", render_markdown),
            ("render_json", render_json),
            ("render_claim_matrix_csv", render_claim_matrix_csv),
        ):
            seconds, text = _median(lambda fn=fn: fn(report), args.repeat)
            print(f"{name:<19} {seconds:8.3f} s  {len(text.encode()) / 1024:8.0f} KiB")
        index_s, _ = _median(lambda: build_index(store), args.repeat)
        print(f"build_index         {index_s:8.3f} s")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
