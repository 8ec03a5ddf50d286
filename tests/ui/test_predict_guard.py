"""Predict ▸ Use Dataset tab data with a model trained on those rows: the rows it saw are
marked in the table, left out of the accuracy, and counted in the metric line."""

from __future__ import annotations

import csv
from collections import Counter

from PySide6.QtCore import Qt

from tests.ui.training_helpers import (
    MPL_WARNING,
    click,
    is_train,
    set_tiny_bilstm,
    split_dataset,
    training_tab,
)

pytestmark = MPL_WARNING
LONG_WAIT = 60000


def test_predict_on_the_training_data_leaves_out_the_rows_the_model_saw(
    qtbot, main_window, tmp_path
):
    main_window.state.workspace.set_dataset(split_dataset(tmp_path))  # 72 / 24 / 24
    tab = training_tab(main_window)
    dataset_tab = main_window.tab_widgets["datasetTab"]
    # nltk is imported by the corpora lookup at start-up; the BiLSTM imports it too.
    qtbot.waitUntil(lambda: dataset_tab.sample_corpora is not None, timeout=30000)
    set_tiny_bilstm(tab, epochs=1)
    with qtbot.waitSignal(main_window.service.result, timeout=LONG_WAIT, check_params_cb=is_train):
        click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=10000)
    run = main_window.state.model_info["run"]

    predict = main_window.tab_widgets["predictTab"]
    main_window.tabs.setCurrentWidget(predict)
    panel = predict.file
    click(qtbot, panel.use_dataset_button)
    qtbot.waitUntil(
        lambda: panel.file_label.text().startswith("the Dataset tab: 120 texts"), timeout=LONG_WAIT
    )
    qtbot.waitUntil(panel.batch_button.isEnabled, timeout=LONG_WAIT)
    with qtbot.waitSignal(
        main_window.service.result,
        timeout=LONG_WAIT,
        check_params_cb=lambda j, n, p: n == "predict_batch",
    ):
        click(qtbot, panel.batch_button)

    summary = panel.summary_label.text()
    assert "on the 24 labelled rows the model never saw" in summary
    assert "left out 96 rows the model saw (72 train, 24 validation)" in summary
    assert "n = 24)" in summary  # under 1,000 rows: the interval

    model = panel.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    seen_column = headers.index("Seen")
    seen = Counter(model.data(model.index(r, seen_column)) for r in range(model.rowCount()))
    assert seen == {"train": 72, "validation": 24, "–": 24}

    out = tmp_path / "predictions.csv"
    panel.export_results(str(out))
    qtbot.waitUntil(lambda: panel.batch_status.text().startswith("Wrote "), timeout=LONG_WAIT)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["source_row"]) for r in rows] == list(range(120))
    assert Counter(r["seen"] for r in rows) == {"train": 72, "validation": 24, "": 24}
    assert {r["model"] for r in rows} == {f"{run['name']} ({run['id']})"}
