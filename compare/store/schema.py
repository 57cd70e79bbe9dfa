"""The database schema, as named migrations applied in order (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one. Each runs in a transaction together with
the record of it having been applied, so a failed migration leaves the database as it was.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["TABLES", "migrations"]

migrations = Migrations("newscompare")

TABLES = (
    "outlets",
    "runs",
    "snapshots",
    "fetch_log",
    "articles",
    "passages",
    "embeddings",
    "events",
    "event_articles",
    "event_changes",
    "claims",
    "claim_passages",
    "claim_changes",
    "discovered",
    "framing",
    "event_framing",
    "event_framing_digests",
    "stage_state",
)

INITIAL_DDL = """
CREATE TABLE outlets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    homepage TEXT,
    language TEXT,
    country TEXT,
    groups TEXT NOT NULL DEFAULT '[]',          -- JSON list of perspective tags
    ownership TEXT,                             -- JSON {owner, type, evidence}
    paywall INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    verified INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,                      -- run, fetch, process, demo
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',     -- running, ok, partial, failed, interrupted
    parameters TEXT NOT NULL DEFAULT '{}',      -- JSON
    timings TEXT NOT NULL DEFAULT '{}',         -- JSON stage -> seconds
    counts TEXT NOT NULL DEFAULT '{}',          -- JSON
    failures TEXT NOT NULL DEFAULT '[]',        -- JSON
    pid INTEGER
);

CREATE TABLE snapshots (
    sha256 TEXT PRIMARY KEY,                    -- of the body bytes as received
    url TEXT NOT NULL,                          -- requested URL (first time these bytes were seen)
    final_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',         -- JSON, selected headers
    content_type TEXT,
    encoding TEXT,
    fetched_at TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    body BLOB NOT NULL                          -- gzip of the body
);

CREATE TABLE fetch_log (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    outlet_id TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'article',       -- article, feed, sitemap
    outcome TEXT NOT NULL,
    http_status INTEGER,
    elapsed_ms INTEGER,
    bytes INTEGER,
    fetched_at TEXT NOT NULL,
    snapshot_sha256 TEXT REFERENCES snapshots(sha256),
    etag TEXT,
    last_modified TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    UNIQUE (run_id, url)
);
CREATE INDEX fetch_log_url ON fetch_log (url, fetched_at);
CREATE INDEX fetch_log_outlet ON fetch_log (outlet_id, run_id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    url TEXT NOT NULL,                          -- canonical URL
    fetched_url TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    previous_id INTEGER REFERENCES articles(id),
    changes TEXT,                               -- JSON: what changed since the previous version
    title TEXT,
    byline TEXT,
    published_at TEXT,
    published_source TEXT,                      -- jsonld, meta, time, url, text, feed, none
    date_reliable INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    site_name TEXT,
    language TEXT,                              -- outlet's declared language
    language_page TEXT,
    language_detected TEXT,
    language_mismatch INTEGER NOT NULL DEFAULT 0,
    method TEXT,                                -- which extraction path succeeded
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    snapshot_sha256 TEXT REFERENCES snapshots(sha256),
    reprint_of INTEGER REFERENCES articles(id),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    UNIQUE (url, version)
);
CREATE INDEX articles_outlet ON articles (outlet_id, published_at);
CREATE INDEX articles_text_hash ON articles (text_hash);
CREATE INDEX articles_snapshot ON articles (snapshot_sha256);

CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    paragraph INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'body',
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    UNIQUE (article_id, idx)
);
CREATE INDEX passages_text_hash ON passages (text_hash);

CREATE TABLE embeddings (
    text_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,                       -- float32, L2-normalised
    PRIMARY KEY (text_hash, model)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    label TEXT,
    first_published TEXT,
    last_published TEXT,
    status TEXT NOT NULL DEFAULT 'active',      -- active, merged
    merged_into INTEGER REFERENCES events(id),
    created_run INTEGER REFERENCES runs(id),
    updated_run INTEGER REFERENCES runs(id),
    state TEXT                                  -- JSON of the grouping stage's event state
);

CREATE TABLE event_articles (
    event_id INTEGER NOT NULL REFERENCES events(id),
    article_id INTEGER NOT NULL REFERENCES articles(id),
    similarity REAL,
    run_id INTEGER REFERENCES runs(id),
    PRIMARY KEY (event_id, article_id)
);
CREATE INDEX event_articles_article ON event_articles (article_id);

CREATE TABLE event_changes (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id),
    kind TEXT NOT NULL,                         -- new, attach, merge, split
    event_id INTEGER REFERENCES events(id),
    other_event_id INTEGER REFERENCES events(id),
    details TEXT NOT NULL DEFAULT '{}',
    at TEXT NOT NULL
);

CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    key TEXT NOT NULL,                          -- stable within the event
    central_passage_id INTEGER REFERENCES passages(id),
    n_outlets INTEGER NOT NULL DEFAULT 1,
    is_unique INTEGER NOT NULL DEFAULT 0,
    created_run INTEGER REFERENCES runs(id),
    UNIQUE (event_id, key)
);

CREATE TABLE claim_passages (
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    passage_id INTEGER NOT NULL REFERENCES passages(id),
    similarity REAL,
    reprint INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (claim_id, passage_id)
);
CREATE INDEX claim_passages_passage ON claim_passages (passage_id);

CREATE TABLE framing (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(id),
    attribution TEXT,                           -- own_voice, neutral, distancing, anonymous, hedged
    speaker TEXT,
    prominence TEXT,                            -- title, lead, body
    hedges TEXT NOT NULL DEFAULT '[]',          -- JSON, each with the matched words
    loaded TEXT NOT NULL DEFAULT '[]',
    labels TEXT NOT NULL DEFAULT '[]',
    numbers TEXT NOT NULL DEFAULT '[]',
    voices TEXT NOT NULL DEFAULT '[]',
    data TEXT NOT NULL DEFAULT '{}',            -- the full record, JSON
    params_hash TEXT
);

CREATE TABLE stage_state (
    stage TEXT NOT NULL,
    key TEXT NOT NULL,                          -- what the stage worked on (snapshot, event ...)
    input_hash TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (stage, key)
);
"""


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    """Every table of the design, with keys, foreign keys and indexes."""
    for statement in INITIAL_DDL.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0002_full_text_search")
def m0002_full_text_search(db: Database) -> None:
    """FTS5 over passages and article titles, kept in step by triggers."""
    db.table("passages").enable_fts(["text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db.table("articles").enable_fts(["title"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


EVENT_FRAMING_DDL = """
CREATE TABLE event_framing (
    event_id INTEGER PRIMARY KEY REFERENCES events(id),
    run_id INTEGER REFERENCES runs(id),
    params_hash TEXT NOT NULL,
    input_hash TEXT NOT NULL,                   -- of the claims and passages it was built from
    data TEXT NOT NULL,                         -- compare.framing EventFraming, as JSON
    built_at TEXT NOT NULL
)
"""


@migrations(name="0003_event_framing")
def m0003_event_framing(db: Database) -> None:
    """The framing stage's answer per event (claim x outlet presence, diffs, ledger, numbers);
    and the grouping stage's own event key beside the integer id."""
    db.execute(EVENT_FRAMING_DDL)
    db.execute("ALTER TABLE events ADD COLUMN key TEXT")
    db.execute("CREATE UNIQUE INDEX events_key ON events (key)")


STABLE_CLAIMS_DDL = """
-- status: active or retired; outlets: JSON list of the outlets carrying it
ALTER TABLE claims ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE claims ADD COLUMN updated_run INTEGER REFERENCES runs(id);
ALTER TABLE claims ADD COLUMN outlets TEXT NOT NULL DEFAULT '[]';
CREATE INDEX claims_event ON claims (event_id, status);
CREATE TABLE claim_changes (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id),
    event_id INTEGER NOT NULL REFERENCES events(id),
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    kind TEXT NOT NULL,                         -- new, outlet_added, outlet_dropped, reworded, retired
    outlet_id TEXT,
    at TEXT NOT NULL
);
CREATE INDEX claim_changes_event ON claim_changes (event_id, run_id);
CREATE TABLE discovered (
    url TEXT PRIMARY KEY,                       -- the article URL a feed or sitemap listed
    outlet_id TEXT NOT NULL,
    via TEXT NOT NULL,                          -- the feed or sitemap (or "sources")
    title TEXT,                                 -- what the entry said, before the page was fetched
    published TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
)
"""


@migrations(name="0004_stable_claims_and_discovered_pages")
def m0004_stable_claims(db: Database) -> None:
    """Claims keep their id across re-alignment (status, history of changes); what each feed
    entry said of a page is kept, so a page that could not be read can be tied to its events."""
    for statement in STABLE_CLAIMS_DDL.split(";\n"):
        if statement.strip():
            db.execute(statement)


# Views for browsing the database with Datasette (docs/service.md, "Browsing with Datasette"):
# what a journalist reads, with the JSON columns of the framing rows spelled out as text. The
# first two are portable SQL (compare.store.pgschema uses them as they are); the others read
# JSON with SQLite's functions.
EVENTS_OVERVIEW_VIEW = """CREATE VIEW events_overview AS
SELECT e.id AS event_id, e.label, e.first_published, e.last_published,
       (SELECT COUNT(DISTINCT a.outlet_id) FROM event_articles ea JOIN articles a ON a.id = ea.article_id
         WHERE ea.event_id = e.id) AS outlets,
       (SELECT COUNT(*) FROM event_articles ea WHERE ea.event_id = e.id) AS articles,
       (SELECT COUNT(*) FROM claims c WHERE c.event_id = e.id AND c.status = 'active') AS claims
FROM events e WHERE e.status = 'active'"""
CLAIM_SENTENCES_VIEW = """CREATE VIEW claim_sentences AS
SELECT c.id AS claim_id, c.event_id, e.label AS event, pc.text AS central_sentence,
       a.outlet_id, COALESCE(o.name, a.outlet_id) AS outlet, p.text AS sentence,
       f.attribution, f.speaker, f.prominence, cp.similarity, cp.reprint,
       a.title AS article_title, a.url AS article_url, a.published_at, a.version AS article_version
FROM claims c JOIN events e ON e.id = c.event_id
JOIN claim_passages cp ON cp.claim_id = c.id
JOIN passages p ON p.id = cp.passage_id
JOIN articles a ON a.id = p.article_id
LEFT JOIN outlets o ON o.id = a.outlet_id
LEFT JOIN framing f ON f.passage_id = p.id
LEFT JOIN passages pc ON pc.id = c.central_passage_id
WHERE c.status = 'active' AND e.status = 'active'"""
_SQLITE_CLAIMS_OVERVIEW_VIEW = """CREATE VIEW claims_overview AS
SELECT c.id AS claim_id, c.event_id, e.label AS event, pc.text AS central_sentence,
       c.n_outlets AS outlets_carrying,
       (SELECT group_concat(COALESCE(o.name, j.value), ', ') FROM json_each(c.outlets) j
         LEFT JOIN outlets o ON o.id = j.value) AS carried_by,
       c.created_run, c.updated_run
FROM claims c JOIN events e ON e.id = c.event_id
LEFT JOIN passages pc ON pc.id = c.central_passage_id
WHERE c.status = 'active' AND e.status = 'active'"""
_SQLITE_PASSAGE_FRAMING_VIEW = """CREATE VIEW passage_framing AS
SELECT p.id AS passage_id, a.outlet_id, COALESCE(o.name, a.outlet_id) AS outlet, a.title AS article_title,
       a.url AS article_url, p.idx AS passage_index, p.text AS sentence,
       f.attribution, f.speaker, f.prominence,
       (SELECT group_concat(json_extract(j.value, '$.text'), ', ')
          FROM json_each(f.hedges) j) AS hedges,
       (SELECT group_concat(json_extract(j.value, '$.term'), ', ')
          FROM json_each(f.loaded) j) AS loaded_terms,
       (SELECT group_concat(json_extract(j.value, '$.concept') || ': ' || json_extract(j.value, '$.term'),
                            ', ') FROM json_each(f.labels) j) AS labels,
       (SELECT group_concat(json_extract(j.value, '$.cue.text'), ', ')
          FROM json_each(f.numbers) j) AS numbers,
       (SELECT group_concat(json_extract(j.value, '$.name'), ', ')
          FROM json_each(f.voices) j) AS voices
FROM passages p JOIN articles a ON a.id = p.article_id
LEFT JOIN outlets o ON o.id = a.outlet_id
LEFT JOIN framing f ON f.passage_id = p.id
WHERE a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)"""


@migrations(name="0005_browsing_views")
def m0005_browsing_views(db: Database) -> None:
    """Views a person can browse in Datasette: events, claims, each outlet's sentence, framing."""
    for statement in (
        EVENTS_OVERVIEW_VIEW, _SQLITE_CLAIMS_OVERVIEW_VIEW, CLAIM_SENTENCES_VIEW, _SQLITE_PASSAGE_FRAMING_VIEW
    ):
        db.execute(statement)
