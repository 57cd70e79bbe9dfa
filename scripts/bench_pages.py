"""Event pages served by ``newscompare serve``: size, cold and warm times, and ten clients at once.

Builds a store with one huge event (one article that is a single ~1 MB line of ``--sentences``
sentences, each its own claim, beside a short article of a second outlet), or takes an existing
store (``--db``, e.g. the demo's ``newscompare-demo.db``), and asks the web app for event pages
in-process (``httpx.ASGITransport``: the app's own time, no sockets):

- cold: the first request for each page (the event view built, the page rendered);
- warm: the same page again (``--repeat`` times; pages are cached by the store's revision);
- uncached: a fresh app per request, so every request builds and renders;
- ten clients: ``--clients`` concurrent requests for the page, wall time for all of them.

Usage:
    python scripts/bench_pages.py                     # the synthetic huge event
    python scripts/bench_pages.py --db newscompare-demo.db
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from compare.models import Passage
from compare.service import create_app
from compare.store import ClaimInput, Store


def huge_event(path: Path, *, sentences: int) -> None:
    """One event: a single-line article of ``sentences`` sentences of ~1,500 characters, each a claim."""
    words = " ".join(["Officials at the checkpoint argued about the road while the convoy waited"] * 20)
    texts = [f"{words}, said report {i}." for i in range(sentences)]
    with Store(path) as store:
        store.ensure_outlet("long", name="Long Read")
        store.ensure_outlet("short", name="Short Wire")
        run = store.start_run("bench", {})
        ids: dict[str, list[int]] = {}
        for outlet, body in (("long", texts), ("short", texts[:5])):
            saved = store.save_article(
                outlet_id=outlet, url=f"https://{outlet}.test/a", text=" ".join(body),
                snapshot_sha256=None, run_id=run,
                fields={"title": "Convoy", "published_at": "2026-11-20T10:00:00+00:00"},
            )  # fmt: skip
            at, passages = 0, []
            for i, sentence in enumerate(body):
                passages.append(Passage(str(saved.id), i, at, at + len(sentence), sentence))
                at += len(sentence) + 1
            store.save_passages(saved.id, passages)
            ids[outlet] = [p.id for p in store.article_passages(saved.id)]
        event = store.save_event(key="e", label="Convoy", state={}, members={1: 1.0, 2: 1.0},
                                 span=("2026-11-20", "2026-11-20"), run_id=run)  # fmt: skip
        claims = []
        for i, passage in enumerate(ids["long"]):
            others = ((ids["short"][i], 0.9, False),) if i < len(ids["short"]) else ()
            claims.append(ClaimInput(f"k{i}", passage, ((passage, 1.0, False), *others)))
        store.save_claims(event, claims, run_id=run)
        store.finish_run(run, status="ok")


def _client(db: Path) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(db))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


async def _get(client: httpx.AsyncClient, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = await client.get(url)
    response.raise_for_status()
    return (time.perf_counter() - start) * 1000, len(response.content)


async def bench_page(db: Path, event_id: int, *, repeat: int, clients: int) -> dict[str, float]:
    url = f"/events/{event_id}"
    async with _client(db) as client:
        cold, size = await _get(client, url)
        warm = [(await _get(client, url))[0] for _ in range(repeat)]
        start = time.perf_counter()
        await asyncio.gather(*(_get(client, url) for _ in range(clients)))
        together = (time.perf_counter() - start) * 1000
    uncached = []
    for _ in range(max(3, repeat // 5)):
        async with _client(db) as client:
            uncached.append((await _get(client, url))[0])
    warm.sort()
    return {
        "event": event_id, "kb": round(size / 1024, 1), "cold_ms": round(cold, 1),
        "warm_median_ms": round(statistics.median(warm), 2),
        "warm_p95_ms": round(warm[min(len(warm) - 1, int(0.95 * len(warm)))], 2),
        "uncached_median_ms": round(statistics.median(uncached), 1),
        f"{clients}_clients_ms": round(together, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build the huge event)")
    parser.add_argument("--sentences", type=int, default=680, help="sentences of the huge article")
    parser.add_argument("--repeat", type=int, default=50, help="warm requests per page")
    parser.add_argument("--clients", type=int, default=10, help="concurrent requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "huge.db"
            huge_event(db, sentences=args.sentences)
        with Store(db, read_only=True) as store:
            events = store.active_event_ids()
        print("| event | page KB | cold ms | warm median ms | warm p95 ms | uncached median ms "
              f"| {args.clients} clients at once, ms |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for event_id in events:
            row = asyncio.run(bench_page(db, event_id, repeat=args.repeat, clients=args.clients))
            print("| " + " | ".join(str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
