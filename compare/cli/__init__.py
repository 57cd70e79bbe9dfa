"""The ``newscompare`` command line: a thin click shell over the pipeline, the reports and the store.

Commands live in modules by topic and register themselves on the group in :mod:`.base`:
``sources_cmd`` (sources validate), ``pipeline_cmds`` (fetch, process, run, demo),
``report_cmds`` (report, compare), ``eval_cmd`` (eval …), ``search_cmds`` (query, serve).
Heavy modules are imported inside the commands, so ``newscompare --help`` starts fast.
"""

from __future__ import annotations

from compare.cli import eval_cmd, pipeline_cmds, report_cmds, search_cmds, sources_cmd
from compare.cli.base import cli, main

__all__ = ["cli", "main"]

_COMMAND_MODULES = (eval_cmd, pipeline_cmds, report_cmds, search_cmds, sources_cmd)
