"""The Label tab's keys: 1-9 choose a label, Enter accepts the suggestion, S or → skip,
← goes back, Backspace or Ctrl+Z undo, N adds a note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

_ACTIONS = {
    Qt.Key.Key_Return: "accept",
    Qt.Key.Key_Enter: "accept",
    Qt.Key.Key_S: "skip",
    Qt.Key.Key_Right: "skip",
    Qt.Key.Key_Left: "back",
    Qt.Key.Key_Backspace: "undo",
    Qt.Key.Key_N: "note",
}


def key_action(event: QKeyEvent) -> tuple[str, int] | None:
    """("label", index), (action, 0), or None for a key the tab leaves to its children."""
    key = event.key()
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if key == Qt.Key.Key_Z and mods == Qt.KeyboardModifier.ControlModifier:
        return ("undo", 0)
    if mods != Qt.KeyboardModifier.NoModifier:
        return None
    if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
        return ("label", key - Qt.Key.Key_1)
    action = _ACTIONS.get(key)  # Qt.Key is an IntEnum: an int key finds it
    return (action, 0) if action else None


# What the keys do, for Help ▸ Keyboard shortcuts (same table as the handler above).
KEY_HELP: list[tuple[str, str]] = [
    ("1 – 9", "Label the row with that class (each button shows its key)"),
    ("Enter", "Accept the model's suggestion"),
    ("S, →", "Skip the row (it comes back in the next pass)"),
    ("←", "Go back to the previous row"),
    ("Backspace, Ctrl+Z", "Undo my last label"),
    ("N", "Add a note to the row"),
]
