"""``python -m compare.demoweb serve``: browse the demo web until Ctrl-C.

Prints each outlet's URL and feed, optionally writes a sources file pointing at the servers,
and exits cleanly (status 0, no traceback) on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from compare.demoweb.corpus import load_corpus
from compare.demoweb.expected import expected_markdown
from compare.demoweb.server import DemoWeb
from compare.errors import CompareError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m compare.demoweb",
        description="Serve the synthetic newscompare demo outlets on 127.0.0.x.",
        epilog="Example: python -m compare.demoweb serve --sources-out /tmp/demo-sources.yaml",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve every demo outlet until Ctrl-C")
    serve.add_argument(
        "--version",
        type=int,
        choices=(1, 2),
        default=1,
        help="which version of the edited article to serve (default 1)",
    )
    serve.add_argument(
        "--sources-out", metavar="FILE", help="write a sources.yaml pointing at the running servers"
    )
    serve.add_argument("--seeds", metavar="DIR", help="the seeds folder (default: the repo's)")
    serve.add_argument(
        "--port", type=int, default=0, help="one fixed port for every outlet (default: free ports)"
    )
    md = commands.add_parser("expected-md", help="write seeds/EXPECTED.md from EXPECTED.yaml")
    md.add_argument("--seeds", metavar="DIR", help="the seeds folder (default: the repo's)")
    md.add_argument("--out", metavar="FILE", help="where to write (default: <seeds>/EXPECTED.md)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "expected-md":
        return _expected_md(args.seeds, args.out)
    return _serve(args.seeds, args.version, args.port, args.sources_out)


def _expected_md(seeds: str | None, out: str | None) -> int:
    try:
        corpus = load_corpus(seeds)
        target = Path(out) if out else corpus.root / "EXPECTED.md"
        target.write_text(expected_markdown(corpus), encoding="utf-8")
    except (CompareError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {target}")
    return 0


def _serve(seeds: str | None, version: int, port: int, sources_out: str | None) -> int:
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Both signals stop the loop. SIGINT is set explicitly: a shell starts background jobs
    # with it ignored, and the handler also keeps Ctrl-C from raising mid-way through start-up.
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        web = DemoWeb(seeds, version, port=port).start()
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        print(f"newscompare demo web (version {web.version}); synthetic outlets, Ctrl-C to stop")
        for served in web.outlets:
            outlet = web.corpus.outlet(served.outlet_id)
            assert outlet is not None
            note = " (answers 403 to everything)" if outlet.behaviour == "forbidden" else ""
            print(f"  {served.outlet_id:22} {served.homepage:28} feed {web.feed_url(served.outlet_id)}{note}")
        if sources_out:
            print(f"sources file: {web.write_sources(sources_out)}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        web.stop()
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
