"""Classification metrics (scikit-learn) as plain data for the GUI, CLI and training.json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from desktop_app.core.imports import heavy_imports


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    ``labels`` fixes the order of ``per_class`` and of the confusion matrix rows (true)
    and columns (predicted). Macro-F1 averages over the labels present in ``y_true``, so
    a file holding only some of a model's classes is not punished for the absent ones.
    """
    with heavy_imports():
        from sklearn.metrics import (
            accuracy_score,
            classification_report,
            confusion_matrix,
            f1_score,
        )

    labels = [str(x) for x in labels]
    y_true = [str(x) for x in y_true]
    y_pred = [str(x) for x in y_pred]
    if not y_true:
        return {
            "accuracy": None,
            "macro_f1": None,
            "per_class": {},
            "confusion_matrix": [[0] * len(labels) for _ in labels],
            "labels": labels,
            "n": 0,
        }
    present = [label for label in labels if label in set(y_true)]
    report = classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    per_class = {
        label: {
            "precision": float(report[label]["precision"]),
            "recall": float(report[label]["recall"]),
            "f1": float(report[label]["f1-score"]),
            "support": int(report[label]["support"]),
        }
        for label in labels
    }
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        ),
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "labels": labels,
        "n": len(y_true),
    }


def mean_log_loss(probs: np.ndarray, y_index: Sequence[int]) -> float:
    """Cross-entropy of the true classes (natural log), as the training loss measures it."""
    if len(y_index) == 0:
        return float("nan")
    p = np.clip(probs[np.arange(len(y_index)), np.asarray(y_index)], 1e-12, 1.0)
    return float(-np.log(p).mean())


def examples(
    texts: Sequence[str],
    y_true: Sequence[str],
    probs: np.ndarray,
    labels: Sequence[str],
    limit: int = 20000,
) -> list[dict[str, Any]]:
    """Per-text rows for the confusion-matrix drill-down."""
    pred = probs.argmax(axis=1) if len(texts) else []
    return [
        {
            "text": str(texts[i]),
            "true": str(y_true[i]),
            "pred": labels[int(pred[i])],
            "confidence": float(probs[i, int(pred[i])]),
        }
        for i in range(min(len(texts), limit))
    ]


def evaluate_probs(
    probs: np.ndarray, y_true: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    pred = [labels[i] for i in probs.argmax(axis=1)] if len(y_true) else []
    return classification_metrics(y_true, pred, labels)


# -- intervals ------------------------------------------------------------------------------
INTERVAL_BELOW = 1000  # figures on fewer rows than this carry a 95 % interval
BOOTSTRAP_SAMPLES = 1000
Z_95 = 1.959963984540054


def wilson_interval(correct: int, n: int, z: float = Z_95) -> list[float] | None:
    """Wilson score interval for a proportion ``correct / n`` (95 % by default)."""
    if n <= 0:
        return None
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if correct == 0 else float(max(0.0, centre - half))
    high = 1.0 if correct == n else float(min(1.0, centre + half))  # exact at the edges
    return [low, high]


def accuracy_interval(correct: int, n: int) -> list[float] | None:
    """The Wilson interval when ``n`` is below :data:`INTERVAL_BELOW`, else None."""
    return wilson_interval(correct, n) if 0 < n < INTERVAL_BELOW else None


def macro_f1_interval(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
    samples: int = BOOTSTRAP_SAMPLES,
) -> list[float] | None:
    """Percentile bootstrap 95 % interval of macro-F1 (rows resampled with replacement,
    seeded), when there are fewer than :data:`INTERVAL_BELOW` rows; else None.

    Each resample averages F1 over the classes present in its own true labels, as
    :func:`classification_metrics` does for the whole sample.
    """
    n = len(y_true)
    if not 0 < n < INTERVAL_BELOW:
        return None
    index = {label: i for i, label in enumerate(labels)}
    t = np.asarray([index[str(y)] for y in y_true])
    p = np.asarray([index.get(str(y), -1) for y in y_pred])
    rows = np.random.default_rng(seed).integers(0, n, size=(samples, n))
    tb, pb = t[rows], p[rows]
    f1_sum = np.zeros(samples)
    present = np.zeros(samples)
    for c in range(len(labels)):
        true_c, pred_c = tb == c, pb == c
        tp = (true_c & pred_c).sum(axis=1)
        support = true_c.sum(axis=1)
        predicted = pred_c.sum(axis=1)
        denominator = support + predicted
        f1 = np.divide(2 * tp, denominator, out=np.zeros(samples), where=denominator > 0)
        f1_sum += np.where(support > 0, f1, 0.0)
        present += support > 0
    scores = f1_sum / np.maximum(present, 1)
    low, high = np.percentile(scores, [2.5, 97.5])
    return [float(low), float(high)]


def add_intervals(
    metrics: dict[str, Any], y_true: Sequence[str], y_pred: Sequence[str], seed: int = 0
) -> dict[str, Any]:
    """``metrics`` (from :func:`classification_metrics`) with ``accuracy_ci`` and
    ``macro_f1_ci`` ([low, high], or None from :data:`INTERVAL_BELOW` rows on)."""
    n = len(y_true)
    correct = sum(str(a) == str(b) for a, b in zip(y_true, y_pred, strict=True))
    metrics["accuracy_ci"] = accuracy_interval(correct, n)
    metrics["macro_f1_ci"] = macro_f1_interval(y_true, y_pred, metrics["labels"], seed=seed)
    return metrics


def format_figure(
    value: float | None, ci: Sequence[float] | None = None, n: int | None = None
) -> str:
    """``0.750 (0.51–0.90, n = 16)``; ``0.750 (n = 2,000)`` without an interval."""
    if value is None:
        return "–"
    text = f"{value:.3f}"
    parts = []
    if ci:
        parts.append(f"{ci[0]:.2f}–{ci[1]:.2f}")
    if n is not None:
        parts.append(f"n = {n:,}")
    return text + (f" ({', '.join(parts)})" if parts else "")


def evaluate_probs_with_intervals(
    probs: np.ndarray, y_true: Sequence[str], labels: Sequence[str], seed: int = 0
) -> dict[str, Any]:
    """:func:`evaluate_probs` plus ``accuracy_ci`` and ``macro_f1_ci``."""
    pred = [labels[i] for i in probs.argmax(axis=1)] if len(y_true) else []
    return add_intervals(classification_metrics(y_true, pred, labels), y_true, pred, seed)


# -- a file with fewer classes than the model ------------------------------------------------
def check_file_classes(file_classes: Sequence[str], model_labels: Sequence[str]) -> list[str]:
    """Warnings when the file's classes are a strict subset of the model's; a
    :class:`~desktop_app.core.errors.ModelError` naming each file class the model lacks."""
    from desktop_app.core.errors import ModelError

    file_set = {str(x) for x in file_classes}
    unknown = sorted(file_set - set(model_labels))
    if unknown:
        raise ModelError(
            f"The data has labels the model does not know: {', '.join(unknown)} "
            f"(the model knows {', '.join(model_labels)}). Pick another label column, "
            "rename the labels, or use a model trained on these classes."
        )
    missing = [label for label in model_labels if label not in file_set]
    if not missing:
        return []
    own = [label for label in model_labels if label in file_set]
    warning = (
        f"The data has no rows of {', '.join(missing)} (the model's classes are "
        f"{', '.join(model_labels)}): predictions of {' or '.join(missing)} count as wrong in "
        "the plain figures"
    )
    if len(own) >= 2:  # with one class left, picking among "them" would always be right
        warning += (
            "; the figures within the data's own classes (within_file_classes) pick the most "
            f"likely of {', '.join(own)}"
        )
    return [warning + "."]


def within_classes_metrics(
    probs: np.ndarray,
    y_true: Sequence[str],
    model_labels: Sequence[str],
    classes: Sequence[str],
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics with the choice restricted to ``classes`` (argmax over those columns only),
    in the model's class order: ``accuracy``, ``macro_f1``, ``per_class``,
    ``confusion_matrix``, ``labels``, ``n`` and the intervals."""
    keep = [label for label in model_labels if label in set(classes)]
    columns = [list(model_labels).index(label) for label in keep]
    sub = np.asarray(probs)[:, columns] if len(y_true) else np.zeros((0, len(keep)))
    return evaluate_probs_with_intervals(sub, y_true, keep, seed)
