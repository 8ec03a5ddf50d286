"""Run Python's cyclic garbage collector on the GUI thread only.

Qt objects (widgets, canvases, pixmaps) that sit in reference cycles are freed by the cyclic
collector in whichever thread happens to trigger a collection. When that is a background
thread (the data loader drawing a chart, the model worker allocating during LIME), the
object's Qt destructor runs off the GUI thread and the process can crash (a segfault seen in
the test suite: "Garbage-collecting" inside matplotlib on the loader thread). While the window
lives, automatic collection is off and a QTimer on the GUI thread collects instead, generation
by generation as the thresholds would: the approach of pyqtgraph's ``GarbageCollector``.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

_active = 0  # guards alive; automatic collection resumes when the last one stops


class GuiThreadGarbageCollector(QObject):
    """Disables automatic collection and collects from a GUI-thread timer instead."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 250) -> None:
        super().__init__(parent)
        global _active
        self.threshold = gc.get_threshold()
        self._running = True
        _active += 1
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    @Slot()
    def check(self) -> None:
        """Collect the generations whose thresholds were passed (as the automatic collector)."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                gc.collect(1)
                if count2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """Stop the timer; the last guard to stop switches automatic collection back on."""
        global _active
        if not self._running:
            return
        self._running = False
        self.timer.stop()
        _active -= 1
        if _active == 0:
            gc.collect()  # on the GUI thread, before background threads could do it
            gc.enable()
