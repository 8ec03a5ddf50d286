"""``sentiment-studio self-test``: prove that this installation works, end to end.

It starts the real main window offscreen, waits for the worker thread's device probe
(torch loads there), then drives the real worker jobs the tabs use: predict and explain
one sentence with VADER; load the sentences we ship in ``resources/selftest_sentences.csv``
with the real data loader, train a ``minilm-head`` model from the bundled encoder on them,
predict held-out sentences and explain one with it; save the model and load it back.
Each step is timed. Exit status 0 when every step passed; 1 with the failed step and the
reason otherwise. The same code runs from source and inside the frozen app, so a passing
self-test shows that the bundle's imports, data files, threads and Qt plugins all work.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Importing Qt does not pick the platform plugin; QApplication does, after run() sets it.
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Slot

HELP = (
    "run the app offscreen: predict, explain and train once on the real worker; exit 0 if all pass"
)

VADER_SENTENCE = "The staff were friendly and the food was wonderful."
# Held out from training: the trained model must get nearly all of them right.
CHECK_SENTENCES: list[tuple[str, str]] = [
    ("The waiter was kind and the dessert was delicious.", "positive"),
    ("I enjoyed every minute of this cheerful trip.", "positive"),
    ("A beautiful, relaxing weekend with great friends.", "positive"),
    ("The coffee was bitter and the service was terrible.", "negative"),
    ("The bus broke down and the driver was rude.", "negative"),
    ("A boring lecture that wasted my whole evening.", "negative"),
]
MIN_CORRECT = 5  # of the 6 check sentences


class SelfTestError(Exception):
    """A step failed; the message says what went wrong."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds each step may take before it counts as failed (default 300)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as one JSON document on stdout"
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="also write the JSON report to FILE (useful where the windowed app has no console)",
    )


def run(args: argparse.Namespace) -> int:
    # Offscreen before Qt loads: the self-test must run on machines without a screen (CI).
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    report = SelfTest(timeout=args.timeout, quiet=args.json).run()
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        from desktop_app.cli.common import print_json

        print_json(report)
    return 0 if report["passed"] else 1


def _say(text: str) -> None:
    # A windowed app on Windows has no stdout (None): then only --report carries the result.
    if sys.stdout is not None:
        print(text, flush=True)


class SelfTest:
    """Runs the steps in order; the first failure stops the run."""

    def __init__(self, timeout: float = 300.0, quiet: bool = False) -> None:
        self.timeout = timeout
        self.quiet = quiet
        self.steps: list[dict[str, Any]] = []
        self.window: Any = None
        self.jobs: Any = None
        self._tmp = tempfile.TemporaryDirectory(prefix="sentiment-studio-selftest-")

    # -- reporting ------------------------------------------------------------------
    def _out(self, text: str) -> None:
        if not self.quiet:
            _say(text)

    def step(self, name: str, func: Callable[[], str]) -> None:
        start = time.perf_counter()
        try:
            detail = func()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report line
            seconds = time.perf_counter() - start
            message = str(exc) if isinstance(exc, SelfTestError) else f"{type(exc).__name__}: {exc}"
            self.steps.append({"step": name, "ok": False, "seconds": seconds, "error": message})
            self._out(f"FAIL  {name:<34} {seconds:7.2f} s  {message}")
            if not isinstance(exc, SelfTestError) and sys.stderr is not None:
                import traceback

                traceback.print_exc(file=sys.stderr)
            raise SelfTestError(f"{name}: {message}") from exc
        seconds = time.perf_counter() - start
        self.steps.append({"step": name, "ok": True, "seconds": seconds, "detail": detail})
        self._out(f"ok    {name:<34} {seconds:7.2f} s  {detail}")

    # -- the run --------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from desktop_app import APP_NAME, __version__
        from desktop_app.paths import is_frozen

        self._out(
            f"{APP_NAME} {__version__} self-test ({'frozen app' if is_frozen() else 'from source'})"
        )
        start = time.perf_counter()
        failure = ""
        try:
            self.step("start GUI (offscreen main window)", self.start_gui)
            self.step("device probe on the worker", self.wait_probe)
            self.step("Qt binding keeps references", self.binding_references)
            self.step("VADER predict", self.vader_predict)
            self.step("VADER explain (LIME)", self.vader_explain)
            self.step("load self-test sentences", self.load_sentences)
            self.step("train minilm-head", self.train)
            self.step("minilm-head predict", self.trained_predict)
            self.step("minilm-head explain (LIME)", self.trained_explain)
            self.step("save and reload the model", self.save_and_load)
        except SelfTestError as exc:
            failure = str(exc)
        finally:
            try:
                self.step("close window, stop worker", self.close)
            except SelfTestError as exc:
                failure = failure or str(exc)
            self._tmp.cleanup()
        total = time.perf_counter() - start
        if failure:
            self._out(f"self-test FAILED after {total:.1f} s: {failure}")
            if self.quiet and sys.stderr is not None:
                print(f"error: self-test failed: {failure}", file=sys.stderr, flush=True)
        else:
            self._out(f"self-test passed in {total:.1f} s")
        return {
            "passed": not failure,
            "error": failure or None,
            "total_seconds": total,
            "frozen": is_frozen(),
            "version": __version__,
            "steps": self.steps,
        }

    # -- steps ----------------------------------------------------------------------
    def start_gui(self) -> str:
        from PySide6.QtCore import QSettings

        from desktop_app.ui.app import create_application
        from desktop_app.ui.main_window import MainWindow

        app = create_application()
        # Settings in a temporary folder: the self-test leaves the user's settings alone.
        settings = QSettings(str(Path(self._tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
        self.window = MainWindow(settings=settings)
        # Listen before the event loop runs, so the probe MainWindow submitted is not missed.
        self.jobs = JobWaiter(self.window.service, self.timeout)
        self.window.show()
        app.processEvents()
        if not self.window.isVisible():
            raise SelfTestError("the main window did not become visible")
        return f"{self.window.tabs.count()} tabs, platform {app.platformName()}"

    def wait_probe(self) -> str:
        info = self.jobs.wait_probe()
        text = self.window.device_label.text()
        if "unavailable" in text or "loading" in text:
            raise SelfTestError(f"status bar still says {text!r} after the probe")
        versions = info.get("versions", {})
        return f"{info.get('name')}; torch {versions.get('torch')}, {text!r}"

    def binding_references(self) -> str:
        from desktop_app.ui.binding_check import reference_drift, sound

        drift = reference_drift(20000)
        if not sound(drift):
            raise SelfTestError(
                f"the Qt binding loses references ({drift['true']:+d} to True over "
                f"{drift['calls']} signal emits, {drift['none']:+d} to None over "
                f"{drift['calls']} setText calls): long sessions would crash"
            )
        return f"True {drift['true']:+d}, None {drift['none']:+d} over {drift['calls']} calls each"

    def vader_predict(self) -> str:
        self.jobs.run("use_vader", {})
        result = self.jobs.run("predict", {"texts": [VADER_SENTENCE]})
        label = _check_prediction(result, 1)[0]
        if label != "positive":
            raise SelfTestError(f"VADER called a plainly positive sentence {label!r}")
        return f"{label} ({max(result['probabilities'][0]):.2f})"

    def vader_explain(self) -> str:
        result = self.jobs.run("explain", _explain_params(VADER_SENTENCE, num_samples=300))
        return _check_explanation(result, VADER_SENTENCE)

    def load_sentences(self) -> str:
        from desktop_app.core.data.dataset import load_dataset
        from desktop_app.core.training.data import TrainData
        from desktop_app.paths import resource

        path = resource("selftest_sentences.csv")
        if not path.is_file():
            raise SelfTestError(f"{path} is missing from this installation")
        dataset = load_dataset(str(path)).split(0.8, 0.1, 0.1, seed=0)
        if list(dataset.labels) != ["negative", "positive"]:
            raise SelfTestError(f"labels read as {dataset.labels}, expected negative/positive")
        data = TrainData.from_dataset(dataset)
        self.data = data.to_dict()
        sizes = ", ".join(f"{name} {n}" for name, n in data.sizes().items())
        return f"{len(dataset.frame)} rows ({sizes})"

    def train(self) -> str:
        from desktop_app.core.training.config import TrainConfig

        config = TrainConfig(model="minilm-head", device="cpu", seed=0).to_dict()
        result = self.jobs.run("train", {"config": config, "data": self.data})
        if result.get("cancelled"):
            raise SelfTestError("training stopped as cancelled")
        info = result.get("model_info") or {}
        if info.get("kind") != "minilm-head":
            raise SelfTestError(f"the trained model is {info.get('kind')!r}, not minilm-head")
        accuracy = (result.get("metrics") or {}).get("accuracy")
        accuracy_text = f"{accuracy:.2f}" if isinstance(accuracy, (int, float)) else "n/a"
        return f"test accuracy {accuracy_text}, {result.get('train_seconds', 0):.1f} s in training"

    def trained_predict(self) -> str:
        texts = [text for text, _ in CHECK_SENTENCES]
        result = self.jobs.run("predict", {"texts": texts})
        predicted = _check_prediction(result, len(texts))
        correct = sum(p == want for p, (_, want) in zip(predicted, CHECK_SENTENCES, strict=True))
        if correct < MIN_CORRECT:
            wrong = [
                t for p, (t, want) in zip(predicted, CHECK_SENTENCES, strict=True) if p != want
            ]
            raise SelfTestError(
                f"only {correct}/{len(texts)} held-out sentences right (wrong: {wrong})"
            )
        return f"{correct}/{len(texts)} held-out sentences right"

    def trained_explain(self) -> str:
        text = CHECK_SENTENCES[3][0]
        result = self.jobs.run("explain", _explain_params(text, num_samples=300))
        return _check_explanation(result, text)

    def save_and_load(self) -> str:
        folder = str(Path(self._tmp.name) / "model")
        self.jobs.run("save_model", {"folder": folder})
        info = self.jobs.run("load_model", {"folder": folder})
        if info.get("kind") != "minilm-head":
            raise SelfTestError(f"the reloaded model is {info.get('kind')!r}, not minilm-head")
        result = self.jobs.run("predict", {"texts": [CHECK_SENTENCES[0][0]]})
        label = _check_prediction(result, 1)[0]
        return f"reloaded from {folder}; predicts {label!r}"

    def close(self) -> str:
        if self.window is None:
            return "no window"
        from PySide6.QtWidgets import QApplication

        service = self.window.service
        self.window.close()
        QApplication.processEvents()
        if self.window.isVisible():
            raise SelfTestError("the main window refused to close")
        if service.thread.isRunning():
            raise SelfTestError("the worker thread is still running after the window closed")
        return "worker thread stopped"


# -- checks -------------------------------------------------------------------------------
def _explain_params(text: str, num_samples: int) -> dict[str, Any]:
    return {"text": text, "num_samples": num_samples, "num_features": 6, "seed": 0, "runs": 1}


def _check_prediction(result: dict, n: int) -> list[str]:
    labels = result.get("labels") or []
    probabilities = result.get("probabilities") or []
    predicted = result.get("predicted") or []
    if len(predicted) != n or len(probabilities) != n:
        raise SelfTestError(f"expected {n} predictions, got {len(predicted)}")
    for row, label in zip(probabilities, predicted, strict=True):
        if len(row) != len(labels) or not math.isclose(sum(row), 1.0, abs_tol=1e-3):
            raise SelfTestError(f"probabilities {row} do not sum to 1 over {labels}")
        if label not in labels:
            raise SelfTestError(f"predicted label {label!r} is not one of {labels}")
    return [str(p) for p in predicted]


def _check_explanation(result: dict, text: str) -> str:
    words = result.get("words") or []
    if not words:
        raise SelfTestError("the explanation has no words")
    if result.get("text") != text:
        raise SelfTestError("the explanation is for another text")
    weights = [w.get("mean_weight") for w in words]
    if not all(isinstance(w, (int, float)) and math.isfinite(w) for w in weights):
        raise SelfTestError(f"explanation weights are not finite numbers: {weights}")
    top = words[0]
    return (
        f"{result.get('label')}: top word {top['word']!r} ({top['mean_weight']:+.3f}), "
        f"{len(words)} words"
    )


# -- waiting for the worker ---------------------------------------------------------------
class JobWaiter(QObject):
    """Submits jobs to the real ModelService and waits for their signals in an event loop.

    Lives on the GUI thread; the service's signals connect to its bound slots only.
    """

    def __init__(self, service: Any, timeout: float) -> None:
        super().__init__()
        self.service = service
        self.timeout = timeout
        self.results: dict[int, Any] = {}
        self.failures: dict[int, str] = {}
        self.cancelled: set[int] = set()
        self.done: set[int] = set()
        self.mine: set[int] = set()
        self.probe: Any = None
        self.probe_error = ""
        self._loop: QEventLoop | None = None
        service.result.connect(self._on_result)
        service.failed.connect(self._on_failed)
        service.cancelled.connect(self._on_cancelled)
        service.finished.connect(self._on_finished)

    @Slot(int, str, object)
    def _on_result(self, job_id: int, name: str, payload: object) -> None:
        if name == "probe" and job_id not in self.mine:
            self.probe = payload
        self.results[job_id] = payload

    @Slot(int, str, str)
    def _on_failed(self, job_id: int, message: str, details: str) -> None:
        text = message + (f"\n{details}" if details else "")
        self.failures[job_id] = text
        if job_id not in self.mine:
            # The only job we did not submit is the window's own device probe.
            self.probe_error = text

    @Slot(int, str)
    def _on_cancelled(self, job_id: int, name: str) -> None:
        self.cancelled.add(job_id)

    @Slot(int)
    def _on_finished(self, job_id: int) -> None:
        self.done.add(job_id)
        if self._loop is not None:
            self._loop.quit()

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0:
                raise SelfTestError(f"{what} did not finish within {self.timeout:.0f} s")
            loop = QEventLoop()
            self._loop = loop
            QTimer.singleShot(int(min(left, 0.25) * 1000), loop.quit)
            loop.exec()
            self._loop = None

    def wait_probe(self) -> dict:
        self._wait(lambda: self.probe is not None or bool(self.probe_error), "device probe")
        if self.probe_error:
            raise SelfTestError(f"the device probe failed: {self.probe_error}")
        # Let the window handle the same result (status bar) before we look at it.
        QCoreApplication.processEvents()
        return dict(self.probe)

    def run(self, name: str, params: dict) -> Any:
        job_id = self.service.submit(name, params).id
        self.mine.add(job_id)
        self._wait(lambda: job_id in self.done, f"job {name!r}")
        if job_id in self.failures:
            raise SelfTestError(f"job {name!r} failed: {self.failures[job_id]}")
        if job_id in self.cancelled:
            raise SelfTestError(f"job {name!r} was cancelled")
        return self.results[job_id]
