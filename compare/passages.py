"""Split an article into passages: sentences with exact character offsets and a kind.

The splitter is sentencex (maintained, rule-based, ~300 languages, character offsets), chosen
after measuring it beside pysbd, syntok, blingfire and a regex on the shared BASIL and ECB+
sentences and on the team's az/hy/ru texts (docs/evaluation.md, "Sentence splitting"). It keeps
a quotation of several sentences together with its attribution (``"We are ready. It goes to
plan," he said.`` is one passage), which is what the framing stage wants to see, and it knows
the Armenian full stop ``։``. Three repairs are made on top of it:

- a segment that starts with a lower-case letter is joined to the one before (``т. е. всё``,
  ``approx. three``): sentences do not start in lower case;
- a new quotation that opens after a finished, unquoted sentence (``he said. "Then``) starts
  a new passage; sentencex would keep it with the sentence before;
- a segment that ends in a title or month abbreviation (``Gen.``, ``Mr.``, ``Jan.``, ``г.``) is
  joined to the next one.

Offsets: the text must already be normalised (``compare.extract.normalise_text``: NFC, no
zero-width characters); for every body passage ``text[start:end] == passage.text``. The title
passage, when a title is given, has index 0, ``paragraph == -1``, ``kind == "title"`` and
offsets into the *title* string. Paragraphs are the blocks between blank lines, counted from 0.

Kinds: ``title``; ``byline`` (a one-line "By ..." paragraph); ``heading`` (a short one-line
paragraph without closing punctuation);
``list`` (a paragraph starting with a bullet or a number); ``lead`` (the first three body
sentences); ``quote`` (a sentence that opens with a quotation mark or a dialogue dash, or is
mostly quoted); ``body`` otherwise. ``caption`` is not recognisable from plain text. Headings
and bylines (:data:`NOT_CLAIM_KINDS`) are kept with their offsets but never aligned into claims.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from compare.models import Passage

__all__ = ["MAX_PASSAGE_CHARS", "NOT_CLAIM_KINDS", "split_passages", "split_sentences"]

logger = logging.getLogger(__name__)

#: Kinds of passage that state nothing (a subheading, a byline): never aligned into claims.
NOT_CLAIM_KINDS = frozenset({"heading", "byline"})

#: A "sentence" longer than this (a run-on list, a table flattened to text) is cut at spaces.
MAX_PASSAGE_CHARS = 1500
LEAD_SENTENCES = 3

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*")
_CLOSING = ".!?…։;:»”\"'’)]"
_OPEN_QUOTES = "\"“„«‹‚'‘「『"
_QUOTE_PAIRS = (("“", "”"), ("„", "“"), ("«", "»"), ("‹", "›"), ('"', '"'), ("「", "」"))
_BYLINE = re.compile(r"^(?:By|From|Reporting by|Written by)\s+[A-Z][^\n]{0,100}$")
_LIST_ITEM = re.compile(r"^\s*(?:[-•*–·▪●]\s+|\d{1,3}[.)]\s+|[a-z][.)]\s+)")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen col lt sgt capt cpt maj adm gov sen rep rev st mt ft pres amb
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vol fig approx est dept corp inc
    ltd co jr sr vs
    ул им проф акад ген св тыс млн млрд руб""".split()  # noqa: SIM905 (one word list, easier to read)
)
_LAST_WORD = re.compile(r"([^\W\d_]+)\.\s*$")
_STARTS_LOWER = re.compile(r"^[\s\"“„«‹'‘(\[—–-]*[^\W\d_]")


def _segments(language: str, paragraph: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in one paragraph, trailing space excluded."""
    import sentencex

    spans: list[tuple[int, int]] = []
    try:
        boundaries = sentencex.get_sentence_boundaries(language, paragraph)
    except Exception as exc:  # an unknown language code or a library bug: one sentence
        logger.debug("sentencex failed (%s); paragraph kept whole", exc)
        boundaries = [{"start_index": 0, "end_index": len(paragraph)}]
    for boundary in boundaries:
        start, end = int(boundary["start_index"]), int(boundary["end_index"])
        while start < end and paragraph[start].isspace():
            start += 1
        while end > start and paragraph[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    if not spans and paragraph.strip():
        stripped = paragraph.strip()
        first = paragraph.index(stripped)
        spans = [(first, first + len(stripped))]
    return _repair(paragraph, spans)


def _repair(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join segments split after an abbreviation or before a lower-case continuation."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged:
            prev_start, prev_end = merged[-1]
            before = paragraph[prev_start:prev_end]
            word = _LAST_WORD.search(before)
            starts_lower = (
                _STARTS_LOWER.match(paragraph[start:end])
                and paragraph[start:end].lstrip("\"“„«‹'‘([—–- ")[:1].islower()
            )
            abbreviation = word is not None and (
                word.group(1).lower() in _ABBREVIATIONS
                or (len(word.group(1)) == 1 and word.group(1).isupper())
            )
            if starts_lower or abbreviation:
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    split = [piece for span in merged for piece in _split_before_quotes(paragraph, span)]
    return [piece for span in split for piece in _cap(paragraph, span)]


_NEXT_QUOTE = re.compile(r"[.!?…։](?:\s+)(?=[\"“„«‹][^\W\d_])")


def _split_before_quotes(paragraph: str, span: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """Split ``he said. "Next quote`` where the full stop stands outside any quotation.

    sentencex keeps a new quotation with the sentence before it; a quote that opens after a
    finished, unquoted sentence starts a new passage.
    """
    start, end = span
    piece_start = start
    depth = 0
    position = start
    for match in _NEXT_QUOTE.finditer(paragraph, start, end):
        for char in paragraph[position : match.start()]:
            if char in "“«„‹":
                depth += 1
            elif char in "”»›" and depth > 0:
                depth -= 1
            elif char == '"':
                depth = 0 if depth else 1
        position = match.start()
        if depth == 0:
            yield piece_start, match.start() + 1
            piece_start = match.end()
    yield piece_start, end


def _cap(paragraph: str, span: tuple[int, int]) -> Iterator[tuple[int, int]]:
    """Cut an over-long span at the last space before :data:`MAX_PASSAGE_CHARS`."""
    start, end = span
    while end - start > MAX_PASSAGE_CHARS:
        cut = paragraph.rfind(" ", start + MAX_PASSAGE_CHARS // 2, start + MAX_PASSAGE_CHARS)
        if cut <= start:
            cut = start + MAX_PASSAGE_CHARS
        yield start, cut
        start = cut
        while start < end and paragraph[start].isspace():
            start += 1
    if end > start:
        yield start, end


def split_sentences(text: str, *, language: str | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph)`` for every sentence of ``text``; offsets index ``text``.

    Sentences never cross a line break; paragraphs are counted by blank lines.
    """
    out: list[tuple[int, int, int]] = []
    for number, match in enumerate(_PARAGRAPH.finditer(text)):
        offset = match.start()
        for line in match.group(0).split("\n"):
            if line.strip():
                for start, end in _segments(language or "en", line):
                    out.append((offset + start, offset + end, number))
            offset += len(line) + 1
    return out


def _is_quote(sentence: str) -> bool:
    stripped = sentence.lstrip()
    if stripped[:1] in _OPEN_QUOTES or stripped.startswith(("— ", "– ")):
        return True
    quoted = 0
    for opening, closing in _QUOTE_PAIRS:
        pattern = re.escape(opening) + r"[^" + re.escape(closing) + r"]{3,}" + re.escape(closing)
        quoted += sum(len(m) for m in re.findall(pattern, sentence))
    return quoted > 0.5 * len(sentence)


def _paragraph_kind(block: str) -> str | None:
    if _LIST_ITEM.match(block):
        return "list"
    line = block.strip()
    if "\n" not in line and _BYLINE.match(line) and len(line.split()) <= 12:
        return "byline"
    if "\n" not in line and len(line) <= 120 and line[-1:] not in _CLOSING:
        return "heading"
    return None


def split_passages(
    article_id: str,
    text: str,
    *,
    title: str | None = None,
    language: str | None = None,
) -> list[Passage]:
    """The passages of one article, in reading order, with exact offsets and kinds.

    ``text`` is the stored, normalised article text; ``language`` (ISO 639-1) picks the
    splitter's language rules and defaults to English rules, which work for most scripts.
    """
    passages: list[Passage] = []
    if title and title.strip():
        stripped = title.strip()
        start = title.index(stripped)
        passages.append(
            Passage(article_id, 0, start, start + len(stripped), stripped, paragraph=-1, kind="title")
        )
    paragraph_kinds: dict[int, str | None] = {}
    for number, match in enumerate(_PARAGRAPH.finditer(text)):
        paragraph_kinds[number] = _paragraph_kind(match.group(0))
    lead_left = LEAD_SENTENCES
    for start, end, paragraph in split_sentences(text, language=language):
        sentence = text[start:end]
        kind = paragraph_kinds.get(paragraph) or "body"
        if kind == "body":
            if lead_left > 0:
                kind = "lead"
                lead_left -= 1
            elif _is_quote(sentence):
                kind = "quote"
        passages.append(
            Passage(article_id, len(passages), start, end, sentence, paragraph=paragraph, kind=kind)
        )
    return passages
