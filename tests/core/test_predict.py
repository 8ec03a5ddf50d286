"""Prediction core and jobs: single texts, batches (progress, cancel, accuracy), worker jobs."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext, Progress
from desktop_app.core.predict.batch import predict_batch, predict_texts, results_rows
from desktop_app.jobs import JOBS, WorkerState, resolve
from tests.core.toy_models import LexiconModel, WordModel

VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] [MASK] the a film was good bad great boring plot acting "
    "and but not fun very dull cast , . !"
).split()


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A randomly initialised 2-layer BERT with a 25-word vocabulary (builds in milliseconds)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from desktop_app.core.models.transformer import TransformerModel

    torch.set_num_threads(1)
    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    vocab.write_text("\n".join(VOCAB) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=2,
    )
    torch.manual_seed(0)
    module = BertForSequenceClassification(config)
    return TransformerModel(tokenizer, module, ["negative", "positive"], name="tiny", max_length=12)


def test_predict_texts_gives_labels_probabilities_and_chunks():
    model = LexiconModel()  # no token limit: every text is read whole
    long_text = " ".join(["good"] * 20)
    result = predict_texts(model, ["a great film", "bad and boring", long_text])
    assert result["labels"] == ["negative", "neutral", "positive"]
    assert result["predicted"] == ["positive", "negative", "positive"]
    assert result["chunks"] == [1, 1, 1] and result["truncated"] == [False] * 3
    assert result["chunk_details"][2] == [
        {
            "index": 0,
            "start": 0,
            "end": len(long_text),
            "tokens": None,
            "probabilities": dict(zip(result["labels"], result["probabilities"][2], strict=True)),
            "predicted": "positive",
        }
    ]
    probs = np.array(result["probabilities"])
    assert probs.shape == (3, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    with pytest.raises(UserError):
        predict_texts(model, [])


def test_batch_prediction_scores_accuracy_and_reports_unknown_labels():
    model = WordModel("good")
    texts = ["good one", "bad one", "good again", "meh", "so good", "nothing"]
    true = ["positive", "negative", "negative", None, "pos", ""]
    events = []
    ctx = JobContext(
        on_progress=lambda p: events.append((p.done, p.total, p.message)), min_interval=0
    )
    result = predict_batch(model, texts, true, ctx=ctx, batch_size=2)
    assert result["predicted"] == [
        "positive",
        "negative",
        "positive",
        "negative",
        "positive",
        "negative",
    ]
    assert result["correct"] == [True, True, False, None, None, None]
    assert result["labelled"] == 3
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert len(result["warnings"]) == 1 and "'pos'" in result["warnings"][0]
    assert events[-1][:2] == (6, 6)
    assert all("of 6 texts" in m for _, _, m in events)
    assert result["texts_per_second"] > 0
    no_labels = predict_batch(model, texts)
    assert no_labels["accuracy"] is None and no_labels["correct"] == [None] * 6
    with pytest.raises(UserError):
        predict_batch(model, texts, true[:2])


def test_batch_prediction_can_be_cancelled():
    cancel = threading.Event()
    model = WordModel()

    def on_progress(report: Progress):

        if report.done >= 4:
            cancel.set()

    ctx = JobContext(cancel_event=cancel, on_progress=on_progress, min_interval=0)
    with pytest.raises(Cancelled):
        predict_batch(model, [f"text {i}" for i in range(100)], ctx=ctx, batch_size=2)
    assert len(model.seen) < 20


def test_torch_model_batches_match_predict_proba(tiny_bert):
    texts = ["good film", "the plot was dull , but the cast was great fun and very good !", "bad"]
    texts = texts * 5 + ["a"]
    cancel = threading.Event()
    result = predict_batch(tiny_bert, texts, ctx=JobContext(cancel_event=cancel), batch_size=4)
    direct = tiny_bert.predict_proba(texts)
    np.testing.assert_allclose(np.array(result["probabilities"]), direct, atol=1e-6)
    assert result["chunks"] == [1] * len(texts)  # all within the 64 positions it accepts
    assert result["chunks_per_second"] == pytest.approx(result["texts_per_second"])
    cancel.set()
    with pytest.raises(Cancelled):
        predict_batch(tiny_bert, texts, ctx=JobContext(cancel_event=cancel), batch_size=4)


def test_fast_explainer_equals_plain_lime_on_a_torch_model(tiny_bert):
    """Batches of different composition (de-duplicated, sorted) give the same weights."""
    from lime.lime_text import LimeTextExplainer

    from desktop_app.core.explain.explainer import explain_text

    text = "the plot was dull but the acting was good"
    result = explain_text(tiny_bert, text, num_samples=300, runs=2, seed=4, chunk_size=64)

    def straightforward(texts):  # tokenise everything, batches of 32 in the given order
        return np.vstack(
            [tiny_bert.predict_proba(texts[i : i + 32]) for i in range(0, len(texts), 32)]
        )

    for run, seed in enumerate(result["seeds"]):
        explainer = LimeTextExplainer(class_names=tiny_bert.labels, random_state=seed)
        exp = explainer.explain_instance(
            text,
            straightforward,
            labels=(result["label_index"],),
            num_features=result["num_features"],
            num_samples=300,
        )
        plain = dict(exp.local_exp[result["label_index"]])
        ours = {w["feature"]: w["weights"][run] for w in result["words"]}
        assert max(abs(plain[f] - ours[f]) for f in plain) <= 1e-6


def test_results_rows_make_a_table():
    model = WordModel()
    texts = ["good", "@bad"]
    result = predict_batch(model, texts, ["positive", "positive"])
    rows = results_rows(texts, result, ["positive", "positive"], extra={"source_row": [3, 4]})
    assert list(rows[0]) == [
        "source_row",
        "text",
        "predicted",
        "confidence",
        "p_negative",
        "p_positive",
        "chunks",
        "true_label",
        "correct",
    ]
    assert rows[1]["text"] == "@bad" and rows[1]["correct"] is False
    assert rows[0]["confidence"] == pytest.approx(0.9)


def test_worker_jobs_predict_and_explain_reuse_the_cache():
    assert {"predict", "predict_batch", "explain"} <= set(JOBS)
    state = WorkerState(model=WordModel("good"))
    ctx = JobContext()
    out = resolve("predict")(state, {"texts": ["good film"]}, ctx)
    assert out["predicted"] == ["positive"] and out["labels"] == ["negative", "positive"]
    assert out["model"]["name"] == "toy:good"
    batch = resolve("predict_batch")(
        state, {"texts": ["good", "bad"], "true_labels": ["positive", "positive"]}, ctx
    )
    assert batch["accuracy"] == 0.5
    params = {"text": "good film today", "num_samples": 200, "seed": 0, "runs": 2}
    first = resolve("explain")(state, params, ctx)
    assert first["words"][0]["word"] == "good" and first["runs"] == 2
    second = resolve("explain")(state, dict(params, seed=9, label=0), ctx)
    assert second["timings"]["model_texts"] == 0  # every perturbation came from the cache
    assert second["label"] == "negative"
    state.model = WordModel("film")  # a new model: the cache must not be reused
    third = resolve("explain")(state, params, ctx)
    assert third["timings"]["model_texts"] > 0
    assert third["words"][0]["word"] == "film"
    with pytest.raises(UserError):
        resolve("explain")(state, {"text": " "}, ctx)


@pytest.mark.parametrize("empty", ["", "   ", "\n\t "])
def test_empty_text_is_refused_everywhere(empty):
    model = WordModel("good")
    state, ctx = WorkerState(model=model), JobContext()
    with pytest.raises(UserError, match="no text to predict"):
        predict_texts(model, [empty])
    with pytest.raises(UserError, match="no text to predict"):
        resolve("predict")(state, {"texts": [empty]}, ctx)
    with pytest.raises(UserError, match=r"1 of the 3 texts are empty \(text 2\)"):
        predict_texts(model, ["good", empty, "bad"])
    with pytest.raises(UserError, match="empty"):
        predict_batch(model, ["good", empty])
    with pytest.raises(UserError, match="no text to explain"):
        resolve("explain")(state, {"text": empty}, ctx)
    assert model.seen == []  # refused before the model saw anything
