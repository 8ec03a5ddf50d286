"""The one owner of the Training tab's settings (QSettings keys ``training/...``).

The Training tab reads its form from here at start-up and writes it back on Start and on
quit; the Label tab's "Retrain with my labels" asks :meth:`TrainingSettings.retrain_config`
for the configuration to retrain with. Nobody else reads these keys by string.

Keys: ``training/config`` (JSON of the last submitted TrainConfig), ``training/values/<kind>``
(JSON of the form per model kind), ``training/model`` (the picker's key: minilm, minilm-head,
folder, hub, bilstm, vader), ``training/model_folder``, ``training/hub_id``,
``training/vectors_path``, ``training/device``, ``training/threads``,
``training/mixed_precision``, ``training/last_model_dir``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

PREFIX = "training/"
DEFAULT_RETRAIN_KIND = "minilm-head"  # fast: seconds on a CPU
PICKER_KEYS = ("minilm", "minilm-head", "folder", "hub", "bilstm", "vader")
DEVICE_KEYS = ("auto", "cpu", "cuda", "mps")


@dataclass
class TrainingChoices:
    """What the Training tab's form holds besides the hyperparameters."""

    model: str = "minilm"  # the picker's key (see PICKER_KEYS)
    model_folder: str = ""
    hub_id: str = ""
    vectors_path: str = ""
    device: str = "auto"
    threads: int = 0  # 0 = automatic
    mixed_precision: bool = True


class TrainingSettings:
    """Typed access to the ``training/...`` keys of one QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    # -- plain values -------------------------------------------------------------------------
    def _value(self, key: str, default: Any = None) -> Any:
        return self.settings.value(PREFIX + key, default)

    def _set(self, key: str, value: Any) -> None:
        self.settings.setValue(PREFIX + key, value)

    def _json(self, key: str) -> dict[str, Any]:
        """A JSON object stored under ``key`` (``{}`` when missing or damaged)."""
        raw = self._value(key, "")
        try:
            value = json.loads(str(raw)) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _set_json(self, key: str, value: dict[str, Any]) -> None:
        self._set(key, json.dumps(value))

    # -- what the form holds -------------------------------------------------------------------
    def choices(self) -> TrainingChoices:
        """The picker, paths and compute settings (defaults for missing or damaged values)."""
        model = str(self._value("model", "minilm") or "minilm")
        device = str(self._value("device", "auto") or "auto")
        return TrainingChoices(
            model=model if model in PICKER_KEYS else "minilm",
            model_folder=str(self._value("model_folder", "") or ""),
            hub_id=str(self._value("hub_id", "") or ""),
            vectors_path=str(self._value("vectors_path", "") or ""),
            device=device if device in DEVICE_KEYS else "auto",
            threads=max(0, _int(self._value("threads", 0))),
            mixed_precision=_bool(self._value("mixed_precision", True)),
        )

    def set_choices(self, choices: TrainingChoices) -> None:
        self._set("model", choices.model)
        self._set("model_folder", choices.model_folder)
        self._set("hub_id", choices.hub_id)
        self._set("vectors_path", choices.vectors_path)
        self._set("device", choices.device)
        self._set("threads", int(choices.threads))
        self._set("mixed_precision", bool(choices.mixed_precision))

    def values_for(self, kind: str) -> dict[str, Any]:
        """The form's last values for one model kind (``training/values/<kind>``)."""
        return self._json(f"values/{kind}")

    def set_values_for(self, kind: str, values: dict[str, Any]) -> None:
        self._set_json(f"values/{kind}", values)

    def last_config(self) -> dict[str, Any]:
        """The full TrainConfig of the last run started from the Training tab."""
        return self._json("config")

    def set_last_config(self, config: dict[str, Any]) -> None:
        self._set_json("config", config)

    def last_model_dir(self) -> str:
        """Where Save model… / Load model… last looked (the home folder at first)."""
        return str(self._value("last_model_dir", "") or Path.home())

    def set_last_model_dir(self, folder: str) -> None:
        self._set("last_model_dir", folder)

    def sync(self) -> None:
        self.settings.sync()

    # -- retraining from the Label tab ----------------------------------------------------------
    def retrain_config(self, model_info: dict[str, Any]) -> dict[str, Any]:
        """The TrainConfig (as a dict) to retrain the current model kind with.

        The current model's kind is retrained with the Training tab's settings for that kind;
        while the model is VADER (nothing trained yet) the Training tab's chosen kind is used,
        else the fast ``minilm-head``.
        """
        from desktop_app.core.training.config import TrainConfig, model_kind

        last = self.last_config()
        kind = str(model_info.get("kind") or "")
        spec = kind
        if kind in ("", "vader", "?"):
            spec = str(last.get("model") or "") or DEFAULT_RETRAIN_KIND
            if model_kind(spec) == "vader":
                spec = DEFAULT_RETRAIN_KIND
        elif kind == "transformer":
            last_spec = str(last.get("model") or "")
            spec = last_spec if model_kind(last_spec) == "transformer" else ""
            spec = spec or str(model_info.get("folder") or "") or DEFAULT_RETRAIN_KIND
        kind = model_kind(spec)
        config = TrainConfig.defaults(spec).to_dict()
        overlay = dict(self.values_for(kind))
        if model_kind(str(last.get("model") or "")) == kind:
            overlay.update(last)
        for key, value in overlay.items():
            if key in config and key != "model" and value is not None:
                config[key] = value
        config["model"] = spec
        return config


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)
