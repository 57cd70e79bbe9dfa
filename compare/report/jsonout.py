"""JSON form of an :class:`EventView` and a :class:`RunIndex` (schema: ``docs/report.schema.json``).

The JSON is the dataclasses as they are (tuples as arrays), with one change for readers:
an outlet's ``fetch_outcomes`` pairs become an object ``{outcome: count}``. Keys are stable
within a ``schema_version``; the schema forbids unknown keys, so a field added to the model
without a schema change fails the test that validates the output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from compare.plain import plain
from compare.view.model import ClaimRow, EventView, RunIndex

__all__ = ["SCHEMA_ID", "index_to_dict", "render_index_json", "render_json", "report_to_dict"]

#: The ``$id`` of the schema the output follows (``docs/report.schema.json``).
SCHEMA_ID = "urn:newscompare:report:2"


def report_to_dict(report: EventView) -> dict[str, Any]:
    """The report as JSON-ready data."""
    data: dict[str, Any] = plain(replace(report, claims=()))
    data["claims"] = _claims(report.claims)
    for outlet in data["outlets"]:
        outlet["fetch_outcomes"] = {str(k): int(v) for k, v in outlet["fetch_outcomes"]}
    data["$schema"] = SCHEMA_ID
    return data


def _claims(rows: Sequence[ClaimRow]) -> list[dict[str, Any]]:
    """The claim rows as data, each distinct cell made data once: the cells of an outlet absent
    from the event are one value, shared by every row (most of a many-outlet report's cells)."""
    done: dict[int, Any] = {}
    out = []
    for row in rows:
        data: dict[str, Any] = plain(replace(row, cells=()))
        data["cells"] = [
            done[id(c)] if id(c) in done else done.setdefault(id(c), plain(c)) for c in row.cells
        ]
        out.append(data)
    return out


def index_to_dict(index: RunIndex) -> dict[str, Any]:
    """The run index as JSON-ready data."""
    data: dict[str, Any] = plain(index)
    data["$schema"] = SCHEMA_ID + "#index"
    return data


def render_json(report: EventView, *, indent: int | None = 2) -> str:
    """The report as a JSON document (UTF-8 text, keys in model order)."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=indent) + "\n"


def render_index_json(index: RunIndex, *, indent: int | None = 2) -> str:
    return json.dumps(index_to_dict(index), ensure_ascii=False, indent=indent) + "\n"
