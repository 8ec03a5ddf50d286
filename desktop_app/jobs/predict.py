"""Worker jobs: ``predict``, ``predict_batch`` and ``explain`` on the current model.

Params and results are documented in ``docs/architecture.md`` (Worker jobs); the
explanation dict in :mod:`desktop_app.core.explain.explainer`.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext
from desktop_app.jobs.common import current_model, precision_of, with_precision

EXPLAIN_CACHE_TEXTS = 4  # perturbation caches kept (one per recent text)


def _texts(params: dict) -> list[str]:
    texts = params.get("texts")
    if texts is None and "text" in params:
        texts = [params["text"]]
    from desktop_app.core.predict.batch import check_texts

    return check_texts([] if texts is None else texts)


def predict(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"texts": [...], "long_text"?, "precision"?}`` -> labels, probabilities, predicted,
    chunks, chunk_details, model, precision (see :mod:`desktop_app.core.predict.batch`)."""
    from desktop_app.core.predict.batch import predict_texts

    model = current_model(state)
    texts = _texts(params)
    with precision_of(model, params, ctx) as choice:
        result = predict_texts(model, texts, ctx, long_text=params.get("long_text"))
    result["model"] = dict(state.model_info)
    return with_precision(result, choice)


def predict_batch(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"texts", "true_labels"?, "batch_size"?, "long_text"?,
    "precision"?}`` -> predict's result (without
    chunk_details) + accuracy etc., and what the app reports with it: ``seen`` per row
    ("train" / "validation" / "": the leakage guard), ``model_label`` (the exports' ``model``
    column) and, with true labels, ``score`` (:func:`desktop_app.core.training.evaluate.
    score_rows`: the rows the model never saw, intervals, ``within_file_classes``)."""
    from desktop_app.core.predict.batch import BATCH_SIZE
    from desktop_app.core.predict.batch import predict_batch as run_batch

    model = current_model(state)
    texts = _texts(params)
    ctx.log(f"Predicting {len(texts):,} texts with {getattr(model, 'name', 'the model')}…")
    with precision_of(model, params, ctx) as choice:
        result = run_batch(
            model,
            texts,
            params.get("true_labels"),
            ctx=ctx,
            batch_size=int(params.get("batch_size") or BATCH_SIZE),
            long_text=params.get("long_text"),
        )
    result["model"] = dict(state.model_info)
    result.update(_guarded_report(model, texts, params.get("true_labels"), result))
    if params.get("source_rows") is not None:
        result["source_rows"] = [int(r) for r in params["source_rows"]]
    return with_precision(result, choice)


def _guarded_report(model: Any, texts: list[str], true_labels: Any, result: dict) -> dict:
    import numpy as np

    from desktop_app.core.guard import guard_rows
    from desktop_app.core.runs.record import model_label
    from desktop_app.core.training.evaluate import score_rows

    # VADER learnt from no rows: nothing to guard, and no "could not apply" note either.
    guarded = None if getattr(model, "kind", "") == "vader" else guard_rows(model, texts)
    report: dict[str, Any] = {
        "seen": list(guarded.seen) if guarded is not None else [""] * len(texts),
        "model_label": model_label(model),
        "score": None,
    }
    if true_labels is not None and any(c is not None for c in result.get("correct") or []):
        probs = np.asarray(result["probabilities"], dtype=float)
        report["score"] = score_rows(
            probs, list(true_labels), list(result["labels"]), guarded, unknown="skip"
        )
    return report


def _explain_cache(
    state: Any, model: Any, text: str, long_text: str = "chunk", precision: str = "fp32"
) -> dict:
    """The perturbation cache for (current model, long-text rule, precision, text); older
    texts are dropped."""
    entry = state.cache.get("explain")
    alive = entry is not None and entry["model"]() is model
    if not alive:
        try:
            ref = weakref.ref(model)
        except TypeError:  # a model without weak references: hold it (replaced on change)

            def ref(model=model):  # noqa: ANN001, ANN202
                return model

        entry = {"model": ref, "texts": OrderedDict()}
        state.cache["explain"] = entry
    texts: OrderedDict = entry["texts"]
    key = (long_text, precision, text)
    if key in texts:
        texts.move_to_end(key)
    else:
        texts[key] = {}
        while len(texts) > EXPLAIN_CACHE_TEXTS:
            texts.popitem(last=False)
    return texts[key]


def explain(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"text", "num_samples", "num_features", "label"?, "seed", "runs", "word_limit"?,
    "long_text"?, "precision"?}`` -> the explanation dict of
    :func:`desktop_app.core.explain.explainer.explain_text` (with ``chunks``: how the model
    read the whole text, each window's span and probabilities)."""
    from desktop_app.core.explain.explainer import (
        DEFAULT_RUNS,
        DEFAULT_SAMPLES,
        WORD_LIMIT,
        explain_text,
    )
    from desktop_app.core.predict.chunks import check_long_text

    model = current_model(state)
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise UserError("There is no text to explain: type or paste a text first.")
    num_features = params.get("num_features")
    long_text = check_long_text(params.get("long_text"))
    ctx.log("Explaining with LIME…")
    with precision_of(model, params, ctx, explanation=True) as choice:
        result = explain_text(
            model,
            text,
            num_samples=int(params.get("num_samples") or DEFAULT_SAMPLES),
            num_features=int(num_features) if num_features else None,
            label=None if params.get("label") in (None, "") else params["label"],
            seed=int(params.get("seed") or 0),
            runs=int(params.get("runs") or DEFAULT_RUNS),
            word_limit=int(params.get("word_limit") or WORD_LIMIT),
            cache=_explain_cache(state, model, text, long_text, choice.precision),
            ctx=ctx,
            long_text=long_text,
        )
    result["model"] = dict(state.model_info)
    return with_precision(result, choice)
