"""What a training run gives back: :class:`TrainResult`, the test metrics and the VADER baseline
(:func:`finish_run`, shared by every model kind).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop_app.core.errors import ModelError
from desktop_app.core.guard import SeenTexts
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import SentimentModel
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.metrics import (
    evaluate_probs,
    evaluate_probs_with_intervals,
    examples,
)


@dataclass
class TrainResult:
    model: SentimentModel
    metrics: dict[str, Any]
    baseline: dict[str, Any] | None
    history: dict[str, list]
    cancelled: bool
    stopped_at: str
    train_seconds: float
    truncated: int
    test_examples: list[dict[str, Any]]
    best_epoch: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    # the predicted class of every test row, in the test split's order (kept in the run so
    # two runs can be compared row by row: McNemar's test); not in to_dict (test_examples is)
    test_predicted: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (everything but the model itself)."""
        return {
            "metrics": self.metrics,
            "baseline": self.baseline,
            "history": self.history,
            "cancelled": self.cancelled,
            "stopped_at": self.stopped_at,
            "train_seconds": self.train_seconds,
            "truncated": self.truncated,
            "test_examples": self.test_examples,
            "best_epoch": self.best_epoch,
            "config": self.config,
        }


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def vader_baseline(data: TrainData) -> dict[str, Any] | None:
    from desktop_app.core.models.vader import VaderModel

    try:
        vader = VaderModel(data.labels)
    except ModelError:
        return None  # labels VADER cannot map (e.g. topics): no baseline row
    return evaluate_probs(vader.predict_proba(data.test_texts), data.test_labels, data.labels)


def finish_run(
    model: SentimentModel,
    config: TrainConfig,
    data: TrainData,
    ctx: JobContext | None,
    history: dict[str, list],
    *,
    test_probs: np.ndarray,
    cancelled: bool,
    stopped_at: str,
    train_seconds: float,
    truncated: int,
    best_epoch: int | None,
) -> TrainResult:
    metrics = evaluate_probs_with_intervals(test_probs, data.test_labels, data.labels, config.seed)
    baseline = vader_baseline(data)
    result = TrainResult(
        model=model,
        metrics=metrics,
        baseline=baseline,
        history=history,
        cancelled=cancelled,
        stopped_at=stopped_at,
        train_seconds=round(train_seconds, 3),
        truncated=truncated,
        test_examples=examples(data.test_texts, data.test_labels, test_probs, data.labels),
        best_epoch=best_epoch,
        config=config.to_dict(),
        test_predicted=[data.labels[i] for i in np.asarray(test_probs).argmax(axis=1)]
        if len(data.test_texts)
        else [],
    )
    # The leakage guard: the texts the model was fitted on and selected on (VADER: none).
    model.seen = SeenTexts.from_data(data) if model.learns_from_texts else SeenTexts()
    model.training_info = {
        "hyperparameters": config.to_dict(),
        "fingerprint": data.fingerprint,
        "data_sizes": data.sizes(),
        "metrics": metrics,
        "baseline_vader": baseline,
        "history": history,
        "best_epoch": best_epoch,
        "cancelled": cancelled,
        "stopped_at": stopped_at,
        "train_seconds": result.train_seconds,
        "truncated": truncated,
        "seen_texts": model.seen.counts(),
    }
    if ctx is not None:
        acc = metrics["accuracy"]
        ctx.log(
            f"Test accuracy {acc:.3f}, macro-F1 {metrics['macro_f1']:.3f} on {metrics['n']} texts"
            + (f" (VADER: {baseline['accuracy']:.3f})" if baseline else "")
        )
    return result
