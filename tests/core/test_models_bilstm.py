"""The BiLSTM: tokenisation, negation-keeping stop words, vectors file, save/load."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.models import load_model
from desktop_app.core.models.bilstm import (
    TextPipeline,
    build_vocab,
    read_word_vectors,
    stopword_list,
)
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import train_data

torch.set_num_threads(1)


def config(**overrides) -> TrainConfig:
    values = dict(
        model="bilstm",
        epochs=3,
        batch_size=8,
        lr=1e-2,
        embedding_dim=16,
        hidden_size=16,
        patience=0,
        device="cpu",
        threads=1,
    )
    values.update(overrides)
    return TrainConfig(**values)


def test_tokeniser_needs_no_data_and_keeps_negations():
    plain = TextPipeline(remove_stopwords=False)
    assert plain("I didn't LIKE it.") == ["i", "did", "n't", "like", "it", "."]
    strip = TextPipeline(remove_stopwords=True)
    tokens = strip("This is not a good film and it was never fun, I don't care")
    assert {"not", "never", "n't", "good", "film", "fun"} <= set(tokens)
    assert not {"this", "is", "a", "and", "was"} & set(tokens)
    words = stopword_list()
    assert not {"not", "no", "never", "nor", "n't", "don't", "didn"} & words


def test_vocab_min_freq_and_max_size():
    vocab = build_vocab([["a", "b", "a"], ["a", "c", "b"], ["d"]], min_freq=2, max_size=10)
    assert vocab == ["<pad>", "<unk>", "a", "b"]
    assert build_vocab([["a", "b", "a"], ["b", "c"]], min_freq=1, max_size=3) == [
        "<pad>",
        "<unk>",
        "a",
    ]


def test_save_load_identical_and_training_json(tmp_path):
    result = train_model(config(), train_data())
    model = result.model
    model.save(tmp_path / "lstm")
    info = json.loads((tmp_path / "lstm" / "training.json").read_text())
    assert info["kind"] == "bilstm" and info["labels"] == ["negative", "positive"]
    assert info["architecture"]["hidden_size"] == 16
    loaded = load_model(str(tmp_path / "lstm"), device="cpu")
    texts = ["good film", "awful boring plot", "unknownword", "the the the"]
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))


def test_pretrained_vectors_file(tmp_path):
    data = train_data()
    words = sorted({w for t in data.train_texts for w in t.split()})
    path = tmp_path / "vectors.txt"
    rng = np.random.default_rng(0)
    # word2vec text header, then one vector per word (a few words missing on purpose)
    lines = [f"{len(words) - 3} 8"] + [
        w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=8)) for w in words[3:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    matrix, found = read_word_vectors(path, ["<pad>", "<unk>", *words])
    assert matrix.shape == (len(words) + 2, 8) and found == len(words) - 3
    assert torch.all(matrix[0] == 0)
    expected = [float(x) for x in lines[1].split()[1:]]
    assert matrix[2 + 3].tolist() == pytest.approx(expected, abs=1e-6)
    result = train_model(config(vectors_path=str(path), epochs=1), data)
    assert result.model.module.embedding.embedding_dim == 8
    with pytest.raises(ModelError, match="not found"):
        read_word_vectors(tmp_path / "missing.txt", ["<pad>"])


def test_mean_pooling_and_stopwords_train(tmp_path):
    result = train_model(config(pooling="mean", remove_stopwords=True, epochs=2), train_data())
    assert result.model.pipeline.remove_stopwords
    result.model.save(tmp_path / "m")
    assert load_model(str(tmp_path / "m")).pipeline.remove_stopwords
