"""LIME explanations that are fast, show their stability, check their faithfulness, and audit.

``explain_text(model, text, ...)`` runs ``lime.lime_text.LimeTextExplainer`` (with the
model's class names) ``runs`` times with seeds ``seed, seed+1, ...``; every run calls one
shared :class:`~desktop_app.core.explain.lime_fast.CachedClassifier`, so each distinct perturbed
string goes through the model once for all runs. For one seed the weights are those of
plain LIME with the same settings (LIME draws its perturbations before it calls the
classifier; the cache only changes how the answers are computed).

Result (plain data; the ``explain`` worker job returns it unchanged)::

    {
      "text": str,                  # the text explained
      "level": "word" | "sentence" | "chunk",   # what a feature is (long texts: see notes)
      "notes": [str],               # things the user must know (long text, truncation, k=0)
      "labels": [str],              # the model's class names, in its order
      "label": str,                 # the class explained
      "label_index": int,
      "predicted": str,             # the class the model predicts for the whole text
      "probabilities": {label: float},   # the model's probabilities for the whole text (as
                                    #   Predict gives them: long texts read in chunks)
      "long_text": "chunk" | "truncate",
      "truncated": bool,            # long_text="truncate" only: the end was not read
      "chunks": [                   # how the model read the text: one entry = in one pass
        {"index": int, "start": int, "end": int,   # character span in the text
         "tokens": int | None,      #   tokens read (None: a model without a token limit)
         "probabilities": {label: float}, "predicted": str},
      ],
      "sentence_probabilities": {label: float} | None,  # long texts: the length-weighted
                                    #   mean of the sentences' (what the LIME weights explain)
      "tokens": [                   # the text cut into display pieces; "".join(text) == text
        {"text": str,               #   the piece as it appears in the text
         "feature": int | None,     #   feature id (index into "words" by "feature"), None = gap
         "weight": float | None,    #   mean weight of that feature (> 0 supports "label")
         "unstable": bool},
      ],
      "max_abs_weight": float,      # largest |mean weight|, to scale colours
      "words": [                    # one per feature, strongest |mean weight| first
        {"word": str, "feature": int, "count": int,   # count = occurrences in the text
         "mean_weight": float, "sd": float,           # sd over runs (ddof=1; 0 for one run)
         "sign_agreement": float,   # share of runs whose weight has the sign of the mean
         "weights": [float],        # one per run (0.0 where a run did not select the word)
         "unstable": bool},         # sign flips (agreement < 1) or sd > |mean|
      ],
      "intercept": float, "score": float,   # means over runs of LIME's intercept and R^2
      "runs": int, "seeds": [int], "num_samples": int, "num_features": int,
      "deletion_check": {
        "k": int,                   # words removed (top-k supporting the label; 0 = none support it)
        "top_words": [str],
        "probability_before": float,
        "probability_after_top_k": float | None,
        "top_k_drop": float | None, # probability of "label" lost when the top-k words go
        "random_drop": float | None,    # mean drop for k random words
        "random_drop_sd": float | None,
        "random_drops": [float], "random_draws": int, "seed": int,
        "faithful": bool | None,    # top_k_drop > random_drop
      },
      "timings": {
        "total_s": float,           # wall time of explain_text
        "model_s": float,           # inside model.predict_proba (forward passes)
        "classifier_s": float,      # inside the classifier function (model + de-duplication)
        "sampling_s": float,        # LIME drawing the perturbations
        "regression_s": float,      # LIME's distances + feature selection + ridge fits
        "lime_s": float,            # sampling_s + regression_s
        "deletion_s": float,
        "runs_s": [float],          # wall time of each run
        "requested_texts": int,     # strings LIME asked for (all runs + deletion check)
        "distinct_texts": int,      # distinct strings among them
        "model_texts": int,         # strings actually run through the model this call
        "cache_hits": int,          # requested_texts - model_texts
      },
      "precision": "fp32" | "bf16" | "fp16",   # what the model ran in (use_precision)
      "audit": {"model_name", "model_kind", "model_folder", "model_fingerprint" ("vader",
                "sha256:..." of the model folder, or "unsaved"), "label_names", "app_version",
                "created" (UTC ISO 8601), "explained_label", "seeds", "runs", "num_samples",
                "num_features", "level", "precision", "lime_version", "text_sha256"},
    }

Long texts, for every model: beyond ``word_limit`` words (default 200) the model scores each
sentence on its own (sentences longer than 40 words are cut into 40-word chunks), a
perturbed text's probabilities are the length-weighted mean of its sentences', and a
feature is a sentence (more than 60 are merged into 60 chunks); ``notes`` says so. Next to
that sentence view, ``chunks`` gives the windows the model reads the whole text in
(:mod:`desktop_app.core.predict.chunks`) with each one's probabilities: which passages
drove the document's label. See
:mod:`desktop_app.core.explain.long_text`. Progress runs over a total fixed at the start, counted
in work (characters scored) rather than strings, and cancel is checked between model
batches, so a long run can always be stopped and its time left does not creep up.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.explain.audit import model_audit, package_version
from desktop_app.core.explain.lime_fast import DEFAULT_CHUNK, CachedClassifier
from desktop_app.core.explain.long_text import CHUNK_WORDS, MAX_PIECES, LongText, sentence_spans
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext
from desktop_app.core.predict.chunks import (
    DEFAULT_LONG_TEXT,
    LongPrediction,
    can_chunk,
    check_long_text,
    plan_reading,
    predict_long,
    predict_reading,
    text_chunks,
)

WORD_SPLIT = r"\W+"  # LIME's default: what a "word" is
WORD_LIMIT = 200  # more words than this -> sentence level (core/explain/long_text.py)
MAX_CHARS = 100_000  # beyond this, refuse with a clear message
LONG_RUN_SAMPLES_PER_UNIT = 20  # progress: a LIME run on masks ~ scoring samples/20 units
SAMPLE_PRESETS = (500, 1000, 2000, 5000)
DEFAULT_SAMPLES = 1000
DEFAULT_RUNS = 3

__all__ = [
    "CHUNK_WORDS",
    "MAX_PIECES",
    "check_params",
    "deletion_check",
    "explain_text",
    "sentence_spans",
    "word_stability",
]


# -- stability --------------------------------------------------------------------------
def word_stability(weights: Any) -> dict[str, np.ndarray]:
    """Per-column stability of a (runs, features) weight matrix.

    Returns arrays ``mean``, ``sd`` (sample standard deviation, ddof=1; 0 for one run),
    ``sign_agreement`` (share of runs whose weight has the sign of the mean; a zero mean
    agrees only with zero weights) and ``unstable`` (agreement < 1 or sd > |mean|).
    """
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    runs = w.shape[0]
    mean = w.mean(axis=0)
    sd = w.std(axis=0, ddof=1) if runs > 1 else np.zeros(w.shape[1])
    agreement = (np.sign(w) == np.sign(mean)[None, :]).mean(axis=0)
    unstable = (agreement < 1.0) | (sd > np.abs(mean))
    return {"mean": mean, "sd": sd, "sign_agreement": agreement, "unstable": unstable}


# -- the explanation --------------------------------------------------------------------
def _label_index(labels: Sequence[str], label: Any, predicted: int) -> int:
    if label is None or label == "":
        return predicted
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if 0 <= int(label) < len(labels):
            return int(label)
    elif str(label) in labels:
        return list(labels).index(str(label))
    raise UserError(
        f"The model has no class {label!r}; choose one of: {', '.join(labels)} "
        "(or leave the class empty to explain the predicted one)."
    )


def check_params(text: Any, num_samples: int, runs: int, num_features: int | None) -> None:
    """:class:`UserError` for an empty or too long text or settings out of range."""
    if not isinstance(text, str) or not text.strip():
        raise UserError("There is no text to explain: type or paste a text first.")
    if len(text) > MAX_CHARS:
        raise UserError(
            f"The text has {len(text):,} characters; explanations are limited to "
            f"{MAX_CHARS:,}. Explain a part of it."
        )
    if not 10 <= int(num_samples) <= 50_000:
        raise UserError("The number of samples must be between 10 and 50,000 (default 1,000).")
    if not 1 <= int(runs) <= 20:
        raise UserError("The number of runs must be between 1 and 20 (default 3).")
    if num_features is not None and int(num_features) < 1:
        raise UserError("The number of features must be at least 1 (or empty for all words).")


def explain_text(
    model: Any,
    text: str,
    *,
    num_samples: int = DEFAULT_SAMPLES,
    num_features: int | None = None,
    label: str | int | None = None,
    seed: int = 0,
    runs: int = DEFAULT_RUNS,
    word_limit: int = WORD_LIMIT,
    deletion_k: int = 3,
    random_draws: int = 20,
    cache: dict[str, np.ndarray] | None = None,
    ctx: JobContext | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    long_text: str = DEFAULT_LONG_TEXT,
) -> dict[str, Any]:
    """Explain ``model``'s prediction for ``text`` with LIME; see the module docstring.

    ``num_features=None`` explains every word (needed to colour each word). ``label`` is a
    class name or index (``None``: the predicted class). ``cache`` (string -> probability
    row) is read and extended; pass the same dict again for the same model and the same
    ``long_text`` to reuse work.
    """
    with heavy_imports():
        from lime.lime_text import IndexedString, LimeTextExplainer

    from desktop_app.core.predict.precision import current_precision

    check_params(text, num_samples, runs, num_features)
    precision = current_precision(model)
    long_text = check_long_text(long_text)
    started = time.perf_counter()
    num_samples, runs, seed = int(num_samples), int(runs), int(seed)
    labels = [str(x) for x in model.labels]
    notes: list[str] = []

    indexed = IndexedString(text, split_expression=WORD_SPLIT, bow=True)
    n_word_tokens = sum(len(p) for p in indexed.positions)
    long = LongText(text) if n_word_tokens > word_limit else None
    if long is not None:
        indexed = long.indexed
        notes.append(long.note(n_word_tokens, word_limit))
    level = long.level if long is not None else "word"
    doc_size = indexed.num_words()
    if doc_size == 0:
        raise UserError("The text has no words to explain (only punctuation or spaces).")
    n_features = doc_size if num_features is None else min(int(num_features), doc_size)

    reader = model if long_text == DEFAULT_LONG_TEXT else _Reader(model, long_text)
    classifier = CachedClassifier(reader, cache=cache, ctx=ctx, chunk_size=chunk_size)
    if long is None:
        # One unit of progress per sample LIME asks for: the model's work.
        classifier.progress_total = runs * num_samples + 2 + random_draws
        classifier.message = "Predicting the text"
        base = classifier.predict_one(text)
    else:
        # The model's work is one call per unit; a LIME run on masks counts as scoring
        # num_samples / LONG_RUN_SAMPLES_PER_UNIT units. The total is fixed before anything
        # runs, so the time left never jumps up when a new phase starts.
        run_cost = max(1, num_samples // LONG_RUN_SAMPLES_PER_UNIT)
        classifier.progress_total = len(long.units) + 1 + runs * run_cost + 1
        classifier.message = f"Scoring {len(long.units):,} sentences"
        long.score_units(classifier)
        base = long.proba(np.ones((1, doc_size)))[0]
    # The label is the one the model gives the whole text, read as Predict reads it; for a
    # long text the LIME weights and the deletion check work on the mean of its sentences.
    whole = _read_whole(model, text, long_text, classifier, base, long is not None)
    document = np.asarray(whole.probabilities[0], dtype=float)
    chunks = text_chunks(whole, labels, 0, len(text))
    if len(chunks) > 1:
        notes.append(
            f"The model read this text in {len(chunks)} overlapping chunks of up to "
            f"{model.chunk_tokens} tokens, and the text's probabilities are the mean of the "
            "chunks' probabilities."
        )
    if whole.cut[0]:
        notes.append(
            f"The text is longer than the model reads at once ({model.inference_limit} "
            "tokens) and was truncated: words past that point cannot change the prediction."
        )
    predicted = int(np.argmax(document))
    li = _label_index(labels, label, predicted)

    seeds = [seed + i for i in range(runs)]
    weights = np.zeros((runs, doc_size))
    intercepts, scores, runs_s = [], [], []
    sampling_s = regression_s = 0.0
    for i, run_seed in enumerate(seeds):
        classifier.message = f"LIME run {i + 1} of {runs}"
        t0 = time.perf_counter()
        if long is None:
            explainer = LimeTextExplainer(
                class_names=labels, split_expression=WORD_SPLIT, bow=True, random_state=run_seed
            )
            calls_before = len(classifier.calls)
            exp = explainer.explain_instance(
                text, classifier, labels=(li,), num_features=n_features, num_samples=num_samples
            )
            entered, left = classifier.calls[calls_before][0], classifier.calls[-1][1]
            sampling_s += entered - t0
            regression_s += time.perf_counter() - left
            run = {
                "weights": dict(exp.local_exp[li]),
                "intercept": float(exp.intercept[li]),
                "score": float(exp.score),
            }
        else:
            if ctx is not None:
                ctx.check_cancelled()
            explainer = LimeTextExplainer(class_names=labels, bow=True, random_state=run_seed)
            run = long.lime_run(explainer, li, num_samples, n_features)
            sampling_s += run["sampling_s"]
            regression_s += run["regression_s"]
            classifier.advance(run_cost)
        runs_s.append(time.perf_counter() - t0)
        for feature, weight in run["weights"].items():
            weights[i, int(feature)] = float(weight)
        intercepts.append(run["intercept"])
        scores.append(run["score"])
    stab = word_stability(weights)
    words = _word_rows(indexed, weights, stab)

    classifier.message = "Deletion check"
    t_del = time.perf_counter()
    if long is None:

        def predict_removing(removed: list[list[int]]) -> np.ndarray:
            return classifier([indexed.inverse_removing(r) for r in removed])

    else:
        predict_removing = long.predict_removing
    deletion = deletion_check(
        predict_removing, doc_size, li, base, words, k=deletion_k, draws=random_draws, seed=seed
    )
    deletion_s = time.perf_counter() - t_del
    if deletion["k"] == 0:
        notes.append(
            f"No word supports {labels[li]!r}, so the deletion check has nothing to remove."
        )
    if ctx is not None:
        ctx.progress(classifier.progress_total, classifier.progress_total, "Done")

    tokens = _display_tokens(indexed, stab)
    total_s = time.perf_counter() - started
    audit = model_audit(model)
    audit.update(
        {
            "explained_label": labels[li],
            "seeds": seeds,
            "runs": runs,
            "num_samples": num_samples,
            "num_features": n_features,
            "level": level,
            "precision": precision,
            "lime_version": package_version("lime"),
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    )
    return {
        "text": text,
        "level": level,
        "notes": notes,
        "labels": labels,
        "label": labels[li],
        "label_index": li,
        "predicted": labels[predicted],
        "probabilities": {name: float(p) for name, p in zip(labels, document, strict=True)},
        "long_text": long_text,
        "truncated": bool(whole.cut[0]),
        "chunks": chunks,
        "sentence_probabilities": (
            None if long is None else {name: float(p) for name, p in zip(labels, base, strict=True)}
        ),
        "tokens": tokens,
        "max_abs_weight": float(np.max(np.abs(stab["mean"]))) if doc_size else 0.0,
        "words": words,
        "intercept": float(np.mean(intercepts)),
        "score": float(np.mean(scores)),
        "runs": runs,
        "seeds": seeds,
        "num_samples": num_samples,
        "num_features": n_features,
        "deletion_check": deletion,
        "precision": precision,
        "timings": {
            "total_s": total_s,
            "model_s": classifier.model_seconds,
            "classifier_s": classifier.call_seconds,
            "sampling_s": sampling_s,
            "regression_s": regression_s,
            "lime_s": sampling_s + regression_s,
            "deletion_s": deletion_s,
            "runs_s": runs_s,
            "requested_texts": classifier.requested,
            "distinct_texts": classifier.distinct_requested,
            "model_texts": classifier.model_texts,
            "cache_hits": classifier.requested - classifier.model_texts,
        },
        "audit": audit,
    }


def _read_whole(
    model: Any, text: str, long_text: str, classifier: Any, base: np.ndarray, long: bool
) -> LongPrediction:
    """The whole text's probabilities as Predict gives them, and how it was read.

    A text read in one pass is the classifier's (cached) answer for it: ``base`` for a short
    text. Windows go through the model once more (they are few). A model without a token
    limit is never given a long text whole (VADER's time grows with the square of its
    length): its document probabilities are then the sentences' mean, ``base``."""
    reading = plan_reading(model, [text], long_text, offsets=True) if can_chunk(model) else None
    if reading is not None and (reading.counts[0] > 1 or reading.cut[0]):
        began = time.perf_counter()
        whole = predict_reading(model, reading, 1)
        classifier.model_seconds += time.perf_counter() - began
        classifier.model_texts += len(reading.inputs)
        return whole
    row = classifier.predict_one(text) if long and reading is not None else base
    row = np.asarray(row, dtype=float)[None, :]
    return LongPrediction(row, [1], [False], reading, None if reading is None else row)


class _Reader:
    """A model seen through another long-text rule (``predict_proba`` for the classifier)."""

    def __init__(self, model: Any, long_text: str) -> None:
        self.model = model
        self.long_text = long_text
        self.labels = model.labels

    def predict_proba(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        return predict_long(self.model, list(texts), self.long_text, ctx).probabilities


def _word_rows(indexed: Any, weights: np.ndarray, stab: dict[str, np.ndarray]) -> list[dict]:
    rows = []
    for f in range(indexed.num_words()):
        rows.append(
            {
                "word": str(indexed.word(f)),
                "feature": f,
                "count": len(indexed.positions[f]),
                "mean_weight": float(stab["mean"][f]),
                "sd": float(stab["sd"][f]),
                "sign_agreement": float(stab["sign_agreement"][f]),
                "weights": [float(x) for x in weights[:, f]],
                "unstable": bool(stab["unstable"][f]),
            }
        )
    rows.sort(key=lambda r: (-abs(r["mean_weight"]), r["feature"]))
    return rows


def _display_tokens(indexed: Any, stab: dict[str, np.ndarray]) -> list[dict]:
    feature_at: dict[int, int] = {}
    for f, positions in enumerate(indexed.positions):
        for p in positions:
            feature_at[int(p)] = f
    tokens = []
    for i, piece in enumerate(indexed.as_list):
        f = feature_at.get(i)
        tokens.append(
            {
                "text": str(piece),
                "feature": f,
                "weight": None if f is None else float(stab["mean"][f]),
                "unstable": False if f is None else bool(stab["unstable"][f]),
            }
        )
    return tokens


# -- faithfulness -----------------------------------------------------------------------
def deletion_check(
    predict_removing: Callable[[list[list[int]]], np.ndarray],
    doc_size: int,
    label_index: int,
    base: np.ndarray,
    words: list[dict],
    k: int = 3,
    draws: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """Probability drop of the explained class when its top-k supporting words are removed,
    next to the mean drop for k random words (``draws`` seeded draws).

    ``predict_removing(lists of feature ids)`` gives the model's probabilities for the text
    without each list's features; ``doc_size`` is the number of features."""
    before = float(base[label_index])
    supporting = [w for w in words if w["mean_weight"] > 0]
    supporting.sort(key=lambda w: (-w["mean_weight"], w["feature"]))
    k_eff = min(int(k), len(supporting))
    result: dict[str, Any] = {
        "k": k_eff,
        "top_words": [w["word"] for w in supporting[:k_eff]],
        "probability_before": before,
        "probability_after_top_k": None,
        "top_k_drop": None,
        "random_drop": None,
        "random_drop_sd": None,
        "random_drops": [],
        "random_draws": 0,
        "seed": int(seed),
        "faithful": None,
    }
    if k_eff == 0:
        return result
    rng = np.random.default_rng(seed)
    top = [w["feature"] for w in supporting[:k_eff]]
    random_sets = [
        [int(f) for f in rng.choice(doc_size, size=k_eff, replace=False)] for _ in range(int(draws))
    ]
    probs = np.asarray(predict_removing([top, *random_sets]))[:, label_index]
    after = float(probs[0])
    drops = [before - float(p) for p in probs[1:]]
    result.update(
        {
            "probability_after_top_k": after,
            "top_k_drop": before - after,
            "random_drops": drops,
            "random_draws": len(drops),
            "random_drop": float(np.mean(drops)) if drops else None,
            "random_drop_sd": float(np.std(drops, ddof=1)) if len(drops) > 1 else 0.0,
        }
    )
    if drops:
        result["faithful"] = bool(result["top_k_drop"] > result["random_drop"])
    return result
