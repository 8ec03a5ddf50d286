"""Predict texts with a model: single texts, and whole files with progress, ETA and cancel.

Results are plain data::

    {"labels": [str],                 # the model's classes, in order
     "probabilities": [[float]],      # one row per text, one column per class
     "predicted": [str],              # the most probable class per text
     "truncated": [bool]}             # the text is longer than the model reads

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

BATCH_SIZE = 128  # texts per forward pass in batch prediction (length-sorted)
EMPTY_TEXT = "There is no text to predict: type or paste a text first."


def _as_texts(texts: Sequence[Any]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    return ["" if t is None else str(t) for t in texts]


def _result(model: Any, texts: list[str], probs: np.ndarray, truncated: list[bool]) -> dict:
    labels = [str(x) for x in model.labels]
    probs = np.asarray(probs, dtype=float).reshape(len(texts), len(labels))
    return {
        "labels": labels,
        "probabilities": probs.tolist(),
        "predicted": [labels[i] for i in probs.argmax(axis=1)] if len(texts) else [],
        "truncated": [bool(x) for x in truncated],
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


def predict_texts(model: Any, texts: Sequence[str], ctx: JobContext | None = None) -> dict:
    """Class probabilities, predicted label and truncation flag for a few texts."""
    texts = check_texts(texts)
    probs = model.predict_proba(texts, ctx=ctx)
    return _result(model, texts, probs, list(model.truncated(texts)))


def predict_batch(
    model: Any,
    texts: Sequence[str],
    true_labels: Sequence[Any] | None = None,
    ctx: JobContext | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict:
    """Predict many texts in length-sorted batches; accuracy when ``true_labels`` are given.

    Progress goes to ``ctx`` with an ETA in the message; cancel raises
    :class:`~desktop_app.core.errors.Cancelled`. Empty texts are refused (:func:`check_texts`).
    True labels that are empty or None count
    as unlabelled; labels the model does not know are reported in ``warnings``.
    """
    texts = check_texts(texts)
    if true_labels is not None and len(true_labels) != len(texts):
        raise UserError(f"{len(true_labels)} true labels were given for {len(texts)} texts.")
    started = time.perf_counter()
    inner = (
        RelabelledProgress(ctx, lambda done, total: f"Predicted {done:,} of {total:,} texts")
        if ctx is not None
        else None
    )
    if hasattr(model, "encode") and hasattr(model, "proba_from_ids"):
        # Torch models: tokenise once, then length-sorted, dynamically padded batches.
        ids, truncated = model.encode(texts)
        probs = model.proba_from_ids(ids, ctx=inner, batch_size=batch_size)
    else:
        probs = _chunked(model, texts, inner, batch_size)
        truncated = list(model.truncated(texts))
    seconds = time.perf_counter() - started
    result = _result(model, texts, probs, truncated)
    result.update(
        {"seconds": seconds, "texts_per_second": len(texts) / seconds if seconds > 0 else None}
    )
    result.update(score(result["predicted"], true_labels, result["labels"]))
    return result


def _chunked(model: Any, texts: list[str], ctx: JobContext | None, batch_size: int) -> np.ndarray:
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
    """Table rows: text, predicted, confidence, one ``p_<label>`` per class, truncated, and
    true_label / correct when true labels are given; ``extra`` columns go first."""
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
        row["truncated"] = bool(result["truncated"][i])
        if true_labels is not None:
            true = true_labels[i]
            row["true_label"] = None if true is None else str(true)
            row["correct"] = correct[i]
        rows.append(row)
    return rows
