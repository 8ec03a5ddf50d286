"""The Ray engine in the app: the Predict tab's "Run on" box and the Training tab's.

Without Ray the boxes say how to install it; "Test connection" names an unreachable address;
the slow tests (``make test-scale``) predict a file on a local Ray instance from the Predict
tab (the Parquet file equals the local engine's results), cancel a run (no Ray process is left
behind) and train a BiLSTM on 2 Ray workers from the Training tab.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from desktop_app.ui.predict.ray_run import NOT_A_FILE, NOT_SAVED, default_output, model_spec
from desktop_app.ui.widgets.engine_box import RAY
from tests.ui.conftest import announce_model
from tests.ui.training_helpers import MPL_WARNING

ROWS = 600


def predict_panel(window):
    return window.findChild(object, "predictFilePanel")


def choose_ray(box) -> None:
    box.engine_combo.setCurrentIndex(box.engine_combo.findData(RAY))


@pytest.fixture
def no_ray(monkeypatch):
    """Ray looks uninstalled: find_spec("ray") answers None, as on a machine without it."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "ray" or name.startswith("ray.") else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_without_ray_the_boxes_say_how_to_install_it(no_ray, main_window, qtbot):
    window = main_window
    qtbot.wait(10)  # the tabs' start-up timers run
    training = window.findChild(object, "trainingTab")
    for box in (predict_panel(window).ray_run.box, training.engine.box):
        assert not box.available
        assert not box.engine_combo.isEnabled()
        assert box.engine_combo.currentData() == "local"
        assert not box.uses_ray()
        assert not box.install_hint.isHidden()
        assert "pip install 'sentiment-studio[scale]'" in box.install_hint.text()
        assert box.ray_options.isHidden()
    assert not predict_panel(window).ray_run.active()
    assert training.engine.job_params() == {}


def test_a_ray_choice_made_elsewhere_is_not_offered_without_ray(no_ray, qtbot, _isolated_home):
    from PySide6.QtCore import QSettings

    from desktop_app.ui.widgets.engine_box import EngineBox

    settings = QSettings(str(_isolated_home / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("ray/predict/engine", RAY)  # chosen on a machine that had Ray
    box = EngineBox(settings, "predict")
    qtbot.addWidget(box)
    assert box.engine_combo.currentData() == "local" and not box.uses_ray()
    box.test_connection()  # nothing to ask without Ray
    assert box._test is None


def test_test_connection_names_an_unreachable_address(main_window, qtbot):
    pytest.importorskip("ray")
    box = predict_panel(main_window).ray_run.box
    assert box.available and box.install_hint.isHidden()
    choose_ray(box)
    assert not box.ray_options.isHidden()
    box.address_edit.setText("127.0.0.1:1")  # nothing listens on port 1
    qtbot.mouseClick(box.test_button, qtbot_button())
    qtbot.waitUntil(lambda: "Cannot reach" in box.status_label.text(), timeout=20000)
    assert "127.0.0.1:1" in box.status_label.text()
    assert "leave the address empty" in box.status_label.text()
    qtbot.waitUntil(lambda: box.test_button.isEnabled(), timeout=5000)


def test_test_connection_describes_this_computer(main_window, qtbot):
    pytest.importorskip("ray")
    box = predict_panel(main_window).ray_run.box
    choose_ray(box)
    box.test_connection()
    qtbot.waitUntil(lambda: "This computer:" in box.status_label.text(), timeout=30000)
    cpus = os.cpu_count()
    assert f"1 node, {cpus} CPU{'' if cpus == 1 else 's'}" in box.status_label.text()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_a_ray_run_needs_a_file_and_a_saved_model(main_window, qtbot, tmp_path):
    pytest.importorskip("ray")
    assert model_spec({"kind": "vader", "folder": None}) == "vader"
    with pytest.raises(Exception, match="save it first"):
        model_spec({"kind": "bilstm", "folder": None, "saved": False})
    assert model_spec({"kind": "bilstm", "folder": str(tmp_path), "saved": True}) == str(tmp_path)
    assert default_output("/d/reviews.csv") == "/d/reviews.predictions.parquet"

    panel = predict_panel(main_window)
    choose_ray(panel.ray_run.box)
    assert panel.results.isHidden()
    assert not panel.ray_run.result_view.isHidden()
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\ngood film,positive\nbad film,negative\n", encoding="utf-8")
    panel.load_file(str(data))
    qtbot.waitUntil(lambda: panel.batch_button.isEnabled(), timeout=20000)
    # A model whose folder is gone (an unsaved one would make closing the window ask).
    gone = str(tmp_path / "gone")
    announce_model(main_window, {"kind": "bilstm", "name": "Gone", "folder": gone, "saved": True})
    qtbot.mouseClick(panel.batch_button, qtbot_button())
    assert panel.batch_status.text() == NOT_SAVED
    assert panel.ray_run.job is None
    panel.batch_data.source = "the Dataset tab"  # the workspace's rows have no file to read
    panel.predict_file()
    assert panel.batch_status.text() == NOT_A_FILE
    # Back on this computer, the local table is the one shown.
    panel.ray_run.box.engine_combo.setCurrentIndex(0)
    assert not panel.results.isHidden()
    assert panel.ray_run.result_view.isHidden()


def test_the_training_box_sends_ray_settings_for_the_kinds_that_use_them(main_window):
    pytest.importorskip("ray")
    tab = main_window.findChild(object, "trainingTab")
    engine = tab.engine
    assert engine.job_params() == {}
    choose_ray(engine.box)
    engine.box.workers_spin.setValue(2)
    select(tab, "bilstm")
    assert engine.job_params() == {
        "engine": {
            "name": "ray",
            "ray": {"address": "", "workers": 2, "gpus_per_worker": 0.0, "cpus_per_worker": 1},
        }
    }
    assert engine.box.note_label.isHidden()
    select(tab, "minilm-head")
    assert engine.job_params() == {}
    assert not engine.box.note_label.isHidden()
    assert "does not need Ray" in engine.box.note_label.text()


def select(tab, key: str) -> None:
    combo = tab.model_combo
    combo.setCurrentIndex(combo.findData(key))
    assert tab.picker.choice() == key


def test_the_train_job_runs_local_kinds_here(monkeypatch):
    """minilm-head asked to go to Ray trains here and says why (the worker's train job)."""
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.jobs.models import _engine

    logged: list[str] = []

    class Ctx:
        def log(self, line: str) -> None:
            logged.append(line)

    ray = {"name": "ray", "ray": {"address": "", "workers": 2}}
    assert _engine(TrainConfig(model="minilm-head"), ray, Ctx()) is None
    assert "does not need Ray" in logged[0]
    chosen = _engine(TrainConfig(model="bilstm"), ray, Ctx())
    assert chosen.workers == 2 and chosen.address == ""
    assert _engine(TrainConfig(model="bilstm"), None, Ctx()) is None


# -- a real local Ray instance (slow: Ray starts from the Predict tab's task thread) -------
@pytest.fixture(scope="session")
def ray_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ray-gui-home")


@pytest.fixture
def same_home(ray_home, monkeypatch) -> None:
    """One HOME for every Ray start of the session, as in the app: Ray keeps the token it
    wrote to ~/.ray/auth_token at the first start, and a later start's server looks for it
    in HOME again."""
    monkeypatch.setenv("HOME", str(ray_home))


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    bert = make_tiny_bert(tmp_path / "bert")
    model = TransformerModel.create(str(bert), ["negative", "positive"])
    model.save(tmp_path / "model")
    return tmp_path / "model"


@pytest.fixture
def reviews_csv(tmp_path) -> Path:
    import pandas as pd

    from tests.core.tiny_models import sentences

    texts, labels = sentences(ROWS, seed=3)
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"review": texts, "sentiment": labels}).to_csv(path, index=False)
    return path


def load_model(window, qtbot, folder: Path) -> None:
    job = window.service.submit("load_model", {"folder": str(folder)})
    with qtbot.waitSignal(job.finished, timeout=60000):
        pass
    assert job.status == "succeeded", job.error
    qtbot.waitUntil(lambda: window.state.model_info.get("folder") == str(folder), timeout=5000)


def ready_panel(window, qtbot, tiny_folder: Path, data: Path, out: Path):
    load_model(window, qtbot, tiny_folder)
    panel = predict_panel(window)
    panel.load_file(str(data))
    qtbot.waitUntil(lambda: panel.batch_button.isEnabled(), timeout=30000)
    assert panel.text_combo.currentText() == "review"
    box = panel.ray_run.box
    choose_ray(box)
    box.workers_spin.setValue(1)
    panel.ray_run.out_edit.setText(str(out))
    return panel


@pytest.mark.slow
def test_predict_a_file_on_local_ray_from_the_predict_tab(
    same_home, main_window, qtbot, tiny_folder, reviews_csv, tmp_path
):
    pytest.importorskip("ray")
    import pandas as pd

    from tests.scale.test_scale_predict import assert_same, local_frame

    out = tmp_path / "ray.parquet"
    panel = ready_panel(main_window, qtbot, tiny_folder, reviews_csv, out)
    qtbot.mouseClick(panel.batch_button, qtbot_button())
    assert panel.batch_cancel_button.isEnabled() and not panel.batch_button.isEnabled()
    reports: list[str] = []
    panel.ray_run.job.progressed.connect(lambda report: reports.append(report.text))
    qtbot.waitUntil(lambda: panel.ray_run.job is None, timeout=300000)
    assert panel.batch_status.text() == "Done.", panel.ray_run.result_view.summary_label.text()
    assert any("Predicted" in text for text in reports)
    summary = panel.ray_run.result_view.summary_label.text()
    assert str(out) in summary and f"Wrote {ROWS:,} rows" in summary
    preview = panel.ray_run.result_view.table.model()
    assert preview.rowCount() == 50
    headers = [preview.headerData(i, _horizontal()) for i in range(preview.columnCount())]
    assert headers[:4] == ["source_row", "text", "predicted", "confidence"]
    assert_same(local_frame(tiny_folder, reviews_csv, tmp_path), pd.read_parquet(out))
    assert panel.batch_button.isEnabled() and not panel.batch_cancel_button.isEnabled()


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def commands(pids: set[int]) -> list[str]:
    found = []
    for pid in sorted(pids):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode()
            found.append(f"{pid}: {command[:120]}")
        except OSError:
            found.append(f"{pid}: (gone)")
    return found


@pytest.mark.slow
# Ray Data's executor thread ends with SystemExit when the run's Ray stops under it (Cancel).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_cancel_stops_the_ray_run_and_leaves_no_ray_process(
    same_home, main_window, qtbot, tiny_folder, reviews_csv, tmp_path
):
    ray = pytest.importorskip("ray")
    from tests.scale.procs import descendants, wait_gone, workers

    held = ray.is_initialized()  # a session instance of the scale tests: it stays
    before = {pid for pid, _ in descendants()}
    out = tmp_path / "cancelled.parquet"
    panel = ready_panel(main_window, qtbot, tiny_folder, reviews_csv, out)
    qtbot.mouseClick(panel.batch_button, qtbot_button())
    seen: set[int] = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and panel.ray_run.job is not None:
        found = descendants()
        seen |= {pid for pid, _ in found}
        if workers("Predictor"):
            break
        qtbot.wait(200)
    assert workers("Predictor"), panel.batch_status.text()
    qtbot.mouseClick(panel.batch_cancel_button, qtbot_button())
    qtbot.waitUntil(lambda: panel.ray_run.job is None, timeout=120000)
    assert panel.batch_status.text() == "Cancelled: the Ray workers were stopped."
    assert not list(tmp_path.glob("cancelled.parquet*"))
    assert not wait_gone(set(workers("Predictor")), timeout=30)
    if not held:
        left = wait_gone((seen | {pid for pid, _ in descendants()}) - before, timeout=60)
        assert not left, f"Ray processes left after Cancel: {commands(left)}"
    assert panel.batch_button.isEnabled()


@pytest.mark.slow
@MPL_WARNING
def test_train_a_bilstm_on_two_ray_workers_from_the_training_tab(
    same_home, main_window, qtbot, tmp_path, monkeypatch
):
    """Start with Run on: Ray cluster… trains on Ray Train (2 workers, local Ray) and the
    result becomes the current model with the plot, the metrics and the log of a local run."""
    pytest.importorskip("ray")
    from desktop_app.ui.training import dialogs
    from tests.ui.training_helpers import click, set_tiny_bilstm, split_dataset
    from tests.ui.training_helpers import training_tab as show_training_tab

    monkeypatch.setattr(dialogs, "ask_quit", lambda parent, text: True)  # unsaved at the end
    main_window.state.workspace.set_dataset(split_dataset(tmp_path))
    tab = show_training_tab(main_window)
    set_tiny_bilstm(tab, epochs=2)
    choose_ray(tab.engine.box)
    tab.engine.box.workers_spin.setValue(2)
    before = main_window.state.model_info.get("id")
    # The Dataset tab's start-up imports (NLTK) first: two threads importing NLTK at once
    # can get a half-initialised module.
    dataset_tab = main_window.tab_widgets["datasetTab"]
    qtbot.waitUntil(lambda: not dataset_tab.runner.is_busy(), timeout=60000)
    click(qtbot, tab.start_button)
    job = tab._train_job
    assert not tab.engine.box.engine_combo.isEnabled()  # fixed while the run goes
    qtbot.waitUntil(lambda: not job.active, timeout=400000)
    assert job.status == "succeeded", job.error
    qtbot.waitUntil(lambda: tab.start_button.isEnabled(), timeout=30000)
    result = job.result
    assert result["engine"] == "ray" and result["workers"] == 2
    assert not result["cancelled"] and len(result["history"]["epochs"]) == 2
    assert "Training on 2 Ray workers on this computer." in tab.log_view.toPlainText()
    info = main_window.state.model_info
    assert info["id"] != before and info["kind"] == "bilstm"
    qtbot.waitUntil(lambda: tab.loss_plot.point_count() > 0, timeout=5000)
    assert tab.engine.box.engine_combo.isEnabled()
