"""VADER (vaderSentiment): a lexicon model that needs no training and works offline.

The compound score (-1..1) maps to the labels: with three classes the usual band
(compound >= 0.05 positive, <= -0.05 negative, neutral between); with two classes
compound >= 0 is positive. Probabilities are a softmax of distances to those
thresholds, so the most probable label is always the one the band gives and the
confidence grows with the distance from the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import SentimentModel, make_folder, softmax

NEUTRAL_BAND = 0.05
# Temperature of the softmax over distances to the thresholds: compound 0.3 past a
# threshold gives about 0.9 confidence.
TEMPERATURE = 0.12
_EPS = 1e-9

DEFAULT_LABELS = ("negative", "neutral", "positive")


def _polarity_roles(labels: Sequence[str]) -> list[str]:
    """Role ("negative" / "neutral" / "positive") of each label, in the labels' order."""
    labels = [str(label) for label in labels]
    if len(labels) not in (2, 3):
        raise ModelError(
            f"VADER knows only negative / neutral / positive; the data has {len(labels)} "
            f"labels ({', '.join(labels)}). Train a model instead."
        )
    roles: dict[str, str] = {}
    for label in labels:
        low = label.strip().lower()
        if re.search(r"neg|bad|^-1$|unfav", low):
            roles[label] = "negative"
        elif re.search(r"neu|mixed|objective", low):
            roles[label] = "neutral"
        elif re.search(r"pos|good|favo", low):
            roles[label] = "positive"
    wanted = {"negative", "positive"} | ({"neutral"} if len(labels) == 3 else set())
    if len(roles) == len(labels) and set(roles.values()) == wanted:
        return [roles[label] for label in labels]
    # Numeric labels (0/1, 0/1/2, -1/0/1, 1..5 collapsed is not supported): lowest is negative.
    try:
        values = [float(label) for label in labels]
    except ValueError:
        values = []
    if values:
        order = np.argsort(values)
        names = ["negative", "positive"] if len(labels) == 2 else list(DEFAULT_LABELS)
        result = [""] * len(labels)
        for rank, index in enumerate(order):
            result[index] = names[rank]
        return result
    raise ModelError(
        "VADER cannot tell which label is negative and which positive in "
        f"{', '.join(labels)}. Name the classes negative/positive (and neutral) in the data "
        "(Dataset tab: label names), or train a model."
    )


class VaderModel(SentimentModel):
    kind = "vader"
    learns_from_texts = False  # a lexicon: it saw no texts, so the guard leaves none out

    def __init__(self, labels: Sequence[str] | None = None) -> None:
        labels = list(labels) if labels else list(DEFAULT_LABELS)
        self.roles = _polarity_roles(labels)
        super().__init__(labels, name="VADER (lexicon, no training)")
        self._analyzer = None

    @property
    def analyzer(self):  # noqa: ANN201 - vaderSentiment has no types
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return self._analyzer

    def compound(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        scores = np.empty(len(texts), dtype=np.float64)
        for i, text in enumerate(texts):
            if ctx is not None and i % 64 == 0:
                ctx.check_cancelled()
                ctx.progress(i, len(texts), "VADER")
            scores[i] = self.analyzer.polarity_scores(str(text))["compound"]
        return scores

    def proba_from_compound(self, compound: np.ndarray) -> np.ndarray:
        compound = np.asarray(compound, dtype=np.float64)
        role_scores = {
            # >= thresholds win ties, as VADER's own convention says
            "positive": (compound - (NEUTRAL_BAND if "neutral" in self.roles else 0.0)) + _EPS,
            "negative": (-(NEUTRAL_BAND if "neutral" in self.roles else 0.0) - compound) + _EPS,
            "neutral": np.zeros_like(compound),
        }
        if "neutral" not in self.roles:
            role_scores["negative"] = -compound - _EPS  # compound == 0 -> positive
            role_scores["positive"] = compound + _EPS
        logits = np.stack([role_scores[role] for role in self.roles], axis=1) / TEMPERATURE
        return softmax(logits)

    def predict_proba(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        return self.proba_from_compound(self.compound(texts, ctx))

    def save(self, folder: str | Path) -> None:
        path = make_folder(folder)
        self._write_training_json(path, {"roles": self.roles})
        self.folder = str(path)
