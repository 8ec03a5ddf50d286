"""Label a project through the real Label tab by key presses until killed.

Run by ``tests/ui/test_label_kill.py`` as ``python -m tests.ui.label_kill_app PROJECT
SETTINGS.ini``; it SIGKILLs this process mid-labelling. Each label is printed as
``<row id> <label>`` when the tab's ``labelled`` signal says it is committed, and flushed:
every printed line is a label the user saw acknowledged.
"""

from __future__ import annotations

import os
import sys


def main(project: str, settings_path: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    settings.setValue("label/annotator", "kill-test")
    window = MainWindow(settings=settings)
    window.show()
    tab = window.tab_widgets["labelTab"]

    def acknowledged(row_id: int, label: str) -> None:
        print(row_id, label, flush=True)

    tab.labelled.connect(acknowledged)
    window.open_path(project)
    if tab.store is None or tab.store.read_only:
        print("could not open the project for labelling", file=sys.stderr, flush=True)
        sys.exit(1)
    print("ready", flush=True)
    keys = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3)
    presses = 0
    while tab.current_row() is not None:
        QTest.keyClick(tab.card, keys[presses % 3])
        presses += 1
        app.processEvents()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
