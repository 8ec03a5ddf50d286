"""Batch prediction on a local Ray instance: the same rows, columns and probabilities as the
local engine (CSV and Parquet, one file and a folder), every row once when an actor is
killed, and Cancel stopping the actors. Slow: a Ray start and actor start-ups."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.errors import Cancelled
from desktop_app.core.jobs import JobContext
from tests.scale.procs import wait_gone, workers

pytestmark = pytest.mark.slow
ACTOR = "Predictor"  # Ray names the actor processes ray::MapWorker(MapBatches(Predictor))


def local_frame(model: Path, data: Path, tmp_path: Path):
    """The local engine's results (``predict --file``, run in this process)."""
    import pandas as pd

    from desktop_app.cli import main

    out = tmp_path / f"local-{data.stem}.jsonl"
    # Ray workers predict in fp32 (the driver's precision for them): compare like with like.
    args = ["predict", str(model), "--file", str(data), "--out", str(out), "--precision", "fp32"]
    assert main(args) == 0
    return pd.read_json(out, lines=True, dtype=False)


def assert_same(local, ray_frame) -> None:
    assert list(ray_frame.columns) == list(local.columns)
    assert ray_frame["source_row"].tolist() == local["source_row"].tolist()
    for column in ("text", "predicted", "true_label", "correct", "seen", "model"):
        assert ray_frame[column].tolist() == local[column].tolist(), column
    probabilities = [c for c in local.columns if c.startswith("p_")] + ["confidence"]
    gap = np.abs(ray_frame[probabilities].to_numpy() - local[probabilities].to_numpy()).max()
    assert gap <= 1e-4


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_one_file_equals_the_local_engine(ray_local, tiny_model, reviews, tmp_path, capsys, kind):
    import pandas as pd

    from desktop_app.cli import main

    out = tmp_path / "ray.parquet"
    code = main(
        ["predict", str(tiny_model), "--file", str(reviews[kind]), "--out", str(out)]
        + ["--engine", "ray", "--workers", "2", "--json"]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["engine"], doc["workers"], doc["rows"]) == ("ray", 2, 2999)
    assert doc["seconds"] > 0 and doc["rows_per_second"] > 0
    assert doc["skipped"] == {"empty text": 1}
    assert_same(local_frame(tiny_model, reviews[kind], tmp_path), pd.read_parquet(out))


def test_a_folder_gives_one_parquet_file_per_input(ray_local, tiny_model, reviews, tmp_path):
    import pandas as pd

    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.predict import predict_files

    out = tmp_path / "results"
    summary = predict_files(
        str(tiny_model), str(reviews["folder"]), str(out), RaySettings(workers=2),
        rows_per_call=256,
    )  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [f"part{i}.parquet" for i in range(3)]
    assert summary["rows"] == 2999 and len(summary["preview"]) == 50
    for i in range(3):
        data = reviews["folder"] / f"part{i}.csv"
        assert_same(
            local_frame(tiny_model, data, tmp_path), pd.read_parquet(out / f"part{i}.parquet")
        )


def test_a_killed_actor_loses_and_doubles_no_row(ray_local, tiny_model, reviews, tmp_path):
    import pandas as pd

    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.predict import predict_files

    killed: list[int] = []

    def on_progress(report) -> None:
        if report.done > 0 and not killed:
            victims = workers(ACTOR)
            assert victims, "no actor process found"
            os.kill(victims[0], signal.SIGKILL)
            killed.append(victims[0])

    out = tmp_path / "ray.parquet"
    predict_files(
        str(tiny_model), str(reviews["csv"]), str(out), RaySettings(workers=2),
        rows_per_call=150, ctx=JobContext(on_progress=on_progress, min_interval=0),
    )  # fmt: skip
    assert killed
    result = pd.read_parquet(out)
    assert result["source_row"].is_unique and len(result) == 2999
    assert_same(local_frame(tiny_model, reviews["csv"], tmp_path), result)


def test_cancel_stops_the_actors_and_writes_nothing(ray_local, tiny_model, reviews, tmp_path):
    from desktop_app.core.scale.cluster import RaySettings
    from desktop_app.core.scale.predict import predict_files

    seen: list[int] = []
    contexts: list[JobContext] = []

    def on_progress(report) -> None:
        if report.done > 0 and not seen:
            seen.extend(workers(ACTOR))
            # At once: on a quiet machine the whole file takes well under a second.
            contexts[0].cancel()

    ctx = JobContext(on_progress=on_progress, min_interval=0)
    contexts.append(ctx)
    out = tmp_path / "ray.parquet"
    with pytest.raises(Cancelled):
        predict_files(
            str(tiny_model), str(reviews["csv"]), str(out), RaySettings(workers=2),
            rows_per_call=100, ctx=ctx,
        )  # fmt: skip
    assert seen
    assert not wait_gone(set(seen)), "actors still running after Cancel"
    assert not list(tmp_path.glob("ray.parquet*"))  # no result, no partial file
