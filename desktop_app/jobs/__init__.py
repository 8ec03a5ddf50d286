"""Jobs the model worker runs, by name.

A job handler is a plain function ``handler(state, params, ctx) -> result`` with
``state`` the :class:`WorkerState` (owned by the worker thread: the current model
lives there and nowhere else), ``params`` a dict of plain data and ``ctx`` a
:class:`~desktop_app.core.jobs.JobContext`. It returns plain Python data
(dicts, lists, numbers, dataclasses): never tensors, never widgets. No Qt here.

Handlers are imported lazily, on the worker thread, the first time they run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.jobs import JobContext

# job name -> "module:function"
JOBS: dict[str, str] = {
    "probe": "desktop_app.jobs.device:probe",
    "train": "desktop_app.jobs.models:train",
    "save_model": "desktop_app.jobs.models:save_model",
    "load_model": "desktop_app.jobs.models:load_model",
    "use_vader": "desktop_app.jobs.models:use_vader",
    "predict": "desktop_app.jobs.predict:predict",
    "predict_batch": "desktop_app.jobs.predict:predict_batch",
    "explain": "desktop_app.jobs.predict:explain",
    "score_pool": "desktop_app.jobs.label:score_pool",
    "review_labels": "desktop_app.jobs.label:review_labels",
}


@dataclass
class WorkerState:
    """Everything the worker thread owns. Only job handlers touch it."""

    model: Any = None  # the current model (see desktop_app.core.models)
    model_info: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[WorkerState, dict, JobContext], Any]


def resolve(name: str) -> Handler:
    try:
        target = JOBS[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}") from None
    module_name, _, func_name = target.partition(":")
    return getattr(importlib.import_module(module_name), func_name)
