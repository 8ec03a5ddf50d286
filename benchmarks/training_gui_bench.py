"""Largest GUI-thread stall while a model trains from the Training tab (target <= 50 ms).

Opens the real main window offscreen, loads a seeded, stratified sample of rt_polarity,
starts a short MiniLM fine-tune by clicking Start on the Training tab and, until the run's
results are on screen, measures the gaps between ticks of a 5 ms ``QTimer`` on the GUI
thread. A gap far above 5 ms is a stall: the window would not repaint or react for that
long. Median of 3 warm runs after one cold run (reported apart); each run also reports its
99th-percentile gap and how many step points, full redraws and blits the live plot handled,
next to an idle-window baseline measured in the same process.

    python -m benchmarks.training_gui_bench [--rows 400] [--runs 3] [--epochs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.gil import other_thread_line, run_queue_wait

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sentiment" / "rt_polarity.csv"
TARGET_MS = 50.0
PROBE_MS = 5
IDLE_SECONDS = 10.0
CULPRIT_MS = 30.0


class GuiWork:
    """Wall time of the tab's slots and of figure draws on the GUI thread (the work the GUI
    itself does), so a long gap can be told apart from time the thread spent waiting."""

    # The tab's handlers of the train job, and what they call that draws or fills widgets.
    SLOTS = ("start", "_on_started", "_on_partial", "append_log", "_on_result", "_on_finished")
    PANEL_SLOTS = ("show_result", "end")

    def __init__(self) -> None:
        self.longest = 0.0
        self.what = ""

    def install(self) -> None:
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from desktop_app.ui.tabs.training_tab import TrainingTab
        from desktop_app.ui.training.run_panel import RunPanel
        from desktop_app.ui.widgets.job_progress import JobProgress

        for name in self.SLOTS:
            self._wrap(TrainingTab, name)
        for name in self.PANEL_SLOTS:
            self._wrap(RunPanel, name)
        self._wrap(JobProgress, "show_report")
        self._wrap(FigureCanvasQTAgg, "draw")

    def reset(self) -> None:
        self.longest, self.what = 0.0, ""

    def _wrap(self, cls: type, name: str) -> None:
        original = getattr(cls, name)
        recorder = self

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                took = (time.perf_counter() - start) * 1000.0
                if took > recorder.longest:
                    recorder.longest, recorder.what = took, f"{cls.__name__}.{name}"

        setattr(cls, name, timed)


def sample_csv(rows: int, folder: Path) -> Path:
    """A seeded, stratified sample (the file is sorted: all positives first)."""
    import pandas as pd

    frame = pd.read_csv(DATA)
    per_class = rows // frame["label"].nunique()
    parts = [
        group.sample(n=min(per_class, len(group)), random_state=0)
        for _label, group in frame.groupby("label")
    ]
    sample = pd.concat(parts).sample(frac=1.0, random_state=0)
    path = folder / "rt_sample.csv"
    sample.to_csv(path, index=False)
    return path


class StallProbe:
    """Records the time between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self.tick)
        self.gaps: list[float] = []
        self.last = self.last_cpu = self.last_queued = 0.0
        self.began = 0.0
        # Gaps over CULPRIT_MS: (length ms, seconds after start, the line another thread was on
        # when the GUI thread got the GIL back, see benchmarks.gil).
        self.culprits: list[tuple[float, float, str]] = []

    def start(self) -> None:
        self.gaps.clear()
        self.culprits = []
        self.last = self.began = time.perf_counter()
        self.last_cpu, self.last_queued = time.thread_time(), run_queue_wait()
        self.timer.start()

    def tick(self) -> None:
        now, cpu, queued = time.perf_counter(), time.thread_time(), run_queue_wait()
        gap = (now - self.last) * 1000.0
        self.gaps.append(gap)
        if gap > CULPRIT_MS:
            busy = (cpu - self.last_cpu) * 1000.0
            waiting = (queued - self.last_queued) * 1000.0
            where = (
                f"GUI thread working {busy:.0f} ms, waiting for a core {waiting:.0f} ms, for "
                f"the GIL the rest; the other thread at {other_thread_line()}"
            )
            self.culprits.append((gap, self.last - self.began, where))
        self.last, self.last_cpu, self.last_queued = now, cpu, queued

    def stop(self) -> None:
        self.timer.stop()
        self.tick()


def wait_until(app, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the run did not finish in time")
        app.processEvents()
        time.sleep(0.001)


def idle_baseline(app, probe: StallProbe, seconds: float) -> dict:
    """The probe in the idle window: the stalls the machine's other load causes by itself."""
    probe.start()
    end = time.monotonic() + seconds
    wait_until(app, lambda: time.monotonic() > end, seconds + 5)
    probe.stop()
    gaps = sorted(probe.gaps)
    return {"max_gap_ms": gaps[-1], "p99_gap_ms": gaps[int(0.99 * (len(gaps) - 1))]}


def run_once(app, window, tab, probe: StallProbe, epochs: int, work: GuiWork) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer

    service = window.service
    finished = {"done": False}

    def on_finished(_job_id: int) -> None:
        if not tab.is_training():
            finished["done"] = True

    service.finished.connect(on_finished)
    combo = tab.model_combo
    combo.setCurrentIndex(combo.findData("minilm"))
    tab.reset_defaults()
    tab.form.field("epochs").setValue(epochs)
    tab.form.field("batch_size").setValue(16)
    tab.form.field("patience").setValue(0)
    tab.device_combo.setCurrentIndex(tab.device_combo.findData("cpu"))
    tab.threads_spin.setValue(0)  # the default: all cores but one

    redraws_before = tab.loss_plot.redraws
    work.reset()
    blits_before = tab.loss_plot.blits
    probe.start()
    start = time.perf_counter()
    tab.start_button.click()
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(50)
    check.timeout.connect(lambda: loop.quit() if finished["done"] else None)
    check.start()
    loop.exec()
    check.stop()
    # Let the results (metrics table, confusion matrix) paint before the probe stops.
    end = time.perf_counter() + 0.5
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    probe.stop()
    service.finished.disconnect(on_finished)
    gaps = sorted(probe.gaps)
    return {
        "seconds": time.perf_counter() - start,
        "max_gap_ms": gaps[-1],
        "p99_gap_ms": gaps[int(0.99 * (len(gaps) - 1))],
        "ticks": len(gaps),
        "steps": tab.loss_plot.point_count(),
        "redraws": tab.loss_plot.redraws - redraws_before,
        "blits": tab.loss_plot.blits - blits_before,
        "gui_work_ms": work.longest,
        "gui_work_what": work.what,
        "accuracy": tab.metrics_view.table.item(0, 1).text(),
        "culprits": sorted(probe.culprits, reverse=True)[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"rt_polarity.csv not found at {DATA}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from desktop_app.core.data.dataset import load_dataset
        from desktop_app.ui.main_window import MainWindow

        work = GuiWork()
        work.install()  # before the window connects the tab's slots
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.resize(1280, 800)
        window.show()
        # The probe job imports torch on the worker; measure training, not start-up.
        wait_until(app, lambda: bool(window.state.device_info), 120)
        dataset = load_dataset(sample_csv(args.rows, folder)).split(0.8, 0.1, 0.1, seed=0)
        window.state.workspace.set_dataset(dataset)
        tab = window.tab_widgets["trainingTab"]
        window.tabs.setCurrentWidget(tab)
        wait_until(app, lambda: tab.loss_plot.canvas is not None, 30)
        settle = time.monotonic() + 1.0  # first layout and paint of the new tab
        wait_until(app, lambda: time.monotonic() > settle, 5)

        probe = StallProbe()
        idle = idle_baseline(app, probe, IDLE_SECONDS)
        print(
            f"idle window: largest gap {idle['max_gap_ms']:.1f} ms, p99 {idle['p99_gap_ms']:.1f} ms",
            flush=True,
        )
        runs = []
        for index in range(args.runs + 1):
            result = run_once(app, window, tab, probe, args.epochs, work)
            runs.append(result)
            print(
                f"run {index}{' (cold)' if index == 0 else ''}: {result['seconds']:.1f} s, "
                f"largest stall {result['max_gap_ms']:.1f} ms, p99 {result['p99_gap_ms']:.1f} ms, "
                f"{result['steps']} step points, {result['redraws']} full redraws, "
                f"{result['blits']} blits, longest GUI work {result['gui_work_ms']:.1f} ms "
                f"({result['gui_work_what']}), accuracy {result['accuracy']}",
                flush=True,
            )
            for gap, at, where in result["culprits"]:
                print(f"    {gap:.1f} ms at {at:.2f} s: {where}", flush=True)
        window.close()

    cold, warm = runs[0], runs[1:]
    worst = statistics.median(r["max_gap_ms"] for r in warm)
    p99 = statistics.median(r["p99_gap_ms"] for r in warm)
    verdict = "meets" if worst <= TARGET_MS else "misses"
    rows = "\n".join(
        f"| {'1 (cold)' if i == 0 else i + 1} | {r['seconds']:.1f} | {r['max_gap_ms']:.1f} | "
        f"{r['p99_gap_ms']:.1f} | {r['gui_work_ms']:.1f} (`{r['gui_work_what']}`) | "
        f"{r['steps']} | {r['redraws']} | {r['blits']} | {r['accuracy']} |"
        for i, r in enumerate(runs)
    )
    work_ms = statistics.median(r["gui_work_ms"] for r in warm)
    culprits = sorted((c for r in warm for c in r["culprits"]), reverse=True)[:5]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    markdown = (
        "## Training tab: largest GUI-thread stall during training\n\n"
        f"MiniLM fine-tune ({args.epochs} epoch, batch 16, CPU, default threads) on a seeded, "
        f"stratified sample of {args.rows} `rt_polarity` rows (80/10/10), started by clicking "
        "Start on the Training tab of the real window (offscreen). A 5 ms `QTimer` on the GUI "
        "thread records the gaps between its ticks from the click until the results are "
        "painted. The first run of the session is *cold*: the worker thread imports "
        "transformers' model code on its first `from_pretrained`, and those imports hold the "
        "GIL for up to about a second; it is shown but left out of the median. The idle "
        f"baseline is the same probe for {IDLE_SECONDS:.0f} s in the idle window just before, "
        "in the same process: what the machine's other load costs on its own.\n\n"
        f"**Largest stall (median of {len(warm)} warm runs): {worst:.1f} ms** — target ≤ "
        f"{TARGET_MS:.0f} ms: {verdict} it. Median 99th-percentile gap: {p99:.1f} ms. "
        f"Cold run: {cold['max_gap_ms']:.1f} ms. Idle baseline: largest gap "
        f"{idle['max_gap_ms']:.1f} ms, p99 {idle['p99_gap_ms']:.1f} ms "
        f"(load average {load:.1f} on {os.cpu_count()} cores while measuring).\n\n"
        "The live plot draws the whole figure when a run starts (before the worker is busy) "
        "and when a point leaves the view, and otherwise blits only its four lines onto a "
        "cached background (`desktop_app/ui/widgets/loss_plot.py`); the results panel keeps "
        "its size so the confusion matrix is drawn once per result. Before that, a full "
        "redraw per update stalled the GUI thread for 200-700 ms at a time during training "
        "on this machine.\n\n"
        "The end of a run is shown in three pieces with a pass of the event loop between "
        "them (table and summary; the confusion matrix's figure built; the figure drawn), "
        "the progress bar is repainted with the window rather than at once (a synchronous "
        "`QProgressBar.setValue` repaint painted everything pending with it, the matrix's "
        "full draw included), and the worker is given the job only after the window has "
        "painted the run's panel (`ModelService.submit(..., after_paint=True)`: while the "
        "worker loads the model in Python, each time the painting GUI thread needs the GIL "
        "it waits). Before these three changes the warm median was 59 ms (load 1.2): about "
        "50 ms of GUI work in one piece at the end, and 50-100 ms at the start.\n\n"
        f"{'Why the target is missed' if worst > TARGET_MS else 'Where the gaps come from'}: "
        f"the longest piece of work the GUI thread itself "
        f"did (a tab slot or a figure draw, wall time) was {work_ms:.1f} ms (median of the warm "
        "runs); the rest of a gap is time the GUI thread waited, for the GIL (the worker "
        "thread's Python: loading the model, the training loop between torch calls) or for "
        "a core (other processes; compare the idle baseline). The cold run adds "
        "transformers' first imports on the worker. On a shared machine the numbers move "
        "with its load.\n\n"
        f"The longest gaps of the warm runs (over {CULPRIT_MS:.0f} ms), with the GUI "
        "thread's own CPU time in them, its time waiting for a core (Linux schedstat), and "
        "the line the worker was on when the GUI thread got the GIL back:\n\n"
        "| gap | when | where |\n|---|---|---|\n"
        + (
            "".join(
                f"| {gap:.0f} ms | {at:.2f} s after Start | {where} |\n"
                for gap, at, where in culprits
            )
            or f"| none over {CULPRIT_MS:.0f} ms | | |\n"
        )
        + "\n"
        "| run | seconds | largest gap (ms) | p99 gap (ms) | longest GUI work (ms) | "
        "step points | full redraws | blits | test accuracy |\n"
        "|---|---|---|---|---|---|---|---|---|\n" + rows
    )
    print(markdown)
    if not args.no_write:
        from benchmarks.report import write_section

        write_section("training_gui", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
