"""Helpers shared by job handlers (worker thread only)."""

from __future__ import annotations

from typing import Any


def current_model(state: Any) -> Any:
    """The worker's current model; VADER (3 classes) until something is trained or loaded."""
    if state.model is None:
        from desktop_app.core.models import create_vader

        state.model = create_vader()
        state.model_info = model_info(state.model, saved=True)
    return state.model


def model_info(model: Any, saved: bool) -> dict:
    """Plain-data description of a model for the GUI (never the model itself)."""
    return {
        "name": getattr(model, "name", type(model).__name__),
        "kind": getattr(model, "kind", "?"),
        "labels": list(getattr(model, "labels", [])),
        "folder": getattr(model, "folder", None),
        "max_length": getattr(model, "max_length", None),
        "saved": saved,
    }
