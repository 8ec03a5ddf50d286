"""Benchmark: fast LIME vs plain LIME, k runs vs single runs, and batch prediction throughput.

    python -m benchmarks.explain_bench [--model FOLDER] [--repeat 3] [--data CSV] [--quick]

Writes the "explain" section of docs/benchmarks.md. The model is MiniLM: a fine-tuned folder
(``--model``, or /tmp/minilm-ft when it exists, e.g. from ``python -m desktop_app train
../shared/data/sentiment/rt_polarity.csv --model minilm --epochs 1 --out /tmp/minilm-ft``),
otherwise the bundled checkpoint with a freshly initialised 2-class head (the speed is the same;
the section says which was used).

Baselines, measured in the same process:
- plain ``LimeTextExplainer.explain_instance`` with a straightforward classifier function
  (tokenise every perturbed text, run batches of 32 in the order given), same seed;
- ``transformers.pipeline("text-classification", batch_size=64)`` on the same model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_section  # noqa: E402

FINE_TUNED_DEFAULT = Path("/tmp/minilm-ft")
DATA_DEFAULT = ROOT.parent / "shared" / "data" / "sentiment" / "rt_polarity.csv"
SENTENCES = {
    10: "a gorgeous , witty film that never quite finds its heart",
    20: (
        "an unusually smart and funny comedy whose cast keeps every scene alive even when "
        "this script loses its nerve late"
    ),
}


def load_benchmark_model(folder: str | None):
    from desktop_app.core.models import load_model
    from desktop_app.core.models.transformer import TransformerModel

    path = Path(folder) if folder else FINE_TUNED_DEFAULT
    if path.is_dir():
        return load_model(str(path), device="cpu"), f"fine-tuned MiniLM-L6 from `{path}`"
    if folder:
        raise SystemExit(f"model folder not found: {folder}")
    import torch

    torch.manual_seed(0)
    model = TransformerModel.create("minilm", ["negative", "positive"], device="cpu")
    return model, (
        "bundled MiniLM-L6 checkpoint with a freshly initialised 2-class head "
        "(no fine-tuned folder was found; the speed is the same)"
    )


def straightforward_classifier(model, counter: dict):
    """Plain LIME's usual classifier: tokenise everything, batches of 32 in the given order."""
    import torch

    tokenizer, module = model.tokenizer, model.module

    @torch.inference_mode()
    def classify(texts):
        started = time.perf_counter()
        encoded = tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=model.max_length,
            return_tensors="pt",
        )
        out = []
        for i in range(0, len(texts), 32):
            batch = {k: v[i : i + 32] for k, v in encoded.items()}
            out.append(torch.softmax(module(**batch).logits, dim=-1).numpy())
        counter["model_s"] = counter.get("model_s", 0.0) + time.perf_counter() - started
        return np.vstack(out)

    return classify


def plain_lime(model, text, label, seed, num_samples, num_features, counter=None):
    from lime.lime_text import LimeTextExplainer

    counter = counter if counter is not None else {}
    explainer = LimeTextExplainer(class_names=model.labels, random_state=seed)
    exp = explainer.explain_instance(
        text,
        straightforward_classifier(model, counter),
        labels=(label,),
        num_features=num_features,
        num_samples=num_samples,
    )
    return dict(exp.local_exp[label])


def timed(fn, repeat: int) -> tuple[float, float, list]:
    """Median wall time, median process CPU time, and the results of ``repeat`` calls.

    On a shared machine the wall time depends on what else runs; with one torch thread the
    CPU time measures the work itself, so ratios are given for both.
    """
    walls, cpus, results = [], [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        results.append(fn())
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(walls), statistics.median(cpus), results


def _bench_one(model, text: str, n_words: int, num_samples: int, repeat: int):
    from desktop_app.core.explain.explainer import explain_text
    from desktop_app.core.predict.precision import use_precision

    seed = 0
    label = int(np.argmax(model.predict_proba([text])[0]))

    def run_ours():
        return explain_text(model, text, num_samples=num_samples, runs=1, seed=seed, label=label)

    def run_bf16():
        with use_precision(model, "bf16"):
            return run_ours()

    def run_library_forward():
        # Ours with the library's forward in the last layer too (the baseline of the
        # [CLS]-only last layer, core/models/first_token.py).
        from desktop_app.core.models import first_token

        first_token.ENABLED = False
        try:
            return run_ours()
        finally:
            first_token.ENABLED = True

    def run_plain():
        counter: dict = {}
        weights = plain_lime(model, text, label, seed, num_samples, n_words, counter)
        return weights, counter["model_s"]

    p_wall, p_cpu, plain = timed(run_plain, repeat)
    o_wall, o_cpu, ours = timed(run_ours, repeat)
    b_wall, b_cpu, bf16 = timed(run_bf16, repeat)
    f_wall, f_cpu, full = timed(run_library_forward, repeat)
    by_feature = {w["feature"]: w["mean_weight"] for w in full[0]["words"]}
    full_diff = max(abs(w["mean_weight"] - by_feature[w["feature"]]) for w in ours[0]["words"])
    assert ours[0]["num_features"] == n_words, (ours[0]["num_features"], text)
    diff = max(
        abs(weights[f] - w["weights"][0])
        for (weights, _), result in zip(plain, ours, strict=True)
        for w in result["words"]
        for f in [w["feature"]]
    )
    moved = max(
        abs(a["mean_weight"] - b["mean_weight"])
        for a, b in zip(
            sorted(ours[0]["words"], key=lambda w: w["feature"]),
            sorted(bf16[0]["words"], key=lambda w: w["feature"]),
            strict=True,
        )
    )
    top = [w["word"] for w in ours[0]["words"]] == [w["word"] for w in bf16[0]["words"]]
    timings = [r["timings"] for r in ours]
    med = {k: statistics.median(t[k] for t in timings) for k in timings[0] if k != "runs_s"}
    plain_m = statistics.median(m for _, m in plain)
    row = (
        f"| {n_words} | {num_samples:,} | {int(med['distinct_texts']):,} | "
        f"{p_wall:.2f} / {p_cpu:.2f} | {o_wall:.2f} / {o_cpu:.2f} | "
        f"{p_wall / o_wall:.1f}× | **{p_cpu / o_cpu:.1f}×** | {diff:.1e} | "
        f"{b_wall:.2f} / {b_cpu:.2f} | **{p_cpu / b_cpu:.1f}×** | {moved:.1e}, "
        f"{'same' if top else 'changed'} |"
    )
    where = (
        f"| {n_words} | {num_samples:,} | model {plain_m:.2f} / LIME {p_wall - plain_m:.2f} | "
        f"model {med['model_s']:.2f} / de-dup+cache {med['classifier_s'] - med['model_s']:.2f} / "
        f"LIME sampling {med['sampling_s']:.2f} / LIME regression {med['regression_s']:.2f} / "
        f"deletion check {med['deletion_s']:.2f} |"
    )
    first = (
        f"| {n_words} | {num_samples:,} | {f_wall:.2f} / {f_cpu:.2f} | {o_wall:.2f} / {o_cpu:.2f} "
        f"| **{f_cpu / o_cpu:.2f}×** | {p_cpu / f_cpu:.1f}× | {full_diff:.1e} |"
    )
    return row, where, first


def bench_lime(model, repeat: int, samples: list[int]) -> str:
    rows, where, firsts = [], [], []
    for n_words, text in SENTENCES.items():
        for num_samples in samples:
            row, spent, first = _bench_one(model, text, n_words, num_samples, repeat)
            rows.append(row)
            where.append(spent)
            firsts.append(first)
            print(row, spent, first, sep="\n", flush=True)
    table = [
        "| words | samples | distinct texts | plain LIME wall / CPU (s) | ours fp32 wall / CPU (s) "
        "| speed-up fp32 (wall) | speed-up fp32 (CPU) | max abs weight diff fp32 vs plain "
        "| ours bf16 wall / CPU (s) | speed-up bf16 (CPU) | bf16 vs fp32: max abs weight diff, "
        "word order |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Where the time goes (medians of wall seconds; LIME = its own sampling, distances and "
        "ridge regression):",
        "",
        "| words | samples | plain LIME | ours |",
        "|---|---|---|---|",
        *where,
        "",
        "What the [CLS]-only last layer gives (`core/models/first_token.py`: the pooler reads "
        "only the first token of the last layer, so that layer runs its query, attention output "
        "and feed-forward block on that token alone; keys and values still on all): ours fp32 "
        "run again in the same process with the library's full forward.",
        "",
        "| words | samples | ours fp32, full last layer: wall / CPU (s) | ours fp32, [CLS]-only: "
        "wall / CPU (s) | gain (CPU) | speed-up vs plain LIME without it (CPU) | max abs weight "
        "diff between the two |",
        "|---|---|---|---|---|---|---|",
        *firsts,
    ]
    return "\n".join(table)


def bench_lime_bf16(model, data: Path, count: int = 12, num_samples: int = 1000) -> str:
    """LIME weights in bf16 against fp32 on ``count`` real sentences (8 to 25 words, seeded
    sample of the data): max abs difference, strongest-five order, full order, sign flips."""
    import random

    from desktop_app.core.data.dataset import load_dataset
    from desktop_app.core.explain.explainer import explain_text
    from desktop_app.core.predict.precision import use_precision

    texts = load_dataset(str(data)).frame["text"].astype(str).tolist()
    picks = [t for t in random.Random(0).sample(texts, 400) if 8 <= len(t.split()) <= 25][:count]
    rows, same_top5, same_all = [], 0, 0
    for text in picks:
        runs = {}
        for name in ("fp32", "bf16"):
            with use_precision(model, name):
                runs[name] = explain_text(model, text, num_samples=num_samples, runs=1, seed=0)
        a = {w["feature"]: w["mean_weight"] for w in runs["fp32"]["words"]}
        b = {w["feature"]: w["mean_weight"] for w in runs["bf16"]["words"]}
        order_a = [w["feature"] for w in runs["fp32"]["words"]]
        order_b = [w["feature"] for w in runs["bf16"]["words"]]
        flips = sum(1 for f in a if np.sign(a[f]) != np.sign(b[f]))
        same_top5 += order_a[:5] == order_b[:5]
        same_all += order_a == order_b
        short = text if len(text) <= 60 else text[:59] + "…"
        rows.append(
            f"| {short} | {len(a)} | {max(abs(v) for v in a.values()):.3f} "
            f"| {max(abs(a[f] - b[f]) for f in a):.1e} | {'same' if order_a[:5] == order_b[:5] else 'changed'} "
            f"| {'same' if order_a == order_b else 'changed'} | {flips} |"
        )
        print(rows[-1], flush=True)
    n = len(picks)
    return "\n".join(
        [
            "| sentence | words | largest abs weight | max abs diff bf16 vs fp32 | top-5 order "
            "| full order | sign flips |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Top five words in the same order in {same_top5} of {n} sentences; every word in "
            f"the same order in {same_all} of {n}. "
            + (
                "Since the order changed on real sentences, explanations stay fp32 under `auto` "
                "(bf16 when asked for)."
                if same_all < n
                else "The order never changed."
            ),
        ]
    )


def bench_runs(model, repeat: int, num_samples: int) -> str:
    from desktop_app.core.explain.explainer import explain_text

    rows = []
    for n_words, text in SENTENCES.items():

        def three(text=text):
            return explain_text(model, text, num_samples=num_samples, runs=3, seed=0)

        def singles(text=text):
            for s in range(3):  # three separate explanations, nothing shared
                explain_text(model, text, num_samples=num_samples, runs=1, seed=s)

        w3, c3, _ = timed(three, repeat)
        w1, c1, _ = timed(singles, repeat)
        rows.append(
            f"| {n_words} | {num_samples:,} | {w3:.2f} / {c3:.2f} | {w1:.2f} / {c1:.2f} | "
            f"{w3 / w1:.2f} / **{c3 / c1:.2f}** |"
        )
        print(rows[-1], flush=True)
    return "\n".join(
        [
            "| words | samples | k = 3 runs wall / CPU (s) | 3 single runs wall / CPU (s) "
            "| ratio wall / CPU |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def bench_throughput(model, data: Path, repeat: int, limit: int | None) -> str:
    from transformers import pipeline

    from desktop_app.core.data.dataset import load_dataset
    from desktop_app.core.predict.batch import predict_batch
    from desktop_app.core.predict.precision import use_precision

    texts = load_dataset(str(data)).frame["text"].astype(str).tolist()
    if limit and limit < len(texts):  # a seeded random sample keeps the length distribution
        picks = np.random.default_rng(0).choice(len(texts), size=limit, replace=False)
        texts = [texts[i] for i in sorted(picks)]
    pipe = pipeline("text-classification", model=model.module, tokenizer=model.tokenizer, device=-1)

    def run_pipeline(part=texts):
        return pipe(part, batch_size=64, truncation=True, max_length=model.max_length, top_k=None)

    def run_ours(part=texts):
        return predict_batch(model, part, batch_size=128)

    def run_auto(part=texts):
        with use_precision(model, "auto"):
            return predict_batch(model, part, batch_size=128)

    with use_precision(model, "auto") as choice:  # the CPU check, once, before the timings
        pass
    # warm-up (allocator, first-call overheads) for all, on a slice
    run_ours(texts[:256])
    run_auto(texts[:256])
    run_pipeline(texts[:256])
    wp, cp, piped = timed(run_pipeline, repeat)
    wo, co, ours = timed(run_ours, repeat)
    wa, ca, auto = timed(run_auto, repeat)
    n = len(texts)
    pipe_labels = [max(r, key=lambda x: x["score"])["label"] for r in piped[0]]
    agree_fp32 = sum(
        a == b for a, b in zip(auto[0]["predicted"], ours[0]["predicted"], strict=True)
    )
    agree_pipe = sum(a == b for a, b in zip(ours[0]["predicted"], pipe_labels, strict=True))
    line = (
        f"| {n:,} | {n / wp:.0f} / {n / cp:.0f} | {n / wo:.0f} / {n / co:.0f} | "
        f"{wp / wo:.2f}× / **{cp / co:.2f}×** | {n / wa:.0f} / {n / ca:.0f} | "
        f"{wp / wa:.2f}× / **{cp / ca:.2f}×** | {agree_fp32 / n:.2%} ({n - agree_fp32} differ) |"
    )
    print(line, flush=True)
    probe = choice.probe.to_dict() if choice.probe else {}
    return "\n".join(
        [
            "| texts | `pipeline(batch_size=64)` texts/s (wall / CPU) | ours fp32: `predict_batch`, "
            "length-sorted batches of 128 (wall / CPU) | ratio fp32 (wall / CPU) "
            f"| ours auto = {choice.precision} (wall / CPU) | ratio auto (wall / CPU) "
            "| labels equal, auto vs fp32 |",
            "|---|---|---|---|---|---|---|",
            line,
            "",
            f"`auto` chose **{choice.precision}**: {choice.reason} (the check: fp32 "
            f"{probe.get('fp32_seconds', 0):.2f} s, bf16 {probe.get('bf16_seconds', 0):.2f} s on "
            f"64 probe texts). Ours in fp32 and the pipeline agree on {agree_pipe / n:.2%} of the "
            "labels (the pipeline cuts texts at the training length; ours reads long texts in "
            "windows).",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="fine-tuned MiniLM folder (default /tmp/minilm-ft)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--throughput-repeat", type=int, default=3)
    parser.add_argument("--data", default=str(DATA_DEFAULT))
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on a shared 2-core machine 2 threads ran 3x slower)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 samples, 500 texts")
    parser.add_argument(
        "--samples",
        type=int,
        nargs="+",
        help="LIME sample counts to measure (default 1000 5000; --quick: 1000)",
    )
    parser.add_argument(
        "--throughput-sample", type=int, default=None, help="texts sampled for throughput"
    )
    parser.add_argument(
        "--only-throughput",
        action="store_true",
        help="measure throughput only; keep the LIME tables already in docs/benchmarks.md",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    model, which = load_benchmark_model(args.model)
    samples = args.samples or ([1000] if args.quick else [1000, 5000])
    started = time.perf_counter()
    data = Path(args.data)
    parts = {
        "lime": "_pending_",
        "lime_bf16": "_pending_" if data.is_file() else f"_Skipped: {data} not found._",
        "runs": "_pending_",
        "throughput": "_pending_" if data.is_file() else f"_Skipped: {data} not found._",
    }

    def publish() -> str:
        markdown = _markdown(which, torch.__version__, args, parts, data, started)
        if not args.no_write:
            write_section("explain", markdown)
        return markdown

    if args.only_throughput:
        parts.update(_existing_parts())
    else:
        parts["lime"] = bench_lime(model, args.repeat, samples)
        publish()
        if data.is_file():
            parts["lime_bf16"] = bench_lime_bf16(model, data)
            publish()
        parts["runs"] = bench_runs(model, args.repeat, 1000)
        publish()
    if data.is_file():
        limit = 500 if args.quick else args.throughput_sample
        parts["throughput"] = bench_throughput(model, data, args.throughput_repeat, limit)
    print(publish())
    return 0


def _existing_parts() -> dict[str, str]:
    """The LIME and k-runs tables of the current "explain" section (for --only-throughput)."""
    import re

    from benchmarks.report import DOC

    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    found = {}
    for key, title, after in (
        ("lime", "### Fast LIME vs plain LIME", "### LIME in bf16"),
        ("lime_bf16", "### LIME in bf16", "### k = 3 runs"),
        ("runs", "### k = 3 runs", "### Batch prediction throughput"),
    ):
        match = re.search(
            re.escape(title) + r".*?\n\n.*?\n\n(.*?)\n\n" + re.escape(after), text, re.S
        )
        if not match or "_pending_" in match.group(1):
            raise SystemExit(f"no measured '{title}' table in {DOC}; run without --only-throughput")
        found[key] = match.group(1)
    return found


def _markdown(which, torch_version, args, parts, data, started) -> str:
    sentences = "\n".join(f"- {n} words: “{s}”" for n, s in SENTENCES.items())
    sample = (
        f", on a seeded random sample of {args.throughput_sample:,} texts"
        if args.throughput_sample
        else ""
    )
    return f"""## Explain (LIME) and batch prediction

Model: {which}; CPU, torch {torch_version}, {args.threads} torch thread(s); medians of
{args.repeat} runs ({args.throughput_repeat} for throughput{sample}). 1-minute load average of the
machine (2 cores) at the end of the run: {os.getloadavg()[0]:.1f}; when other jobs share the cores,
wall times are inflated, so with one torch thread the process CPU time measures the work itself,
and the ratios in **bold** use it. Sentences:

{sentences}

### Fast LIME vs plain LIME (one run, seed 0, all words as features)

Plain LIME uses a straightforward classifier function (tokenise every perturbed text, batches of
32 in the order given). Ours (`explain_text`, fresh cache each time) runs each distinct perturbed
text through the model once in length-sorted, dynamically padded batches, and its time includes
its own base prediction and a 20-draw deletion check. Targets at 5,000 samples, fp32: ≥ 10× for 10
words, ≥ 3× for 20 words, weight difference ≤ 1e-6; bf16 (what `auto` picks for predictions on
this CPU; explanations stay fp32 under `auto`, see below): ≥ 20× for 10 words.

{parts["lime"]}

On a busy machine plain LIME's many small batches slow down more than ours, so the CPU-time
ratio rises with the load: at a load of 4.8 this benchmark gave 10.1× (10 words) and 2.1× (20
words) with the code before the [CLS]-only last layer; on a quiet machine the same code runs
7.5-7.8× (10 words), so the figures above, from a quiet machine, are the ones to quote.

The speed-up has a ceiling that is set by the sentence: LIME samples masks over the *distinct*
words, so a sentence of 10 distinct words has at most 2^10 - 1 = 1,023 distinct perturbed strings
(955 drawn at 5,000 samples: de-duplication alone gives 5.2x), and length-sorted batches add about
1.5x on top. A sentence with repeated words (the, is, ...) has fewer features and far fewer
distinct strings, and speeds up more; this benchmark keeps a sentence of 10 distinct words.

What was tried for the model's share (the 20-word sentence's 2,000 distinct perturbations, one
thread, fp32, process CPU time, best of two): padding each length-sorted batch exactly to its
longest text instead of rounding up to a multiple of 8 ran 1.20× faster, and batches of 128
instead of 64 another 1.06× (both kept: `neural.exact_padding`, `lime_fast.MODEL_BATCH`; 7.09 s
-> 5.60 s). Tokenising the perturbed strings costs about 2.5 % of the model time, so masking the
original's token ids instead would gain little and was left out. The thread count stays the
app's (one thread on two cores). Kept later (whole explanations, CPU time, medians of 4
interleaved runs in one process): the [CLS]-only last layer (table above); batches that end where
the token length changes, so no batch is padded and attention needs no mask
(`neural.batches`: 1.05× for 10 words in fp32 and in bf16, 1.01× for 20 words in bf16); in bf16,
each weight cast once per explanation instead of once per batch (`use_precision` holds one
autocast context, and the forward runs under `no_grad`, since inside `inference_mode` torch
never reuses a cast: 1,150 casts -> 466 for 10 words). Tried and dropped: the bf16 autocast
entered once per call but still under `inference_mode` (no gain, as above); transformers' eager
attention or SDPA's math kernel instead of the flash kernel (0.98× fp32; in bf16 about 1.08× but
with other bf16 rounding); glibc keeping freed memory instead of page-faulting it back (no gain
once warm); `torch.compile(dynamic=True)` (1.00×, after 28 s of compiling, and it needs a C++
compiler on the user's machine); batches of 16, 32 or 64 texts to keep the feed-forward
activations in the L2 cache (32-128 the same, 16 slower). Where the rest of the time goes and
what the CPU allows: the next section.

### LIME in bf16 vs fp32 on real sentences (1,000 samples, one run, seed 0)

How far bf16 moves LIME's weights from fp32 on rt_polarity sentences of 8 to 25 words (a
seeded sample), with the same perturbations.

{parts["lime_bf16"]}

### k = 3 runs vs 3 single runs (1,000 samples)

The k runs of one text share one perturbation cache; how much the later runs reuse depends on
how often the same perturbed strings recur across seeds (often for 10 words, rarely for 20).

{parts["runs"]}

### Batch prediction throughput ({data.name})

{parts["throughput"]}

Elapsed {time.perf_counter() - started:.0f} s.
"""


if __name__ == "__main__":
    sys.exit(main())
