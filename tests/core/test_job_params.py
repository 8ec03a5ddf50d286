"""The jobs the tabs submit with the Model menu's settings (``state.inference.job_params()``)
read the keys they know and ignore the others, so a setting added later (another reading
option) cannot break a job that does not use it."""

from __future__ import annotations

from desktop_app.core.jobs import JobContext
from desktop_app.jobs import WorkerState, resolve

SETTINGS = {"long_text": "truncate", "a_future_setting": "on"}


def test_prediction_jobs_take_the_settings_and_ignore_unknown_keys():
    state = WorkerState()  # VADER until a model is trained or loaded
    texts = ["a lovely film", "an awful, boring film"]
    single = resolve("predict")(state, {"texts": texts, **SETTINGS}, JobContext())
    assert single["long_text"] == "truncate" and len(single["predicted"]) == 2
    batch = resolve("predict_batch")(
        state, {"texts": texts, "true_labels": ["positive", "negative"], **SETTINGS}, JobContext()
    )
    assert batch["long_text"] == "truncate" and batch["predicted"] == single["predicted"]
    scored = resolve("score_pool")(
        state, {"row_ids": [1, 2], "texts": texts, **SETTINGS}, JobContext()
    )
    assert scored["long_text"] == "truncate" and scored["row_ids"] == [1, 2]
    explained = resolve("explain")(
        state,
        {"text": texts[0], "num_samples": 50, "runs": 1, **SETTINGS},
        JobContext(),
    )
    assert explained["long_text"] == "truncate" and explained["label"]
