"""The report of one event, and the index of a run, as frozen dataclasses.

:class:`Report` is the one object every renderer reads (HTML, Markdown, JSON, CSV): the builder
(:mod:`compare.report.build`) fills it from the store, and the renderers are pure functions of
it. Nothing here knows about the store or about any output format.

Shape, top-down::

    Report
    ├── run, since_run                 RunInfo   (the run reported on, the run it is compared with)
    ├── event                          EventHeader (label, time span)
    ├── outlets                        OutletStatus per expected outlet: covering, or why not
    ├── articles                       ArticleRef per article of the event (provenance anchors)
    ├── claims                         ClaimRow → ClaimCell per outlet (presence, badge, diff, provenance)
    ├── unique_claims                  UniqueClaim: what only one outlet says
    ├── ledger                         LedgerConcept: who names what how
    ├── numbers                        NumberRow: figures that disagree within a claim
    ├── voices                         OutletVoices: who each outlet quotes or cites
    ├── reprints                       ReprintGroup: one origin, N copies
    └── changes                        Changes since the previous run (new outlets, claims, edits)

``schema_version`` versions the JSON form (``docs/report.schema.json``); bump its minor number
for added fields and its major number for anything a reader of the old form would misread.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PRESENCE_OMITS",
    "PRESENCE_SAYS",
    "SCHEMA_VERSION",
    "ArticleRef",
    "Changes",
    "ClaimCell",
    "ClaimRow",
    "DiffSegment",
    "EditedArticle",
    "EventHeader",
    "IndexEntry",
    "LedgerConcept",
    "LedgerTerm",
    "NumberRow",
    "NumberValues",
    "OutletStatus",
    "OutletVoices",
    "Provenance",
    "Report",
    "ReprintGroup",
    "RunIndex",
    "RunInfo",
    "UniqueClaim",
    "VoiceCount",
]

SCHEMA_VERSION = "1.0"

#: The outlet carries the claim.
PRESENCE_SAYS = "says"
#: The outlet's coverage was read and does not carry the claim. Any other presence value is the
#: fetch outcome that kept the outlet unread (``blocked``, ``paywall``, ``not_fetched`` ...).
PRESENCE_OMITS = "omits"


@dataclass(frozen=True)
class RunInfo:
    """One row of the ``runs`` table, as much as a reader needs."""

    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str


@dataclass(frozen=True)
class EventHeader:
    """What the event is and when it happened (earliest and latest publication seen)."""

    id: int
    label: str | None
    first_published: str | None
    last_published: str | None
    status: str
    created_run: int | None
    updated_run: int | None


@dataclass(frozen=True)
class OutletStatus:
    """One outlet expected in the report: does it cover the event, and if not, why not.

    ``reason`` is ``None`` for a covering outlet, ``"omitted"`` when its pages were read and none
    is about the event, or the fetch outcome that kept it unread (``blocked``, ``paywall``,
    ``robots_disallowed`` ..., or ``not_fetched`` when no fetch of it is recorded).
    ``fetch_outcomes`` counts the outcomes of its fetches in the run the reason comes from.
    """

    id: str
    name: str
    covering: bool
    reason: str | None
    n_articles: int
    groups: tuple[str, ...] = ()
    owner: str | None = None
    fetch_outcomes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ArticleRef:
    """An article of the event and where its text came from."""

    id: int
    outlet_id: str
    url: str
    title: str | None
    version: int
    published_at: str | None
    fetched_at: str | None
    snapshot_sha256: str | None
    reprint_of: int | None = None


@dataclass(frozen=True)
class Provenance:
    """Where a passage comes from: the article, the stored bytes and the characters within.

    ``start``/``end`` are character offsets into the article's extracted text (the text the
    report bundle writes to ``snapshots/<sha256>.txt``).
    """

    article_id: int
    url: str
    version: int
    fetched_at: str | None
    snapshot_sha256: str | None
    start: int
    end: int
    passage_index: int


@dataclass(frozen=True)
class DiffSegment:
    """One step of a word diff: ``equal``, ``replace``, ``insert`` or ``delete``.

    ``a`` is the reference side (the claim's central sentence, or an article's old text), ``b``
    the other side. Rendering ``b`` of every segment in order, with the spaces between, gives the
    other text back.
    """

    op: str
    a: str
    b: str


@dataclass(frozen=True)
class ClaimCell:
    """How one outlet stands towards one claim: one cell of the claim matrix.

    Only ``says`` cells carry a sentence, its attribution badge, its diff against the claim's
    central sentence and its provenance.
    """

    outlet_id: str
    presence: str
    attribution: str | None = None
    speaker: str | None = None
    prominence: str | None = None
    sentence: str | None = None
    diff: tuple[DiffSegment, ...] = ()
    similarity: float | None = None
    reprint: bool = False
    central: bool = False
    loaded: tuple[str, ...] = ()
    provenance: Provenance | None = None


@dataclass(frozen=True)
class ClaimRow:
    """One aligned claim of the event and its cell for every expected outlet (report order)."""

    id: int
    key: str
    central_sentence: str
    central_outlet: str | None
    n_outlets: int
    is_unique: bool
    is_new: bool
    cells: tuple[ClaimCell, ...]


@dataclass(frozen=True)
class UniqueClaim:
    """A claim only one outlet makes (reprints of it do not count as a second outlet)."""

    claim_id: int
    outlet_id: str
    sentence: str


@dataclass(frozen=True)
class LedgerTerm:
    """How often one outlet uses one name for a concept."""

    outlet_id: str
    term: str
    count: int


@dataclass(frozen=True)
class LedgerConcept:
    """The names outlets use for one concept; ``discovered`` when found by diffing sentences.

    Lexicon concepts keep their name; discovered ones are named after the central sentence's
    word (the framing stage writes them as ``~word``; here the ``~`` is dropped).
    """

    concept: str
    discovered: bool
    terms: tuple[LedgerTerm, ...]
    disagree: bool


@dataclass(frozen=True)
class NumberValues:
    """The figures one outlet gives."""

    outlet_id: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class NumberRow:
    """Outlets giving different figures for the same thing within the same claim."""

    claim_id: int
    counts: str
    unit: str | None
    values: tuple[NumberValues, ...]


@dataclass(frozen=True)
class VoiceCount:
    """Someone an outlet quotes (``direct``) or cites (``indirect``), and how often."""

    name: str
    mode: str
    anonymous: bool
    count: int


@dataclass(frozen=True)
class OutletVoices:
    """Who one outlet lets speak in its coverage of the event."""

    outlet_id: str
    voices: tuple[VoiceCount, ...]


@dataclass(frozen=True)
class ReprintGroup:
    """One original article and the copies of it other outlets (or URLs) carry."""

    origin: ArticleRef
    copies: tuple[ArticleRef, ...]


@dataclass(frozen=True)
class EditedArticle:
    """An article whose text changed at the same URL since the previous run (a silent edit
    unless the outlet says so): both versions and the word diff between them."""

    article_id: int
    previous_id: int
    outlet_id: str
    url: str
    version: int
    before: str
    after: str
    diff: tuple[DiffSegment, ...]


@dataclass(frozen=True)
class Changes:
    """What is new in this event since ``since_run`` (``None``: nothing to compare with)."""

    since_run: RunInfo | None
    new_event: bool
    new_outlets: tuple[str, ...] = ()
    new_claims: tuple[int, ...] = ()
    edited: tuple[EditedArticle, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.new_event or self.new_outlets or self.new_claims or self.edited)


@dataclass(frozen=True)
class Report:
    """Everything the renderers show about one event."""

    schema_version: str
    generated_at: str
    run: RunInfo | None
    event: EventHeader
    outlets: tuple[OutletStatus, ...]
    articles: tuple[ArticleRef, ...]
    claims: tuple[ClaimRow, ...]
    unique_claims: tuple[UniqueClaim, ...]
    ledger: tuple[LedgerConcept, ...]
    numbers: tuple[NumberRow, ...]
    voices: tuple[OutletVoices, ...]
    reprints: tuple[ReprintGroup, ...]
    changes: Changes

    def outlet(self, outlet_id: str) -> OutletStatus | None:
        """The status of one outlet, or ``None`` when it is not in this report."""
        return next((o for o in self.outlets if o.id == outlet_id), None)

    def article(self, article_id: int) -> ArticleRef | None:
        return next((a for a in self.articles if a.id == article_id), None)

    @property
    def covering(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if o.covering)

    @property
    def not_covering(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if not o.covering)


@dataclass(frozen=True)
class IndexEntry:
    """One event on the index page, with the counts it is ordered by.

    ``disagreement`` = ``omissions`` + ``number_disagreements`` + ``distancing``: how much the
    outlets' accounts diverge (omitted claims by read outlets, figures that differ, claims told
    at a distance).
    """

    event_id: int
    label: str | None
    first_published: str | None
    last_published: str | None
    n_outlets: int
    n_articles: int
    n_claims: int
    omissions: int
    number_disagreements: int
    distancing: int
    disagreement: int
    new: bool
    updated: bool


@dataclass(frozen=True)
class RunIndex:
    """The events of a run, most widely covered first, then most disputed."""

    schema_version: str
    generated_at: str
    run: RunInfo | None
    entries: tuple[IndexEntry, ...]
