"""Classification metrics (scikit-learn) as plain data for the GUI, CLI and training.json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    ``labels`` fixes the order of ``per_class`` and of the confusion matrix rows (true)
    and columns (predicted). Macro-F1 averages over the labels present in ``y_true``, so
    a file holding only some of a model's classes is not punished for the absent ones.
    """
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

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
