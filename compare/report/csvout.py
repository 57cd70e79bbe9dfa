"""The claim matrix as CSV: one row per claim, one column per expected outlet.

Columns: ``claim_id``, ``claim_key``, ``n_outlets``, ``unique``, ``new``, ``central_sentence``,
then one column per outlet (headed by the outlet id) holding the presence — ``says``, ``omits``
or ``not_read`` with the reason after a colon — followed by ``:<attribution>`` for ``says``
cells and ``:reprint`` for copies (``says:distancing``, ``says:neutral:reprint``,
``not_read:robots_disallowed``).

Spreadsheet safety: a text cell that starts with ``= + - @``, a tab or a carriage return is
prefixed with ``'`` so no spreadsheet evaluates fetched text as a formula (OWASP's advice for
CSV injection). :func:`read_claim_matrix_csv` strips that prefix again.
"""

from __future__ import annotations

import csv
import io

from compare.view.model import PRESENCE_SAYS, ClaimCell, EventView

__all__ = ["FIXED_COLUMNS", "cell_code", "read_claim_matrix_csv", "render_claim_matrix_csv"]

FIXED_COLUMNS = ("claim_id", "claim_key", "n_outlets", "unique", "new", "central_sentence")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_code(cell: ClaimCell) -> str:
    """The CSV code of one matrix cell (see the module docstring)."""
    parts = [cell.presence]
    if cell.presence == PRESENCE_SAYS:
        if cell.attribution:
            parts.append(cell.attribution)
        if cell.reprint:
            parts.append("reprint")
    elif cell.reason:
        parts.append(cell.reason)
    return ":".join(parts)


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_claim_matrix_csv(report: EventView) -> str:
    """The claim matrix of ``report`` as CSV text (RFC 4180 quoting, ``\\r\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*FIXED_COLUMNS, *(_guard(o.id) for o in report.outlets)])
    for claim in report.claims:
        writer.writerow(
            [
                claim.id,
                _guard(claim.key),
                claim.n_outlets,
                int(claim.is_unique),
                int(claim.is_new),
                _guard(claim.central_sentence),
                *(cell_code(cell) for cell in claim.cells),
            ]
        )
    return out.getvalue()


def read_claim_matrix_csv(text: str) -> list[dict[str, str]]:
    """Parse :func:`render_claim_matrix_csv` output back into one dict per claim."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [_unguard(h) for h in rows[0]]
    return [{k: _unguard(v) for k, v in zip(header, row, strict=True)} for row in rows[1:]]


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START and text[1:2] else text
