"""Fast LIME: right words, same weights as plain LIME, stability, deletion check, long texts."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.explain.explainer import explain_text, sentence_spans, word_stability
from desktop_app.core.jobs import JobContext, Progress
from tests.core.toy_models import LexiconModel, WordModel

TEXT = "this movie is good and the actors are fine"


def plain_lime_weights(model, text, label, seed, num_samples, num_features):
    from lime.lime_text import LimeTextExplainer

    explainer = LimeTextExplainer(class_names=model.labels, random_state=seed)
    exp = explainer.explain_instance(
        text,
        model.predict_proba,
        labels=(label,),
        num_features=num_features,
        num_samples=num_samples,
    )
    return dict(exp.local_exp[label])


def test_the_scoring_word_ranks_first_with_the_right_sign():
    model = WordModel("good")
    result = explain_text(model, TEXT, num_samples=300, runs=2, seed=3)
    assert result["label"] == "positive" == result["predicted"]
    top = result["words"][0]
    assert top["word"] == "good"
    assert top["mean_weight"] > 0.5  # 0.9 vs 0.2: removing "good" costs 0.7
    assert all(abs(w["mean_weight"]) < 0.05 for w in result["words"][1:])

    against = explain_text(model, TEXT, num_samples=300, runs=2, seed=3, label="negative")
    assert against["words"][0]["word"] == "good"
    assert against["words"][0]["mean_weight"] < -0.5


@pytest.mark.parametrize("num_features", [None, 4])  # 4 <= 6: LIME's forward selection
def test_fast_explainer_equals_plain_lime_for_the_same_seed(num_features):
    model = LexiconModel()
    text = "not a good film , boring plot but great fun and a good cast"
    result = explain_text(model, text, num_samples=400, runs=3, seed=11, num_features=num_features)
    by_feature = {w["feature"]: w for w in result["words"]}
    words = {w["feature"]: w["word"] for w in result["words"]}
    for run, seed in enumerate(result["seeds"]):
        plain = plain_lime_weights(
            model, text, result["label_index"], seed, 400, result["num_features"]
        )
        ours = {f: w["weights"][run] for f, w in by_feature.items() if w["weights"][run] != 0}
        assert set(ours) <= set(plain), (words, ours, plain)
        diff = max(abs(plain[f] - by_feature[f]["weights"][run]) for f in plain)
        assert diff <= 1e-6
    assert result["seeds"] == [11, 12, 13]


def test_each_distinct_string_goes_through_the_model_once_and_the_cache_is_reused():
    model = WordModel("good")
    cache: dict = {}
    result = explain_text(model, "good fun", num_samples=500, runs=3, seed=0, cache=cache)
    # Two words: only 4 distinct strings exist ("good fun", "good", " fun", " ")
    assert len(model.seen) == len(set(model.seen)) == result["timings"]["model_texts"]
    assert result["timings"]["distinct_texts"] <= 4
    assert result["timings"]["requested_texts"] >= 3 * 500
    seen = len(model.seen)
    again = explain_text(model, "good fun", num_samples=500, runs=3, seed=5, cache=cache)
    assert len(model.seen) == seen  # everything came from the cache
    assert again["timings"]["model_texts"] == 0


def test_word_stability_on_a_hand_made_case():
    weights = [
        [1.0, 1.0, -1.0, 0.1],
        [2.0, -1.0, -1.0, -0.5],
        [3.0, 1.0, -1.0, 0.2],
    ]
    stab = word_stability(weights)
    np.testing.assert_allclose(stab["mean"], [2.0, 1 / 3, -1.0, -0.2 / 3])
    np.testing.assert_allclose(
        stab["sd"], [1.0, np.sqrt(4 / 3), 0.0, np.std([0.1, -0.5, 0.2], ddof=1)]
    )
    np.testing.assert_allclose(stab["sign_agreement"], [1.0, 2 / 3, 1.0, 1 / 3])
    assert stab["unstable"].tolist() == [False, True, False, True]
    # sd above |mean| without a sign flip is unstable too
    assert word_stability([[0.1], [2.0]])["unstable"].tolist() == [True]
    one = word_stability([[0.5, -0.2]])
    assert one["sd"].tolist() == [0.0, 0.0] and not one["unstable"].any()


def test_result_words_carry_the_stability_of_their_runs():
    result = explain_text(LexiconModel(), "good but boring", num_samples=100, runs=3, seed=0)
    for w in result["words"]:
        stab = word_stability(np.array(w["weights"])[:, None])
        assert w["mean_weight"] == pytest.approx(float(stab["mean"][0]))
        assert w["sd"] == pytest.approx(float(stab["sd"][0]))
        assert w["sign_agreement"] == pytest.approx(float(stab["sign_agreement"][0]))
    strengths = [abs(w["mean_weight"]) for w in result["words"]]
    assert strengths == sorted(strengths, reverse=True)


def test_deletion_check_compares_top_words_with_random_ones():
    model = WordModel("good")
    result = explain_text(model, TEXT, num_samples=300, runs=1, seed=0, deletion_k=1)
    check = result["deletion_check"]
    assert check["k"] == 1 and check["top_words"] == ["good"]
    assert check["probability_before"] == pytest.approx(0.9)
    assert check["top_k_drop"] == pytest.approx(0.7)
    # a random word is "good" 1 time in 9: the mean random drop is far below 0.7
    assert check["random_draws"] == 20
    assert check["random_drop"] < 0.4
    assert check["faithful"] is True
    again = explain_text(model, TEXT, num_samples=300, runs=1, seed=0, deletion_k=1)
    assert again["deletion_check"]["random_drops"] == check["random_drops"]  # seeded


def test_deletion_check_with_no_supporting_word_reports_k_zero():
    model = WordModel("good")
    result = explain_text(model, "a dull film", num_samples=100, runs=1, label="positive")
    check = result["deletion_check"]
    if check["k"] == 0:
        assert check["top_k_drop"] is None and check["faithful"] is None
        assert any("deletion check" in n for n in result["notes"])
    else:  # tiny positive noise weights may support it; the check still runs
        assert check["top_k_drop"] == pytest.approx(0.0)


def test_tokens_cover_the_text_and_carry_weights():
    text = "Good acting, BAD plot!\nbad ending..."
    result = explain_text(LexiconModel(), text, num_samples=200, runs=2)
    assert "".join(t["text"] for t in result["tokens"]) == text
    weights = {w["feature"]: w["mean_weight"] for w in result["words"]}
    for token in result["tokens"]:
        if token["feature"] is None:
            assert token["weight"] is None
        else:
            assert token["weight"] == weights[token["feature"]]
    bad = next(w for w in result["words"] if w["word"] == "bad")
    assert bad["count"] == 1  # case-sensitive like LIME: "BAD" is another feature
    assert result["max_abs_weight"] == max(abs(v) for v in weights.values())
    assert sum(result["probabilities"].values()) == pytest.approx(1.0)
    audit = result["audit"]
    for key in (
        "model_name",
        "model_fingerprint",
        "label_names",
        "seeds",
        "num_samples",
        "lime_version",
        "created",
    ):
        assert key in audit
    assert audit["seeds"] == [0, 1] and audit["num_samples"] == 200


def test_bad_input_gives_a_user_error():
    model = WordModel()
    with pytest.raises(UserError):
        explain_text(model, "   ")
    with pytest.raises(UserError):
        explain_text(model, "!!! ???", num_samples=50, runs=1)
    with pytest.raises(UserError, match="no class"):
        explain_text(model, TEXT, num_samples=50, runs=1, label="neutral")
    with pytest.raises(UserError):
        explain_text(model, TEXT, num_samples=5)


def test_progress_reaches_the_end_and_cancel_stops_inside_a_run():
    events = []
    ctx = JobContext(
        on_progress=lambda p: events.append((p.done, p.total, p.message)), min_interval=0
    )
    explain_text(LexiconModel(), TEXT, num_samples=300, runs=2, ctx=ctx, chunk_size=16)
    assert events[-1][0] == events[-1][1]
    assert any("run 2 of 2" in m for _, _, m in events)

    cancel = threading.Event()
    model = LexiconModel()

    def on_progress(report: Progress):

        if "run 1" in report.message and report.done > 50:
            cancel.set()

    ctx = JobContext(cancel_event=cancel, on_progress=on_progress, min_interval=0)
    with pytest.raises(Cancelled):
        explain_text(model, TEXT, num_samples=2000, runs=3, ctx=ctx, chunk_size=8)
    assert model.calls < 60  # stopped early, not after ~2,000 / 8 chunks x 3 runs


def test_long_text_is_explained_by_sentence_and_does_not_hang():
    sentences = [
        f"Sentence {i} says the film was {'good' if i % 3 == 0 else 'slow'} in part {i} "
        + " ".join(f"w{i}x{j}" for j in range(20))
        + "."
        for i in range(12)
    ]
    text = " ".join(sentences)
    model = WordModel("good")
    result = explain_text(model, text, num_samples=200, runs=1, word_limit=200, label="positive")
    assert result["level"] == "sentence"
    assert len(result["words"]) == 12
    assert result["notes"] and "sentence" in result["notes"][0]
    assert "".join(t["text"] for t in result["tokens"]) == text
    # each sentence went through the model once; the text is the length-weighted mean
    assert sorted(model.seen) == sorted([*sentences, ""])
    assert result["probabilities"]["positive"] == pytest.approx((4 * 0.9 + 8 * 0.2) / 12)
    top = result["words"][:4]
    assert all("good" in w["word"] and w["mean_weight"] > 0 for w in top)

    # One huge sentence without punctuation: chunks, at most 60 of them
    blob = " ".join(f"word{i}" for i in range(5000))
    spans, level = sentence_spans(blob)
    assert level == "chunk" and len(spans) <= 60
    result = explain_text(model, blob, num_samples=100, runs=1)
    assert result["level"] == "chunk" and len(result["words"]) <= 60


def test_fast_explainer_equals_plain_lime_with_a_torch_model(tmp_path):
    """A tiny BERT: the perturbed texts go through exactly padded batches (lime_fast), plain
    LIME through ``predict_proba``; the weights match within 1e-6."""
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    model = TransformerModel.create(str(make_tiny_bert(tmp_path / "bert")), ["neg", "pos"])
    text = "the film was good and the plot was dull but the acting is very lovely"
    result = explain_text(model, text, num_samples=200, runs=1, seed=5)
    plain = plain_lime_weights(model, text, result["label_index"], 5, 200, result["num_features"])
    diff = max(abs(plain[w["feature"]] - w["weights"][0]) for w in result["words"])
    assert diff <= 1e-6 and result["precision"] == "fp32"
