"""Out of memory while training: the advice, and the failed run's memory let go at once (the
GPU check, scripts/gpu_check.sh, does the same with a real CUDA out-of-memory error)."""

from __future__ import annotations

import weakref

import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import train_data


def test_the_failed_run_lets_go_of_its_tensors_while_the_error_is_held(monkeypatch):
    import desktop_app.core.training.train as training

    held = []

    def out_of_memory(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        activations = torch.zeros(1024)  # what a training step's frames would hold
        held.append(weakref.ref(activations))
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(training, "train_neural", out_of_memory)
    config = TrainConfig(model="bilstm", batch_size=64, device="cpu", threads=1)
    with pytest.raises(ModelError, match=r"batch size 64.*for example 32") as error:
        train_model(config, train_data())
    assert isinstance(error.value.__cause__, torch.OutOfMemoryError)  # kept for the details
    assert held and held[0]() is None  # yet its frames no longer hold the tensors
