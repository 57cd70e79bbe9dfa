"""The event view (layer L5): one picture of an event, built in one place, shown everywhere.

:func:`build_event_view` reads the store into an :class:`EventView`: its outlets (covers /
omits / not read, and why), its claims with one cell per outlet, the label ledger, numbers,
voices, reprints and what changed since the last run. The reports, the web service and the topic
query all render it; :mod:`compare.view.presence` is the one rule for presence.
:func:`build_index` gives a run's index of events.
"""

from __future__ import annotations

from compare.store import Store
from compare.view.build import PresenceContext, build_event_view, load_event_framing
from compare.view.index import build_index, framing_digest
from compare.view.model import (
    PRESENCE_NOT_READ,
    PRESENCE_OMITS,
    PRESENCE_SAYS,
    SCHEMA_VERSION,
    ClaimCell,
    ClaimRow,
    EventView,
    OutletStatus,
    RunIndex,
)

__all__ = [
    "PRESENCE_NOT_READ",
    "PRESENCE_OMITS",
    "PRESENCE_SAYS",
    "SCHEMA_VERSION",
    "ClaimCell",
    "ClaimRow",
    "EventView",
    "OutletStatus",
    "PresenceContext",
    "RunIndex",
    "build_event_view",
    "build_index",
    "framing_digest",
    "latest_event_id",
    "load_event_framing",
]


def latest_event_id(store: Store) -> int | None:
    """The active event touched most recently (by run, then by publication); ``None`` if none."""
    found = store.event_summaries(order="touched", limit=1)
    return found[0].event.id if found else None
