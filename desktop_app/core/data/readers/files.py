"""Plain text (one row per line), JSON, JSON Lines, and folders of class sub-folders."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from desktop_app.core.data.encoding import looks_binary, normalise_name
from desktop_app.core.data.readers.base import (
    MAX_EXAMPLES,
    MAX_LISTED,
    SAMPLE_BYTES,
    RawTable,
    check_not_empty_or_binary,
    clip,
    decode_file,
    flatten_nested,
    listed,
    read_bytes,
    split_lines,
)
from desktop_app.core.errors import DatasetError
from desktop_app.core.jobs import JobContext


def _user_encoding(options: Any) -> str | None:
    return normalise_name(options.encoding) if options.encoding else None


# -- plain lines ---------------------------------------------------------------------------
def read_plain_lines(path: Path, fmt: str, options: Any, ctx: JobContext | None = None) -> RawTable:
    """One row per physical line: no header, no delimiter, no quoting."""
    import pandas as pd

    data = read_bytes(path)
    check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(0, 2, "Decoding")
    found: list[str] = []
    text, encoding = decode_file(path, data, _user_encoding(options), found)
    del data
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(1, 2, "Splitting lines")
    lines = split_lines(text)
    del text
    frame = pd.DataFrame({"text": pd.array(lines, dtype="str")})
    return RawTable(
        frame=frame,
        format=fmt,
        encoding=encoding,
        delimiter=None,
        has_header=False,
        lines_read=len(lines),
        first_line=1,
        default_text="text",
        warnings=found,
    )


# -- JSON / JSONL -------------------------------------------------------------------------
def read_json(path: Path, options: Any) -> RawTable:
    import json

    import pandas as pd

    data = read_bytes(path)
    check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    found: list[str] = []
    text, enc = decode_file(path, data, _user_encoding(options), found)
    if not text.strip():
        raise DatasetError(f"{path} is empty. Choose a file that has rows of text.")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix the file, or save it as JSON Lines (.jsonl) with one record per line."
        ) from None
    notes: list[str] = []
    if isinstance(obj, dict):
        lists = [k for k, v in obj.items() if isinstance(v, list)]
        records_key = next((k for k in lists if obj[k] and isinstance(obj[k][0], dict)), None)
        if records_key is not None:
            notes.append(f"Records read from the key {records_key!r}.")
            obj = obj[records_key]
        elif lists and all(
            isinstance(v, list) and len(v) == len(obj[lists[0]]) for v in obj.values()
        ):
            obj = [
                dict(zip(obj, values, strict=True)) for values in zip(*obj.values(), strict=True)
            ]
        else:
            obj = None
    if not isinstance(obj, list):
        raise DatasetError(
            f"{path} does not hold a list of records. Expected JSON like "
            '[{"text": "...", "label": "..."}, ...].'
        )
    table = RawTable(
        frame=None, format="json", encoding=enc, lines_read=len(obj), notes=notes, warnings=found
    )
    records, positions = _records(obj, [f"item {i + 1}" for i in range(len(obj))], table)
    table.frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"text": []})
    flatten_nested(table.frame, table.warnings)
    table.line_map = [p + 1 for p in positions]
    table.unit = "item"
    table.notes.append("For JSON, lines_read counts the items of the list.")
    return table


def _records(items: list[Any], where: list[str], table: RawTable) -> tuple[list[dict], list[int]]:
    """Objects are records, strings are texts; anything else is dropped (``where[i]`` says
    where item i is, for the example)."""
    records, positions, bad = [], [], []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            records.append(item)
            positions.append(i)
        elif isinstance(item, str):
            records.append({"text": item})
            positions.append(i)
        else:
            bad.append(f"{where[i]}: {clip(item)}")
    table.drop("not a record", len(bad), bad)
    return records, positions


def read_jsonl(path: Path, options: Any, ctx: JobContext | None = None) -> RawTable:
    import json

    import pandas as pd

    data = read_bytes(path)
    check_not_empty_or_binary(path, data[:SAMPLE_BYTES])
    found: list[str] = []
    text, enc = decode_file(path, data, _user_encoding(options), found)
    lines = split_lines(text)
    table = RawTable(
        frame=None, format="jsonl", encoding=enc, lines_read=len(lines), warnings=found
    )
    items, numbers, blank, bad = [], [], [], []
    for n, line in enumerate(lines, start=1):
        if ctx is not None and n % 20_000 == 0:
            ctx.check_cancelled()
            ctx.progress(n, len(lines), "Reading records")
        if not line.strip():
            blank.append(f"line {n}")
            continue
        try:
            items.append(json.loads(line))
            numbers.append(n)
        except json.JSONDecodeError as exc:
            bad.append(f"line {n}: {exc.msg}: {clip(line)}")
    table.drop("blank line", len(blank), blank)
    table.drop("unparsable line (not JSON)", len(bad), bad)
    records, positions = _records(items, [f"line {n}" for n in numbers], table)
    table.frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"text": []})
    flatten_nested(table.frame, table.warnings)
    table.line_map = [numbers[p] for p in positions]
    return table


# -- a folder of class sub-folders ---------------------------------------------------------
def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def folder_files(path: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """The .txt files (any case of the suffix) below each class sub-folder, with the class,
    and every other file or folder as (relative path, why it is skipped).

    Sub-folders of a class folder are read too: their files belong to that class.
    """
    files: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []

    def rel(p: Path) -> str:
        return p.relative_to(path).as_posix()

    for entry in sorted(path.iterdir()):
        if _is_hidden(entry.name):
            skipped.append((rel(entry), "hidden"))
        elif entry.is_symlink() and entry.is_dir():
            skipped.append((rel(entry) + "/", "a link to a folder (links are not followed)"))
        elif entry.is_dir():
            _walk_class(entry, entry.name, files, skipped, rel)
        else:
            skipped.append((rel(entry), "not in a class folder"))
    return files, skipped


def _walk_class(
    folder: Path,
    label: str,
    files: list[tuple[str, Path]],
    skipped: list[tuple[str, str]],
    rel: Any,
) -> None:
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        keep = []
        for d in sorted(dirs):
            if _is_hidden(d):
                skipped.append((rel(base / d) + "/", "hidden folder"))
            elif (base / d).is_symlink():
                skipped.append((rel(base / d) + "/", "a link to a folder (links are not followed)"))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(names):
            file = base / name
            if _is_hidden(name):
                skipped.append((rel(file), "hidden"))
            elif file.suffix.lower() != ".txt":
                skipped.append((rel(file), "not a .txt file"))
            elif not file.is_file():
                skipped.append((rel(file), "not a regular file"))
            else:
                files.append((label, file))


def read_folder(path: Path, options: Any, ctx: JobContext | None = None) -> RawTable:
    """One row per .txt file; the class sub-folder's name is the label (NLTK movie_reviews
    layout). Files in folders below a class folder belong to that class."""
    import pandas as pd

    files, skipped = folder_files(path)
    if not files:
        raise DatasetError(
            f"{path} has no class sub-folders with .txt files. Put each class's texts in a "
            "sub-folder named after the class (for example pos/ and neg/)."
        )
    enc_override = _user_encoding(options)
    texts, labels, names, encodings = [], [], [], Counter()
    decode_warnings: list[str] = []
    for i, (label, file) in enumerate(files):
        if ctx is not None and i % 50 == 0:
            ctx.check_cancelled()
            ctx.progress(i, len(files), "Reading files")
        name = file.relative_to(path).as_posix()
        try:
            data = file.read_bytes()
        except OSError as exc:
            skipped.append((name, f"cannot be read: {exc.strerror or exc}"))
            continue
        if looks_binary(data[:SAMPLE_BYTES]):
            skipped.append((name, "binary, not text"))
            continue
        found: list[str] = []
        text, enc = decode_file(file, data, enc_override, found)
        decode_warnings.extend(f"{name}: {w}" for w in found)
        encodings[enc] += 1
        texts.append(text.rstrip("\r\n"))
        labels.append(label)
        names.append(name)
    if not texts:
        raise DatasetError(
            f"None of the .txt files in {path} could be read ({listed([f'{n} ({why})' for n, why in skipped])})."
        )
    frame = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="str"),
            "label": pd.array(labels, dtype="str"),
            "file": pd.array(names, dtype="str"),
        }
    )
    nested = sum(1 for n in names if n.count("/") > 1)
    notes = [
        f"{len(texts)} .txt files in {len(set(labels))} class folders, sub-folders included "
        f"({nested} files came from sub-folders); lines_read counts files."
    ]
    warnings = []
    if skipped:
        kind = "files or folders" if any(n.endswith("/") for n, _ in skipped) else "files"
        if len(skipped) == 1:
            kind = "folder" if skipped[0][0].endswith("/") else "file"
        by_reason = ""
        if len(skipped) > MAX_LISTED:
            reasons = Counter(why for _, why in skipped)
            by_reason = ", ".join(f"{n} {why}" for why, n in reasons.most_common()) + ": "
        warnings.append(
            f"Not read: {len(skipped)} {kind} ({by_reason}"
            + listed([f"{name}: {why}" for name, why in skipped], sep="; ")
            + "). Only .txt files in class sub-folders (and the folders below them) are read."
        )
    if len(decode_warnings) > MAX_EXAMPLES:
        more = len(decode_warnings) - MAX_EXAMPLES
        decode_warnings = decode_warnings[:MAX_EXAMPLES] + [
            f"{more} more files have encoding warnings like these."
        ]
    warnings.extend(decode_warnings)
    encoding = encodings.most_common(1)[0][0]
    if len(encodings) > 1:
        notes.append(
            "Encodings: " + ", ".join(f"{k} ({v} files)" for k, v in encodings.most_common())
        )
    return RawTable(
        frame=frame,
        format="folder",
        encoding=encoding,
        has_header=None,
        lines_read=len(texts),
        notes=notes,
        warnings=warnings,
        default_text="text",
        default_label="label",
    )
