"""Label tab: keyboard-first labelling with model suggestions, saved the moment it is made.

Label writes go straight to the project store (:mod:`desktop_app.core.project.store`) on the
GUI thread, each in its own small transaction, never through the model worker: labelling
never waits behind a training job. The worker only scores the pool (``score_pool``:
a random sample first so the queue starts at once, then the rest), explains the
suggestion (``explain``), reviews labels out of fold (``review_labels``) and retrains
(``train`` + ``save_model``). The tab keeps the ids of the jobs it submitted and ignores
every other signal.
"""

from __future__ import annotations

import functools
import getpass
import html
import logging
import random
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs import Progress
from desktop_app.core.labelling.queue import LabelQueue
from desktop_app.job_handle import JobHandle
from desktop_app.tasks import TaskRunner
from desktop_app.ui.app_state import AppState
from desktop_app.ui.dialogs import show_error
from desktop_app.ui.label_writer import LabelWriter
from desktop_app.ui.training_settings import TrainingSettings
from desktop_app.ui.widgets.label_card import MAX_KEYS, LabelCard
from desktop_app.ui.widgets.label_panels import AgreementPanel, ProgressPanel, ReviewPanel
from desktop_app.ui.widgets.project_banner import ProjectBanner

log = logging.getLogger(__name__)

SAMPLE_SIZE = 2000  # rows scored first so the uncertainty queue starts at once
PREFETCH = 8  # upcoming rows whose suggestions are fetched ahead
ANNOTATOR_KEY = "label/annotator"
ORDERS = (
    ("Uncertainty (least sure first)", "uncertainty"),
    ("Random (seeded)", "random"),
    ("File order", "file"),
)
EXPORT_FILTER = "CSV (*.csv);;JSON lines (*.jsonl);;Excel (*.xlsx)"


class LabelTab(QWidget):
    TITLE = "Label"

    project_changed = Signal(str)  # path of the open project ("" when none)
    item_shown = Signal(int)  # row id now on the card (-1: nothing left)
    queue_reordered = Signal(str)  # why: "scores", "order", "model"
    labelled = Signal(int, str)  # row id, label (after it is committed)

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.setObjectName("labelTab")
        self.state = state
        self.service = state.service
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.store: Any = None  # desktop_app.core.project.store.ProjectStore
        self.queue: LabelQueue | None = None
        self._texts: dict[int, str] = {}
        self._labels: dict[int, str | None] = {}
        self._sources: dict[int, int | None] = {}
        self._class_counts: dict[str, int] = {}
        # row -> (scoring generation, suggested label, its probability, top-two margin)
        self._suggestions: dict[int, tuple[int, str, float, float]] = {}
        self._generation = 0
        self._score_jobs: dict[JobHandle, int] = {}  # job -> generation
        self._requested: set[int] = set()
        self._explain_job: JobHandle | None = None
        self._explain_row: int | None = None
        self._review_job: JobHandle | None = None
        self._train_job: JobHandle | None = None
        self._load_job: JobHandle | None = None
        self._session_start = time.time()
        self._session_labels = 0
        self._rate = 0.0
        self._scored_model = str(state.model_info.get("id") or "")  # whose suggestions we show
        self._offer_dataset: Any = None
        self._setting_dataset = False
        self._model_labels: list[str] = list(state.model_info.get("labels") or [])

        self._tasks = TaskRunner("labelTabTasks", self)
        self._create_task: JobHandle | None = None
        self._create_dataset: Any = None
        self._build()
        self.state.model_changed.connect(self._on_model_changed)
        self.state.dataset_changed.connect(self._on_dataset_changed)
        self._rate_timer = QTimer(self)
        self._rate_timer.setInterval(5000)
        self._rate_timer.timeout.connect(self._update_rate)
        self._rescore_timer = QTimer(self)
        self._rescore_timer.setSingleShot(True)
        self._rescore_timer.setInterval(0)
        self._rescore_timer.timeout.connect(self._start_scoring)
        self._show_empty()

    # -- construction -----------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.offer_bar = QWidget()
        self.offer_bar.setObjectName("projectOfferBar")
        self.offer_bar.setStyleSheet("#projectOfferBar { background: palette(alternate-base); }")
        offer = QHBoxLayout(self.offer_bar)
        offer.setContentsMargins(8, 4, 8, 4)
        self.offer_label = QLabel()
        offer.addWidget(self.offer_label, 1)
        self.offer_button = QPushButton("Start a project from it…")
        self.offer_button.setObjectName("offerProjectButton")
        self.offer_button.clicked.connect(self._on_offer_accepted)
        offer.addWidget(self.offer_button)
        dismiss = QPushButton("Not now")
        dismiss.clicked.connect(self.offer_bar.hide)
        offer.addWidget(dismiss)
        self.offer_bar.hide()
        outer.addWidget(self.offer_bar)
        # Read-only, a label not saved yet, damaged values: said here, not per key press.
        self.banner = ProjectBanner()
        outer.addWidget(self.banner)
        self.writer = LabelWriter(self.banner, self)
        self.writer.committed.connect(self._on_label_committed)
        self.writer.read_only_changed.connect(self._on_read_only_changed)

        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self.pages.addWidget(self._build_empty_page())
        self.pages.addWidget(self._build_work_page())

    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = QLabel("<h2>No project open</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel(
            "A project keeps your labels in one file (.sstudio), saved the moment you press a "
            "key.<br>Open a dataset and start a project from it, or open an existing project."
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        self.new_button = QPushButton("New project…")
        self.new_button.setObjectName("newProjectButton")
        self.new_button.clicked.connect(self.choose_new_project)
        row.addWidget(self.new_button)
        self.open_button = QPushButton("Open project…")
        self.open_button.setObjectName("openProjectButton")
        self.open_button.clicked.connect(self.choose_open_project)
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _build_work_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)

        bar = QHBoxLayout()
        self.project_label = QLabel()
        self.project_label.setObjectName("projectLabel")
        bar.addWidget(self.project_label)
        bar.addStretch(1)
        bar.addWidget(QLabel("Order:"))
        self.order_combo = QComboBox()
        self.order_combo.setObjectName("orderCombo")
        self.order_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for text, value in ORDERS:
            self.order_combo.addItem(text, value)
        self.order_combo.setToolTip(
            "Uncertainty: rows the model is least sure about first (the smallest margin between "
            "its top two classes). Random: a fixed shuffle. File order: as in the data file."
        )
        self.order_combo.currentIndexChanged.connect(self._on_order_changed)
        bar.addWidget(self.order_combo)
        self.review_all_check = QCheckBox("Include labelled rows")
        self.review_all_check.setObjectName("includeLabelledCheck")
        self.review_all_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.review_all_check.setToolTip("Go through every row, labelled ones too, to review them")
        self.review_all_check.toggled.connect(self._on_order_changed)
        bar.addWidget(self.review_all_check)
        self.hide_check = QCheckBox("Hide suggestions until answered")
        self.hide_check.setObjectName("hideSuggestionsCheck")
        self.hide_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide_check.setToolTip("Avoid anchoring: decide first, then see what the model thought")
        self.hide_check.toggled.connect(self._refresh_suggestion)
        bar.addWidget(self.hide_check)
        self.lime_check = QCheckBox("Highlight words")
        self.lime_check.setObjectName("limeCheck")
        self.lime_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lime_check.setToolTip(
            "Colour the words that led the model to its suggestion (LIME, computed in the "
            "background for each row)"
        )
        self.lime_check.toggled.connect(self._on_lime_toggled)
        bar.addWidget(self.lime_check)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.card = LabelCard()
        self.card.label_clicked.connect(self._on_label_clicked)
        left_layout.addWidget(self.card, 1)
        actions = QHBoxLayout()
        self.retrain_button = QPushButton("Retrain with my labels")
        self.retrain_button.setObjectName("retrainButton")
        self.retrain_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retrain_button.setToolTip(
            "Train the current model type on every labelled row with the Training tab's "
            "settings; the queue re-orders with the new model when it finishes"
        )
        self.retrain_button.clicked.connect(self._on_retrain_clicked)
        actions.addWidget(self.retrain_button)
        self.labels_button = QPushButton("Edit labels…")
        self.labels_button.setObjectName("editLabelsButton")
        self.labels_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.labels_button.setToolTip("The class names and their keys 1–9")
        self.labels_button.clicked.connect(self._on_edit_labels)
        actions.addWidget(self.labels_button)
        self.annotator_button = QPushButton()
        self.annotator_button.setObjectName("annotatorButton")
        self.annotator_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.annotator_button.setToolTip("Your name, stored with every label you make")
        self.annotator_button.clicked.connect(self._on_change_annotator)
        actions.addWidget(self.annotator_button)
        actions.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setObjectName("labelStatus")
        actions.addWidget(self.status_label)
        self.job_progress = QProgressBar()
        self.job_progress.setObjectName("labelJobProgress")
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setTextVisible(False)
        self.job_progress.hide()
        actions.addWidget(self.job_progress)
        left_layout.addLayout(actions)
        splitter.addWidget(left)

        self.side = QTabWidget()
        self.side.setObjectName("labelSidePanel")
        self.side.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.progress_panel = ProgressPanel()
        self.progress_panel.export_requested.connect(self.choose_export)
        self.review_panel = ReviewPanel()
        self.review_panel.review_requested.connect(self.start_review)
        self.review_panel.row_activated.connect(self.show_row)
        self.agreement_panel = AgreementPanel()
        self.agreement_panel.pair_changed.connect(self._refresh_agreement)
        self.agreement_panel.row_activated.connect(self.show_row)
        self.side.addTab(self.progress_panel, "Progress")
        self.side.addTab(self.review_panel, "Review")
        self.side.addTab(self.agreement_panel, "Agreement")
        # What the user reads, by name (tests and the tab use these).
        self.progress_label = self.progress_panel.progress_label
        self.rate_label = self.progress_panel.rate_label
        self.labelled_only_check = self.progress_panel.labelled_only_check
        self.protect_check = self.progress_panel.protect_check
        self.review_button = self.review_panel.review_button
        self.review_list = self.review_panel.list
        self.kappa_label = self.agreement_panel.kappa_label
        self.disagreement_list = self.agreement_panel.list
        self.side.currentChanged.connect(self._on_side_changed)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([800, 340])
        layout.addWidget(splitter, 1)
        self._update_annotator_button()
        return page

    # -- the project ------------------------------------------------------------------
    @property
    def project_path(self) -> str:
        return str(self.store.path) if self.store is not None else ""

    def open_project(self, path: str) -> bool:
        """Open a project file; shows a clear message and returns False when it cannot.

        When another app instance has it open, asks: open read-only, or take it over.
        """
        from desktop_app.ui.project_open import open_store

        store = open_store(self, path)
        if store is None:
            return False
        self._attach(store)
        return True

    def create_project(self, path: str, data: Any, source: str | None = None) -> bool:
        """Create a project from a Dataset (or rows) off the GUI thread, then open it.

        Returns True when the creation started; ``project_changed`` follows when it is open.
        """
        from desktop_app.core.project.store import ProjectStore

        if self._create_task is not None:
            self.state.message("A project is being created already.", 4000)
            return False

        def create(ctx: Any) -> str:
            store = ProjectStore.create(path, data, source=source, overwrite=True, ctx=ctx)
            created = str(store.path)
            store.close()
            return created

        self._create_dataset = data if hasattr(data, "frame") else None
        task = self._create_task = self._tasks.start(create, "create project")
        task.on_result(self._on_created).on_failed(self._on_create_failed)
        self.state.message(f"Creating the project {Path(path).name}…", 0)
        return True

    def _on_created(self, payload: object) -> None:
        self._create_task = None
        from desktop_app.core.errors import ProjectError
        from desktop_app.core.project.store import ProjectStore

        try:
            store = ProjectStore.open(str(payload))
        except ProjectError as exc:
            show_error(self, "New project", str(exc))
            return
        dataset, self._create_dataset = self._create_dataset, None
        self._attach(store, from_dataset=dataset)
        self.state.message(f"Project {store.path.name} created: every label is saved as you go.")
        self.state.show_tab.emit("labelTab")

    def _on_create_failed(self, message: str, details: str) -> None:
        self._create_task = None
        self._create_dataset = None
        self.state.message("", 1)
        show_error(self, "New project", message, details)

    def save_project_as(self, path: str) -> bool:
        from desktop_app.core.errors import ProjectError

        if self.store is None:
            return False
        try:
            copy = self.store.save_as(path)
        except ProjectError as exc:
            show_error(self, "Save project as", str(exc))
            return False
        if copy is not self.store:
            old = self.store
            self.writer.detach(self)
            self.store = copy
            old.close()
            self.writer.attach(copy)
            self._apply_read_only()
        self._update_project_label()
        self.project_changed.emit(self.project_path)
        return True

    def close_project(self) -> None:
        self._cancel_jobs()
        if self.store is not None:
            self._save_view_state()
            self.writer.detach(self)
            self.store.close()
        self.store = None
        self.queue = None
        self._texts, self._labels, self._sources = {}, {}, {}
        self._suggestions.clear()
        self._rate_timer.stop()
        self._show_empty()
        self.project_changed.emit("")

    def _attach(self, store: Any, from_dataset: Any = None) -> None:
        if self.store is not None:
            self.close_project()
        self.store = store
        self.offer_bar.hide()
        cols = store.columns()
        self._texts = dict(zip(cols["ids"], cols["texts"], strict=True))
        self._labels = dict(zip(cols["ids"], cols["labels"], strict=True))
        self._sources = dict(zip(cols["ids"], cols["source_rows"], strict=True))
        self.writer.attach(store)
        self._apply_read_only()
        if not store.labels and not store.read_only:
            store.set_labels(self._model_labels or ["negative", "neutral", "positive"])
        self._class_counts = dict(store.counts()["per_class"])
        order = store.get_state("label.order", "uncertainty")
        include = bool(store.get_state("label.include_labelled", False))
        for widget, value in ((self.order_combo, order), (self.review_all_check, include)):
            widget.blockSignals(True)
            if widget is self.order_combo:
                index = self.order_combo.findData(value)
                self.order_combo.setCurrentIndex(max(0, index))
            else:
                self.review_all_check.setChecked(include)
            widget.blockSignals(False)
        self.queue = LabelQueue(
            cols["ids"],
            [i for i, lab in self._labels.items() if lab is not None],
            order=self.order_combo.currentData(),
            seed=int(store.get_state("label.seed", 0) or 0),
            include_labelled=include,
        )
        self._session_start = time.time()
        self._session_labels = 0
        self._suggestions.clear()
        self.card.set_labels(store.labels)
        self.pages.setCurrentIndex(1)
        self._update_project_label()
        self._refresh_counts()
        self._update_rate()
        self._rate_timer.start()
        self.queue.start()
        last = store.get_state("label.current")
        if isinstance(last, int) and last in self._texts:
            self.queue.go_to(last)
        self._show_current()
        self.project_changed.emit(self.project_path)
        self._restore_dataset(from_dataset)
        if not self.annotator(ask=False):
            self._ask_annotator_later()
        folder = store.last_model_folder()
        if folder and folder != self.state.model_info.get("folder"):
            job = self._load_job = self.service.submit("load_model", {"folder": folder})
            job.on_result(self._on_model_loaded).on_failed(self._on_model_load_failed)
            job.on_finished(self._on_model_load_finished)
            self.state.message(f"Loading the project's last model from {folder}…")
        else:
            self._start_scoring()

    def _restore_dataset(self, dataset: Any) -> None:
        """Hand the project's rows to the other tabs as the current dataset."""
        if dataset is None:
            try:
                dataset = self.store.to_dataset()
            except Exception:  # noqa: BLE001 - the Label tab works without it
                log.exception("could not rebuild the dataset from the project")
                return
        self._setting_dataset = True
        try:
            self.state.set_dataset(dataset)
        finally:
            self._setting_dataset = False

    def _update_project_label(self) -> None:
        if self.store is None:
            self.project_label.setText("")
            return
        path = Path(self.project_path)
        self.project_label.setText(f"<b>{html.escape(path.name)}</b>")
        self.project_label.setToolTip(str(path))

    def _save_view_state(self) -> None:
        if self.store is None or self.store.closed or self.store.read_only:
            return
        try:
            self.store.set_state("label.order", self.order_combo.currentData())
            self.store.set_state("label.include_labelled", self.review_all_check.isChecked())
            if self.queue is not None and self.queue.current is not None:
                self.store.set_state("label.current", self.queue.current)
        except Exception:  # noqa: BLE001 - never lose the close because of view state
            log.exception("could not save the Label tab's view state")

    def confirm_close(self) -> bool:
        return self.writer.confirm_close(self)  # True unless a label is still pending

    def shutdown(self) -> None:
        self._tasks.shutdown()
        self._cancel_jobs()
        self._rate_timer.stop()
        if self.store is not None:
            self._save_view_state()
            self.writer.detach(self)
            self.store.close()
            self.store = None

    def _cancel_jobs(self) -> None:
        for job in [*self._score_jobs, self._explain_job, self._review_job, self._load_job]:
            if job is not None:
                job.cancel()
        self._score_jobs.clear()
        self._explain_job = self._review_job = self._load_job = None

    # -- dataset offer ------------------------------------------------------------------
    @Slot(object)
    def _on_dataset_changed(self, dataset: Any) -> None:
        if self._setting_dataset or dataset is None:
            return
        self._offer_dataset = dataset
        source = getattr(getattr(dataset, "report", None), "path", "") or "the dataset"
        self.offer_label.setText(
            f"Label {html.escape(Path(str(source)).name)}: a project keeps every label in one "
            "file, saved as you go."
        )
        self.offer_bar.show()
        if self.store is None:
            self.state.message(
                "Dataset loaded. Start a labelling project from it in the Label tab or with "
                "File > New project.",
                8000,
            )

    @Slot()
    def _on_offer_accepted(self) -> None:
        self.choose_new_project()

    def choose_new_project(self) -> None:
        """Ask for a file name and create a project from the current dataset (or a file)."""
        dataset = self._offer_dataset or self.state.dataset
        start = str(self.state.settings.value("last_dir", str(Path.home())))
        if dataset is None:
            data_path, _ = QFileDialog.getOpenFileName(
                self,
                "New project: choose the data to label",
                start,
                "Data files (*.csv *.tsv *.txt *.json *.jsonl *.xlsx *.parquet);;All files (*)",
            )
            if not data_path:
                return
            self.state.open_path_requested.emit(data_path)
            self.state.message("Loading the data; then press “Start a project from it…”", 8000)
            return
        source = getattr(getattr(dataset, "report", None), "path", "") or ""
        suggested = str(Path(start) / (Path(source).stem or "project")) + ".sstudio"
        path, _ = QFileDialog.getSaveFileName(
            self, "New project", suggested, "Sentiment Studio projects (*.sstudio)"
        )
        if path:
            if not path.endswith(".sstudio"):
                path += ".sstudio"
            self.create_project(path, dataset, source=source)

    def choose_open_project(self) -> None:
        start = str(self.state.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", start, "Sentiment Studio projects (*.sstudio);;All files (*)"
        )
        if path and self.open_project(path):
            self.state.show_tab.emit("labelTab")

    # -- the card -----------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.pages.setCurrentIndex(0)

    def _show_current(self) -> None:
        """Put the queue's current row on the card; O(1): everything is already in memory."""
        queue = self.queue
        if queue is None:
            return
        row_id = queue.current
        if row_id is None:
            remaining = queue.remaining()
            if remaining:
                self.card.show_message("Nothing in this queue", "Change the order or options.")
            else:
                self.card.show_message(
                    "Every row is labelled",
                    "Retrain with your labels, review suspicious labels, or export them.",
                )
            self.item_shown.emit(-1)
            return
        label = self._labels.get(row_id)
        source = self._sources.get(row_id)
        where = f"Row {source + 1} of the file" if source is not None else f"Row {row_id}"
        status = f"labelled <b>{html.escape(label)}</b>" if label else "unlabelled"
        self.card.show_text(self._texts.get(row_id, ""), f"{where} · {status}", label, None)
        self._refresh_suggestion()
        if self.lime_check.isChecked():
            self._request_explanation()
        self._prefetch()
        if self.isVisible() and self.pages.currentIndex() == 1:
            self.card.setFocus(Qt.FocusReason.OtherFocusReason)
        self.item_shown.emit(row_id)

    @Slot()
    def _refresh_suggestion(self, *_args: Any) -> None:
        if self.queue is None or self.queue.current is None:
            return
        row_id = self.queue.current
        found = self._suggestions.get(row_id)
        answered = self._labels.get(row_id) is not None
        if self.hide_check.isChecked() and not answered:
            self.card.set_suggestion(None, None, hidden=True)
        elif found is None:
            model = self.state.model_info.get("name") or "the model"
            note = (
                f"Waiting for {model}'s suggestion…"
                if self._score_jobs
                else "No suggestion yet (train a model or press Retrain with my labels)"
            )
            self.card.set_suggestion(None, None, note=note)
        else:
            self.card.set_suggestion(found[1], found[2])

    def current_row(self) -> int | None:
        return self.queue.current if self.queue is not None else None

    def card_text(self) -> str:
        return self.card.text()

    # -- keys ---------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Take the labelling keys before a child (a list, a check box) can use them.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self._handles(event):
                event.accept()
                return True
        return super().event(event)

    def _handles(self, event: QKeyEvent) -> bool:
        if self.queue is None:
            return False
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Z and mods == Qt.KeyboardModifier.ControlModifier:
            return True
        if mods not in (Qt.KeyboardModifier.NoModifier,):
            return False
        return key in _KEYS or Qt.Key.Key_1 <= key <= Qt.Key.Key_9

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not self._handles(event):
            super().keyPressEvent(event)
            return
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.label_index(key - Qt.Key.Key_1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_suggestion()
        elif key == Qt.Key.Key_S:
            self.skip()
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Z):
            self.undo()
        elif key == Qt.Key.Key_Left:
            self.go_back()
        elif key == Qt.Key.Key_Right:
            self.skip()
        elif key == Qt.Key.Key_N:
            self.add_note()
        event.accept()

    # -- actions ------------------------------------------------------------------------
    @Slot(int)
    def _on_label_clicked(self, index: int) -> None:
        self.label_index(index)

    def label_index(self, index: int) -> None:
        labels = self.store.labels if self.store is not None else []
        if 0 <= index < min(len(labels), MAX_KEYS):
            self.apply_label(labels[index])

    def accept_suggestion(self) -> None:
        if self.queue is None or self.queue.current is None:
            return
        if self.hide_check.isChecked() and self._labels.get(self.queue.current) is None:
            self.state.message("Suggestions are hidden: choose a label with 1–9.", 3000)
            return
        found = self._suggestions.get(self.queue.current)
        if found is None:
            self.state.message("No suggestion for this row yet: choose a label with 1–9.", 3000)
            return
        if found[1] not in self.store.labels:
            self.state.message(
                f"The model suggests {found[1]!r}, which is not one of this project's labels.",
                4000,
            )
            return
        self.apply_label(found[1])

    def apply_label(self, label: str, note: str | None = None) -> None:
        """Commit the label (its own transaction), then show the next row at once."""
        queue = self.queue
        if self.store is None or queue is None or queue.current is None:
            return
        annotator = self.annotator()
        if annotator is None:
            return
        row_id = queue.current
        if self.writer.write(row_id, label, annotator, note):
            self._after_label(row_id, label, advance=True)

    @Slot(int, str)
    def _on_label_committed(self, row_id: int, label: str) -> None:
        """A label that waited for the project's lock is written now."""
        queue = self.queue
        if queue is not None:
            self._after_label(row_id, label, advance=queue.current == row_id)

    @Slot()
    def _on_read_only_changed(self) -> None:
        self._apply_read_only()
        if self.store is not None:
            self.project_changed.emit(self.project_path)  # the title says "read-only"

    def _apply_read_only(self) -> None:
        read_only = self.store is not None and self.store.read_only
        for button in (self.retrain_button, self.labels_button):
            button.setEnabled(not read_only)

    def _after_label(self, row_id: int, label: str, advance: bool) -> None:
        queue = self.queue
        assert queue is not None
        previous = self._labels.get(row_id)
        self._labels[row_id] = label
        self._count(previous, -1)
        self._count(label, +1)
        self._session_labels += 1
        queue.mark_labelled(row_id)
        self.labelled.emit(row_id, label)
        if advance:
            queue.advance()
        self._show_current()
        self._refresh_counts()

    def skip(self) -> None:
        if self.queue is not None:
            self.queue.advance()
            self._show_current()

    def go_back(self) -> None:
        if self.queue is not None and self.queue.back() is not None:
            self._show_current()

    def undo(self) -> None:
        """Undo my latest label (an event in the history: nothing is overwritten)."""
        if self.store is None or self.queue is None:
            return
        if self.writer.pending is not None:
            self.banner.refuse("Undo: wait until the pending label is saved.")
            return
        ok, event = self.writer.guard("Undo", self.store.undo, self.annotator(ask=False) or None)
        if not ok:
            return
        if event is None:
            self.state.message("Nothing to undo.", 3000)
            return
        restored = self.store.row(event.row_id).label
        self._count(self._labels.get(event.row_id), -1)
        self._count(restored, +1)
        self._labels[event.row_id] = restored
        if restored is None:
            self.queue.mark_unlabelled(event.row_id)
        self._session_labels = max(0, self._session_labels - 1)
        self.queue.go_to(event.row_id)
        self._show_current()
        self._refresh_counts()
        self.state.message(f"Undid {event.label!r} on row {event.row_id}.", 3000)

    def add_note(self) -> None:
        if self.store is None or self.queue is None or self.queue.current is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "A note on this row:")
        if ok and text.strip():
            annotator = self.annotator()
            if (
                annotator is not None
                and self.writer.guard(
                    "Note", self.store.add_note, self.queue.current, text.strip(), annotator
                )[0]
            ):
                self.card.note_label.setText(f"Note: {text.strip()}")
                self.card.note_label.show()

    def _count(self, label: str | None, delta: int) -> None:
        if label is not None:
            self._class_counts[label] = self._class_counts.get(label, 0) + delta

    # -- annotator --------------------------------------------------------------------------
    def annotator(self, ask: bool = True) -> str | None:
        """The annotator's name (asked once, kept in QSettings)."""
        name = str(self.state.settings.value(ANNOTATOR_KEY, "") or "").strip()
        if name or not ask:
            return name
        try:
            default = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name: leave it empty
            default = ""
        name, ok = QInputDialog.getText(
            self, "Your name", "Your name is stored with every label you make:", text=default
        )
        name = name.strip()
        if not ok or not name:
            return None
        self.state.settings.setValue(ANNOTATOR_KEY, name)
        self._update_annotator_button()
        return name

    def _ask_annotator_later(self) -> None:
        """Ask for the name when the project opens (window-modal, without blocking)."""
        dialog = QInputDialog(self)
        dialog.setObjectName("annotatorDialog")
        dialog.setWindowTitle("Your name")
        dialog.setLabelText("Your name is stored with every label you make:")
        try:
            dialog.setTextValue(getpass.getuser())
        except Exception:  # noqa: BLE001 - no login name: leave it empty
            pass
        dialog.textValueSelected.connect(self._on_annotator_chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    @Slot(str)
    def _on_annotator_chosen(self, name: str) -> None:
        if name.strip():
            self.state.settings.setValue(ANNOTATOR_KEY, name.strip())
            self._update_annotator_button()
        self.card.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_change_annotator(self) -> None:
        current = self.annotator(ask=False) or ""
        name, ok = QInputDialog.getText(self, "Your name", "Annotator name:", text=current)
        if ok and name.strip():
            self.state.settings.setValue(ANNOTATOR_KEY, name.strip())
            self._update_annotator_button()

    def _update_annotator_button(self) -> None:
        name = self.annotator(ask=False)
        self.annotator_button.setText(f"Annotator: {name}" if name else "Set annotator name…")

    @Slot()
    def _on_edit_labels(self) -> None:
        if self.store is None:
            return
        text, ok = QInputDialog.getText(
            self,
            "Labels",
            "Class names, comma-separated (their order gives the keys 1–9):",
            text=", ".join(self.store.labels),
        )
        if ok:
            names = [n.strip() for n in text.split(",") if n.strip()]
            if names:
                keep = [n for n in self.store.labels if n in self._class_counts and n not in names]
                self.writer.guard("Labels", self.store.set_labels, names + keep)
                self.card.set_labels(self.store.labels)
                self._refresh_counts()

    # -- progress -------------------------------------------------------------------------
    def _refresh_counts(self) -> None:
        if self.store is None:
            return
        self.progress_panel.show_counts(self.store.labels, self._class_counts, len(self._texts))
        self._show_rate()

    def class_counts(self) -> dict[str, int]:
        """What the Progress panel shows per class."""
        return {n: self._class_counts.get(n, 0) for n in (self.store.labels if self.store else [])}

    @Slot()
    def _update_rate(self) -> None:
        if self.store is None:
            return
        self._rate = self.store.labels_per_hour(since=self._session_start)
        self._show_rate()

    def _show_rate(self) -> None:
        self.progress_panel.show_rate(self._session_labels, self._rate)

    # -- order and scoring ------------------------------------------------------------------
    @Slot()
    def _on_order_changed(self, *_args: Any) -> None:
        if self.queue is None:
            return
        self.queue.set_order(self.order_combo.currentData(), self.review_all_check.isChecked())
        self.queue.restart()
        self._save_view_state()
        self._show_current()
        self.queue_reordered.emit("order")
        self._score_missing()

    @Slot(dict)
    def _on_model_changed(self, info: dict) -> None:
        self._model_labels = list(info.get("labels") or [])
        if str(info.get("id") or "") == self._scored_model:
            return  # the same model (saved, or named again): the same suggestions
        if self.store is not None and self._load_job is None:
            self._rescore_timer.start()

    def _pool(self) -> list[int]:
        if self.review_all_check.isChecked():
            return list(self._texts)
        return [i for i, lab in self._labels.items() if lab is None]

    @Slot()
    def _start_scoring(self) -> None:
        """Score the pool with the current model: a random sample first, then the rest."""
        if self.store is None:
            return
        for job in list(self._score_jobs):
            job.cancel()
        self._score_jobs.clear()
        self._requested.clear()
        self._scored_model = str(self.state.model_info.get("id") or "")
        self._generation += 1
        pool = self._pool()
        if not pool:
            return
        upcoming = self.queue.upcoming(PREFETCH) if self.queue is not None else []
        first = set(upcoming)
        if self.queue is not None and self.queue.current is not None:
            first.add(self.queue.current)
        rest = [i for i in pool if i not in first]
        if len(rest) > SAMPLE_SIZE:
            sample = random.Random(self._generation).sample(rest, SAMPLE_SIZE)
            chosen = set(sample)
            rest = [i for i in rest if i not in chosen]
        else:
            sample, rest = rest, []
        self._submit_scores(list(first) + sample, "sample")
        if rest:
            self._submit_scores(rest, "rest")
        self._show_job_progress(True)
        self._refresh_suggestion()

    def _score_missing(self) -> None:
        """Score only the pool rows this model has not scored or been asked for yet."""
        if self.store is None:
            return
        if self._generation == 0:
            self._start_scoring()
            return
        missing = [
            i for i in self._pool() if i not in self._suggestions and i not in self._requested
        ]
        if missing:
            self._submit_scores(missing, "rest")
            self._show_job_progress(True)

    def _submit_scores(self, row_ids: list[int], phase: str) -> None:
        self._requested.update(row_ids)
        params = {"row_ids": row_ids, "texts": [self._texts[i] for i in row_ids], "phase": phase}
        job = self.service.submit("score_pool", params)
        self._score_jobs[job] = self._generation
        job.on_partial(functools.partial(self._on_partial_scores, job))
        job.on_progress(self._on_progress).on_result(functools.partial(self._on_scores, job))
        job.on_failed(self._on_score_failed).on_finished(functools.partial(self._score_done, job))

    def _prefetch(self) -> None:
        """Fetch suggestions for the next rows that have none yet (file/random order)."""
        if self.queue is None or self.store is None:
            return
        missing = [
            i
            for i in [self.queue.current, *self.queue.upcoming(PREFETCH)]
            if i is not None and i not in self._suggestions and i not in self._requested
        ]
        if not missing or self._generation == 0:
            return
        # Ask for a few more than needed so the next keys do not each submit a job.
        more = [i for i in self.queue.upcoming(PREFETCH * 4) if i not in self._suggestions]
        ids = [i for i in dict.fromkeys(missing + more) if i not in self._requested]
        self._submit_scores(ids, "prefetch")

    def _apply_scores(self, payload: dict, generation: int) -> bool:
        """Record suggestions; True when the current row got one."""
        current = self.queue.current if self.queue is not None else None
        hit = False
        for row_id, label, conf, margin in zip(
            payload["row_ids"],
            payload["suggestions"],
            payload["confidences"],
            payload["margins"],
            strict=True,
        ):
            self._suggestions[row_id] = (generation, label, conf, margin)
            hit = hit or row_id == current
        if self.queue is not None:
            self.queue.set_scores(payload["row_ids"], payload["margins"])
        return hit

    # -- explanations ---------------------------------------------------------------------
    @Slot(bool)
    def _on_lime_toggled(self, on: bool) -> None:
        if on:
            self._request_explanation()
        else:
            if self._explain_job is not None:
                self._explain_job.cancel()
            self._explain_job = None
            self._show_current()

    def _request_explanation(self) -> None:
        if self.queue is None or self.queue.current is None:
            return
        row_id = self.queue.current
        found = self._suggestions.get(row_id)
        if self.hide_check.isChecked() and self._labels.get(row_id) is None:
            return
        if self._explain_job is not None:
            self._explain_job.cancel()
        params = {
            "text": self._texts[row_id],
            "num_samples": 300,
            "num_features": 8,
            "label": found[1] if found else None,
            "seed": 0,
            "runs": 1,
        }
        job = self._explain_job = self.service.submit("explain", params)
        job.on_result(functools.partial(self._on_explanation, row_id))
        job.on_failed(self._on_explain_failed)
        self._explain_row = row_id

    # -- review and agreement ------------------------------------------------------------------
    def start_review(self) -> None:
        if self.store is None:
            return
        ids = [i for i, lab in self._labels.items() if lab is not None]
        params = {
            "row_ids": ids,
            "texts": [self._texts[i] for i in ids],
            "labels": [self._labels[i] for i in ids],
            "folds": 5,
        }
        if self._review_job is not None:
            self._review_job.cancel()
        job = self._review_job = self.service.submit("review_labels", params)
        job.on_progress(self._on_progress).on_result(self._on_reviewed)
        job.on_failed(self._on_review_failed).on_cancelled(self._on_review_cancelled)
        job.on_finished(functools.partial(self._on_review_finished, job))
        self.review_panel.set_busy(True, f"Reviewing {len(ids):,} labelled rows…")
        self._show_duplicates([])

    def _show_duplicates(self, suspicious: list[dict]) -> None:
        duplicates = self.store.conflicting_duplicates() if self.store is not None else []
        self.review_panel.show_rows(suspicious, duplicates, self._display_row)

    def _display_row(self, row_id: int) -> int:
        source = self._sources.get(row_id)
        return source + 1 if source is not None else row_id

    @Slot(int)
    def show_row(self, row_id: int) -> None:
        """Put a given row on the card (from the review or agreement lists)."""
        if self.queue is not None and row_id in self._texts:
            self.queue.go_to(int(row_id))
            self._show_current()

    @Slot(int)
    def _on_side_changed(self, index: int) -> None:
        if self.store is None:
            return
        if index == 2:
            self.agreement_panel.set_annotators(self.store.annotators())
            self._refresh_agreement()
        elif index == 1 and self.review_list.count() == 0:
            self._show_duplicates([])

    @Slot()
    def _refresh_agreement(self) -> None:
        a, b = self.agreement_panel.pair()
        if self.store is None or not a or not b or a == b:
            self.agreement_panel.show_result(None, self._display_row)
            return
        self.agreement_panel.show_result(self.store.agreement(a, b), self._display_row)

    # -- retraining --------------------------------------------------------------------------
    @Slot()
    def _on_retrain_clicked(self) -> None:
        if self._train_job is not None:
            self._train_job.cancel()
            return
        self.retrain()

    def retrain(self) -> JobHandle | None:
        """Train the current model kind on all labelled rows with the Training tab's settings."""
        if self.store is None:
            return None
        splits = self.store.split_data()
        present = {lab for texts, labels in splits.values() for lab in labels}
        if len(present) < 2:
            show_error(self, "Retrain", "Label rows of at least two classes first.")
            return None
        labels = [n for n in self.store.labels if n in present]
        config = self._retrain_config()
        data = {
            "train": list(splits["train"]),
            "validation": list(splits["validation"]),
            "test": list(splits["test"]),
            "labels": labels,
            "fingerprint": self.store.fingerprint(),
        }
        job = self._train_job = self.service.submit("train", {"config": config, "data": data})
        job.on_progress(self._on_progress)
        job.on_result(functools.partial(self._on_trained, config, data["fingerprint"]))
        job.on_failed(self._on_train_failed).on_cancelled(self._on_train_cancelled)
        job.on_finished(self._on_train_finished)
        self.retrain_button.setText("Cancel retraining")
        self.status_label.setText(f"Retraining {config.get('model')} on your labels…")
        self._show_job_progress(True)
        return self._train_job

    def _retrain_config(self) -> dict[str, Any]:
        """The Training tab's settings for the current model kind (see TrainingSettings)."""
        return TrainingSettings(self.state.settings).retrain_config(self.state.model_info)

    # -- the jobs' handles (GUI thread) ------------------------------------------------------
    def _on_progress(self, report: Progress) -> None:
        self.job_progress.setMaximum(max(1, report.total))
        self.job_progress.setValue(report.done)
        if self._train_job is not None or self._review_job is not None:
            self.status_label.setText(report.text)

    def _on_partial_scores(self, job: JobHandle, kind: str, payload: object) -> None:
        if kind != "scores" or not isinstance(payload, dict):
            return
        if self._score_jobs.get(job) != self._generation:
            return
        if self._apply_scores(payload, self._generation):
            self._refresh_suggestion()

    def _on_scores(self, job: JobHandle, payload: object) -> None:
        generation = self._score_jobs.pop(job, None)
        if generation != self._generation or self.queue is None or not isinstance(payload, dict):
            return
        self._apply_scores(payload, generation)
        phase = payload.get("phase")
        if phase == "sample":
            # The new model's sample is in: drop what an older model said.
            self._suggestions = {
                i: s for i, s in self._suggestions.items() if s[0] == self._generation
            }
            self.queue.set_scores(
                list(self._suggestions), [s[3] for s in self._suggestions.values()], replace=True
            )
        if phase in ("sample", "rest") and self.queue.order == "uncertainty":
            self.queue.rebuild()
            self.queue_reordered.emit("scores")
        self._refresh_suggestion()
        self._prefetch()

    def _on_score_failed(self, message: str, details: str) -> None:
        self.state.message(f"Could not score the label queue: {message}", 8000)
        self._refresh_suggestion()

    def _score_done(self, job: JobHandle) -> None:
        self._score_jobs.pop(job, None)
        if not self._score_jobs:
            self._show_job_progress(self._train_job is not None)

    def _on_explanation(self, row_id: int, payload: object) -> None:
        self._explain_job = None
        if self.queue is None or row_id != self.queue.current or not isinstance(payload, dict):
            return
        from desktop_app.ui.widgets.highlighted_text import highlight_html

        body, _tips = highlight_html(
            payload.get("tokens", []),
            payload.get("words", []),
            str(payload.get("label", "")),
            payload.get("max_abs_weight"),
        )
        self.card.show_highlight(body)

    def _on_explain_failed(self, message: str, details: str) -> None:
        self._explain_job = None
        self.state.message(f"Could not highlight the words: {message}", 5000)

    def _on_reviewed(self, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        self.review_panel.set_busy(
            False,
            f"{len(payload['suspicious']):,} suspicious of {payload['rows']:,} rows "
            f"({payload['folds']}-fold out-of-fold accuracy {100 * payload['oof_accuracy']:.0f}%).",
        )
        self._show_duplicates(payload["suspicious"])

    def _on_review_failed(self, message: str, details: str) -> None:
        self.review_panel.set_busy(False, message)

    def _on_review_cancelled(self) -> None:
        self.review_panel.set_busy(False, "Review cancelled.")

    def _on_review_finished(self, job: JobHandle) -> None:
        if job is self._review_job:
            self._review_job = None

    def _on_trained(self, config: dict[str, Any], fingerprint: str, payload: object) -> None:
        if not isinstance(payload, dict):
            return
        info = payload.get("model_info") or {}
        cancelled = bool(payload.get("cancelled"))
        metrics = payload.get("metrics") or {}
        accuracy = metrics.get("accuracy")
        self.status_label.setText(
            ("Retraining stopped early; " if cancelled else "Retrained; ")
            + (f"test accuracy {100 * accuracy:.1f}%" if accuracy is not None else "done")
        )
        run_id = None
        if self.store is not None:
            _ok, run_id = self.writer.guard(
                "Training run",
                self.store.add_training_run,
                str(info.get("kind") or config.get("model", "")),
                config,
                metrics,
                payload.get("history") or {},
                None,
                fingerprint,
            )
        if run_id is not None:
            folder = self._models_folder() / f"run-{run_id}"
            job = self.service.submit("save_model", {"folder": str(folder)})
            job.on_result(functools.partial(self._on_run_saved, run_id))
            job.on_failed(self._on_run_save_failed)
        # The new model re-orders the queue once its scores of the sample arrive (the worker
        # announces it: _on_model_changed).

    def _on_run_saved(self, run_id: int, info: object) -> None:
        folder = info.get("folder") if isinstance(info, dict) else None
        if self.store is not None and folder:
            self.writer.guard("Model folder", self.store.set_run_model_folder, run_id, str(folder))

    def _on_run_save_failed(self, message: str, details: str) -> None:
        self.state.message(f"Could not save the retrained model: {message}", 8000)

    def _on_train_failed(self, message: str, details: str) -> None:
        self.status_label.setText("Retraining failed")
        show_error(self, "Retrain with my labels", message, details)

    def _on_train_cancelled(self) -> None:
        self.status_label.setText("Retraining cancelled")

    def _on_train_finished(self) -> None:
        self._train_job = None
        self.retrain_button.setText("Retrain with my labels")
        self._show_job_progress(bool(self._score_jobs))

    def _models_folder(self) -> Path:
        path = Path(self.project_path)
        return path.with_name(path.stem + ".models")

    def _on_model_loaded(self, info: object) -> None:
        self._load_job = None
        self._start_scoring()  # scored here, not again when the announcement arrives

    def _on_model_load_failed(self, message: str, details: str) -> None:
        self._load_job = None
        self.state.message(f"Could not load the project's last model: {message}", 8000)
        self._start_scoring()

    def _on_model_load_finished(self) -> None:
        self._load_job = None

    def _show_job_progress(self, busy: bool) -> None:
        self.job_progress.setVisible(busy)
        if busy and not self.status_label.text():
            self.status_label.setText("Scoring the queue…")
        if not busy and self._train_job is None:
            scored = self.queue.scored if self.queue is not None else 0
            self.status_label.setText(f"{scored:,} rows scored" if scored else "")

    # -- export ------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self.store is None:
            return
        start = str(self.state.settings.value("export_dir", str(Path.home())))
        suggested = str(Path(start) / (Path(self.project_path).stem + "-labels.csv"))
        path, chosen = QFileDialog.getSaveFileName(self, "Export labels", suggested, EXPORT_FILTER)
        if not path:
            return
        if not Path(path).suffix:
            path += ".xlsx" if "xlsx" in chosen else ".jsonl" if "jsonl" in chosen else ".csv"
        self.state.settings.setValue("export_dir", str(Path(path).parent))
        self.export_to(path)

    def export_to(self, path: str) -> dict | None:
        from desktop_app.core.errors import UserError

        if self.store is None:
            return None
        try:
            report = self.store.export(
                path,
                labelled_only=self.labelled_only_check.isChecked(),
                protect_formulas=self.protect_check.isChecked(),
            )
        except UserError as exc:
            show_error(self, "Export labels", str(exc))
            return None
        extra = (
            f" ({report['neutralised_cells']:,} cells protected against formulas)"
            if report.get("neutralised_cells")
            else ""
        )
        self.state.message(f"Exported {report['rows']:,} rows to {path}{extra}", 8000)
        return report

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.pages.currentIndex() == 1:
            self.card.setFocus(Qt.FocusReason.OtherFocusReason)


_KEYS = {
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
    Qt.Key.Key_S,
    Qt.Key.Key_Backspace,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_N,
}
