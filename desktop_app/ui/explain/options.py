"""The Explain tab's settings row: samples, features, class, seed and runs for the LIME job."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

SAMPLE_PRESETS = (500, 1000, 2000, 5000)
DEFAULT_SAMPLES = 1000
DEFAULT_FEATURES = 10
DEFAULT_RUNS = 3
PREDICTED = "Predicted class"


class ExplainOptions(QWidget):
    """``values()`` gives the ``explain`` job's parameters (all but the text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.samples_combo = QComboBox()
        self.samples_combo.setObjectName("samplesCombo")
        self.samples_combo.setEditable(True)
        self.samples_combo.setValidator(QIntValidator(50, 100_000, self))
        for preset in SAMPLE_PRESETS:
            self.samples_combo.addItem(str(preset))
        self.samples_combo.setCurrentText(str(DEFAULT_SAMPLES))
        self.samples_combo.setToolTip(
            "Perturbed texts LIME draws per run: more samples, steadier weights, slower"
        )
        self.features_spin = QSpinBox()
        self.features_spin.setObjectName("featuresSpin")
        self.features_spin.setRange(0, 100)
        self.features_spin.setSpecialValueText("all")
        self.features_spin.setValue(DEFAULT_FEATURES)
        self.features_spin.setToolTip(
            "How many words LIME may give a weight to (all: every word is coloured)"
        )
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("classCombo")
        self.class_combo.setToolTip("The class whose probability the weights explain")
        self.class_combo.addItem(PREDICTED)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setToolTip("Seed of the first run; run i uses seed + i")
        self.runs_spin = QSpinBox()
        self.runs_spin.setObjectName("runsSpin")
        self.runs_spin.setRange(1, 20)
        self.runs_spin.setValue(DEFAULT_RUNS)
        self.runs_spin.setToolTip(
            "Independent LIME runs (different seeds): their agreement shows how stable each word is"
        )
        for text, widget in (
            ("Samples", self.samples_combo),
            ("Features", self.features_spin),
            ("Class", self.class_combo),
            ("Seed", self.seed_spin),
            ("Runs", self.runs_spin),
        ):
            label = QLabel(f"{text}:")
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)

    def values(self) -> dict[str, Any]:
        """``num_samples``, ``num_features`` (None: all), ``seed``, ``runs`` and, when a
        class is picked, ``label``."""
        try:
            samples = int(self.samples_combo.currentText())
        except ValueError:
            samples = DEFAULT_SAMPLES
        values: dict[str, Any] = {
            "num_samples": max(50, samples),
            "num_features": self.features_spin.value() or None,
            "seed": self.seed_spin.value(),
            "runs": self.runs_spin.value(),
        }
        if self.class_combo.currentIndex() > 0:
            values["label"] = self.class_combo.currentText()
        return values

    def set_classes(self, labels: list[str]) -> None:
        """Offer the current model's classes; a picked class it lacks goes back to predicted."""
        if self.classes() == labels:
            return
        chosen = self.class_combo.currentText()
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(PREDICTED)
        self.class_combo.addItems(labels)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findText(chosen)))
        self.class_combo.blockSignals(False)

    def classes(self) -> list[str]:
        """The classes offered (the current model's)."""
        return [self.class_combo.itemText(i) for i in range(1, self.class_combo.count())]
