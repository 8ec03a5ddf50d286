"""How the app reads texts with the current model: one owner, kept in QSettings.

The tabs that run the model (Predict, Explain, Label's scoring) read these settings when they
submit a job (``state.inference.job_params()``); none keeps a copy. The Model menu
(:class:`InferenceMenu`) changes them and ``changed`` announces every change, so a tab can
mark results computed under other settings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QWidget

# Kept in step with desktop_app.core.predict.chunks.LONG_TEXT_MODES (no core import here: the
# window must not import the prediction modules at start-up).
LONG_TEXT_CHOICES = (
    ("chunk", "Read long texts &whole (overlapping windows, averaged)"),
    ("truncate", "Read only the &beginning of long texts"),
)
# Kept in step with desktop_app.core.predict.precision.PRECISIONS.
PRECISION_CHOICES = (
    ("auto", "&Automatic (bf16 where this hardware runs it faster with the same labels)"),
    ("fp32", "fp&32 (full precision)"),
    ("bf16", "&bf16"),
    ("fp16", "fp1&6"),
)
DEFAULTS: dict[str, str] = {"long_text": "chunk", "precision": "auto"}
CHOICES: dict[str, tuple[str, ...]] = {
    "long_text": tuple(k for k, _ in LONG_TEXT_CHOICES),
    "precision": tuple(k for k, _ in PRECISION_CHOICES),
}


class InferenceSettings(QObject):
    """The reading settings of prediction jobs; ``changed`` carries all of them."""

    changed = Signal(dict)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._values = dict(DEFAULTS)
        for key, default in DEFAULTS.items():
            value = str(settings.value(f"inference/{key}", default))
            self._values[key] = value if value in CHOICES.get(key, (value,)) else default

    def get(self, key: str) -> str:
        return self._values[key]

    @property
    def long_text(self) -> str:
        return self._values["long_text"]

    def set(self, key: str, value: str) -> None:
        """Change one setting (kept for the next start); unknown values raise ValueError."""
        if key not in self._values:
            raise KeyError(key)
        allowed = CHOICES.get(key)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
        if self._values[key] == value:
            return
        self._values[key] = value
        self._settings.setValue(f"inference/{key}", value)
        self.changed.emit(self.job_params())

    def job_params(self) -> dict[str, Any]:
        """The settings as job parameters (a copy)."""
        return dict(self._values)

    def describe(self, params: dict[str, Any] | None = None, keys: Any = None) -> str:
        """One line for stamps and exports, such as "long texts read whole" (of ``params``,
        settings a result was computed with, default the current ones; only ``keys``)."""
        values = {**self._values, **(params or {})}
        parts = []
        for key in keys if keys is not None else self._values:
            value = values.get(key)
            if key == "long_text":
                parts.append(
                    "long texts read whole (windows averaged)"
                    if value == "chunk"
                    else "long texts cut at the model's limit"
                )
            else:
                parts.append(f"{key.replace('_', ' ')} {value}")
        return ", ".join(parts)

    def changed_keys(self, used: dict[str, Any] | None) -> list[str]:
        """The settings that differ from ``used`` (those a result was computed with; a
        setting it does not name counts as equal)."""
        used = used or {}
        return [key for key, value in self._values.items() if key in used and used[key] != value]

    def is_current(self, used: dict[str, Any] | None) -> bool:
        """Whether a result computed with ``used`` reads texts as they are read now."""
        return not self.changed_keys(used)

    def stale_text(self, used: dict[str, Any] | None) -> str:
        """What a result computed with ``used`` says about itself ("" while it is current)."""
        keys = self.changed_keys(used)
        if not keys:
            return ""
        return (
            f"Computed with {self.describe(used, keys)}; the Model menu now says "
            f"{self.describe(keys=keys)}"
        )


class InferenceMenu(QMenu):
    """Model ▸ the reading settings as checkable choices; follows ``settings.changed``."""

    def __init__(self, settings: InferenceSettings, parent: QWidget | None = None) -> None:
        super().__init__("&Model", parent)
        self.setObjectName("modelMenu")
        self.inference = settings
        self.groups: dict[str, QActionGroup] = {}
        self.add_choices("long_text", "Long texts", LONG_TEXT_CHOICES)
        self.add_choices("precision", "Precision", PRECISION_CHOICES)
        settings.changed.connect(self._sync)

    def add_choices(self, key: str, title: str, choices: tuple[tuple[str, str], ...]) -> None:
        """A titled group of exclusive choices for setting ``key``."""
        if self.groups:
            self.addSeparator()
        self.addSection(title)
        group = QActionGroup(self)
        group.setExclusive(True)
        for value, text in choices:
            action = QAction(text, self)
            action.setObjectName(f"{key}_{value}")
            action.setCheckable(True)
            action.setData((key, value))
            action.setChecked(self.inference.get(key) == value)
            action.triggered.connect(self._chosen)
            group.addAction(action)
            self.addAction(action)
        self.groups[key] = group

    @Slot()
    def _chosen(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            key, value = action.data()
            self.inference.set(key, value)

    @Slot(dict)
    def _sync(self, values: dict) -> None:
        for key, group in self.groups.items():
            for action in group.actions():
                action.setChecked(action.data()[1] == values.get(key))


class PrecisionLabel(QLabel):
    """Status bar: the precision the model last ran in ("Precision: bf16 (auto)"), read from
    the ``precision_info`` of every job result; the setting until a job reports (and again
    after the model or the setting changes)."""

    def __init__(self, settings: InferenceSettings, service: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("precisionLabel")
        self.inference = settings
        self.ran: dict[str, Any] | None = None
        settings.changed.connect(self._on_settings)
        service.result.connect(self._on_result)
        service.model_changed.connect(self._on_model_changed)
        self._show_setting()

    def _show_setting(self) -> None:
        self.ran = None
        self.setText(f"Precision: {self.inference.get('precision')}")
        self.setToolTip("Model ▸ Precision; the status shows what ran once a prediction ran")

    @Slot(int, str, object)
    def _on_result(self, _job_id: int, _name: str, payload: object) -> None:
        info = payload.get("precision_info") if isinstance(payload, dict) else None
        if not isinstance(info, dict) or info.get("device") == "none":
            return  # no network (VADER) or a job that does not predict
        self.ran = info
        self.setText(f"Precision: {info.get('label', info.get('precision'))}")
        tip = f"Last run: {info.get('precision')} on {info.get('device')}: {info.get('reason')}"
        self.setToolTip(tip + (f"\n{info['note']}" if info.get("note") else ""))

    @Slot(dict)
    def _on_settings(self, values: dict) -> None:
        if self.ran is None or self.ran.get("requested") != values.get("precision"):
            self._show_setting()

    @Slot(dict)
    def _on_model_changed(self, _info: dict) -> None:
        self._show_setting()
