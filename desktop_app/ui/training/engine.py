"""The Training tab's engine choice: train here or data-parallel on Ray Train.

The compute box gets the shared :class:`EngineBox`; Start adds what it holds to the ``train``
job's parameters (``{"engine": {"name": "ray", "ray": RaySettings dict}}``), and the worker's
``train`` job runs ``core.scale.train.train_on_ray`` instead of ``train_model``: progress, the
loss plot, Cancel, the kept run and the new current model work as for a local run.
minilm-head and VADER do not need Ray (the box says so) and train here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSettings, Slot

from desktop_app.ui.training.model_picker import kind_for_choice
from desktop_app.ui.training.settings_panel import SettingsPanel
from desktop_app.ui.widgets.engine_box import EngineBox

# Kept in step with desktop_app.core.scale.train.LOCAL_REASONS (not imported here: that module
# imports the training code, which the window must not load at start-up).
LOCAL_KINDS = {
    "minilm-head": "minilm-head trains in seconds here (frozen MiniLM features and a logistic "
    "regression): it does not need Ray, so it runs on this computer.",
    "vader": "VADER needs no training (it is only evaluated): it runs on this computer.",
}


class TrainingEngine(QObject):
    """The engine box in the compute box, and the job parameters it gives."""

    def __init__(self, panel: SettingsPanel, settings: QSettings) -> None:
        super().__init__(panel)
        self.panel = panel
        self.box = EngineBox(settings, "training", panel.compute_box)
        self.box.gpus_spin.setToolTip(
            "GPUs per training worker (0: CPU workers, gloo; GPUs use NCCL)"
        )
        self.box.workers_spin.setToolTip(
            "Ray Train workers: each trains on its share of every batch (DDP)"
        )
        panel.compute_box.layout().addRow(self.box)
        panel.picker.choice_changed.connect(self._on_choice)
        self.box.changed.connect(self._update_note)
        self._update_note()

    def kind(self) -> str:
        return kind_for_choice(self.panel.picker.choice())

    def uses_ray(self) -> bool:
        """Whether Start trains on Ray (the box says Ray and the model kind uses it)."""
        return self.box.uses_ray() and self.kind() not in LOCAL_KINDS

    def job_params(self) -> dict[str, Any]:
        """What Start adds to the ``train`` job (nothing for a local run)."""
        if not self.uses_ray():
            return {}
        return {"engine": {"name": "ray", "ray": self.box.ray_settings().checked().to_dict()}}

    def describe(self) -> str:
        """For the log: ``Training on 2 Ray workers on this computer.``"""
        return f"Training on {self.box.where()}." if self.uses_ray() else ""

    def set_busy(self, busy: bool) -> None:
        self.box.set_busy(busy)

    def shutdown(self) -> None:
        self.box.shutdown()

    @Slot(str)
    def _on_choice(self, _key: str) -> None:
        self._update_note()

    @Slot()
    def _update_note(self) -> None:
        reason = LOCAL_KINDS.get(self.kind()) if self.box.uses_ray() else None
        self.box.set_note(reason or "")
