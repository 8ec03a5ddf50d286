"""Memory: the process's resident size over 200 predict + explain jobs with a minilm-head model.

    python -m benchmarks.rss_bench [--jobs 200] [--samples 1000] [--runs 3] [--modes ...]

Each job is what the Predict and Explain tabs send for one text: a ``predict`` job, then an
``explain`` job at the tab's defaults (1,000 samples, 3 runs), both through
``ModelWorker.run_job`` on a plain Python thread, as in the app (the worker thread gets its
own glibc arena). Every job has another sentence of ``rt_polarity.csv`` (lengths vary as
they do for a user). The model is a ``minilm-head`` trained on 200 other rows of the file.
The resident size (RSS, from /proc) is read after each job.

Modes, each in its own child process of the same run so that no heap carries over:

- ``before``: every batch padded to its own longest text and nothing given back after a job
  (the behaviour the issue measured: 535 -> 1,426 MB over 200 jobs, still rising);
- ``padding``: padded lengths rounded up to 16 fixed sizes only;
- ``trim``: ``malloc_trim(0)`` after each job only;
- ``after``: both, as the app now does.

Target: growth after the first 20 jobs <= 10 %. Writes the ``rss`` section of
docs/benchmarks.md; Linux only (glibc, /proc).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_section  # noqa: E402

# ../shared/data beside the project (one level further up from a git worktree in wt/)
DATA = next(
    (
        p / "shared" / "data" / "sentiment" / "rt_polarity.csv"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared" / "data" / "sentiment" / "rt_polarity.csv").exists()
    ),
    ROOT.parent / "shared" / "data" / "sentiment" / "rt_polarity.csv",
)
MODES = ("before", "padding", "trim", "after")
TARGET_GROWTH = 0.10
WARM_JOBS = 20
TRAIN_ROWS = 200


def _rows(path: Path) -> list[dict[str, str]]:
    import random

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(0).shuffle(rows)
    return rows


def _model(rows: list[dict[str, str]]) -> Any:
    from desktop_app.core.training.train import TrainConfig, TrainData, train_model

    train, val = rows[:160], rows[160:TRAIN_ROWS]
    data = TrainData(
        [r["text"] for r in train],
        [r["label"] for r in train],
        [r["text"] for r in val],
        [r["label"] for r in val],
        [r["text"] for r in val],
        [r["label"] for r in val],
    )
    return train_model(TrainConfig(model="minilm-head", device="cpu"), data).model


def child(mode: str, jobs: int, samples: int, runs: int, data: Path) -> dict[str, Any]:
    """Run ``jobs`` predict + explain pairs in this process; RSS after each."""
    import torch

    from desktop_app import worker as worker_module
    from desktop_app.core import memory
    from desktop_app.core.models import neural

    neural.BUCKETED_PADDING = mode in ("padding", "after")
    trim_seconds: list[float] = []
    if mode in ("trim", "after"):

        def timed_release() -> bool:
            started = time.perf_counter()
            done = memory.release_memory()
            trim_seconds.append(time.perf_counter() - started)
            return done

        worker_module.release_memory = timed_release
    else:
        worker_module.release_memory = lambda: False

    rows = _rows(data)
    model = _model(rows)
    texts = [r["text"] for r in rows[TRAIN_ROWS : TRAIN_ROWS + jobs]]
    worker = worker_module.ModelWorker()
    worker.state.set_model(model, saved=False)
    failures: list[str] = []

    def on_done(job: int, name: str, outcome: Any) -> None:
        if outcome.status != "succeeded":
            failures.append(outcome.message or outcome.status)

    worker.done.connect(on_done)
    rss: list[float] = []
    seconds: list[float] = []
    start_rss = memory.resident_mb()

    def loop() -> None:
        for i, text in enumerate(texts):
            started = time.perf_counter()
            worker.run_job(2 * i, "predict", {"texts": [text]}, threading.Event())
            params = {"text": text, "num_samples": samples, "runs": runs}
            worker.run_job(2 * i + 1, "explain", params, threading.Event())
            seconds.append(time.perf_counter() - started)
            rss.append(memory.resident_mb() or 0.0)
            if failures:
                return

    thread = threading.Thread(target=loop, name="ModelWorkerThread")
    thread.start()
    thread.join()
    if failures:
        raise SystemExit(f"a job failed: {failures[0]}")
    return {
        "mode": mode,
        "rss": rss,
        "seconds": seconds,
        "start_rss": start_rss,
        "trim_ms": 1000 * sum(trim_seconds) / len(trim_seconds) if trim_seconds else None,
        "threads": torch.get_num_threads(),
        "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled),
    }


def _growth(rss: list[float]) -> float:
    base = rss[min(WARM_JOBS, len(rss)) - 1]
    return (rss[-1] - base) / base


def _slope(rss: list[float]) -> float:
    """MB per job after the warm-up (least squares)."""
    import numpy as np

    tail = np.asarray(rss[WARM_JOBS - 1 :] if len(rss) > WARM_JOBS else rss)
    if len(tail) < 2:
        return 0.0
    return float(np.polyfit(np.arange(len(tail)), tail, 1)[0])


def report(results: list[dict[str, Any]], args: argparse.Namespace, loads: list[float]) -> str:
    import statistics

    jobs = len(results[0]["rss"])
    marks = sorted({1, *range(WARM_JOBS, jobs + 1, max(WARM_JOBS, jobs // 10 // 10 * 10)), jobs})
    titles = {
        "before": "before: padding to each batch's longest, no trim",
        "padding": "fixed padded lengths only",
        "trim": "`malloc_trim(0)` after each job only",
        "after": "after: fixed padded lengths + trim (the app)",
    }
    lines = [
        f"Resident size of one process running {jobs} jobs, each a `predict` then an `explain` "
        f"({args.samples:,} samples, {args.runs} runs: the Explain tab's defaults) of another "
        "`rt_polarity.csv` sentence, through `ModelWorker.run_job` on a worker thread, with a "
        f"`minilm-head` model (bundled MiniLM-L6 encoder, head trained on {TRAIN_ROWS} rows); "
        f"{results[0]['threads']} torch threads, oneDNN "
        f"{'on' if results[0]['mkldnn'] else 'off'}. Each mode ran in its own process of the "
        f"same run, one after another. Target: growth after the first {WARM_JOBS} jobs <= "
        f"{TARGET_GROWTH:.0%}.",
        "",
        f"| mode | RSS after job 1 | after job {WARM_JOBS} | after job {jobs} | growth after job "
        f"{WARM_JOBS} | MB per job after job {WARM_JOBS} | s per job (median) | trim |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rss = r["rss"]
        trim = f"{r['trim_ms']:.0f} ms" if r["trim_ms"] is not None else "-"
        lines.append(
            f"| {titles[r['mode']]} | {rss[0]:,.0f} MB | {rss[min(WARM_JOBS, jobs) - 1]:,.0f} MB "
            f"| {rss[-1]:,.0f} MB | {_growth(rss):+.1%} | {_slope(rss):+.2f} "
            f"| {statistics.median(r['seconds']):.2f} | {trim} |"
        )
    lines += [
        "",
        "RSS (MB) after job:",
        "",
        "| mode | " + " | ".join(str(m) for m in marks) + " |",
        "|---|" + "---|" * len(marks),
    ]
    for r in results:
        lines.append(
            f"| {r['mode']} | " + " | ".join(f"{r['rss'][m - 1]:,.0f}" for m in marks) + " |"
        )
    after = next((r for r in results if r["mode"] == "after"), None)
    if after is not None:
        growth = _growth(after["rss"])
        verdict = "meets" if growth <= TARGET_GROWTH else "misses"
        lines += ["", f"The app's behaviour ({growth:+.1%}) {verdict} the target."]
    lines += [
        "",
        f"The machine is shared: load average {loads[0]:.2f} at the start, "
        f"{loads[1]:.2f} at the end (1 minute), so times per job are rough; the sizes are not "
        "affected.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES)
    )
    parser.add_argument("--data", type=Path, default=DATA, help="rt_polarity.csv")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("rss_bench needs Linux (glibc's malloc_trim, /proc/self/statm)", file=sys.stderr)
        return 2
    if not args.data.exists():
        print(f"the data is missing: {args.data}", file=sys.stderr)
        return 2
    if args.child:
        print(json.dumps(child(args.child, args.jobs, args.samples, args.runs, args.data)))
        return 0
    modes = [m for m in args.modes.split(",") if m]
    loads = [os.getloadavg()[0]]
    results = []
    for mode in modes:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.rss_bench", "--child", mode, "--jobs",
             str(args.jobs), "--samples", str(args.samples), "--runs", str(args.runs),
             "--data", str(args.data)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        rss = result["rss"]
        print(
            f"{mode}: {rss[0]:.0f} -> {rss[min(WARM_JOBS, len(rss)) - 1]:.0f} -> {rss[-1]:.0f} MB "
            f"({_growth(rss):+.1%} after job {WARM_JOBS}) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    loads.append(os.getloadavg()[0])
    markdown = (
        f"## Memory over {args.jobs} predict + explain jobs (`python -m benchmarks.rss_bench`)\n\n"
    )
    markdown += report(results, args, loads)
    if args.no_write:
        print(markdown)
    else:
        write_section("rss", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
