"""Predict texts with a model: single texts, and whole files with progress, ETA and cancel.

Results are plain data::

    {"labels": [str],                 # the model's classes, in order
     "probabilities": [[float]],      # one row per text, one column per class
     "predicted": [str],              # the most probable class per text
     "chunks": [int],                 # windows the model read the text in (1: in one pass)
     "truncated": [bool],             # only with long_text="truncate": the end was not read
     "long_text": "chunk" | "truncate",
     "inference_limit": int | None,   # tokens the model reads at once (None: no limit)
     "chunk_tokens": int | None}      # longer texts: windows of this many tokens

Texts longer than the model's ``chunk_tokens`` are read in windows and their
probabilities averaged (:mod:`desktop_app.core.predict.chunks`), or, with
``long_text="truncate"``, cut at its ``inference_limit``. ``predict_texts`` also gives ``chunk_details``: per text, its
windows as ``[{"index", "start", "end", "tokens", "probabilities": {label: p},
"predicted"}]`` (character spans), for a view of which passages drove the label.

``predict_batch`` adds ``accuracy`` (float, or None without usable true labels),
``correct`` ([bool | None] per text), ``labelled`` (texts with a true label the model
knows), ``warnings``, ``seconds`` and ``texts_per_second``. ``results_rows`` turns a
result into table rows for :func:`desktop_app.core.data.export.write_table`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext, RelabelledProgress
from desktop_app.core.predict.chunks import (
    DEFAULT_LONG_TEXT,
    LongPrediction,
    can_chunk,
    check_long_text,
    predict_long,
    text_chunks,
)

BATCH_SIZE = 128  # texts per forward pass in batch prediction (length-sorted)
EMPTY_TEXT = "There is no text to predict: type or paste a text first."


def _as_texts(texts: Sequence[Any]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    return ["" if t is None else str(t) for t in texts]


def _result(model: Any, texts: list[str], read: LongPrediction, long_text: str) -> dict:
    labels = [str(x) for x in model.labels]
    probs = np.asarray(read.probabilities, dtype=float).reshape(len(texts), len(labels))
    return {
        "labels": labels,
        "probabilities": probs.tolist(),
        "predicted": [labels[i] for i in probs.argmax(axis=1)] if len(texts) else [],
        "chunks": [int(x) for x in read.chunks],
        "truncated": [bool(x) for x in read.cut],
        "long_text": long_text,
        "inference_limit": getattr(model, "inference_limit", None),
        "chunk_tokens": getattr(model, "chunk_tokens", None),
    }


def check_texts(texts: Sequence[Any]) -> list[str]:
    """The texts as strings; :class:`UserError` when there are none or one is empty.

    A text of spaces only counts as empty: every model would still return a label for it
    (VADER says "neutral"), which looks like an answer but is not one. Data files never get
    here with empty rows: the loader drops them and reports how many."""
    texts = _as_texts(texts)
    if not texts or (len(texts) == 1 and not texts[0].strip()):
        raise UserError(EMPTY_TEXT)
    empty = [i for i, text in enumerate(texts) if not text.strip()]
    if empty:
        where = ", ".join(str(i + 1) for i in empty[:5]) + (", ..." if len(empty) > 5 else "")
        raise UserError(
            f"{len(empty)} of the {len(texts)} texts are empty (text {where}); "
            "give every text at least one word."
        )
    return texts


def predict_texts(
    model: Any,
    texts: Sequence[str],
    ctx: JobContext | None = None,
    long_text: str = DEFAULT_LONG_TEXT,
) -> dict:
    """Class probabilities, predicted label, chunks (and each chunk's span and
    probabilities: ``chunk_details``) for a few texts."""
    texts = check_texts(texts)
    long_text = check_long_text(long_text)
    read = predict_long(model, texts, long_text, ctx, offsets=True)
    result = _result(model, texts, read, long_text)
    result["chunk_details"] = [
        text_chunks(read, result["labels"], i, len(text)) for i, text in enumerate(texts)
    ]
    return result


def predict_batch(
    model: Any,
    texts: Sequence[str],
    true_labels: Sequence[Any] | None = None,
    ctx: JobContext | None = None,
    batch_size: int = BATCH_SIZE,
    long_text: str = DEFAULT_LONG_TEXT,
) -> dict:
    """Predict many texts in length-sorted batches; accuracy when ``true_labels`` are given.

    Long texts follow ``long_text`` (module docstring); ``chunks_per_second`` counts the
    windows read. Progress goes to ``ctx`` with an ETA in the message; cancel raises
    :class:`~desktop_app.core.errors.Cancelled`. Empty texts are refused (:func:`check_texts`).
    True labels that are empty or None count
    as unlabelled; labels the model does not know are reported in ``warnings``.
    """
    texts = check_texts(texts)
    long_text = check_long_text(long_text)
    if true_labels is not None and len(true_labels) != len(texts):
        raise UserError(f"{len(true_labels)} true labels were given for {len(texts)} texts.")
    started = time.perf_counter()
    n = len(texts)

    def message(done: int, total: int) -> str:
        if total == n:
            return f"Predicted {done:,} of {total:,} texts"
        return f"Read {done:,} of {total:,} chunks of {n:,} texts"

    inner = RelabelledProgress(ctx, message) if ctx is not None else None
    if can_chunk(model):
        # Torch models and the head: tokenise once, then length-sorted windows in
        # dynamically padded batches.
        read = predict_long(model, texts, long_text, inner, batch_size)
    else:
        probs = _batched(model, texts, inner, batch_size)
        read = LongPrediction(probs, [1] * n, [False] * n)
    seconds = time.perf_counter() - started
    result = _result(model, texts, read, long_text)
    chunks = sum(result["chunks"])
    result.update(
        {
            "seconds": seconds,
            "texts_per_second": n / seconds if seconds > 0 else None,
            "chunks_per_second": chunks / seconds if seconds > 0 else None,
        }
    )
    result.update(score(result["predicted"], true_labels, result["labels"]))
    return result


def _batched(model: Any, texts: list[str], ctx: JobContext | None, batch_size: int) -> np.ndarray:
    n = len(texts)
    out = np.zeros((n, len(model.labels)))
    order = sorted(range(n), key=lambda i: len(texts[i]))
    for start in range(0, n, batch_size):
        if ctx is not None:
            ctx.check_cancelled()
            ctx.progress(start, n)
        index = order[start : start + batch_size]
        out[index] = model.predict_proba([texts[i] for i in index])
    if ctx is not None:
        if ctx.should_stop():
            raise Cancelled()
        ctx.progress(n, n)
    return out


def score(
    predicted: Sequence[str], true_labels: Sequence[Any] | None, labels: Sequence[str]
) -> dict[str, Any]:
    """``accuracy``, ``correct`` (per row, None where unlabelled), ``labelled``, ``warnings``."""
    if true_labels is None:
        return {"accuracy": None, "correct": [None] * len(predicted), "labelled": 0, "warnings": []}
    known = set(labels)
    correct: list[bool | None] = []
    unknown: dict[str, int] = {}
    for pred, true in zip(predicted, true_labels, strict=True):
        if true is None or (isinstance(true, float) and np.isnan(true)) or str(true) == "":
            correct.append(None)
        elif str(true) not in known:
            unknown[str(true)] = unknown.get(str(true), 0) + 1
            correct.append(None)
        else:
            correct.append(str(true) == pred)
    scored = [c for c in correct if c is not None]
    warnings = []
    if unknown:
        shown = ", ".join(f"{k!r} ({v})" for k, v in sorted(unknown.items())[:5])
        warnings.append(
            f"{sum(unknown.values())} rows have labels the model does not know ({shown}); "
            f"the model's labels are {', '.join(labels)}. They are left out of the accuracy; "
            "map the file's label values to the model's names when loading it."
        )
    return {
        "accuracy": sum(scored) / len(scored) if scored else None,
        "correct": correct,
        "labelled": len(scored),
        "warnings": warnings,
    }


def results_rows(
    texts: Sequence[str],
    result: dict,
    true_labels: Sequence[Any] | None = None,
    extra: dict[str, Sequence[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Table rows: text, predicted, confidence, one ``p_<label>`` per class, chunks (windows
    read; 1 = in one pass), and true_label / correct when true labels are given; ``extra``
    columns go first."""
    labels = result["labels"]
    rows = []
    correct = result.get("correct") or [None] * len(texts)
    for i, text in enumerate(_as_texts(texts)):
        probs = result["probabilities"][i]
        row: dict[str, Any] = {name: values[i] for name, values in (extra or {}).items()}
        row["text"] = text
        row["predicted"] = result["predicted"][i]
        row["confidence"] = float(max(probs))
        for label, p in zip(labels, probs, strict=True):
            row[f"p_{label}"] = float(p)
        row["chunks"] = int(result["chunks"][i])
        if true_labels is not None:
            true = true_labels[i]
            row["true_label"] = None if true is None else str(true)
            row["correct"] = correct[i]
        rows.append(row)
    return rows
