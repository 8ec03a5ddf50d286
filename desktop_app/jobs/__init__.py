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
    "load_run": "desktop_app.jobs.models:load_run",
    "use_vader": "desktop_app.jobs.models:use_vader",
    "predict": "desktop_app.jobs.predict:predict",
    "predict_batch": "desktop_app.jobs.predict:predict_batch",
    "explain": "desktop_app.jobs.predict:explain",
    "score_pool": "desktop_app.jobs.label:score_pool",
    "review_labels": "desktop_app.jobs.label:review_labels",
}


@dataclass
class WorkerState:
    """Everything the worker thread owns. Only job handlers touch it.

    The current model changes only through :meth:`set_model` (a new model: a new ``id``) and
    :meth:`mark_saved`; the worker announces every change of :attr:`model_info` after the job
    that made it (``ModelService.model_changed``). Nothing else writes model identity.
    """

    model: Any = None  # the current model (see desktop_app.core.models)
    model_info: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    _serial: int = 0

    def set_model(self, model: Any, saved: bool, **extra: Any) -> dict[str, Any]:
        """Make ``model`` the current one; returns its new :attr:`model_info`."""
        from desktop_app.jobs.common import model_info

        self._serial += 1
        self.model = model
        self.model_info = model_info(model, saved=saved, model_id=f"m{self._serial}", **extra)
        return dict(self.model_info)

    def mark_saved(self, folder: str) -> dict[str, Any]:
        """The current model now lives in ``folder`` (same model, same id)."""
        self.model_info = {**self.model_info, "saved": True, "folder": folder}
        return dict(self.model_info)


Handler = Callable[[WorkerState, dict, JobContext], Any]


def resolve(name: str) -> Handler:
    try:
        target = JOBS[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}") from None
    module_name, _, func_name = target.partition(":")
    return getattr(importlib.import_module(module_name), func_name)
