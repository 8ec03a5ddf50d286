"""The one owner of the Training tab's settings (QSettings keys ``training/...``).

The Training tab writes its form here and reads it back at start-up; the Label tab's "Retrain
with my labels" asks :meth:`TrainingSettings.retrain_config` for the configuration to retrain
with. Nobody else reads these keys by string.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

PREFIX = "training/"
DEFAULT_RETRAIN_KIND = "minilm-head"  # fast: seconds on a CPU


class TrainingSettings:
    """Typed access to the ``training/...`` keys of one QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    # -- plain values -------------------------------------------------------------------------
    def value(self, key: str, default: Any = None) -> Any:
        return self.settings.value(PREFIX + key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.settings.setValue(PREFIX + key, value)

    def json_value(self, key: str) -> dict[str, Any]:
        """A JSON object stored under ``key`` (``{}`` when missing or damaged)."""
        raw = self.value(key, "")
        try:
            value = json.loads(str(raw)) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_json_value(self, key: str, value: dict[str, Any]) -> None:
        self.set_value(key, json.dumps(value))

    # -- what the form holds -------------------------------------------------------------------
    def values_for(self, kind: str) -> dict[str, Any]:
        """The form's last values for one model kind (``training/values/<kind>``)."""
        return self.json_value(f"values/{kind}")

    def set_values_for(self, kind: str, values: dict[str, Any]) -> None:
        self.set_json_value(f"values/{kind}", values)

    def last_config(self) -> dict[str, Any]:
        """The full TrainConfig of the last run started from the Training tab."""
        return self.json_value("config")

    def set_last_config(self, config: dict[str, Any]) -> None:
        self.set_json_value("config", config)

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
