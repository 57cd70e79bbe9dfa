"""A small store for report tests, built row by row, with hostile text in every fetched field.

Two finished runs. Outlets: alpha and beta cover the event in run 1; alpha's article is edited in
run 2 (new version); eta joins in run 2 with a reprint of alpha; gamma is blocked, delta
paywalled, epsilon read but silent, zeta never fetched. Claims: claim A (alpha, beta, eta),
claim B only beta says (created in run 2). Event framing comes from the real framing stage.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.align import Claim
from compare.align import ClaimMember as Member
from compare.framing import analyse_event, to_dict
from compare.models import Article, Passage
from compare.store import Store

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}"
MD_LINK = "](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil.example","x")'

HOSTILE = (SCRIPT, IMG, TEMPLATE, MD_LINK)

ALPHA_V1 = (
    "Officials said 120 people crossed the checkpoint near Stepanakert on Monday. The road reopened at noon."
)
ALPHA_V2 = (
    f"Officials said 120 people crossed the {SCRIPT} checkpoint near Stepanakert on Monday. "
    "The road reopened late in the evening."
)
BETA = (
    f"So-called officials claimed 150 people crossed the checkpoint near Khankendi | {TEMPLATE}. "
    f"Witnesses described a blockade {MD_LINK} lasting for weeks."
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sentences(text: str) -> list[tuple[int, int, str]]:
    out, start = [], 0
    for part in text.split(". "):
        sentence = part if part.endswith(".") else part + "."
        end = start + len(sentence)
        assert text[start:end] == sentence
        out.append((start, end, sentence))
        start = end + 1
    return out


@dataclass
class Fixture:
    store: Store
    event_id: int
    other_event_id: int
    articles: dict[str, int]
    claims: dict[str, int]
    runs: tuple[int, int]


def _insert(store: Store, table: str, row: dict[str, Any]) -> int:
    return int(store._db[table].insert(row).last_pk)  # type: ignore[union-attr]


def _clean(text: str) -> str:
    """The text without its hostile parts (for the README screenshot)."""
    for bad in (*HOSTILE, FORMULA, " |"):
        text = text.replace(bad, "")
    return " ".join(text.split()).replace(" .", ".")


def build_fixture(path: Path, *, with_event_framing: bool = True, hostile: bool = True) -> Fixture:
    """The store described in the module docstring; ``hostile=False`` leaves the attacks out."""

    def h(text: str) -> str:
        return text if hostile else _clean(text)

    alpha_v2, beta_text = h(ALPHA_V2), h(BETA)
    store = Store(path)
    outlets = {
        "alpha": h(f"Alpha {SCRIPT} News"),
        "beta": h(f"Beta {IMG}") or "Beta",
        "gamma": "Gamma Daily",
        "delta": "Delta Times",
        "epsilon": "Epsilon Post",
        "zeta": "Zeta Wire",
        "eta": h(f"Eta {FORMULA}"),
    }
    for oid, name in outlets.items():
        _insert(store, "outlets", {"id": oid, "name": name, "groups": json.dumps(["test"]), "active": 1})
    run1 = _insert(
        store,
        "runs",
        {
            "command": "run",
            "started_at": "2026-11-27T02:00:00+00:00",
            "finished_at": "2026-11-27T02:10:00+00:00",
            "status": "ok",
        },
    )
    run2 = _insert(
        store,
        "runs",
        {
            "command": "run",
            "started_at": "2026-11-28T02:00:00+00:00",
            "finished_at": "2026-11-28T02:10:00+00:00",
            "status": "partial",
        },
    )

    def snapshot(url: str, body: str, when: str) -> str:
        page = f"<html><title>{h(IMG)}</title><link rel=canonical href={url!r}><body>{body}</body></html>"
        raw = page.encode()
        sha = hashlib.sha256(raw).hexdigest()
        store._db["snapshots"].insert(  # type: ignore[union-attr]
            {
                "sha256": sha,
                "url": url,
                "final_url": url,
                "status": 200,
                "fetched_at": when,
                "bytes": len(raw),
                "body": gzip.compress(raw),
            },
            ignore=True,
        )
        return sha

    def fetch(
        run: int, outlet: str, url: str, outcome: str, sha: str | None = None, kind: str = "article"
    ) -> None:
        _insert(
            store,
            "fetch_log",
            {
                "run_id": run,
                "outlet_id": outlet,
                "url": url,
                "kind": kind,
                "outcome": outcome,
                "fetched_at": "2026-11-28T02:01:00+00:00",
                "snapshot_sha256": sha,
            },
        )

    def article(
        outlet: str,
        url: str,
        text: str,
        run: int,
        *,
        title: str,
        version: int = 1,
        previous: int | None = None,
        reprint_of: int | None = None,
        sha: str | None = None,
    ) -> int:
        aid = _insert(
            store,
            "articles",
            {
                "outlet_id": outlet,
                "url": url,
                "version": version,
                "previous_id": previous,
                "title": title,
                "published_at": "2026-11-26T10:00:00+00:00",
                "text": text,
                "text_hash": _sha(text),
                "snapshot_sha256": sha,
                "reprint_of": reprint_of,
                "first_seen": "2026-11-27T02:01:00+00:00",
                "last_seen": "2026-11-28T02:01:00+00:00",
                "run_id": run,
            },
        )
        for idx, (start, end, sentence) in enumerate(_sentences(text)):
            _insert(
                store,
                "passages",
                {
                    "article_id": aid,
                    "idx": idx,
                    "start": start,
                    "end": end,
                    "text": sentence,
                    "text_hash": _sha(sentence),
                },
            )
        return aid

    a_url, b_url = "https://alpha.example/news/1", "https://beta.example/a?x=1&y=<2>"
    sha_a1 = snapshot(a_url, ALPHA_V1, "2026-11-27T02:01:00+00:00")
    sha_a2 = snapshot(a_url, alpha_v2, "2026-11-28T02:01:00+00:00")
    sha_b = snapshot(b_url, beta_text, "2026-11-27T02:02:00+00:00")
    sha_e = snapshot("https://eta.example/copy", alpha_v2, "2026-11-28T02:03:00+00:00")
    a1 = article("alpha", a_url, ALPHA_V1, run1, title=h(f"Crossing {IMG}"), sha=sha_a1)
    a2 = article(
        "alpha", a_url, alpha_v2, run2, title=h(f"Crossing {IMG}"), version=2, previous=a1, sha=sha_a2
    )
    b = article("beta", b_url, beta_text, run1, title=h(f"Blockade {SCRIPT} {TEMPLATE}"), sha=sha_b)
    e = article(
        "eta",
        h("javascript:alert(document.cookie)//") or "https://eta.example/copy",
        alpha_v2,
        run2,
        title="Copy",
        reprint_of=a2,
        sha=sha_e,
    )
    other = article(
        "epsilon",
        "https://epsilon.example/other",
        "Markets rose on Monday. Oil fell.",
        run2,
        title="Markets",
        sha=snapshot("https://epsilon.example/other", "m", "2026-11-28T02:04:00+00:00"),
    )

    fetch(run2, "alpha", a_url, "ok", sha_a2)
    fetch(run2, "alpha", "https://alpha.example/feed", "ok", kind="feed")
    fetch(run2, "eta", "https://eta.example/copy", "ok", sha_e)
    fetch(run1, "beta", b_url, "ok", sha_b)
    fetch(run2, "beta", b_url, "not_modified", sha_b)
    fetch(run2, "gamma", "https://gamma.example/feed", "ok", kind="feed")
    fetch(run2, "gamma", "https://gamma.example/1", "blocked")
    fetch(run2, "gamma", "https://gamma.example/2", "blocked")
    fetch(run2, "delta", "https://delta.example/1", "paywall")
    fetch(run2, "epsilon", "https://epsilon.example/other", "ok")

    event = _insert(
        store,
        "events",
        {
            "label": h(f"Lachin {IMG} crossing"),
            "first_published": "2026-11-26",
            "last_published": "2026-11-27",
            "status": "active",
            "created_run": run1,
            "updated_run": run2,
        },
    )
    other_event = _insert(
        store,
        "events",
        {
            "label": "Markets",
            "first_published": "2026-11-26",
            "last_published": "2026-11-26",
            "status": "active",
            "created_run": run2,
            "updated_run": run2,
        },
    )
    for aid, run in ((a2, run1), (b, run1), (e, run2)):
        _insert(
            store, "event_articles", {"event_id": event, "article_id": aid, "similarity": 0.8, "run_id": run}
        )
    _insert(
        store,
        "event_articles",
        {"event_id": other_event, "article_id": other, "similarity": 1.0, "run_id": run2},
    )

    def pid(aid: int, idx: int) -> int:
        return int(
            store._db.execute("SELECT id FROM passages WHERE article_id=? AND idx=?", [aid, idx]).fetchone()[
                0
            ],
        )

    claim_a = _insert(
        store,
        "claims",
        {
            "event_id": event,
            "key": h(FORMULA) or "k-crossing",
            "central_passage_id": pid(a2, 0),
            "n_outlets": 3,
            "is_unique": 0,
            "created_run": run1,
            "outlets": json.dumps(["alpha", "beta", "eta"]),
        },
    )
    claim_b = _insert(
        store,
        "claims",
        {
            "event_id": event,
            "key": "k-blockade",
            "central_passage_id": pid(b, 1),
            "n_outlets": 1,
            "is_unique": 1,
            "created_run": run2,
            "outlets": json.dumps(["beta"]),
        },
    )
    for run, claim, kind, outlet in ((run1, claim_a, "new", None), (run2, claim_b, "new", None),
                                     (run2, claim_a, "outlet_added", "eta")):  # fmt: skip
        _insert(
            store,
            "claim_changes",
            {"run_id": run, "event_id": event, "claim_id": claim, "kind": kind, "outlet_id": outlet,
             "at": "2026-11-28T02:05:00+00:00"},
        )  # fmt: skip
    for claim, aid, idx, sim, rep in (
        (claim_a, a2, 0, 1.0, 0),
        (claim_a, b, 0, 0.71, 0),
        (claim_a, e, 0, 1.0, 1),
        (claim_b, b, 1, 1.0, 0),
    ):
        _insert(
            store,
            "claim_passages",
            {"claim_id": claim, "passage_id": pid(aid, idx), "similarity": sim, "reprint": rep},
        )

    if with_event_framing:
        texts = {a2: alpha_v2, b: beta_text, e: alpha_v2}
        outlet_of = {a2: "alpha", b: "beta", e: "eta"}
        passages = {
            str(aid): [Passage(str(aid), i, s, t, x) for i, (s, t, x) in enumerate(_sentences(text))]
            for aid, text in texts.items()
        }
        articles = {str(aid): Article(str(aid), outlet_of[aid], None, texts[aid]) for aid in texts}
        ma = Member(str(a2), 0, 1.0)
        claims = [
            Claim(str(claim_a), (ma, Member(str(b), 0, 0.71), Member(str(e), 0, 1.0, True)), ma),
            Claim(str(claim_b), (Member(str(b), 1, 1.0),), Member(str(b), 1, 1.0)),
        ]
        readable = {"gamma": "blocked", "delta": "paywall", "epsilon": "ok", "zeta": "not_fetched"}
        framing = analyse_event(claims, passages, articles, readable)
        _insert(
            store,
            "event_framing",
            {
                "event_id": event,
                "run_id": run2,
                "params_hash": "p",
                "input_hash": "i",
                "data": json.dumps(to_dict(framing)),
                "built_at": "2026-11-28T02:09:00+00:00",
            },
        )
    return Fixture(
        store,
        event,
        other_event,
        {"a1": a1, "a2": a2, "b": b, "e": e, "other": other},
        {"A": claim_a, "B": claim_b},
        (run1, run2),
    )
