"""One labelled bar per class with its probability (Predict and Explain tabs)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

_SCALE = 1000  # progress bars hold integers: tenths of a percent


class ProbabilityBars(QWidget):
    """``set_probabilities(labels, probs)`` shows a bar per class; the top class is bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._rows: list[tuple[QLabel, QProgressBar]] = []

    def clear(self) -> None:
        for name, bar in self._rows:
            self._grid.removeWidget(name)
            self._grid.removeWidget(bar)
            name.deleteLater()
            bar.deleteLater()
        self._rows = []

    def set_probabilities(
        self, labels: Sequence[str], probabilities: Sequence[float], marked: str | None = None
    ) -> None:
        """Show the bars; ``marked`` (default: the most probable class) is shown in bold."""
        if [n.text() for n, _ in self._rows] != [str(x) for x in labels]:
            self.clear()
            for row, label in enumerate(labels):
                name = QLabel(str(label))
                bar = QProgressBar()
                bar.setObjectName(f"probabilityBar_{label}")
                bar.setRange(0, _SCALE)
                bar.setTextVisible(True)
                bar.setMaximumHeight(20)
                name.setBuddy(bar)
                self._grid.addWidget(name, row, 0)
                self._grid.addWidget(bar, row, 1)
                self._rows.append((name, bar))
            self._grid.setColumnStretch(1, 1)
        if marked is None and len(probabilities):
            marked = str(labels[max(range(len(probabilities)), key=lambda i: probabilities[i])])
        for (name, bar), label, prob in zip(self._rows, labels, probabilities, strict=False):
            value = float(prob)
            bar.setValue(round(value * _SCALE))
            bar.setFormat(f"{value:.1%}")
            bar.setToolTip(f"P({label}) = {value:.4f}")
            font = name.font()
            font.setBold(str(label) == marked)
            name.setFont(font)

    def bars(self) -> dict[str, float]:
        """What the bars show: class -> probability (for tests and accessibility)."""
        return {name.text(): bar.value() / _SCALE for name, bar in self._rows}
