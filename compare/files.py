"""Writing files so that a reader never sees half of one and a failed write leaves nothing behind.

:func:`write_atomic` writes to a temporary file in the target's folder and renames it over the
target; when anything fails on the way (a full disk, a folder that went read-only), the
temporary file is removed before the error goes on. Reports, topic pages and caches all write
through it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text is encoded, newlines kept as given) to ``path``; returns the path.

    Raises the :class:`OSError` of the failed step; the target then still holds its previous
    content (or does not exist) and no temporary file remains.
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as handle:  # created with the usual permissions (umask)
            handle.write(payload)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target
