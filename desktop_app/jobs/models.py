"""Model jobs: train, save_model, load_model, use_vader (worker thread only).

The trained or loaded model stays in ``state.model``; results are plain data
(see docs/architecture.md, "Worker jobs").
"""

from __future__ import annotations

from typing import Any

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext


def _device_choice(state: Any, params: dict) -> str:
    return str(params.get("device") or "auto")


def train(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"config": TrainConfig dict, "data": TrainData dict}`` -> training result dict."""
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.train import train_model

    if "data" not in params:
        raise ModelError("No training data was given: open a labelled data file first.")
    config = TrainConfig.from_dict(params.get("config"))
    data = TrainData.from_dict(params["data"])
    result = train_model(config, data, ctx)
    # VADER has nothing to save (it is built in), so it never counts as unsaved work.
    info = state.set_model(result.model, saved=result.model.kind == "vader")
    payload = result.to_dict()
    payload["model_info"] = info
    return payload


def save_model(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"folder"}`` -> model_info (saved=True)."""
    folder = params.get("folder")
    if not folder:
        raise ModelError("Choose a folder to save the model in.")
    if state.model is None:
        raise ModelError("There is no trained or loaded model to save yet: train one first.")
    ctx.log(f"Saving {state.model.name} to {folder}…")
    state.model.save(folder)
    return state.mark_saved(str(getattr(state.model, "folder", None) or folder))


def load_model(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"folder"}`` (or ``"vader"``) -> model_info (saved=True)."""
    from desktop_app.core.models import load_model as core_load_model

    folder = params.get("folder")
    if not folder:
        raise ModelError("Choose a model folder to load.")
    ctx.log(f"Loading the model in {folder}…")
    model = core_load_model(str(folder), device=_device_choice(state, params))
    return state.set_model(model, saved=True)


def use_vader(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"labels"?}`` -> model_info of VADER mapped to those labels."""
    from desktop_app.core.models import create_vader

    return state.set_model(create_vader(params.get("labels") or None), saved=True)
