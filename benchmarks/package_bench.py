"""Package benchmark: bundle and .deb size, start-up to a visible window (frozen and from
source), and the frozen app's self-test per step. Writes the "package" section of
docs/benchmarks.md.

    make package                      # builds dist/sentiment-studio and the .deb first
    .venv/bin/python -m benchmarks.package_bench [--runs 7] [--self-test-runs 3] [--app PATH]

Start-up is timed from launching the process to the line the app prints once its event loop
has shown the main window (``SENTIMENT_STUDIO_EXIT_AFTER_SHOW=1``, offscreen Qt, a fresh
HOME each run); frozen and source runs alternate, after one untimed warm-up of each, so both
read their files from a warm page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
DEFAULT_APP = DIST / "sentiment-studio" / "sentiment-studio"
MARKER = "window visible"


def folder_size(path: Path) -> int:
    """Bytes of all regular files under ``path`` (links not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            p = Path(dirpath, name)
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def clean_env(home: str) -> dict[str, str]:
    env = dict(os.environ, HOME=home, QT_QPA_PLATFORM="offscreen")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(var, None)
    return env


def time_to_window(command: list[str], timeout: float = 120.0) -> float:
    """Seconds from launching ``command`` to its "window visible" line; waits for it to exit."""
    with tempfile.TemporaryDirectory(prefix="ss-bench-home-") as home:
        env = clean_env(home)
        env["SENTIMENT_STUDIO_EXIT_AFTER_SHOW"] = "1"
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=home,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        seen = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if MARKER in line and seen is None:
                seen = time.perf_counter() - start
        proc.wait(timeout=timeout)
        if seen is None or proc.returncode != 0:
            raise SystemExit(f"{command} exited {proc.returncode} without showing its window")
        return seen


def self_test(command: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="ss-bench-home-") as home:
        out = subprocess.run(
            [*command, "self-test", "--json"],
            cwd=home,
            env=clean_env(home),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if out.returncode != 0:
            raise SystemExit(f"self-test failed:\n{out.stdout}\n{out.stderr}")
        return json.loads(out.stdout)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=DEFAULT_APP, help="frozen executable")
    parser.add_argument("--runs", type=int, default=7, help="start-up runs of each kind")
    parser.add_argument("--self-test-runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    if not args.app.is_file():
        raise SystemExit(f"{args.app} not found: run `make package` first")
    frozen = [str(args.app)]
    source = [sys.executable, "-m", "desktop_app"]
    bundle_bytes = folder_size(args.app.parent)
    debs = sorted(DIST.glob("sentiment-studio_*.deb"), key=lambda p: p.stat().st_mtime)
    deb_bytes = debs[-1].stat().st_size if debs else None

    load_before = os.getloadavg()[0]
    print("warm-up…", flush=True)
    time_to_window(frozen)
    time_to_window([*source])
    starts: dict[str, list[float]] = {"frozen": [], "source": []}
    for i in range(args.runs):
        starts["frozen"].append(time_to_window(frozen))
        starts["source"].append(time_to_window(source))
        print(
            f"start-up run {i + 1}: frozen {starts['frozen'][-1]:.3f} s, "
            f"source {starts['source'][-1]:.3f} s",
            flush=True,
        )

    reports = {"frozen": [], "source": []}
    for i in range(args.self_test_runs):
        for kind, command in (("frozen", frozen), ("source", source)):
            reports[kind].append(self_test(command))
            print(
                f"self-test run {i + 1} ({kind}): {reports[kind][-1]['total_seconds']:.1f} s",
                flush=True,
            )

    load_after = os.getloadavg()[0]
    step_names = [s["step"] for s in reports["frozen"][0]["steps"]]

    def step_median(kind: str, name: str) -> float:
        return median(
            [next(s["seconds"] for s in r["steps"] if s["step"] == name) for r in reports[kind]]
        )

    lines = [
        "## Packaging (`python -m benchmarks.package_bench`)",
        "",
        "One-folder PyInstaller bundle (`make package`) and its `.deb` (zstd -3).",
        "",
        "| what | value |",
        "|---|---|",
        f"| bundle `dist/sentiment-studio/` | {mib(bundle_bytes)} |",
        f"| `.deb` ({debs[-1].name if debs else 'not built'}) | "
        f"{mib(deb_bytes) if deb_bytes else '-'} |",
        f"| start to window visible, frozen (median of {args.runs}) | "
        f"**{median(starts['frozen']):.2f} s** (target <= 1.0 s) |",
        f"| start to window visible, from source (median of {args.runs}) | "
        f"{median(starts['source']):.2f} s |",
        f"| self-test total, frozen (median of {args.self_test_runs}) | "
        f"{median([r['total_seconds'] for r in reports['frozen']]):.1f} s |",
        f"| self-test total, from source (median of {args.self_test_runs}) | "
        f"{median([r['total_seconds'] for r in reports['source']]):.1f} s |",
        "",
        "Start-up: launch of the process to the line the app prints once the event loop has",
        "shown the main window (`SENTIMENT_STUDIO_EXIT_AFTER_SHOW=1`, offscreen Qt, fresh HOME,",
        "warm page cache; frozen and source runs alternate). torch loads afterwards, on the",
        "worker thread (the self-test's device probe step).",
        f"Load average (1 min) on the {os.cpu_count()} cores: {load_before:.1f} before the runs,",
        f"{load_after:.1f} after (the machine is shared: compare runs by their load).",
        "",
        "Self-test per step (medians, seconds):",
        "",
        "| step | frozen | source |",
        "|---|---:|---:|",
    ]
    for name in step_names:
        lines.append(
            f"| {name} | {step_median('frozen', name):.2f} | {step_median('source', name):.2f} |"
        )
    lines += [
        "",
        "All start-up runs (s): frozen "
        + ", ".join(f"{t:.3f}" for t in starts["frozen"])
        + "; source "
        + ", ".join(f"{t:.3f}" for t in starts["source"])
        + ".",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        write_section("package", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
