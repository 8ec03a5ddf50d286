"""Inference precision: what auto picks (with a fake CPU check), explicit modes, the cache,
VADER, and the jobs reporting what ran (core/predict/precision.py)."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext
from desktop_app.core.predict import precision as prec
from desktop_app.core.predict.precision import (
    ProbeResult,
    check_precision,
    choose_precision,
    current_precision,
    use_precision,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    base = make_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")
    return TransformerModel.create(str(base), ["negative", "positive"])


class FakeProbe:
    """A CPU check with given figures that counts its calls."""

    def __init__(self, fp32: float, bf16: float, agree: int = 64) -> None:
        self.result = ProbeResult(fp32, bf16, agree, 64)
        self.calls = 0

    def __call__(self, model):  # noqa: ANN001, ANN204
        self.calls += 1
        return self.result


class FakeNetwork:
    inference_autocast = None

    def __init__(self, device: str) -> None:
        self.device = device


class FakeModel:
    name = "fake"

    def __init__(self, device: str = "cpu") -> None:
        self.encoder = FakeNetwork(device)


def test_check_precision_names_and_aliases():
    assert check_precision(None) == "auto" and check_precision("") == "auto"
    assert check_precision(" BF16 ") == "bf16" and check_precision("float16") == "fp16"
    assert check_precision("bfloat16") == "bf16" and check_precision("fp32") == "fp32"
    with pytest.raises(UserError, match="Unknown precision 'int8'"):
        check_precision("int8")


def test_auto_on_a_cpu_takes_bf16_when_faster_with_equal_labels_and_caches_the_check():
    model = FakeModel()
    probe = FakeProbe(fp32=1.0, bf16=0.5)
    first = choose_precision(model, "auto", probe)
    second = choose_precision(model, "auto", probe)
    assert (first.precision, second.precision) == ("bf16", "bf16")
    assert probe.calls == 1  # once per model (and device)
    assert first.label == "bf16 (auto)" and "2.0x" in first.reason
    assert first.to_dict()["probe"]["passes"] is True


@pytest.mark.parametrize(
    ("fp32", "bf16", "agree", "why"),
    [(1.0, 0.9, 64, "only 1.1x"), (1.0, 0.5, 63, "changed labels (63 of 64")],
)
def test_auto_on_a_cpu_stays_fp32_when_slow_or_labels_change(fp32, bf16, agree, why):
    choice = choose_precision(FakeModel(), "auto", FakeProbe(fp32, bf16, agree))
    assert choice.precision == "fp32" and why in choice.reason
    assert choice.label == "fp32 (auto)"


def test_auto_on_cuda_is_bf16_where_supported_else_fp16(monkeypatch):
    probe = FakeProbe(1.0, 0.1)
    monkeypatch.setattr(prec, "_cuda_bf16", lambda: True)
    assert choose_precision(FakeModel("cuda:0"), "auto", probe).precision == "bf16"
    monkeypatch.setattr(prec, "_cuda_bf16", lambda: False)
    assert choose_precision(FakeModel("cuda"), "auto", probe).precision == "fp16"
    assert choose_precision(FakeModel("mps"), "auto", probe).precision == "fp32"
    assert probe.calls == 0  # the check is for CPUs only


def test_explicit_precisions_run_as_asked_and_say_when_the_cpu_lacks_support(monkeypatch):
    probe = FakeProbe(1.0, 10.0)
    assert choose_precision(FakeModel(), "fp32", probe).precision == "fp32"
    monkeypatch.setattr(prec, "cpu_supports", lambda precision: False)
    choice = choose_precision(FakeModel(), "bf16", probe)
    assert choice.precision == "bf16" and choice.label == "bf16"
    assert "no native bf16 support" in choice.note and "slower than fp32" in choice.note
    monkeypatch.setattr(prec, "cpu_supports", lambda precision: True)
    assert choose_precision(FakeModel(), "fp16", probe).note == ""
    assert probe.calls == 0


def test_vader_runs_as_it_is():
    from desktop_app.core.models import create_vader

    vader = create_vader()
    with use_precision(vader, "auto") as choice:
        assert choice.precision == "fp32" and choice.device == "none" and choice.note == ""
    assert "no neural network" in choose_precision(vader, "bf16").note
    assert current_precision(vader) == "fp32"


def test_use_precision_sets_the_forward_pass_and_restores_it(tiny):
    texts = ["good film", "the plot was dull and boring", "a wonderful lovely story"]
    fp32 = tiny.predict_proba(texts)
    with use_precision(tiny, "bf16") as choice:
        assert choice.precision == "bf16" and current_precision(tiny) == "bf16"
        bf16 = tiny.predict_proba(texts)
    assert tiny.inference_autocast is None and current_precision(tiny) == "fp32"
    assert np.allclose(fp32, bf16, atol=0.05) and not np.array_equal(fp32, bf16)
    assert np.array_equal(tiny.predict_proba(texts), fp32)


def test_the_real_cpu_check_times_both_and_counts_labels(tiny):
    result = prec.probe_cpu_bf16(tiny)
    assert result.total == prec.PROBE_SIZE and 0 <= result.agree <= result.total
    assert result.fp32_seconds > 0 and result.bf16_seconds > 0
    assert tiny.inference_autocast is None


def test_jobs_take_precision_and_report_what_ran(tiny):
    from desktop_app.jobs import WorkerState
    from desktop_app.jobs.label import score_pool
    from desktop_app.jobs.predict import explain, predict, predict_batch

    state = WorkerState()
    state.set_model(tiny, saved=True)
    logs: list[str] = []
    ctx = JobContext(on_log=logs.append)
    one = predict(state, {"texts": ["good film"], "precision": "bf16"}, ctx)
    assert one["precision"] == "bf16" and one["precision_info"]["requested"] == "bf16"
    assert any(line.startswith("Precision: bf16") for line in logs)
    many = predict_batch(state, {"texts": ["good", "bad film"], "precision": "fp32"}, ctx)
    assert many["precision"] == "fp32"
    scored = score_pool(
        state, {"row_ids": [1, 2], "texts": ["good", "bad"], "precision": "bf16"}, ctx
    )
    assert scored["precision"] == "bf16" and len(scored["suggestions"]) == 2
    params = {"text": "good film bad plot", "num_samples": 50, "runs": 1}
    done = explain(state, {**params, "precision": "bf16"}, ctx)
    assert done["precision"] == "bf16" and done["audit"]["precision"] == "bf16"
    again = explain(state, {**params, "precision": "auto"}, ctx)  # explanations: fp32
    # a separate perturbation cache per precision: fp32 runs its own samples
    assert again["audit"]["precision"] == "fp32" and again["timings"]["model_texts"] > 0
    assert tiny.inference_autocast is None


def test_explanations_run_fp32_under_auto_and_bf16_when_asked():
    probe = FakeProbe(1.0, 0.3)
    choice = choose_precision(FakeModel(), "auto", probe, explanation=True)
    assert choice.precision == "fp32" and choice.label == "fp32 (auto)" and probe.calls == 0
    assert choose_precision(FakeModel(), "bf16", probe, explanation=True).precision == "bf16"


def _casts(fn) -> int:  # noqa: ANN001 - how many tensor casts ``fn()`` runs
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return sum(e.count for e in prof.key_averages() if e.key == "aten::_to_copy")


def test_bf16_casts_the_weights_once_per_block_with_the_same_probabilities(tiny):
    # Inside inference_mode torch re-cast every weight for every batch; use_precision now keeps
    # one autocast context over the block, so a second prediction casts only its activations.
    from desktop_app.core.predict.precision import autocast_for

    ids = tiny.token_ids([f"a good film number {i} and a dull plot" for i in range(40)])
    with use_precision(tiny, "bf16"):
        first = _casts(lambda: tiny.proba_from_ids(ids, batch_size=8))
        second = _casts(lambda: tiny.proba_from_ids(ids, batch_size=8))
        inside = tiny.proba_from_ids(ids, batch_size=8)
    weights = sum(1 for p in tiny.module.parameters() if p.dim() == 2)
    assert second <= first - weights  # the weights' casts happened once, in the first call
    # Per-batch contexts with nothing around them: the same bf16 numbers.
    alone = tiny.proba_from_ids(ids, batch_size=8, autocast=autocast_for("cpu", "bf16"))
    np.testing.assert_array_equal(inside, alone)
