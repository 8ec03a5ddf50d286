"""The [CLS]-only last layer (core/models/first_token.py) gives the library's logits."""

from __future__ import annotations

import pytest
import torch

from desktop_app.core.models import first_token
from desktop_app.core.models.transformer import TransformerModel

torch.set_num_threads(1)

TEXTS = [
    "a gorgeous , witty film that never quite finds its heart",
    "bad",
    "an unusually smart and funny comedy whose cast keeps every scene alive",
    "not good at all , and never once funny",
]


@pytest.fixture(scope="module")
def minilm() -> TransformerModel:
    torch.manual_seed(0)
    model = TransformerModel.create("minilm", ["negative", "neutral", "positive"], device="cpu")
    model.module.eval()
    return model


def _library(model: TransformerModel, batch: dict) -> torch.Tensor:
    with torch.inference_mode():
        return model.module(**batch).logits


def _ours(model: TransformerModel, batch: dict) -> torch.Tensor:
    with torch.inference_mode():
        return first_token.first_token_logits(model.module, batch)


def test_bundled_minilm_takes_the_path(minilm):
    assert first_token.supports(minilm.module)


def test_padded_batch_gives_the_library_logits(minilm):
    # Texts of different lengths: the padding mask must reach the first token's attention.
    batch = minilm.collate(minilm.token_ids(TEXTS))
    assert not bool(batch["attention_mask"].all())
    ours, theirs = _ours(minilm, batch), _library(minilm, batch)
    assert ours.shape == theirs.shape == (len(TEXTS), 3)
    torch.testing.assert_close(ours, theirs, atol=2e-5, rtol=0)


def test_unpadded_batch_gives_the_library_logits(minilm):
    from desktop_app.core.models.neural import exact_padding

    with exact_padding():  # no rounding up: no padding at all
        batch = minilm.collate(minilm.token_ids([TEXTS[0]] * 3))
    assert bool(batch["attention_mask"].all())
    torch.testing.assert_close(_ours(minilm, batch), _library(minilm, batch), atol=2e-5, rtol=0)


def test_eager_attention_gives_the_library_logits(minilm):
    batch = minilm.collate(minilm.token_ids(TEXTS))
    before = minilm.module.config._attn_implementation
    minilm.module.set_attn_implementation("eager")
    try:
        torch.testing.assert_close(_ours(minilm, batch), _library(minilm, batch), atol=2e-5, rtol=0)
    finally:
        minilm.module.set_attn_implementation(before)


def test_bf16_autocast_stays_within_bf16_rounding(minilm):
    batch = minilm.collate(minilm.token_ids(TEXTS))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours, theirs = _ours(minilm, batch), _library(minilm, batch)
    torch.testing.assert_close(ours.float(), theirs.float(), atol=0.05, rtol=0)


def test_predictions_use_it_in_eval_mode_only(minilm, monkeypatch):
    calls = []
    real = first_token.first_token_logits

    def counting(module, batch):
        calls.append(len(batch["input_ids"]))
        return real(module, batch)

    monkeypatch.setattr(first_token, "first_token_logits", counting)
    batch = minilm.collate(minilm.token_ids(TEXTS))
    minilm.module.eval()
    minilm.predict_proba(TEXTS)
    assert sum(calls) == len(TEXTS)
    calls.clear()
    minilm.module.train()
    try:
        with torch.no_grad():
            minilm.logits(batch)  # training: the library's forward (its dropout, its graph)
    finally:
        minilm.module.eval()
    assert calls == []


def test_switch_off_uses_the_library(minilm, monkeypatch):
    monkeypatch.setattr(first_token, "ENABLED", False)
    monkeypatch.setattr(
        first_token, "first_token_logits", lambda *a: pytest.fail("used while switched off")
    )
    minilm.predict_proba(TEXTS[:1])


def test_other_architectures_run_their_own_forward():
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        DistilBertConfig,
        DistilBertForSequenceClassification,
    )

    small = {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64}
    bert = BertForSequenceClassification(BertConfig(num_hidden_layers=1, **small))
    assert first_token.supports(bert)
    decoder = BertForSequenceClassification(
        BertConfig(num_hidden_layers=1, is_decoder=True, **small)
    )
    assert not first_token.supports(decoder)
    distil = DistilBertForSequenceClassification(
        DistilBertConfig(dim=32, n_heads=2, hidden_dim=64, n_layers=1)
    )
    assert not first_token.supports(distil)
