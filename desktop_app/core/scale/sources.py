"""The input of a Ray prediction: which files, how to read them, and the reading itself.

``DATA`` is a file, a folder (searched recursively) or a glob of CSV, TSV, Parquet or JSONL
files, all of one format; local paths or pyarrow file-system URIs (``s3://bucket/prefix/``,
``gs://…``, ``hdfs://…``: the workers read those themselves).

The app's own loader decides how to read: :func:`read_plan` runs ``load_dataset`` on a sample
of the first file (its first megabyte, or first rows of Parquet) and keeps what it found --
encoding, delimiter, header, the text and label columns, the label names -- so the columns are
guessed and named as in a local run. The workers then stream every file with Arrow's readers
(:func:`read_blocks`), a few thousand rows at a time, each row with its ``source_row`` (its
0-based position among the file's data rows, the number a local ``predict --file`` writes).

The Arrow readers do not repair malformed lines as the app's CSV reader does (stray quotes,
lines with too many fields): such lines are counted and left out (``status`` "malformed"),
and the rows after one of them in the same file may get other ``source_row`` numbers than the
local engine gives. Files the app had to repair are better predicted locally.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import DatasetError

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
FORMAT_NAMES = "CSV, TSV, Parquet or JSONL"
GLOB_CHARS = "*?["
BLOCK_ROWS = 4096  # rows per block a reader hands on
PROBE_BYTES = 1 << 20  # the sample of a CSV/TSV/JSONL file the app's loader reads
PROBE_ROWS = 2000  # ... of a Parquet file
MALFORMED = "malformed"


# -- which files ---------------------------------------------------------------------------
@dataclass
class Inputs:
    """The files of one run, in a fixed order, all of one ``format``."""

    spec: str
    files: list[str]
    format: str
    single: bool  # DATA named one file: the output is one Parquet file
    remote: bool = False  # URIs read through a pyarrow file system

    def output_names(self) -> list[str]:
        """A Parquet file name per input (for a folder of outputs): the path below the
        files' common folder, ``/`` turned into ``__``."""
        if self.remote:
            paths = [f.split("://", 1)[1] for f in self.files]
        else:
            paths = [os.path.abspath(f) for f in self.files]
        common = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
        names = []
        for path in paths:
            rel = os.path.relpath(path, common) if common else path
            stem = os.path.splitext(rel)[0].replace(os.sep, "__").replace("/", "__")
            names.append(stem + ".parquet")
        return names


def _format_of(path: str) -> str | None:
    return FORMATS.get(os.path.splitext(path)[1].lower())


def _is_data_file(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith((".", "_")) and _format_of(path) is not None


def resolve_inputs(spec: str) -> Inputs:
    """The files ``spec`` names; :class:`DatasetError` naming what is missing or wrong."""
    spec = str(spec).strip()
    if not spec:
        raise DatasetError("No input given: name a data file, a folder or a glob.")
    if "://" in spec:
        return _resolve_remote(spec)
    path = os.path.expanduser(spec)
    if any(c in path for c in GLOB_CHARS) and not os.path.exists(path):
        found = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        files = [p for p in found if _is_data_file(p)]
        if not files:
            raise DatasetError(
                f"No {FORMAT_NAMES} files match {spec}"
                + (f" ({len(found)} other files do)." if found else ".")
            )
        single = False
    elif os.path.isdir(path):
        files = sorted(
            str(p)
            for p in Path(path).rglob("*")
            if p.is_file()
            and _is_data_file(str(p))
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts[:-1])
        )
        if not files:
            raise DatasetError(
                f"The folder {spec} holds no {FORMAT_NAMES} files (names starting with . or _ "
                "are skipped)."
            )
        single = False
    elif os.path.isfile(path):
        if _format_of(path) is None:
            raise DatasetError(
                f"{spec} is not a {FORMAT_NAMES} file: the Ray engine reads those. Convert it, "
                "or predict it with the local engine."
            )
        files, single = [path], True
    else:
        raise DatasetError(f"{spec} does not exist. Check the path.")
    for file in files:
        _check_readable(file)
    return Inputs(spec, [os.path.abspath(f) for f in files], _one_format(spec, files), single)


def _one_format(spec: str, files: list[str]) -> str:
    formats = sorted({_format_of(f) or "" for f in files})
    if len(formats) > 1:
        raise DatasetError(
            f"{spec} mixes {' and '.join(f.upper() for f in formats)} files; "
            "give one format per run (a glob such as folder/*.csv picks one)."
        )
    return formats[0]


def _check_readable(path: str) -> None:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise DatasetError(f"Cannot read {path}: {exc.strerror or exc}. Check the path.") from None


def _resolve_remote(spec: str) -> Inputs:
    import fnmatch

    import pyarrow.fs as pafs

    scheme = spec[: spec.index("://") + 3]
    try:
        fs, path = pafs.FileSystem.from_uri(spec.split("*")[0] if "*" in spec else spec)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
        raise DatasetError(f"Cannot open {spec}: {exc}") from None
    pattern = spec[len(scheme) :] if any(c in spec for c in GLOB_CHARS) else None
    base = path.rstrip("/")
    info = fs.get_file_info(base)
    if pattern is None and info.type == pafs.FileType.File:
        files, single = [spec], True
    elif info.type == pafs.FileType.NotFound:
        raise DatasetError(f"{spec} does not exist. Check the path.")
    else:
        listed = fs.get_file_info(pafs.FileSelector(base, recursive=True))
        paths = sorted(i.path for i in listed if i.type == pafs.FileType.File)
        if pattern is not None:
            paths = [p for p in paths if fnmatch.fnmatch(p, pattern.split("://")[-1])]
        files = [scheme + p for p in paths if _is_data_file(p)]
        if not files:
            raise DatasetError(f"No {FORMAT_NAMES} files found at {spec}.")
        single = False
    return Inputs(spec, files, _one_format(spec, files), single, remote=True)


def open_input(path: str) -> Any:
    """A readable binary file: a local path, or a URI through its pyarrow file system."""
    if "://" in path:
        import pyarrow.fs as pafs

        fs, inner = pafs.FileSystem.from_uri(path)
        return fs.open_input_file(inner)
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


# -- how to read them ----------------------------------------------------------------------
@dataclass
class ReadPlan:
    """How every file of a run is read: what the app's loader found in the first one."""

    format: str
    text_column: str
    label_column: str | None
    columns: list[str]
    labels: list[str] = field(default_factory=list)  # classes in the sample
    label_names: dict[str, str] = field(default_factory=dict)  # raw value -> class name
    encoding: str | None = None  # csv/tsv/jsonl
    delimiter: str | None = None  # csv/tsv
    has_header: bool = True
    source: str = ""  # the file the plan was read from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadPlan:
        return cls(**data)

    @property
    def columns_read(self) -> list[str]:
        return [self.text_column] + ([self.label_column] if self.label_column else [])


def read_plan(
    inputs: Inputs, text_column: str | None = None, label_column: str | None = None
) -> ReadPlan:
    """Run the app's loader on a sample of the first file; check the other files' columns.

    :class:`DatasetError` when a file lacks the text (or label) column, naming the columns it
    has, or when the sample cannot be read."""
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    first = inputs.files[0]
    with tempfile.TemporaryDirectory(prefix="sstudio-probe-") as folder:
        sample = Path(folder) / os.path.basename(first.split("://")[-1])
        _write_sample(first, inputs.format, sample)
        try:
            data = load_dataset(
                sample, LoadOptions(text_column=text_column, label_column=label_column)
            )
        except DatasetError as exc:
            raise DatasetError(str(exc).replace(str(sample), first)) from None
    report = data.report
    encoding = report.encoding
    plan = ReadPlan(
        format=inputs.format,
        text_column=report.text_column,
        label_column=report.label_column,
        columns=list(report.columns),
        labels=list(data.labels),
        label_names=dict(report.label_names),
        encoding="cp1252" if encoding == "windows-1252" else encoding,
        delimiter=report.delimiter,
        has_header=bool(report.has_header) if report.has_header is not None else True,
        source=first,
    )
    if plan.format in ("csv", "tsv") and not plan.delimiter:
        plan.delimiter = "\t" if plan.format == "tsv" else ","
    if not inputs.remote:
        for path in inputs.files[1:]:
            _check_columns(path, plan)
    return plan


def _write_sample(path: str, fmt: str, sample: Path) -> None:
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            with open_input(path) as handle:
                parquet = pq.ParquetFile(handle)
                batch = next(parquet.iter_batches(batch_size=PROBE_ROWS), None)
                table = (
                    pa.Table.from_batches([batch])
                    if batch is not None
                    else parquet.schema_arrow.empty_table()
                )
            pq.write_table(table, sample)
            return
        with open_input(path) as handle:
            head = handle.read(PROBE_BYTES + 1)
        if len(head) > PROBE_BYTES:
            cut = head.rfind(b"\n", 0, PROBE_BYTES)
            head = head[: cut + 1] if cut > 0 else head[:PROBE_BYTES]
        sample.write_bytes(head)
    except DatasetError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow and the file systems raise many kinds
        raise DatasetError(
            f"Cannot read {path} ({type(exc).__name__}: {exc}). Check that the file is "
            "complete and in the format its name says."
        ) from None


def file_columns(path: str, plan: ReadPlan) -> list[str]:
    """The columns of one more file, read from its header / schema / first record."""
    import json

    if plan.format == "parquet":
        import pyarrow.parquet as pq

        with open_input(path) as handle:
            return [str(n) for n in pq.read_schema(handle).names]
    if plan.format == "jsonl":
        with open_input(path) as handle:
            for raw in handle:
                line = raw.decode(plan.encoding or "utf-8", errors="replace").strip()
                if line:
                    record = json.loads(line)
                    return [str(k) for k in record] if isinstance(record, dict) else ["text"]
        return []
    if not plan.has_header:
        return list(plan.columns)
    import csv
    import io

    with open_input(path) as handle:
        head = handle.read(PROBE_BYTES)
    text = head.decode(plan.encoding or "utf-8", errors="replace").lstrip("\ufeff")
    row = next(csv.reader(io.StringIO(text), delimiter=plan.delimiter or ","), [])
    return [cell.strip() for cell in row]


def _check_columns(path: str, plan: ReadPlan) -> None:
    try:
        columns = file_columns(path, plan)
    except Exception as exc:  # noqa: BLE001 - a damaged file: say which
        raise DatasetError(
            f"Cannot read {path} ({type(exc).__name__}: {exc}). Check that the file is "
            "complete and in the format its name says."
        ) from None
    for column in plan.columns_read:
        if column not in columns:
            raise DatasetError(
                f"{path} has no column {column!r} (the first file, {plan.source}, has it). "
                f"Columns: {', '.join(columns) or 'none'}."
            )


def count_rows(inputs: Inputs, plan: ReadPlan) -> int | None:
    """The rows to expect, for progress: exact for Parquet, lines for CSV/TSV/JSONL (texts
    with line breaks count more than once); None when unknown (files in object stores)."""
    if plan.format == "parquet":
        import pyarrow.parquet as pq

        total = 0
        for path in inputs.files:
            with open_input(path) as handle:
                total += pq.ParquetFile(handle).metadata.num_rows
        return total
    if inputs.remote:
        return None
    from desktop_app.core.data.readers.base import count_file_lines

    header = 1 if plan.format in ("csv", "tsv") and plan.has_header else 0
    return sum(max(0, count_file_lines(Path(p)) - header) for p in inputs.files)


# -- reading (on the workers) --------------------------------------------------------------
def read_files(batch: dict[str, Any], plan: dict[str, Any]) -> Iterator[Any]:
    """Ray Data ``map_batches`` function: for each ``(file, path)`` row, the file's blocks."""
    read = ReadPlan.from_dict(plan)
    for index, path in zip(batch["file"], batch["path"], strict=True):
        yield from read_blocks(str(path), int(index), read)


def read_blocks(path: str, index: int, plan: ReadPlan, rows: int = BLOCK_ROWS) -> Iterator[Any]:
    """One file as Arrow tables of up to ``rows`` rows: ``file`` (``index``), ``source_row``,
    ``text``, ``label`` (class names; with a label column) and ``status`` ("" or
    "malformed")."""
    try:
        with open_input(path) as handle:
            if plan.format == "parquet":
                yield from _parquet_blocks(handle, index, plan, rows)
            elif plan.format == "jsonl":
                yield from _jsonl_blocks(handle, index, plan, rows)
            else:
                yield from _csv_blocks(handle, index, plan, rows)
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(
            f"{path} was not found where the Ray worker runs. With a remote cluster, give "
            "DATA as a path every node can read (shared storage, s3://…)."
        ) from None
    except Exception as exc:  # noqa: BLE001 - Arrow's and the file systems' many kinds
        raise DatasetError(
            f"Cannot read {path} ({type(exc).__name__}: {exc}). Check that the file is "
            "complete and in the format its name says."
        ) from None


class _Labels:
    """Raw label values to class names, as the app's loader names them."""

    def __init__(self, plan: ReadPlan) -> None:
        self.names = dict(plan.label_names)

    def __call__(self, value: Any) -> str | None:
        from desktop_app.core.data.columns import label_key, label_mapping

        if value is None or (isinstance(value, float) and value != value):
            return None
        key = label_key(value)
        if isinstance(value, str) and key:
            try:  # "1.0" in a text column is the number 1, as pandas would read it
                number = float(key)
                key = str(int(number)) if number.is_integer() and key[0] in "+-0123456789" else key
            except ValueError:
                pass
        if key not in self.names:
            self.names[key] = label_mapping([key], {}, {}).get(key, "")
        return self.names[key] or None


def _table(index: int, first_row: int, texts: list, labels: list | None, status: list) -> Any:
    import pyarrow as pa

    n = len(texts)
    columns = {
        "file": pa.array([index] * n, pa.int32()),
        "source_row": pa.array(range(first_row, first_row + n), pa.int64()),
        "text": pa.array(texts, pa.string()),
    }
    if labels is not None:
        columns["label"] = pa.array(labels, pa.string())
    columns["status"] = pa.array(status, pa.string())
    return pa.table(columns)


def _csv_blocks(handle: Any, index: int, plan: ReadPlan, rows: int) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[str] = []

    def skip(row: Any) -> str:
        bad.append(row.text)
        return "skip"

    wanted = plan.columns_read
    read_options = pacsv.ReadOptions(
        encoding=plan.encoding or "utf8",
        block_size=1 << 20,
        column_names=None if plan.has_header else list(plan.columns),
    )
    parse_options = pacsv.ParseOptions(
        delimiter=plan.delimiter or ",", newlines_in_values=True, invalid_row_handler=skip
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={c: pa.string() for c in wanted},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    reader = pacsv.open_csv(handle, read_options, parse_options, convert_options)
    labels = _Labels(plan) if plan.label_column else None
    done = 0
    for record in reader:
        if bad:
            yield _table(
                index, -1, bad, [None] * len(bad) if labels else None, [MALFORMED] * len(bad)
            )
            bad = []
        for start in range(0, record.num_rows, rows):
            part = record.slice(start, rows)
            texts = part.column(plan.text_column).to_pylist()
            lab = (
                [labels(v) for v in part.column(plan.label_column).to_pylist()] if labels else None
            )
            yield _table(index, done, texts, lab, [""] * len(texts))
            done += len(texts)
    if bad:
        yield _table(index, -1, bad, [None] * len(bad) if labels else None, [MALFORMED] * len(bad))


def _parquet_blocks(handle: Any, index: int, plan: ReadPlan, rows: int) -> Iterator[Any]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(handle)
    labels = _Labels(plan) if plan.label_column else None
    done = 0
    for batch in parquet.iter_batches(batch_size=rows, columns=plan.columns_read):
        texts = [None if v is None else str(v) for v in batch.column(plan.text_column).to_pylist()]
        lab = [labels(v) for v in batch.column(plan.label_column).to_pylist()] if labels else None
        yield _table(index, done, texts, lab, [""] * len(texts))
        done += len(texts)


def _jsonl_blocks(handle: Any, index: int, plan: ReadPlan, rows: int) -> Iterator[Any]:
    import io
    import json

    labels = _Labels(plan) if plan.label_column else None
    stream = io.TextIOWrapper(handle, encoding=plan.encoding or "utf-8", errors="replace")
    texts: list = []
    lab: list = []
    bad: list[str] = []
    done = 0
    for line in stream:
        if not line.strip():
            continue  # blank lines are not rows (as in the app's loader)
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            bad.append(line.rstrip("\n"))
            continue
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            bad.append(line.rstrip("\n"))
            continue
        value = item.get(plan.text_column)
        texts.append(
            None
            if value is None
            else value
            if isinstance(value, str)
            else json.dumps(value, ensure_ascii=False)
        )
        if labels is not None:
            lab.append(labels(item.get(plan.label_column)))
        if len(texts) >= rows:
            yield _table(index, done, texts, lab if labels else None, [""] * len(texts))
            done += len(texts)
            texts, lab = [], []
    if texts:
        yield _table(index, done, texts, lab if labels else None, [""] * len(texts))
    if bad:
        yield _table(index, -1, bad, [None] * len(bad) if labels else None, [MALFORMED] * len(bad))
