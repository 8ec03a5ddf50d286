"""Slow: the bundled MiniLM on 1,000 real rt_polarity sentences, one epoch."""

from __future__ import annotations

import csv

import pytest
import torch

from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.train import train_model


@pytest.mark.slow
def test_bundled_minilm_one_epoch_on_rt_polarity_sample(shared_data):
    from sklearn.model_selection import train_test_split

    torch.set_num_threads(1)
    with open(shared_data / "sentiment" / "rt_polarity.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    # the file is sorted (all positives first): a seeded, stratified sample
    texts, _, labels, _ = train_test_split(
        texts, labels, train_size=1000, stratify=labels, random_state=0
    )
    x_train, x_rest, y_train, y_rest = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    data = TrainData(x_train, y_train, x_val, y_val, x_test, y_test)
    # one epoch of 800 texts: small batches give the classification head enough steps
    config = TrainConfig(model="minilm", epochs=1, batch_size=8, lr=1e-4, device="cpu")
    result = train_model(config, data)
    assert result.metrics["accuracy"] > 0.7, result.metrics
    assert result.model.labels == ["negative", "positive"]
