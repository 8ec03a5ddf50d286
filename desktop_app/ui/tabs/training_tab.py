"""The Training tab: pick a model, set hyperparameters, train, watch the loss, read the metrics.

Everything heavy runs on the model worker (``train``, ``save_model`` and ``load_model`` jobs,
see docs/architecture.md); the tab builds plain-data parameters from ``state.dataset``,
submits them through ``state.service``, remembers the job ids it submitted and ignores the
signals of every other job. The last used settings live in QSettings under ``training/``
so other tabs (the Label tab's "Retrain with my labels") can reuse them:
``training/config`` holds the last submitted :class:`TrainConfig` as JSON.
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QDoubleValidator, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.device import default_threads
from desktop_app.core.errors import UserError
from desktop_app.core.training.config import TrainConfig, model_kind
from desktop_app.core.training.data import TrainData, check_data
from desktop_app.job_handle import JobHandle
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.loss_plot import LossPlot
from desktop_app.ui.widgets.metrics_view import MetricsView

SETTINGS_PREFIX = "training/"
MIN_LABELLED_ROWS = 10  # below this no split leaves a class in train, validation and test

# (key in the picker, text shown). "folder" and "hub" train a kind "transformer" model.
MODEL_CHOICES: list[tuple[str, str]] = [
    ("minilm", "Bundled MiniLM — fine-tune (best; minutes)"),
    ("minilm-head", "Bundled MiniLM — head only (fast; seconds)"),
    ("folder", "Transformer from a local folder…"),
    ("hub", "Transformer from the Hugging Face hub (id)"),
    ("bilstm", "BiLSTM (classic; trains from scratch)"),
    ("vader", "VADER (rule-based; no training)"),
]
MODEL_NAMES = {
    "minilm": "MiniLM fine-tune",
    "minilm-head": "MiniLM head (frozen encoder + logistic regression)",
    "bilstm": "BiLSTM",
    "vader": "VADER evaluation",
}
MODEL_TIPS = {
    "minilm": "Fine-tunes every layer of the MiniLM-L6 model bundled with the app. Works offline.",
    "minilm-head": "Keeps MiniLM frozen and fits a logistic-regression head on its sentence "
    "embeddings: a quick first model before committing minutes to a full fine-tune.",
    "folder": "Any transformers model folder (config.json, weights, tokenizer files).",
    "hub": "A model id on the Hugging Face hub, e.g. distilbert-base-uncased (needs network "
    "unless it is already in the local cache).",
    "bilstm": "Word embeddings, a bidirectional LSTM and a linear layer, trained from scratch; "
    "optionally starts from a GloVe/word2vec vectors file.",
    "vader": "The rule-based VADER lexicon: no training, evaluated on the test split.",
}

DEVICES = [
    ("auto", "Auto"),
    ("cpu", "CPU"),
    ("cuda", "CUDA (NVIDIA GPU)"),
    ("mps", "MPS (Apple GPU)"),
]

# Settings with their own widgets (not in the hyperparameter form).
SPECIAL_FIELDS = {"model", "device", "threads", "mixed_precision", "vectors_path"}

FIELD_LABELS = {
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
}
# name -> (minimum, maximum, step); the minimum of a "None means automatic" field shows as text.
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


# -- dialogs (module-level so tests can replace them) ---------------------------------------
def ask_quit(parent: QWidget, text: str) -> bool:
    """Ask before quitting; True means "Quit anyway"."""
    box = QMessageBox(parent)
    box.setObjectName("confirmQuitDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit Sentiment Studio?")
    box.setText(text)
    quit_button = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is quit_button


def choose_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder picked by the user, or "" when they cancelled."""
    return QFileDialog.getExistingDirectory(parent, title, start)


def choose_file(parent: QWidget, title: str, start: str, file_filter: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, start, file_filter)
    return path


# -------------------------------------------------------------------------------------------
class TrainingTab(QWidget):
    TITLE = "Training"

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("trainingTab")
        self.state = state
        self.settings = state.settings
        self._train_job: JobHandle | None = None
        self._model_jobs: list[JobHandle] = []  # save_model / load_model
        self._epochs_planned: int | None = None
        self._outcome = ""  # "Finished" / "Cancelled" / "Failed", shown when the run ends
        self._current_kind = "minilm"
        self._values_by_kind: dict[str, dict[str, Any]] = {}
        self._field_widgets: dict[str, QWidget] = {}
        self.show_shortcut: QShortcut | None = None
        self._help = TrainConfig.help_texts()
        self._field_types = {f.name: f.type for f in fields(TrainConfig)}

        settings_panel = self._build_settings_panel()
        scroll = QScrollArea()
        scroll.setObjectName("trainingSettingsScroll")
        scroll.setWidget(settings_panel)
        scroll.setWidgetResizable(True)
        # Wide enough for the form: the horizontal scroll bar is off, so nothing may be cut.
        scroll.setMinimumWidth(
            settings_panel.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 4
        )
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("trainingSplitter")
        splitter.addWidget(scroll)
        splitter.addWidget(self._build_run_panel())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 840])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        self._restore_settings()
        self._connect()
        self._on_dataset_changed(state.dataset)
        self._on_model_changed(state.model_info)
        self._set_running(False)

    # -- construction ----------------------------------------------------------------------
    def _build_settings_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 6, 0)

        self.dataset_label = QLabel()
        self.dataset_label.setObjectName("trainingDatasetLabel")
        self.dataset_label.setWordWrap(True)
        self.goto_dataset_button = QPushButton("Go to the Dataset tab")
        self.goto_dataset_button.setObjectName("gotoDatasetButton")
        self.goto_dataset_button.clicked.connect(self._goto_dataset)
        data_box = QGroupBox("Data")
        data_layout = QVBoxLayout(data_box)
        data_layout.addWidget(self.dataset_label)
        data_layout.addWidget(self.goto_dataset_button)
        layout.addWidget(data_box)

        model_box = QGroupBox("Model")
        model_layout = QVBoxLayout(model_box)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("modelCombo")
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(24)
        for key, text in MODEL_CHOICES:
            self.model_combo.addItem(text, key)
            self.model_combo.setItemData(
                self.model_combo.count() - 1, MODEL_TIPS[key], Qt.ItemDataRole.ToolTipRole
            )
        model_layout.addWidget(self.model_combo)

        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("modelFolderEdit")
        self.folder_edit.setPlaceholderText("model folder (config.json, weights, tokenizer)")
        self.folder_button = QPushButton("Browse…")
        self.folder_button.setObjectName("modelFolderButton")
        self.folder_button.clicked.connect(self._choose_model_folder)
        self.folder_row = _row(self.folder_edit, self.folder_button)
        model_layout.addWidget(self.folder_row)

        self.hub_edit = QLineEdit()
        self.hub_edit.setObjectName("hubIdEdit")
        self.hub_edit.setPlaceholderText("hub id, e.g. distilbert-base-uncased")
        self.hub_edit.setToolTip(MODEL_TIPS["hub"])
        model_layout.addWidget(self.hub_edit)

        self.vectors_edit = QLineEdit()
        self.vectors_edit.setObjectName("wordVectorsEdit")
        self.vectors_edit.setPlaceholderText("word vectors file (optional)")
        self.vectors_edit.setToolTip(self._help.get("vectors_path", ""))
        self.vectors_edit.setClearButtonEnabled(True)
        self.vectors_button = QPushButton("Browse…")
        self.vectors_button.setObjectName("wordVectorsButton")
        self.vectors_button.clicked.connect(self._choose_vectors)
        self.vectors_row = _row(self.vectors_edit, self.vectors_button)
        model_layout.addWidget(self.vectors_row)
        self.model_hint = QLabel()
        self.model_hint.setObjectName("modelHint")
        self.model_hint.setWordWrap(True)
        self.model_hint.setStyleSheet("color: palette(placeholder-text);")
        model_layout.addWidget(self.model_hint)
        layout.addWidget(model_box)

        self.params_box = QGroupBox("Hyperparameters")
        self.params_form = QFormLayout(self.params_box)
        self.params_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        defaults = TrainConfig.defaults("minilm").to_dict()
        for f in fields(TrainConfig):
            if f.name in SPECIAL_FIELDS:
                continue
            widget = self._make_field_widget(f.name, defaults.get(f.name))
            label = QLabel(FIELD_LABELS.get(f.name, f.name.replace("_", " ").capitalize()))
            label.setToolTip(self._help.get(f.name, ""))
            label.setBuddy(widget)
            self.params_form.addRow(label, widget)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setObjectName("resetDefaultsButton")
        self.reset_button.setToolTip("Put back this model's default hyperparameters")
        self.reset_button.clicked.connect(self.reset_defaults)
        self.params_form.addRow(self.reset_button)
        layout.addWidget(self.params_box)

        compute_box = QGroupBox("Compute")
        compute_form = QFormLayout(compute_box)
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("deviceCombo")
        for key, text in DEVICES:
            self.device_combo.addItem(text, key)
        self.device_combo.setToolTip(self._help.get("device", ""))
        compute_form.addRow("Device", self.device_combo)
        self.threads_spin = QSpinBox()
        self.threads_spin.setObjectName("threadsSpin")
        self.threads_spin.setRange(0, max(64, default_threads() + 1))
        self.threads_spin.setSpecialValueText(f"auto ({default_threads()})")
        self.threads_spin.setToolTip(self._help.get("threads", ""))
        compute_form.addRow("CPU threads", self.threads_spin)
        self.mixed_check = QCheckBox("Mixed precision (CUDA only)")
        self.mixed_check.setObjectName("mixedPrecisionCheck")
        self.mixed_check.setChecked(True)
        self.mixed_check.setToolTip(self._help.get("mixed_precision", ""))
        compute_form.addRow(self.mixed_check)
        layout.addWidget(compute_box)

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.start_button.setToolTip("Start training with these settings (Ctrl+Return)")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setShortcut(QKeySequence("Ctrl+."))
        self.cancel_button.setToolTip(
            "Stop at the next step; the best weights so far are kept (Ctrl+.)"
        )
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(_row(self.start_button, self.cancel_button))

        self.save_button = QPushButton("Save model…")
        self.save_button.setObjectName("saveModelButton")
        self.save_button.setToolTip("Save the current model to a folder (with training.json)")
        self.save_button.clicked.connect(self.save_model)
        self.load_button = QPushButton("Load model…")
        self.load_button.setObjectName("loadModelButton")
        self.load_button.setToolTip(
            "Load a saved model folder (any kind, or a transformers folder)"
        )
        self.load_button.clicked.connect(self.load_model)
        layout.addWidget(_row(self.save_button, self.load_button))
        self.model_label = QLabel()
        self.model_label.setObjectName("currentModelLabel")
        self.model_label.setWordWrap(True)
        layout.addWidget(self.model_label)
        layout.addStretch(1)
        return panel

    def _build_run_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(6, 0, 0, 0)

        self.job_progress = JobProgress(
            busy_text="Training…",
            bar_name="trainingProgress",
            label_name="progressLabel",
            text="Idle",
            hide_when_idle=False,
            label_stretch=0,
        )
        self.progress_bar = self.job_progress.bar
        self.progress_bar.setFormat("%p%")
        self.progress_label = self.job_progress.label
        self.progress_label.setMinimumWidth(260)
        layout.addWidget(self.job_progress)

        self.loss_plot = LossPlot()
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("trainingLog")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.log_view.setPlaceholderText("Training messages appear here.")
        live = QSplitter(Qt.Orientation.Horizontal)
        live.addWidget(self.loss_plot)
        live.addWidget(self.log_view)
        live.setStretchFactor(0, 3)
        live.setStretchFactor(1, 2)
        live.setChildrenCollapsible(False)

        self.metrics_view = MetricsView()
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.setObjectName("trainingRunSplitter")
        vertical.addWidget(live)
        vertical.addWidget(self.metrics_view)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 2)
        vertical.setSizes([440, 330])  # proportions: the live plot gets the larger share
        vertical.setChildrenCollapsible(False)
        layout.addWidget(vertical, 1)
        return panel

    def _make_field_widget(self, name: str, default: Any) -> QWidget:
        tip = self._help.get(name, "")
        type_text = str(self._field_types.get(name, ""))
        widget: QWidget
        if name in CHOICES:
            widget = QComboBox()
            widget.addItems(CHOICES[name])
        elif "bool" in type_text:
            widget = QCheckBox()
        elif name == "lr":
            widget = QLineEdit()
            validator = QDoubleValidator(0.0, 10.0, 12, widget)
            validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
            widget.setValidator(validator)
        elif "float" in type_text:
            widget = QDoubleSpinBox()
            low, high, step, decimals = FLOAT_RANGES.get(name, (0.0, 1e6, 0.1, 4))
            widget.setDecimals(decimals)
            widget.setRange(low, high)
            widget.setSingleStep(step)
        elif "int" in type_text:
            widget = QSpinBox()
            low, high = INT_RANGES.get(name, (0, 1_000_000))
            widget.setRange(low, high)
            if name in SPECIAL_TEXT:
                widget.setSpecialValueText(SPECIAL_TEXT[name])
            widget.setGroupSeparatorShown(name in ("max_vocab", "seed"))
        else:
            widget = QLineEdit()
        widget.setObjectName(f"field_{name}")
        widget.setToolTip(tip)
        self._field_widgets[name] = widget
        self._set_field(name, default)
        return widget

    def _connect(self) -> None:
        self.state.dataset_changed.connect(self._on_dataset_changed)
        self.state.model_changed.connect(self._on_model_changed)
        self.model_combo.currentIndexChanged.connect(self._on_model_choice)
        self.device_combo.currentIndexChanged.connect(self._update_mixed_precision)

    # -- form values ---------------------------------------------------------------------------
    def _set_field(self, name: str, value: Any) -> None:
        widget = self._field_widgets[name]
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            index = widget.findText(str(value))
            widget.setCurrentIndex(max(0, index))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value or 0.0))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value) if value is not None else widget.minimum())
        elif isinstance(widget, QLineEdit):
            widget.setText(
                "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
            )

    def _get_field(self, name: str) -> Any:
        widget = self._field_widgets[name]
        type_text = str(self._field_types.get(name, ""))
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
                return None  # the model's default
        return text or None

    def _form_values(self) -> dict[str, Any]:
        return {name: self._get_field(name) for name in self._field_widgets}

    def _kind_for_choice(self, key: str) -> str:
        return "transformer" if key in ("folder", "hub") else key

    def _model_spec(self) -> str:
        key = self.model_combo.currentData()
        if key == "folder":
            return self.folder_edit.text().strip()
        if key == "hub":
            return self.hub_edit.text().strip()
        return str(key)

    def current_config(self) -> dict[str, Any]:
        """The ``TrainConfig`` (as a dict) that Start would submit now."""
        kind = self._kind_for_choice(self.model_combo.currentData())
        config = TrainConfig.defaults(kind).to_dict()
        relevant = set(TrainConfig.fields_for(kind))
        for name, value in self._form_values().items():
            if name in relevant:
                config[name] = value
        config["model"] = self._model_spec()
        config["device"] = self.device_combo.currentData()
        config["threads"] = self.threads_spin.value() or None
        config["mixed_precision"] = self.mixed_check.isChecked()
        vectors = self.vectors_edit.text().strip()
        config["vectors_path"] = vectors if kind == "bilstm" and vectors else None
        return config

    @Slot()
    def reset_defaults(self) -> None:
        kind = self._kind_for_choice(self.model_combo.currentData())
        self._values_by_kind.pop(kind, None)
        self._load_values(kind)

    def _load_values(self, kind: str) -> None:
        values = TrainConfig.defaults(kind).to_dict()
        values.update(self._values_by_kind.get(kind, {}))
        for name in self._field_widgets:
            if name in values:
                self._set_field(name, values[name])
        relevant = set(TrainConfig.fields_for(kind))
        for name, widget in self._field_widgets.items():
            self.params_form.setRowVisible(widget, name in relevant)
        self.params_box.setVisible(bool(relevant & set(self._field_widgets)))

    @Slot(int)
    def _on_model_choice(self, _index: int) -> None:
        # Remember what was typed for the previous model; show the new model's values.
        self._values_by_kind[self._current_kind] = self._form_values()
        self._apply_model_choice()

    def _apply_model_choice(self) -> None:
        key = self.model_combo.currentData()
        self._current_kind = self._kind_for_choice(key)
        self._load_values(self._current_kind)
        self.folder_row.setVisible(key == "folder")
        self.hub_edit.setVisible(key == "hub")
        self.vectors_row.setVisible(key == "bilstm")
        self.model_hint.setText(MODEL_TIPS.get(key, ""))
        self.model_combo.setToolTip(MODEL_TIPS.get(key, ""))
        self.start_button.setText("Evaluate VADER" if key == "vader" else "Start")

    @Slot()
    def _update_mixed_precision(self) -> None:
        device = self.device_combo.currentData()
        cuda = bool(self.state.device_info.get("cuda_available"))
        usable = device == "cuda" or (device == "auto" and cuda)
        self.mixed_check.setEnabled(usable and self._train_job is None)
        if not usable:
            self.mixed_check.setToolTip(
                "Mixed precision is only used on an NVIDIA GPU (CUDA); it is ignored on "
                "this device.\n" + self._help.get("mixed_precision", "")
            )
        else:
            self.mixed_check.setToolTip(self._help.get("mixed_precision", ""))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ParentChange and self.show_shortcut is None:
            window = self.window()
            if window is not self:
                # Ctrl+T anywhere in the window brings this tab forward, ready for
                # Ctrl+Return. On the window, not on this tab: a hidden widget's
                # shortcuts never fire.
                self.show_shortcut = QShortcut(QKeySequence("Ctrl+T"), window)
                self.show_shortcut.activated.connect(self.bring_forward)
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._update_devices()

    def _update_devices(self) -> None:
        info = self.state.device_info
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

    # -- settings ----------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        self.folder_edit.setText(str(s.value(SETTINGS_PREFIX + "model_folder", "") or ""))
        self.hub_edit.setText(str(s.value(SETTINGS_PREFIX + "hub_id", "") or ""))
        self.vectors_edit.setText(str(s.value(SETTINGS_PREFIX + "vectors_path", "") or ""))
        for key, _text in MODEL_CHOICES:
            raw = s.value(f"{SETTINGS_PREFIX}values/{self._kind_for_choice(key)}", "")
            if raw:
                try:
                    stored = json.loads(str(raw))
                except ValueError:
                    continue
                if isinstance(stored, dict):
                    known = set(self._field_widgets)
                    self._values_by_kind[self._kind_for_choice(key)] = {
                        k: v for k, v in stored.items() if k in known
                    }
        device = str(s.value(SETTINGS_PREFIX + "device", "auto"))
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(device)))
        self.threads_spin.setValue(_int(s.value(SETTINGS_PREFIX + "threads", 0)))
        self.mixed_check.setChecked(_bool(s.value(SETTINGS_PREFIX + "mixed_precision", True)))
        choice = str(s.value(SETTINGS_PREFIX + "model", "minilm"))
        index = self.model_combo.findData(choice)
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(max(0, index))
        self.model_combo.blockSignals(False)
        self._apply_model_choice()
        self._update_mixed_precision()

    def save_settings(self) -> None:
        """Write the form to QSettings (``training/...``); ``training/config`` is the full config."""
        s = self.settings
        self._values_by_kind[self._current_kind] = self._form_values()
        s.setValue(SETTINGS_PREFIX + "model", self.model_combo.currentData())
        s.setValue(SETTINGS_PREFIX + "model_folder", self.folder_edit.text().strip())
        s.setValue(SETTINGS_PREFIX + "hub_id", self.hub_edit.text().strip())
        s.setValue(SETTINGS_PREFIX + "vectors_path", self.vectors_edit.text().strip())
        s.setValue(SETTINGS_PREFIX + "device", self.device_combo.currentData())
        s.setValue(SETTINGS_PREFIX + "threads", self.threads_spin.value())
        s.setValue(SETTINGS_PREFIX + "mixed_precision", self.mixed_check.isChecked())
        for kind, values in self._values_by_kind.items():
            s.setValue(f"{SETTINGS_PREFIX}values/{kind}", json.dumps(values))
        s.setValue(SETTINGS_PREFIX + "config", json.dumps(self.current_config()))
        s.sync()

    # -- data -------------------------------------------------------------------------------
    def _training_data(self, kind: str) -> dict[str, Any]:
        """The ``train`` job's ``data`` from the current dataset; raises UserError with advice."""
        dataset = self.state.dataset
        if dataset is None:
            raise UserError(
                "No dataset is open. Open a labelled data file in the Dataset tab first "
                "(File ▸ Open dataset…)."
            )
        frame = dataset.frame
        counts = frame["label"].value_counts()  # fast on the categorical label column
        classes = sorted(str(label) for label, n in counts.items() if n > 0 and str(label) != "")
        if not classes:
            raise UserError(
                "The dataset has no labels. Pick its label column in the Dataset tab, or label "
                "texts in the Label tab."
            )
        if len(classes) < 2:
            raise UserError(
                f"The dataset has only one class ({classes[0]}): training needs at least two. "
                "Label some texts of another class, or pick another label column."
            )
        n_labelled = int(counts.sum())
        if n_labelled < MIN_LABELLED_ROWS:
            raise UserError(
                f"Only {n_labelled} labelled texts: too few to train a model and test it. "
                f"Label at least {MIN_LABELLED_ROWS} (a few hundred give a useful model)."
            )
        if not _is_split(dataset):
            self.append_log(
                "The dataset is not split yet: using a stratified 80/10/10 split (seed 0)."
            )
            dataset = dataset.split()
        data = TrainData.from_dataset(dataset)
        check_data(data, kind)
        return data.to_dict()

    # -- actions --------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Start training with the form's settings on the current dataset."""
        if self._train_job is not None:
            return
        key = self.model_combo.currentData()
        if key in ("folder", "hub") and not self._model_spec():
            what = "model folder" if key == "folder" else "hub id"
            self._refuse(f"Enter a {what} for the transformer, or pick another model.")
            return
        lr = self._get_field("lr") if "lr" in self._field_widgets else 0.0
        if lr is None and "lr" in TrainConfig.fields_for(self._current_kind):
            self._refuse("The learning rate is not a number (for example 5e-5).")
            return
        config = self.current_config()
        kind = model_kind(config["model"])
        try:
            TrainConfig.from_dict(config)
            data = self._training_data(kind)
        except UserError as exc:
            self._refuse(str(exc))
            return
        self.save_settings()
        self._epochs_planned = int(config.get("epochs") or 0) or None
        self._outcome = ""
        steps = None
        if kind in ("minilm", "transformer", "bilstm") and config.get("batch_size"):
            per_epoch = math.ceil(len(data["train"][0]) / int(config["batch_size"]))
            steps = per_epoch * (self._epochs_planned or 1)
        self.loss_plot.reset(
            self._epochs_planned if kind != "vader" else None,
            total_steps=steps,
            expected_loss=math.log(max(2, len(data.get("labels") or []))),
        )
        self.metrics_view.clear("Training… the results appear here when the run finishes.")
        sizes = {name: len(data[name][0]) for name in ("train", "validation", "test")}
        what = MODEL_NAMES.get(self.model_combo.currentData(), f"transformer {config['model']}")
        self.append_log(
            f"Starting: {what} on {sizes['train']:,} training, {sizes['validation']:,} "
            f"validation and {sizes['test']:,} test texts."
        )
        job = self._train_job = self.state.service.submit("train", {"config": config, "data": data})
        job.on_started(self._on_started).on_progress(self.job_progress.show_report)
        job.on_log(self.append_log).on_partial(self._on_partial)
        job.on_result(self._show_training_result).on_failed(self._on_train_failed)
        job.on_cancelled(self._on_train_cancelled).on_finished(self._on_train_finished)
        self._set_running(True)
        # Timed from here too, for a run cancelled before the worker begins it.
        self.job_progress.job_started("Waiting for the worker…")
        self.state.message("Training started")

    @Slot()
    def cancel(self) -> None:
        if self._train_job is not None:
            self._train_job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling at the next step…")
            self.append_log("Cancel requested: stopping at the next step boundary.")

    @Slot()
    def save_model(self) -> None:
        start = str(self.settings.value(SETTINGS_PREFIX + "last_model_dir", str(Path.home())))
        folder = choose_folder(self, "Save the model into a folder", start)
        if not folder:
            return
        self.settings.setValue(SETTINGS_PREFIX + "last_model_dir", folder)
        self._submit_model_job("save_model", folder)
        self.append_log(f"Saving the model to {folder}…")
        self._set_running(self._train_job is not None)

    @Slot()
    def load_model(self) -> None:
        start = str(self.settings.value(SETTINGS_PREFIX + "last_model_dir", str(Path.home())))
        folder = choose_folder(self, "Load a saved model folder", start)
        if not folder:
            return
        self.settings.setValue(SETTINGS_PREFIX + "last_model_dir", folder)
        self._submit_model_job("load_model", folder)
        self.append_log(f"Loading the model from {folder}…")
        self._set_running(self._train_job is not None)

    @Slot()
    def _choose_model_folder(self) -> None:
        start = self.folder_edit.text().strip() or str(Path.home())
        folder = choose_folder(self, "Pick a transformers model folder", start)
        if folder:
            self.folder_edit.setText(folder)

    @Slot()
    def _choose_vectors(self) -> None:
        start = self.vectors_edit.text().strip() or str(Path.home())
        path = choose_file(
            self,
            "Pick a word vectors file (GloVe / word2vec text)",
            start,
            "Word vectors (*.txt *.vec *.gz);;All files (*)",
        )
        if path:
            self.vectors_edit.setText(path)

    @Slot()
    def bring_forward(self) -> None:
        self.state.show_tab.emit(self.objectName())
        self.start_button.setFocus()

    @Slot()
    def _goto_dataset(self) -> None:
        self.state.show_tab.emit("datasetTab")

    def append_log(self, line: str) -> None:
        self.log_view.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {line}")

    def _refuse(self, message: str) -> None:
        self.append_log(message)
        show_error(self, "Cannot start training", message)

    # -- closing ---------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self._train_job is not None

    def confirm_close(self) -> bool:
        """Ask before quitting while training runs or a trained model is not saved."""
        unsaved = bool(self.state.model_info) and self.state.model_info.get("saved") is False
        if self._train_job is not None:
            text = "A model is still training. Quitting stops it and the model is lost."
        elif unsaved:
            name = self.state.model_info.get("name") or "The trained model"
            text = f"{name} is not saved. Quit anyway and lose it?"
        else:
            return True
        return ask_quit(self, text)

    def shutdown(self) -> None:
        """Cancel this tab's jobs (the window then stops the worker thread)."""
        for job in [self._train_job, *self._model_jobs]:
            if job is not None:
                job.cancel()
        self.loss_plot.finish()
        try:
            self.save_settings()
        except RuntimeError:  # widgets already deleted during teardown
            pass

    # -- state -------------------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        busy_model = bool(self._model_jobs)
        self.start_button.setEnabled(not running and not busy_model)
        self.cancel_button.setEnabled(running)
        for widget in (
            self.model_combo,
            self.folder_row,
            self.hub_edit,
            self.vectors_row,
            self.params_box,
            self.device_combo,
            self.threads_spin,
        ):
            widget.setEnabled(not running)
        self.load_button.setEnabled(not running and not busy_model)
        self.save_button.setEnabled(not running and not busy_model and bool(self.state.model_info))
        if running:
            self.mixed_check.setEnabled(False)
        else:
            self._update_mixed_precision()

    @Slot(object)
    def _on_dataset_changed(self, dataset: Any) -> None:
        if dataset is None:
            self.dataset_label.setText(
                "No dataset yet. Open a labelled file in the Dataset tab (File ▸ Open dataset…)."
            )
            self.goto_dataset_button.setVisible(True)
            return
        self.goto_dataset_button.setVisible(False)
        try:
            frame = dataset.frame
            n_labelled = int(frame["label"].notna().sum())
            classes = list(getattr(dataset, "labels", []) or [])
            name = Path(str(getattr(getattr(dataset, "report", None), "path", "") or "")).name
            text = (
                f"<b>{name or 'Dataset'}</b>: {n_labelled:,} labelled texts, "
                f"{len(classes)} classes ({', '.join(map(str, classes[:6]))}"
                f"{'…' if len(classes) > 6 else ''})"
            )
            if _is_split(dataset):
                counts = frame["split"].value_counts()  # split is "" for unlabelled rows
                text += (
                    f"<br>split: train {int(counts.get('train', 0)):,} · validation "
                    f"{int(counts.get('validation', 0)):,} · test {int(counts.get('test', 0)):,}"
                )
            else:
                text += "<br>not split yet: Start splits it 80/10/10 (stratified, seed 0)"
        except (AttributeError, KeyError, TypeError) as exc:
            text = f"The dataset cannot be used for training: {exc}"
        self.dataset_label.setText(text)

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        if not info:
            self.model_label.setText("Current model: VADER (until a model is trained or loaded)")
        else:
            suffix = "" if info.get("saved", True) else " — <b>not saved</b>"
            folder = info.get("folder")
            where = f"<br><small>{folder}</small>" if folder and info.get("saved", True) else ""
            self.model_label.setText(
                f"Current model: {info.get('name') or info.get('kind')}{suffix}{where}"
            )
        self.save_button.setEnabled(self._train_job is None and not self._model_jobs and bool(info))

    # -- the training run's handle (GUI thread) -------------------------------------------
    def _on_started(self) -> None:
        self.job_progress.start("Preparing…")  # busy until the first progress report

    def _on_partial(self, kind: str, payload: object) -> None:
        if kind == "step" and isinstance(payload, list):
            self.loss_plot.add_steps(payload)
        elif kind == "epoch" and isinstance(payload, dict):
            self.loss_plot.add_epoch(payload)

    def _show_training_result(self, result: object) -> None:
        if not isinstance(result, dict):
            return
        self._outcome = "Cancelled" if result.get("cancelled") else "Finished"
        self.loss_plot.finish()
        info = result.get("model_info") or {}
        self.metrics_view.show_result(result)
        metrics = result.get("metrics") or {}
        truncated = result.get("truncated")
        if isinstance(truncated, int):
            limit = info.get("max_length")
            self.append_log(
                f"{truncated:,} text{'' if truncated == 1 else 's'} longer than the max length"
                f"{f' ({limit} tokens)' if limit else ''} {'was' if truncated == 1 else 'were'} "
                "truncated."
            )
        if result.get("cancelled"):
            self.append_log(f"Cancelled: {result.get('stopped_at')}.")
        accuracy = metrics.get("accuracy")
        done = "Training cancelled" if result.get("cancelled") else "Training finished"
        if isinstance(accuracy, (int, float)):
            self.state.message(f"{done}: test accuracy {accuracy:.3f}")
        else:
            self.state.message(done)

    def _on_train_failed(self, message: str, details: str) -> None:
        self._outcome = "Failed"
        self.append_log(f"Training failed: {message}")
        show_error(self, "Training failed", message, details)

    def _on_train_cancelled(self) -> None:
        self._outcome = "Cancelled"
        self.append_log("Cancelled before the first result: the previous model is still in use.")
        self.metrics_view.clear("The run was cancelled before it produced a model.")

    def _on_train_finished(self) -> None:
        job, self._train_job = self._train_job, None
        self.loss_plot.finish()
        elapsed = job.elapsed() if job is not None else 0.0
        self.job_progress.finish(f"{self._outcome or 'Stopped'} after {elapsed:.0f} s")
        self._set_running(False)

    # -- saving and loading a model ---------------------------------------------------------
    def _submit_model_job(self, name: str, folder: str) -> None:
        job = self.state.service.submit(name, {"folder": folder})
        self._model_jobs.append(job)
        what = "Saving" if name == "save_model" else "Loading"
        job.on_log(self.append_log)
        job.on_result(self._on_saved if name == "save_model" else self._on_loaded)
        job.on_failed(functools.partial(self._on_model_job_failed, what))
        job.on_finished(functools.partial(self._on_model_job_finished, job))
        self._set_running(self._train_job is not None)

    def _on_saved(self, info: object) -> None:
        if isinstance(info, dict):
            self.append_log(f"Saved {info.get('name')} to {info.get('folder')}.")
            self.state.message(f"Model saved to {info.get('folder')}")

    def _on_loaded(self, info: object) -> None:
        if not isinstance(info, dict):
            return
        self.append_log(
            f"Loaded {info.get('name')} ({info.get('kind')}, labels "
            f"{', '.join(map(str, info.get('labels') or []))}) from {info.get('folder')}."
        )
        self.metrics_view.clear(
            f"Loaded {info.get('name')} from {info.get('folder')}. "
            "Train a model to see test metrics here."
        )
        self.state.message(f"Model loaded: {info.get('name')}")

    def _on_model_job_failed(self, what: str, message: str, details: str) -> None:
        self.append_log(f"{what} the model failed: {message}")
        show_error(self, f"{what} the model failed", message, details)

    def _on_model_job_finished(self, job: JobHandle) -> None:
        if job in self._model_jobs:
            self._model_jobs.remove(job)
        self._set_running(self._train_job is not None)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
    return row


def _is_split(dataset: Any) -> bool:
    flag = getattr(dataset, "is_split", None)
    if isinstance(flag, bool):
        return flag
    frame = dataset.frame
    return "split" in frame.columns and bool((frame["split"].astype(str) != "").any())


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)
