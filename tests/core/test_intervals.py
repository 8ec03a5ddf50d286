"""95 % intervals: Wilson for accuracy, a seeded bootstrap for macro-F1, and their format."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from desktop_app.core.training.metrics import (
    INTERVAL_BELOW,
    accuracy_interval,
    add_intervals,
    classification_metrics,
    format_figure,
    macro_f1_interval,
    wilson_interval,
)


def test_wilson_interval_known_values():
    # 12 of 16: the issue's own example, "0.750 (0.51–0.90, n = 16)"
    low, high = wilson_interval(12, 16)
    assert low == pytest.approx(0.5050, abs=1e-3) and high == pytest.approx(0.8983, abs=1e-3)
    assert format_figure(0.75, [low, high], 16) == "0.750 (0.51–0.90, n = 16)"
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) is None
    # only figures on fewer than 1,000 rows carry one
    assert accuracy_interval(500, 999) is not None
    assert accuracy_interval(500, INTERVAL_BELOW) is None
    assert format_figure(0.5, None, 2000) == "0.500 (n = 2,000)"
    assert format_figure(None) == "–"


def _data(n, seed=1):
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c"]
    y_true = [labels[i] for i in rng.integers(0, 3, n)]
    y_pred = [t if rng.random() < 0.7 else labels[int(rng.integers(0, 3))] for t in y_true]
    return y_true, y_pred, labels


def test_bootstrap_matches_scikit_learn_on_each_resample():
    y_true, y_pred, labels = _data(40)
    # one resample: the interval collapses onto that resample's macro-F1
    low, high = macro_f1_interval(y_true, y_pred, labels, seed=7, samples=1)
    rows = np.random.default_rng(7).integers(0, 40, size=(1, 40))[0]
    t = [y_true[i] for i in rows]
    p = [y_pred[i] for i in rows]
    present = sorted(set(t))
    expected = f1_score(t, p, labels=present, average="macro", zero_division=0)
    assert low == pytest.approx(expected) and high == pytest.approx(expected)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    y_true, y_pred, labels = _data(200)
    a = macro_f1_interval(y_true, y_pred, labels, seed=0)
    assert a == macro_f1_interval(y_true, y_pred, labels, seed=0)
    assert a != macro_f1_interval(y_true, y_pred, labels, seed=1)
    point = classification_metrics(y_true, y_pred, labels)["macro_f1"]
    assert a[0] < point < a[1] and a[1] - a[0] < 0.3
    big_true, big_pred, _ = _data(INTERVAL_BELOW)
    assert macro_f1_interval(big_true, big_pred, labels) is None


def test_add_intervals_to_metrics():
    y_true, y_pred, labels = _data(16)
    metrics = add_intervals(classification_metrics(y_true, y_pred, labels), y_true, y_pred)
    assert len(metrics["accuracy_ci"]) == 2 and len(metrics["macro_f1_ci"]) == 2
    assert metrics["accuracy_ci"][0] <= metrics["accuracy"] <= metrics["accuracy_ci"][1]
