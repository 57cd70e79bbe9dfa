#!/usr/bin/env python
"""Benchmark: a cold night and a quiet night of fetching against a hostile web on 127.0.0.x.

A server process plays seven outlets, one host each (127.0.0.2–8), each with an RSS feed of
``--pages`` articles that answers 304 to a matching If-None-Match:

- ``good``: healthy, but a third of its feed's links answer 404;
- ``slow``: every answer (304s too) waits 0.2 s before its first byte, and a page's body
  trickles in over a further second;
- ``hang``: accepts connections and never answers (robots.txt included): timeouts;
- ``ratelimit``: articles answer 429 with ``Retry-After: 20``;
- ``overloaded``: articles answer 503;
- ``reset``: articles close the connection without an answer;
- ``dead``: nothing listens on its port (connection refused).

Each repetition uses a fresh database and plays two nights through the pipeline's fetch stage
(``compare.pipeline.fetch_into_store``, the real store, the real transport): the **cold** night,
then the **quiet** night 24 hours later (the clock of the run is moved, nothing else: the feeds
list the same articles and answer 304). ``--nights 3`` adds the night after, when the hosts that
failed as a whole are probed again. Politeness as a modest sources file would set it:
``min_delay`` 0.2 s, 2 requests per host, connect and read timeouts of 5 s, total 10 s, the
default retry policy (2 retries, 1 s and 2 s backoff, ``Retry-After`` waited up to 60 s).

Usage::

    python scripts/bench_hostile.py --repeat 3 --nights 3
    python scripts/bench_hostile.py --repeat 3 --forget    # the same nights without the memory

Prints the wall-clock seconds of each night (median over the repeats), the quiet/cold ratio of
each repeat and its median, and the requests each night sent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

KINDS = ("good", "slow", "hang", "ratelimit", "overloaded", "reset", "dead")
NIGHT1 = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)
PARAGRAPH = ("<p>The {what} reopened on day {i} after talks between the two governments, "
             "officials in {kind} said, and convoy {n} crossed the checkpoint at dawn.</p>")
WHAT = ("corridor", "road", "bridge", "border post", "airport", "railway")


def _page(kind: str, i: int) -> bytes:
    text = "".join(PARAGRAPH.format(what=WHAT[(i + n) % len(WHAT)], i=i, kind=kind, n=n)
                   for n in range(6))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{kind} story {i}</title>"
            f"</head><body><article><h1>{kind} story {i}</h1>{text}</article></body></html>").encode()


def _feed(base: str, kind: str, pages: int) -> bytes:
    items = "".join(f"<item><title>{kind} {i}</title><link>{base}/news/{i}.html</link></item>"
                    for i in range(pages))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{kind}</title>{items}'
            "</channel></rss>").encode()


def _handler(kind: str, pages: int, counts: dict[str, int], lock: threading.Lock) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return None

        def _send(self, status: int, body: bytes = b"", *, ctype: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if kind == "slow" and len(body) > 1000:
                step = len(body) // 5 + 1
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    time.sleep(0.2)
                return
            self.wfile.write(body)

        def do_GET(self) -> None:
            with lock:
                counts[kind] = counts.get(kind, 0) + 1
            if kind == "hang":
                time.sleep(3600)
                return
            if kind == "slow":
                time.sleep(0.2)
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                self._send(404)
                return
            base = f"http://{self.headers.get('Host')}"
            if path == "/feed.xml":
                self._conditional(_feed(base, kind, pages), "application/rss+xml")
                return
            if not path.startswith("/news/"):
                self._send(404)
                return
            i = int(path.rsplit("/", 1)[1].split(".")[0])
            if kind == "ratelimit":
                self._send(429, b"slow down", headers={"Retry-After": "20"})
            elif kind == "overloaded":
                self._send(503, b"overloaded")
            elif kind == "reset":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
            elif kind == "good" and i % 3 == 2:
                self._send(404, b"<html><body>not found</body></html>")
            else:
                self._conditional(_page(kind, i), "text/html; charset=utf-8")

        def _conditional(self, body: bytes, ctype: str) -> None:
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers={"ETag": etag})
            else:
                self._send(200, body, ctype=ctype, headers={"ETag": etag})

    return Handler


def _serve(pages: int, ready: Any, asks: Any, answers: Any) -> None:
    counts: dict[str, int] = {}
    lock = threading.Lock()
    addresses: dict[str, tuple[str, int]] = {}
    for n, kind in enumerate(KINDS):
        host = f"127.0.0.{n + 2}"
        if kind == "dead":
            probe = socket.socket()
            probe.bind((host, 0))
            addresses[kind] = (host, probe.getsockname()[1])
            probe.close()
            continue
        server = ThreadingHTTPServer((host, 0), _handler(kind, pages, counts, lock))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        addresses[kind] = (host, server.server_address[1])
    ready.put(addresses)
    while asks.get() is not None:  # each ask: the requests served so far, per outlet
        with lock:
            answers.put(dict(counts))


def _sources(addresses: dict[str, tuple[str, int]]) -> Any:
    from compare.models import Feed, Outlet, Politeness, Sources

    politeness = Politeness(min_delay=0.2, max_concurrency=2, connect_timeout=5.0,
                            read_timeout=5.0, total_timeout=10.0)
    outlets = tuple(
        Outlet(id=kind, name=kind, homepage=f"http://{host}:{port}/", language="en", country="AZ",
               feeds=(Feed(f"http://{host}:{port}/feed.xml"),), politeness=politeness,
               allow_private_addresses=True)  # the bench web is on 127.0.0.x
        for kind, (host, port) in addresses.items()
    )
    return Sources(path="hostile", outlets=outlets, defaults=politeness)


def _night(
    db: Path, sources: Any, when: datetime, *, forget: bool = False
) -> tuple[float, dict[str, int], list[str]]:
    """One night's fetch stage, timed; then (untimed) extraction, so that the next night
    re-checks the stored articles for silent edits as a real nightly run does. ``forget``
    clears the memory across nights first (what a night cost before it existed)."""
    from compare.config import Settings
    from compare.pipeline import fetch_into_store
    from compare.pipeline.extracting import extract_new
    from compare.store import Store

    settings = Settings(db=str(db))
    with Store(db) as store:
        if forget:
            urls, hosts = store.fetch_memory(now=when)
            store.save_fetch_memory({u.url: None for u in urls}, {h.host: None for h in hosts})
        run_id = store.start_run("fetch", {"bench": "hostile"})
        started = time.perf_counter()
        fetch_into_store(store, sources, run_id=run_id, settings=settings, now=lambda: when)
        seconds = time.perf_counter() - started
        extract_new(store, sources, run_id=run_id)
        store.finish_run(run_id, status="ok")
        outcomes: dict[str, int] = {}
        lines = []
        for row in store.fetch_log(run_id):
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
            lines.append(f"{row['outlet_id']:>10} {row['outcome']:<16} {row['attempts']} "
                         f"{row['elapsed_ms']} ms {row['url'].split('/', 3)[-1]} {row['error'] or ''}")
    return seconds, outcomes, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12, help="articles per outlet feed")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nights", type=int, default=2, choices=(2, 3))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verbose", action="store_true", help="every fetch_log row, on stderr")
    parser.add_argument("--forget", action="store_true",
                        help="clear the memory across nights before each night (for comparison)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    ready: Any = multiprocessing.Queue()
    asks: Any = multiprocessing.Queue()
    answers: Any = multiprocessing.Queue()
    web = multiprocessing.Process(target=_serve, args=(args.pages, ready, asks, answers), daemon=True)
    web.start()
    names = ("cold", "quiet", "third")[: args.nights]
    seconds: dict[str, list[float]] = {n: [] for n in names}
    requests: dict[str, list[int]] = {n: [] for n in names}
    outcomes: dict[str, dict[str, int]] = {}
    try:
        sources = _sources(ready.get(timeout=60))
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                for n, name in enumerate(names):
                    asks.put("count")
                    before = sum(answers.get(timeout=30).values())
                    took, seen, lines = _night(Path(tmp) / "hostile.db", sources,
                                               NIGHT1 + timedelta(days=n), forget=args.forget)
                    if args.verbose:
                        print(f"--- {name}: {took:.2f} s", *lines, sep="\n", file=sys.stderr)
                    asks.put("count")
                    requests[name].append(sum(answers.get(timeout=30).values()) - before)
                    seconds[name].append(took)
                    outcomes[name] = seen
    finally:
        asks.put(None)
        web.terminate()
    ratios = [q / c for q, c in zip(seconds["quiet"], seconds["cold"], strict=True)]
    result = {
        "seconds": {n: round(statistics.median(v), 2) for n, v in seconds.items()},
        "runs": {n: [round(x, 2) for x in v] for n, v in seconds.items()},
        "quiet_over_cold": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "requests": {n: statistics.median(v) for n, v in requests.items()},
        "outcomes": outcomes,
    }
    if args.json:
        print(json.dumps(result))
        return
    print("| night | seconds (median) | runs | requests sent | outcomes (last run) |")
    print("|---|---|---|---|---|")
    for name in names:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes[name].items()))
        print(f"| {name} | {result['seconds'][name]} | {result['runs'][name]} | "
              f"{result['requests'][name]:g} | {shown} |")
    print(f"\nquiet / cold: median {result['quiet_over_cold']:.1%} (each run: "
          f"{', '.join(f'{r:.1%}' for r in ratios)})")


if __name__ == "__main__":
    main()
