"""train_model on tiny models: loss falls, cancel, early stopping, checks, metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext, Progress
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData, check_data
from desktop_app.core.training.loop import length_grouped_batches, padding_fraction, random_batches
from desktop_app.core.training.metrics import classification_metrics, mean_log_loss
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import make_tiny_bert, sentences, train_data

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory: pytest.TempPathFactory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def bert_config(folder, **overrides) -> TrainConfig:
    values = {
        "model": str(folder),
        "epochs": 8,
        "batch_size": 8,
        "lr": 5e-3,
        "warmup_ratio": 0.1,
        "patience": 0,
        "device": "cpu",
        "threads": 1,
    }
    values.update(overrides)
    return TrainConfig(**values)


def bilstm_config(**overrides) -> TrainConfig:
    values = {
        "model": "bilstm",
        "epochs": 8,
        "batch_size": 8,
        "lr": 1e-2,
        "embedding_dim": 16,
        "hidden_size": 16,
        "dropout": 0.0,
        "patience": 0,
        "device": "cpu",
        "threads": 1,
    }
    values.update(overrides)
    return TrainConfig(**values)


class Recorder:
    """A JobContext that records every call (no throttling)."""

    def __init__(self, cancel_at_step: int | None = None) -> None:
        self.partials: list[tuple[str, object]] = []
        self.progress: list[tuple[int, int, str]] = []
        self.logs: list[str] = []
        self.cancel_at_step = cancel_at_step
        self.ctx = JobContext(
            on_progress=self._on_progress,
            on_log=self.logs.append,
            on_partial=lambda kind, payload: self.partials.append((kind, payload)),
            min_interval=0.0,
        )

    def _on_progress(self, report: Progress) -> None:

        done, total, message = report.done, report.total, report.message
        self.progress.append((done, total, message))
        if self.cancel_at_step is not None and done >= self.cancel_at_step and "epoch" in message:
            self.ctx.cancel()

    def of(self, kind: str) -> list:
        items = []
        for k, payload in self.partials:
            if k == kind:
                items.extend(payload if isinstance(payload, list) else [payload])
        return items


def epoch_losses(result) -> list[float]:
    return [e["train_loss"] for e in result.history["epochs"]]


@pytest.mark.parametrize("kind", ["bert", "bilstm"])
def test_loss_decreases_and_reports(kind, bert_folder):
    config = bert_config(bert_folder) if kind == "bert" else bilstm_config()
    rec = Recorder()
    result = train_model(config, train_data(), rec.ctx)
    losses = epoch_losses(result)
    assert len(losses) == config.epochs
    assert losses[-1] < losses[0] * 0.7, losses
    assert result.metrics["accuracy"] >= (0.8 if kind == "bert" else 0.6)
    steps = rec.of("step")
    assert steps and set(steps[0]) == {"step", "total_steps", "epoch", "loss"}
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[-1]["total_steps"] == len(steps) == config.epochs * 6
    epochs = rec.of("epoch")
    assert [e["epoch"] for e in epochs] == list(range(1, config.epochs + 1))
    assert {"epoch", "train_loss", "val_loss", "val_accuracy", "val_macro_f1"} <= set(epochs[0])
    assert any(
        msg.startswith(f"epoch {config.epochs}/{config.epochs}") for _, _, msg in rec.progress
    )
    assert result.cancelled is False and result.stopped_at == "finished"
    assert len(result.test_examples) == 16
    assert set(result.test_examples[0]) == {"text", "true", "pred", "confidence"}
    assert result.baseline is not None and 0 <= result.baseline["accuracy"] <= 1


def _val_metrics(model, data: TrainData) -> tuple[float, float]:
    probs = model.predict_proba(data.val_texts)
    y = [data.labels.index(x) for x in data.val_labels]
    pred = [data.labels[i] for i in probs.argmax(1)]
    return mean_log_loss(probs, y), classification_metrics(data.val_labels, pred, data.labels)[
        "macro_f1"
    ]


@pytest.mark.parametrize("kind", ["bert", "bilstm"])
def test_cancel_mid_epoch_keeps_best_weights(kind, bert_folder):
    config = bert_config(bert_folder) if kind == "bert" else bilstm_config()
    data = train_data()
    rec = Recorder(cancel_at_step=6 + 2)  # 6 steps per epoch: stop inside epoch 2
    result = train_model(config, data, rec.ctx)
    assert result.cancelled is True
    assert result.stopped_at == "stopped by Cancel during epoch 2 of 8, after step 8 of 48"
    assert len(result.history["steps"]) == 8
    assert len(result.history["epochs"]) == 1
    assert result.best_epoch == 1
    # the model holds epoch 1's weights, not the half-trained epoch 2's
    val_loss, val_f1 = _val_metrics(result.model, data)
    assert val_loss == pytest.approx(result.history["epochs"][0]["val_loss"], abs=1e-5)
    assert val_f1 == pytest.approx(result.history["epochs"][0]["val_macro_f1"])
    assert result.metrics["accuracy"] is not None


def test_cancel_before_the_first_epoch_still_gives_a_model(bert_folder):
    rec = Recorder(cancel_at_step=2)
    result = train_model(bert_config(bert_folder), train_data(), rec.ctx)
    assert result.cancelled and result.best_epoch is None
    assert len(result.history["steps"]) == 2 and result.history["epochs"] == []
    assert result.model.predict_proba(["good film"]).shape == (1, 2)


def test_early_stopping_restores_the_best_epoch(bert_folder):
    # Validation labels are the opposite of the training labels: the more the model
    # learns, the worse validation gets, so early stopping must end the run.
    base = train_data()
    flipped = ["positive" if x == "negative" else "negative" for x in base.val_labels]
    data = TrainData(
        base.train_texts,
        base.train_labels,
        base.val_texts,
        flipped,
        base.test_texts,
        base.test_labels,
    )
    config = bert_config(bert_folder, epochs=10, patience=2)
    result = train_model(config, data)
    epochs = result.history["epochs"]
    assert len(epochs) < 10
    assert "early stopping" in result.stopped_at
    f1s = [e["val_macro_f1"] for e in epochs]
    assert result.best_epoch == int(np.argmax(f1s)) + 1
    assert len(epochs) == result.best_epoch + 2  # patience 2
    val_loss, val_f1 = _val_metrics(result.model, data)
    assert val_f1 == pytest.approx(max(f1s))
    assert val_loss == pytest.approx(epochs[result.best_epoch - 1]["val_loss"], abs=1e-5)


def test_same_seed_same_model(bert_folder):
    config = bert_config(bert_folder, epochs=2)
    a = train_model(config, train_data()).model.predict_proba(["good film", "bad plot"])
    b = train_model(config, train_data()).model.predict_proba(["good film", "bad plot"])
    np.testing.assert_array_equal(a, b)


def test_max_length_default_and_truncated_count(bert_folder):
    texts, labels = sentences(48)
    texts[0] = " ".join(["good"] * 200)  # far longer than the rest
    data = TrainData(texts[:32], labels[:32], texts[32:40], labels[32:40], texts[40:], labels[40:])
    result = train_model(bert_config(bert_folder, epochs=1), data)
    lengths = sorted(len(t.split()) + 2 for t in texts[:32])
    assert result.model.max_length == max(8, int(np.ceil(np.percentile(lengths, 95))))
    assert result.truncated >= 1
    assert result.model.truncated([texts[0], "good film"]) == [True, False]
    explicit = train_model(bert_config(bert_folder, epochs=1, max_length=1000), data)
    assert explicit.model.max_length == 64  # the tiny BERT's position limit


def test_checks_before_training():
    texts, _ = sentences(20)
    with pytest.raises(ModelError, match="at least two classes"):
        check_data(
            TrainData(
                texts[:12],
                ["positive"] * 12,
                texts[12:16],
                ["positive"] * 4,
                texts[16:],
                ["positive"] * 4,
            ),
            "minilm",
        )
    with pytest.raises(ModelError, match="Too few labelled rows"):
        check_data(
            TrainData(
                texts[:3], ["positive", "negative", "positive"], [], [], texts[3:4], ["negative"]
            ),
            "bilstm",
        )
    with pytest.raises(ModelError, match="no example of"):
        check_data(
            TrainData(
                texts[:6],
                ["positive", "negative"] * 3,
                texts[6:8],
                ["neutral"] * 2,
                texts[8:10],
                ["negative"] * 2,
                labels=["negative", "neutral", "positive"],
            ),
            "bilstm",
        )
    with pytest.raises(ModelError, match="Unknown training settings"):
        TrainConfig.from_dict({"model": "bilstm", "learning_rate": 1})


def test_out_of_memory_becomes_advice(monkeypatch):
    import desktop_app.core.training.train as training

    def oom(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(training, "train_neural", oom)
    with pytest.raises(ModelError, match="smaller batch size"):
        train_model(bilstm_config(batch_size=64), train_data())


def test_config_defaults_and_help():
    minilm = TrainConfig.defaults("minilm")
    assert minilm.epochs and minilm.lr and 5e-5 <= minilm.lr <= 1e-4 and minilm.warmup_ratio > 0
    assert TrainConfig.defaults("bilstm").lr > minilm.lr
    assert TrainConfig.defaults("./some/folder").kind == "transformer"
    helps = TrainConfig.help_texts()
    assert all(
        helps[name] for name in ("epochs", "batch_size", "lr", "max_length", "device", "threads")
    )
    assert "hidden_size" in TrainConfig.fields_for("bilstm")
    assert "hidden_size" not in TrainConfig.fields_for("minilm")
    assert TrainConfig.from_dict(minilm.to_dict()) == minilm


def test_vader_kind_evaluates_without_training():
    result = train_model(TrainConfig(model="vader"), train_data())
    assert result.model.kind == "vader" and result.history == {"steps": [], "epochs": []}
    assert result.metrics["accuracy"] == result.baseline["accuracy"]
    # the tiny sentences are full of VADER words: it gets most right
    assert result.metrics["accuracy"] > 0.8


def test_length_grouped_batches_cover_everything_with_less_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 120, size=1000).tolist()
    grouped = length_grouped_batches(lengths, 32, np.random.default_rng(1))
    plain = random_batches(len(lengths), 32, np.random.default_rng(1))
    assert sorted(i for b in grouped for i in b) == list(range(1000))
    assert all(len(b) <= 32 for b in grouped)
    assert padding_fraction(lengths, grouped) < 0.1 < 0.3 < padding_fraction(lengths, plain)


def test_metrics_match_scikit_learn_on_a_hand_made_case():
    y_true = ["a", "a", "a", "b", "b", "c", "c", "c", "c", "a"]
    y_pred = ["a", "b", "a", "b", "c", "c", "c", "a", "c", "a"]
    m = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(7 / 10)
    assert m["confusion_matrix"] == [[3, 1, 0], [0, 1, 1], [1, 0, 3]]
    # by hand: a: p=3/4 r=3/4; b: p=1/2 r=1/2; c: p=3/4 r=3/4
    assert m["per_class"]["a"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}
    assert m["per_class"]["b"]["f1"] == pytest.approx(0.5)
    assert m["macro_f1"] == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    from sklearn.metrics import f1_score

    assert m["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    # a file with only some of the model's classes: macro-F1 over the classes present
    sub = classification_metrics(["a", "a", "b"], ["a", "c", "b"], ["a", "b", "c"])
    assert sub["macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert sub["per_class"]["c"]["support"] == 0


def test_cancel_before_the_first_step_returns_at_once(bert_folder):
    rec = Recorder()
    rec.ctx.cancel()  # e.g. pressed while the head was being fitted
    result = train_model(bert_config(bert_folder), train_data(), rec.ctx)
    assert result.cancelled and result.history["steps"] == []
    assert result.stopped_at.startswith("stopped by Cancel during epoch 1 of ")
    assert "after step 0 of" in result.stopped_at
