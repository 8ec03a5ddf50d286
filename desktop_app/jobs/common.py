"""Helpers shared by job handlers (worker thread only)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


def current_model(state: Any) -> Any:
    """The worker's current model; VADER (3 classes) until something is trained or loaded."""
    if state.model is None:
        from desktop_app.core.models import create_vader

        state.set_model(create_vader(), saved=True)
    elif not state.model_info:  # a model put there directly (tests): give it an identity
        state.set_model(state.model, saved=True)
    return state.model


def model_info(model: Any, saved: bool, model_id: str = "", **extra: Any) -> dict:
    """Plain-data description of a model for the GUI (never the model itself).

    ``id`` changes with every new model the worker holds (trained, loaded, reset to VADER);
    results remember it so a view can tell that they came from an earlier model. ``run`` is
    ``{"id", "name"}`` of the training run the model came from (None otherwise) and ``label``
    what prediction exports put in their ``model`` column (run name and id, else the folder).
    """
    from desktop_app.core.runs.record import model_label, run_of_model

    run = run_of_model(model)
    return {
        "id": model_id,
        "name": getattr(model, "name", type(model).__name__),
        "kind": getattr(model, "kind", "?"),
        "labels": list(getattr(model, "labels", [])),
        "folder": getattr(model, "folder", None),
        "max_length": getattr(model, "max_length", None),  # training cut texts here
        "inference_limit": getattr(model, "inference_limit", None),  # read at once at most
        "chunk_tokens": getattr(model, "chunk_tokens", None),  # longer texts: windows of this
        "saved": saved,
        "run": run,
        "label": model_label(model, run),
        **extra,
    }


@contextlib.contextmanager
def precision_of(model: Any, params: dict, ctx: Any, explanation: bool = False) -> Iterator[Any]:
    """The job's ``precision`` param (default auto) applied to ``model`` for the block
    (:func:`desktop_app.core.predict.precision.use_precision`; ``explanation``: auto means
    fp32); what runs is logged, with the note when there is one (e.g. bf16 on a CPU without
    bf16 support)."""
    from desktop_app.core.predict.precision import use_precision

    with use_precision(model, params.get("precision"), explanation=explanation) as choice:
        if choice.device != "none":
            ctx.log(f"Precision: {choice.label}: {choice.reason}.")
        if choice.note:
            ctx.log(choice.note)
        yield choice


def with_precision(result: dict, choice: Any) -> dict:
    """``result`` with ``precision`` (what ran: fp32, bf16 or fp16) and ``precision_info``
    (requested, label, reason, note, the CPU check's figures)."""
    result["precision"] = choice.precision
    result["precision_info"] = choice.to_dict()
    return result
