"""Long texts: the model scores each sentence on its own; LIME explains sentences or chunks.

A text longer than the word limit is cut into *units*: its sentences, with sentences longer
than ``CHUNK_WORDS`` words cut into chunks of that many words. The model scores every unit
once (through the cached classifier, so progress, cancel and the cache work as for short
texts). A text made of some of the units gets the mean of their probabilities weighted by
their number of words (:func:`mean_of_units`); with none left it gets the model's answer for
the empty text. This is the sentence rule for every model: the cost is one model call per
sentence, whatever the number of LIME samples, so a 100,000-character text takes seconds with
VADER (whose own running time grows with the square of a text's length) instead of hours.

A feature is a unit, or a run of neighbouring units when there are more than ``MAX_PIECES``
of them (level ``"chunk"``), so the number of features stays bounded. LIME runs on the
presence masks themselves: :meth:`LongText.lime_run` draws exactly what
``LimeTextExplainer.explain_instance`` draws for the same seed and fits the same
``LimeBase`` regression, without building thousands of 50,000-character strings.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from desktop_app.core.imports import heavy_imports

CHUNK_WORDS = 40  # a sentence longer than this is cut into chunks
MAX_PIECES = 60  # at most this many sentence/chunk features

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*")
_WORD = re.compile(r"\S+")


def unit_spans(text: str, chunk_words: int = CHUNK_WORDS) -> tuple[list[tuple[int, int]], bool]:
    """Character spans of the sentences of ``text`` (long ones cut into ``chunk_words``-word
    chunks), and whether any sentence was cut."""
    spans: list[tuple[int, int]] = []
    cut = False
    start = 0
    bounds = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)] + [(len(text), len(text))]
    for cut_start, cut_end in bounds:
        piece = text[start:cut_start]
        words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(piece)]
        if len(words) > chunk_words:
            cut = True
            for i in range(0, len(words), chunk_words):
                group = words[i : i + chunk_words]
                spans.append((group[0][0], group[-1][1]))
        elif words:
            spans.append((words[0][0], words[-1][1]))
        start = cut_end
    return spans, cut


def group_units(n_units: int, max_pieces: int = MAX_PIECES) -> list[tuple[int, int]]:
    """Consecutive unit ranges ``[first, stop)``: one per unit, or at most ``max_pieces``
    runs of equal size."""
    size = max(1, math.ceil(n_units / max_pieces))
    return [(i, min(i + size, n_units)) for i in range(0, n_units, size)]


def sentence_spans(
    text: str, chunk_words: int = CHUNK_WORDS, max_pieces: int = MAX_PIECES
) -> tuple[list[tuple[int, int]], str]:
    """Character spans of the features of a long text, and the level used.

    Level is ``"sentence"`` when every feature is a whole sentence, ``"chunk"`` when long
    sentences were cut or sentences merged to stay within ``max_pieces``.
    """
    units, cut = unit_spans(text, chunk_words)
    groups = group_units(len(units), max_pieces)
    level = "chunk" if cut or len(groups) < len(units) else "sentence"
    return [(units[a][0], units[b - 1][1]) for a, b in groups], level


def mean_of_units(present: np.ndarray, unit_proba: np.ndarray, unit_words: np.ndarray,
                  empty_proba: np.ndarray) -> np.ndarray:  # fmt: skip
    """Probabilities of texts made of some units: ``present`` is (texts, units) of 0/1;
    each text gets the word-weighted mean of its units' rows, or ``empty_proba``."""
    present = np.asarray(present, dtype=float)
    weights = present * unit_words[None, :]
    total = weights.sum(axis=1)
    out = np.tile(np.asarray(empty_proba, dtype=float), (present.shape[0], 1))
    some = total > 0
    out[some] = (weights[some] @ unit_proba) / total[some, None]
    return out


class LongText:
    """A long text cut into units and features, and LIME on their presence masks."""

    def __init__(
        self, text: str, chunk_words: int = CHUNK_WORDS, max_pieces: int = MAX_PIECES
    ) -> None:
        with heavy_imports():
            from lime.lime_text import IndexedString

        self.text = text
        self.spans, cut = unit_spans(text, chunk_words)
        self.units = [text[s:e] for s, e in self.spans]
        self.unit_words = np.array([len(_WORD.findall(u)) for u in self.units], dtype=float)
        groups = group_units(len(self.units), max_pieces)
        self.level = "chunk" if cut or len(groups) < len(self.units) else "sentence"
        self.sentence_cut = cut
        self.group_size = max(b - a for a, b in groups)
        pieces = [text[self.spans[a][0] : self.spans[b - 1][1]] for a, b in groups]
        # bow=True as for words: a repeated identical piece is one feature, removed everywhere.
        self.indexed = IndexedString(text, split_expression=lambda _t: pieces, bow=True)
        feature_at = {p: f for f, positions in enumerate(self.indexed.positions) for p in positions}
        piece_positions = [i for i in range(len(self.indexed.as_list)) if i in feature_at]
        # unit -> feature: the k-th feature occurrence in the text is group k
        self.unit_feature = np.zeros(len(self.units), dtype=int)
        for (a, b), position in zip(groups, piece_positions, strict=True):
            self.unit_feature[a:b] = feature_at[position]
        self.num_features = self.indexed.num_words()
        self.unit_proba: np.ndarray | None = None
        self.empty_proba: np.ndarray | None = None

    def score_units(self, classifier: Any) -> None:
        """Every unit (and the empty text) through the model once, via ``classifier``."""
        probs = classifier([*self.units, ""])
        self.unit_proba = np.asarray(probs[:-1], dtype=float)
        self.empty_proba = np.asarray(probs[-1], dtype=float)

    def proba(self, data: np.ndarray) -> np.ndarray:
        """Probabilities for feature masks ``data`` (samples, features) of 0/1."""
        if self.unit_proba is None or self.empty_proba is None:
            raise RuntimeError("score_units must run first")
        present = np.asarray(data, dtype=float)[:, self.unit_feature]
        return mean_of_units(present, self.unit_proba, self.unit_words, self.empty_proba)

    def predict_removing(self, removed: Sequence[Sequence[int]]) -> np.ndarray:
        """Probabilities of the text without each list of features (the deletion check)."""
        data = np.ones((len(removed), self.num_features))
        for row, features in enumerate(removed):
            data[row, list(features)] = 0
        return self.proba(data)

    def lime_run(
        self, explainer: Any, label: int, num_samples: int, num_features: int
    ) -> dict[str, Any]:
        """One ``explain_instance`` of ``explainer`` (a seeded ``LimeTextExplainer``) on masks.

        The draws replicate LIME's ``__data_labels_distances`` call for call, so the
        weights equal plain LIME with a classifier that applies :func:`mean_of_units`."""
        from scipy import sparse

        with heavy_imports():
            from sklearn.metrics.pairwise import pairwise_distances

        t0 = time.perf_counter()
        state = explainer.random_state
        doc_size = self.num_features
        sample = state.randint(1, doc_size + 1, num_samples - 1)
        data = np.ones((num_samples, doc_size))
        features_range = range(doc_size)
        for i, size in enumerate(sample, start=1):
            inactive = state.choice(features_range, size, replace=False)
            data[i, inactive] = 0
        labels = self.proba(data)
        t1 = time.perf_counter()
        matrix = sparse.csr_matrix(data)
        distances = pairwise_distances(matrix, matrix[0], metric="cosine").ravel() * 100
        intercept, local_exp, score, _ = explainer.base.explain_instance_with_data(
            data, labels, distances, label, num_features,
            feature_selection=explainer.feature_selection,
        )  # fmt: skip
        return {
            "weights": dict(local_exp),
            "intercept": float(intercept),
            "score": float(score),
            "sampling_s": t1 - t0,
            "regression_s": time.perf_counter() - t1,
        }

    def note(self, n_words: int, word_limit: int) -> str:
        """What the user must know about how the text was explained."""
        units = len(self.units)
        what = "sentences" if not self.sentence_cut else "sentences and sentence chunks"
        if self.level == "sentence":
            how = "sentence by sentence"
        elif self.group_size > 1:
            how = f"in {self.num_features} chunks of up to {self.group_size} sentences"
        else:
            how = f"sentence by sentence (sentences over {CHUNK_WORDS} words in chunks)"
        return (
            f"The text has {n_words:,} words, more than the {word_limit} explained word by word: "
            f"the model scored each of its {units:,} {what} on its own, and it is explained "
            f"{how}. The weights explain the mean of the sentences' probabilities weighted by "
            "length, which can differ from the whole text's."
        )
