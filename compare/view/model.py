"""The one picture of an event (:class:`EventView`), and the index of a run, as frozen dataclasses.

:class:`EventView` is what every surface shows: the HTML, Markdown, JSON and CSV reports render
it, the web service's event page and ``/api/events/{id}`` serve it, and the topic query answers
with references into it. :mod:`compare.view.build` fills it from the store, in one place; the
presence of every (claim, outlet) cell is decided once, by :mod:`compare.view.presence`. Nothing
here knows about the store or about any output format.

Shape, top-down::

    EventView
    ├── run, since_run                 RunInfo   (the run reported on, the run it is compared with)
    ├── event                          EventHeader (label, time span)
    ├── outlets                        OutletStatus per expected outlet: covers / omits / not read (why)
    ├── articles                       ArticleRef per article of the event (provenance anchors)
    ├── claims                         ClaimRow → ClaimCell per outlet (says / omits / not read, badge, diff)
    ├── unique_claims                  UniqueClaim: what only one outlet says
    ├── ledger                         LedgerConcept: who names what how
    ├── numbers                        NumberRow: figures that disagree within a claim
    ├── voices                         OutletVoices: who each outlet quotes or cites
    ├── reprints                       ReprintGroup: one origin, N copies
    └── changes                        Changes since the previous run, each said in words

``schema_version`` versions the JSON form (``docs/report.schema.json``); bump its minor number
for added fields and its major number for anything a reader of the old form would misread.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OUTLET_COVERS",
    "PRESENCE_NOT_READ",
    "PRESENCE_OMITS",
    "PRESENCE_SAYS",
    "SCHEMA_VERSION",
    "ArticleRef",
    "ChangeNote",
    "Changes",
    "ClaimCell",
    "ClaimRow",
    "DiffSegment",
    "EditedArticle",
    "EventHeader",
    "EventView",
    "IndexEntry",
    "LedgerConcept",
    "LedgerTerm",
    "NumberRow",
    "NumberValues",
    "OutletFailure",
    "OutletProfile",
    "OutletStatus",
    "OutletVoices",
    "Provenance",
    "ReprintGroup",
    "RunIndex",
    "RunInfo",
    "TopicLink",
    "UniqueClaim",
    "UnreadPage",
    "VoiceCount",
]

SCHEMA_VERSION = "2.1"

#: The outlet carries the claim.
PRESENCE_SAYS = "says"
#: The outlet was read for the event's dates and does not carry the claim.
PRESENCE_OMITS = "omits"
#: None of the outlet's pages that could belong to the event was readable; ``reason`` says why.
PRESENCE_NOT_READ = "not_read"
#: An outlet's state for an event when it has articles in it (its cells are says or omits).
OUTLET_COVERS = "covers"


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
class UnreadPage:
    """A page of the outlet that could belong to the event (by its feed entry's title, URL words
    and date) and could not be read."""

    url: str
    outcome: str
    title: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class OutletStatus:
    """One outlet expected in the event, and where it stands.

    ``state`` is ``covers`` (it has articles in the event), ``omits`` (it was read for the
    event's dates and none of its articles is about it) or ``not_read``, with ``reason`` naming
    why: the fetch outcome of its pages that could belong to the event (``robots_disallowed``,
    ``paywall`` ...), ``outside_window`` (read, but none of its pages from these dates), or
    ``not_fetched`` (no fetch of it is recorded). ``unread_pages`` lists the pages tied to the
    event that could not be read; a covering outlet can have some too. ``fetch_outcomes`` counts
    the outcomes of its fetches in its latest run.
    """

    id: str
    name: str
    state: str
    reason: str | None
    n_articles: int
    groups: tuple[str, ...] = ()
    owner: str | None = None
    fetch_outcomes: tuple[tuple[str, int], ...] = ()
    unread_pages: tuple[UnreadPage, ...] = ()

    @property
    def covering(self) -> bool:
        return self.state == OUTLET_COVERS

    @property
    def read(self) -> bool:
        """True when the outlet's coverage of the event's dates was read (covers or omits)."""
        return self.state != PRESENCE_NOT_READ


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

    ``presence`` is ``says``, ``omits`` or ``not_read`` (``reason`` then says why, as on the
    outlet's status). Only ``says`` cells carry a sentence, its attribution badge, its diff against
    the claim's central sentence and its provenance.
    """

    outlet_id: str
    presence: str
    reason: str | None = None
    attribution: str | None = None
    speaker: str | None = None
    prominence: str | None = None
    sentence: str | None = None
    diff: tuple[DiffSegment, ...] = ()
    similarity: float | None = None
    reprint: bool = False
    central: bool = False
    loaded: tuple[str, ...] = ()
    """Loaded words in the outlet's own voice."""
    quoted_loaded: tuple[str, ...] = ()
    """Loaded words inside a quotation or reported speech, as ``term (speaker)``: not the outlet's."""
    labels: tuple[str, ...] = ()
    """Names from the alias sets the sentence uses, as ``concept: term``."""
    provenance: Provenance | None = None
    language: str | None = None
    """The language of the sentence (its article's, ISO 639-1) when known; a diff is shown only
    against a central sentence of the same language."""


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
    """How often one outlet uses one name for a concept; ``quoted`` of those uses are inside a
    quotation or reported speech — the speaker's words, not the outlet's own."""

    outlet_id: str
    term: str
    count: int
    quoted: int = 0


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
    """The figures one outlet gives, as values and as written ("more than 300")."""

    outlet_id: str
    values: tuple[float, ...]
    figures: tuple[str, ...] = ()


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
class OutletProfile:
    """How one outlet tells the event: its attribution mix over the claims it carries, the loaded
    words in its sentences and the names (alias-set terms) it uses."""

    outlet_id: str
    attribution: tuple[tuple[str, int], ...]
    loaded: tuple[tuple[str, int], ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class ChangeNote:
    """One change since the previous run, said in words (``text``), with what it is about.

    ``kind``: ``new_claim``, ``outlet_added`` (an outlet now carries a claim), ``outlet_dropped``,
    ``claim_retired``, ``reworded``, ``edited`` (a silent edit, with the claims it touched),
    ``new_outlet`` (an outlet's first article in the event), ``retitled``.
    """

    kind: str
    text: str
    claim_id: int | None = None
    outlet_id: str | None = None
    article_id: int | None = None
    claims: tuple[int, ...] = ()


@dataclass(frozen=True)
class Changes:
    """What is new in this event since ``since_run`` (``None``: nothing to compare with).

    ``notes`` says each change in words; ``new_outlets``, ``new_claims`` and ``edited`` hold the
    same facts for programs and for the side-by-side diff of an edit.
    """

    since_run: RunInfo | None
    new_event: bool
    notes: tuple[ChangeNote, ...] = ()
    new_outlets: tuple[str, ...] = ()
    new_claims: tuple[int, ...] = ()
    edited: tuple[EditedArticle, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.new_event or self.notes or self.new_outlets or self.new_claims or self.edited)


@dataclass(frozen=True)
class EventView:
    """Everything any surface shows about one event."""

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
    total_claims: int = 0
    """How many claims the event has (``claims`` may hold a page or a selection of them)."""
    profiles: tuple[OutletProfile, ...] = ()

    def outlet(self, outlet_id: str) -> OutletStatus | None:
        """The status of one outlet, or ``None`` when it is not in this view."""
        return next((o for o in self.outlets if o.id == outlet_id), None)

    def article(self, article_id: int) -> ArticleRef | None:
        return next((a for a in self.articles if a.id == article_id), None)

    def claim(self, claim_id: int) -> ClaimRow | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    @property
    def covering(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if o.covering)

    @property
    def not_covering(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if not o.covering)


@dataclass(frozen=True)
class IndexEntry:
    """One event on the index page, with the counts it is ordered by.

    ``shared_claims`` are the claims at least two outlets carry (reprints not counted);
    ``disagreement`` is how many of them are told differently: left out by an outlet that was
    read, given with other figures, or told in different voices (attribution classes) or at a
    distance. ``omissions``, ``number_disagreements`` and ``distancing`` count cells of each kind.
    ``changes`` says in a few words what changed since the previous run. ``page_run`` is the run
    the event's pages on disk were written in, when older than the index's run: nothing they show
    changed since (``None``: written by the index's run, or no pages written).
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
    shared_claims: int = 0
    seed: bool = False
    changes: tuple[str, ...] = ()
    page_run: int | None = None


@dataclass(frozen=True)
class OutletFailure:
    """An outlet whose fetches in the run failed, with the outcome counts."""

    outlet_id: str
    name: str
    outcomes: tuple[tuple[str, int], ...]
    entirely: bool


@dataclass(frozen=True)
class TopicLink:
    """A topic page written beside the index."""

    topic_id: str
    name: str
    path: str


@dataclass(frozen=True)
class RunIndex:
    """The events of a run: what changed first, then every event, most widely covered first."""

    schema_version: str
    generated_at: str
    run: RunInfo | None
    entries: tuple[IndexEntry, ...]
    since_run: RunInfo | None = None
    failed_outlets: tuple[OutletFailure, ...] = ()
    topics: tuple[TopicLink, ...] = ()

    @property
    def changed(self) -> tuple[IndexEntry, ...]:
        """New events first, then events that changed, in index order."""
        return tuple(e for e in self.entries if e.new) + tuple(
            e for e in self.entries if not e.new and e.changes
        )
