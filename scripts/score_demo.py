"""Score a database built by ``newscompare demo`` against seeds/EXPECTED.yaml.

    newscompare -q --db /tmp/demo.db demo --out /tmp/demo-reports
    python scripts/score_demo.py /tmp/demo.db

Prints one JSON object: event B-cubed, how often passages that carry one expected claim are aligned
together, attribution accuracy (with its confusion), presence of unreadable outlets, labels,
disagreeing numbers and reprints (compare.evaluate.seeds).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from compare.cli.pipeline_cmds import DEMO_PORT
from compare.demoweb import DemoWeb, default_seeds_dir
from compare.evaluate.seeds import load_expected, score_store
from compare.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a database written by `newscompare demo`")
    args = parser.parse_args()
    if not args.db.is_file():
        parser.error(f"{args.db}: no such database")
    # The demo serves on a fixed port, so its URLs are the same in every run: start the web
    # (without serving anything to anyone) only to learn the URL of each article key.
    with DemoWeb(port=DEMO_PORT) as web, Store(args.db) as store:
        scores = score_store(store, load_expected(default_seeds_dir()), web.url_for)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
