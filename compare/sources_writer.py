"""Editing a sources file in place, keeping its comments, key order, quotes and layout.

The one adapter of ruamel.yaml, whose round-trip mode keeps what PyYAML would throw away: a
file loaded and dumped without changes comes back byte for byte (the shipped ``sources.yaml``
does). :func:`apply_edits` applies :class:`~compare.models.OutletEdit` records (what
``newscompare sources check --write`` decided) and returns the new text, which is validated
with :func:`~compare.sources.parse_sources` before :func:`write_edits` replaces the file.

What an edit does to one outlet:

- ``moved``: the feed's ``url`` is rewritten to where it moved, with a comment naming the old;
- ``failed``: the feed leaves ``feeds`` for ``failed_feeds``, with ``reason``; nothing is deleted;
- ``added``: discovered feeds are appended to ``feeds`` (the key is added after ``country``
  when the outlet had none), in the file's style (``{url: …, kind: rss}`` one per line);
- ``verified_on``: ``verified: 2026-12-02``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from compare.errors import CompareError, Problem, SourcesError
from compare.files import write_atomic
from compare.models import Feed, OutletEdit
from compare.sources import load_sources, parse_sources

__all__ = ["apply_edits", "write_edits"]

_DASH = re.compile(r"^( *)- ", re.MULTILINE)
_AFTER = ("country", "language", "homepage", "name", "id")


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    outlets = text.find("\noutlets:")
    dash = _DASH.search(text, outlets if outlets >= 0 else 0)
    offset = len(dash.group(1)) if dash else 2
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _flow(feed: Feed, **extra: str) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    item = CommentedMap()
    item["url"] = DoubleQuotedScalarString(feed.url)
    item["kind"] = feed.kind
    if feed.section:
        item["section"] = feed.section
    for key, value in extra.items():
        item[key] = DoubleQuotedScalarString(value)
    item.fa.set_flow_style()
    return item


def _block_seq() -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq()
    seq.fa.set_block_style()
    return seq


def _insert_after(outlet: Any, key: str, value: Any, after: Sequence[str]) -> None:
    keys = list(outlet.keys())
    anchor = next((k for k in after if k in outlet), None)
    position = keys.index(anchor) + 1 if anchor is not None else len(keys)
    outlet.insert(position, key, value)


def _feeds(outlet: Any, key: str, after: Sequence[str]) -> Any:
    seq = outlet.get(key)
    if seq is None or not hasattr(seq, "append") or (not seq and seq.fa.flow_style()):
        seq = _block_seq()
        if key in outlet:
            outlet[key] = seq
        else:
            _insert_after(outlet, key, seq, after)
    return seq


def _edit(outlet: Any, edit: OutletEdit) -> None:
    feeds: Any = outlet.get("feeds") or []
    for old, new in edit.moved:
        for i, item in enumerate(feeds):
            if hasattr(item, "get") and item.get("url") == old:
                item["url"] = type(item["url"])(new) if isinstance(item["url"], str) else new
                note = f"moved from {old} (permanent redirect)"
                if edit.verified_on:
                    note += f"; sources check {edit.verified_on}"
                feeds.yaml_add_eol_comment(note, i)
    for url, reason in edit.failed:
        index = next((i for i, item in enumerate(feeds)
                      if hasattr(item, "get") and item.get("url") == url), None)
        if index is None:
            continue
        item = feeds[index]
        failed = Feed(url=str(item["url"]), kind=str(item.get("kind", "rss")),
                      section=item.get("section"))
        del feeds[index]
        _feeds(outlet, "failed_feeds", ("feeds", *_AFTER)).append(_flow(failed, reason=reason))
    if edit.added:
        target = _feeds(outlet, "feeds", _AFTER)
        for feed in edit.added:
            target.append(_flow(feed))
        earlier: Any = outlet.get("failed_feeds") or []
        for i in reversed(range(len(earlier))):  # a feed that works again is no longer failed
            if hasattr(earlier[i], "get") and earlier[i].get("url") in {f.url for f in edit.added}:
                del earlier[i]
        if "failed_feeds" in outlet and not outlet["failed_feeds"]:
            del outlet["failed_feeds"]
    if edit.verified_on:
        day = date.fromisoformat(edit.verified_on)
        if "verified" in outlet:
            outlet["verified"] = day
        else:
            _insert_after(outlet, "verified", day, ("failed_feeds", "feeds", *_AFTER))


def apply_edits(text: str, edits: Sequence[OutletEdit], *, file: str = "<sources>") -> str:
    """The sources file ``text`` with ``edits`` applied (comments, order and quotes kept).

    Raises :class:`SourcesError` when an edit names an outlet the file does not have, or when
    the result would not validate (it always should; the check keeps a bad write out).
    """
    yaml = _yaml(text)
    data = yaml.load(text)
    outlets = {str(o.get("id")): o for o in (data.get("outlets") or []) if hasattr(o, "get")}
    for edit in edits:
        if edit.outlet_id not in outlets:
            raise SourcesError([Problem(file, None, "outlets", f"no outlet {edit.outlet_id!r}")])
        _edit(outlets[edit.outlet_id], edit)
    out = io.StringIO()
    yaml.dump(data, out)
    written = out.getvalue()
    parse_sources(written, file=file)
    return written


def write_edits(path: str | Path, edits: Sequence[OutletEdit]) -> str:
    """Apply ``edits`` to the file at ``path`` and replace it atomically; returns the new text."""
    load_sources(path)  # the same checks (size, encoding, schema) as every other command
    text = Path(path).read_text(encoding="utf-8")
    written = apply_edits(text, edits, file=str(path))
    if written != text:
        try:
            write_atomic(path, written)
        except OSError as exc:
            raise CompareError(f"cannot write {path}: {exc.strerror or exc}") from None
    return written
