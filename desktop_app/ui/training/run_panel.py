"""The Training tab's right side: progress, what the run trains on, live plot, log, results.

What a user sees of a run says what it was computed on: the run line names the model, the
data source (file or project) and the train / validation / test counts, from Start until the
next run. The results (metrics, confusion matrix, loss curves) remember the model that
produced them (its ``id`` from the worker's announcement); when the worker announces another
model (loaded, retrained in the Label tab, reset to VADER), they are kept for comparison and
marked by a banner naming the model they came from.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from desktop_app.ui.widgets.job_progress import JobProgress
from desktop_app.ui.widgets.loss_plot import LossPlot
from desktop_app.ui.widgets.metrics_view import MetricsView


@dataclass
class RunInfo:
    """What a run trains: the model, the data source and the split sizes."""

    model: str  # how the run is named: "BiLSTM", "transformer distilbert-base-uncased"
    source: str  # "reviews.csv", "reviews.sstudio"
    source_kind: str  # "file" | "project"
    sizes: dict[str, int] = field(default_factory=dict)  # train, validation, test
    started: float = field(default_factory=time.time)

    def counts_text(self) -> str:
        s = self.sizes
        return (
            f"{s.get('train', 0):,} train · {s.get('validation', 0):,} validation · "
            f"{s.get('test', 0):,} test texts"
        )

    def text(self) -> str:
        what = "project, current labels" if self.source_kind == "project" else self.source_kind
        return f"{self.model} on {self.source} ({what}): {self.counts_text()}"


class RunPanel(QWidget):
    """Shows one run at a time; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: RunInfo | None = None
        self.results_model: dict[str, Any] | None = None  # model_info of what is shown
        self._running = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)

        self.job_progress = JobProgress(
            busy_text="Training…",
            bar_name="trainingProgress",
            label_name="progressLabel",
            text="Idle",
            hide_when_idle=False,
            label_stretch=0,
        )
        self.job_progress.bar.setFormat("%p%")
        self.job_progress.label.setMinimumWidth(260)
        layout.addWidget(self.job_progress)

        self.run_label = QLabel("No run yet: Start trains the chosen model on the data.")
        self.run_label.setObjectName("runDataLabel")
        self.run_label.setWordWrap(True)
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.run_label)

        self.stale_banner = QLabel()
        self.stale_banner.setObjectName("staleResultsBanner")
        self.stale_banner.setWordWrap(True)
        # Fixed colours: the banner must stand out in light and dark themes alike.
        self.stale_banner.setStyleSheet(
            "#staleResultsBanner { background: #fff4ce; color: #4d3800; border: 1px solid "
            "#e0b000; border-radius: 3px; padding: 4px 6px; }"
        )
        self.stale_banner.hide()
        layout.addWidget(self.stale_banner)

        self.loss_plot = LossPlot()
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("trainingLog")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.log_view.setPlaceholderText("Training messages appear here.")
        live = QSplitter(Qt.Orientation.Horizontal)
        live.addWidget(self.loss_plot)
        live.addWidget(self.log_view)
        live.setStretchFactor(0, 3)
        live.setStretchFactor(1, 2)
        live.setChildrenCollapsible(False)

        self.metrics_view = MetricsView()
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.setObjectName("trainingRunSplitter")
        vertical.addWidget(live)
        vertical.addWidget(self.metrics_view)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 2)
        vertical.setSizes([330, 470])  # proportions: the results (and their examples) get more
        vertical.setChildrenCollapsible(False)
        layout.addWidget(vertical, 1)

    # -- a run -----------------------------------------------------------------------------
    def begin(
        self,
        run: RunInfo,
        *,
        epochs: int | None,
        total_steps: int | None,
        expected_loss: float | None,
    ) -> None:
        """Forget the previous run's results and show what this one trains on."""
        self.run = run
        self.results_model = None
        self._running = True
        self.stale_banner.hide()
        self.run_label.setText(f"Training {html.escape(run.text())}")
        self.loss_plot.reset(epochs, total_steps=total_steps, expected_loss=expected_loss)
        self.metrics_view.clear("Training… the results appear here when the run finishes.")
        self.append_log(f"Starting: {run.text()}.")
        # Timed from here too, for a run cancelled before the worker begins it.
        self.job_progress.job_started("Waiting for the worker…")

    def show_result(self, result: dict, current_model: dict) -> None:
        """The run's results, remembered as the work of ``result["model_info"]``."""
        self.loss_plot.finish()
        self.results_model = dict(result.get("model_info") or {})
        self.metrics_view.show_result(result)
        if self.run is not None:
            what = "Evaluated" if self.results_model.get("kind") == "vader" else "Trained"
            self.run_label.setText(
                f"{what} at {time.strftime('%H:%M', time.localtime(self.run.started))}: "
                f"{html.escape(self.run.text())}"
            )
        self.model_announced(current_model)

    def show_run(self, run: dict, model_info: dict, current_model: dict) -> None:
        """A kept run (``run.json``, from the ``load_run`` job) loaded as the current model:
        its metrics, confusion matrix and loss curves as they were when it finished."""
        data_path = str(run.get("data_path") or "")
        self.run = RunInfo(
            str(run.get("model_name") or run.get("kind") or "model"),
            str(run.get("data") or "unknown data"),
            "project" if data_path.lower().endswith(".sstudio") else "file",
            dict(run.get("sizes") or {}),
            float(run.get("created_ts") or time.time()),
        )
        history = run.get("history") or {}
        steps = list(history.get("steps") or [])
        planned = int((run.get("config") or {}).get("epochs") or 0) or None
        total = max((int(s.get("total_steps") or 0) for s in steps), default=0) or None
        self.loss_plot.reset(planned, total_steps=total)
        self.loss_plot.add_steps(steps)
        for epoch in history.get("epochs") or []:
            self.loss_plot.add_epoch(epoch)
        self.loss_plot.finish()
        result = {
            "metrics": run.get("metrics") or {},
            "baseline": run.get("baseline_vader"),
            "train_seconds": run.get("train_seconds"),
            "truncated": run.get("truncated"),
            "cancelled": run.get("cancelled"),
            "stopped_at": run.get("stopped_at"),
            "model_info": model_info,
        }
        self._running = False
        self.results_model = dict(model_info)
        self.stale_banner.hide()
        self.metrics_view.show_result(result)
        created = str(run.get("created") or "")[:16].replace("T", " ")
        self.run_label.setText(
            f"Run <b>{html.escape(str(run.get('name') or run.get('id')))}</b> "
            f"({html.escape(str(run.get('id') or ''))}), trained {html.escape(created)}: "
            f"{html.escape(self.run.text())}"
        )
        self.append_log(f"Showing the results of run {run.get('name')} as they were kept.")
        self.model_announced(current_model)

    def end(self, outcome: str, elapsed: float) -> None:
        """The run's job ended (after its result, failure or cancellation)."""
        self._running = False
        self.loss_plot.finish()
        self.job_progress.finish(f"{outcome or 'Stopped'} after {elapsed:.0f} s")

    def clear(self, message: str) -> None:
        """No results to show (a run that failed or was cancelled before it had a model)."""
        self.results_model = None
        self.stale_banner.hide()
        self.metrics_view.clear(message)

    def append_log(self, line: str) -> None:
        self.log_view.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {line}")

    # -- the model the results belong to -------------------------------------------------------
    def model_announced(self, info: dict) -> None:
        """The worker's current model is ``info``: mark the results if another made them."""
        if self._running or not self.results_model:
            return  # a run in progress: its own result follows
        mine = self.results_model.get("id")
        if mine and info.get("id") == mine:
            self.stale_banner.hide()
            return
        name = html.escape(str(self.results_model.get("name") or "an earlier model"))
        when = ""
        if self.run is not None:
            when = f" (trained at {time.strftime('%H:%M', time.localtime(self.run.started))})"
        current = html.escape(str(info.get("name") or "another model"))
        self.stale_banner.setText(
            f"<b>From model {name}{when}</b>, not from the current model ({current}): kept "
            "for comparison. Start trains and tests again."
        )
        self.stale_banner.show()
        self.append_log(
            f"The current model is now {info.get('name') or 'another model'}: the results "
            f"shown are from {self.results_model.get('name') or 'an earlier model'}."
        )

    def stale(self) -> bool:
        """Whether the results shown come from a model other than the current one."""
        return not self.stale_banner.isHidden()
