"""The Training tab's left column: the data, the model, its hyperparameters, the compute.

It turns the form into the ``TrainConfig`` that Start submits (:meth:`current_config`) and
keeps each model kind's values apart (switching from BiLSTM to MiniLM and back brings the
BiLSTM values back). Settings are read and written only through
:class:`~desktop_app.ui.training_settings.TrainingSettings`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.device import default_threads
from desktop_app.core.training.config import TrainConfig
from desktop_app.ui.training.data_summary import DataSummary
from desktop_app.ui.training.form import HyperparameterForm
from desktop_app.ui.training.model_picker import MODEL_CHOICES, ModelPicker, kind_for_choice
from desktop_app.ui.training_settings import TrainingChoices, TrainingSettings

DEVICES = [
    ("auto", "Auto"),
    ("cpu", "CPU"),
    ("cuda", "CUDA (NVIDIA GPU)"),
    ("mps", "MPS (Apple GPU)"),
]


class SettingsPanel(QWidget):
    """Data summary, model picker, hyperparameter form and compute box, top to bottom."""

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._help = TrainConfig.help_texts()
        self._device_info: dict[str, Any] = {}
        self._busy = False
        self._values_by_kind: dict[str, dict[str, Any]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)

        self.data_summary = DataSummary(workspace)
        layout.addWidget(self.data_summary)
        self.picker = ModelPicker(self._help.get("vectors_path", ""))
        self._kind = self.picker.kind()
        layout.addWidget(self.picker)
        self.form = HyperparameterForm()
        layout.addWidget(self.form)
        self.compute_box = self._build_compute_box()
        layout.addWidget(self.compute_box)
        layout.addStretch(1)

        self.picker.choice_changed.connect(self._on_choice)
        self.form.reset_requested.connect(self.reset_defaults)
        self.device_combo.currentIndexChanged.connect(self._update_mixed_precision)
        self._show_kind()

    def _build_compute_box(self) -> QGroupBox:
        box = QGroupBox("Compute")
        form = QFormLayout(box)
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("deviceCombo")
        for key, text in DEVICES:
            self.device_combo.addItem(text, key)
        self.device_combo.setToolTip(self._help.get("device", ""))
        form.addRow("Device", self.device_combo)
        self.threads_spin = QSpinBox()
        self.threads_spin.setObjectName("threadsSpin")
        self.threads_spin.setRange(0, max(64, default_threads() + 1))
        self.threads_spin.setSpecialValueText(f"auto ({default_threads()})")
        self.threads_spin.setToolTip(self._help.get("threads", ""))
        form.addRow("CPU threads", self.threads_spin)
        self.mixed_check = QCheckBox("Mixed precision (CUDA only)")
        self.mixed_check.setObjectName("mixedPrecisionCheck")
        self.mixed_check.setChecked(True)
        self.mixed_check.setToolTip(self._help.get("mixed_precision", ""))
        form.addRow(self.mixed_check)
        return box

    # -- the config -------------------------------------------------------------------------
    def current_config(self) -> dict[str, Any]:
        """The ``TrainConfig`` (as a dict) that Start would submit now."""
        kind = self.picker.kind()
        config = TrainConfig.defaults(kind).to_dict()
        relevant = set(TrainConfig.fields_for(kind))
        for name, value in self.form.values().items():
            if name in relevant:
                config[name] = value
        config["model"] = self.picker.spec()
        config["device"] = self.device_combo.currentData()
        config["threads"] = self.threads_spin.value() or None
        config["mixed_precision"] = self.mixed_check.isChecked()
        vectors = self.picker.vectors_path()
        config["vectors_path"] = vectors if kind == "bilstm" and vectors else None
        return config

    def problem(self) -> str:
        """Why Start cannot use the form as it is ("" when it can)."""
        key = self.picker.choice()
        if key in ("folder", "hub") and not self.picker.spec():
            what = "model folder" if key == "folder" else "hub id"
            return f"Enter a {what} for the transformer, or pick another model."
        if "lr" in self.form.shown() and self.form.value("lr") is None:
            return "The learning rate is not a number (for example 5e-5)."
        return ""

    @Slot()
    def reset_defaults(self) -> None:
        """Put back the chosen model's default hyperparameters."""
        self._values_by_kind.pop(self.picker.kind(), None)
        self._show_kind()

    @Slot(str)
    def _on_choice(self, _key: str) -> None:
        # Remember what was typed for the previous model; show the new model's values.
        self._values_by_kind[self._kind] = self.form.values()
        self._show_kind()

    def _show_kind(self) -> None:
        self._kind = self.picker.kind()
        values = TrainConfig.defaults(self._kind).to_dict()
        values.update(self._values_by_kind.get(self._kind, {}))
        self.form.set_values(values)
        self.form.show_kind(self._kind)

    # -- state -------------------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        """While a run trains, nothing here may change what it was started with."""
        self._busy = busy
        for widget in (self.picker, self.form, self.device_combo, self.threads_spin):
            widget.setEnabled(not busy)
        self._update_mixed_precision()

    def set_device_info(self, info: dict[str, Any]) -> None:
        """Mark the devices this computer lacks (from the worker's probe)."""
        self._device_info = dict(info)
        if not info:
            return
        available = {
            "auto": True,
            "cpu": True,
            "cuda": bool(info.get("cuda_available")),
            "mps": bool(info.get("mps_available")),
        }
        for index in range(self.device_combo.count()):
            key = self.device_combo.itemData(index)
            tip = "" if available.get(key, True) else "Not available on this computer"
            self.device_combo.setItemData(index, tip or None, Qt.ItemDataRole.ToolTipRole)
        self._update_mixed_precision()

    @Slot()
    def _update_mixed_precision(self) -> None:
        device = self.device_combo.currentData()
        cuda = bool(self._device_info.get("cuda_available"))
        usable = device == "cuda" or (device == "auto" and cuda)
        self.mixed_check.setEnabled(usable and not self._busy)
        tip = self._help.get("mixed_precision", "")
        if not usable:
            tip = (
                "Mixed precision is only used on an NVIDIA GPU (CUDA); it is ignored on "
                "this device.\n" + tip
            )
        self.mixed_check.setToolTip(tip)

    # -- settings ----------------------------------------------------------------------------
    def restore(self, settings: TrainingSettings) -> None:
        choices = settings.choices()
        self.picker.folder_edit.setText(choices.model_folder)
        self.picker.hub_edit.setText(choices.hub_id)
        self.picker.vectors_edit.setText(choices.vectors_path)
        known = set(self.form.names())
        for key, _text in MODEL_CHOICES:
            kind = kind_for_choice(key)
            stored = settings.values_for(kind)
            if stored:
                self._values_by_kind[kind] = {k: v for k, v in stored.items() if k in known}
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(choices.device)))
        self.threads_spin.setValue(min(choices.threads, self.threads_spin.maximum()))
        self.mixed_check.setChecked(choices.mixed_precision)
        self.picker.set_choice(choices.model, announce=False)
        self._show_kind()
        self._update_mixed_precision()

    def save(self, settings: TrainingSettings) -> None:
        """Write the form (and ``training/config``, the full config) and sync."""
        self._values_by_kind[self._kind] = self.form.values()
        settings.set_choices(
            TrainingChoices(
                model=self.picker.choice(),
                model_folder=self.picker.folder_edit.text().strip(),
                hub_id=self.picker.hub_edit.text().strip(),
                vectors_path=self.picker.vectors_path(),
                device=str(self.device_combo.currentData()),
                threads=self.threads_spin.value(),
                mixed_precision=self.mixed_check.isChecked(),
            )
        )
        for kind, values in self._values_by_kind.items():
            settings.set_values_for(kind, values)
        settings.set_last_config(self.current_config())
        settings.sync()
