"""Runs (what each run was asked, how long each stage took, what failed) and stage bookkeeping."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from compare.store.db import last_pk, pid_alive, to_json, utcnow
from compare.store.records import RunRecord

__all__ = ["RunsMixin"]


def _loads(value: Any, default: Any) -> Any:
    try:
        out = json.loads(value) if value else default
    except (TypeError, ValueError):
        return default
    return out if isinstance(out, type(default)) else default


def _run(row: Mapping[str, Any]) -> RunRecord:
    timings = _loads(row.get("timings"), {})
    return RunRecord(
        id=int(row["id"]),
        command=str(row["command"]),
        started_at=str(row["started_at"]),
        finished_at=row.get("finished_at"),
        status=str(row["status"]),
        parameters=_loads(row.get("parameters"), {}),
        timings={str(k): float(v) for k, v in timings.items() if isinstance(v, int | float)},
        counts=_loads(row.get("counts"), {}),
        failures=tuple(_loads(row.get("failures"), [])),
        pid=row.get("pid"),
    )


#: The advisory-lock namespace of live runs on PostgreSQL.
_LIVE_RUNS = 0x6E66


class RunsMixin:
    _db: Database

    def start_run(self, command: str, parameters: Mapping[str, Any]) -> int:
        with self._db.atomic():
            table = self._db.table("runs").insert(
                {
                    "command": command,
                    "started_at": utcnow(),
                    "status": "running",
                    "parameters": to_json(dict(parameters)),
                    "pid": os.getpid(),
                }
            )
        run_id = last_pk(table)
        if getattr(self._db, "dialect", "sqlite") == "postgresql":
            # held by this session while the run lives: how other workers tell a live run
            self._db.execute("SELECT pg_advisory_lock(?, ?)", [_LIVE_RUNS, run_id])
        return run_id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        timings: Mapping[str, float] | None = None,
        counts: Mapping[str, Any] | None = None,
        failures: Sequence[Any] = (),
    ) -> None:
        with self._db.atomic():
            self._db.table("runs").update(
                run_id,
                {
                    "finished_at": utcnow(),
                    "status": status,
                    "timings": to_json(dict(timings or {})),
                    "counts": to_json(dict(counts or {})),
                    "failures": to_json(list(failures)),
                },
            )

    def mark_interrupted_runs(self, *, only_gone: bool = False) -> int:
        """Runs left 'running' by a killed process become 'interrupted'; returns how many.

        ``only_gone``: other workers may be running, so only the runs whose process is gone
        (its pid on SQLite, whose file lives on one host; its session's lock on PostgreSQL).
        """
        if not only_gone:
            with self._db.atomic():
                cursor = self._db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            return int(cursor.rowcount or 0)
        running = self._db.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall()
        gone = [int(run_id) for run_id, pid in running if not self._run_alive(int(run_id), pid)]
        with self._db.atomic():
            for run_id in gone:
                self._db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", [run_id])
        return len(gone)

    def _run_alive(self, run_id: int, pid: int | None) -> bool:
        if getattr(self._db, "dialect", "sqlite") == "postgresql":
            lock = self._db.execute("SELECT pg_try_advisory_lock(?, ?)", [_LIVE_RUNS, run_id])
            got = bool(lock.fetchone()[0])
            if got:
                self._db.execute("SELECT pg_advisory_unlock(?, ?)", [_LIVE_RUNS, run_id])
            return not got
        return pid is not None and pid_alive(int(pid))

    def runs(self, *, limit: int = 50, offset: int = 0) -> list[RunRecord]:
        """Runs, newest first."""
        rows = self._db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset])
        return [_run(r) for r in rows]

    def count_runs(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def run(self, run_id: int) -> RunRecord | None:
        """The run with this id, or ``None``."""
        rows = list(self._db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return _run(rows[0]) if rows else None

    def last_run(self, *, command: str | None = None, finished: bool = True) -> RunRecord | None:
        """The latest run (of ``command``; only finished ones unless ``finished=False``)."""
        sql = "SELECT * FROM runs WHERE 1=1"
        params: list[Any] = []
        if command:
            sql += " AND command = ?"
            params.append(command)
        if finished:
            sql += " AND finished_at IS NOT NULL"
        rows = list(self._db.query(sql + " ORDER BY id DESC LIMIT 1", params))
        return _run(rows[0]) if rows else None

    def current_run(self) -> RunRecord | None:
        """The run a report is about: the latest finished run, else the latest run, else ``None``."""
        return self.last_run() or self.last_run(finished=False)

    def previous_run(self, before: int) -> RunRecord | None:
        """The latest finished run older than run ``before`` (what "since the last run" means)."""
        rows = list(
            self._db.query(
                "SELECT * FROM runs WHERE finished_at IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1",
                [before],
            )
        )
        return _run(rows[0]) if rows else None

    def runs_started_since(self, cutoff: str) -> list[int]:
        """Ids of the runs that started at or after ``cutoff`` (ISO time)."""
        return [int(r[0]) for r in self._db.execute("SELECT id FROM runs WHERE started_at >= ?", [cutoff])]

    # -- stage bookkeeping: what was done for which input, with which parameters ---------------

    def stage_done(self, stage: str, key: str, *, input_hash: str, params_hash: str) -> bool:
        row = self._db.execute(
            "SELECT input_hash, params_hash FROM stage_state WHERE stage = ? AND key = ?", [stage, key]
        ).fetchone()
        return bool(row) and row[0] == input_hash and row[1] == params_hash

    def mark_stage_done(self, stage: str, key: str, *, input_hash: str, params_hash: str) -> None:
        with self._db.atomic():
            self._db.table("stage_state").insert(
                {
                    "stage": stage,
                    "key": key,
                    "input_hash": input_hash,
                    "params_hash": params_hash,
                    "done_at": utcnow(),
                },
                pk=("stage", "key"),
                replace=True,
            )
