"""The leakage guard: normalised text hashes, the seen record saved with every model, and
metrics that leave out what the model saw."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_app.core.errors import ModelError, UserError
from desktop_app.core.fingerprint import normalise_text, text_hashes
from desktop_app.core.guard import SEEN_FILE, SeenTexts, guard_rows, guarded_accuracy
from desktop_app.core.models import create_vader, load_model
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.evaluate import evaluate_model, score_rows
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


def test_normalisation_is_nfc_casefold_and_whitespace_only():
    assert normalise_text("  Great\tFILM\n\n  really ") == "great film really"
    assert normalise_text("Stra\u00dfe") == normalise_text("STRASSE")  # case folding, not lower()
    assert normalise_text("cafe\u0301") == normalise_text("caf\u00e9")  # NFC
    assert normalise_text("a\u00a0b") == "a b"  # any Unicode whitespace
    # nothing else: punctuation, accents and digits still tell texts apart
    assert normalise_text("great!") != normalise_text("great")
    assert normalise_text("café") != normalise_text("cafe")
    h = text_hashes(["Good  film", "good film", "GOOD FILM ", "bad film"])
    assert h.dtype == np.uint64 and len(h) == 4
    assert h[0] == h[1] == h[2] != h[3]


def test_seen_record_membership_and_file(tmp_path):
    seen = SeenTexts.from_texts(["a good film", "dull"], ["a great  FILM"])
    assert seen.counts() == {"train": 2, "validation": 1}
    assert seen.which(["A good film", "a great film", "never seen", "DULL "]) == [
        "train",
        "validation",
        "",
        "train",
    ]
    both = SeenTexts.from_texts(["same"], ["same"])
    assert both.which(["same"]) == ["train"]  # fitted on it: the stronger statement
    seen.save(tmp_path)
    loaded = SeenTexts.load(tmp_path)
    assert loaded is not None and np.array_equal(loaded.train, seen.train)
    assert loaded.which(["a great film"]) == ["validation"]
    assert SeenTexts.load(tmp_path / "nowhere") is None
    (tmp_path / SEEN_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="cannot be read"):
        SeenTexts.load(tmp_path)


def test_trained_model_saves_and_loads_its_seen_texts(tmp_path):
    data = train_data(n_train=24, n_val=8, n_test=8)
    result = train_model(TrainConfig(**BILSTM), data)
    model = result.model
    assert model.seen is not None
    assert model.training_info["seen_texts"] == model.seen.counts()
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / SEEN_FILE).is_file()
    loaded = load_model(str(tmp_path / "m"), device="cpu")
    # a text seen in training (with other spacing and case) is recognised after loading
    variant = "  " + data.train_texts[0].upper() + " "
    assert loaded.seen.which([variant, data.val_texts[0], data.test_texts[0]]) == [
        "train",
        "validation",
        "",
    ]
    # saving a model without a record over it removes the stale record
    model.seen = None
    model.save(tmp_path / "m")
    assert not (tmp_path / "m" / SEEN_FILE).exists()
    assert load_model(str(tmp_path / "m"), device="cpu").seen is None


def test_evaluate_leaves_out_what_the_model_saw():
    data = train_data(n_train=24, n_val=8, n_test=8)
    model = train_model(TrainConfig(**BILSTM), data).model
    texts = data.train_texts + data.val_texts + data.test_texts
    labels = data.train_labels + data.val_labels + data.test_labels
    report = evaluate_model(model, texts, labels)
    assert report["guard"] == "applied"
    assert report["excluded_seen"] == 32 and report["seen_by_split"] == {
        "train": 24,
        "validation": 8,
    }
    assert report["rows"] == report["n"] == 8
    assert sum(map(sum, report["confusion_matrix"])) == 8
    assert "Left out 32 rows" in report["notes"][0]
    everything = evaluate_model(model, texts, labels, include_seen=True)
    assert everything["rows"] == 40 and everything["excluded_seen"] == 0
    assert everything["guard"] == "included" and "not a held-out" in everything["notes"][0]
    with pytest.raises(UserError, match="include-seen"):
        evaluate_model(model, data.train_texts, data.train_labels)


def test_model_without_record_scores_every_row_with_a_warning():
    data = train_data(n_train=24, n_val=8, n_test=8)
    model = train_model(TrainConfig(**BILSTM), data).model
    model.seen = None  # as a model trained elsewhere
    report = evaluate_model(model, data.train_texts, data.train_labels)
    assert report["rows"] == 24 and report["excluded_seen"] == 0
    assert report["guard"] == "unavailable"
    assert any("guard could not apply" in w for w in report["warnings"])


def test_vader_saw_nothing():
    vader = create_vader()
    guarded = guard_rows(vader, ["good", "bad"])
    assert guarded.state == "applied" and guarded.seen == ["", ""]


def test_guarded_accuracy_counts_only_unseen_labelled_rows():
    seen = SeenTexts.from_texts(["t1", "t2"])

    class Model:
        pass

    model = Model()
    model.seen = seen
    guarded = guard_rows(model, ["t1", "t2", "t3", "t4", "t5"])
    result = guarded_accuracy([True, True, False, True, None], guarded)
    assert result["accuracy"] == 0.5 and result["labelled"] == 2
    assert result["excluded_seen"] == 2 and result["seen_by_split"] == {"train": 2, "validation": 0}
    assert result["accuracy_ci"] is not None


def test_score_rows_subset_classes_and_unknown_labels():
    labels = ["negative", "neutral", "positive"]
    probs = np.array(
        [
            [0.6, 0.3, 0.1],  # negative
            [0.2, 0.5, 0.3],  # neutral overall; positive within {negative, positive}
            [0.1, 0.2, 0.7],  # positive
            [0.3, 0.45, 0.25],  # neutral overall; negative within
        ]
    )
    truth = ["negative", "positive", "positive", "positive"]
    report = score_rows(probs, truth, labels)
    assert report["accuracy"] == 0.5  # the two "neutral" predictions count as wrong
    assert report["warnings"] and "neutral" in report["warnings"][0]
    within = report["within_file_classes"]
    assert within["labels"] == ["negative", "positive"]
    assert within["accuracy"] == 0.75
    assert within["confusion_matrix"] == [[1, 0], [1, 2]]
    assert set(within) >= {"accuracy", "macro_f1", "per_class", "confusion_matrix"}
    # every class present: no warning, no within-file figures
    full = score_rows(probs[:3], ["negative", "neutral", "positive"], labels)
    assert full["warnings"] == [] and "within_file_classes" not in full
    # a class the model does not know is an error naming it ...
    with pytest.raises(ModelError, match="mixed"):
        score_rows(probs[:2], ["negative", "mixed"], labels)
    # ... or, for a view that still shows every row, a warning and the row left out
    skipped = score_rows(probs[:2], ["negative", "mixed"], labels, unknown="skip")
    assert skipped["rows"] == 1 and "mixed" in skipped["warnings"][0]
    # one class left: warned, but no "within" figures (picking among one is always right)
    assert "within_file_classes" not in skipped
    assert "within_file_classes" not in skipped["warnings"][1]
    # unlabelled rows are skipped and counted
    partial = score_rows(probs[:2], ["negative", None], labels)
    assert partial["rows"] == 1 and partial["skipped_unlabelled"] == 1
