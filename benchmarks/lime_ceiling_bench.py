"""How far fast LIME can get ahead of plain LIME when both run the same model on the same texts.

Fast LIME (``core/explain/lime_fast.py``) must give plain LIME's weights (to 1e-6), so every
distinct perturbed text still goes through the unchanged model; what it saves is repeated texts
and padding. This counts, for the benchmark sentences of ``explain_bench`` and LIME's own
perturbations (seed 0), the tokens and the encoder's floating-point operations each side runs:
plain LIME pads all its texts to the longest (the straightforward classifier function tokenises
the whole list with ``padding=True``), fast LIME runs the distinct texts length-sorted in
batches of ``MODEL_BATCH``, each padded to its longest. When the model's time follows its
operations, the FLOP ratio is the speed-up that fewer and shorter texts give; anything beyond
it must come from running the same operations faster (bigger matrices per call, less
per-batch overhead).

    python -m benchmarks.lime_ceiling_bench [--samples 5000] [--no-write]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from benchmarks.explain_bench import SENTENCES  # noqa: E402
from benchmarks.report import write_section  # noqa: E402


def encoder_flops(length: int, texts: int = 1, layers: int = 6, hidden: int = 384) -> float:
    """Multiply-adds x 2 of a BERT-style encoder (MiniLM-L6: 6 layers, 384 wide, FFN 4x) on
    ``texts`` texts padded to ``length`` tokens: projections and FFN grow with the length,
    attention scores with its square."""
    ffn = 4 * hidden
    per_layer = 2 * (4 * hidden * hidden + 2 * hidden * ffn) * length + 4 * hidden * length**2
    return float(texts * layers * per_layer)


def perturbations(text: str, samples: int, seed: int = 0) -> list[str]:
    """The texts LIME asks its classifier function about (its own sampler, ``seed``)."""
    import numpy as np
    from lime.lime_text import LimeTextExplainer

    seen: list[str] = []

    def record(texts):  # noqa: ANN001, ANN202 - LIME's classifier_fn
        seen.extend(texts)
        return np.tile([0.5, 0.5], (len(texts), 1))

    words = len(set(text.split()))
    explainer = LimeTextExplainer(class_names=["negative", "positive"], random_state=seed)
    explainer.explain_instance(text, record, labels=(1,), num_features=words, num_samples=samples)
    return seen


def measure(words: int, text: str, samples: int) -> dict:
    from transformers import AutoTokenizer

    from desktop_app.core.explain.lime_fast import MODEL_BATCH
    from desktop_app.core.models.transformer import bundled_minilm_path

    tokenizer = AutoTokenizer.from_pretrained(str(bundled_minilm_path()))
    texts = perturbations(text, samples)
    length = {t: len(ids) for t, ids in zip(texts, tokenizer(texts)["input_ids"], strict=True)}
    full = max(length.values())
    distinct = sorted(set(texts), key=lambda t: length[t])
    batches = [distinct[i : i + MODEL_BATCH] for i in range(0, len(distinct), MODEL_BATCH)]
    ours_tokens = sum(length[b[-1]] * len(b) for b in batches)
    ours_flops = sum(encoder_flops(length[b[-1]], len(b)) for b in batches)
    return {
        "words": words,
        "texts": len(texts),
        "distinct": len(distinct),
        "full": full,
        "mean": sum(length[t] for t in distinct) / len(distinct),
        "plain_tokens": len(texts) * full,
        "ours_tokens": ours_tokens,
        "flop_ratio": encoder_flops(full, len(texts)) / ours_flops,
        "dedup_ratio": len(texts) / len(distinct),
    }


TARGETS = {10: 10.0, 20: 3.0}  # the fp32 speed-up targets of the LIME benchmark (issue 13)


def verdict(row: dict) -> str:
    target = TARGETS.get(row["words"])
    if target is None:
        return ""
    ratio = row["flop_ratio"]
    if ratio >= target:
        tail = f"the {target:.0f}× target at fp32 is within this bound."
    else:
        tail = (
            f"the {target:.0f}× target at fp32 with the same weights (≤ 1e-6) needs each "
            f"operation to run {target / ratio:.2f}× faster than in plain LIME's batches of 32 "
            f"texts of {row['full']} tokens, which is what the batch-size and padding "
            "measurements in the LIME section above looked for."
        )
    return (
        f"- {row['words']} words: {row['distinct'] / row['texts']:.0%} of the perturbed texts "
        f"are distinct, {row['mean'] / row['full']:.0%} of the sentence's length on average; "
        f"the same computation on fewer, shorter texts is {ratio:.2f}× less work than plain "
        f"LIME's, so {tail}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    rows = [measure(words, text, args.samples) for words, text in SENTENCES.items()]
    table = "\n".join(
        f"| {r['words']} | {r['texts']:,} | {r['distinct']:,} ({r['dedup_ratio']:.2f}×) | "
        f"{r['full']} / {r['mean']:.1f} | {r['plain_tokens']:,} / {r['ours_tokens']:,} | "
        f"**{r['flop_ratio']:.2f}×** |"
        for r in rows
    )
    markdown = (
        "## How much less work fast LIME does: the same model on fewer, shorter texts "
        "(`python -m benchmarks.lime_ceiling_bench`)\n\n"
        "Fast LIME must give plain LIME's weights, so every distinct perturbed text still goes "
        "through the unchanged model; it saves the repeated texts and the padding. For the "
        f"sentences of the LIME benchmark above and LIME's own {args.samples:,} perturbations "
        "(seed 0), this counts the tokens and the encoder's floating-point operations of each "
        "side: plain LIME pads every text to the longest (its classifier function tokenises "
        "the whole list with `padding=True`); fast LIME runs the distinct texts length-sorted "
        "in batches of 128, each padded to its longest. The FLOP ratio is the speed-up that "
        "fewer and shorter texts give when the model's time follows its operations; anything "
        "beyond it must come from running the same operations faster (larger matrices per "
        "call, less per-batch overhead: short texts in small batches run below the CPU's "
        "best rate, which is why the measured 10-word ratio can exceed its FLOP ratio).\n\n"
        "| words | texts LIME asks about | distinct (de-duplication alone) | tokens: "
        "longest / mean of the distinct | tokens run: plain / fast | FLOP ratio |\n"
        "|---|---|---|---|---|---|\n"
        + table
        + "\n\n"
        + "".join(verdict(r) for r in rows)
        + "\nBeyond that, the speed comes from less computation per text: bf16 (see the bf16 "
        "columns above, which move the weights), a smaller model, or fewer samples.\n"
    )
    print(markdown)
    if not args.no_write:
        write_section("lime_ceiling", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
