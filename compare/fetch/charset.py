"""Decoding fetched bytes: byte-order mark, then the HTTP header, then ``<meta>``, then detection.

Servers often declare the wrong charset. A declaration is tried strictly; if the bytes are not
valid in it, the next source of truth is tried, ending with charset_normalizer's detection and,
as a last resort, UTF-8 with replacement characters. Labels that browsers treat as
windows-1252 (``iso-8859-1``, ``ascii``) are decoded as windows-1252, as browsers do.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

__all__ = ["Decoded", "charset_from_content_type", "charset_from_meta", "decode_body"]

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "iso_8859-1": "cp1252", "x-sjis": "shift_jis"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_META_WINDOW = 4096


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the codec used and where the choice came from."""

    text: str
    encoding: str
    source: str  # "bom", "header", "meta", "detected" or "fallback"


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    name = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header, as a Python codec name; ``None`` if absent."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """The charset named by ``<meta charset>`` or ``http-equiv`` in the first 4 KiB; ``None`` if absent."""
    match = _META_CHARSET.search(body[:_META_WINDOW])
    return _codec(match.group(1).decode("ascii", "replace")) if match else None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML or XML body, choosing the charset as browsers do but verifying each guess."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    for source, declared in (
        ("header", charset_from_content_type(content_type)),
        ("meta", charset_from_meta(body)),
    ):
        if declared is None:
            continue
        decoded = _strict(body, declared)
        if decoded is not None:
            return Decoded(decoded, declared, source)
        logger.debug("declared %s charset %s does not decode the body", source, declared)
    if body.isascii():
        return Decoded(body.decode("ascii"), "ascii", "detected")
    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "detected")
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is not None and best.encoding:
        name = _codec(best.encoding) or best.encoding
        text = _strict(body, name)
        if text is not None:
            return Decoded(text, name, "detected")
    return Decoded(body.decode("utf-8", "replace"), "utf-8", "fallback")
