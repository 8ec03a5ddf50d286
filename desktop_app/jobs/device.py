"""The device probe: imports torch on the worker thread so the GUI never pays for it."""

from __future__ import annotations

from typing import Any

from desktop_app.core.jobs import JobContext


def probe(state: Any, params: dict, ctx: JobContext) -> dict:
    from desktop_app.core.device import probe_device

    ctx.log("Loading the compute engine (torch)…")
    info = probe_device(params.get("threads"))
    state.device = info.to_dict()
    # The current model (VADER until something is trained or loaded), so the status bar
    # and the Predict/Explain tabs can name it from the start.
    from desktop_app.jobs.common import current_model

    current_model(state)
    return {**state.device, "model_info": dict(state.model_info)}
