"""The CUDA path on a real GPU: mixed-precision fine-tuning (bf16; fp16 with a grad scaler), a
real out-of-memory error and its advice, batch prediction and LIME on the GPU.

Marked ``gpu`` and skipped without CUDA (``make test`` collects and skips them);
``scripts/gpu_check.sh`` runs them on a GPU machine. Tiny models except the out-of-memory test,
which needs a MiniLM-sized one (``benchmarks/gpu_models.py``) to overflow what is left.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import make_tiny_bert, train_data

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU"),
]


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory: pytest.TempPathFactory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def cuda_config(folder, **overrides) -> TrainConfig:  # noqa: ANN001
    values = {
        "model": str(folder),
        "epochs": 8,
        "batch_size": 8,
        "lr": 5e-3,
        "warmup_ratio": 0.1,
        "patience": 0,
        "device": "cuda",
        "mixed_precision": True,
    }
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture
def precision_spy(monkeypatch):
    """Records the dtype of every autocast region and every GradScaler the loop makes."""
    seen = {"autocast": set(), "scalers": []}
    real_autocast, real_scaler = torch.autocast, torch.amp.GradScaler

    def autocast(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen["autocast"].add((kwargs.get("device_type"), kwargs.get("dtype")))
        return real_autocast(*args, **kwargs)

    def scaler(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made = real_scaler(*args, **kwargs)
        seen["scalers"].append(made)
        return made

    monkeypatch.setattr(torch, "autocast", autocast)
    monkeypatch.setattr(torch.amp, "GradScaler", scaler)
    return seen


def dtypes(spy) -> set:  # noqa: ANN001
    """The dtypes of the CUDA autocast regions entered (ignoring any library's own)."""
    return {dtype for device, dtype in spy["autocast"] if device == "cuda" and dtype is not None}


def learnt(result) -> None:  # noqa: ANN001
    losses = [e["train_loss"] for e in result.history["epochs"]]
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < losses[0] * 0.7, losses
    assert result.metrics["accuracy"] >= 0.8
    assert next(result.model.module.parameters()).device.type == "cuda"
    # master weights stay fp32: autocast computes in low precision, the optimizer updates fp32
    assert {p.dtype for p in result.model.module.parameters()} == {torch.float32}


def test_bf16_fine_tuning(bert_folder, precision_spy):
    if not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    result = train_model(cuda_config(bert_folder), train_data())
    learnt(result)
    assert dtypes(precision_spy) == {torch.bfloat16}
    assert precision_spy["scalers"] == []  # bf16 needs no loss scaling


def test_fp16_fine_tuning_with_grad_scaler(bert_folder, precision_spy, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    result = train_model(cuda_config(bert_folder), train_data())
    learnt(result)
    assert dtypes(precision_spy) == {torch.float16}
    (scaler,) = precision_spy["scalers"]
    assert scaler.is_enabled() and scaler.get_scale() > 0


def test_fp32_when_mixed_precision_is_off(bert_folder, precision_spy):
    learnt(train_model(cuda_config(bert_folder, mixed_precision=False), train_data()))
    assert dtypes(precision_spy) == set()


def test_a_real_out_of_memory_error_becomes_advice_and_a_smaller_batch_trains(tmp_path):
    from benchmarks.gpu_models import minilm_folder, synthetic_texts

    folder, _ = minilm_folder(tmp_path)
    texts, labels = synthetic_texts(2048 + 64)
    data = TrainData(texts[:2048], labels[:2048], texts[2048:2080], labels[2048:2080],
                     texts[2080:], labels[2080:])  # fmt: skip
    reserve = 2 * 2**30  # what is left free: the model and a small batch fit, 2,048 texts do not
    torch.cuda.empty_cache()
    free, _total = torch.cuda.mem_get_info()
    if free < 3 * reserve:
        pytest.skip(f"only {free / 2**30:.1f} GiB free on the GPU")
    filler = torch.empty(free - reserve, dtype=torch.uint8, device="cuda")
    try:
        before = torch.cuda.memory_allocated()
        config = cuda_config(folder, epochs=1, batch_size=2048, max_length=64, lr=5e-5)
        with pytest.raises(ModelError) as error:
            train_model(config, data)
        message = str(error.value)
        assert "CUDA ran out of memory with batch size 2048" in message
        assert "smaller batch size (for example 1024)" in message
        assert isinstance(error.value.__cause__, torch.OutOfMemoryError)  # a real one
        # the failed run let go of its memory although the error is still held (its frames
        # were cleared): the same filler, a small batch, and it trains
        assert torch.cuda.memory_allocated() - before < 256 * 2**20
        result = train_model(dataclasses.replace(config, batch_size=16), data)
        assert result.history["epochs"] and np.isfinite(result.history["epochs"][0]["train_loss"])
    finally:
        del filler
        torch.cuda.empty_cache()


@pytest.fixture(scope="module")
def trained(bert_folder, tmp_path_factory):
    """A tiny model trained on the GPU and saved, loaded once on each device."""
    from desktop_app.core.models import load_model

    folder = tmp_path_factory.mktemp("trained") / "model"
    train_model(cuda_config(bert_folder, mixed_precision=False), train_data()).model.save(folder)
    return load_model(str(folder), device="cuda"), load_model(str(folder), device="cpu")


def test_batch_prediction_on_the_gpu_matches_the_cpu(trained):
    from desktop_app.core.predict.batch import predict_batch
    from tests.core.tiny_models import sentences

    texts, labels = sentences(300, seed=3)
    gpu, cpu = (predict_batch(model, texts, labels) for model in trained)
    assert gpu["predicted"] == cpu["predicted"]
    np.testing.assert_allclose(gpu["probabilities"], cpu["probabilities"], atol=1e-4)
    assert gpu["accuracy"] == cpu["accuracy"] >= 0.8


def test_lime_on_the_gpu_matches_the_cpu(trained):
    from desktop_app.core.explain.explainer import explain_text

    text = "the acting was really good but the plot was dull"
    gpu, cpu = (explain_text(model, text, num_samples=1000, runs=1, seed=0) for model in trained)
    assert gpu["label"] == cpu["label"]
    gpu_words = {w["word"]: w["mean_weight"] for w in gpu["words"]}
    cpu_words = {w["word"]: w["mean_weight"] for w in cpu["words"]}
    assert gpu_words.keys() == cpu_words.keys()
    for word, weight in cpu_words.items():
        assert gpu_words[word] == pytest.approx(weight, abs=1e-3), word
    assert gpu["words"][0]["word"] == cpu["words"][0]["word"]
    assert {w["word"] for w in gpu["words"][:3]} == {w["word"] for w in cpu["words"][:3]}
