"""One run's lifecycle, written once: the lock, the ``runs`` row, its end, and interruption.

Every command that changes the store (``run``, ``demo``, ``fetch``, ``process``, ``compare``)
does its work inside :func:`run_lifecycle`:

* the database's run lock is held throughout (a second run exits 3);
* runs a killed process left ``running`` are marked ``interrupted`` first (their work resumes,
  since every stage skips what is done);
* a ``runs`` row is started, and always finished: ``ok`` (or the status the work set, such as
  ``partial``) when the block ends, ``interrupted`` on Ctrl-C, ``failed`` on an error — with the
  timings, counts and failures recorded so far.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.store import Store, run_lock

__all__ = ["ActiveRun", "run_lifecycle"]

log = logging.getLogger(__name__)


@dataclass
class ActiveRun:
    """The run in progress: its store and id, and what it will be finished with."""

    store: Store
    run_id: int
    status: str = "ok"
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    failures: list[Any] = field(default_factory=list)

    def record(self, status: str | None = None) -> None:
        """Write the run's row as it stands (a report written next shows this status)."""
        if status is not None:
            self.status = status
        self.store.finish_run(
            self.run_id, status=self.status, timings=self.timings, counts=self.counts, failures=self.failures
        )


@contextmanager
def run_lifecycle(
    db_path: str | Path,
    command: str,
    parameters: Mapping[str, Any],
    *,
    shared: bool = False,
    scope: str | None = None,
) -> Iterator[ActiveRun]:
    """Hold the lock, open the store, start a run; finish it however the block ends.

    A worker of a night shared between processes (``fetch --shard``, ``process``) holds the lock
    ``shared`` (and its ``scope``, such as ``fetch shard 2/3``, exclusively). Other workers may
    be running, so a worker marks ``interrupted`` only the runs whose process is gone.
    """
    with run_lock(db_path, shared=shared, scope=scope), Store(db_path) as store:
        interrupted = store.mark_interrupted_runs(only_gone=shared)
        if interrupted:
            log.warning("%d earlier run(s) were interrupted; resuming their work", interrupted)
        run = ActiveRun(store=store, run_id=store.start_run(command, parameters))
        try:
            yield run
        except BaseException as exc:
            run.record("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
            raise
        run.record()
