"""Start the real main window and drive it into the state a README screenshot shows.

    PYTHONPATH=$PWD ../shared/tools/screenshot docs/screenshot-dataset.png --wait 60 -- \\
        .venv/bin/python scripts/screenshot_state.py dataset

States and their pictures: dataset (tweeteval_val.csv opened), training (a BiLSTM on
rt_polarity.csv at 60 %), training-results (that run finished, a confusion cell clicked),
predict (one text and tweeteval_val.csv predicted by VADER), explain (LIME on one sentence),
label (a project of 400 tweets, 120 labelled, one suggestion accepted with Enter).
Settings, projects and runs go to a fresh temporary home (SENTIMENT_STUDIO_HOME and HOME), so
the pictures never depend on, or change, the user's own. The data comes from ../shared/data
(see its README). Once the state is reached the script prints "ready after N s" and keeps the
window open for the screenshot tool. A training run goes on meanwhile, so for the training
states pass ``--shoot docs/X.png`` (the screen is saved at once; give the tool a --wait longer
than the run, about 260 s on two busy cores, and a throwaway OUT). ``--grab OUT.png`` saves the
window alone, also without a display (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "sentiment"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/sentiment")
STATES = ("dataset", "training", "training-results", "predict", "explain", "label")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", choices=STATES)
    parser.add_argument("--grab", help="also save the window to this PNG when ready")
    parser.add_argument(
        "--shoot", help="when ready, save the X screen to this PNG (ImageMagick's import)"
    )
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="sstudio-shot-"))
    os.environ["SENTIMENT_STUDIO_HOME"] = str(home / "studio")
    os.environ["HOME"] = str(home)

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from desktop_app.ui.app import create_application
    from desktop_app.ui.main_window import MainWindow

    app = create_application([sys.argv[0]])
    settings = QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("label/annotator", "ana")  # no "who is labelling?" question
    window = MainWindow(settings=settings)
    width, height = (int(v) for v in args.size.split("x"))
    window.move(0, 0)
    window.resize(width, height)
    window.show()
    window.activateWindow()  # no window manager under Xvfb: give the window the focus
    started = time.monotonic()

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def wait_until(condition, timeout: float = 900.0, step: float = 0.2) -> None:  # noqa: ANN001
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting in state {args.state!r}")
            spin(step)

    wait_until(lambda: bool(window.state.device_info))  # the engine is loaded
    tabs = window.tab_widgets
    state = args.state

    if state == "dataset":
        dataset_tab = tabs["datasetTab"]
        window.open_path(str(DATA / "tweeteval_val.csv"))
        wait_until(lambda: window.state.workspace.dataset is not None)
        spin(4)  # statistics and charts follow the table
        dataset_tab.side.setCurrentIndex(0)

    elif state in ("training", "training-results"):
        data = DATA / "rt_polarity.csv"
        window.open_path(str(data))
        wait_until(lambda: window.state.workspace.dataset is not None)
        spin(2)
        tab = tabs["trainingTab"]
        window.tabs.setCurrentWidget(tab)
        tab.model_combo.setCurrentIndex(tab.model_combo.findData("bilstm"))
        tab.form.field("epochs").setValue(5)
        spin(1)
        tab.start_button.click()
        bar = tab.job_progress.bar
        if state == "training":
            # Mid-run: the loss plot has points from more than one epoch.
            wait_until(lambda: bar.maximum() > 0 and bar.value() >= 0.6 * bar.maximum())
        else:
            wait_until(lambda: tab.is_training())
            wait_until(lambda: not tab.is_training())
            spin(2)
            tab.metrics_view.confusion.select(0, 1)  # true negative, predicted positive

    elif state == "predict":
        tab = tabs["predictTab"]
        window.tabs.setCurrentWidget(tab)
        tab.file.load_file(str(DATA / "tweeteval_val.csv"))
        wait_until(lambda: tab.file.batch_button.isEnabled())
        tab.file.batch_button.click()
        wait_until(lambda: tab.file._job is None and tab.file.export_button.isEnabled())
        tab.single.text_edit.setPlainText(
            "The cast is wonderful, but the second half drags and the ending is a letdown."
        )
        tab.single.predict_button.click()
        wait_until(lambda: tab.single.result_label.text() != "—", timeout=120)
        spin(2)

    elif state == "explain":
        tab = tabs["explainTab"]
        window.tabs.setCurrentWidget(tab)
        tab.explain_text(
            "A gorgeous, witty film with great acting, though the ending is not very good."
        )
        wait_until(lambda: not tab.is_running() and getattr(tab, "result", None) is not None)
        spin(2)

    elif state == "label":
        from desktop_app.core.project.store import ProjectStore

        with (DATA / "tweeteval_val.csv").open(encoding="utf-8", newline="") as f:
            records = list(csv.DictReader(f))[:400]
        rows = [
            {"text": r["text"], "label": r["label"] if i < 120 else None}
            for i, r in enumerate(records)
        ]
        path = home / "tweets.sstudio"
        labels = ["negative", "neutral", "positive"]
        ProjectStore.create(path, rows, labels=labels).close()
        tab = tabs["labelTab"]
        window.open_path(str(path))
        wait_until(lambda: tab.current_row() is not None)
        wait_until(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=300)
        wait_until(lambda: "280 rows scored" in tab.status_label.text(), timeout=300)
        # Accept the first card's suggestion with Enter, as an analyst would: the next card is
        # the least sure one of the scored rows.
        first = tab.current_row()
        tab.card.setFocus()
        QTest.keyClick(tab.card, Qt.Key.Key_Return)
        wait_until(lambda: tab.current_row() != first)
        wait_until(lambda: "Suggestion:" in tab.card.suggestion_label.text(), timeout=300)
        spin(2)

    app.processEvents()
    print(f"ready after {time.monotonic() - started:.0f} s", flush=True)
    if args.grab:
        window.grab().save(args.grab)
    if args.shoot:  # at once: a training run goes on while the window waits
        subprocess.run(["import", "-window", "root", args.shoot], check=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
