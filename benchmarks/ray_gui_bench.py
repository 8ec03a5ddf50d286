"""GUI-thread stalls while the Predict tab predicts a file on a local Ray instance.

``python -m benchmarks.ray_gui_bench [--rows N] [--workers W] [--runs R] [--no-write]``

Loads the bundled MiniLM with a two-class head (saved to a folder, as Ray workers need), opens
rt_polarity.csv repeated to ``rows`` rows in the Predict tab's file panel, picks "Run on: Ray
cluster…" (empty address: a local Ray instance) and presses Predict file, as a user would.
A 5 ms ``QTimer`` on the GUI thread records the longest gap between its ticks (target: <= 50
ms) from the press until the result is shown: Ray's start (in the driver's child process),
the workers loading the model, the predictions, the Parquet file and the shutdown. Median over the runs (each starts and stops its own Ray instance); writes the
``ray_gui`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.dataset_gui_bench import TARGET_STALL_MS, baseline
from benchmarks.ray_bench import DATA, make_data, make_model
from benchmarks.report import write_section
from benchmarks.table_gui_bench import CpuStallProbe, wait_until


def run(rows: int, workers: int, runs: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from PySide6.QtCore import QSettings

    from desktop_app.ui.app import create_application
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.widgets.engine_box import RAY

    app = create_application([sys.argv[0]])
    workdir = Path(tempfile.mkdtemp(prefix="ray-gui-bench-"))
    data = make_data(rows, workdir)
    model = make_model(workdir)
    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.show()
    service = window.service
    wait_until(app, lambda: not service.is_busy())
    job = service.submit("load_model", {"folder": str(model)})
    wait_until(app, lambda: not job.active)
    panel = window.findChild(object, "predictFilePanel")
    panel.load_file(str(data))
    wait_until(app, lambda: panel.batch_button.isEnabled())
    box = panel.ray_run.box
    box.engine_combo.setCurrentIndex(box.engine_combo.findData(RAY))
    box.workers_spin.setValue(workers)

    probe = CpuStallProbe()
    idle_ms = baseline(probe, None)
    results = []
    for index in range(runs):
        out = workdir / f"run{index}.parquet"
        panel.ray_run.out_edit.setText(str(out))
        first: list[float] = []
        probe.start()
        began = time.perf_counter()
        panel.batch_button.click()
        handle = panel.ray_run.job

        def on_progress(report: Any, first: list[float] = first) -> None:
            if report.done and not first:
                first.append(time.perf_counter())  # the first predicted rows are back

        handle.progressed.connect(on_progress)
        wait_until(app, lambda: panel.ray_run.job is None, timeout_s=1800)
        seconds = time.perf_counter() - began
        probe.stop()
        if handle.status != "succeeded":
            raise SystemExit(f"the Ray run did not succeed: {handle.error}")
        summary = panel.ray_run.summary or {}
        split = first[0] if first else time.perf_counter()
        result = {
            "seconds": seconds,
            "stall_ms": probe.longest_ms(),
            "startup_stall_ms": probe.longest_ms(until=split),
            "steady_stall_ms": probe.longest_ms(since=split),
            "cpu_ms": probe.longest_cpu_ms(),
            "rows_per_second": summary.get("rows_per_second") or 0.0,
            "startup_seconds": summary.get("startup_seconds") or 0.0,
        }
        results.append(result)
        print(
            f"run {index + 1}: {seconds:.1f} s, longest GUI stall {result['stall_ms']:.0f} ms "
            f"(start-up {result['startup_stall_ms']:.0f} ms, predicting "
            f"{result['steady_stall_ms']:.0f} ms; GUI-thread CPU in it {result['cpu_ms']:.0f} ms)",
            flush=True,
        )
    window.close()
    culprits = sorted(probe.culprits.items(), key=lambda item: -item[1])[:6]
    return {
        "rows": rows,
        "workers": workers,
        "runs": runs,
        "idle_ms": idle_ms,
        **{
            key: statistics.median(r[key] for r in results) for key in results[0] if key != "cpu_ms"
        },
        "stalls": [r["stall_ms"] for r in results],
        "culprits": [(where, seconds * 1000.0) for where, seconds in culprits],
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def markdown(result: dict[str, Any]) -> str:
    ok = "meets" if result["stall_ms"] <= TARGET_STALL_MS else "misses"
    runs = ", ".join(f"{s:.0f}" for s in result["stalls"])
    load = result.get("load_average")
    lines = [
        "## Predict tab on Ray: GUI-thread stalls during a Ray prediction\n\n",
        f"The Predict tab's file panel predicts rt_polarity.csv repeated to {result['rows']:,} "
        f"rows with MiniLM (two-class head) on a local Ray instance with {result['workers']} "
        "workers (Run on: Ray cluster…, empty address), offscreen, while a 5 ms `QTimer` on the "
        "GUI thread records the longest gap between its ticks from the press of Predict file "
        f"until the result is shown. Median of {result['runs']} runs, each starting and "
        "stopping its own Ray instance.\n\n",
        "| measure | value |\n|---|---|\n",
        f"| longest GUI-thread stall | **{result['stall_ms']:.0f} ms** (runs: {runs}; target "
        f"<= {TARGET_STALL_MS:.0f} ms: {ok}) |\n",
        f"| … until the first rows came back (Ray's start, workers loading the model) | "
        f"{result['startup_stall_ms']:.0f} ms |\n",
        f"| … while predicting and writing | {result['steady_stall_ms']:.0f} ms |\n",
        f"| run time (press to result) | {result['seconds']:.1f} s "
        f"(start-up {result['startup_seconds']:.1f} s) |\n",
        f"| rows/s (whole run) | {result['rows_per_second']:,.0f} |\n",
        f"| baseline: the same probe, nothing running | {result['idle_ms']:.0f} ms |\n",
    ]
    if load is not None:
        lines.append(f"\nLoad average {load:.1f} on {os.cpu_count()} cores during the run.\n")
    lines.append(
        "\nThe Ray driver runs in a child process (`desktop_app/core/scale/detached.py`), "
        "supervised from the panel's own task thread (`desktop_app/ui/predict/ray_run.py`): "
        "in the app's process, `ray.init` alone held the GIL for 1.1-1.4 s (Ray builds its "
        "`CoreWorker` without giving the GIL up), and the window froze that long. The GUI "
        "thread now only receives progress reports (throttled by the job context) and, at the "
        "end, the summary with the first 50 rows. A stall with little GUI-thread CPU in it and "
        "no culprit is the OS scheduler: compare it with the baseline, the probe alone on the "
        "same (shared) machine.\n"
    )
    if result["culprits"]:
        lines.append("\n| gap | where another thread was |\n|---|---|\n")
        lines.extend(f"| {ms:.0f} ms | {where} |\n" for where, ms in result["culprits"])
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"skipped: {DATA} not found (the shared data lives beside the project)")
        return 0
    result = run(args.rows, args.workers, args.runs)
    text = markdown(result)
    print(text)
    if not args.no_write:
        write_section("ray_gui", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
