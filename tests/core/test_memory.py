"""Bounded input shapes (bucketed padding) give the same predictions; memory release works."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from desktop_app.core import memory
from desktop_app.core.models import neural
from desktop_app.core.models.neural import pad, padded_length

torch.set_num_threads(1)

TEXTS = [
    "good",
    "a great film",
    "the plot was boring and the acting was bad",
    "really " * 9 + "good",
    " ".join(["the film was fun"] * 8),
]


def test_padded_lengths_are_few_and_never_past_the_limit():
    sizes = {padded_length(n) for n in range(1, 513)}
    assert len(sizes) == 16
    assert all(padded_length(n) >= n for n in range(1, 513))
    assert padded_length(5) == 8 and padded_length(65) == 96 and padded_length(300) == 384
    assert padded_length(60, limit=62) == 62  # a model with 62 positions
    ids, mask = pad([[5, 6, 7], [5]], pad_id=0)
    assert ids.shape == (2, 8) and mask.sum().item() == 4


def probabilities(model, bucketed: bool, monkeypatch) -> np.ndarray:
    monkeypatch.setattr(neural, "BUCKETED_PADDING", bucketed)
    return model.predict_proba(TEXTS)


def test_bucketing_does_not_change_transformer_predictions(monkeypatch, tmp_path):
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    model = TransformerModel.create(str(make_tiny_bert(tmp_path)), ["negative", "positive"])
    exact = probabilities(model, False, monkeypatch)
    np.testing.assert_allclose(probabilities(model, True, monkeypatch), exact, atol=1e-5)


def test_bucketing_does_not_change_minilm_embeddings(monkeypatch):
    from desktop_app.core.models.minilm_head import Encoder

    encoder = Encoder()
    monkeypatch.setattr(neural, "BUCKETED_PADDING", False)
    exact = encoder.embed(TEXTS)
    monkeypatch.setattr(neural, "BUCKETED_PADDING", True)
    np.testing.assert_allclose(encoder.embed(TEXTS), exact, atol=1e-5)


def test_bucketing_does_not_change_bilstm_predictions(monkeypatch):
    from desktop_app.core.models.bilstm import BiLSTMModel

    torch.manual_seed(0)
    vocab = ["<pad>", "<unk>", *sorted({w for t in TEXTS for w in t.split()})]
    for pooling in ("max", "mean"):
        model = BiLSTMModel(vocab, ["negative", "positive"], {"pooling": pooling})
        exact = probabilities(model, False, monkeypatch)
        np.testing.assert_allclose(probabilities(model, True, monkeypatch), exact, atol=1e-6)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc are Linux")
def test_release_memory_and_resident_size_on_linux():
    before = memory.resident_mb()
    assert before is not None and before > 10
    assert memory.release_memory() is True


def test_exact_padding_batches_hold_one_length_each():
    # LIME's perturbations: under exact_padding a batch ends where the token length changes,
    # so no batch is padded (and attention needs no mask); elsewhere batches are plain slices.
    from desktop_app.core.models.neural import EXACT_PADDING_UP_TO, batches, exact_padding

    lengths = [3, 5, 5, 5, 5, 5, 9, 9, 70, 70, 70, 71, 2]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    plain = list(batches(order, lengths, 4))
    assert [b for _, b in plain] == [order[i : i + 4] for i in range(0, len(order), 4)]
    with exact_padding():
        exact = list(batches(order, lengths, 4))
    assert [i for _, b in exact for i in b] == order  # every text once, in order
    assert [start for start, _ in exact] == [0, 1, 2, 6, 7, 9]
    for _, batch in exact:
        assert len(batch) <= 4
        if lengths[batch[0]] <= EXACT_PADDING_UP_TO:
            assert len({lengths[i] for i in batch}) == 1
    # Past EXACT_PADDING_UP_TO the batch is a plain slice again (70, 70, 70, 71 together).
    assert [lengths[i] for i in exact[-1][1]] == [70, 70, 70, 71]
