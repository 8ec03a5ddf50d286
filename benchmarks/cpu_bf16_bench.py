"""Training in bf16 on the CPU: one epoch of MiniLM on rt_polarity in fp32 and with bf16 autocast.

    python -m benchmarks.cpu_bf16_bench [--threads 2] [--epochs 1]

Both runs use the same split (80/10/10, stratified, seed 0), seed, batch size and max length;
each runs in its own process. The bf16 run sets ``TrainConfig.cpu_bf16`` (training steps in
bf16 autocast; validation and test in fp32). The option is kept (off by default) only while the
test accuracy stays within 0.5 point of fp32. Writes the "cpu_bf16" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sentiment" / "rt_polarity.csv"
THRESHOLD = 0.005  # half a point of accuracy


def child(bf16: bool, threads: int, epochs: int) -> dict:
    from benchmarks.train_bench import load_data
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.train import train_model

    data = load_data()
    config = TrainConfig(
        model="minilm", epochs=epochs, device="cpu", threads=threads, cpu_bf16=bf16
    )
    start = time.perf_counter()
    result = train_model(config, data)
    last = result.history["epochs"][-1]
    return {
        "accuracy": result.metrics["accuracy"],
        "macro_f1": result.metrics["macro_f1"],
        "val_accuracy": last["val_accuracy"],
        "train_seconds": sum(e["seconds"] for e in result.history["epochs"]),
        "samples_per_second": last["samples_per_second"],
        "wall_seconds": time.perf_counter() - start,
        "max_length": result.model.max_length,
        "n_train": len(data.train_texts),
        "n_test": len(data.test_texts),
    }


def run_child(bf16: bool, threads: int, epochs: int) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        path = out.name
    cmd = [sys.executable, "-m", "benchmarks.cpu_bf16_bench", "--child", "bf16" if bf16 else "fp32"]
    cmd += ["--threads", str(threads), "--epochs", str(epochs), "--out", path]
    code = subprocess.call(cmd, cwd=ROOT)
    if code != 0:
        raise SystemExit(f"the {'bf16' if bf16 else 'fp32'} run failed with exit status {code}")
    result = json.loads(Path(path).read_text())
    os.unlink(path)
    return result


def markdown(fp32: dict, bf16: dict, threads: int, epochs: int) -> str:
    diff = bf16["accuracy"] - fp32["accuracy"]
    speed = bf16["samples_per_second"] / fp32["samples_per_second"]
    kept = abs(diff) <= THRESHOLD
    lines = [
        "## Training in bf16 on the CPU (`python -m benchmarks.cpu_bf16_bench`)",
        "",
        f"MiniLM fine-tuned for {epochs} epoch(s) on rt_polarity (80/10/10 stratified, seed 0: "
        f"{fp32['n_train']:,} training texts, test accuracy on {fp32['n_test']:,}), default "
        f"settings, CPU, {threads} torch threads, one run each, the same seed. bf16 = the "
        "training steps under `torch.autocast('cpu', torch.bfloat16)`; validation and test in "
        "fp32.",
        "",
        "| training | test accuracy | macro-F1 | training steps | samples/s | whole run |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in (("fp32", fp32), ("bf16 autocast", bf16)):
        lines.append(
            f"| {name} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['train_seconds']:.0f} s "
            f"| {r['samples_per_second']:.1f} | {r['wall_seconds']:.0f} s |"
        )
    lines += [
        "",
        f"bf16 vs fp32: accuracy {diff * 100:+.2f} points, training steps **{speed:.2f}×** "
        f"as fast. The rule: offer bf16 training only within 0.5 point of fp32 -- "
        + (
            "met, so `cpu_bf16` is a training option (off by default)."
            if kept
            else "not met, so training on the CPU stays fp32."
        ),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--child", choices=("fp32", "bf16"))
    parser.add_argument("--out")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.child:
        result = child(args.child == "bf16", args.threads, args.epochs)
        Path(args.out).write_text(json.dumps(result))
        return 0
    if not DATA.is_file():
        print(f"skipped: {DATA} not found (the shared data lives beside the project)")
        return 0
    fp32 = run_child(False, args.threads, args.epochs)
    print("fp32", json.dumps(fp32), flush=True)
    bf16 = run_child(True, args.threads, args.epochs)
    print("bf16", json.dumps(bf16), flush=True)
    text = markdown(fp32, bf16, args.threads, args.epochs)
    print(text)
    if not args.no_write:
        from benchmarks.report import write_section

        write_section("cpu_bf16", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
