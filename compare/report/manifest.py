"""The reports folder's record of which event pages it holds, and what they were made from.

A nightly run rewrites an event's pages only when what they show changed: the record keeps, per
event, the key of the view the pages were rendered from (:class:`compare.view.freshness.PageKeys`,
digested with this renderer's version and templates), the run they were written in and the
snapshot files they cite. Pages whose key still matches, and whose files are all still there, are
kept as they are; they keep the run and time they were written in, and the run's index says so.

The record is ``.newscompare-pages.json`` in the reports folder. Deleting it (or any page) makes
the next run write those pages again; a record that cannot be read is treated as empty.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from compare import __version__
from compare.files import write_atomic

__all__ = ["MANIFEST_NAME", "PageManifest"]

log = logging.getLogger(__name__)

MANIFEST_NAME = ".newscompare-pages.json"
_FORMAT = 1
_SUFFIXES = (".html", ".md", ".json", ".csv")


@functools.cache
def _renderer() -> str:
    """This renderer's fingerprint: the package version, every template's bytes and the source of
    the modules that write the pages (a change to how Markdown is written, say, between two
    releases of a development install must not leave pages of the old writer kept)."""
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    for path in sorted([*(here / "templates").iterdir(), *here.glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class PageManifest:
    """Which event pages ``out_dir`` holds: per event, the key they were made from, their run and
    the snapshot files they cite."""

    def __init__(self, out_dir: Path, entries: dict[str, dict[str, Any]]) -> None:
        self.out_dir = out_dir
        self._entries = entries

    @classmethod
    def load(cls, out_dir: Path) -> PageManifest:
        path = out_dir / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(out_dir, {})
        except (OSError, ValueError) as exc:
            log.warning("%s cannot be read (%s): every event page is written again", path, exc)
            return cls(out_dir, {})
        entries = data.get("events") if isinstance(data, dict) and data.get("format") == _FORMAT else None
        return cls(out_dir, entries if isinstance(entries, dict) else {})

    @staticmethod
    def full_key(view_key: str) -> str:
        return hashlib.sha256(f"{view_key}:{_renderer()}".encode()).hexdigest()

    def current(self, event_id: int, view_key: str) -> int | None:
        """The run the event's pages on disk were written in, when they were made from this view
        key by this renderer and every file of theirs is still there; else ``None``."""
        entry = self._entries.get(str(event_id))
        if not isinstance(entry, dict) or entry.get("key") != self.full_key(view_key):
            return None
        stem = self.out_dir / f"event-{event_id}"
        files = [stem.with_suffix(s) for s in _SUFFIXES]
        files += [self.out_dir / "snapshots" / str(name) for name in entry.get("snapshots", ())]
        if not all(f.is_file() for f in files):
            return None
        run = entry.get("run")
        return int(run) if isinstance(run, int) else 0

    def record(
        self, event_id: int, view_key: str | None, *, run_id: int | None, snapshots: list[str]
    ) -> None:
        """Note the pages just written for ``event_id`` (no key: they are never reused)."""
        if view_key is None:
            self._entries.pop(str(event_id), None)
            return
        self._entries[str(event_id)] = {"key": self.full_key(view_key), "run": run_id, "snapshots": snapshots}

    def forget_except(self, event_ids: set[int]) -> None:
        """Drop the entries of events no longer reported (merged or retired): their pages stay."""
        self._entries = {k: v for k, v in self._entries.items() if k.isdigit() and int(k) in event_ids}

    def save(self) -> None:
        data = {"format": _FORMAT, "events": self._entries}
        write_atomic(self.out_dir / MANIFEST_NAME, json.dumps(data, sort_keys=True, separators=(",", ":")))
