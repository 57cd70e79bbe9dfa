"""How a store built from the demo web compares with ``seeds/EXPECTED.yaml``.

The demo corpus was written together with a description of what a correct comparison finds:
events, key claims with who carries them and in whose voice, labels, disagreeing numbers, the
reprint, the silent edit and the pages that cannot be read. This module scores a store against
it, so the end-to-end test pins floors and a person can see where the pipeline falls short.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from compare.store import Store
from compare.view import PRESENCE_NOT_READ, PRESENCE_OMITS, EventView, PresenceContext, build_event_view

__all__ = ["load_expected", "presence_disagreements", "score_store"]


def presence_disagreements(view: EventView) -> int:
    """Claim cells whose presence contradicts the outlet's row in the Outlets table (must be 0)."""
    bad = 0
    for claim in view.claims:
        for cell in claim.cells:
            status = view.outlet(cell.outlet_id)
            if status is None or cell.presence not in (PRESENCE_OMITS, PRESENCE_NOT_READ):
                continue
            expected = PRESENCE_NOT_READ if not status.read else PRESENCE_OMITS
            bad += cell.presence != expected or (
                expected == PRESENCE_NOT_READ and cell.reason != status.reason
            )
    return bad


def load_expected(seeds_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load((seeds_dir / "EXPECTED.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{seeds_dir}/EXPECTED.yaml is not a mapping")
    return data


def _bcubed(pred: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    items = [i for i in gold if i in pred]
    if not items:
        return 0.0, 0.0, 0.0
    p_sum = r_sum = 0.0
    for i in items:
        same_pred = {j for j in items if pred[j] == pred[i]}
        same_gold = {j for j in items if gold[j] == gold[i]}
        both = len(same_pred & same_gold)
        p_sum += both / len(same_pred)
        r_sum += both / len(same_gold)
    p, r = p_sum / len(items), r_sum / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_store(store: Store, expected: Mapping[str, Any], url_for: Callable[[str], str]) -> dict[str, Any]:
    """Score the store's events, claims, attribution, presence, labels, numbers and reprints."""
    article_of: dict[str, int] = {}
    for key in {k for e in expected["events"] for k in e["articles"]}:
        found = store.article_id_for_url(url_for(key))
        if found is not None:
            article_of[key] = found
    event_of = store.events_of_articles(article_of.values())
    context = PresenceContext.load(store)
    views = [build_event_view(store, e, context=context) for e in store.active_event_ids()]
    # events ------------------------------------------------------------------------------------
    gold = {key: e["id"] for e in expected["events"] for key in e["articles"] if key in article_of}
    pred = {key: str(event_of.get(article_of[key], f"none-{key}")) for key in gold}
    precision, recall, f1 = _bcubed(pred, gold)
    unrelated = {e["id"] for e in expected["events"] if e.get("unrelated")}
    bad_merges = sorted(
        {
            (gold[a], gold[b])
            for a, b in itertools.combinations(sorted(gold), 2)
            if pred[a] == pred[b] and gold[a] != gold[b] and (gold[a] in unrelated or gold[b] in unrelated)
        }
    )

    # claims: are the passages that carry one expected claim aligned together? -------------------
    passages = {aid: [(p.id, p.text) for p in store.article_passages(aid)] for aid in article_of.values()}
    every = [pid for ps in passages.values() for pid, _ in ps]
    claim_of = {pid: claim for pid, (claim, _, _) in store.claims_of_passages(every).items()}
    attribution_of = {pid: f.attribution for pid, f in store.framing_of(every).items()}

    def passage_for(key: str, quote: str) -> int | None:
        probe = " ".join(quote.split())[:60]
        for pid, text in passages.get(article_of.get(key, -1), []):
            if probe[:40] in " ".join(text.split()):
                return pid
        return None

    pair_total = pair_same = 0
    apart_total = apart_merged = 0  # passages of two different expected claims of one event
    carried: dict[str, list[list[int]]] = {}
    attribution_total = attribution_right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    found = missing = 0
    for claim in expected["claims"]:
        pids = []
        for key, info in claim["carried_by"].items():
            if info.get("version", 1) != 1 and key in article_of:
                pass  # carried in the second version only: its passage may or may not be current
            pid = passage_for(key, info["quote"])
            if pid is None:
                missing += 1
                continue
            found += 1
            pids.append(pid)
            got = attribution_of.get(pid)
            if got is not None:
                attribution_total += 1
                attribution_right += got == info["attribution"]
                confusion[(info["attribution"], got)] += 1
        for a, b in itertools.combinations(pids, 2):
            pair_total += 1
            pair_same += claim_of.get(a, -a) == claim_of.get(b, -b)
        carried.setdefault(claim["event"], []).append(pids)
    for groups in carried.values():
        for first, second in itertools.combinations(groups, 2):
            for a in first:
                for b in second:
                    if a != b:
                        apart_total += 1
                        apart_merged += claim_of.get(a, -a) == claim_of.get(b, -b)

    # presence: an unreadable outlet never "omits" ---------------------------------------------
    blocked = {u["target"] for u in expected.get("unreadable", []) if u["kind"] == "outlet"}
    wrong_omissions = sum(
        1
        for view in views
        for claim in view.claims
        for cell in claim.cells
        if cell.outlet_id in blocked and cell.presence == PRESENCE_OMITS
    )

    # labels: the outlet's own term is in its ledger row for some event ---------------------------
    used: dict[str, set[str]] = {}
    for view in views:
        for concept in view.ledger:
            for term in concept.terms:
                used.setdefault(term.outlet_id, set()).add(term.term.lower())
    label_total = label_found = 0
    read = {key.split("/", 1)[0] for key in article_of}  # outlets of this run (the English demo has fewer)
    for concept in expected.get("labels", []):
        for outlet, term in concept["terms"].items():
            if outlet not in read:
                continue
            label_total += 1
            label_found += any(term.lower() in t or t in term.lower() for t in used.get(outlet, ()))

    # numbers: the disagreements the stage reports, per expected set -----------------------------
    reported = [{"values": {v.outlet_id: v.values for v in n.values}} for view in views for n in view.numbers]
    number_found = 0
    for numbers in expected.get("numbers", []):
        values: set[float] = set()
        for v in numbers["values"].values():
            for x in v["value"] if isinstance(v["value"], list) else [v["value"]]:
                if isinstance(x, int | float):
                    values.add(float(x))
        number_found += any(
            len({float(x) for xs in d["values"].values() for x in xs} & values) >= 2 for d in reported
        )

    # reprints ---------------------------------------------------------------------------------
    reprint_of = store.reprint_links()
    reprint_total = reprint_linked = reprint_origin = 0
    for group in expected.get("reprints", []):
        origin = article_of.get(group["origin"])
        members = {article_of.get(k) for k in [group["origin"], *(c["key"] for c in group["copies"])]}
        linked = [a for a in members if a is not None and reprint_of.get(a) in members]
        reprint_total += len(group["copies"])
        reprint_linked += len(linked)  # copies marked as reprints of another member of the group
        reprint_origin += sum(
            1
            for c in group["copies"]
            if origin is not None and reprint_of.get(article_of.get(c["key"], -1)) == origin
        )

    return {
        "events_bcubed_precision": round(precision, 4),
        "events_bcubed_recall": round(recall, 4),
        "events_bcubed_f1": round(f1, 4),
        "unrelated_merges": [list(m) for m in bad_merges],
        "claim_passages_found": found,
        "claim_passages_missing": missing,
        "claim_pair_agreement": round(pair_same / pair_total, 4) if pair_total else 0.0,
        "claim_wrong_merges": round(apart_merged / apart_total, 4) if apart_total else 0.0,
        "attribution_accuracy": round(attribution_right / attribution_total, 4) if attribution_total else 0.0,
        "attribution_confusion": {f"{g}->{p}": n for (g, p), n in sorted(confusion.items())},
        "unreadable_reported_as_omitting": wrong_omissions,
        "presence_disagreements": sum(presence_disagreements(v) for v in views),
        "labels_found": f"{label_found}/{label_total}",
        "label_recall": round(label_found / label_total, 4) if label_total else 0.0,
        "number_sets_found": f"{number_found}/{len(expected.get('numbers', []))}",
        "reprints_linked": f"{reprint_linked}/{reprint_total}",
        "reprint_origins_right": f"{reprint_origin}/{reprint_total}",
    }
