"""The Dataset tab's row of read options: sheet, text and label columns, encoding, delimiter,
header row.

Each box shows what the loader detected ("Auto (semicolon)") and lets the user override it.
The delimiter box takes any single character typed into it (``@`` for the raw Financial
PhraseBank file ``sentence@label``), as ``--delimiter`` does on the command line.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from desktop_app.ui.dataset_report import delimiter_name

ENCODINGS = ("utf-8", "utf-8-sig", "windows-1252", "latin-1", "utf-16", "cp1250", "shift_jis")
DELIMITERS = ((",", "comma ,"), ("\t", "tab"), (";", "semicolon ;"), ("|", "pipe |"))
DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "space": " ", "comma": ",", "semicolon": ";"}
NO_LABEL = "(no label column)"


class ReadOptionsBar(QWidget):
    """``columns_changed`` when the user picks a text or label column; ``read_again`` when an
    option that needs the file read again changes; ``problem(message)`` for a bad entry."""

    columns_changed = Signal()
    read_again = Signal()
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: Any = None
        self.text_combo = _combo("textColumnCombo", "The column that holds the texts")
        self.text_combo.activated.connect(self._on_columns)
        self.label_combo = _combo("labelColumnCombo", "The column that holds the labels")
        self.label_combo.activated.connect(self._on_columns)
        self.encoding_combo = _combo(
            "encodingCombo", "Character encoding of the file; pick one if accents look wrong"
        )
        self.encoding_combo.setEditable(True)
        self.encoding_combo.addItem("Auto", None)
        for name in ENCODINGS:
            self.encoding_combo.addItem(name, name)
        self.encoding_combo.activated.connect(self._on_read_option)
        self.encoding_combo.lineEdit().editingFinished.connect(self._on_encoding_typed)
        self.delimiter_combo = _combo(
            "delimiterCombo",
            "The character between columns: pick one, or type any single character (e.g. @)",
        )
        self.delimiter_combo.setEditable(True)
        self.delimiter_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.delimiter_combo.addItem("Auto", None)
        for value, name in DELIMITERS:
            self.delimiter_combo.addItem(name, value)
        self.delimiter_combo.activated.connect(self._on_read_option)
        self.delimiter_combo.lineEdit().editingFinished.connect(self._on_delimiter_typed)
        self.header_combo = _combo("headerCombo", "Whether the first row holds column names")
        for text, value in (("Auto", None), ("yes", True), ("no", False)):
            self.header_combo.addItem(text, value)
        self.header_combo.activated.connect(self._on_read_option)
        self.sheet_combo = _combo("sheetCombo", "The workbook sheet to read")
        self.sheet_combo.activated.connect(self._on_read_option)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for text, combo in (
            ("Sheet:", self.sheet_combo),
            ("Text column:", self.text_combo),
            ("Label column:", self.label_combo),
            ("Encoding:", self.encoding_combo),
            ("Delimiter:", self.delimiter_combo),
            ("Header row:", self.header_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo)
            row.addSpacing(8)
            if combo is self.sheet_combo:
                self.sheet_label = label  # shown only for workbooks of several sheets
                label.hide()
                combo.hide()
        row.addStretch(1)

    def combos(self) -> list[QComboBox]:
        return [
            self.text_combo,
            self.label_combo,
            self.encoding_combo,
            self.delimiter_combo,
            self.header_combo,
            self.sheet_combo,
        ]

    # -- what the user picked ---------------------------------------------------------------
    def text_column(self) -> str:
        return self.text_combo.currentText()

    def label_column(self) -> str:
        """The picked label column ("" for none)."""
        return str(self.label_combo.currentData() or "")

    def read_options(self, report: Any) -> dict[str, Any]:
        """``LoadOptions`` fields to read the file of ``report`` again with."""
        combo = self.encoding_combo
        typed = combo.currentText().strip()
        encoding = combo.currentData() if typed == combo.itemText(combo.currentIndex()) else typed
        options = {
            "encoding": encoding,
            "delimiter": self.delimiter_combo.currentData(),
            "has_header": self.header_combo.currentData(),
            "text_column": report.text_column,
            "label_column": report.label_column if report.label_column is not None else "",
            "sheet": self.sheet_combo.currentData() if self.sheet_combo.count() > 1 else None,
        }
        if (
            options["delimiter"] is not None
            or options["has_header"] is not None
            or options["sheet"] not in (None, report.sheet)
        ):
            # Other delimiters, header rows or sheets give other columns: guess them again.
            options["text_column"] = None
            options["label_column"] = None
        return options

    # -- showing ------------------------------------------------------------------------------
    def show_report(self, report: Any) -> None:
        """Show the columns and read options the current data was loaded with."""
        self._report = report
        for combo in (self.text_combo, self.label_combo):
            combo.blockSignals(True)
            combo.clear()
        for column in report.columns:
            self.text_combo.addItem(str(column), str(column))
        self.label_combo.addItem(NO_LABEL, "")
        for column in report.columns:
            self.label_combo.addItem(str(column), str(column))
        self.text_combo.setCurrentIndex(max(0, self.text_combo.findData(report.text_column)))
        self.label_combo.setCurrentIndex(
            max(0, self.label_combo.findData(report.label_column or ""))
        )
        for combo in (self.text_combo, self.label_combo):
            combo.blockSignals(False)
        self.encoding_combo.setItemText(0, f"Auto ({report.encoding or '—'})")
        self.delimiter_combo.setItemText(0, f"Auto ({delimiter_name(report.delimiter)})")
        header = {True: "yes", False: "no"}.get(report.has_header, "—")
        self.header_combo.setItemText(0, f"Auto ({header})")
        sheets = list(report.sheets or [])
        self.sheet_combo.clear()
        for name in sheets:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(report.sheet)))
        for widget in (self.sheet_label, self.sheet_combo):
            widget.setVisible(len(sheets) > 1)

    def show_overrides(self, options: dict[str, Any]) -> None:
        """Show the overrides a load used ("Auto" where it used detection)."""
        for combo, value in (
            (self.encoding_combo, options.get("encoding")),
            (self.delimiter_combo, options.get("delimiter")),
            (self.header_combo, options.get("has_header")),
        ):
            index = combo.findData(value) if value is not None else 0
            if index < 0 and combo is self.delimiter_combo:
                index = self._add_delimiter(str(value))
            if index >= 0:
                combo.setCurrentIndex(index)
            elif combo.isEditable():
                combo.setEditText(str(value))

    # -- user input -----------------------------------------------------------------------------
    @Slot(int)
    def _on_columns(self, _index: int = 0) -> None:
        self.columns_changed.emit()

    @Slot(int)
    def _on_read_option(self, _index: int = 0) -> None:
        if self._report is not None:
            self.read_again.emit()

    @Slot()
    def _on_encoding_typed(self) -> None:
        text = self.encoding_combo.currentText().strip()
        if self._report is None or not text or text == self.encoding_combo.itemText(0):
            return
        if text != (self._report.encoding or ""):
            self.read_again.emit()

    @Slot()
    def _on_delimiter_typed(self) -> None:
        combo = self.delimiter_combo
        text = combo.currentText()
        if text == combo.itemText(combo.currentIndex()):
            return  # a listed choice, already handled by activated
        index = combo.findText(text)
        if index < 0:
            value = parse_delimiter(text)
            if value is None:
                combo.setEditText(combo.itemText(combo.currentIndex()))
                self.problem.emit(
                    f"The delimiter must be one character (you typed {text!r}); "
                    "type for example @ or ;, or pick one from the list."
                )
                return
            index = combo.findData(value)
            if index < 0:
                index = self._add_delimiter(value)
        combo.setCurrentIndex(index)
        self._on_read_option()

    def _add_delimiter(self, value: str) -> int:
        """A typed delimiter becomes an entry of the list, so it stays picked."""
        self.delimiter_combo.addItem(delimiter_name(value), value)
        return self.delimiter_combo.count() - 1


def parse_delimiter(text: str) -> str | None:
    """The delimiter a user typed: one character, or a name such as ``tab``; else None."""
    if len(text) == 1:
        return text
    return DELIMITER_WORDS.get(text.strip().lower())


def _combo(name: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setMinimumContentsLength(8)
    return combo
