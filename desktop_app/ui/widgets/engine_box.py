"""Where a run goes: "This computer" or "Ray cluster…" with the address, the workers and the
GPUs per worker, and a "Test connection" button (the Predict tab's file section and the
Training tab's compute box).

Ray is optional (the ``scale`` extra). The box asks only whether ``ray`` can be imported
(``importlib.util.find_spec``, through ``core.scale.cluster.ray_available``) and never imports
it on the GUI thread: without Ray it says how to install it instead of offering the choice.
"Test connection" runs ``cluster_resources`` on a background :class:`TaskRunner`, so an
address that does not answer never freezes the window (it fails within about 5 s).
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs import JobContext
from desktop_app.core.scale.cluster import INSTALL_HINT, RaySettings, ray_available
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner

LOCAL, RAY = "local", "ray"
ENGINES = ((LOCAL, "This computer"), (RAY, "Ray cluster…"))
ADDRESS_TIP = (
    "Empty: start a local Ray instance on this computer for the run.\n"
    "auto: a cluster started here with `ray start --head`.\n"
    "ray://HOST:10001: a remote cluster (Ray Client); HOST:6379: a head node."
)


def ask_cluster(address: str, ctx: JobContext) -> dict[str, Any]:
    """What the cluster at ``address`` has (background thread). An address is asked from a
    child process (connecting holds the GIL, the window's, for about a second); this
    computer is described without starting Ray."""
    from desktop_app.core.scale.cluster import cluster_resources

    if not address:
        return cluster_resources("")
    from desktop_app.core.scale.cluster import check_reachable
    from desktop_app.core.scale.detached import run_detached

    check_reachable(address)  # within 5 s, before a process starts and imports Ray
    target = "desktop_app.core.scale.cluster:cluster_resources"
    return run_detached(target, {"address": address}, ctx, with_ctx=False)


def describe_resources(info: dict[str, Any]) -> str:
    """``Ray cluster at ray://h:10001: 3 nodes, 48 CPUs, 6 GPUs (Ray 2.60.0).``"""
    where = "This computer" if info.get("local") else f"Ray cluster at {info.get('address')}"
    text = f"{where}: {info.get('text')}"
    if info.get("ray_version"):
        text += f" (Ray {info['ray_version']})"
    if info.get("local"):
        text += ". A local Ray instance starts for each run and stops after it."
    else:
        text += "."
    return text


class EngineBox(QWidget):
    """The engine choice and, for Ray, its settings; ``changed`` after every change.

    Its values are kept in ``settings`` under ``ray/<name>/`` (one set per place that
    offers it, so the Predict and Training tabs do not overwrite each other's)."""

    changed = Signal()

    def __init__(self, settings: QSettings, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}EngineBox")
        self._settings = settings
        self._prefix = f"ray/{name}"
        self.available = ray_available()
        self._tasks = TaskRunner(f"{name}RayConnection", self)
        self._test: JobHandle | None = None
        self._busy = False
        self._build()
        self._restore()
        self._connect()
        self._update()

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.engine_combo = QComboBox()
        self.engine_combo.setObjectName("engineCombo")
        for key, text in ENGINES:
            self.engine_combo.addItem(text, key)
        self.engine_combo.setToolTip(
            "Run here, or on Ray workers: a local Ray instance or a cluster of machines"
        )
        run_on = QLabel("Run on:")
        run_on.setBuddy(self.engine_combo)
        top.addWidget(run_on)
        top.addWidget(self.engine_combo)
        self.install_hint = QLabel(
            "Ray cluster runs need Ray, which is not installed: "
            "pip install 'sentiment-studio[scale]' (see README, Scaling out)."
        )
        self.install_hint.setObjectName("rayInstallHint")
        self.install_hint.setToolTip(INSTALL_HINT)
        self.install_hint.setWordWrap(True)
        self.install_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.install_hint, 1)
        top.addStretch(0)
        layout.addLayout(top)

        self.ray_options = QWidget()
        self.ray_options.setObjectName("rayOptions")
        form = self.form = QFormLayout(self.ray_options)
        form.setContentsMargins(0, 0, 0, 0)
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("rayAddress")
        self.address_edit.setPlaceholderText("empty: a local Ray instance on this computer")
        self.address_edit.setToolTip(ADDRESS_TIP)
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("rayTestButton")
        self.test_button.setToolTip("Ask the cluster what it has (nodes, CPUs, GPUs)")
        address_row = QHBoxLayout()
        address_row.addWidget(self.address_edit, 1)
        address_row.addWidget(self.test_button)
        form.addRow("Address:", address_row)
        self.workers_spin = QSpinBox()
        self.workers_spin.setObjectName("rayWorkers")
        self.workers_spin.setRange(1, 1024)
        self.workers_spin.setToolTip("Ray workers (each holds the model once)")
        self.gpus_spin = QDoubleSpinBox()
        self.gpus_spin.setObjectName("rayGpus")
        self.gpus_spin.setRange(0.0, 16.0)
        self.gpus_spin.setSingleStep(0.5)
        self.gpus_spin.setDecimals(2)
        self.gpus_spin.setToolTip("GPUs per worker (0: the workers use CPUs)")
        sizes = QHBoxLayout()
        sizes.addWidget(self.workers_spin)
        sizes.addWidget(QLabel("GPUs per worker:"))
        sizes.addWidget(self.gpus_spin)
        sizes.addStretch(1)
        form.addRow("Workers:", sizes)
        self.status_label = QLabel()
        self.status_label.setObjectName("rayStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.status_label)
        layout.addWidget(self.ray_options)

        self.note_label = QLabel()
        self.note_label.setObjectName("engineNote")
        self.note_label.setWordWrap(True)
        layout.addWidget(self.note_label)

    def add_row(self, label: str, widget: Any) -> None:
        """An extra Ray setting (a widget or a layout), shown with the others."""
        self.form.insertRow(self.form.rowCount() - 1, label, widget)

    def _connect(self) -> None:
        self.engine_combo.currentIndexChanged.connect(self._on_changed)
        self.address_edit.editingFinished.connect(self._on_changed)
        self.workers_spin.valueChanged.connect(self._on_changed)
        self.gpus_spin.valueChanged.connect(self._on_changed)
        self.test_button.clicked.connect(self.test_connection)

    def _restore(self) -> None:
        value = self._settings.value
        engine = str(value(f"{self._prefix}/engine", LOCAL))
        if self.available:
            self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(engine)))
        self.address_edit.setText(str(value(f"{self._prefix}/address", "")))
        try:
            self.workers_spin.setValue(int(value(f"{self._prefix}/workers", 1)))
            self.gpus_spin.setValue(float(value(f"{self._prefix}/gpus_per_worker", 0.0)))
        except (TypeError, ValueError):
            pass  # a hand-edited settings file: keep the defaults

    def _save(self) -> None:
        for key, item in (
            ("engine", self.engine_combo.currentData()),
            ("address", self.address_edit.text().strip()),
            ("workers", self.workers_spin.value()),
            ("gpus_per_worker", self.gpus_spin.value()),
        ):
            self._settings.setValue(f"{self._prefix}/{key}", item)

    # -- what the box holds ---------------------------------------------------------------
    def uses_ray(self) -> bool:
        return self.available and self.engine_combo.currentData() == RAY

    def ray_settings(self) -> RaySettings:
        """The Ray settings as entered (``checked()`` before use)."""
        return RaySettings(
            address=self.address_edit.text().strip(),
            workers=self.workers_spin.value(),
            gpus_per_worker=self.gpus_spin.value(),
        )

    def where(self) -> str:
        """``3 Ray workers on this computer`` / ``… at ray://host:10001``."""
        settings = self.ray_settings()
        workers = f"{settings.workers} Ray worker{'' if settings.workers == 1 else 's'}"
        return f"{workers} {'at ' + settings.address if settings.address else 'on this computer'}"

    def set_note(self, text: str) -> None:
        """A line under the box (why a run stays on this computer, what Ray needs, ...)."""
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        """While a run goes, nothing here may change what it was started with."""
        self._busy = busy
        self._update()

    def shutdown(self) -> None:
        self._tasks.shutdown()

    # -- test connection ----------------------------------------------------------------
    @Slot()
    def test_connection(self) -> None:
        if not self.available or self._test is not None:
            return
        address = self.address_edit.text().strip()
        task = self._test = self._tasks.start(
            functools.partial(ask_cluster, address), "test connection"
        )
        task.on_result(self._on_tested).on_failed(self._on_test_failed)
        task.on_finished(self._on_test_finished)
        self.status_label.setText(
            f"Asking the cluster at {address}…" if address else "Looking at this computer…"
        )
        self._update()

    def _on_tested(self, info: object) -> None:
        if isinstance(info, dict):
            self.status_label.setText(describe_resources(info))

    def _on_test_failed(self, message: str, details: str) -> None:
        self.status_label.setText(message)

    def _on_test_finished(self) -> None:
        self._test = None
        self._update()

    # -- state ----------------------------------------------------------------------------
    @Slot()
    def _on_changed(self, *_args: Any) -> None:
        self._save()
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        self.install_hint.setVisible(not self.available)
        self.engine_combo.setEnabled(self.available and not self._busy)
        if not self.available:
            self.engine_combo.setToolTip(INSTALL_HINT)
        self.ray_options.setVisible(self.uses_ray())
        for widget in (self.address_edit, self.workers_spin, self.gpus_spin):
            widget.setEnabled(not self._busy)
        self.test_button.setEnabled(self._test is None)
        if not self.note_label.text():
            self.note_label.setVisible(False)
