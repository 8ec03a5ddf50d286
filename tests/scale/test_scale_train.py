"""Data-parallel training on a local Ray instance with 2 workers: the same run as a local one
(without dropout, the same losses and metrics), a model folder the app and
``transformers.pipeline`` load, the run record, the BiLSTM, and Cancel keeping the best epoch.
Slow: Ray Train start-ups."""

from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.core.jobs import JobContext
from tests.core.tiny_models import make_tiny_bert, sentences, train_data

pytestmark = pytest.mark.slow


def test_two_workers_train_like_one_process(ray_local, tmp_path):
    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.train import train_on_ray
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.train import train_model

    bert = make_tiny_bert(tmp_path / "bert")  # no dropout: the runs can be compared exactly
    config = TrainConfig(model=str(bert), epochs=3, batch_size=7, patience=0, threads=1)
    data = train_data()
    local = train_model(config, data)
    epochs: list[dict] = []
    ctx = JobContext(on_partial=lambda kind, payload: kind == "epoch" and epochs.append(payload))
    ray = train_on_ray(config, data, RaySettings(workers=2), ctx)
    assert [e["epoch"] for e in epochs] == [1, 2, 3]  # reported as they happened
    assert len(ray.history["steps"]) == len(local.history["steps"]) == 3 * 7
    for name in ("train_loss", "val_loss", "val_macro_f1"):
        ours = [e[name] for e in ray.history["epochs"]]
        theirs = [e[name] for e in local.history["epochs"]]
        assert np.allclose(ours, theirs, atol=1e-4), name
    assert ray.best_epoch == local.best_epoch
    assert ray.metrics["accuracy"] == local.metrics["accuracy"]
    assert ray.test_predicted == local.test_predicted
    assert ray.model.seen is not None and ray.model.seen.counts() == local.model.seen.counts()


def test_cli_trains_a_model_the_app_and_pipeline_load(ray_local, tmp_path, capsys):
    from transformers import pipeline

    from desktop_app.cli import main
    from desktop_app.core.models import load_model
    from desktop_app.core.runs.registry import RunRegistry, runs_folder_for

    texts, labels = sentences(80, seed=2)
    data = tmp_path / "reviews.csv"
    rows = "\n".join(f"{t},{label}" for t, label in zip(texts, labels, strict=True))
    data.write_text("text,label\n" + rows, encoding="utf-8")
    out = tmp_path / "model"
    bert = make_tiny_bert(tmp_path / "bert")
    code = main(
        ["train", str(data), "--model", str(bert), "--out", str(out), "--epochs", "2"]
        + ["--batch-size", "8", "--engine", "ray", "--workers", "2", "--json"]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["engine"], doc["workers"]) == ("ray", 2)
    assert len(doc["epochs"]) == 2 and doc["run"]["id"]
    model = load_model(str(out))
    assert model.labels == ["negative", "positive"] and model.seen is not None
    assert model.training_info["engine"] == {"name": "ray", "workers": 2}
    predicted = pipeline("text-classification", model=str(out))("a wonderful film")
    assert predicted[0]["label"] in ("negative", "positive")
    runs = RunRegistry(runs_folder_for(str(data))).runs()
    assert [r.id for r in runs] == [doc["run"]["id"]]
    assert load_model(str(runs[0].model_folder)).labels == model.labels


def test_bilstm_on_two_workers_and_cancel_keeps_the_best_epoch(ray_local):
    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.train import train_on_ray
    from desktop_app.core.training.config import TrainConfig

    contexts: list[JobContext] = []

    def on_partial(kind: str, payload) -> None:
        if kind == "epoch" and payload["epoch"] == 2:
            contexts[0].cancel()

    ctx = JobContext(on_partial=on_partial)
    contexts.append(ctx)
    config = TrainConfig(model="bilstm", epochs=40, batch_size=4, patience=0)
    result = train_on_ray(config, train_data(), RaySettings(workers=2), ctx)
    # the workers see the stop a moment later, at the same step
    # the same sentences as a local run's (core.training.loop)
    assert result.cancelled and result.stopped_at.startswith(
        ("stopped by Cancel during epoch ", "stopped by Cancel while validating epoch ")
    )
    done = [e["epoch"] for e in result.history["epochs"]]
    assert done[:2] == [1, 2] and len(done) < 40
    assert result.best_epoch in done
    assert result.model.kind == "bilstm"
    assert result.model.predict(["a wonderful film"])[0] in ("negative", "positive")
