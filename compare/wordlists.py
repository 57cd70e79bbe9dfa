"""Shared word lists: function words and capitalised words that are not names.

Several stages skip the same small words (lexical similarity, entity spotting, loaded-term
matching, query terms); keeping the lists here keeps them from drifting apart.
"""

from __future__ import annotations

__all__ = ["FUNCTION_WORDS", "MORE_FUNCTION_WORDS", "NOT_NAMES"]

#: Lower-case function words (articles, prepositions, conjunctions, common pronouns and verbs).
FUNCTION_WORDS = frozenset(
    """
    a about after an and are as at be been before but by for from he her his how in into is it
    its not of on or our over she than that the their then there these they this those to was we
    were what when where which who whom why with you your
    """.split()  # noqa: SIM905
)

#: Further words that carry no judgement or topic: modal and auxiliary verbs, quantifiers,
#: reporting verbs ("said", "told"). Stages that want a wider net add these.
MORE_FUNCTION_WORDS = FUNCTION_WORDS | frozenset(
    """
    across against all also among any being between can could despite did do does done during
    even had has have here him i if just many may me might more most much must my new no nor off
    one only out per said say says shall should since so some still them three through told
    toward towards two under until up upon us very via while whose will within without would
    """.split()  # noqa: SIM905
)

#: Capitalised words that start sentences or name days and months, never entities on their own.
NOT_NAMES = frozenset(
    """
    A According After An And April As At August Before But By December Dr February For Friday
    From He Her His I If In It Its January July June March May Monday Mr Mrs Ms November October
    Of On Or Saturday September She Sunday That The Their These They This Those Thursday To
    Tuesday We Wednesday When While With Without
    """.split()  # noqa: SIM905
)
