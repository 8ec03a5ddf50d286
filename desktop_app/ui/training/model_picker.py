"""Which model the Training tab trains: the picker and the folder / hub id / vectors rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.training import dialogs

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


def kind_for_choice(key: str) -> str:
    """The TrainConfig model kind of a picker key ("folder" and "hub" are transformers)."""
    return "transformer" if key in ("folder", "hub") else key


class ModelPicker(QGroupBox):
    """Emits ``choice_changed(key)`` when the user picks another model."""

    choice_changed = Signal(str)

    def __init__(self, vectors_help: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Model", parent)
        self.setObjectName("modelPicker")
        layout = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.setObjectName("modelCombo")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(24)
        for key, text in MODEL_CHOICES:
            self.combo.addItem(text, key)
            self.combo.setItemData(
                self.combo.count() - 1, MODEL_TIPS[key], Qt.ItemDataRole.ToolTipRole
            )
        layout.addWidget(self.combo)

        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("modelFolderEdit")
        self.folder_edit.setPlaceholderText("model folder (config.json, weights, tokenizer)")
        self.folder_button = QPushButton("Browse…")
        self.folder_button.setObjectName("modelFolderButton")
        self.folder_button.clicked.connect(self._choose_model_folder)
        self.folder_row = _row(self.folder_edit, self.folder_button)
        layout.addWidget(self.folder_row)

        self.hub_edit = QLineEdit()
        self.hub_edit.setObjectName("hubIdEdit")
        self.hub_edit.setPlaceholderText("hub id, e.g. distilbert-base-uncased")
        self.hub_edit.setToolTip(MODEL_TIPS["hub"])
        layout.addWidget(self.hub_edit)

        self.vectors_edit = QLineEdit()
        self.vectors_edit.setObjectName("wordVectorsEdit")
        self.vectors_edit.setPlaceholderText("word vectors file (optional)")
        self.vectors_edit.setToolTip(vectors_help)
        self.vectors_edit.setClearButtonEnabled(True)
        self.vectors_button = QPushButton("Browse…")
        self.vectors_button.setObjectName("wordVectorsButton")
        self.vectors_button.clicked.connect(self._choose_vectors)
        self.vectors_row = _row(self.vectors_edit, self.vectors_button)
        layout.addWidget(self.vectors_row)

        self.hint = QLabel()
        self.hint.setObjectName("modelHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.hint)
        self.combo.currentIndexChanged.connect(self._on_index_changed)
        self._show_rows()

    # -- reading --------------------------------------------------------------------------
    def choice(self) -> str:
        """The picker's key (minilm, minilm-head, folder, hub, bilstm, vader)."""
        return str(self.combo.currentData())

    def kind(self) -> str:
        return kind_for_choice(self.choice())

    def spec(self) -> str:
        """What TrainConfig.model gets: the key, the folder or the hub id."""
        key = self.choice()
        if key == "folder":
            return self.folder_edit.text().strip()
        if key == "hub":
            return self.hub_edit.text().strip()
        return key

    def description(self) -> str:
        """How the log and the results name what is trained."""
        return MODEL_NAMES.get(self.choice(), f"transformer {self.spec()}")

    def vectors_path(self) -> str:
        return self.vectors_edit.text().strip()

    # -- writing --------------------------------------------------------------------------
    def set_choice(self, key: str, *, announce: bool = True) -> None:
        """Pick ``key`` (the first model when unknown); ``announce=False`` keeps it quiet."""
        index = max(0, self.combo.findData(key))
        if not announce:
            self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        if not announce:
            self.combo.blockSignals(False)
        self._show_rows()

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        self._show_rows()
        self.choice_changed.emit(self.choice())

    def _show_rows(self) -> None:
        key = self.choice()
        self.folder_row.setVisible(key == "folder")
        self.hub_edit.setVisible(key == "hub")
        self.vectors_row.setVisible(key == "bilstm")
        self.hint.setText(MODEL_TIPS.get(key, ""))
        self.combo.setToolTip(MODEL_TIPS.get(key, ""))

    @Slot()
    def _choose_model_folder(self) -> None:
        start = self.folder_edit.text().strip() or str(Path.home())
        folder = dialogs.choose_folder(self, "Pick a transformers model folder", start)
        if folder:
            self.folder_edit.setText(folder)

    @Slot()
    def _choose_vectors(self) -> None:
        start = self.vectors_edit.text().strip() or str(Path.home())
        path = dialogs.choose_file(
            self,
            "Pick a word vectors file (GloVe / word2vec text)",
            start,
            "Word vectors (*.txt *.vec *.gz);;All files (*)",
        )
        if path:
            self.vectors_edit.setText(path)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
    return row
