"""The train / save_model / load_model / use_vader jobs: plain data per the contract."""

from __future__ import annotations

import pytest
import torch

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext
from desktop_app.jobs import JOBS, WorkerState, resolve
from tests.core.tiny_models import train_data

torch.set_num_threads(1)

CONFIG = {
    "model": "bilstm",
    "epochs": 2,
    "batch_size": 8,
    "lr": 1e-2,
    "embedding_dim": 16,
    "hidden_size": 16,
    "device": "cpu",
    "threads": 1,
}


def run(state, name, params, partials=None):
    ctx = JobContext(
        on_partial=lambda k, p: partials.append((k, p)) if partials is not None else None
    )
    result = resolve(name)(state, params, ctx)
    ctx.flush()
    return result


def test_jobs_are_registered():
    assert {"train", "save_model", "load_model", "use_vader"} <= set(JOBS)


def test_train_save_load_cycle(tmp_path):
    state = WorkerState()
    partials: list = []
    result = run(state, "train", {"config": CONFIG, "data": train_data().to_dict()}, partials)
    assert {
        "model_info",
        "metrics",
        "baseline",
        "history",
        "cancelled",
        "stopped_at",
        "train_seconds",
        "truncated",
        "test_examples",
    } <= set(result)
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "labels"} <= set(
        result["metrics"]
    )
    assert set(result["metrics"]["per_class"]["positive"]) == {
        "precision",
        "recall",
        "f1",
        "support",
    }
    assert set(result["history"]) == {"steps", "epochs"}
    info = result["model_info"]
    assert info == {
        "id": info["id"],
        "name": "BiLSTM",
        "kind": "bilstm",
        "labels": ["negative", "positive"],
        "folder": None,
        "max_length": info["max_length"],
        "inference_limit": 256,  # the BiLSTM's own chunk length
        "chunk_tokens": 256,
        "saved": False,
        "run": None,  # the run is kept only when the job is asked to ("run" param)
        "label": "BiLSTM",
    }
    kinds = {k for k, _ in partials}
    assert kinds == {"step", "epoch"}
    assert all(isinstance(p, list) for k, p in partials if k == "step")
    # plain data only: nothing from torch or numpy
    import json

    json.dumps(result)
    saved = run(state, "save_model", {"folder": str(tmp_path / "m")})
    assert saved["saved"] is True and saved["folder"] == str(tmp_path / "m")
    assert saved["id"] == info["id"]  # saving keeps the model's identity
    run(state, "use_vader", {"labels": ["negative", "positive"]})
    assert state.model.kind == "vader" and state.model_info["labels"] == ["negative", "positive"]
    assert state.model_info["id"] != info["id"]  # every new model gets a new id
    loaded = run(state, "load_model", {"folder": str(tmp_path / "m")})
    assert loaded["kind"] == "bilstm" and loaded["saved"] is True
    assert loaded["id"] not in (info["id"], "")
    assert state.model.kind == "bilstm"


def test_clear_errors():
    state = WorkerState()
    with pytest.raises(ModelError, match="no trained or loaded model"):
        run(state, "save_model", {"folder": "/tmp/x"})
    with pytest.raises(ModelError):
        run(state, "load_model", {"folder": "/no/such/model"})
    one_class = train_data().to_dict()
    one_class["train"][1] = ["positive"] * len(one_class["train"][1])
    one_class["labels"] = ["positive"]
    with pytest.raises(ModelError, match="two classes"):
        run(state, "train", {"config": CONFIG, "data": one_class})
    assert state.model is None
    default = run(state, "use_vader", {})
    assert default["labels"] == ["negative", "neutral", "positive"]
