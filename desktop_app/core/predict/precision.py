"""Inference precision: ``auto | fp32 | bf16 | fp16`` for the torch models' forward pass.

A precision runs the model's forward pass under ``torch.autocast`` (weights stay fp32;
matrix products run in the lower precision where the hardware has it). What ``auto`` picks:

- CUDA: bf16 where the GPU supports it, fp16 otherwise;
- CPU: bf16 only where a short check on the loaded model (:func:`probe_cpu_bf16`: fp32 and
  bf16 on :data:`PROBE_SIZE` probe texts) shows bf16 at least :data:`SPEEDUP_NEEDED` times
  as fast AND every probe label equal; fp32 otherwise. CPUs with AMX or AVX-512-BF16 run
  bf16 about 2.2-2.9x as fast as fp32 (``benchmarks/explain_bench.py``); CPUs without them run
  it slower, and the check keeps them on fp32. The check runs once per model and device and
  is cached on the model object;
- Apple GPUs (MPS): fp32;
- VADER (no neural network): fp32, nothing to change;
- explanations (LIME): fp32, because bf16 reordered weak words on real sentences
  (:data:`EXPLAIN_AUTO_REASON`); an explicit bf16 explains about 1.7x faster.

An explicit ``bf16`` or ``fp16`` runs on any device, also where the CPU lacks support for it
(slowly); :attr:`Precision.note` says so. :func:`use_precision` applies a choice to a model
for the length of a job and restores the model afterwards.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.core.errors import UserError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DEFAULT_PRECISION = "auto"
SPEEDUP_NEEDED = 1.3  # auto on a CPU: bf16 must be at least this much faster than fp32
PROBE_SIZE = 64  # texts in the CPU check
PROBE_REPEAT = 1  # timed passes per precision (the fastest counts), after one warm-up each
# Measured (docs/benchmarks.md, "LIME in bf16"): on 12 rt_polarity sentences bf16 kept the
# top five words of every explanation but reordered weak words in one and flipped the sign
# of a near-zero weight in another, so explanations stay fp32 unless bf16 is asked for.
EXPLAIN_AUTO_REASON = "explanations stay fp32 under auto (bf16 reorders weak words)"
_PROBE_ATTR = "_precision_probe"  # cache on the model object: device -> ProbeResult

# Probe texts: short and longer sentences of reviews, positive, negative and mixed, so the
# check sees the lengths (and the padding) real inputs have.
_PROBE_SENTENCES = (
    "a gorgeous, witty film that never quite finds its heart",
    "the plot is thin and the acting is wooden from start to finish",
    "an unusually smart and funny comedy whose cast keeps every scene alive",
    "i wanted to like it, but it drags and the ending falls flat",
    "beautifully shot, with a score that lingers long after the credits",
    "a tedious, overlong mess that confuses noise for excitement",
    "the service was quick and friendly and the food arrived hot",
    "the battery died after two days and support never answered",
    "not bad at all, though the second half loses some of its charm",
    "one of the most moving stories i have seen in years",
    "cheap materials, a confusing manual and a missing screw",
    "it works exactly as described and setup took five minutes",
    "the jokes land, the pacing is tight and the leads have real chemistry",
    "a forgettable sequel that repeats the first film without its wit",
    "solid value for the price, if a little noisy at full speed",
    "i would not recommend this hotel to anyone: dirty rooms and rude staff",
)


def probe_texts(n: int = PROBE_SIZE) -> list[str]:
    """``n`` probe texts of one or two sentences (deterministic)."""
    k = len(_PROBE_SENTENCES)
    texts = []
    for i in range(n):
        parts = 1 + i % 2
        texts.append(" . ".join(_PROBE_SENTENCES[(i + 5 * j) % k] for j in range(parts)))
    return texts


@dataclass
class ProbeResult:
    """The CPU check: seconds per pass over the probe texts, and how many labels agree."""

    fp32_seconds: float
    bf16_seconds: float
    agree: int
    total: int

    @property
    def speedup(self) -> float:
        return self.fp32_seconds / self.bf16_seconds if self.bf16_seconds > 0 else 0.0

    @property
    def passes(self) -> bool:
        return self.speedup >= SPEEDUP_NEEDED and self.agree == self.total

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speedup": round(self.speedup, 3), "passes": self.passes}


@dataclass
class Precision:
    """What was asked for, what runs, and why (plain data through :meth:`to_dict`)."""

    requested: str  # auto | fp32 | bf16 | fp16
    precision: str  # fp32 | bf16 | fp16: what the forward pass runs in
    device: str  # cpu | cuda | mps | none (a model without a network)
    reason: str  # one line: why this precision
    note: str = ""  # something the user must know (e.g. bf16 without hardware support)
    probe: ProbeResult | None = None

    @property
    def label(self) -> str:
        """``"bf16 (auto)"`` for an automatic choice, ``"bf16"`` for an explicit one."""
        return f"{self.precision} (auto)" if self.requested == "auto" else self.precision

    def to_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "precision": self.precision,
            "device": self.device,
            "label": self.label,
            "reason": self.reason,
            "note": self.note,
            "probe": None if self.probe is None else self.probe.to_dict(),
        }


def check_precision(value: Any) -> str:
    """``value`` as one of :data:`PRECISIONS` (None or "": the default); UserError otherwise."""
    if value is None or value == "":
        return DEFAULT_PRECISION
    text = str(value).strip().lower()
    text = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "half": "fp16"}.get(
        text, text
    )
    if text not in PRECISIONS:
        raise UserError(
            f"Unknown precision {value!r}: use auto (the fastest that gives the same labels on "
            "this hardware), fp32, bf16 or fp16."
        )
    return text


# -- the model side ---------------------------------------------------------------------
def network_of(model: Any) -> Any:
    """The object whose forward pass a precision changes (a torch model, or the frozen
    encoder of ``minilm-head``), or None for a model without a network (VADER)."""
    for holder in (getattr(model, "encoder", None), model):
        if holder is not None and hasattr(holder, "inference_autocast"):
            return holder
    return None


def _device_type(network: Any) -> str:
    return str(getattr(network, "device", "cpu") or "cpu").split(":")[0]


def _dtype(precision: str) -> Any:
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def autocast_for(device_type: str, precision: str) -> Callable[[], Any] | None:
    """A factory of ``torch.autocast`` contexts for ``precision`` on ``device_type`` (None
    for fp32)."""
    if precision == "fp32":
        return None
    import torch

    dtype = _dtype(precision)

    def factory() -> Any:
        return torch.autocast(device_type=device_type, dtype=dtype)

    factory.precision = precision  # type: ignore[attr-defined]
    return factory


def cpu_supports(precision: str) -> bool:
    """Whether this CPU runs ``precision`` natively (AVX-512-BF16 / AMX / AVX-512-FP16)."""
    import torch

    try:
        if precision == "bf16":
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        if precision == "fp16":
            return bool(torch.ops.mkldnn._is_mkldnn_fp16_supported())
    except (AttributeError, RuntimeError):  # an old or unusual torch build: assume not
        return False
    return True


def _cuda_bf16() -> bool:
    import torch

    return bool(torch.cuda.is_bf16_supported())


def probe_cpu_bf16(model: Any, texts: Sequence[str] | None = None) -> ProbeResult:
    """Time fp32 and bf16 forward passes of ``model`` on the probe texts (one warm-up pass
    each, then the fastest of :data:`PROBE_REPEAT`) and count equal labels."""
    from desktop_app.core.predict.chunks import plan_reading

    network = network_of(model)
    reading = plan_reading(model, list(texts or probe_texts()))
    bf16 = autocast_for("cpu", "bf16")
    saved = network.inference_autocast
    labels: dict[str, Any] = {}
    best = {"fp32": float("inf"), "bf16": float("inf")}
    try:
        for rep in range(PROBE_REPEAT + 1):
            for name, factory in (("fp32", None), ("bf16", bf16)):
                network.inference_autocast = factory
                began = time.perf_counter()
                probs = model.proba_from_ids(reading.inputs)
                seconds = time.perf_counter() - began
                if rep:  # the first pass builds kernels: not timed
                    best[name] = min(best[name], seconds)
                labels[name] = probs.argmax(axis=1)
    finally:
        network.inference_autocast = saved
    agree = int((labels["fp32"] == labels["bf16"]).sum())
    return ProbeResult(best["fp32"], best["bf16"], agree, len(reading.inputs))


def choose_precision(
    model: Any,
    requested: Any = DEFAULT_PRECISION,
    probe: Callable[[Any], ProbeResult] | None = None,
    explanation: bool = False,
) -> Precision:
    """What ``requested`` means for ``model`` on its device (module docstring). ``probe``
    replaces :func:`probe_cpu_bf16` (tests); its result is cached on the model per device.
    ``explanation``: auto means fp32 (:data:`EXPLAIN_AUTO_REASON`)."""
    requested = check_precision(requested)
    network = network_of(model)
    if network is None:
        note = (
            ""
            if requested in ("auto", "fp32")
            else f"{getattr(model, 'name', 'This model')} has no neural network: it runs as it is."
        )
        return Precision(requested, "fp32", "none", "no neural network (VADER)", note)
    device = _device_type(network)
    if requested == "fp32":
        return Precision(requested, "fp32", device, "asked for")
    if requested == "auto" and explanation:
        return Precision(requested, "fp32", device, EXPLAIN_AUTO_REASON)
    if requested != "auto":
        return Precision(
            requested, requested, device, "asked for", _support_note(device, requested)
        )
    if device == "cuda":
        if _cuda_bf16():
            return Precision(requested, "bf16", device, "the GPU supports bf16")
        return Precision(requested, "fp16", device, "the GPU lacks bf16: fp16")
    if device != "cpu":
        return Precision(requested, "fp32", device, f"fp32 on {device}")
    cache: dict[str, ProbeResult] = getattr(model, _PROBE_ATTR, None) or {}
    result = cache.get(device)
    if result is None:
        result = (probe or probe_cpu_bf16)(model)
        cache[device] = result
        with contextlib.suppress(AttributeError):  # a model that refuses attributes: no cache
            setattr(model, _PROBE_ATTR, cache)
    agree = f"{result.agree} of {result.total} labels equal"
    if result.passes:
        reason = f"the CPU check: bf16 {result.speedup:.1f}x as fast as fp32, {agree}"
        return Precision(requested, "bf16", device, reason, probe=result)
    why = (
        f"bf16 only {result.speedup:.1f}x as fast (needs {SPEEDUP_NEEDED}x)"
        if result.speedup < SPEEDUP_NEEDED
        else f"bf16 changed labels ({agree})"
    )
    return Precision(requested, "fp32", device, f"the CPU check: {why}", probe=result)


def _support_note(device: str, precision: str) -> str:
    if device == "cpu" and not cpu_supports(precision):
        return (
            f"This CPU has no native {precision} support (it needs AVX-512-BF16 or AMX for "
            f"bf16, AVX-512-FP16 or AMX-FP16 for fp16): {precision} runs emulated, usually "
            "slower than fp32."
        )
    if device == "cuda" and precision == "bf16" and not _cuda_bf16():
        return "This GPU has no native bf16 support: bf16 runs emulated, usually slower than fp16."
    return ""


def current_precision(model: Any) -> str:
    """The precision ``model``'s forward pass runs in right now (fp32 outside
    :func:`use_precision`, and for a model without a network)."""
    network = network_of(model)
    factory = None if network is None else network.inference_autocast
    return str(getattr(factory, "precision", "fp32")) if factory is not None else "fp32"


@contextlib.contextmanager
def use_precision(
    model: Any,
    requested: Any = DEFAULT_PRECISION,
    probe: Callable[[Any], ProbeResult] | None = None,
    explanation: bool = False,
) -> Iterator[Precision]:
    """Run ``model``'s forward passes in the chosen precision inside the block; yields the
    :class:`Precision` that runs. The model is as it was afterwards. For predictions only: the
    block runs under one autocast context that keeps cast copies of the weights, so nothing
    inside it may change the weights (no training)."""
    choice = choose_precision(model, requested, probe, explanation)
    network = network_of(model)
    if network is None:
        yield choice
        return
    saved = network.inference_autocast
    factory = autocast_for(choice.device, choice.precision)
    network.inference_autocast = factory
    try:
        # One autocast context around the whole block (on this thread): the forward passes
        # open their own inside it, and torch keeps each weight's low-precision copy until the
        # outermost context closes, so the weights are cast once per block, not once per batch
        # (bf16 LIME on a 10-word text: about 1.15x).
        with factory() if factory is not None else contextlib.nullcontext():
            yield choice
    finally:
        network.inference_autocast = saved
