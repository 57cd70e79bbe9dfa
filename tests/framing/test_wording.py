"""Word-level diffs between aligned sentences."""

from __future__ import annotations

from compare.framing.wording import differing_terms, substitutions, word_diff


def test_substitution_insertion_deletion() -> None:
    a = "Azerbaijan set up a checkpoint on the Lachin road."
    b = "Azerbaijan tightened its illegal blockade on the Lachin road."
    ops = word_diff(a, b)
    assert [o.op for o in ops if o.op != "equal"] == ["replace"]
    replace = next(o for o in ops if o.op == "replace")
    assert a[replace.a_start : replace.a_end] == replace.a
    assert b[replace.b_start : replace.b_end] == replace.b
    ops2 = word_diff("The road was closed.", "The road was closed again today.")
    assert [(o.op, o.b) for o in ops2 if o.op != "equal"] == [("insert", "again today")]
    ops3 = word_diff("The road was closed again.", "The road was closed.")
    assert [(o.op, o.a) for o in ops3 if o.op != "equal"] == [("delete", "again")]


def test_substitutions_keep_short_content_swaps() -> None:
    ops = word_diff("Protesters blocked the road near Shusha.", "Eco-activists blocked the road near Shushi.")
    assert substitutions(ops) == [("Protesters", "Eco-activists"), ("Shusha", "Shushi")]
    assert substitutions(word_diff("It fell 5 percent.", "It fell 7 percent.")) == []


def test_differing_terms_from_diff_and_lexicon() -> None:
    from compare.framing.lexicon import find_loaded, load_lexicons

    a = "Azerbaijan set up a checkpoint on the road."
    b = "Azerbaijan set up a brutal blockade on the road."
    ops = word_diff(a, b)
    terms = differing_terms(ops, find_loaded(b, load_lexicons()))
    sources = {t.cue.text: t.source for t in terms}
    assert sources["brutal"].startswith("diff:")
    assert sources["blockade"].startswith("diff:")
    swap = differing_terms(word_diff("Protesters blocked it.", "Eco-activists blocked it."), ())
    assert [(t.term, t.source, t.note) for t in swap] == [("eco-activists", "diff", "instead of: Protesters")]
