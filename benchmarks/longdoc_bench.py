"""Benchmark: long documents (NLTK movie_reviews) read in chunks vs truncated.

    python -m benchmarks.longdoc_bench [--model FOLDER] [--per-class 200] [--repeat 3]
                                       [--sweep] [--quick] [--no-write]

Writes the "longdoc" section of docs/benchmarks.md: accuracy, texts/s and chunks/s of
``predict_batch`` on the first ``--per-class`` positive and negative reviews of
``movie_reviews`` (sorted by file name, as issue 12 measured them), read

- in chunks (the default: windows of up to ``CHUNK_TOKENS`` tokens, their probabilities
  averaged; core/predict/chunks.py),
- truncated to the first ``inference_limit`` tokens (``--long-text truncate``),
- cut at the training length, as every model read them before issue 12 (for context).

``--sweep`` adds the measurements behind the defaults: window lengths, overlaps,
sentence-aligned windows, mean vs length-weighted mean (accuracy and time of one run each).

The model is MiniLM fine-tuned for one epoch on rt_polarity: ``--model``, or /tmp/minilm-ft
(also the explain benchmark's), trained there with the command line when it is missing
(a few minutes on a CPU).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_section  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
MODEL_DEFAULT = Path("/tmp/minilm-ft")
TRAIN_DATA = SHARED / "sentiment" / "rt_polarity.csv"
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*")


def movie_reviews(per_class: int) -> tuple[list[str], list[str]]:
    """The first ``per_class`` positive and negative reviews (file names sorted)."""
    import nltk

    from desktop_app.core.data.dataset import load_dataset

    if str(SHARED / "nltk_data") not in nltk.data.path:
        nltk.data.path.insert(0, str(SHARED / "nltk_data"))
    frame = load_dataset("nltk:movie_reviews").frame
    texts: list[str] = []
    labels: list[str] = []
    for label in ("positive", "negative"):
        part = frame[frame["label"] == label].head(per_class)
        texts.extend(part["text"].astype(str))
        labels.extend([label] * len(part))
    return texts, labels


def get_model(folder: str | None):  # noqa: ANN201
    from desktop_app.core.models import load_model

    path = Path(folder) if folder else MODEL_DEFAULT
    if not path.is_dir():
        if folder:
            raise SystemExit(f"model folder not found: {folder}")
        print(f"training MiniLM for one epoch on {TRAIN_DATA.name} into {path}…", flush=True)
        command = [sys.executable, "-m", "desktop_app", "train", str(TRAIN_DATA)]
        command += ["--model", "minilm", "--epochs", "1", "--out", str(path)]
        subprocess.run(command, cwd=ROOT, check=True)
    return load_model(str(path), device="cpu"), path


def accuracy(probs: np.ndarray, labels: list[str], names: list[str]) -> float:
    predicted = [names[i] for i in np.argmax(probs, axis=1)]
    return float(np.mean([p == t for p, t in zip(predicted, labels, strict=True)]))


def bench_modes(model, texts, labels, repeat: int) -> list[dict]:  # noqa: ANN001
    """``predict_batch`` in chunk and truncate mode (medians of ``repeat`` runs), and the
    old reading: texts cut at the training length."""
    from desktop_app.core.predict.batch import predict_batch

    rows = []
    for mode in ("chunk", "truncate"):
        runs = [predict_batch(model, texts, labels, long_text=mode) for _ in range(repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        chunks = sum(runs[0]["chunks"])
        limit = model.inference_limit
        size = model.chunk_tokens
        how = (
            f"in windows of {size} tokens (texts over {size}; the default)"
            if mode == "chunk"
            else f"truncated to {limit} tokens (`--long-text truncate`)"
        )
        rows.append(_row(how, runs[0]["accuracy"], len(texts), chunks, seconds))
        print(rows[-1], flush=True)
    ids, _ = model.encode(texts)  # cut at the training max_length, as before issue 12
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        probs = model.proba_from_ids(ids, batch_size=128)
        times.append(time.perf_counter() - began)
    how = f"cut at the training length ({model.max_length} tokens; before issue 12)"
    rows.append(
        _row(how, accuracy(probs, labels, model.labels), len(texts), len(texts), min(times))
    )
    print(rows[-1], flush=True)
    return rows


def _row(how: str, acc: float, texts: int, chunks: int, seconds: float) -> dict:
    return {
        "how": how,
        "accuracy": acc,
        "texts": texts,
        "chunks": chunks,
        "seconds": seconds,
        "texts_per_second": texts / seconds,
        "chunks_per_second": chunks / seconds,
    }


def sentence_windows(text: str, spans: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Token windows that end at sentence ends: sentences packed greedily into ``size``
    tokens (a longer sentence: plain overlapping windows)."""
    from desktop_app.core.predict.chunks import plan_windows

    ends = sorted(m.end() for m in SENTENCE_END.finditer(text))
    starts = [0]
    j = 0
    for i in range(1, len(spans)):
        while j < len(ends) and ends[j] <= spans[i - 1][1]:
            j += 1
        if j < len(ends) and ends[j] <= spans[i][0]:
            starts.append(i)
    sentences = list(zip(starts, [*starts[1:], len(spans)], strict=True))
    windows: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for a, b in sentences:
        if b - a > size:
            if current:
                windows.append(current)
                current = None
            windows.extend((a + s, a + e) for s, e in plan_windows(b - a, size))
        elif current and b - current[0] <= size:
            current = (current[0], b)
        else:
            if current:
                windows.append(current)
            current = (a, b)
    if current:
        windows.append(current)
    return windows or [(0, 0)]


def bench_sweep(model, texts, labels) -> list[dict]:  # noqa: ANN001
    """Accuracy and time of one run per reading: window lengths, overlaps, sentence-aligned
    windows; each with the mean and the length-weighted mean of the windows."""
    from desktop_app.core.predict.chunks import Reading, aggregate, plan_reading

    tokenised = model.content_tokens(texts, offsets=True)
    special = model.special_tokens
    readings: list[tuple[str, Reading]] = []
    for size, overlap in ((64, 16), (128, 32), (256, 0), (256, 32), (256, 64), (512, 32)):
        reading = plan_reading(model, texts, "chunk", chunk_tokens=size, overlap=overlap)
        readings.append((f"token windows of {size}, overlap {overlap}", reading))
    for size in (128, 256, 512):
        reading = Reading()
        for index, (ids, spans) in enumerate(tokenised):
            windows = sentence_windows(texts[index], spans or [], size - special)
            if len(ids) + special <= size:
                windows = [(0, len(ids))]
            reading.counts.append(len(windows))
            for start, end in windows:
                reading.inputs.append(model.wrap(ids[start:end]))
                reading.owner.append(index)
                reading.tokens.append(end - start)
        readings.append((f"sentence-aligned windows of up to {size}", reading))
    rows = []
    for name, reading in readings:
        began = time.perf_counter()
        window_probs = model.proba_from_ids(reading.inputs, batch_size=128)
        seconds = time.perf_counter() - began
        for how in ("mean", "weighted"):
            probs = aggregate(window_probs, reading.owner, len(texts), reading.tokens, how)
            label = f"{name}, {'mean' if how == 'mean' else 'length-weighted mean'}"
            rows.append(
                _row(
                    label,
                    accuracy(probs, labels, model.labels),
                    len(texts),
                    len(reading.inputs),
                    seconds,
                )  # fmt: skip
            )
            print(rows[-1], flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| reading | accuracy | texts | chunks | texts/s | chunks/s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['how']} | {r['accuracy']:.3f} | {r['texts']:,} | {r['chunks']:,} | "
            f"{r['texts_per_second']:.2f} | {r['chunks_per_second']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="fine-tuned MiniLM folder (default /tmp/minilm-ft)")
    parser.add_argument("--per-class", type=int, default=200, help="reviews per class (200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (median)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--sweep", action="store_true", help="also compare window settings")
    parser.add_argument("--quick", action="store_true", help="20 reviews per class, one run")
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args(argv)
    if args.quick:
        args.per_class, args.repeat = 20, 1
    if not (SHARED / "nltk_data").is_dir():
        print(f"skipping: {SHARED / 'nltk_data'} not found", flush=True)
        return 0

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    model, folder = get_model(args.model)
    texts, labels = movie_reviews(args.per_class)
    lengths = [len(ids) for ids, _ in model.content_tokens(texts)]
    started = time.perf_counter()
    modes = bench_modes(model, texts, labels, args.repeat)
    sweep = bench_sweep(model, texts, labels) if args.sweep else []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    markdown = f"""## Long documents: chunked vs truncated

{len(texts)} NLTK `movie_reviews` ({args.per_class} positive, {args.per_class} negative: the first
files by name), {statistics.mean(lengths):,.0f} tokens on average (median
{statistics.median(lengths):,.0f}, longest {max(lengths):,}). Model: MiniLM-L6 fine-tuned for one
epoch on `rt_polarity` sentences (`{folder}`; training length {model.max_length} tokens, accepts
{model.inference_limit} at once); CPU, torch {torch.__version__}, {torch.get_num_threads()}
thread(s); `predict_batch`, medians of {args.repeat} run(s). 1-minute load average at the end:
{load:.1f}; {time.perf_counter() - started:.0f} s in all.

{table(modes)}
"""
    if sweep:
        markdown += f"""
### Window settings (one run each)

A text no longer than the window is read whole; "chunks" counts the windows read.

{table(sweep)}
"""
    print(markdown)
    if not args.no_write:
        write_section("longdoc", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
