"""Worker jobs of the Label tab: score the unlabelled pool, and review labels out of fold.

Both run on the model worker thread (they touch the model), return plain data and
never write to the project: label writes go straight from the GUI to the store.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.fingerprint import data_fingerprint
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext
from desktop_app.core.predict.chunks import check_long_text, predict_long
from desktop_app.jobs.common import current_model, precision_of, with_precision

SCORE_BATCH = 64
REVIEW_THRESHOLD = 0.8
MIN_REVIEW_ROWS = 10


def margins_from_proba(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(margin between the top two probabilities, index of the top class, its probability)."""
    if proba.shape[0] == 0:
        empty = np.zeros(0)
        return empty, empty.astype(int), empty
    top = np.argmax(proba, axis=1)
    best = proba[np.arange(len(proba)), top]
    if proba.shape[1] < 2:
        return np.ones(len(proba)), top, best
    two = np.partition(proba, -2, axis=1)[:, -2:]
    return two[:, 1] - two[:, 0], top, best


def score_pool(state: Any, params: dict, ctx: JobContext) -> dict:
    """Suggestions and uncertainty for pool rows with the current model.

    params: ``row_ids``, ``texts`` (same length), ``batch_size`` (optional), ``phase``
    (a tag the tab uses, e.g. "sample" or "rest"), ``long_text`` ("chunk", the default, or
    "truncate": how texts over the model's limit are read, as in Predict). Each finished
    batch is also sent as a ``"scores"`` partial so a long pool fills the queue while it is
    being scored. Result: ``row_ids``, ``margins``, ``suggestions``, ``confidences``,
    ``probabilities``, ``chunks`` (windows read per row), ``labels`` (the model's),
    ``model_info``, ``phase``, ``long_text``, ``precision`` (and ``precision_info``: the
    ``precision`` param, default auto, as for predict).
    """

    row_ids = [int(i) for i in params.get("row_ids", [])]
    texts = [str(t) for t in params.get("texts", [])]
    if len(row_ids) != len(texts):
        raise ValueError("score_pool needs as many row ids as texts")
    batch = max(1, int(params.get("batch_size") or SCORE_BATCH))
    long_text = check_long_text(params.get("long_text"))
    model = current_model(state)
    labels = list(model.labels)
    info = dict(state.model_info)
    result: dict[str, Any] = {
        "row_ids": [],
        "margins": [],
        "suggestions": [],
        "confidences": [],
        "probabilities": [],
        "chunks": [],
        "labels": labels,
        "model_info": dict(info),
        "phase": params.get("phase", ""),
        "long_text": long_text,
    }
    total = len(texts)
    # Shortest texts first inside the request: padding stays small, batches run faster.
    order = sorted(range(total), key=lambda i: len(texts[i]))
    with precision_of(model, params, ctx) as choice:
        _score(model, texts, row_ids, order, batch, long_text, result, ctx)
    ctx.progress(total, total, "Label queue scored")
    return with_precision(result, choice)


def _score(
    model: Any,
    texts: list[str],
    row_ids: list[int],
    order: list[int],
    batch: int,
    long_text: str,
    result: dict[str, Any],
    ctx: JobContext,
) -> None:
    labels = result["labels"]
    total = len(texts)
    for start in range(0, total, batch):
        ctx.check_cancelled()
        ctx.progress(start, total, f"Scoring rows for the label queue ({start}/{total})")
        index = order[start : start + batch]
        read = predict_long(model, [texts[i] for i in index], long_text)
        proba = np.asarray(read.probabilities, dtype=float)
        margin, top, best = margins_from_proba(proba)
        chunk = {
            "row_ids": [row_ids[i] for i in index],
            "margins": margin.round(6).tolist(),
            "suggestions": [labels[int(k)] for k in top],
            "confidences": best.round(6).tolist(),
            "probabilities": proba.round(5).tolist(),
            "chunks": [int(c) for c in read.chunks],
            "labels": labels,
            "phase": result["phase"],
        }
        for key in ("row_ids", "margins", "suggestions", "confidences", "probabilities", "chunks"):
            result[key].extend(chunk[key])
        ctx.partial("scores", chunk)


def _encoder(state: Any) -> Any:
    """The frozen MiniLM encoder: the current model's when it is a minilm-head, else cached."""
    model = state.model
    encoder = (
        getattr(model, "encoder", None) if getattr(model, "kind", "") == "minilm-head" else None
    )
    if encoder is not None:
        return encoder
    cached = state.cache.get("label_review_encoder")
    if cached is None:
        from desktop_app.core.models.minilm_head import Encoder

        device = (state.device or {}).get("device", "cpu")
        cached = Encoder(device=device if device in ("cpu", "cuda", "mps") else "cpu")
        state.cache["label_review_encoder"] = cached
    return cached


def review_labels(state: Any, params: dict, ctx: JobContext) -> dict:
    """Rows whose label an out-of-fold ``minilm-head`` prediction contradicts with confidence.

    The frozen encoder's embeddings are computed once; a LogisticRegression is then
    cross-validated (``cross_val_predict``, stratified ``folds``-fold) so no row is judged
    by a model that saw it. params: ``row_ids``, ``texts``, ``labels``, ``folds`` (5),
    ``threshold`` (0.8: the OOF probability of another class needed to flag a row), ``seed``.
    """
    row_ids = [int(i) for i in params.get("row_ids", [])]
    texts = [str(t) for t in params.get("texts", [])]
    given = [str(y) for y in params.get("labels", [])]
    if not (len(row_ids) == len(texts) == len(given)):
        raise ValueError("review_labels needs row ids, texts and labels of the same length")
    folds = int(params.get("folds", 5))
    threshold = float(params.get("threshold", REVIEW_THRESHOLD))
    seed = int(params.get("seed", 0))
    counts: dict[str, int] = {}
    for y in given:
        counts[y] = counts.get(y, 0) + 1
    # A class needs at least two rows to appear on both sides of a fold.
    keep = [i for i, y in enumerate(given) if counts[y] >= 2]
    classes = sorted({given[i] for i in keep})
    if len(keep) < MIN_REVIEW_ROWS or len(classes) < 2:
        raise UserError(
            f"Review needs at least {MIN_REVIEW_ROWS} labelled rows in two or more classes "
            f"(with two rows per class); label a few more rows first."
        )
    k = max(2, min(folds, min(counts[c] for c in classes)))

    with heavy_imports():
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

    ctx.log("Review: embedding the labelled rows with the frozen MiniLM encoder…")
    texts_kept = [texts[i] for i in keep]
    digest = data_fingerprint([("review", texts_kept, [])])
    encoder = _encoder(state)
    x = encoder.embed_cached(texts_kept, ("label-review", digest), ctx, message="Review: embedding")
    y = np.array([given[i] for i in keep])
    ctx.check_cancelled()
    ctx.progress(0, 1, f"Review: {k}-fold cross-validation")
    head = LogisticRegression(max_iter=2000, C=4.0)
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    proba = cross_val_predict(head, x, y, cv=cv, method="predict_proba")
    ctx.progress(1, 1, "Review done")
    order = sorted(set(y))  # cross_val_predict's columns follow the sorted classes
    column = {c: j for j, c in enumerate(order)}
    predicted_idx = np.argmax(proba, axis=1)
    suspicious = []
    for pos, i in enumerate(keep):
        predicted = order[int(predicted_idx[pos])]
        confidence = float(proba[pos, predicted_idx[pos]])
        if predicted != given[i] and confidence >= threshold:
            suspicious.append(
                {
                    "row_id": row_ids[i],
                    "text": texts[i],
                    "label": given[i],
                    "predicted": predicted,
                    "confidence": round(confidence, 4),
                    "label_probability": round(float(proba[pos, column[given[i]]]), 4),
                }
            )
    suspicious.sort(key=lambda s: -s["confidence"])
    accuracy = float(np.mean(np.array(order)[predicted_idx] == y))
    return {
        "suspicious": suspicious,
        "rows": len(keep),
        "skipped": len(row_ids) - len(keep),
        "folds": k,
        "threshold": threshold,
        "oof_accuracy": round(accuracy, 4),
        "labels": order,
    }
