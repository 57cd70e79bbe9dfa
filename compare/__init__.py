"""newscompare: see how different outlets tell the same story.

The import package is ``compare``; the distribution and command are ``newscompare``.
Nothing heavy is imported here: ``newscompare --help`` must start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "query"]


def __getattr__(name: str) -> Any:
    """``compare.query(...)``: the journalists' query, imported on first use (it pulls numpy)."""
    if name == "query":
        return importlib.import_module("compare.query")
    raise AttributeError(f"module 'compare' has no attribute {name!r}")
