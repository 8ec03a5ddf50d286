"""The runs registry: record, list, show, rename, pin, prune, delete, compare (McNemar), the
user's folder (SENTIMENT_STUDIO_HOME), a project's place, and the worker's jobs."""

from __future__ import annotations

import json
import os
import time

import pytest
import torch

from desktop_app.core.errors import UserError
from desktop_app.core.fingerprint import text_hashes
from desktop_app.core.jobs import JobContext
from desktop_app.core.models import load_model
from desktop_app.core.runs.compare import compare_runs, mcnemar_exact, paired_outcomes, verdict
from desktop_app.core.runs.record import model_label, record_run, run_of_model
from desktop_app.core.runs.registry import (
    PREDICTIONS_FILE,
    RUN_FILE,
    RunRegistry,
    default_runs_folder,
    project_runs_folder,
    runs_folder_for,
    write_json,
)
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.train import train_model
from tests.core.tiny_models import train_data

torch.set_num_threads(1)

BILSTM = {
    "model": "bilstm",
    "epochs": 1,
    "batch_size": 8,
    "lr": 1e-2,
    "embedding_dim": 8,
    "hidden_size": 8,
    "device": "cpu",
    "threads": 1,
}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_STUDIO_HOME", str(tmp_path / "studio"))
    return tmp_path / "studio"


def vader_run(registry, data=None, **kwargs):
    data = data or train_data(n_train=8, n_val=4, n_test=12)
    result = train_model(TrainConfig(model="vader"), data)
    return record_run(result, data, registry=registry, data_name="reviews.csv", **kwargs)


def test_home_replaces_the_data_dir(home):
    assert default_runs_folder() == home / "runs"
    assert RunRegistry().folder == home / "runs"
    assert project_runs_folder("/p/reviews.sstudio").as_posix() == "/p/reviews.models"
    assert runs_folder_for("/p/reviews.sstudio").as_posix() == "/p/reviews.models"
    assert runs_folder_for("/p/reviews.csv") == home / "runs"


def test_record_keeps_everything_and_lists_newest_first(home):
    data = train_data(n_train=24, n_val=8, n_test=8)
    result = train_model(TrainConfig(**BILSTM), data)
    registry = RunRegistry()
    record = record_run(result, data, registry=registry, data_name="reviews.csv")
    assert record.folder.parent == home / "runs"
    info = json.loads((record.folder / RUN_FILE).read_text(encoding="utf-8"))
    assert info["kind"] == "bilstm" and info["data"] == "reviews.csv"
    assert info["name"].startswith("bilstm · reviews.csv · ")
    assert info["fingerprint"] == data.fingerprint
    assert info["sizes"] == {"train": 24, "validation": 8, "test": 8}
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "accuracy_ci"} <= set(
        info["metrics"]
    )
    assert info["history"]["epochs"] and info["pinned"] is False
    # the model files, with the guard's record, are in the run
    model = load_model(str(record.model_folder), device="cpu")
    assert model.seen.counts() == {"train": 24, "validation": 8}
    assert run_of_model(model) == {"id": record.id, "name": record.name}
    assert model_label(model) == f"{record.name} ({record.id})"
    # per-row test predictions keyed by text hash (for McNemar)
    predictions = registry.test_predictions(record)
    assert predictions["hashes"] == [f"{int(h):016x}" for h in text_hashes(data.test_texts)]
    assert predictions["true"] == data.test_labels and len(predictions["predicted"]) == 8

    time.sleep(1.1)  # ids and order follow the clock's seconds
    second = vader_run(registry)
    assert [r.id for r in registry.runs()] == [second.id, record.id]
    summary = registry.runs()[0].summary()
    assert set(summary) == {"id", "name", "kind", "created", "folder", "pinned", "data", "metrics"}
    assert {"accuracy", "macro_f1"} <= set(summary["metrics"])
    assert registry.disk_usage() > 0


def test_get_rename_pin_delete(home):
    registry = RunRegistry()
    a = vader_run(registry, name="baseline")
    assert a.name == "baseline"
    assert registry.get(a.id).id == a.id
    assert registry.get(a.id[:15]).id == a.id  # a unique start of the id
    assert registry.get("baseline").id == a.id  # or the name
    with pytest.raises(UserError, match="No run"):
        registry.get("nothing-like-it")
    renamed = registry.rename(a.id, "  VADER   baseline ")
    assert renamed.name == "VADER baseline" and registry.get(a.id).name == "VADER baseline"
    with pytest.raises(UserError):
        registry.rename(a.id, "   ")
    # a model loaded from the run follows the new name
    assert model_label(load_model(str(a.model_folder))) == f"VADER baseline ({a.id})"
    assert registry.pin(a.id).pinned and registry.get(a.id).pinned
    assert not registry.pin(a.id, False).pinned
    registry.delete(a.id)
    assert registry.runs() == [] and not a.folder.exists()


def test_prune_keeps_the_newest_unpinned_and_every_pinned(home, monkeypatch):
    registry = RunRegistry(keep=2)
    clock = [1_700_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    ids = []
    for i in range(4):
        clock[0] += 60
        ids.append(vader_run(registry).id)
        if i == 0:
            registry.pin(ids[0])
    # the first is pinned: kept; of the other three only the newest two remain
    assert [r.id for r in registry.runs()] == [ids[3], ids[2], ids[0]]
    # the setting lives in the place; lowering it prunes at once
    other = RunRegistry()
    assert other.keep == 20
    assert other.set_keep(1) == [ids[2]]
    assert RunRegistry().keep == 1
    assert [r.id for r in RunRegistry().runs()] == [ids[3], ids[0]]
    # a crashed run (no run.json) is not listed, and is removed once it is old
    crashed = home / "runs" / "20200101-000000-abcd"
    crashed.mkdir()
    assert len(RunRegistry().runs()) == 2
    os.utime(crashed, (1, 1))
    RunRegistry().prune()
    assert not crashed.exists()


def test_a_project_keeps_its_runs_beside_it(home, tmp_path):
    project = tmp_path / "reviews.sstudio"
    registry = RunRegistry.for_project(project)
    record = vader_run(registry)
    assert record.folder.parent == tmp_path / "reviews.models"
    assert RunRegistry().runs() == []  # not in the user's folder


def test_mcnemar_exact_values():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 * 0.5**10)
    assert mcnemar_exact(5, 5) == pytest.approx(1.0)
    assert mcnemar_exact(2, 12) == pytest.approx(0.01294, abs=1e-4)
    assert verdict(0.003, 1, 9) == "B is better on this test split, p = 0.003"
    assert verdict(0.003, 9, 1).startswith("A is better")
    assert verdict(0.41, 3, 5) == "no significant difference (p = 0.41)"


def test_compare_two_runs_on_a_shared_test_split(home):
    registry = RunRegistry()
    data = train_data(n_train=8, n_val=4, n_test=12)
    a = vader_run(registry, data)
    b = vader_run(registry, data)
    # make A right on every test row and B right on the first two only
    hashes = [f"{int(h):016x}" for h in text_hashes(data.test_texts)]
    flip = {"positive": "negative", "negative": "positive"}
    write_json(
        a.folder / PREDICTIONS_FILE,
        {"hashes": hashes, "true": data.test_labels, "predicted": data.test_labels},
    )
    wrong = data.test_labels[:2] + [flip[x] for x in data.test_labels[2:]]
    write_json(
        b.folder / PREDICTIONS_FILE,
        {"hashes": hashes, "true": data.test_labels, "predicted": wrong},
    )
    doc = compare_runs(registry, a, b)
    test = doc["mcnemar"]
    assert test["shared_rows"] == 12 and test["same_test_split"] is True
    assert test["a_only_right"] == 10 and test["b_only_right"] == 0
    assert test["p_value"] == pytest.approx(2 * 0.5**10)
    assert test["verdict"].startswith("A is better")
    assert set(doc["metrics"]) == {"accuracy", "macro_f1"}
    assert set(doc["per_class"]) == {"negative", "positive"}
    assert doc["per_class"]["positive"]["a"]["f1"] is not None
    # rows are matched by text and true class: B tested on half of A's rows
    write_json(
        b.folder / PREDICTIONS_FILE,
        {"hashes": hashes[:6], "true": data.test_labels[:6], "predicted": data.test_labels[:6]},
    )
    test = compare_runs(registry, a, b)["mcnemar"]
    assert test["shared_rows"] == 6 and test["same_test_split"] is False
    shared, *_ = paired_outcomes(
        {"hashes": ["x"], "true": ["a"], "predicted": ["a"]},
        {"hashes": ["y"], "true": ["a"], "predicted": ["a"]},
    )
    assert shared == 0


def test_train_job_records_and_load_run_loads(home):
    from desktop_app.jobs import WorkerState, resolve

    state = WorkerState()
    ctx = JobContext()
    data = train_data(n_train=24, n_val=8, n_test=8)
    payload = resolve("train")(
        state,
        {"config": BILSTM, "data": data.to_dict(), "run": {"data": "reviews.csv"}},
        ctx,
    )
    run = payload["run"]
    assert run["kind"] == "bilstm" and run["data"] == "reviews.csv"
    assert payload["model_info"]["saved"] is True  # the run holds its files
    assert payload["model_info"]["run"]["id"] == run["id"]
    assert payload["model_info"]["label"] == f"{run['name']} ({run['id']})"
    json.dumps(payload)
    resolve("use_vader")(state, {}, ctx)
    loaded = resolve("load_run")(state, {"id": run["id"]}, ctx)
    assert state.model.kind == "bilstm"
    assert loaded["model_info"]["run"]["id"] == run["id"]
    assert loaded["run"]["metrics"]["accuracy"] == run["metrics"]["accuracy"]
    assert loaded["run"]["history"]["epochs"]
    # without "run" nothing is kept
    resolve("train")(state, {"config": BILSTM, "data": data.to_dict()}, ctx)
    assert len(RunRegistry().runs()) == 1
