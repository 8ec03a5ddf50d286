"""Full fine-tunes: save -> load gives the same probabilities; plain transformers loads them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.models import load_model
from desktop_app.core.models.transformer import TransformerModel
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import make_tiny_bert, train_data

torch.set_num_threads(1)

TEXTS = ["a good film", "the plot was awful and dull", "really", "lovely acting " * 30]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    folder = make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
    config = TrainConfig(
        model=str(folder),
        epochs=3,
        batch_size=8,
        lr=5e-3,
        warmup_ratio=0.1,
        patience=0,
        device="cpu",
        threads=1,
    )
    return train_model(config, train_data())


def test_save_load_gives_identical_probabilities(trained, tmp_path):
    model = trained.model
    model.save(tmp_path / "saved")
    loaded = load_model(str(tmp_path / "saved"), device="cpu")
    assert loaded.kind == "transformer" and loaded.labels == ["negative", "positive"]
    assert loaded.max_length == model.max_length
    assert loaded.folder == str(tmp_path / "saved")
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert loaded.truncated(TEXTS) == [False, False, False, True]


def test_saved_folder_holds_weights_and_training_json(trained, tmp_path):
    trained.model.save(tmp_path / "m")
    names = {p.name for p in (tmp_path / "m").iterdir()}
    assert {"config.json", "model.safetensors", "training.json", "tokenizer.json"} <= names
    assert not any(name.endswith(".bin") for name in names)
    info = json.loads((tmp_path / "m" / "training.json").read_text())
    assert info["kind"] == "transformer"
    assert info["label2id"] == {"negative": 0, "positive": 1}
    assert info["fingerprint"] == train_data().fingerprint
    assert info["hyperparameters"]["lr"] == 5e-3
    assert info["metrics"]["accuracy"] == trained.metrics["accuracy"]
    assert len(info["history"]["steps"]) == 3 * 6 and len(info["history"]["epochs"]) == 3
    assert {"torch", "transformers", "python"} <= set(info["versions"])


def test_plain_transformers_pipeline_returns_label_names(trained, tmp_path):
    from transformers import pipeline

    trained.model.save(tmp_path / "p")
    classify = pipeline("text-classification", model=str(tmp_path / "p"), device="cpu")
    out = classify(["a good film", "awful and dull"])
    assert {row["label"] for row in out} <= {"negative", "positive"}
    ours = trained.model.predict_proba(["a good film"])[0]
    assert out[0]["label"] == trained.model.labels[int(np.argmax(ours))]
    assert out[0]["score"] == pytest.approx(float(ours.max()), abs=1e-5)


def test_bin_weights_load_with_weights_only(trained, tmp_path):
    from safetensors.torch import load_file

    folder = tmp_path / "bin"
    trained.model.module.save_pretrained(folder)
    trained.model.tokenizer.save_pretrained(folder)
    # an older-style checkpoint: a pickled state dict instead of safetensors
    state = load_file(str(folder / "model.safetensors"))
    torch.save(state, folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    loaded = load_model(str(folder), device="cpu")
    np.testing.assert_allclose(
        loaded.predict_proba(TEXTS[:2]), trained.model.predict_proba(TEXTS[:2]), atol=1e-6
    )


def test_missing_model_offline_says_so(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="not found locally and there is no network"):
        TransformerModel.create("nobody-xyz/not-a-model", ["negative", "positive"])
    with pytest.raises(ModelError, match="Model folder not found"):
        TransformerModel.create("./no/such/folder", ["negative", "positive"])
    with pytest.raises(ModelError, match="not found"):
        load_model("/no/such/folder")


def test_folder_without_weights_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError):
        load_model(str(tmp_path))


def test_three_labels_from_the_data(tmp_path):
    folder = make_tiny_bert(tmp_path / "bert3")
    model = TransformerModel.create(str(folder), ["negative", "neutral", "positive"])
    assert model.module.config.num_labels == 3
    assert model.module.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    probs = model.predict_proba(["good", "bad film"])
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-6)
