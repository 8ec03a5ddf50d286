"""Training benchmark: accuracy and wall time per model on rt_polarity, fine-tuning throughput
against transformers.Trainer, length-grouped vs random batches, peak RSS.

    python -m benchmarks.train_bench [--threads 2] [--skip minilm,...] [--reps 3]

Each model trains in its own subprocess (``--child KIND``) so its peak RSS and time are its own.
Writes the "train" section of docs/benchmarks.md and prints the JSON it was made from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sentiment" / "rt_polarity.csv"
KINDS = ("tfidf", "vader", "bilstm", "minilm-head", "minilm")
TARGETS = {"minilm": 0.84, "minilm-head": 0.75, "bilstm": 0.75}


def load_data():  # noqa: ANN201
    """rt_polarity split 80/10/10, stratified, seed 0 (the app's own loader and split)."""
    from desktop_app.core.data.dataset import load_dataset
    from desktop_app.core.training.data import TrainData

    dataset = load_dataset(str(DATA)).split(0.8, 0.1, 0.1, seed=0)
    return TrainData.from_dataset(dataset)


def tfidf_baseline(data) -> dict:  # noqa: ANN001
    """TF-IDF (1-2-grams) + logistic regression, C chosen on the validation split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    x_train = vectorizer.fit_transform(data.train_texts)
    x_val, x_test = vectorizer.transform(data.val_texts), vectorizer.transform(data.test_texts)
    best = None
    for c in (0.3, 1, 3, 10, 30):
        clf = LogisticRegression(C=c, max_iter=2000).fit(x_train, data.train_labels)
        score = accuracy_score(data.val_labels, clf.predict(x_val))
        if best is None or score > best[0]:
            best = (score, c, clf)
    pred = best[2].predict(x_test)
    return {
        "accuracy": accuracy_score(data.test_labels, pred),
        "macro_f1": f1_score(data.test_labels, pred, average="macro"),
        "seconds": time.perf_counter() - start,
        "note": f"C={best[1]}",
    }


def child(kind: str, threads: int) -> dict:
    """Train one model on the full split (runs in its own process)."""
    import torch

    torch.set_num_threads(threads)
    data = load_data()
    if kind == "tfidf":
        return tfidf_baseline(data)
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.train import train_model

    start = time.perf_counter()
    result = train_model(TrainConfig(model=kind, device="cpu", threads=threads), data)
    wall = time.perf_counter() - start
    epochs = result.history["epochs"]
    return {
        "accuracy": result.metrics["accuracy"],
        "macro_f1": result.metrics["macro_f1"],
        "seconds": wall,
        "train_seconds": result.train_seconds,
        "epochs": epochs,
        "best_epoch": result.best_epoch,
        "stopped_at": result.stopped_at,
        "max_length": result.model.max_length,
        "truncated": result.truncated,
        "vader_baseline": (result.baseline or {}).get("accuracy"),
    }


def run_child(kind: str, threads: int) -> dict:
    """Run ``child`` in a subprocess, sampling its peak RSS."""
    import psutil

    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        path = out.name
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.train_bench",
        "--child",
        kind,
        "--threads",
        str(threads),
        "--out",
        path,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT)
    peak = 0
    handle = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed with exit status {proc.returncode}")
    result = json.loads(Path(path).read_text())
    os.unlink(path)
    result["peak_rss_mb"] = peak / 2**20
    return result


# -- throughput -------------------------------------------------------------------------------
def throughput(threads: int, n: int, reps: int, batch_size: int = 32) -> dict:
    """samples/s of one training epoch over the same ``n`` texts: our loop with length-grouped
    batches, our loop with random batches, and transformers.Trainer with its defaults."""
    import numpy as np
    import torch

    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.loop import (
        length_grouped_batches,
        padding_fraction,
        random_batches,
    )
    from desktop_app.core.training.train import train_model

    torch.set_num_threads(threads)
    full = load_data()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(full.train_texts), size=n, replace=False)
    texts = [full.train_texts[i] for i in pick]
    labels = [full.train_labels[i] for i in pick]
    # tiny validation/test parts: the timings are of the training steps
    data = TrainData(
        texts,
        labels,
        full.val_texts[:32],
        full.val_labels[:32],
        full.test_texts[:32],
        full.test_labels[:32],
    )

    def ours(grouped: bool) -> tuple[float, int]:
        config = TrainConfig(
            model="minilm",
            epochs=1,
            batch_size=batch_size,
            patience=0,
            device="cpu",
            threads=threads,
            length_grouped=grouped,
        )
        result = train_model(config, data)
        return result.history["epochs"][0]["samples_per_second"], result.model.max_length

    def trainer(max_length: int) -> float:
        from transformers import (
            AutoModelForSequenceClassification,
            AutoTokenizer,
            Trainer,
            TrainingArguments,
        )
        from transformers.utils import logging as hf_logging

        from desktop_app.core.models.transformer import bundled_minilm_path

        hf_logging.set_verbosity_error()
        path = str(bundled_minilm_path())
        tokenizer = AutoTokenizer.from_pretrained(path)
        names = sorted(set(labels))
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=len(names))
        enc = tokenizer(texts, truncation=True, max_length=max_length)
        rows = [
            {
                "input_ids": enc["input_ids"][i],
                "attention_mask": enc["attention_mask"][i],
                "labels": names.index(labels[i]),
            }
            for i in range(n)
        ]
        with tempfile.TemporaryDirectory() as out:
            args = TrainingArguments(
                output_dir=out,
                per_device_train_batch_size=batch_size,
                num_train_epochs=1,
                report_to=[],
                save_strategy="no",
                logging_strategy="no",
                use_cpu=True,
                seed=0,
                disable_tqdm=True,
            )
            trainer = Trainer(
                model=model, args=args, train_dataset=rows, processing_class=tokenizer
            )
            start = time.perf_counter()
            trainer.train()
            return n / (time.perf_counter() - start)

    runs: dict[str, list[float]] = {"grouped": [], "random": [], "trainer": []}
    max_length = ours(True)[1]  # warm-up run (one-time start-up costs), not counted
    for _ in range(reps):  # interleaved, so load changes on the shared machine hit all three
        speed, max_length = ours(True)
        runs["grouped"].append(speed)
        runs["random"].append(ours(False)[0])
        runs["trainer"].append(trainer(max_length))
        print("throughput run:", {k: v[-1] for k, v in runs.items()}, flush=True)
    tok_lengths = [len(x) for x in _lengths(texts, max_length)]
    g = length_grouped_batches(tok_lengths, batch_size, np.random.default_rng(0))
    r = random_batches(len(tok_lengths), batch_size, np.random.default_rng(0))
    med = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "n": n,
        "batch_size": batch_size,
        "max_length": max_length,
        "threads": threads,
        "runs": runs,
        "median": med,
        "ratio_vs_trainer": med["grouped"] / med["trainer"],
        "grouped_vs_random": med["grouped"] / med["random"],
        "padding_grouped": padding_fraction(tok_lengths, g),
        "padding_random": padding_fraction(tok_lengths, r),
    }


def _lengths(texts: list[str], max_length: int) -> list[list[int]]:
    from transformers import AutoTokenizer

    from desktop_app.core.models.transformer import bundled_minilm_path

    tok = AutoTokenizer.from_pretrained(str(bundled_minilm_path()))
    return tok(texts, truncation=True, max_length=max_length)["input_ids"]


# -- report ---------------------------------------------------------------------------------
def markdown(results: dict, speed: dict | None, total: float) -> str:
    lines = [
        "## Training (`python -m benchmarks.train_bench`)",
        "",
        f"rt_polarity.csv ({DATA.name}), split 80/10/10 stratified with seed 0; test accuracy on "
        "the 1,066-row test split; default settings of each model; CPU, "
        f"{results.get('_threads')} torch threads, one run each (the machine was shared with "
        "other work, so times are noisy).",
        "",
        "| model | test accuracy | macro-F1 | target | wall time | peak RSS | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        r = results.get(kind)
        if not r:
            continue
        target = TARGETS.get(kind)
        met = (
            "" if target is None else f"≥ {target:.2f} {'✅' if r['accuracy'] >= target else '❌'}"
        )
        notes = r.get("note", "")
        if kind == "tfidf":
            name = "TF-IDF 1-2-grams + logistic regression (baseline)"
        else:
            name = f"`{kind}`"
            if r.get("epochs"):
                best = r.get("best_epoch")
                notes = f"{len(r['epochs'])} epochs, best {best}; {r['stopped_at']}"
                if kind == "minilm":
                    sps = [e.get("samples_per_second") for e in r["epochs"]]
                    notes += f"; {statistics.median(sps):.0f} samples/s"
                    notes += f"; max length {r['max_length']}, {r['truncated']} texts truncated"
        rss = f"{r['peak_rss_mb'] / 1024:.2f} GB" if "peak_rss_mb" in r else ""
        lines.append(
            f"| {name} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {met} | "
            f"{r['seconds']:.0f} s | {rss} | {notes} |"
        )
    if "minilm" in results:
        rss = results["minilm"]["peak_rss_mb"] / 1024
        lines += [
            "",
            f"Peak RSS of the MiniLM fine-tuning process: **{rss:.2f} GB** (target ≤ 2.5 GB).",
        ]
    if speed:
        m = speed["median"]
        lines += [
            "",
            f"### Fine-tuning throughput (MiniLM, {speed['n']} texts, batch {speed['batch_size']}, "
            f"max length {speed['max_length']}, {speed['threads']} threads, median of "
            f"{len(speed['runs']['grouped'])} interleaved runs)",
            "",
            "| loop | samples/s | padding share |",
            "|---|---|---|",
            f"| ours, length-grouped batches (default) | {m['grouped']:.1f} | {speed['padding_grouped']:.0%} |",
            f"| ours, random batches padded to their longest | {m['random']:.1f} | {speed['padding_random']:.0%} |",
            f"| `transformers.Trainer` defaults (dynamic padding, random order) | {m['trainer']:.1f} | {speed['padding_random']:.0%} (about) |",
            "",
            f"Ours vs Trainer: **{speed['ratio_vs_trainer']:.2f}×** (target ≥ 1.5); "
            f"length-grouped vs random batches: **{speed['grouped_vs_random']:.2f}×**.",
        ]
    lines += ["", f"Whole benchmark: {total / 60:.1f} minutes."]
    return "\n".join(lines)


def render(paths: list[str], write: bool = True) -> int:
    """Merge the result files of runs that each did some stages, then write the section."""
    results: dict = {}
    speed, total = None, 0.0
    for path in paths:
        doc = json.loads(Path(path).read_text())
        results.update(doc["results"])
        speed = doc.get("throughput") or speed
        total += doc.get("total_seconds", 0.0)
    text = markdown(results, speed, total)
    print(text)
    if write:
        from benchmarks.report import write_section

        write_section("train", text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: tfidf,vader,bilstm,minilm-head,minilm,throughput",
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--throughput-n", type=int, default=512)
    parser.add_argument("--child")
    parser.add_argument("--out")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--results",
        default=str(Path(tempfile.gettempdir(), "train_bench_results.json")),
        help="where the raw results (JSON) go",
    )
    parser.add_argument(
        "--render",
        nargs="+",
        metavar="JSON",
        help="only write the section from result files of earlier (partial) runs, merged",
    )
    args = parser.parse_args()
    if args.render:
        return render(args.render, write=not args.no_write)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.child:
        Path(args.out).write_text(json.dumps(child(args.child, args.threads)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    start = time.perf_counter()
    results: dict = {"_threads": args.threads}
    speed = None

    def report(final: bool) -> None:
        # written after every stage, so a long run that is stopped still leaves its numbers
        total = time.perf_counter() - start
        text = markdown(results, speed, total)
        if not final:
            text += " (partial: the benchmark was still running)"
        Path(args.results).write_text(
            json.dumps({"results": results, "throughput": speed, "total_seconds": total}, indent=2)
        )
        if not args.no_write:
            from benchmarks.report import write_section

            write_section("train", text)
        if final:
            print(text)

    # the slowest and most important first
    for kind in ("minilm", "minilm-head", "bilstm", "tfidf", "vader"):
        if kind in skip:
            continue
        print(f"== {kind}", flush=True)
        results[kind] = run_child(kind, args.threads)
        print(json.dumps({k: v for k, v in results[kind].items() if k != "epochs"}), flush=True)
        report(final=False)
    if "throughput" not in skip:
        print("== throughput", flush=True)
        speed = throughput(args.threads, args.throughput_n, args.reps)
        print(json.dumps(speed), flush=True)
    report(final=True)
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "train_bench"
    sys.exit(main())
