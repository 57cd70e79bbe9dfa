"""Decoding fetched bytes into text: the one home of the charset rules (fetch and extract use it).

The order, and why:

1. **Byte-order mark.** It is unambiguous.
2. **Valid UTF-8 is UTF-8**, whatever the page declares. Non-ASCII text that decodes as UTF-8
   without a single error is almost never anything else; on the fundus pages, pages declared
   Latin-1 or GB2312 that were really UTF-8 gave mojibake titles when the declaration won.
3. **The declarations**, HTTP header first, then ``<meta charset>`` / ``http-equiv`` in the first
   4 KiB. A declaration that decodes the body strictly wins. Failing that, one that the body satisfies all but
   a few bytes (at most :data:`TOLERATED_SHARE` of them, or sixteen) is kept, and those bytes
   become U+FFFD: one corrupt byte must not send the whole page to a guessed charset that
   garbles every accent. A page in a single-byte charset mislabelled UTF-8 has an invalid byte
   per accented letter, far more than that, and goes on to detection.
4. **Detection** by charset-normalizer, verified by a strict decode.
5. **UTF-8 with replacement characters**, as a last resort.

Labels that browsers read as windows-1252 (``iso-8859-1``, ``ascii``) are read as windows-1252.
This module is the only one that imports charset-normalizer.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from itertools import islice

__all__ = [
    "TOLERATED_SHARE",
    "Decoded",
    "charset_from_content_type",
    "charset_from_meta",
    "decode_body",
]

logger = logging.getLogger(__name__)

#: Share of a body's bytes that may be invalid in its declared charset for the declaration to
#: stand (at least :data:`_TOLERATED_MIN` bytes are always forgiven).
TOLERATED_SHARE = 0.001
_TOLERATED_MIN = 16
_DETECT_WINDOW = 200_000

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
_ESCAPED = re.compile("[\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the codec used and where the choice came from."""

    text: str
    encoding: str
    source: str
    """``bom``, ``header``, ``meta``, ``detected`` or ``fallback``."""
    replaced: int = 0
    """Invalid bytes that became U+FFFD (a run of them becomes one)."""


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


def _nearly(body: bytes, encoding: str, *, undeclared: bool = False) -> tuple[str, int] | None:
    """The body in ``encoding`` with its few invalid bytes replaced, or None when there are more.

    ``undeclared``: nothing says the body is UTF-8, so it must also hold more valid non-ASCII
    characters than invalid bytes (a single-byte page has invalid bytes and no multi-byte text).
    """
    try:
        escaped = body.decode(encoding, "surrogateescape")
    except (LookupError, UnicodeDecodeError):  # some codecs refuse the handler
        return None
    bad = len(_ESCAPED.findall(escaped))
    if bad > max(_TOLERATED_MIN, len(body) * TOLERATED_SHARE):
        return None
    if undeclared and sum(1 for _ in islice(_NON_ASCII.finditer(escaped), bad)) < bad:
        return None
    return _ESCAPED_RUN.sub("\ufffd", escaped), bad


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML or XML body by the rules of the module docstring; never raises."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(encoding, "replace")
            return Decoded(text, encoding, "bom", text.count("\ufffd"))
    declarations = [
        (source, declared)
        for source, declared in (("header", charset_from_content_type(content_type)),
                                 ("meta", charset_from_meta(body)))
        if declared is not None
    ]
    if not body.isascii():
        strict = _strict(body, "utf-8")
        if strict is not None:
            source = next((s for s, d in declarations if d == "utf-8"), "detected")
            return Decoded(strict, "utf-8", source)
    for source, declared in declarations:  # a declaration the body satisfies wholly wins
        strict = _strict(body, declared)
        if strict is not None:
            return Decoded(strict, declared, source)
    for source, declared in declarations:  # then one it satisfies but for a few bytes
        near = _nearly(body, declared)
        if near is not None:
            logger.debug("%d bytes invalid in the declared %s; replaced", near[1], declared)
            return Decoded(near[0], declared, source, near[1])
        logger.debug("declared %s charset %s does not decode the body", source, declared)
    if body.isascii():
        return Decoded(body.decode("ascii"), "ascii", "detected")
    from charset_normalizer import from_bytes

    best = from_bytes(body[:_DETECT_WINDOW]).best()
    if best is not None and best.encoding:
        name = _codec(best.encoding) or best.encoding
        strict = _strict(body, name)
        if strict is not None:
            return Decoded(strict, name, "detected")
        near = _nearly(body, name)  # detected on the first 200 KB; a stray byte later on
        if near is not None:
            return Decoded(near[0], name, "detected", near[1])
    near = _nearly(body, "utf-8", undeclared=True)
    if near is not None:
        return Decoded(near[0], "utf-8", "detected", near[1])
    text = body.decode("utf-8", "replace")
    return Decoded(text, "utf-8", "fallback", text.count("\ufffd"))
