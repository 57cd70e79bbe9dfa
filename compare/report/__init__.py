"""Reports (layer L6): one event across outlets, rendered for people and for programs.

The renderers are pure functions of an :class:`~compare.view.EventView` (built by
:func:`compare.view.build_event_view`) — :func:`render_html` (self-contained page), :func:`render_markdown`,
:func:`render_json` (schema in ``docs/report.schema.json``), :func:`render_claim_matrix_csv`.
:func:`render_index_html` / :func:`render_index_markdown` give the
run's index page; :func:`write_report_bundle` writes all of them plus the snapshot texts that
let a reader check every passage. ``docs/reports.md`` explains each section.
"""

from __future__ import annotations

from compare.report.bundle import Bundle, index_files, write_report_bundle
from compare.report.csvout import read_claim_matrix_csv, render_claim_matrix_csv
from compare.report.formats import FORMATS, render_report
from compare.report.html import render_html, render_index_html, render_topic_html
from compare.report.jsonout import render_index_json, render_json, report_to_dict
from compare.report.manifest import PageManifest
from compare.report.markdown import render_index_markdown, render_markdown

__all__ = [
    "FORMATS",
    "Bundle",
    "PageManifest",
    "index_files",
    "read_claim_matrix_csv",
    "render_claim_matrix_csv",
    "render_html",
    "render_index_html",
    "render_index_json",
    "render_index_markdown",
    "render_json",
    "render_markdown",
    "render_report",
    "render_topic_html",
    "report_to_dict",
    "write_report_bundle",
]
