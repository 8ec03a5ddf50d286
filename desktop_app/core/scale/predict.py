"""Batch prediction on Ray Data: :func:`predict_files` (the driver) and :class:`Predictor`
(the ``map_batches`` actor class).

The pipeline: one read task per input file streams its rows (``sources.read_files``); a pool
of ``workers`` actors, each holding the model once, predicts batches of ``rows_per_call`` rows
with the local engine's ``predict_batch`` (length-sorted forward passes of ``batch_size``
texts) and builds the output rows with the local engine's ``file_rows``; the driver receives
the rows in input order and writes them to Parquet (one file, or one per input file in a
folder) while it reports progress.

An actor that dies is restarted by Ray and its unfinished batch given to a live one; a batch's
rows reach the driver once, when it completes, so the output has every row once.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

from desktop_app.core.errors import Cancelled, UserError
from desktop_app.core.jobs import JobContext
from desktop_app.core.scale.cluster import (
    Needs,
    RaySettings,
    check_reachable,
    mute_ray_data,
    ray_session,
    require_ray,
    unwrap_error,
)
from desktop_app.core.scale.sources import (
    MALFORMED,
    Inputs,
    ReadPlan,
    count_rows,
    read_files,
    read_plan,
    resolve_inputs,
)

ROWS_PER_CALL = 2048
READ_CPUS = (
    0.5  # per file-reading task  # rows an actor predicts per call (sorted by length inside)
)
EMPTY = "empty text"
PREVIEW_ROWS = 50
INTERNAL = ("file", "status")  # columns between the actors and the driver, not written


# -- the actor -----------------------------------------------------------------------------
def _column_type(name: str) -> Any:
    import pyarrow as pa

    if name in ("source_row", "chunks"):
        return pa.int64()
    if name == "confidence" or name.startswith("p_"):
        return pa.float64()
    if name in ("truncated", "correct"):
        return pa.bool_()
    if name == "file":
        return pa.int32()
    return pa.string()


def output_schema(columns: list[str]) -> Any:
    import pyarrow as pa

    return pa.schema([(name, _column_type(name)) for name in columns])


class Predictor:
    """Loads the model once (from the object store) and predicts each batch it is given
    exactly as the local engine does, with the options the driver chose."""

    def __init__(self, model: dict[str, Any], options: dict[str, Any]) -> None:
        import torch

        from desktop_app.core.predict.batch import predict_batch
        from desktop_app.core.predict.rows import file_rows

        torch.set_num_threads(max(1, int(options.get("threads", 1))))
        self.options = options
        self.model = load_worker_model(model, options)
        self.has_labels = bool(options.get("has_labels"))
        # The columns come from the shared row builder itself (one tiny prediction), so they
        # follow whatever the local engine writes.
        template = "template"
        true = [None] if self.has_labels else None
        result = predict_batch(self.model, [template], true, **self._predict_options())
        rows, _ = file_rows(self.model, [template], result, true, [0], **self._row_options())
        self.columns = list(rows[0])
        self.schema = output_schema(self.columns + list(INTERNAL))

    def _predict_options(self) -> dict[str, Any]:
        return {"batch_size": int(self.options["batch_size"]), **self.options.get("predict", {})}

    def _row_options(self) -> dict[str, Any]:
        return {
            "include_seen": bool(self.options.get("include_seen")),
            "model_name": self.options.get("model_name"),
        }

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        from desktop_app.core.predict.batch import predict_batch
        from desktop_app.core.predict.rows import file_rows

        texts = batch.column("text").to_pylist()
        status = batch.column("status").to_pylist()
        sources = batch.column("source_row").to_pylist()
        labels = batch.column("label").to_pylist() if self.has_labels else None
        keep = [i for i, t in enumerate(texts) if not status[i] and t is not None and t.strip()]
        out: list[dict[str, Any]] = [
            {"source_row": sources[i], "text": texts[i] or ""} for i in range(len(texts))
        ]
        states = [s or EMPTY for s in status]
        if keep:
            kept = [texts[i] for i in keep]
            true = [labels[i] for i in keep] if labels is not None else None
            result = predict_batch(self.model, kept, true, **self._predict_options())
            rows, _ = file_rows(
                self.model, kept, result, true, [sources[i] for i in keep], **self._row_options()
            )
            for i, row in zip(keep, rows, strict=True):
                out[i] = row
                states[i] = ""
        table = pa.Table.from_pylist(out, schema=output_schema(self.columns))
        table = table.append_column("file", batch.column("file"))
        return table.append_column("status", pa.array(states, pa.string()))


def load_worker_model(model: dict[str, Any], options: dict[str, Any]) -> Any:
    """The model on a worker: the driver's folder from the object store (or VADER)."""
    from desktop_app.core.models import create_vader, load_model

    if model.get("files") is None:
        return create_vader(model.get("labels")) if model.get("labels") else load_model("vader")
    import ray

    from desktop_app.core.scale.shipping import unpack_folder

    folder = unpack_folder(ray.get(model["files"][0]))
    return load_model(str(folder), **options.get("load", {}))


# -- the driver ----------------------------------------------------------------------------
def load_for_prediction(spec: str, labels: list[str] | None) -> Any:
    """The model on the driver (to check it, name it and send it), as ``predict`` loads it:
    VADER takes the file's 2 or 3 classes."""
    from desktop_app.core.models import create_vader, load_model

    if spec.strip().lower() == "vader" and labels and len(labels) in (2, 3):
        return create_vader(labels)
    return load_model(spec, device="cpu")


class ParquetOut:
    """The output: one Parquet file for one input file, else a folder with one per input.

    Files are written as ``NAME.partial`` and renamed when the run succeeds; a cancelled or
    failed run leaves no output files behind."""

    def __init__(self, inputs: Inputs, out: str) -> None:
        out = os.path.expanduser(str(out))
        if "://" in out:
            raise UserError(
                "--out must be a local path with --engine ray (the driver writes the results)."
            )
        if inputs.single:
            if not out.lower().endswith(".parquet"):
                raise UserError(
                    f"--out {out}: with --engine ray the results are Parquet; name the file "
                    ".parquet (a folder of Parquet files for a folder or glob of inputs)."
                )
            self.path = Path(out)
            self.targets = {0: self.path}
        else:
            folder = Path(out)
            if folder.suffix.lower() == ".parquet" or folder.is_file():
                raise UserError(
                    f"--out {out}: {len(inputs.files)} input files give a folder of Parquet "
                    "files; name a folder."
                )
            names = inputs.output_names()
            self.path = folder
            self.targets = {i: folder / name for i, name in enumerate(names)}
        self.writers: dict[int, Any] = {}
        self.rows = dict.fromkeys(self.targets, 0)
        self.schema: Any = None
        self.current = -1

    def write(self, index: int, table: Any) -> None:
        import pyarrow.parquet as pq

        if self.schema is None:
            self.schema = table.schema
        if index not in self.writers:
            if index < self.current:
                raise RuntimeError("Rows of an earlier file arrived after a later one.")
            self._close_before(index)
            target = self.targets[index]
            target.parent.mkdir(parents=True, exist_ok=True)
            self.writers[index] = pq.ParquetWriter(self._partial(target), self.schema)
            self.current = index
        self.writers[index].write_table(table)
        self.rows[index] += table.num_rows

    def _partial(self, target: Path) -> Path:
        return target.with_name(target.name + ".partial")

    def _close_before(self, index: int) -> None:
        for i in [i for i in self.writers if i < index and self.writers[i] is not None]:
            self.writers[i].close()
            self.writers[i] = None

    def finish(self) -> list[str]:
        """Close every file, write empty ones for inputs without rows, rename into place."""
        import pyarrow.parquet as pq

        self._close_before(len(self.targets) + 1)
        written = []
        for index, target in self.targets.items():
            partial = self._partial(target)
            if index not in self.writers and self.schema is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.ParquetWriter(partial, self.schema).close()
            if partial.exists():
                os.replace(partial, target)
                written.append(str(target))
        return written

    def discard(self) -> None:
        for index, writer in self.writers.items():
            if writer is not None:
                try:
                    writer.close()
                except Exception:  # noqa: BLE001 - closing after a failure; removed below
                    pass
            self._partial(self.targets[index]).unlink(missing_ok=True)


class _Tally:
    """What the summary says about the rows, counted batch by batch (no row kept)."""

    def __init__(self, include_seen: bool, guard_available: bool) -> None:
        self.state = (
            "unavailable" if not guard_available else "included" if include_seen else "applied"
        )
        self.rows = 0
        self.predicted: dict[str, int] = {}
        self.skipped: dict[str, int] = {}
        self.labelled = self.correct = self.excluded = self.seen_rows = self.truncated = 0
        self.seen_by_split = {"train": 0, "validation": 0}
        self.preview: list[dict[str, Any]] = []
        self.started = time.perf_counter()
        self.first: tuple[float, int] | None = None  # (when, rows) of the first results
        self.last: tuple[float, int] | None = None

    def add(self, table: Any) -> None:
        """Count one batch of predicted rows (guarded_accuracy's rules, from counts)."""
        columns = table.column_names
        predicted = table.column("predicted").to_pylist()
        for label in predicted:
            self.predicted[label] = self.predicted.get(label, 0) + 1
        self.rows += len(predicted)
        seen = table.column("seen").to_pylist() if "seen" in columns else [""] * len(predicted)
        correct = table.column("correct").to_pylist() if "correct" in columns else None
        self.seen_rows += sum(1 for s in seen if s)
        if "truncated" in columns:
            self.truncated += sum(1 for t in table.column("truncated").to_pylist() if t)
        if correct is not None:
            for ok, where in zip(correct, seen, strict=True):
                if ok is None:
                    continue
                if where in self.seen_by_split:
                    self.seen_by_split[where] += 1
                if where and self.state == "applied":
                    self.excluded += 1
                    continue
                self.labelled += 1
                self.correct += bool(ok)
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.extend(table.slice(0, PREVIEW_ROWS - len(self.preview)).to_pylist())

    def arrived(self, done: int) -> None:
        """Note that ``done`` input rows have come back by now."""
        now = time.perf_counter()
        if self.first is None:
            self.first = (now, done)
        self.last = (now, done)

    def steady_rate(self) -> float | None:
        """Rows/s since the first results came back (the workers' pace once they run);
        None until a second batch has come."""
        if self.first is None or self.last is None or self.last[0] <= self.first[0]:
            return None
        return (self.last[1] - self.first[1]) / (self.last[0] - self.first[0])

    def skip(self, reason: str, n: int) -> None:
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n


class _Pump(threading.Thread):
    """Pulls the dataset's output blocks on its own thread, so the job's thread stays free
    to see Ctrl+C and Cancel at once instead of after the next batch."""

    def __init__(self, dataset: Any) -> None:
        super().__init__(name="ray-predict-pump", daemon=True)
        self.dataset = dataset
        self.events: queue.Queue = queue.Queue(maxsize=4)
        self.stop = threading.Event()

    def _put(self, item: tuple[str, Any]) -> None:
        while not self.stop.is_set():
            try:
                self.events.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            for table in self.dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                if self.stop.is_set():
                    return  # leaving the loop closes the iterator: Ray Data stops the actors
                self._put(("batch", table))
            self._put(("done", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the job's thread
            self._put(("error", exc))


def predict_files(
    model_spec: str,
    data: str,
    out: str,
    settings: RaySettings | None = None,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    batch_size: int = 128,
    rows_per_call: int = ROWS_PER_CALL,
    include_seen: bool = False,
    load_options: dict[str, Any] | None = None,
    predict_options: dict[str, Any] | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Predict every row of ``data`` on Ray and write Parquet to ``out``; a plain-data summary.

    ``load_options`` (for ``load_model``) and ``predict_options`` (for ``predict_batch``) are
    the driver's choices -- device, precision, long-text handling -- and every worker uses
    them as given. Progress (rows done, rows/s; the context adds the time left) goes to
    ``ctx``; cancel raises :class:`Cancelled` and stops every worker."""
    ray = require_ray()
    settings = (settings or RaySettings()).checked()
    if batch_size < 1 or rows_per_call < 1:
        raise UserError("--batch-size must be 1 or more.")
    started = time.perf_counter()
    if settings.address:
        check_reachable(settings.address)  # before the (slow) model load: fail fast
    inputs = resolve_inputs(data)
    output = ParquetOut(inputs, out)
    plan = read_plan(inputs, text_column, label_column)
    has_labels = plan.label_column is not None
    model = load_for_prediction(model_spec, plan.labels if has_labels else None)
    total = count_rows(inputs, plan) or 0
    if ctx is not None:
        files = f"{len(inputs.files)} {plan.format.upper()} files" if not inputs.single else data
        ctx.log(
            f"Predicting {files} ({'about ' if plan.format != 'parquet' else ''}{total:,} rows) "
            f"with {model.name} on {settings.workers} Ray workers…"
        )
    from desktop_app.core.runs.record import model_label

    options = {
        "batch_size": int(batch_size),
        "threads": settings.cpus_per_worker,
        "has_labels": has_labels,
        "include_seen": include_seen,
        "model_name": model_label(model),
        "load": {"device": "cuda" if settings.gpus_per_worker else "cpu", **(load_options or {})},
        "predict": dict(predict_options or {}),
    }
    tally = _Tally(include_seen, getattr(model, "seen", None) is not None)
    tally.started = started
    needs = Needs.of(settings, extra_cpus=1, what="prediction workers")
    pump: _Pump | None = None
    try:
        with ray_session(settings, needs, ctx) as session:
            pump = _Pump(_dataset(ray, inputs, plan, model, settings, options, rows_per_call))
            try:
                pump.start()
                _consume(pump, output, tally, total, settings, ctx)
                written = output.finish()
            except BaseException:
                pump.stop.set()
                output.discard()
                if session.owned:
                    # Leaving the session stops Ray under the pump: its errors are expected.
                    mute_ray_data()
                else:
                    pump.join(timeout=120)  # it stops after its current batch
                raise
    finally:
        if pump is not None and pump.is_alive():
            pump.join(timeout=10)
        mute_ray_data(False)
    seconds = time.perf_counter() - started
    return _summary(model, inputs, plan, settings, session.where, tally, output, written, seconds)


def _dataset(
    ray: Any,
    inputs: Inputs,
    plan: ReadPlan,
    model: Any,
    settings: RaySettings,
    options: dict[str, Any],
    rows_per_call: int,
) -> Any:
    import ray.data

    from desktop_app.core.scale.shipping import pack_folder

    files = None
    if getattr(model, "folder", None):
        files = [ray.put(pack_folder(model.folder))]  # once; every actor reads the same object
    shipped = {"files": files, "labels": list(model.labels)}
    items = [{"file": i, "path": path} for i, path in enumerate(inputs.files)]
    # Reading is light work: half a CPU per read task. The different resources also keep Ray
    # Data from fusing the read into the actors (each file would go to one actor).
    # A read task's output is merged into large blocks; cut into blocks of one call each,
    # the actors share the rows of a single file too.
    read = (
        ray.data.from_items(items, override_num_blocks=len(items))
        .map_batches(
            read_files,
            fn_kwargs={"plan": plan.to_dict()},
            batch_size=1,
            batch_format="numpy",
            num_cpus=READ_CPUS,
        )
        .repartition(target_num_rows_per_block=int(rows_per_call))
    )
    gpu = {"num_gpus": settings.gpus_per_worker} if settings.gpus_per_worker else {}
    return read.map_batches(
        Predictor,
        fn_constructor_kwargs={"model": shipped, "options": options},
        batch_size=int(rows_per_call),
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=settings.workers),
        num_cpus=settings.cpus_per_worker,
        **gpu,
    )


def _consume(
    pump: _Pump,
    output: ParquetOut,
    tally: _Tally,
    total: int,
    settings: RaySettings,
    ctx: JobContext | None,
) -> None:
    import pyarrow.compute as pc

    done = 0
    if ctx is not None:
        ctx.progress(0, total, f"Starting {settings.workers} workers (each loads the model)")
    while True:
        if ctx is not None and ctx.should_stop():
            raise Cancelled()
        try:
            kind, value = pump.events.get(timeout=0.2)
        except queue.Empty:
            continue
        if kind == "done":
            break
        if kind == "error":
            raise unwrap_error(value) from None
        table = value
        status = table.column("status")
        malformed = int(pc.sum(pc.equal(status, MALFORMED)).as_py() or 0)
        tally.skip(MALFORMED, malformed)
        tally.skip(EMPTY, int(pc.sum(pc.equal(status, EMPTY)).as_py() or 0))
        kept = table.filter(pc.equal(status, ""))
        if kept.num_rows:
            files = kept.column("file")
            for index in pc.unique(files).to_pylist():
                part = kept.filter(pc.equal(files, index)).drop_columns(list(INTERNAL))
                output.write(int(index), part)
            tally.add(kept)
        done += table.num_rows - malformed
        tally.arrived(done)
        if ctx is not None:
            total = max(total, done)
            rate = tally.steady_rate()
            speed = f" · {rate:,.0f} rows/s" if rate else ""
            ctx.progress(done, total, f"Predicted {done:,} of {total:,} rows{speed}")
    if ctx is not None:
        ctx.progress(done, done, f"Predicted {done:,} rows")


def _summary(
    model: Any,
    inputs: Inputs,
    plan: ReadPlan,
    settings: RaySettings,
    where: str,
    tally: _Tally,
    output: ParquetOut,
    written: list[str],
    seconds: float,
) -> dict[str, Any]:
    from desktop_app.core.guard import guard_note
    from desktop_app.core.training.metrics import accuracy_interval

    has_labels = plan.label_column is not None
    path = str(output.path)
    note = guard_note(tally.state, tally.seen_by_split, tally.labelled) if has_labels else None
    warnings = []
    if tally.skipped.get(MALFORMED):
        warnings.append(
            f"{tally.skipped[MALFORMED]:,} malformed lines were left out (Arrow's reader does "
            "not repair them as the app's does; the rows after them may have other "
            "source_row numbers than a local run gives)."
        )
    if note and tally.state == "unavailable":
        warnings.append(note)
    return {
        "engine": "ray",
        "address": where,
        "workers": settings.workers,
        "gpus_per_worker": settings.gpus_per_worker,
        "input": inputs.spec,
        "input_files": len(inputs.files),
        "text_column": plan.text_column,
        "label_column": plan.label_column,
        "rows": tally.rows,
        "skipped": dict(tally.skipped),
        "output": {"path": path, "format": "parquet", "rows": tally.rows, "files": written},
        "predicted_counts": dict(tally.predicted),
        "accuracy": tally.correct / tally.labelled if tally.labelled else None,
        "accuracy_ci": accuracy_interval(tally.correct, tally.labelled),
        "labelled": tally.labelled,
        "excluded_seen": tally.excluded,
        "seen_rows": tally.seen_rows,
        "guard": tally.state,
        "notes": [note] if note and tally.state != "unavailable" else [],
        "truncated": tally.truncated,
        "seconds": round(seconds, 3),
        "rows_per_second": tally.rows / seconds if seconds > 0 else None,
        # until the first results (Ray, the workers, the model load) and the pace after it
        "startup_seconds": round(tally.first[0] - tally.started, 3) if tally.first else None,
        "steady_rows_per_second": tally.steady_rate(),
        "preview": tally.preview,
        "labels": list(model.labels),
        "warnings": warnings,
    }
