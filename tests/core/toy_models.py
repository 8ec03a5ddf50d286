"""Tiny models whose behaviour is known, for the predict and explain tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


class WordModel:
    """P(positive) = 0.9 when ``word`` is in the text, else 0.2. Counts the texts it sees."""

    kind = "toy"
    max_length = None
    folder = None

    def __init__(self, word: str = "good", labels: Sequence[str] = ("negative", "positive")):
        self.word = word
        self.labels = list(labels)
        self.name = f"toy:{word}"
        self.seen: list[str] = []

    def predict_proba(self, texts, ctx=None):  # noqa: ANN001
        texts = list(texts)
        self.seen.extend(texts)
        p = np.array([0.9 if self.word in re.findall(r"\w+", t) else 0.2 for t in texts])
        return np.column_stack([1 - p, p])

    def truncated(self, texts):  # noqa: ANN001
        return [False] * len(texts)


class LexiconModel:
    """A smooth 3-class model: logistic scores from word counts (non-trivial LIME weights)."""

    kind = "toy"
    max_length = 12
    folder = None
    WEIGHTS = {"good": 1.5, "great": 2.0, "bad": -1.8, "boring": -1.2, "not": -0.6, "fun": 0.9}

    def __init__(self) -> None:
        self.labels = ["negative", "neutral", "positive"]
        self.name = "toy:lexicon"
        self.calls = 0

    def predict_proba(self, texts, ctx=None):  # noqa: ANN001
        self.calls += 1
        rows = []
        for t in texts:
            words = re.findall(r"\w+", t.lower())
            s = sum(self.WEIGHTS.get(w, 0.0) for w in words) + 0.05 * len(words)
            logits = np.array([-s, 0.3 - abs(s) * 0.5, s])
            e = np.exp(logits - logits.max())
            rows.append(e / e.sum())
        return np.array(rows).reshape(len(rows), 3)

    def truncated(self, texts):  # noqa: ANN001
        return [len(re.findall(r"\w+", t)) > self.max_length for t in texts]
