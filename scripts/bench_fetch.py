#!/usr/bin/env python
"""Benchmark: pages/s and peak memory of newscompare's fetcher on a loopback web of many hosts.

A server process serves ``--hosts`` hosts (127.0.0.2, 127.0.0.3, …, one port each) with
``--pages`` article pages each (~60 KB of realistic boilerplate: inline CSS, scripts, JSON-LD,
navigation, related links, footer). Each contender then runs in its own fresh Python process, so
its peak RSS is its own, over the same URLs:

- ``newscompare``: ``compare.fetch.fetch_sources`` with the URLs given, politeness delay 0 and
  the default limits (2 per host, 16 at once), robots.txt read once per host;
- ``newspaper4k Article.download``: one ``Article(url).download()`` after another, the way
  newspaper4k downloads articles;
- ``newspaper4k multithread_request``: its thread-pool downloader (10 threads by default);
- ``newscompare, 1 s per-host delay``: the same fetcher bound by politeness, ``--delay-pages``
  pages per host.

newspaper4k is not a dependency of newscompare: install it apart, e.g.
``pip install --target /tmp/np4k newspaper4k``, and pass ``--newspaper-path /tmp/np4k`` (it is
appended to ``sys.path`` of its own processes only). Without it, those rows are skipped.

Usage::

    python scripts/bench_fetch.py --hosts 50 --pages 20 --repeat 3 --newspaper-path /tmp/np4k
    python scripts/bench_fetch.py --hosts 50 --pages 4 --latency-ms 50 --newspaper-path /tmp/np4k

Prints a Markdown table of medians over the repeats (contenders interleaved within each repeat)
and the ratio of each to newscompare's pages/s measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["corridor", "road", "convoy", "minister", "said", "officials", "border", "talks",
         "agreement", "reported", "government", "humanitarian", "region", "checkpoint",
         "statement", "ceasefire", "aid", "peace", "week", "city", "residents", "forces",
         "spokesperson", "sources", "according", "negotiations"]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_page(host: int, page: int) -> bytes:
    """One ~60 KB article page with the boilerplate a real news site wraps around the text."""
    rng = random.Random(host * 1000 + page)
    title = _words(rng, 9).capitalize()
    css = "\n".join(f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{rng.randrange(16**6):06x}}}"
                    for i in range(400))
    script = ";".join(f"window.t{i}=function(a){{return a*{i}+{rng.randrange(999)}}}"
                      for i in range(500))
    nav = "".join(f'<li><a href="/section/{i}">{_words(rng, 2)}</a></li>' for i in range(80))
    body = "".join(f"<p>{_words(rng, 70)}.</p>" for _ in range(16))
    related = "".join(f'<li><a href="/news/{rng.randrange(9999)}.html">{_words(rng, 8)}</a></li>'
                      for _ in range(60))
    footer = "".join(f'<a href="/about/{i}">{_words(rng, 2)}</a> ' for i in range(40))
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": "2026-11-29T08:00:00Z", "author": {"name": _words(rng, 2)}})
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="/news/{page}.html"><style>{css}</style>'
        f'<script type="application/ld+json">{ld}</script><script>{script}</script></head>'
        f'<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>'
        f"{body}</article><aside><ul>{related}</ul></aside></main>"
        f"<footer>{footer}<p>© 2026 Demo Media</p></footer></body></html>"
    )
    return html.encode()


# ---------------------------------------------------------------------------------- server


def _serve(
    hosts: int, pages: int, latency: float, ready: multiprocessing.Queue  # type: ignore[type-arg]
) -> None:
    """A minimal keep-alive HTTP/1.1 server: GET and HEAD, prebuilt responses, one loop.

    ``latency`` seconds pass before each answer (a real server's time to first byte plus the
    round trip), without blocking the loop.
    """
    robots = b"User-agent: *\nAllow: /\n"

    def response(body: bytes, ctype: bytes, *, head: bool) -> bytes:
        start = (b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\nConnection: keep-alive\r\n\r\n")
        return start if head else start + body

    class Http(asyncio.Protocol):
        def __init__(self, table: dict[bytes, bytes]) -> None:
            self.table = table
            self.buffer = b""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while b"\r\n\r\n" in self.buffer:
                head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
                method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
                path = target.split(b"?", 1)[0]
                is_head = method == b"HEAD"
                if path == b"/robots.txt":
                    out = response(robots, b"text/plain", head=is_head)
                elif path in self.table:
                    out = response(self.table[path], b"text/html; charset=utf-8", head=is_head)
                else:
                    out = (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                           b"Connection: keep-alive\r\n\r\n")
                if latency:
                    asyncio.get_running_loop().call_later(latency, self._write, out)
                else:
                    self._write(out)

        def _write(self, out: bytes) -> None:
            if not self.transport.is_closing():  # type: ignore[attr-defined]
                self.transport.write(out)  # type: ignore[attr-defined]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        addresses = []
        for h in range(hosts):
            table = {f"/news/{p}.html".encode(): make_page(h, p) for p in range(pages)}
            server = await loop.create_server(lambda t=table: Http(t), f"127.0.0.{h + 2}", 0)
            addresses.append(server.sockets[0].getsockname()[:2])
        ready.put(addresses)
        await asyncio.Event().wait()

    asyncio.run(main())


# ---------------------------------------------------------------------------------- contenders


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(variant: str, urls_file: str, newspaper_path: str | None) -> None:
    urls = json.loads(Path(urls_file).read_text())
    if variant.startswith("newscompare"):
        from compare.fetch import FetchPlan, fetch_sources
        from compare.models import Outlet, Politeness, Sources

        delay = 1.0 if variant.endswith("delay1") else 0.0
        politeness = Politeness(min_delay=delay)
        bases = sorted({u.split("/news/")[0] + "/" for u in urls})
        outlets = tuple(Outlet(id=f"h{i}", name=b, homepage=b, language="en", country="AZ",
                               politeness=politeness, allow_private_addresses=True)
                        for i, b in enumerate(bases))  # the bench web is on 127.0.0.x
        sources = Sources(path="bench", outlets=outlets, defaults=politeness)
        counts = {"ok": 0, "bytes": 0}

        def on_result(result: object) -> None:
            snap = getattr(result, "snapshot", None)
            if snap is not None:
                counts["ok"] += 1
                counts["bytes"] += len(snap.body)

        base = _rss_mb()
        start = time.perf_counter()
        fetch_sources(sources, extra_urls=urls, on_result=on_result,
                      plan=FetchPlan(user_agent="newscompare-bench/0.1 (+http://127.0.0.1/)"))
        seconds = time.perf_counter() - start
    else:
        if newspaper_path:
            sys.path.append(newspaper_path)
        import newspaper
        from newspaper import network

        counts = {"ok": 0, "bytes": 0}
        base = _rss_mb()
        start = time.perf_counter()
        if variant == "newspaper4k-seq":
            for url in urls:
                article = newspaper.Article(url)
                article.download()
                if article.html:
                    counts["ok"] += 1
                    counts["bytes"] += len(article.html)
        else:
            for response in network.multithread_request(urls, newspaper.Config()):
                if response is not None and response.status_code == 200:
                    counts["ok"] += 1
                    counts["bytes"] += len(response.content)
        seconds = time.perf_counter() - start
    print(json.dumps({"variant": variant, "ok": counts["ok"], "bytes": counts["bytes"],
                      "seconds": seconds, "peak_rss_mb": _rss_mb(), "base_rss_mb": base}))


def _run_child(variant: str, urls: list[str], newspaper_path: str | None) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(urls, handle)
    cmd = [sys.executable, __file__, "--child", variant, "--urls-file", handle.name]
    if newspaper_path:
        cmd += ["--newspaper-path", newspaper_path]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    Path(handle.name).unlink()
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


LABELS = {
    "newscompare": "newscompare `fetch_sources`, delay 0",
    "newspaper4k-seq": "newspaper4k `Article.download()`, one after another",
    "newspaper4k-mt": "newspaper4k `network.multithread_request` (10 threads)",
    "newscompare-delay1": "newscompare, 1 s per-host delay",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--delay-pages", type=int, default=10,
                        help="pages per host for the 1 s-delay run (0 to skip it)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="server delay before each answer (0: pure loopback)")
    parser.add_argument("--newspaper-path", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--urls-file", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.urls_file, args.newspaper_path)
        return

    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(
        target=_serve, args=(args.hosts, args.pages, args.latency_ms / 1000, ready), daemon=True
    )
    server.start()
    try:
        addresses = ready.get(timeout=120)
        urls = [f"http://{h}:{p}/news/{i}.html" for i in range(args.pages) for h, p in addresses]
        size = len(make_page(0, 0))
        variants = ["newscompare"]
        try:
            probe = [sys.executable, "-c", "import sys; sys.path.append(sys.argv[1]); import newspaper",
                     args.newspaper_path or ""]
            subprocess.run(probe, check=True, capture_output=True, timeout=120)
            variants += ["newspaper4k-seq", "newspaper4k-mt"]
        except subprocess.CalledProcessError:
            print("newspaper4k not importable: its rows are skipped", file=sys.stderr)
        runs: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
        for r in range(args.repeat):
            for variant in variants:
                result = _run_child(variant, urls, args.newspaper_path)
                runs[variant].append(result)
                print(f"repeat {r + 1} {variant}: {result['ok']:.0f} pages in "
                      f"{result['seconds']:.2f} s", file=sys.stderr)
        if args.delay_pages:
            delay_urls = [f"http://{h}:{p}/news/{i}.html" for i in range(args.delay_pages)
                          for h, p in addresses]
            runs["newscompare-delay1"] = [_run_child("newscompare-delay1", delay_urls, None)]
    finally:
        server.terminate()
    ours = statistics.median(x["ok"] / x["seconds"] for x in runs["newscompare"])
    print(f"\n{args.hosts} hosts × {args.pages} pages of {size / 1024:.0f} KB on loopback, "
          f"server latency {args.latency_ms:g} ms; medians of {args.repeat} runs (the 1 s-delay "
          f"run once, {args.delay_pages} pages per host)\n")
    print("| fetcher | pages | pages/s | peak RSS MB (over start) | newscompare ÷ this, pages/s |")
    print("|---|---|---|---|---|")
    for variant, results in runs.items():
        rate = statistics.median(x["ok"] / x["seconds"] for x in results)
        pages = statistics.median(x["ok"] for x in results)
        peak = statistics.median(x["peak_rss_mb"] for x in results)
        over = statistics.median(x["peak_rss_mb"] - x["base_rss_mb"] for x in results)
        print(f"| {LABELS[variant]} | {pages:.0f} | {rate:.1f} | {peak:.0f} (+{over:.0f}) | "
              f"{ours / rate:.2f} |")


if __name__ == "__main__":
    main()
