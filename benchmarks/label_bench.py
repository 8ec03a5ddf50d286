"""Label tab: time from a key press to the next item shown, with the MiniLM model loaded.

``python -m benchmarks.label_bench [--items N] [--no-minilm]``

The real Label tab is driven offscreen as an analyst would: a project made from
``../shared/data/sentiment/tweeteval_val.csv`` (2,000 tweets; labels kept on the first
200 rows, blanked on the rest), the MiniLM classifier as the project's last model (the
bundled all-MiniLM-L6-v2 encoder with a new 3-class head: its forward passes cost what a
fine-tuned one costs; the tab loads it on opening and scores the pool with it), then
N key presses (1-3, cycling). Each measurement runs from just before the key press to the
moment the next item is painted: the label committed to the project file (its own
transaction, WAL synced), the queue advanced, the card filled and repainted.

Two cases: the worker idle (pool already scored), and the worker busy re-scoring the whole
pool with MiniLM while the analyst labels. Between presses the event loop runs for 20 ms.
Target: p99 <= 50 ms. Writes the ``label`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import write_section

TARGET_P99_MS = 50.0
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment"
LABELS = ["negative", "neutral", "positive"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _pump(app: Any, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)


def _wait(app: Any, condition: Any, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        _pump(app, 0.05)


def _rows(path: Path, keep_labels: int) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        {"text": r["text"], "label": r["label"] if i < keep_labels else None}
        for i, r in enumerate(rows)
    ]


def _save_minilm(folder: Path) -> str | None:
    try:
        from desktop_app.core.models.transformer import TransformerModel

        model = TransformerModel.create("minilm", LABELS, device="cpu")
        model.save(folder)
        return str(folder)
    except Exception as exc:  # noqa: BLE001 - reported; the benchmark goes on with VADER
        print(f"MiniLM model not available: {exc}", file=sys.stderr)
        return None


def press_keys(app: Any, tab: Any, items: int) -> dict[str, Any]:
    """Label ``items`` rows with keys; times key press -> next item painted, and the commit."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    commit_times: list[float] = []
    store = tab.store
    original = store.label

    def timed_label(*args: Any, **kwargs: Any) -> int:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            commit_times.append(time.perf_counter() - start)

    store.label = timed_label  # type: ignore[method-assign]
    times: list[float] = []
    try:
        for i in range(items):
            before = tab.current_row()
            start = time.perf_counter()
            QTest.keyClick(tab.card, Qt.Key(Qt.Key.Key_1 + i % 3))
            tab.card.repaint()  # painted, not just queued
            times.append(time.perf_counter() - start)
            if tab.current_row() == before:
                raise RuntimeError("the key press did not move to the next item")
            _pump(app, 0.02)
    finally:
        store.label = original  # type: ignore[method-assign]
    ms = [t * 1000 for t in times]
    commit_ms = [t * 1000 for t in commit_times]
    return {
        "items": len(ms),
        "median_ms": statistics.median(ms),
        "p99_ms": _percentile(ms, 0.99),
        "max_ms": max(ms),
        "commit_median_ms": statistics.median(commit_ms),
        "commit_p99_ms": _percentile(commit_ms, 0.99),
    }


def run(items: int, minilm: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.project.store import ProjectStore

    app = QApplication.instance() or QApplication([])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tweets.sstudio"
        store = ProjectStore.create(path, _rows(DATA / "tweeteval_val.csv", 200), labels=LABELS)
        folder = _save_minilm(Path(tmp) / "minilm") if minilm else None
        if folder:
            store.add_training_run("minilm", {"model": "minilm"}, {}, {}, folder, "bench")
        store.close()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("label/annotator", "bench")
        from desktop_app.ui.main_window import MainWindow

        window = MainWindow(settings=settings)
        window.resize(1280, 800)
        window.show()
        tab = window.tab_widgets["labelTab"]
        scored: list[str] = []
        tab.queue_reordered.connect(scored.append)
        started = time.perf_counter()
        window.open_path(str(path))
        _wait(app, lambda: "scores" in scored, 900, "the pool to be scored")
        kind = window.state.model_info.get("kind") or "vader"
        results["model"] = window.state.model_info.get("name") or kind
        results["kind"] = kind
        results["first_scores_s"] = time.perf_counter() - started
        results["pool"] = len(tab.scoring.pool())
        _wait(app, lambda: not tab.scoring.busy, 900, "scoring to finish")
        _pump(app, 0.5)
        results["idle"] = press_keys(app, tab, items)

        # The worker busy: re-score the whole pool with the model while labelling.
        tab.scoring.start()
        _pump(app, 0.3)
        results["busy"] = press_keys(app, tab, items)
        results["busy_still_scoring"] = tab.scoring.busy
        window.close()
        app.processEvents()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--no-minilm", action="store_true")
    args = parser.parse_args()
    if not (DATA / "tweeteval_val.csv").exists():
        print(f"the data is missing: {DATA / 'tweeteval_val.csv'}", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = run(args.items, not args.no_minilm)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    lines = [
        "Time from a key press in the Label tab to the next item painted (label committed to "
        "the project file in its own transaction, queue advanced, card filled and repainted). "
        f"Project: tweeteval_val.csv, 2,000 tweets, {results['pool']:,} still unlabelled at the "
        f"start; model: {results['model']} ({results['kind']}: the bundled encoder with a new "
        "3-class head, whose forward passes cost what a fine-tuned one costs), loaded by the tab "
        "from the project's last training run; the pool scored in "
        f"{results['first_scores_s']:.0f} s from opening. {results['idle']['items']} key "
        f"presses per case; target p99 <= {TARGET_P99_MS:.0f} ms.",
        "",
        "| worker | median | p99 | max | of which the commit (median / p99) |",
        "|---|---|---|---|---|",
    ]
    for name, title in (("idle", "idle"), ("busy", "busy re-scoring the pool with the model")):
        r = results[name]
        lines.append(
            f"| {title} | {r['median_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms "
            f"| {r['commit_median_ms']:.1f} / {r['commit_p99_ms']:.1f} ms |"
        )
    worst = max(results["idle"]["p99_ms"], results["busy"]["p99_ms"])
    verdict = "meets" if worst <= TARGET_P99_MS else "misses"
    lines += [
        "",
        f"The worst p99 ({worst:.1f} ms) {verdict} the target of {TARGET_P99_MS:.0f} ms."
        + (
            ""
            if results["busy_still_scoring"]
            else " (The re-scoring finished before the last key of the busy case.)"
        ),
    ]
    if load_before is not None and load_after is not None:
        lines.append(
            f"1-minute load average before / after the run: {load_before:.1f} / {load_after:.1f} "
            f"on {os.cpu_count()} cores (other work on the machine shows in p99 and max)."
        )
    markdown = "\n".join(lines)
    print(markdown)
    write_section("label", "## Label tab: key press to next item\n\n" + markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
