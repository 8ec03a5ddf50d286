"""State shared by the tabs on the GUI thread: the service (and its model), settings, workspace."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from desktop_app.ui.inference_settings import InferenceSettings
from desktop_app.ui.workspace import Workspace
from desktop_app.worker import ModelService


class AppState(QObject):
    """What the tabs share. Tabs talk to each other through its signals only.

    The current model belongs to the worker: :attr:`model_info` reads what it last announced
    and :attr:`model_changed` re-emits its announcements (``ModelService.model_changed``);
    nothing on the GUI side writes model identity. The data (a loaded file or an open
    project) belongs to :attr:`workspace`, which announces its changes (``workspace.changed``).
    """

    model_changed = Signal(dict)  # {"id", "name", "kind", "labels", "folder", "saved", ...}
    status_message = Signal(str, int)  # text, timeout in ms (0 = until replaced)
    show_tab = Signal(str)  # object name of the tab to bring to front
    open_path_requested = Signal(str)  # a file path to open (data file or project)
    explain_requested = Signal(str)  # a text to explain (Predict tab -> Explain tab)
    relabel_requested = Signal(int)  # a project row id to show in the Label tab (any table)

    def __init__(
        self, service: ModelService, settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = settings
        self.workspace = Workspace(self)
        # How prediction jobs read texts (long texts, ...): tabs read it when they submit.
        self.inference = InferenceSettings(settings, self)
        self.device_info: dict[str, Any] = {}
        service.model_changed.connect(self.model_changed)  # signal to signal, GUI thread

    @property
    def model_info(self) -> dict[str, Any]:
        """The worker's current model as last announced (``{}`` until the first probe)."""
        return self.service.model_info

    def message(self, text: str, timeout_ms: int = 5000) -> None:
        self.status_message.emit(text, timeout_ms)
