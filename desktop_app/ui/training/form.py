"""The hyperparameter form, built from :class:`TrainConfig`'s fields and their metadata.

One row per field of the dataclass (its type picks the widget, ``metadata["help"]`` is the
tooltip, ``metadata["kinds"]`` says for which model kinds the row is shown); the labels,
ranges and special texts below only dress them. Fields with their own widgets elsewhere
(the model picker, the compute box) are left out. Each field's widget is named
``field_<name>`` and reachable through :meth:`HyperparameterForm.field`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.core.training.config import TrainConfig

# Settings with their own widgets (not in the hyperparameter form).
OUTSIDE_FORM = {"model", "device", "threads", "mixed_precision", "vectors_path"}

LABELS = {
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "lr": "Learning rate",
    "weight_decay": "Weight decay",
    "warmup_ratio": "Warm-up (share of steps)",
    "max_length": "Max length (tokens)",
    "seed": "Seed",
    "patience": "Early-stopping patience",
    "length_grouped": "Group batches by length",
    "embedding_dim": "Embedding size",
    "hidden_size": "LSTM units",
    "num_layers": "LSTM layers",
    "dropout": "Dropout",
    "pooling": "Pooling",
    "min_freq": "Min word frequency",
    "max_vocab": "Max vocabulary size",
    "remove_stopwords": "Remove stop words",
    "cpu_bf16": "Train in bf16 on the CPU",
}
# name -> (minimum, maximum); the minimum of a "None means automatic" field shows as text.
INT_RANGES = {
    "epochs": (1, 200),
    "batch_size": (1, 4096),
    "max_length": (0, 8192),
    "seed": (0, 2_147_483_647),
    "patience": (0, 100),
    "embedding_dim": (8, 2048),
    "hidden_size": (8, 4096),
    "num_layers": (1, 8),
    "min_freq": (1, 100_000),
    "max_vocab": (100, 5_000_000),
}
# name -> (minimum, maximum, step, decimals)
FLOAT_RANGES = {
    "weight_decay": (0.0, 1.0, 0.01, 4),
    "warmup_ratio": (0.0, 0.9, 0.05, 3),
    "dropout": (0.0, 0.95, 0.05, 2),
}
SPECIAL_TEXT = {
    "max_length": "auto (95th percentile, ≤ 256)",
    "patience": "0 (never stop early)",
}
CHOICES = {"pooling": ["max", "mean"]}
SCIENTIFIC = {"lr"}  # typed as text (5e-5), not a spin box


def label_for(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class HyperparameterForm(QGroupBox):
    """The rows of :class:`TrainConfig` for the chosen model kind; "Reset to defaults"."""

    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hyperparameters", parent)
        self.setObjectName("hyperparameterForm")
        self._types = {f.name: str(f.type) for f in fields(TrainConfig)}
        self._widgets: dict[str, QWidget] = {}
        self._kind = "minilm"
        help_texts = TrainConfig.help_texts()
        defaults = TrainConfig.defaults("minilm").to_dict()
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields(TrainConfig):
            if f.name in OUTSIDE_FORM:
                continue
            widget = self._make_widget(f.name)
            widget.setObjectName(f"field_{f.name}")
            widget.setToolTip(help_texts.get(f.name, ""))
            self._widgets[f.name] = widget
            self.set_value(f.name, defaults.get(f.name))
            label = QLabel(label_for(f.name))
            label.setToolTip(help_texts.get(f.name, ""))
            label.setBuddy(widget)
            self.layout_.addRow(label, widget)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setObjectName("resetDefaultsButton")
        self.reset_button.setToolTip("Put back this model's default hyperparameters")
        self.reset_button.clicked.connect(self.reset_requested)
        self.layout_.addRow(self.reset_button)

    # -- reading and writing --------------------------------------------------------------
    def names(self) -> list[str]:
        """Every field the form has a row for (shown or not)."""
        return list(self._widgets)

    def shown(self) -> list[str]:
        """The fields shown for the current model kind."""
        relevant = set(TrainConfig.fields_for(self._kind))
        return [name for name in self._widgets if name in relevant]

    def field(self, name: str) -> QWidget:
        """The widget of one field (``KeyError`` for a field the form does not have)."""
        return self._widgets[name]

    def value(self, name: str) -> Any:
        """A field's value as TrainConfig wants it; None = the kind's default ("auto", or a
        learning rate that is not a number)."""
        widget = self._widgets[name]
        type_text = self._types.get(name, "")
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentText()
        if isinstance(widget, QDoubleSpinBox):
            return float(widget.value())
        if isinstance(widget, QSpinBox):
            value = int(widget.value())
            if name in SPECIAL_TEXT and "None" in type_text and value == widget.minimum():
                return None  # "auto"
            return value
        text = widget.text().strip() if isinstance(widget, QLineEdit) else ""
        if "float" in type_text:
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return None
        return text or None

    def set_value(self, name: str, value: Any) -> None:
        widget = self._widgets[name]
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findText(str(value))))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value or 0.0))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value) if value is not None else widget.minimum())
        elif isinstance(widget, QLineEdit):
            text = (
                "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
            )
            widget.setText(text)

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self._widgets}

    def set_values(self, values: dict[str, Any]) -> None:
        """Set the fields named in ``values`` (others, and unknown names, are left alone)."""
        for name, value in values.items():
            if name in self._widgets:
                self.set_value(name, value)

    def show_kind(self, kind: str) -> None:
        """Show only the rows that matter for ``kind`` (the box hides when none do)."""
        self._kind = kind
        relevant = set(TrainConfig.fields_for(kind))
        for name, widget in self._widgets.items():
            self.layout_.setRowVisible(widget, name in relevant)
        self.setVisible(bool(relevant & set(self._widgets)))

    # -- construction --------------------------------------------------------------------
    def _make_widget(self, name: str) -> QWidget:
        type_text = self._types.get(name, "")
        if name in CHOICES:
            combo = QComboBox()
            combo.addItems(CHOICES[name])
            return combo
        if "bool" in type_text:
            return QCheckBox()
        if name in SCIENTIFIC:
            edit = QLineEdit()
            validator = QDoubleValidator(0.0, 10.0, 12, edit)
            validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
            edit.setValidator(validator)
            return edit
        if "float" in type_text:
            spin = QDoubleSpinBox()
            low, high, step, decimals = FLOAT_RANGES.get(name, (0.0, 1e6, 0.1, 4))
            spin.setDecimals(decimals)
            spin.setRange(low, high)
            spin.setSingleStep(step)
            return spin
        if "int" in type_text:
            ispin = QSpinBox()
            ispin.setRange(*INT_RANGES.get(name, (0, 1_000_000)))
            if name in SPECIAL_TEXT:
                ispin.setSpecialValueText(SPECIAL_TEXT[name])
            ispin.setGroupSeparatorShown(name in ("max_vocab", "seed"))
            return ispin
        return QLineEdit()
