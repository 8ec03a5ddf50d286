"""Run every benchmark in turn (`make bench`); each rewrites its own section of docs/benchmarks.md.

The package benchmark needs a built bundle (`make package`) and is skipped without one.
Benchmarks run one after another, in their own processes, so they do not compete for cores.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "load_bench",
    "dataset_gui_bench",
    "table_gui_bench",
    "train_bench",
    "head_bench",
    "cpu_bf16_bench",
    "training_gui_bench",
    "explain_bench",
    "lime_ceiling_bench",
    "explain_gui_bench",
    "longdoc_bench",
    "label_bench",
    "rss_bench",
    "ray_bench",
    "ray_gui_bench",
    "package_bench",
    "gpu_bench",  # says "no CUDA GPU: skipped" without one; scripts/gpu_check.sh runs it there
]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    failed = []
    for name in names:
        if name == "package_bench" and not (ROOT / "dist" / "sentiment-studio").is_dir():
            print("skipping package_bench: build the bundle first with `make package`", flush=True)
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"], cwd=ROOT)
        print(f"== {name}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
