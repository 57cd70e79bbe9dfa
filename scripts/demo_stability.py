"""Claim ids and presence across demo nights: do ids survive re-alignment, do the views agree?

Plays the demo web four nights into one fresh database, with the real embedding model:

1. the demo as `newscompare demo` runs it;
2. a changed sources file (one outlet dropped, one politeness key changed) and another embedding
   path (int8), so every event is embedded and aligned again;
3. the silently edited article (demo version 2);
4. nothing new.

After each night it prints how many claims kept their ids, how many are new and how many were
retired, and the number of (claim, outlet) cells whose presence disagrees with the outlet's row in
the Outlets table (must be 0); after night 3, what "changed since the last run" says of the edited
event. Usage: python scripts/demo_stability.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.evaluate.seeds import presence_disagreements
from compare.pipeline import run_pipeline
from compare.sources import load_sources
from compare.store import Store
from compare.view import PresenceContext, build_event_view


def _claims(db: str) -> dict[int, tuple[int, str]]:
    """Active claim id -> (event id, central sentence)."""
    with Store(db) as store:
        out = {}
        for event_id in store.active_event_ids():
            view = build_event_view(store, event_id)
            out.update({c.id: (event_id, c.central_sentence) for c in view.claims})
        return out


def _disagreements(db: str) -> tuple[int, int]:
    with Store(db) as store:
        context = PresenceContext.load(store)
        views = [build_event_view(store, e, context=context) for e in store.active_event_ids()]
        cells = sum(len(c.cells) for v in views for c in v.claims)
        return sum(presence_disagreements(v) for v in views), cells


def _changed_sources(path: Path) -> Path:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["outlets"] = [o for o in data["outlets"] if o["id"] != "caucasus-watch-demo"]
    data.setdefault("defaults", {})["min_delay"] = 0.05
    out = path.with_name("sources-changed.yaml")
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="keep the database and reports here")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="nc-stability-"))
    tmp.mkdir(parents=True, exist_ok=True)
    settings = replace(Settings(), db=str(tmp / "demo.db"), fresh_for_hours=0)
    previous: dict[int, tuple[int, str]] = {}
    int8 = replace(settings, embed_backend="onnx-int8")
    with DemoWeb(version=1) as web:
        plain = web.write_sources(tmp / "sources.yaml")
        nights = [
            ("1: the demo", plain, settings, 1),
            ("2: changed sources, int8 embeddings", _changed_sources(plain), int8, 1),
            ("3: the silent edit", plain, settings, 2),
            ("4: nothing new", plain, settings, 2),
        ]
        for name, sources_file, night_settings, version in nights:
            web.set_version(version)
            result = run_pipeline(
                night_settings, load_sources(sources_file), command="demo", out_dir=tmp / "r"
            )
            now = _claims(settings.db)
            kept = sorted(set(now) & set(previous))
            new, gone = sorted(set(now) - set(previous)), sorted(set(previous) - set(now))
            bad, cells = _disagreements(settings.db)
            analysis = result.analysis
            realigned = analysis.aligned_events if analysis else 0
            span = f"ids {min(now, default=0)}–{max(now, default=0)}"
            print(
                f"night {name}: {len(now)} claims ({span}); {len(kept)} kept their id, {len(new)} new, "
                f"{len(gone)} retired; {realigned} events re-aligned; "
                f"presence disagreements {bad} of {cells} cells"
            )
            if version == 2 and name.startswith("3"):
                with Store(settings.db) as store:
                    for event_id in store.active_event_ids():
                        view = build_event_view(store, event_id)
                        if view.changes.edited:
                            print(f"  event {event_id} ({view.event.label}), changed since the last run:")
                            for note in view.changes.notes:
                                print(f"    - {note.text}")
            previous = now
    print(f"database and reports in {tmp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
