"""The Training tab's form, driven like a user: the wheel, small windows, Ctrl+Enter, settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLabel

from tests.ui.training_helpers import (
    MPL_WARNING,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
)

pytestmark = [MPL_WARNING, pytest.mark.usefixtures("quit_without_asking")]


@pytest.fixture
def dataset(tmp_path):
    return split_dataset(tmp_path)


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def _wheel(widget, steps: int = -1) -> None:
    """One notch of the mouse wheel over the middle of ``widget`` (negative: towards the user)."""
    centre = widget.rect().center()
    event = QWheelEvent(
        QPointF(centre),
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_leaves_unfocused_boxes_alone(qtbot, main_window):
    tab = training_tab(main_window)
    tab.model_combo.setCurrentIndex(tab.model_combo.findData("bilstm"))
    _activate(qtbot, main_window)
    epochs = tab.form.field("epochs")
    pooling = tab.form.field("pooling")
    assert epochs.value() == 10 and pooling.currentText() == "max"
    tab.start_button.setFocus()

    # Scrolling over the form: the wheel passes over the boxes without changing them.
    for widget in (epochs, pooling, tab.threads_spin, tab.device_combo, tab.model_combo):
        _wheel(widget)
        _wheel(widget, steps=2)
    assert epochs.value() == 10
    assert pooling.currentText() == "max"
    assert tab.threads_spin.value() == 0
    assert tab.device_combo.currentData() == "auto"
    assert tab.model_combo.currentData() == "bilstm"
    # ... and a wheel turn does not focus them (only a click or Tab does).
    for box in tab.findChildren(QAbstractSpinBox) + tab.findChildren(QComboBox):
        assert box.focusPolicy() != Qt.FocusPolicy.WheelFocus, box.objectName()

    # Clicked into, a box takes the wheel as usual.
    qtbot.mouseClick(epochs, Qt.MouseButton.LeftButton)
    assert epochs.hasFocus()
    _wheel(epochs, steps=-1)
    assert epochs.value() == 9
    qtbot.mouseClick(pooling, Qt.MouseButton.LeftButton)  # opens its list...
    qtbot.keyClick(QApplication.activePopupWidget() or pooling, Qt.Key.Key_Escape)  # ...closed
    assert pooling.hasFocus()
    _wheel(pooling, steps=-1)
    assert pooling.currentText() == "mean"


def test_start_and_cancel_stay_on_screen_in_a_small_window(qtbot, main_window):
    tab = training_tab(main_window)
    tab.model_combo.setCurrentIndex(tab.model_combo.findData("bilstm"))  # the longest form
    main_window.resize(1024, 700)  # a small laptop screen
    qtbot.waitUntil(lambda: main_window.height() <= 700, timeout=5000)
    scroll = tab.scroll
    assert scroll.verticalScrollBar().maximum() > 0  # the form does not fit: it scrolls
    window_rect = main_window.rect()
    for position in (0, scroll.verticalScrollBar().maximum()):
        scroll.verticalScrollBar().setValue(position)
        QApplication.processEvents()
        for button in (tab.start_button, tab.cancel_button):
            assert not scroll.isAncestorOf(button)
            assert button.isVisible()
            # Wholly visible, and inside the window.
            assert button.visibleRegion().boundingRect() == button.rect(), button.objectName()
            assert window_rect.contains(
                QRect(button.mapTo(main_window, QPoint(0, 0)), button.size())
            )


def test_ctrl_enter_starts_whatever_model_is_chosen(qtbot, main_window, dataset):
    service = main_window.service
    main_window.state.workspace.set_dataset(dataset)
    tab = training_tab(main_window)
    _activate(qtbot, main_window)
    run_line = tab.findChild(QLabel, "runDataLabel")

    # VADER renames Start to "Evaluate VADER"; Ctrl+Enter still starts it.
    tab.model_combo.setFocus()
    tab.model_combo.setCurrentIndex(tab.model_combo.findData("vader"))
    assert tab.start_button.text() == "Evaluate VADER"
    with qtbot.waitSignal(service.finished, timeout=60000):
        qtbot.keyClick(tab.model_combo, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert tab.is_training()
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    assert "VADER evaluation on reviews.csv (file)" in run_line.text()
    assert "Evaluated at" in run_line.text()

    # Back to a trained model: Ctrl+Enter (the keypad's Enter this time) still works.
    set_tiny_bilstm(tab, epochs=1)
    assert tab.start_button.text() == "Start"
    tab.form.field("epochs").setFocus()
    with qtbot.waitSignal(service.finished, timeout=60000):
        qtbot.keyClick(
            tab.form.field("epochs"),
            Qt.Key.Key_Enter,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier,
        )
        assert tab.is_training()
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    assert "BiLSTM on reviews.csv (file): 72 train · 24 validation · 24 test" in run_line.text()


def test_training_settings_round_trip_and_damaged_values(tmp_path):
    from PySide6.QtCore import QSettings

    from desktop_app.ui.training_settings import TrainingChoices, TrainingSettings

    raw = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings = TrainingSettings(raw)
    assert settings.choices() == TrainingChoices()  # nothing stored: the defaults
    choices = TrainingChoices("bilstm", "/m", "bert-base", "/v.txt", "cpu", 3, False)
    settings.set_choices(choices)
    settings.set_values_for("bilstm", {"epochs": 3})
    settings.set_last_config({"model": "bilstm", "epochs": 3, "hidden_size": 32})
    settings.sync()
    again = TrainingSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.choices() == choices
    assert again.values_for("bilstm") == {"epochs": 3}
    retrain = again.retrain_config({"kind": "bilstm"})
    assert retrain["model"] == "bilstm" and retrain["epochs"] == 3 and retrain["hidden_size"] == 32

    # Damaged or unknown values fall back to the defaults instead of breaking the tab.
    raw.setValue("training/model", "no-such-model")
    raw.setValue("training/device", "tpu")
    raw.setValue("training/threads", "many")
    raw.setValue("training/values/bilstm", "{not json")
    assert settings.choices().model == "minilm"
    assert settings.choices().device == "auto"
    assert settings.choices().threads == 0
    assert settings.values_for("bilstm") == {}


def test_wheel_guard_covers_every_tab(qtbot, main_window):
    """The same guard on every tab's boxes (the Explain tab's seed, the Dataset tab's split, ...)."""
    _activate(qtbot, main_window)
    main_window.menuBar().setFocus()
    checked = 0
    for tab in main_window.tab_widgets.values():
        main_window.tabs.setCurrentWidget(tab)
        for box in tab.findChildren(QAbstractSpinBox) + tab.findChildren(QComboBox):
            assert box.focusPolicy() != Qt.FocusPolicy.WheelFocus, box.objectName()
            before = box.text() if isinstance(box, QAbstractSpinBox) else box.currentIndex()
            _wheel(box)
            after = box.text() if isinstance(box, QAbstractSpinBox) else box.currentIndex()
            assert after == before, (tab.objectName(), box.objectName())
            checked += 1
    assert checked >= 20
