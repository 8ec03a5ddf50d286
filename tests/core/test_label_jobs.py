"""The Label tab's worker jobs, run directly (no Qt): pool scoring and out-of-fold review."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext
from desktop_app.jobs import WorkerState
from desktop_app.jobs.label import margins_from_proba, review_labels, score_pool


def test_margins_from_proba():
    proba = np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8]])
    margin, top, best = margins_from_proba(proba)
    assert margin == pytest.approx([0.5, 0.05, 0.7])
    assert top.tolist() == [0, 0, 2]
    assert best == pytest.approx([0.7, 0.4, 0.8])


def test_score_pool_with_vader_batches_and_partials():
    partials = []
    ctx = JobContext(on_partial=lambda kind, payload: partials.append((kind, payload)))
    texts = ["I love it, wonderful!", "This is awful and I hate it", "The bus leaves at noon"] * 30
    result = score_pool(
        WorkerState(), {"row_ids": list(range(1, 91)), "texts": texts, "batch_size": 16}, ctx
    )
    assert sorted(result["row_ids"]) == list(range(1, 91))
    by_row = dict(zip(result["row_ids"], result["suggestions"], strict=True))
    assert by_row[1] == "positive" and by_row[2] == "negative"
    assert all(0 <= m <= 1 for m in result["margins"])
    assert len(partials) == 6 and all(kind == "scores" for kind, _ in partials)
    assert sum(len(p["row_ids"]) for _, p in partials) == 90


def test_score_pool_cancels():
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        score_pool(WorkerState(), {"row_ids": [1], "texts": ["hi"]}, ctx)


def test_review_labels_flags_contradicted_rows():
    positive = [
        "I absolutely loved this, wonderful", "Great film, fantastic acting", "What a delight",
        "Brilliant and moving, loved it", "Superb, happy I watched it", "An excellent, joyful film",
        "Wonderful cast, great story", "Amazing, I adore it", "Fantastic experience, so good",
        "Lovely and charming, a joy",
    ]  # fmt: skip
    negative = [
        "Terrible, I hated every minute", "Awful film, boring and bad", "What a disaster",
        "Dreadful and dull, hated it", "Horrible, a waste of time", "A miserable, painful film",
        "Bad acting, awful story", "Disgusting, I loathe it", "Worst experience, so bad",
        "Ugly and tedious, a chore",
    ]  # fmt: skip
    texts = positive + negative + ["Absolutely wonderful, I loved it so much, brilliant"]
    labels = ["positive"] * 10 + ["negative"] * 10 + ["negative"]  # the last one is wrong
    ids = list(range(100, 100 + len(texts)))
    result = review_labels(
        WorkerState(),
        {"row_ids": ids, "texts": texts, "labels": labels, "threshold": 0.6},
        JobContext(),
    )
    assert result["folds"] == 5 and result["rows"] == 21
    flagged = [s["row_id"] for s in result["suspicious"]]
    assert ids[-1] in flagged
    assert len(flagged) <= 3
    assert result["oof_accuracy"] > 0.8


def test_review_labels_needs_enough_rows():
    with pytest.raises(UserError, match="at least"):
        review_labels(
            WorkerState(),
            {"row_ids": [1, 2, 3], "texts": ["a", "b", "c"], "labels": ["x", "y", "x"]},
            JobContext(),
        )
