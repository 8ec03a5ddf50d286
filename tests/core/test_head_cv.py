"""minilm-head's choice of C: stratified k-fold cross-validation on train + validation, a refit
on both, the scores recorded, fold progress, the leakage guard -- on a stub encoder whose
"embeddings" are a few word counts, so each test takes about a second."""

from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.core.errors import Cancelled
from desktop_app.core.jobs import JobContext
from desktop_app.core.models import minilm_head
from desktop_app.core.models.minilm_head import C_GRID, choose_c, fit_head
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import NEGATIVE, POSITIVE, train_data


class StubEncoder:
    """Stands in for the frozen MiniLM: counts of positive and negative words plus seeded
    noise per text, L2-normalised like the real sentence embeddings."""

    source = "stub"

    def __init__(self, source: str = "stub", device: str = "cpu") -> None:
        self.device = device
        self.max_length = 64
        # Token windows as the real encoder reads them: each word is one token id.
        self.position_limit = 512
        self.template = ((), ())
        self.vocabulary: dict[str, int] = {}

    def embed(self, texts, ctx=None, **_kwargs) -> np.ndarray:  # noqa: ANN001
        rows = []
        for text in texts:
            words = text.split()
            rng = np.random.default_rng(sum(map(ord, text)))
            rows.append(
                [
                    sum(w in POSITIVE for w in words),
                    sum(w in NEGATIVE for w in words),
                    *rng.normal(0.0, 0.6, 6),
                ]
            )
        x = np.asarray(rows, dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    def embed_cached(self, texts, key, ctx=None, message=""):  # noqa: ANN001, ANN201
        return self.embed(texts, ctx)

    def content_tokens(self, texts, offsets=False):  # noqa: ANN001, ANN201
        return [
            ([self.vocabulary.setdefault(w, len(self.vocabulary)) for w in t.split()], None)
            for t in texts
        ]

    def wrap(self, ids):  # noqa: ANN001, ANN201
        return list(ids)

    def embed_ids(self, ids, ctx=None, batch_size=64, message=""):  # noqa: ANN001, ANN201
        words = {i: w for w, i in self.vocabulary.items()}
        return self.embed([" ".join(words[i] for i in row) for row in ids], ctx)

    def token_ids(self, texts) -> list[list[str]]:  # noqa: ANN001
        return [t.split() for t in texts]


@pytest.fixture(autouse=True)
def stub_encoder(monkeypatch):
    monkeypatch.setattr(minilm_head, "Encoder", StubEncoder)


def config() -> TrainConfig:
    return TrainConfig(model="minilm-head", device="cpu", threads=1)


def class_ids(data: TrainData, labels) -> np.ndarray:  # noqa: ANN001
    return np.asarray([data.labels.index(label) for label in labels])


def test_c_is_cross_validated_then_the_head_refitted_on_train_and_validation(tmp_path):
    data = train_data(48, 16, 16)
    result = train_model(config(), data)
    epoch = result.history["epochs"][0]
    head = result.model.training_info["head"]

    # every C of the grid scored over 5 folds; the best mean wins (ties: the smaller C)
    assert epoch["cv_folds"] == head["folds"] == 5
    assert [s["C"] for s in head["cv_scores"]] == list(C_GRID)
    assert all(len(s["fold_scores"]) == 5 for s in head["cv_scores"])
    means = [s["macro_f1"] for s in head["cv_scores"]]
    assert means == [pytest.approx(np.mean(s["fold_scores"])) for s in head["cv_scores"]]
    assert epoch["C"] == head["C"] == C_GRID[int(np.argmax(means))]
    assert [s["macro_f1"] for s in epoch["cv_scores"]] == means

    # the saved head is the refit on train + validation with that C, not a fold's
    encoder = StubEncoder()
    x = encoder.embed([*data.train_texts, *data.val_texts])
    y = class_ids(data, [*data.train_labels, *data.val_labels])
    refit = fit_head(x, y, epoch["C"], seed=0)
    np.testing.assert_allclose(result.model.coef, refit.coef_, rtol=1e-5, atol=1e-6)
    train_only = fit_head(encoder.embed(data.train_texts), class_ids(data, data.train_labels), 1)
    assert not np.allclose(result.model.coef, train_only.coef_, atol=1e-3)

    # the validation figures are out of fold (one score per train + validation row)
    assert 0.0 <= epoch["val_accuracy"] <= 1.0 and epoch["val_loss"] > 0

    # recorded in training.json
    result.model.save(tmp_path / "model")
    info = json.loads((tmp_path / "model" / "training.json").read_text())
    assert info["head"]["C"] == epoch["C"] and info["head"]["fitted_on"] == "train + validation"
    assert info["history"]["epochs"][0]["cv_scores"] == epoch["cv_scores"]


def test_the_leakage_guard_counts_validation_rows_as_fitted_on():
    data = train_data(48, 16, 16)
    model = train_model(config(), data).model
    assert set(model.seen.which(data.train_texts + data.val_texts)) == {"train"}
    assert model.seen.counts()["validation"] == 0
    assert model.training_info["seen_texts"] == model.seen.counts()
    unseen = [t for t in data.test_texts if t not in set(data.train_texts + data.val_texts)]
    assert unseen and set(model.seen.which(unseen)) == {""}


def test_the_test_split_plays_no_part_in_the_choice():
    data = train_data(48, 16, 16)
    flipped = TrainData(
        data.train_texts,
        data.train_labels,
        data.val_texts,
        data.val_labels,
        data.test_texts,
        ["negative" if label == "positive" else "positive" for label in data.test_labels],
    )
    a, b = train_model(config(), data), train_model(config(), flipped)
    assert a.model.training_info["head"] == b.model.training_info["head"]
    np.testing.assert_array_equal(a.model.coef, b.model.coef)
    assert a.metrics["accuracy"] + b.metrics["accuracy"] == pytest.approx(1.0)


def test_progress_goes_fold_by_fold_then_the_refit():
    reports = []
    ctx = JobContext(on_progress=reports.append, min_interval=0.0)
    train_model(config(), train_data(48, 16, 16), ctx)
    folds = [p for p in reports if "fold" in p.message]
    assert len(folds) == len(C_GRID) * 5
    assert [p.done for p in folds] == list(range(len(C_GRID) * 5))
    assert {p.total for p in folds} == {len(C_GRID) * 5}
    assert folds[0].message == "choosing C by 5-fold cross-validation: C = 0.1 (1/7), fold 1/5"
    assert folds[-1].message.endswith("C = 100 (7/7), fold 5/5")
    assert "fold 5/5" in folds[-1].text  # what the Training tab shows (plus the time left)
    after = reports[reports.index(folds[-1]) + 1 :]
    assert any(p.message.startswith("fitting the head on train + validation") for p in after)


def test_cancel_while_choosing_keeps_the_c_scored_so_far():
    def on_progress(progress) -> None:  # noqa: ANN001
        if "C = 1 (3/7), fold 1/5" in progress.message:
            ctx.cancel()

    ctx = JobContext(on_progress=on_progress, min_interval=0.0)
    result = train_model(config(), train_data(48, 16, 16), ctx)
    head = result.model.training_info["head"]
    assert result.cancelled and result.stopped_at == "cancelled while choosing C"
    assert [s["C"] for s in head["cv_scores"]] == [0.1, 0.3] and not head["complete"]
    assert head["C"] in (0.1, 0.3)


def test_cancel_before_any_c_was_scored_raises():
    ctx = JobContext()
    ctx.cancel()
    x = StubEncoder().embed(train_data(40, 8, 8).train_texts)
    with pytest.raises(Cancelled):
        choose_c(x, np.arange(len(x)) % 2, 2, ctx=ctx)


def test_folds_follow_the_smallest_class():
    x = StubEncoder().embed(train_data(40, 8, 8).train_texts)
    y = np.zeros(len(x), dtype=int)
    y[:3] = 1  # three rows of the second class: 3 folds
    assert choose_c(x, y, 2).folds == 3
    y[1:3] = 0  # one row: no cross-validation, scikit-learn's default C
    single = choose_c(x, y, 2)
    assert single.folds == 0 and single.c == 1.0 and single.oof_probs is None


def test_a_class_with_one_row_gets_the_default_c_and_still_trains():
    data = train_data(40, 8, 8)
    odd = TrainData(
        [*data.train_texts, "a good and a bad film"],
        [*data.train_labels, "mixed"],
        data.val_texts,
        data.val_labels,
        data.test_texts,
        data.test_labels,
    )
    result = train_model(config(), odd)
    epoch = result.history["epochs"][0]
    assert epoch["cv_folds"] == 0 and epoch["C"] == 1.0 and epoch["cv_scores"] == []
    assert result.model.labels == ["mixed", "negative", "positive"]
    assert result.model.predict_proba(["a good film"]).shape == (1, 3)
