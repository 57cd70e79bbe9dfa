"""Events, claims and framing rows: what the analysis stages concluded."""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["AnalysisMixin"]


class AnalysisMixin:
    db: Database
