"""A local Ray instance for the Ray tests (one for the session, stopped at the end), a tiny
model and a few thousand rows of data in the formats the Ray engine reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.scale.procs import descendants, wait_gone

ROWS = 3000


@pytest.fixture(scope="session")
def ray_local(tmp_path_factory: pytest.TempPathFactory):
    """Ray on this machine with 3 logical CPUs (2 prediction workers and the file reader;
    the 2-core CI machine runs them time-shared). Every Ray process is gone afterwards."""
    pytest.importorskip("ray")
    from desktop_app.core.scale.cluster import require_ray, start_local

    ray = require_ray()
    home = os.environ.get("HOME")
    os.environ["HOME"] = str(tmp_path_factory.mktemp("ray-home"))  # Ray's token file
    try:
        start_local(3)
    finally:
        if home is not None:
            os.environ["HOME"] = home
    started = {pid for pid, _ in descendants()}
    yield ray
    ray.shutdown()
    # Python's own multiprocessing resource tracker (started by the app's detached Ray driver,
    # core/scale/detached.py) lives until this interpreter exits: not a Ray process.
    now = {pid for pid, command in descendants() if "resource_tracker" not in command}
    left = wait_gone(started | now)
    commands = dict(descendants())
    assert not left, f"Ray left processes running: {[(p, commands.get(p, '?')) for p in left]}"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved model folder: a random 2-layer BERT with a negative/positive head."""
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    root = tmp_path_factory.mktemp("tiny-model")
    bert = make_tiny_bert(root / "bert")
    model = TransformerModel.create(str(bert), ["negative", "positive"])
    model.save(root / "model")
    return root / "model"


@pytest.fixture(scope="session")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """3,000 labelled rows (one with an empty text) as CSV, Parquet and a folder of 3 CSVs."""
    import pandas as pd

    from tests.core.tiny_models import sentences

    root = tmp_path_factory.mktemp("reviews")
    texts, labels = sentences(ROWS, seed=1)
    texts[5] = "   "
    texts[7] = 'a "quoted" film, with commas\nand a line break: good'
    frame = pd.DataFrame({"id": range(ROWS), "review": texts, "sentiment": labels})
    frame.to_csv(root / "reviews.csv", index=False)
    frame.to_parquet(root / "reviews.parquet")
    (root / "parts").mkdir()
    for i in range(3):
        frame.iloc[i * 1000 : (i + 1) * 1000].to_csv(root / "parts" / f"part{i}.csv", index=False)
    return {
        "csv": root / "reviews.csv",
        "parquet": root / "reviews.parquet",
        "folder": root / "parts",
    }
