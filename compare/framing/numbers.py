"""Numbers: figures in a sentence, with their unit and what they count.

"more than 100,000 people" → value 100000, unit ``people``, counts ``people``, qualifier
"more than" (a lower bound: :func:`interval`, :func:`compatible`);
"68 people had died" → counts ``casualties``; "3 million dollars" → 3e6 ``dollars``/``money``;
"12 percent" → ``percent``. Years ("in 2020") and times are not figures and are skipped. What a
figure counts is read from the noun after it and, for people, from a death/injury word close by,
so outlets that say "at least 200 killed" and "about 100 dead" are compared as casualties.

Russian, Azerbaijani and Armenian figures are read as those languages write them
(``language="ru"`` …): a space (or a no-break space) between thousands and a decimal comma
("1 500", "1,5 тыс." → 1500), their scale words (тыс., млн; min, milyon; հազար, միլիոն), their
bounds before the figure (более, около, не менее; təxminən, ən azı; ավելի քան, մոտ, առնվազն) or
after it (Azerbaijani "100-dən çox"), and the nouns that say what is counted (человек, грузовиков;
nəfər, yük maşını; մարդ, բեռնատար), stems matched as prefixes so inflected forms count.
"""

from __future__ import annotations

import re

from compare.framing.records import Cue, Number

__all__ = ["QUALIFIERS", "compatible", "describe", "extract_numbers", "interval"]

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "a dozen": 12, "dozens": 24, "hundreds": 200,
    "thousands": 2000, "tens of thousands": 20000, "hundreds of thousands": 200000,
}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9}
#: Words before a figure, by the bound they set: ``>`` more than, ``>=`` at least, ``<`` nearly
#: (below, close), ``<=`` up to, ``~`` about (either side, close), ``<<`` fewer than.
QUALIFIERS = {
    "more than": ">", "over": ">", "upwards of": ">", "in excess of": ">", "above": ">",
    "at least": ">=", "no fewer than": ">=", "no less than": ">=",
    "nearly": "<", "almost": "<", "close to": "<", "just under": "<", "nearly all": "<",
    "up to": "<=", "as many as": "<=", "at most": "<=", "no more than": "<=",
    "fewer than": "<<", "less than": "<<", "under": "<<", "below": "<<",
    "about": "~", "around": "~", "some": "~", "roughly": "~", "approximately": "~",
    "an estimated": "~", "estimated": "~", "circa": "~", "more or less": "~",
    # ru
    "более": ">", "свыше": ">", "больше": ">", "не менее": ">=", "как минимум": ">=",
    "почти": "<", "около": "~", "примерно": "~", "порядка": "~", "приблизительно": "~",
    "до": "<=", "не более": "<=", "менее": "<<", "меньше": "<<",
    # az (before the figure; "-dən çox" after it is read apart)
    "təxminən": "~", "təqribən": "~", "ən azı": ">=", "azı": ">=", "təxminən olaraq": "~",
    "dən çox": ">", "dan çox": ">", "dən artıq": ">", "dan artıq": ">",
    # hy
    "ավելի քան": ">", "մոտ": "~", "շուրջ": "~", "առնվազն": ">=", "գրեթե": "<",
}  # fmt: skip
_QUALIFIER = re.compile(
    r"\b(?P<q>" + "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True)) + r")\s+$",
    re.IGNORECASE,
)
_WORDS_ALT = "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?P<cur>[$€£₽])?(?P<num>\d{{1,3}}(?:[,\s]\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:{_WORDS_ALT})\b)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|m)\b)?"
    r"(?:\s*(?P<pct>%|per\s?cent|percent|percentage points?))?",
    re.IGNORECASE,
)

_COUNTS = {
    "people": {
        "people", "persons", "person", "civilians", "residents", "refugees", "children", "women",
        "men", "families", "patients", "migrants", "inhabitants", "protesters", "voters",
        "workers", "employees", "passengers", "students", "prisoners", "detainees", "armenians",
        "hostages", "visitors", "evacuees", "households", "homes", "citizens", "nurses",
        "azerbaijanis", "ukrainians", "russians", "israelis", "palestinians", "syrians",
    },
    "soldiers": {"soldiers", "troops", "servicemen", "fighters", "militants", "officers"},
    "vehicles": {"trucks", "lorries", "vehicles", "cars", "buses", "tanks", "convoys", "ambulances"},
    "days": {"days", "day", "weeks", "week", "months", "month", "hours", "hour", "years"},
    "money": {"dollars", "euros", "pounds", "roubles", "rubles", "manats", "drams", "usd", "eur"},
    "distance": {"kilometres", "kilometers", "km", "miles", "metres", "meters"},
    "tonnes": {"tonnes", "tons", "kilograms", "kg"},
    "positions": {"positions", "villages", "towns", "posts", "settlements"},
}  # fmt: skip
_UNIT_OF = {noun: counts for counts, nouns in _COUNTS.items() for noun in nouns}
_UNIT_AHEAD = re.compile(
    r"^\s+(?:" + "|".join(sorted(_UNIT_OF, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_CASUALTY = re.compile(
    r"\b(?:killed|dead|died|dies|deaths?|death\s+toll|wounded|injured|injuries|casualties|"
    r"lost\s+their\s+lives|bodies|fatalities|missing)\b",
    re.IGNORECASE,
)
_TO_DAYS = {"week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365,
            "day": 1, "days": 1}  # fmt: skip
_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*$", re.IGNORECASE
)
_CURRENCY = {"$": "dollars", "€": "euros", "£": "pounds", "₽": "roubles"}


#: What the languages read as they write figures add: stems of counted nouns (matched as
#: prefixes), death/injury words, scale words.
_NATIVE_UNITS = {
    "people": ("человек", "жител", "беженц", "гражданск", "армян", "азербайджанц", "дет",
               "nəfər", "sakin", "qaçqın", "erməni", "azərbaycanlı", "uşaq",
               "մարդ", "բնակիչ", "փախստական", "հայ", "երեխա", "քաղաքացի"),
    "soldiers": ("военнослужащ", "солдат", "военн", "əsgər", "hərbçi", "զինծառայող", "զինվոր"),
    "vehicles": ("грузовик", "машин", "автомобил", "фур", "yük maşın", "maşın", "tır",
                 "բեռնատար", "մեքենա"),
    "tonnes": ("тонн", "ton", "տոննա"),
    "days": ("дн", "ден", "недел", "месяц", "gün", "həftə", "ay", "օր", "շաբաթ", "ամիս"),
    "distance": ("километр", "км", "kilometr", "կիլոմետր", "կմ"),
    "money": ("рубл", "доллар", "манат", "драм", "dollar", "manat", "dram", "դոլար", "դրամ"),
}  # fmt: skip
_NATIVE_CASUALTY = re.compile(
    r"погиб|убит|ранен|жертв|погибш|həlak|öl[dü]|ölən|yaralan|şəhid|զոհ|սպանվ|վիրավոր|մահաց",
    re.IGNORECASE,
)
_NATIVE_SCALE = {"тыс": 1e3, "тысяч": 1e3, "млн": 1e6, "миллион": 1e6, "млрд": 1e9, "миллиард": 1e9,
                 "min": 1e3, "milyon": 1e6, "milyard": 1e9, "հազար": 1e3, "միլիոն": 1e6,
                 "միլիարդ": 1e9}  # fmt: skip
_NATIVE_LANGUAGES = frozenset({"ru", "az", "hy"})
_NATIVE_NUMBER = re.compile(
    r"(?P<cur>[$€£₽])?(?P<num>\d{1,3}(?:[\s\u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?:\s*(?P<scale>тыс\.?|тысяч[^\W\d_]*|млн\.?|миллион[^\W\d_]*|млрд\.?|миллиард[^\W\d_]*"
    r"|min\b|milyon[^\W\d_]*|milyard[^\W\d_]*|հազար[^\W\d_]*|միլիոն[^\W\d_]*|միլիարդ[^\W\d_]*))?"
    r"(?:\s*(?P<pct>%|процент[^\W\d_]*|faiz))?",
    re.IGNORECASE,
)
_NATIVE_MONTH = (
    r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr"
    r"|հունվար|փետրվար|մարտ|ապրիլ|մայիս|հունիս|հուլիս|օգոստոս|սեպտեմբեր|հոկտեմբեր|նոյեմբեր|դեկտեմբեր)"
)
_MONTH_AFTER = re.compile(r"^(?:-?[^\W\d_]{0,4})?\s*" + _NATIVE_MONTH, re.IGNORECASE)
_MONTH_BEFORE_NATIVE = re.compile(_NATIVE_MONTH + r"[^\W\d_]*\s*$", re.IGNORECASE)
_AFTER_BOUND = re.compile(r"^-?(?P<q>d[əa]n\s+(?:çox|artıq))\b", re.IGNORECASE)


def _value(num: str) -> float | None:
    key = num.lower()
    if key in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[key])
    digits = re.sub(r"[,\s]", "", num)
    try:
        return float(digits)
    except ValueError:  # pragma: no cover - the pattern only matches numerals
        return None


def _native_numbers(text: str) -> tuple[Number, ...]:
    """The figures of a Russian, Azerbaijani or Armenian sentence."""
    found: list[Number] = []
    for m in _NATIVE_NUMBER.finditer(text):
        num = m.group("num")
        value = float(re.sub(r"[\s\u00a0\u202f]", "", num).replace(",", "."))
        after, before = text[m.end() :], text[: m.start()]
        scale = (m.group("scale") or "").lower().rstrip(".")
        if not scale and not m.group("pct") and not m.group("cur"):
            if re.fullmatch(r"1[89]\d\d|20\d\d", num):  # a year
                continue
            if re.match(r"\s*(?::\d|-?(?:го|е|ого|ci|cü|cı|cu|րդ)\b)", after):  # a time or an ordinal
                continue
            if _MONTH_AFTER.match(after) or _MONTH_BEFORE_NATIVE.search(before[-16:]):  # a date
                continue
        if scale:
            value *= next(v for k, v in _NATIVE_SCALE.items() if scale.startswith(k))
        unit: str | None = None
        counts = "other"
        if m.group("pct"):
            unit, counts = "percent", "percent"
        elif m.group("cur"):
            unit, counts = _CURRENCY[m.group("cur")], "money"
        else:
            late = _AFTER_BOUND.match(after.lstrip(" "))
            rest = after.lstrip(" ")[late.end() :] if late else after
            ahead = " ".join(re.findall(r"[^\W\d_][\w-]*", rest[:60])[:3]).lower()
            for kind, stems in _NATIVE_UNITS.items():
                stem = next((st for st in stems if ahead.startswith(st)), None)
                if stem is not None:
                    unit, counts = ahead.split()[0], kind
                    break
            else:
                unit = ahead.split()[0] if ahead else None
        around = text[max(0, m.start() - 40) : m.start() + 60]  # "погибли 200 человек": either side
        if counts in ("people", "soldiers", "other") and _NATIVE_CASUALTY.search(around):
            counts = "casualties"
        bound = _QUALIFIER.search(before[-24:])
        qualifier = bound.group("q").lower() if bound else None
        late = _AFTER_BOUND.match(after.lstrip(" ")) if qualifier is None else None
        if late is not None:
            qualifier = late.group("q").lower()
        cue = Cue(m.start(), m.end(), text[m.start() : m.end()], "number")
        found.append(Number(value, unit, counts, cue, qualifier is not None, qualifier))
    return tuple(found)


def extract_numbers(text: str, *, language: str | None = None) -> tuple[Number, ...]:
    """The figures of one sentence, with unit and what they count (``other`` when unknown).

    ``language`` (ISO 639-1) reads Russian, Azerbaijani and Armenian figures as they are
    written there; any other value, or none, reads them as English writes them."""
    if language and language.split("-")[0].lower() in _NATIVE_LANGUAGES:
        return _native_numbers(text)
    found: list[Number] = []
    for m in _NUMBER.finditer(text):
        num = m.group("num")
        value = _value(num)
        if value is None:
            continue
        after = text[m.end() :]
        before = text[: m.start()]
        is_word = not num[0].isdigit()
        # Years, dates and clock times are not counts.
        if not m.group("scale") and not m.group("pct") and not m.group("cur"):
            if re.fullmatch(r"1[89]\d\d|20\d\d", num) and not _UNIT_AHEAD.match(after):
                continue
            if re.fullmatch(r"\d{1,2}", num) and _MONTH_BEFORE.search(before):
                continue
            if re.match(
                r"\s*(?::\d|[ap]\.?m\b|st\b|nd\b|rd\b|th\b|(?:jan|feb|mar|apr|may|jun|jul|"
                r"aug|sep|oct|nov|dec)[a-z]*\b)",
                after,
                re.IGNORECASE,
            ):
                continue
        if is_word and num.lower() in ("one",) and not re.match(r"\s+\w", after):
            continue
        if m.group("scale"):
            value *= _SCALE[m.group("scale").lower()]
        unit: str | None = None
        counts = "other"
        if m.group("pct"):
            unit, counts = "percent", "percent"
        elif m.group("cur"):
            unit, counts = _CURRENCY[m.group("cur")], "money"
        else:
            ahead = [w.lower() for w in re.findall(r"[A-Za-z][\w-]*", after[:60])[:4]]
            if ahead and ahead[0] == "of":
                ahead = ahead[1:]
            known = next((w for w in ahead[:3] if w in _UNIT_OF), None)
            if known is not None:
                unit, counts = known, _UNIT_OF[known]
            elif ahead and ahead[0] not in ("and", "to", "or"):
                unit = ahead[0]
        if unit in _TO_DAYS:
            value, unit = value * _TO_DAYS[unit], "days"
        if counts in ("people", "soldiers", "other") and _CASUALTY.search(text[m.start() :][:60]):
            counts = "casualties"
        bound = _QUALIFIER.search(before[-24:])
        qualifier = bound.group("q").lower() if bound else None
        approximate = qualifier is not None or (is_word and num.lower().endswith("s"))
        cue = Cue(m.start(), m.end(), text[m.start() : m.end()], "number")
        found.append(Number(value, unit, counts, cue, approximate, qualifier))
    # "between 360 and 400 tonnes": the first figure of a range takes the second one's unit.
    for k in range(len(found) - 1):
        first, second = found[k], found[k + 1]
        gap = text[first.cue.end : second.cue.start]
        if first.unit is None and re.fullmatch(r"\s*(?:and|to|or|-|–)\s*", gap):
            found[k] = Number(first.value, second.unit, second.counts, first.cue, True, first.qualifier)
    return tuple(found)


def interval(number: Number) -> tuple[float, float, bool, bool]:
    """The values a figure allows: ``(low, high, low_open, high_open)``.

    "300" is exactly 300; "more than 300" is above 300, "at least 300" from 300 up; "nearly 300"
    just below it (within 10%), "up to 300" anything to 300; "about 300" within 5% either side;
    a round word figure ("hundreds") within half its size.
    """
    v = number.value
    sign = QUALIFIERS.get(number.qualifier or "", "=" if not number.approximate else "~~")
    if sign == ">":
        return v, float("inf"), True, False
    if sign == ">=":
        return v, float("inf"), False, False
    if sign == "<":
        return 0.9 * v, v, False, True
    if sign == "<=":
        return 0.0, v, False, False
    if sign == "<<":
        return 0.0, v, False, True
    if sign == "~":
        return 0.95 * v, 1.05 * v, False, False
    if sign == "~~":
        return 0.5 * v, 1.5 * v, False, False
    return v, v, False, False


def compatible(a: Number, b: Number) -> bool:
    """Whether two figures for the same thing agree.

    Different figures disagree ("19" and "nearly 20 trucks", "about 360" and "400 tonnes"), unless
    one is a vague word figure ("hundreds") whose range holds the other. The same figure agrees
    unless its qualifiers exclude each other ("more than 300" and "nearly 300" disagree; "about
    360" and "360", "at least 300" and "300", "two" and "2" agree).
    """
    vague = (a.approximate and a.qualifier is None) or (b.approximate and b.qualifier is None)
    if a.value != b.value and not vague:
        return False
    lo_a, hi_a, lo_open_a, hi_open_a = interval(a)
    lo_b, hi_b, lo_open_b, hi_open_b = interval(b)
    low, low_open = max((lo_a, lo_open_a), (lo_b, lo_open_b))
    high, high_closed = min((hi_a, not hi_open_a), (hi_b, not hi_open_b))
    if low < high:
        return True
    return low == high and not low_open and high_closed


def describe(number: Number) -> str:
    """A figure as a reader says it: "more than 300", "19 trucks"."""
    value = f"{number.value:,.0f}" if number.value == int(number.value) else f"{number.value:,g}"
    words = [number.qualifier, value, number.unit if number.unit not in (None, "percent") else None]
    text = " ".join(w for w in words if w)
    return text + ("%" if number.unit == "percent" else "")
