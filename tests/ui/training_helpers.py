"""Shared by the Training tab's GUI tests: a small generated CSV, a tiny fast BiLSTM, clicks.

A tiny BiLSTM on a small generated CSV keeps every run to a few seconds; torch uses one
thread (the tab's "CPU threads" setting) so the GUI thread keeps a core.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt

POSITIVE = ["great", "wonderful", "delightful", "superb", "moving", "charming", "brilliant"]
NEGATIVE = ["awful", "boring", "dreadful", "tedious", "clumsy", "dull", "terrible"]
FILLER = ["the film", "this movie", "the plot", "the cast", "the ending", "the script"]

# matplotlib's toolbar asks Qt for a deprecated high-DPI attribute whenever it paints an icon.
MPL_WARNING = pytest.mark.filterwarnings(
    "ignore:Enum value .Qt..ApplicationAttribute.AA_UseHighDpiPixmaps:DeprecationWarning"
)


def write_csv(path, rows: int = 120, labels: tuple[str, ...] = ("negative", "positive")):
    rng = random.Random(0)
    lines = ["text,label"]
    for i in range(rows):
        label = labels[i % len(labels)]
        words = POSITIVE if label == "positive" else NEGATIVE
        text = f"{rng.choice(FILLER)} is {rng.choice(words)} and {rng.choice(words)} {i}"
        lines.append(f'"{text}",{label}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def split_dataset(folder):
    """120 rows of reviews.csv, split 60/20/20: 72 train, 24 validation, 24 test."""
    from desktop_app.core.data.dataset import load_dataset

    return load_dataset(write_csv(folder / "reviews.csv")).split(0.6, 0.2, 0.2, seed=0)


def training_tab(window):
    """The Training tab, brought to the front."""
    tab = window.tab_widgets["trainingTab"]
    window.tabs.setCurrentWidget(tab)
    return tab


def set_tiny_bilstm(tab, epochs: int = 2, batch_size: int = 8) -> None:
    """Pick a BiLSTM small enough to train in a second, through the form's widgets."""
    combo = tab.model_combo
    combo.setCurrentIndex(combo.findData("bilstm"))
    form = tab.form
    form.field("epochs").setValue(epochs)
    form.field("batch_size").setValue(batch_size)
    form.field("embedding_dim").setValue(16)
    form.field("hidden_size").setValue(16)
    form.field("patience").setValue(0)
    tab.threads_spin.setValue(1)
    tab.device_combo.setCurrentIndex(tab.device_combo.findData("cpu"))


def is_train(_job_id, name, *rest) -> bool:
    """For ``waitSignal(service.result, check_params_cb=is_train)``."""
    return name == "train"


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run_counts(text: str) -> dict[str, int]:
    """The train / validation / test counts a run line shows ("72 train · 24 validation ...")."""
    import re

    match = re.search(r"([\d,]+) train · ([\d,]+) validation · ([\d,]+) test", text)
    assert match, text
    train, validation, test = (int(g.replace(",", "")) for g in match.groups())
    return {"train": train, "validation": validation, "test": test}
