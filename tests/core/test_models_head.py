"""minilm-head on the real bundled encoder, a few dozen sentences (fast)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from desktop_app.core.models import load_model, minilm_head
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.train import train_model

torch.set_num_threads(1)

POS = [
    "a wonderful, moving film",
    "I loved every minute of it",
    "brilliant acting and a great story",
    "funny, warm and delightful",
    "one of the best movies this year",
    "a superb, touching drama",
    "beautifully shot and wonderfully acted",
    "an absolute joy to watch",
    "smart and charming",
    "a gripping, excellent thriller",
    "the cast is fantastic",
    "heartfelt and uplifting",
]
NEG = [
    "a boring, lifeless film",
    "I hated every minute of it",
    "terrible acting and a dull story",
    "tedious, cold and irritating",
    "one of the worst movies this year",
    "a clumsy, tiresome drama",
    "ugly to look at and badly acted",
    "a chore to sit through",
    "stupid and annoying",
    "a predictable, awful thriller",
    "the cast is dreadful",
    "depressing and pointless",
]


def data() -> TrainData:
    texts, labels = [], []
    for p, n in zip(POS, NEG, strict=True):
        texts += [p, n]
        labels += ["positive", "negative"]
    return TrainData(texts[:16], labels[:16], texts[16:20], labels[16:20], texts[20:], labels[20:])


@pytest.fixture(scope="module")
def result():
    minilm_head.clear_embedding_cache()
    return train_model(TrainConfig(model="minilm-head", device="cpu", threads=1), data())


def test_head_learns_and_reports(result):
    assert result.model.kind == "minilm-head"
    assert result.metrics["accuracy"] >= 0.75
    epochs = result.history["epochs"]
    assert len(epochs) == 1 and epochs[0]["C"] in (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
    assert {"train_loss", "val_loss", "val_accuracy", "val_macro_f1"} <= set(epochs[0])


def test_embeddings_are_normalised_and_cached(result, monkeypatch):
    encoder = result.model.encoder
    x = encoder.embed(["a good film", "a much longer sentence about a bad film"])
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    d = data()
    assert any(key[1] == d.fingerprint for key in minilm_head._EMBEDDING_CACHE)

    def no_embedding(*args, **kwargs):
        raise AssertionError("embeddings should come from the cache")

    monkeypatch.setattr(minilm_head.Encoder, "embed", no_embedding)
    again = train_model(TrainConfig(model="minilm-head", device="cpu", threads=1), d)
    assert again.metrics == result.metrics


def test_matches_scikit_learn_and_survives_save_load(result, tmp_path):
    model = result.model
    texts = ["what a great film", "dull and boring"]
    x = model.encoder.embed(texts)
    # the saved head reproduces LogisticRegression.predict_proba
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression()
    clf.classes_ = np.array([0, 1])
    clf.coef_, clf.intercept_ = model.coef.astype(np.float64), model.intercept.astype(np.float64)
    np.testing.assert_allclose(model.proba_from_embeddings(x), clf.predict_proba(x), atol=1e-5)
    model.save(tmp_path / "head")
    info = json.loads((tmp_path / "head" / "training.json").read_text())
    assert info["kind"] == "minilm-head" and info["encoder"] == "bundled:minilm"
    assert (tmp_path / "head" / "head.safetensors").is_file()
    loaded = load_model(str(tmp_path / "head"), device="cpu")
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))


def test_long_texts_are_read_in_windows_of_the_encoder(result):
    from desktop_app.core.predict.chunks import predict_long, text_chunks

    model = result.model
    assert model.max_length == 256 and model.inference_limit == 512  # training vs prediction
    assert model.special_tokens == 2 and model.chunk_tokens == 128
    text = " ".join((POS + NEG) * 8)  # about 1,000 tokens
    read = predict_long(model, [text, POS[0]], offsets=True)
    assert read.chunks[0] > 1 and read.chunks[1] == 1
    chunks = text_chunks(read, model.labels, 0, len(text))
    assert chunks[0]["start"] == 0 and chunks[-1]["end"] == len(text)
    # a window's probabilities are the head's for that passage alone
    first = text[chunks[0]["start"] : chunks[0]["end"]]
    np.testing.assert_allclose(
        list(chunks[0]["probabilities"].values()), model.predict_proba([first])[0], atol=1e-4
    )
    np.testing.assert_allclose(model.predict_proba([text])[0], read.probabilities[0], atol=1e-6)
    cut = predict_long(model, [text], "truncate")
    assert cut.chunks == [1] and cut.cut == [True]
