"""JSON form of an :class:`EventView` and a :class:`RunIndex` (schema: ``docs/report.schema.json``).

The JSON is the dataclasses as they are (tuples as arrays), with one change for readers:
an outlet's ``fetch_outcomes`` pairs become an object ``{outcome: count}``. Keys are stable
within a ``schema_version``; the schema forbids unknown keys, so a field added to the model
without a schema change fails the test that validates the output.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from compare.view.model import EventView, RunIndex

__all__ = ["SCHEMA_ID", "index_to_dict", "render_index_json", "render_json", "report_to_dict"]

#: The ``$id`` of the schema the output follows (``docs/report.schema.json``).
SCHEMA_ID = "urn:newscompare:report:2"


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for JSON: the same data (tuples as lists), without its deep copy of
    every leaf, which took a fifth of a quiet night's report writing."""
    kind = type(value)
    if hasattr(kind, "__dataclass_fields__"):  # a dataclass instance (what is_dataclass asks, faster)
        return {name: _plain(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def report_to_dict(report: EventView) -> dict[str, Any]:
    """The report as JSON-ready data."""
    data: dict[str, Any] = _plain(report)
    for outlet in data["outlets"]:
        outlet["fetch_outcomes"] = {str(k): int(v) for k, v in outlet["fetch_outcomes"]}
    data["$schema"] = SCHEMA_ID
    return data


def index_to_dict(index: RunIndex) -> dict[str, Any]:
    """The run index as JSON-ready data."""
    data: dict[str, Any] = _plain(index)
    data["$schema"] = SCHEMA_ID + "#index"
    return data


def render_json(report: EventView, *, indent: int | None = 2) -> str:
    """The report as a JSON document (UTF-8 text, keys in model order)."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=indent) + "\n"


def render_index_json(index: RunIndex, *, indent: int | None = 2) -> str:
    return json.dumps(index_to_dict(index), ensure_ascii=False, indent=indent) + "\n"
