"""Recording a training run, and naming a model by the run it came from.

:func:`record_run` is the one way a run is kept, for the ``train`` command and the worker's
``train`` job (GUI): it saves the model into a new run folder, writes ``run.json`` and the
test predictions, then prunes the place. :func:`model_label` is what prediction exports put
in their ``model`` column.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from desktop_app.core.fingerprint import text_hashes
from desktop_app.core.jobs import JobContext
from desktop_app.core.runs.registry import (
    MODEL_DIR,
    PREDICTIONS_FILE,
    RUN_FILE,
    RunRecord,
    RunRegistry,
    write_json,
)


def default_run_name(kind: str, data_name: str, created: float) -> str:
    """``minilm-head · reviews.csv · 2025-01-05 14:03``: kind, data and date."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(created))
    return " · ".join(part for part in (kind, data_name, when) if part)


def record_run(
    result: Any,
    data: Any,
    *,
    registry: RunRegistry | None = None,
    data_name: str = "",
    data_path: str | None = None,
    name: str | None = None,
    ctx: JobContext | None = None,
) -> RunRecord:
    """Keep a finished training run: ``result`` a
    :class:`~desktop_app.core.training.result.TrainResult`, ``data`` its
    :class:`~desktop_app.core.training.data.TrainData`.

    The model is saved into the run's ``model`` folder (so ``result.model.folder`` is that
    folder afterwards) with the run's id and name in its ``training.json``. Then the place
    keeps its newest ``keep`` unpinned runs (:meth:`RunRegistry.prune`).
    """
    registry = registry or RunRegistry()
    model = result.model
    created = time.time()
    run_id, folder = registry.new_run_folder(created)
    name = " ".join(str(name or "").split()) or default_run_name(model.kind, data_name, created)
    model.training_info["run"] = {"id": run_id, "name": name}
    if ctx is not None:
        ctx.log(f"Keeping the run as {name!r} ({run_id}) in {registry.folder}")
    model.save(folder / MODEL_DIR)
    hashes = text_hashes(data.test_texts)
    write_json(
        folder / PREDICTIONS_FILE,
        {
            "hash": "blake2b-64 of the normalised text (desktop_app.core.fingerprint)",
            "hashes": [f"{int(h):016x}" for h in hashes],
            "true": list(data.test_labels),
            "predicted": list(result.test_predicted),
        },
    )
    info: dict[str, Any] = {
        "id": run_id,
        "name": name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(created)),
        "created_ts": created,
        "pinned": False,
        "kind": model.kind,
        "model_name": model.name,
        "labels": list(model.labels),
        "data": data_name,
        "data_path": data_path,
        "fingerprint": data.fingerprint,
        "sizes": data.sizes(),
        "metrics": result.metrics,
        "baseline_vader": result.baseline,
        "history": result.history,
        "best_epoch": result.best_epoch,
        "stopped_at": result.stopped_at,
        "cancelled": result.cancelled,
        "train_seconds": result.train_seconds,
        "truncated": result.truncated,
        "config": result.config,
        "max_length": model.max_length,
    }
    record = registry.write(RunRecord(folder, _plain(info)))
    registry.prune()
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and value != value:
        return None  # NaN is not JSON
    return value


def run_of_model(model: Any) -> dict[str, str] | None:
    """``{"id", "name"}`` of the run ``model`` came from (its current name when the run is
    still kept where the model was loaded from), or None for a model from no run."""
    run = (getattr(model, "training_info", None) or {}).get("run")
    if not isinstance(run, dict) or not run.get("id"):
        return None
    run = {"id": str(run["id"]), "name": str(run.get("name") or run["id"])}
    folder = getattr(model, "folder", None)
    if folder:
        run_json = Path(folder).parent / RUN_FILE
        if Path(folder).name == MODEL_DIR and run_json.is_file():
            record = RunRegistry(run_json.parent.parent).read(run_json.parent)
            if record is not None and record.id == run["id"]:
                run["name"] = record.name  # renamed since
    return run


_LOOK_UP = object()


def model_label(model: Any, run: Any = _LOOK_UP) -> str:
    """What exports put in their ``model`` column: ``run name (run id)``, else the model
    folder's name, else the model's name (VADER: ``vader``). ``run``: the model's
    :func:`run_of_model` when the caller has it already."""
    if run is _LOOK_UP:
        run = run_of_model(model)
    if run is not None:
        return f"{run['name']} ({run['id']})"
    folder = getattr(model, "folder", None)
    if folder:
        return Path(folder).name
    return str(getattr(model, "name", "") or getattr(model, "kind", "model"))
