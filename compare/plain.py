"""Records as plain data (layer L0): what ``dataclasses.asdict`` gives, without its cost.

``asdict`` deep-copies every leaf value it meets (each string and number of every nested record),
which made serialising the framing of a re-framed event a quarter of its cost and a fifth of a
quiet night's report writing. The records here are immutable dataclasses holding strings,
numbers, tuples and dicts: their leaves can be shared, so :func:`plain` rebuilds only the
containers. Tuples become lists, as they would in JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["plain"]

_FIELDS: dict[type, tuple[str, ...]] = {}
#: Values returned as they are, looked up before anything else: most values are these.
_LEAVES = frozenset({str, int, float, bool, type(None)})


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def plain(value: Any) -> Any:
    """``value`` with every dataclass instance a dict of its fields, every tuple or list a list and
    every mapping a dict, recursively; other values as they are (not copied)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple or kind is list:
        return [v if type(v) in _LEAVES else plain(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in _LEAVES else plain(v) for k, v in value.items()}
    if hasattr(kind, "__dataclass_fields__"):  # a dataclass instance (what is_dataclass asks, faster)
        return {name: plain(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value
