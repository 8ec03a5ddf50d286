"""Model folders are data, never code.

Weights are read from safetensors, or from ``pytorch_model.bin`` through
``torch.load(weights_only=True)``, which refuses any pickled object that is not a plain
tensor. Configurations that name their own Python code (``auto_map``) are loaded with
the library's built-in classes when the architecture is a known one and refused
otherwise. Either way nothing from the folder runs, and the user gets one clear
sentence, never the library's advice to turn the protection off.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from desktop_app.core.errors import ModelError, plain_message

# Phrases of torch's and transformers' messages that tell the user to disable a protection.
_PICKLE_HINTS = ("weights_only", "weights only load failed", "unpickl")
_CODE_HINTS = ("trust_remote_code", "custom code")


def unsafe_pickle_message(path: str | Path) -> str:
    return (
        f"The model file {path} contains code or objects that Sentiment Studio does not load; "
        "re-save it as safetensors (model.safetensors) and load the folder again."
    )


def custom_code_message(folder: str | Path) -> str:
    return (
        f"The model folder {folder} asks to run its own Python code (auto_map), which "
        "Sentiment Studio never does; use a model of a standard architecture saved as "
        "safetensors."
    )


def check_no_custom_code(folder: str | Path) -> None:
    """Refuse a folder whose config needs code from the folder (``auto_map`` with an
    architecture transformers does not know). A known architecture loads with the
    library's own class: its ``auto_map`` is ignored and nothing from the folder runs."""
    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.is_file():
        return
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{config_path} is not a readable config.json file: {exc}") from exc
    if not isinstance(config, dict):
        raise ModelError(f"{config_path} is not a model configuration (expected a JSON object).")
    if not config.get("auto_map"):
        return
    from transformers import CONFIG_MAPPING

    if str(config.get("model_type", "")) not in CONFIG_MAPPING:
        raise ModelError(custom_code_message(folder))


def translate_load_error(exc: BaseException, source: str | Path) -> ModelError | None:
    """A clear :class:`ModelError` for a refused pickle or refused custom code, else None."""
    text = str(exc).lower()
    if isinstance(exc, pickle.UnpicklingError) or any(hint in text for hint in _PICKLE_HINTS):
        return ModelError(unsafe_pickle_message(_weights_file(source)))
    if any(hint in text for hint in _CODE_HINTS):
        return ModelError(custom_code_message(source))
    return None


def short_reason(exc: BaseException) -> str:
    """The first line of an exception's message, without terminal colour codes."""
    lines = [line.strip() for line in plain_message(str(exc)).splitlines() if line.strip()]
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _weights_file(source: str | Path) -> str:
    folder = Path(source)
    if folder.is_dir():
        pickled = sorted(folder.glob("*.bin"))
        if pickled:
            return str(pickled[0])
    return str(source)
