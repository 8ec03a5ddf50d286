"""State shared by the tabs on the GUI thread: the service, settings, dataset, model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from desktop_app.worker import ModelService


class AppState(QObject):
    """What the tabs share. Tabs talk to each other through its signals only."""

    dataset_changed = Signal(object)  # desktop_app.core.data.dataset.Dataset or None
    model_changed = Signal(dict)  # {"name", "kind", "labels", "folder", "saved", ...}
    status_message = Signal(str, int)  # text, timeout in ms (0 = until replaced)
    show_tab = Signal(str)  # object name of the tab to bring to front
    open_path_requested = Signal(str)  # a file path to open (data file or project)
    explain_requested = Signal(str)  # a text to explain (Predict tab -> Explain tab)

    def __init__(
        self, service: ModelService, settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = settings
        self.dataset: Any = None
        self.model_info: dict[str, Any] = {}
        self.device_info: dict[str, Any] = {}

    def set_dataset(self, dataset: Any) -> None:
        self.dataset = dataset
        self.dataset_changed.emit(dataset)

    def set_model_info(self, info: dict[str, Any]) -> None:
        self.model_info = dict(info)
        self.model_changed.emit(self.model_info)

    def message(self, text: str, timeout_ms: int = 5000) -> None:
        self.status_message.emit(text, timeout_ms)
