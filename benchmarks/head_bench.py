"""minilm-head: C chosen by 5-fold cross-validation on train + validation (what the app does)
against the validation split alone (what it did before), on rt_polarity and tweeteval_val.

    python -m benchmarks.head_bench [--threads 2]

Each data set is split 80/10/10 (stratified, seed 0) with the app's own loader and split, and
embedded once with the frozen bundled MiniLM; the heads are then fitted on those embeddings:
- "validation split": a head per C fitted on train, C with the best validation macro-F1, that
  head kept (train only);
- "5-fold CV": :func:`~desktop_app.core.models.minilm_head.choose_c` on train + validation,
  then the head refitted on train + validation (the app's ``minilm-head``);
- "C = 1, train + validation": no choice at all, for reference.
The test split is used for the test figures only. Writes the "head" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sentiment"
SETS = ("rt_polarity.csv", "tweeteval_val.csv")


def split_data(path: Path):  # noqa: ANN201
    from desktop_app.core.data.dataset import load_dataset
    from desktop_app.core.training.data import TrainData

    return TrainData.from_dataset(load_dataset(str(path)).split(0.8, 0.1, 0.1, seed=0))


def test_figures(clf, x: np.ndarray, y: np.ndarray) -> dict:  # noqa: ANN001
    from sklearn.metrics import accuracy_score, f1_score

    from desktop_app.core.training.metrics import wilson_interval

    pred = clf.predict(x)
    correct = int((pred == y).sum())
    return {
        "accuracy": accuracy_score(y, pred),
        "accuracy_ci": wilson_interval(correct, len(y)),
        "macro_f1": f1_score(y, pred, average="macro"),
    }


def validation_choice(x_train, y_train, x_val, y_val, seed: int = 0):  # noqa: ANN001, ANN201
    """The choice before: a head per C on train, the best validation macro-F1 (ties: smaller C)."""
    from sklearn.metrics import f1_score

    from desktop_app.core.models.minilm_head import C_GRID, fit_head

    best, scores = None, []
    for c in C_GRID:
        clf = fit_head(x_train, y_train, c, seed)
        f1 = f1_score(y_val, clf.predict(x_val), average="macro")
        scores.append({"C": c, "macro_f1": float(f1)})
        if best is None or f1 > best[0]:
            best = (f1, c, clf)
    return best[1], best[2], scores


def bench(name: str) -> dict:
    from desktop_app.core.models.minilm_head import Encoder, choose_c, fit_head

    data = split_data(DATA / name)
    index = {label: i for i, label in enumerate(data.labels)}
    encoder = Encoder(device="cpu")
    start = time.perf_counter()
    x = {
        "train": encoder.embed(data.train_texts),
        "validation": encoder.embed(data.val_texts),
        "test": encoder.embed(data.test_texts),
    }
    embed_seconds = time.perf_counter() - start
    y = {
        "train": np.asarray([index[v] for v in data.train_labels]),
        "validation": np.asarray([index[v] for v in data.val_labels]),
        "test": np.asarray([index[v] for v in data.test_labels]),
    }
    both_x = np.concatenate([x["train"], x["validation"]])
    both_y = np.concatenate([y["train"], y["validation"]])
    rows = {}

    start = time.perf_counter()
    c, clf, scores = validation_choice(x["train"], y["train"], x["validation"], y["validation"])
    rows["validation split"] = {
        "C": c,
        "seconds": time.perf_counter() - start,
        "scores": scores,
        **test_figures(clf, x["test"], y["test"]),
    }
    start = time.perf_counter()
    choice = choose_c(both_x, both_y, len(data.labels))
    clf = fit_head(both_x, both_y, choice.c)
    rows["5-fold CV on train + validation"] = {
        "C": choice.c,
        "seconds": time.perf_counter() - start,
        "scores": [{"C": s["C"], "macro_f1": s["macro_f1"]} for s in choice.scores],
        **test_figures(clf, x["test"], y["test"]),
    }
    start = time.perf_counter()
    clf = fit_head(both_x, both_y, 1.0)
    rows["C = 1, train + validation"] = {
        "C": 1.0,
        "seconds": time.perf_counter() - start,
        **test_figures(clf, x["test"], y["test"]),
    }
    return {
        "name": name,
        "sizes": data.sizes(),
        "labels": data.labels,
        "embed_seconds": embed_seconds,
        "rows": rows,
    }


def markdown(results: list[dict], threads: int, total: float) -> str:
    lines = [
        "## minilm-head: choosing C (`python -m benchmarks.head_bench`)",
        "",
        "Frozen bundled MiniLM embeddings (computed once per data set), logistic-regression "
        "heads over C in 0.1, 0.3, 1, 3, 10, 30, 100. Each file split 80/10/10 (stratified, "
        "seed 0); the test split only scores. *Validation split*: the choice before (heads "
        "fitted on train, C by validation macro-F1). *5-fold CV*: what `minilm-head` does now "
        "(C by the mean macro-F1 of stratified 5-fold cross-validation on train + validation, "
        "then refitted on train + validation). *C = 1*: no choice, for reference. Time: the "
        f"choice and fit(s) on the embeddings, CPU, {threads} threads, one run.",
        "",
        "| data | choice of C | C | test accuracy (95 % CI) | test macro-F1 | time |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        sizes = r["sizes"]
        data = (
            f"`{r['name']}` ({sizes['train']:,} / {sizes['validation']:,} / "
            f"{sizes['test']:,}, {len(r['labels'])} classes)"
        )
        for method, row in r["rows"].items():
            low, high = row["accuracy_ci"]
            lines.append(
                f"| {data} | {method} | {row['C']:g} | {row['accuracy']:.4f} "
                f"({low:.3f}–{high:.3f}) | {row['macro_f1']:.4f} | {row['seconds']:.1f} s |"
            )
            data = ""
    lines.append("")
    for r in results:
        for method in ("validation split", "5-fold CV on train + validation"):
            scores = ", ".join(
                f"{s['C']:g}: {s['macro_f1']:.3f}" for s in r["rows"][method]["scores"]
            )
            lines.append(f"- `{r['name']}`, {method}, macro-F1 per C: {scores}.")
        lines.append(
            f"- `{r['name']}`: embedding all {sum(r['sizes'].values()):,} texts took "
            f"{r['embed_seconds']:.0f} s (once, cached by the app)."
        )
    lines += ["", f"Whole benchmark: {total / 60:.1f} minutes."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    missing = [name for name in SETS if not (DATA / name).is_file()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found in {DATA}")
        return 0
    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    results = []
    for name in SETS:
        results.append(bench(name))
        print(json.dumps(results[-1]), flush=True)
    text = markdown(results, args.threads, time.perf_counter() - start)
    print(text)
    if not args.no_write:
        from benchmarks.report import write_section

        write_section("head", text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
