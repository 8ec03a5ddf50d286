"""Long texts: read in token windows, and the document's probabilities from theirs.

A model reads at most ``inference_limit`` tokens at once (special tokens included): what its
position embeddings accept for the transformers (at most 512), its own chunk length for the
BiLSTM (256), no limit for VADER. Texts are read in windows of ``chunk_tokens`` tokens (special
tokens included: 128 for the transformers and the MiniLM head, at most their limit): a text
that fits is read whole, in one pass; a longer one in windows spread evenly over it so that
neighbours share at least ``OVERLAP`` tokens, and the document gets the mean of its windows'
class probabilities. ``long_text="truncate"`` reads only the first ``inference_limit`` tokens
instead (one pass per text).

Why these settings (``benchmarks/longdoc_bench.py --sweep``; 400 NLTK movie reviews, about
820 tokens each, MiniLM fine-tuned one epoch on rt_polarity sentences, training length 48):
cut at 48 tokens 0.585 accuracy; truncated to 512: 0.69; token windows of 512: 0.72, of 256:
0.79, of 128: 0.86, of 64: 0.85; sentence-aligned windows of up to 256: 0.82, of 128: 0.86.
A model trained on sentences leans towards one class on inputs much longer than its training
texts (here: 60 % of the positive reviews read as negative with 256-token windows, 20 % with
128), and that holds for a text of 480 tokens read whole too (0.685, against 0.79 in windows
of 128), so windows start at 128 tokens, not at the model's limit. Mean and length-weighted
mean are the same for equal windows (and the plain mean was as good or better for sentence
windows); token windows are as good as sentence-aligned ones and simpler. The BiLSTM read
equally well with windows of 32 to 1,024 tokens (0.68-0.71; 0.56 cut at its training length).

A model that can be read in windows has (see :class:`desktop_app.core.models.base.SentimentModel`):
``inference_limit``, ``chunk_tokens``, ``special_tokens``, ``content_tokens(texts, offsets)``
(token ids without special tokens, and each token's character span), ``wrap(ids)`` (adds the
special tokens) and ``proba_from_ids(inputs, ctx, batch_size)``. Anything else (VADER, a plain
object with ``predict_proba``) is read whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext

LONG_TEXT_MODES = ("chunk", "truncate")
DEFAULT_LONG_TEXT = "chunk"
CHUNK_TOKENS = 128  # window length, special tokens included (measured: module docstring)
OVERLAP = 32  # tokens neighbouring windows share at least
AGGREGATIONS = ("mean", "weighted")
DEFAULT_AGGREGATION = "mean"


def check_long_text(mode: Any) -> str:
    """``mode`` as one of :data:`LONG_TEXT_MODES` (None: the default); UserError otherwise."""
    if mode is None or mode == "":
        return DEFAULT_LONG_TEXT
    mode = str(mode).strip().lower()
    if mode not in LONG_TEXT_MODES:
        raise UserError(
            f"Unknown long-text mode {mode!r}: use 'chunk' (read long texts in windows and "
            "average them) or 'truncate' (read only the beginning)."
        )
    return mode


# -- windows --------------------------------------------------------------------------------
def plan_windows(n: int, size: int, overlap: int = OVERLAP) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` that cover ``n`` tokens in windows of ``size`` tokens.

    ``n <= size``: one window, the whole text (also for ``n == 0``). Otherwise the fewest
    windows of exactly ``size`` tokens whose neighbours share at least ``overlap`` tokens
    (at most half a window), spread evenly from the first token to the last, so every window
    has full context and no short last window gets the same say as a full one."""
    if size < 1:
        raise ValueError("a window needs at least one token")
    if n <= size:
        return [(0, n)]
    overlap = max(0, min(int(overlap), size // 2))
    count = math.ceil((n - overlap) / (size - overlap))
    count = max(count, 2)
    span = n - size
    starts = [round(i * span / (count - 1)) for i in range(count)]
    return [(s, s + size) for s in starts]


def aggregate(
    probs: np.ndarray,
    owner: Sequence[int],
    n_texts: int,
    weights: Sequence[float] | None = None,
    how: str = DEFAULT_AGGREGATION,
) -> np.ndarray:
    """Per-text probabilities from per-window ``probs``: the mean of each text's windows
    (``how="mean"``) or their mean weighted by ``weights`` (``"weighted"``: tokens read)."""
    probs = np.asarray(probs, dtype=float)
    owner_arr = np.asarray(owner, dtype=int)
    classes = probs.shape[1] if probs.ndim == 2 else 0
    if how not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {how!r}")
    if how == "weighted" and weights is not None:
        w = np.maximum(np.asarray(weights, dtype=float), 1e-9)
    else:
        w = np.ones(len(owner_arr))
    total = np.zeros((n_texts, classes))
    np.add.at(total, owner_arr, probs * w[:, None])
    norm = np.zeros(n_texts)
    np.add.at(norm, owner_arr, w)
    if np.any(norm == 0):
        raise ValueError("every text needs at least one window")
    return total / norm[:, None]


@dataclass
class Reading:
    """How a list of texts is fed to the model: one entry per window."""

    inputs: list[list[int]] = field(default_factory=list)  # model input ids (special tokens in)
    owner: list[int] = field(default_factory=list)  # index of the text each window belongs to
    tokens: list[int] = field(default_factory=list)  # text tokens in each window
    spans: list[tuple[int, int]] = field(default_factory=list)  # character span in its text
    counts: list[int] = field(default_factory=list)  # windows per text
    cut: list[bool] = field(default_factory=list)  # per text: tokens were left unread


def can_chunk(model: Any) -> bool:
    """Whether ``model`` reads token windows (else it is given whole texts)."""
    return bool(getattr(model, "inference_limit", None)) and hasattr(model, "content_tokens")


def plan_reading(
    model: Any,
    texts: Sequence[str],
    long_text: str = DEFAULT_LONG_TEXT,
    *,
    offsets: bool = False,
    chunk_tokens: int | None = None,
    overlap: int = OVERLAP,
) -> Reading:
    """The windows ``model`` reads for ``texts`` (``offsets``: fill ``spans`` from the
    tokenizer's character offsets; else spans are the whole text or ``(0, 0)``).

    "chunk": texts over ``chunk_tokens`` in windows of that length; "truncate": texts over
    ``inference_limit`` cut there."""
    long_text = check_long_text(long_text)
    limit = int(model.inference_limit)
    special = int(getattr(model, "special_tokens", 0))
    size = int(min(chunk_tokens or getattr(model, "chunk_tokens", None) or limit, limit))
    if long_text == "truncate":
        size = limit
    reading = Reading()
    for index, (ids, where) in enumerate(model.content_tokens(list(texts), offsets=offsets)):
        n = len(ids)
        if n + special <= size:
            ranges = [(0, n)]
        elif long_text == "truncate":
            ranges = [(0, limit - special)]
        else:
            ranges = plan_windows(n, max(1, size - special), overlap)
        reading.counts.append(len(ranges))
        reading.cut.append(ranges[-1][1] < n)
        for start, end in ranges:
            reading.inputs.append(model.wrap(ids[start:end]))
            reading.owner.append(index)
            reading.tokens.append(end - start)
            reading.spans.append(_char_span(where, start, end, len(texts[index])))
    return reading


def _char_span(
    where: Sequence[tuple[int, int]] | None, start: int, end: int, length: int
) -> tuple[int, int]:
    """The characters a window ``[start, end)`` of tokens covers (a text without tokens:
    all of it; without offsets: all of it for the first window, else unknown ``(0, 0)``)."""
    if not where or end <= start:
        return (0, length) if start == 0 else (0, 0)
    return (int(where[start][0]), int(where[end - 1][1]))


@dataclass
class LongPrediction:
    """Class probabilities per text, and how each text was read."""

    probabilities: np.ndarray  # (texts, classes)
    chunks: list[int]  # windows read per text (1 = read whole or truncated)
    cut: list[bool]  # per text: part of it was not read (truncate mode)
    reading: Reading | None = None  # the windows (None: the model read whole texts)
    window_probabilities: np.ndarray | None = None  # (windows, classes)


def predict_long(
    model: Any,
    texts: Sequence[str],
    long_text: str = DEFAULT_LONG_TEXT,
    ctx: JobContext | None = None,
    batch_size: int | None = None,
    *,
    offsets: bool = False,
    chunk_tokens: int | None = None,
    overlap: int = OVERLAP,
    how: str = DEFAULT_AGGREGATION,
) -> LongPrediction:
    """Probabilities of ``texts`` read by the long-text rule (module docstring).

    Windows go through ``model.proba_from_ids`` in length-sorted, dynamically padded
    batches (progress and cancel through ``ctx``, counted in windows)."""
    texts = [str(t) for t in texts]
    if not can_chunk(model):
        probs = np.asarray(model.predict_proba(texts, ctx=ctx), dtype=float)
        return LongPrediction(probs, [1] * len(texts), [False] * len(texts))
    reading = plan_reading(
        model, texts, long_text, offsets=offsets, chunk_tokens=chunk_tokens, overlap=overlap
    )
    return predict_reading(model, reading, len(texts), ctx, batch_size, how)


def predict_reading(
    model: Any,
    reading: Reading,
    n_texts: int,
    ctx: JobContext | None = None,
    batch_size: int | None = None,
    how: str = DEFAULT_AGGREGATION,
) -> LongPrediction:
    """The windows of a :func:`plan_reading` through the model, and each text's mean."""
    window_probs = np.asarray(
        model.proba_from_ids(reading.inputs, ctx=ctx, batch_size=batch_size), dtype=float
    )
    probs = aggregate(window_probs, reading.owner, n_texts, reading.tokens, how)
    return LongPrediction(probs, list(reading.counts), list(reading.cut), reading, window_probs)


def text_chunks(
    prediction: LongPrediction, labels: Sequence[str], index: int, text_length: int
) -> list[dict]:
    """The windows of text ``index`` as plain data, for the Predict and Explain views:
    ``[{"index", "start", "end", "tokens", "probabilities": {label: p}, "predicted"}]``
    with character spans in the text (``tokens``: None for a model read whole); one entry
    for a text read in one pass."""
    reading = prediction.reading
    probs = prediction.window_probabilities
    if reading is None or probs is None:
        return [_chunk(0, (0, text_length), None, prediction.probabilities[index], labels)]
    rows = [i for i, owner in enumerate(reading.owner) if owner == index]
    return [
        _chunk(k, reading.spans[i], reading.tokens[i], probs[i], labels) for k, i in enumerate(rows)
    ]


def _chunk(
    k: int, span: tuple[int, int], tokens: int | None, row: np.ndarray, labels: Sequence[str]
) -> dict:
    labels = [str(x) for x in labels]
    return {
        "index": k,
        "start": int(span[0]),
        "end": int(span[1]),
        "tokens": tokens,
        "probabilities": {name: float(p) for name, p in zip(labels, row, strict=True)},
        "predicted": labels[int(np.argmax(row))],
    }
