"""Model jobs: train, save_model, load_model, load_run, use_vader (worker thread only).

The trained or loaded model stays in ``state.model``; results are plain data
(see docs/architecture.md, "Worker jobs").
"""

from __future__ import annotations

from typing import Any

from desktop_app.core.errors import ModelError, UserError
from desktop_app.core.jobs import JobContext


def _device_choice(state: Any, params: dict) -> str:
    return str(params.get("device") or "auto")


def train(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"config": TrainConfig dict, "data": TrainData dict, "run"?: {"place"?, "data"?,
    "data_path"?, "name"?}}`` -> training result dict.

    With ``"run"`` the run is kept (:func:`desktop_app.core.runs.record.record_run`) in
    ``place`` (a runs folder; default the user's; a project's:
    ``desktop_app.core.runs.registry.project_runs_folder(project)``), ``data`` naming the
    data in the default run name; the payload's ``run`` is the run's summary (None without),
    and ``run_error`` says why a run could not be kept (the trained model is kept in any case).
    """
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.train import train_model

    if "data" not in params:
        raise ModelError("No training data was given: open a labelled data file first.")
    config = TrainConfig.from_dict(params.get("config"))
    data = TrainData.from_dict(params["data"])
    engine = _engine(config, params.get("engine"), ctx)
    if engine is None:
        result = train_model(config, data, ctx)
    else:
        from desktop_app.core.scale.train import train_on_ray

        # Ray is held for the run's length from this (long-lived) worker thread; the trained
        # model comes back from rank 0 and becomes the current one as after a local run.
        result = train_on_ray(config, data, engine, ctx)
    run, run_error = None, None
    if params.get("run") is not None:
        try:
            run = _record(result, data, dict(params["run"]), ctx)
        except UserError as exc:
            run_error = str(exc)
            ctx.log(f"The run was not kept: {exc}")
    # VADER has nothing to save (it is built in), so it never counts as unsaved work; a kept
    # run holds the model's files.
    info = state.set_model(result.model, saved=run is not None or result.model.kind == "vader")
    payload = result.to_dict()
    payload["model_info"] = info
    payload["run"] = run.summary() if run is not None else None
    payload["run_error"] = run_error
    payload["engine"] = "local" if engine is None else "ray"
    payload["workers"] = 1 if engine is None else engine.workers
    return payload


def _engine(config: Any, engine: dict | None, ctx: JobContext) -> Any:
    """The run's :class:`RaySettings` when ``engine`` asks for Ray (``{"name": "ray", "ray":
    RaySettings dict}``) and the model kind uses it; None for a local run."""
    if not engine or engine.get("name") != "ray":
        return None
    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.train import local_reason
    from desktop_app.core.training.config import model_kind

    reason = local_reason(model_kind(config.model))
    if reason is not None:
        ctx.log(reason)
        return None
    return RaySettings.from_dict(dict(engine.get("ray") or {})).checked()


def _record(result: Any, data: Any, options: dict, ctx: JobContext) -> Any:
    from desktop_app.core.runs.record import record_run
    from desktop_app.core.runs.registry import RunRegistry

    place = options.get("place")
    return record_run(
        result,
        data,
        registry=RunRegistry(place) if place else RunRegistry(),
        data_name=str(options.get("data") or ""),
        data_path=options.get("data_path"),
        name=options.get("name"),
        ctx=ctx,
    )


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


def load_run(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"id", "place"?}`` -> ``{"model_info", "run"}``: the run's model becomes the current
    one; ``run`` is everything the run kept (metrics, per-class, confusion matrix, history)."""
    from desktop_app.core.models import load_model as core_load_model
    from desktop_app.core.runs.registry import RunRegistry

    place = params.get("place")
    registry = RunRegistry(place) if place else RunRegistry()
    record = registry.get(str(params.get("id") or ""))
    if not record.model_folder.is_dir():
        raise ModelError(
            f"The run {record.name} ({record.id}) has no model files left in "
            f"{record.model_folder}; delete the run, or train again."
        )
    ctx.log(f"Loading the model of run {record.name}…")
    model = core_load_model(str(record.model_folder), device=_device_choice(state, params))
    return {"model_info": state.set_model(model, saved=True), "run": record.to_dict()}


def use_vader(state: Any, params: dict, ctx: JobContext) -> dict:
    """``{"labels"?}`` -> model_info of VADER mapped to those labels."""
    from desktop_app.core.models import create_vader

    return state.set_model(create_vader(params.get("labels") or None), saved=True)
