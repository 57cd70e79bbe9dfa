"""Lexicons: alias sets (the names of one concept) and loaded terms, and matching them in text.

The lexicons ship inside the package, in ``compare/lexicons/*.yaml``:

* a file with ``concepts:`` holds alias sets for one topic (``karabakh.yaml``): each concept lists
  the names different outlets use for it (Stepanakert | Khankendi);
* a file with ``terms:`` holds loaded terms, ``term: note`` (``loaded.yaml``, curated; its
  ``exact:`` list names terms matched only as written, never through another form; ``exact:
  true`` makes every term exact) or
  ``term: {count, marked_rate, biased_share}`` (``babe.yaml``, derived from the BABE corpus by
  ``scripts/build_loaded_lexicon.py`` with :func:`derive_loaded_terms`).

Matching is whole-word and case-insensitive, longest term first, so "Lachin corridor" wins over
"Lachin". Every match is returned with its offsets so a reader can check it.

Names in languages that inflect them (Russian Степанакерте, Azerbaijani Xankəndidə, Armenian
Ստեփանակերտում) are listed with a ``*`` ending the words that take endings: ``Степанакерт*``
matches every word beginning so, and ``{name: Лачинский коридор, match: [Лачинск* коридор*]}``
shows the matches under the name given. The ledger then counts each name once, however it is
inflected.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from compare.errors import ConfigError
from compare.framing.records import Cue, LabelTerm, LoadedTerm
from compare.framing.text import words
from compare.wordlists import MORE_FUNCTION_WORDS

__all__ = [
    "AliasSet",
    "Lexicon",
    "LoadedEntry",
    "derive_loaded_terms",
    "find_evaluative_adverbs",
    "find_labels",
    "find_loaded",
    "load_lexicons",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Function words never kept as loaded terms, whatever annotators marked.
STOPWORDS = MORE_FUNCTION_WORDS


@dataclass(frozen=True)
class AliasSet:
    """The names one concept goes by (e.g. ``capital``: Stepanakert, Khankendi)."""

    concept: str
    terms: tuple[str, ...]
    topic: str | None = None
    description: str | None = None
    #: ``(pattern, name)``: word sequences whose ``*``-ended words match as prefixes, and the name
    #: a match is shown under.
    patterns: tuple[tuple[str, str], ...] = ()


#: A ``*`` pattern of an alias set: its words, the name its matches are shown under, its set.
_Pattern = tuple[tuple[str, ...], str, AliasSet]


@dataclass(frozen=True)
class LoadedEntry:
    """One loaded term: where it comes from, how strongly it signals bias, and why."""

    term: str
    source: str
    weight: float = 1.0
    note: str | None = None
    #: Matched only as written, never through another form ("illegals" is not "illegal").
    exact: bool = False


@dataclass(frozen=True)
class Lexicon:
    """Alias sets and loaded terms, indexed once for matching."""

    aliases: tuple[AliasSet, ...] = ()
    loaded: tuple[LoadedEntry, ...] = ()
    sources: tuple[str, ...] = ()
    _alias_of: dict[str, AliasSet] = field(default_factory=dict, init=False, repr=False, compare=False)
    _loaded_of: dict[str, LoadedEntry] = field(default_factory=dict, init=False, repr=False, compare=False)
    _loaded_stems: dict[str, LoadedEntry] = field(default_factory=dict, init=False, repr=False, compare=False)
    _prefix_index: dict[str, tuple[tuple[int, _Pattern], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _alias_words: int = field(default=0, init=False, repr=False, compare=False)
    _loaded_words: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        alias_of: dict[str, AliasSet] = {}
        for alias_set in self.aliases:
            for term in alias_set.terms:
                alias_of.setdefault(_key(term), alias_set)
        loaded_of: dict[str, LoadedEntry] = {}
        for entry in self.loaded:
            loaded_of.setdefault(_key(entry.term), entry)
        object.__setattr__(self, "_alias_of", alias_of)
        object.__setattr__(self, "_loaded_of", loaded_of)
        stems: dict[str, LoadedEntry] = {}
        for key, entry in loaded_of.items():
            if " " not in key and not entry.exact:
                stems.setdefault(_stem(key), entry)
        object.__setattr__(self, "_loaded_stems", stems)
        prefixes = tuple(
            (tuple(_key(w) for w in pattern.split()), name, alias_set)
            for alias_set in self.aliases
            for pattern, name in alias_set.patterns
        )
        object.__setattr__(self, "_prefix_index", _index_patterns(prefixes))
        object.__setattr__(self, "_alias_words", _max_words(alias_of))
        object.__setattr__(self, "_loaded_words", _max_words(loaded_of))

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon plus ``other`` (entries of this one win on equal terms)."""
        return Lexicon(self.aliases + other.aliases, self.loaded + other.loaded, self.sources + other.sources)

    def only_loaded(self, *, sources: Iterable[str] | None = None, min_weight: float = 0.0) -> Lexicon:
        """A copy keeping the loaded terms from ``sources`` (all when None) of enough weight."""
        keep = None if sources is None else set(sources)
        return Lexicon(
            self.aliases,
            tuple(e for e in self.loaded if (keep is None or e.source in keep) and e.weight >= min_weight),
            self.sources,
        )

    def alias_set(self, term: str) -> AliasSet | None:
        """The alias set a term belongs to, or ``None`` when it is in none."""
        return self._alias_of.get(_key(term))


def _key(term: str) -> str:
    return re.sub(r"[\s\-–]+", " ", term.strip().lower())


_STEM = re.compile(r"(?:ing|ed|es|s|ly|d)$")


def _stem(word: str) -> str:
    """A crude stem (slammed, slams, slamming → slamm/slam): enough to join a word's forms."""
    stem = _STEM.sub("", word)
    return stem if len(stem) > 3 else word


_JOINER = re.compile(r"^[\s\-–]+$")


def _max_words(table: Mapping[str, object]) -> int:
    """The most words of any key of ``table`` (hyphens count as spaces)."""
    return max((k.count(" ") + 1 for k in table), default=0)


def _word_keys(text: str) -> tuple[list[Any], list[str], list[bool]]:
    """The words of ``text``, their lookup keys, and whether each word and the next are joined
    by white space or a hyphen only (so they can be read as one term)."""
    ws = words(text)
    keys = [_key(w.text) for w in ws]
    joined = [bool(_JOINER.match(text[a.end : b.start])) for a, b in itertools.pairwise(ws)]
    return ws, keys, joined


def _matches(
    text: str, table: Mapping[str, T], *, max_n: int, stems: Mapping[str, T] | None = None
) -> Iterator[tuple[int, int, T]]:
    """Longest-first, non-overlapping matches of ``table``'s keys among the words of ``text``.

    Keys are word sequences (hyphens count as spaces) of at most ``max_n`` words; a single word
    also matches another form of a listed word through ``stems`` (see :func:`_stem`). A
    dictionary lookup per word n-gram: no large regular expression to compile, so loading stays
    fast.
    """
    if not table:
        return
    ws, keys, joined = _word_keys(text)
    i = 0
    while i < len(ws):
        hit = None
        for n in range(min(max_n, len(ws) - i), 0, -1):
            if not all(joined[i : i + n - 1]):
                continue
            key = " ".join(keys[i : i + n])
            value = table.get(key)
            if value is None and stems is not None and n == 1:
                value = stems.get(_stem(key))
            if value is not None:
                hit = (ws[i].start, ws[i + n - 1].end, value, n)
                break
        if hit is None:
            i += 1
            continue
        yield hit[0], hit[1], hit[2]
        i += hit[3]


#: The ``*`` patterns are indexed by the first characters their first word must begin with.
_HEAD = 3



def _index_patterns(patterns: Sequence[_Pattern]) -> dict[str, tuple[tuple[int, _Pattern], ...]]:
    """The patterns (with their order) by the first characters of their first word (at most
    :data:`_HEAD`): a word can only start a match of the patterns under its own first characters."""
    index: dict[str, list[tuple[int, _Pattern]]] = {}
    for order, pattern in enumerate(patterns):
        first = pattern[0][0]
        head = first[:-1] if first.endswith("*") else first
        index.setdefault(head[:_HEAD], []).append((order, pattern))
    return {k: tuple(v) for k, v in index.items()}


def _prefix_matches(
    text: str, index: Mapping[str, Sequence[tuple[int, _Pattern]]]
) -> Iterator[tuple[int, int, str, AliasSet]]:
    """Every match of the ``*`` patterns among the words of ``text`` (overlaps included), by
    position, then in the patterns' order."""
    if not index:
        return
    ws, keys, joined = _word_keys(text)
    for i, word in enumerate(keys):
        candidates = [c for n in range(min(_HEAD, len(word)) + 1) for c in index.get(word[:n], ())]
        if len(candidates) > 1:
            candidates.sort(key=lambda c: c[0])
        for _, (pattern, name, alias_set) in candidates:
            n = len(pattern)
            if i + n > len(ws) or not all(joined[i : i + n - 1]):
                continue
            if all(
                keys[i + k].startswith(part[:-1]) if part.endswith("*") else keys[i + k] == part
                for k, part in enumerate(pattern)
            ):
                yield ws[i].start, ws[i + n - 1].end, name, alias_set


def find_labels(text: str, lexicon: Lexicon) -> tuple[LabelTerm, ...]:
    """Names from the alias sets that ``text`` uses, with the concept each belongs to."""
    found = []
    for start, end, alias_set in _matches(text, lexicon._alias_of, max_n=lexicon._alias_words):
        matched = text[start:end]
        canonical = next((t for t in alias_set.terms if _key(t) == _key(matched)), matched)
        cue = Cue(start, end, matched, "label")
        found.append(LabelTerm(alias_set.concept, canonical, cue, alias_set.topic))
    prefixed = sorted(_prefix_matches(text, lexicon._prefix_index), key=lambda m: (m[0] - m[1], m[0]))
    for start, end, name, alias_set in prefixed:
        # Longest first; a whole-word match of the same words or more wins over a pattern's.
        if any(t.cue.start < end and start < t.cue.end for t in found):
            continue
        found.append(
            LabelTerm(alias_set.concept, name, Cue(start, end, text[start:end], "label"), alias_set.topic)
        )
    found.sort(key=lambda t: t.cue.start)
    return tuple(found)


def find_loaded(text: str, lexicon: Lexicon, *, adverbs: bool = True) -> tuple[LoadedTerm, ...]:
    """Loaded terms from the lexicons that ``text`` uses, in order.

    With ``adverbs``, evaluative -ly adverbs that no lexicon lists are added
    (:func:`find_evaluative_adverbs`).
    """
    found = []
    matches = _matches(text, lexicon._loaded_of, max_n=lexicon._loaded_words, stems=lexicon._loaded_stems)
    for start, end, entry in matches:
        cue = Cue(start, end, text[start:end], "loaded")
        found.append(LoadedTerm(entry.term, cue, entry.source, entry.weight, entry.note))
    if adverbs:
        taken = [(t.cue.start, t.cue.end) for t in found]
        found += [
            t
            for t in find_evaluative_adverbs(text)
            if not any(a < t.cue.end and t.cue.start < b for a, b in taken)
        ]
        found.sort(key=lambda t: t.cue.start)
    return tuple(found)


#: -ly words that report rather than judge (time, frequency, manner of procedure, hedges).
_PLAIN_LY = frozenset(
    [
        "only",
        "early",
        "likely",
        "family",
        "nearly",
        "reportedly",
        "allegedly",
        "daily",
        "weekly",
        "monthly",
        "yearly",
        "recently",
        "currently",
        "finally",
        "previously",
        "largely",
        "mostly",
        "particularly",
        "especially",
        "simply",
        "directly",
        "fully",
        "initially",
        "officially",
        "publicly",
        "formerly",
        "roughly",
        "approximately",
        "partly",
        "certainly",
        "really",
        "actually",
        "usually",
        "generally",
        "eventually",
        "immediately",
        "already",
        "probably",
        "possibly",
        "respectively",
        "jointly",
        "separately",
        "quickly",
        "slowly",
        "newly",
        "widely",
        "closely",
        "highly",
        "italy",
        "july",
        "rally",
        "ally",
        "apply",
        "supply",
        "reply",
        "assembly",
        "belly",
        "holly",
        "bully",
        "anomaly",
        "fly",
        "ugly",
        "sally",
        "kelly",
        "emily",
        "lily",
        "billy",
        "hardly",
        "merely",
        "exactly",
        "entirely",
        "completely",
        "clearly",
        "briefly",
        "privately",
        "personally",
        "specifically",
        "originally",
        "successfully",
        "effectively",
        "increasingly",
        "relatively",
        "similarly",
        "equally",
        "additionally",
        "accordingly",
        "subsequently",
        "presumably",
        "apparently",
        "unanimously",
        "legally",
        "politically",
        "financially",
        "federally",
        "locally",
        "nationally",
        "internationally",
        "historically",
        "traditionally",
        "typically",
        "normally",
        "reportedly",
        "supposedly",
        "purportedly",
        "seemingly",
        "correctly",
        "properly",
        "formally",
        "informally",
        "temporarily",
        "permanently",
        "repeatedly",
        "frequently",
        "occasionally",
        "rarely",
        "annually",
        "quarterly",
        "hourly",
        "nightly",
        "internally",
        "externally",
        "only-",
    ]
)


def find_evaluative_adverbs(text: str) -> tuple[LoadedTerm, ...]:
    """Manner adverbs in -ly that carry the writer's judgement ("brazenly", "soundly").

    A heuristic beside the lexicons: every -ly word of six letters or more that is not on a list
    of adverbs that merely report (time, frequency, procedure, hedges). Source ``adverb``,
    weight 0.5, so a caller can leave them out with ``min_weight``.
    """
    found = []
    for w in words(text):
        low = w.lower
        if len(low) > 5 and low.endswith("ly") and low not in _PLAIN_LY and "-" not in low:
            cue = Cue(w.start, w.end, w.text, "loaded")
            found.append(LoadedTerm(low, cue, "adverb", 0.5, "evaluative -ly adverb"))
    return tuple(found)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _bundled() -> list[Path]:
    """The shipped lexicons, then every ``*.yaml`` in the folders of ``$NEWSCOMPARE_LEXICONS``.

    Only team-written lexicons ship with the package. A lexicon derived from a corpus with its
    own licence (e.g. BABE, AGPL-3.0: ``scripts/build_loaded_lexicon.py``) is built by the user
    into a folder of their own and named in ``NEWSCOMPARE_LEXICONS`` (``:``-separated).
    """
    folder = resources.files("compare") / "lexicons"
    paths = sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml"))
    for extra in filter(None, os.environ.get("NEWSCOMPARE_LEXICONS", "").split(os.pathsep)):
        paths += sorted(Path(extra).glob("*.yaml"))
    return paths


def load_lexicons(paths: Sequence[str | Path] | None = None) -> Lexicon:
    """Read lexicon files (default: every file shipped in ``compare/lexicons/``) into one.

    The shipped set is read and compiled once per process; named files are read every time.
    """
    if paths is None:
        return _load_bundled(tuple(_bundled()))
    return _load(list(paths))


@functools.lru_cache(maxsize=4)
def _load_bundled(paths: tuple[Path, ...]) -> Lexicon:
    return _load(paths)


def _load(paths: Sequence[str | Path]) -> Lexicon:
    import yaml

    # The C loader is 6x faster on the 1,900-line BABE list; both are safe loaders.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    lexicon = Lexicon()
    for path in [Path(p) for p in paths]:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read lexicon: {exc}", source=str(path)) from exc
        lexicon = lexicon.merged(_parse(data, source=path.stem, path=str(path)))
    log.debug("lexicons: %d alias sets, %d loaded terms", len(lexicon.aliases), len(lexicon.loaded))
    return lexicon


def _terms(
    items: list[Any], *, concept: str, path: str
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A concept's names, and its ``*`` patterns with the name each shows (module docstring)."""
    names: list[str] = []
    patterns: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            if not isinstance(item.get("name"), str):
                raise ConfigError(f"concept {concept!r}: a term given as a mapping needs a name", source=path)
            name = item["name"]
            match = item.get("match") or []
            patterns += [(str(p), name) for p in ([match] if isinstance(match, str) else match)]
        else:
            name = str(item)
            if "*" in name:
                patterns.append((name, name.replace("*", "")))
                name = name.replace("*", "")
        if name not in names:
            names.append(name)
    return tuple(names), tuple(patterns)


def _parse(data: Any, *, source: str, path: str) -> Lexicon:
    if not isinstance(data, dict):
        raise ConfigError("a lexicon file is a mapping with 'concepts' or 'terms'", source=path)
    topic = data.get("topic")
    aliases = []
    for concept, spec in (data.get("concepts") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("terms"), list):
            raise ConfigError(f"concept {concept!r} needs a list of terms", source=path)
        terms, patterns = _terms(spec["terms"], concept=str(concept), path=path)
        aliases.append(AliasSet(str(concept), terms, topic, spec.get("description"), patterns))
    loaded = []
    every_exact = data.get("exact") is True  # a scored vocabulary lists every form it means
    exact = set() if every_exact else {str(t).lower() for t in data.get("exact") or ()}
    for term, spec in (data.get("terms") or {}).items():
        if isinstance(spec, dict):
            weight = float(spec.get("marked_rate") or spec.get("weight") or 1.0)
            note = spec.get("note") or (
                f"marked biased in {spec.get('count', '?')} BABE sentences" if "count" in spec else None
            )
            loaded.append(
                LoadedEntry(str(term), source, weight, note, every_exact or str(term).lower() in exact)
            )
        else:
            note = None if spec is None else str(spec)
            loaded.append(LoadedEntry(str(term), source, 1.0, note, str(term).lower() in exact))
    if not aliases and not loaded:
        raise ConfigError("lexicon has neither concepts nor terms", source=path)
    return Lexicon(tuple(aliases), tuple(loaded), (source,))


# --------------------------------------------------------------------------------------------
# Deriving loaded terms from annotated sentences (BABE)
# --------------------------------------------------------------------------------------------


def derive_loaded_terms(
    records: Iterable[Mapping[str, Any]], *, min_count: int = 2, min_rate: float = 0.2
) -> dict[str, dict[str, float | int]]:
    """Words annotators marked as biased, with how often and how reliably.

    ``records`` are BABE rows (``text``, ``label``, ``biased_words``). For each marked word:
    ``count`` (sentences where it was marked), ``present`` (sentences containing it),
    ``marked_rate`` (count / present: how often the word is marked when it occurs) and
    ``biased_share`` (share of the sentences containing it that are labelled Biased). Words
    marked fewer than ``min_count`` times, marked in less than ``min_rate`` of their
    occurrences, or that are function words, are left out. Only words leave this function.
    """
    marked: Counter[str] = Counter()
    present: Counter[str] = Counter()
    biased: Counter[str] = Counter()
    for row in records:
        tokens = {w.lower for w in words(str(row.get("text", "")))}
        for word in {str(w).lower().strip() for w in row.get("biased_words") or ()}:
            if word in tokens:
                marked[word] += 1
        for token in tokens:
            present[token] += 1
            if row.get("label") == "Biased":
                biased[token] += 1
    out: dict[str, dict[str, float | int]] = {}
    for word, count in sorted(marked.items()):
        if count < min_count or word in STOPWORDS or len(word) < 3 or word.isdigit():
            continue
        rate = count / max(present[word], 1)
        if rate < min_rate:
            continue
        out[word] = {
            "count": count,
            "present": present[word],
            "marked_rate": round(rate, 3),
            "biased_share": round(biased[word] / max(present[word], 1), 3),
        }
    return out
