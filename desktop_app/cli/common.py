"""Shared plumbing for subcommands: JSON output, progress on stderr, error exits.

Convention for every subcommand: with ``--json``, standard output carries exactly
one JSON document (UTF-8, non-ASCII written as itself); progress and log lines go to
standard error; exit status 0 on success, non-zero with a one-line reason on
standard error otherwise.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from typing import Any

from desktop_app.core.errors import Cancelled, UserError, plain_message
from desktop_app.core.jobs import JobContext, Progress


def _jsonable(value: Any) -> Any:
    """Make numpy scalars/arrays, paths and NaN serialisable."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _jsonable(value.tolist())
    if hasattr(value, "__fspath__"):
        return str(value)
    return value


def print_json(document: Any) -> None:
    """Write one JSON document to standard output as UTF-8."""
    text = json.dumps(_jsonable(document), ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def progress_line(report: Progress) -> str:
    """``[120/400  30.0%] epoch 1/3 · 1m 20s left``: one progress report as a line."""
    pct = f"{100 * report.done / report.total:5.1f}%" if report.total else ""
    return f"[{report.done}/{report.total} {pct}] {report.text}".rstrip()


def stderr_context() -> JobContext:
    """A JobContext that prints progress and log lines to standard error."""
    return JobContext(
        on_progress=lambda report: eprint(progress_line(report)), on_log=eprint, min_interval=1.0
    )


def run_command(module: Any, args: Any) -> int:
    """Run a subcommand's ``run(args)``, turning errors into a one-line reason."""
    try:
        return int(module.run(args) or 0)
    except UserError as exc:
        eprint(f"error: {plain_message(str(exc))}")
        return 2
    except Cancelled:
        eprint("error: cancelled")
        return 130
    except KeyboardInterrupt:
        eprint("error: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error of ours. Point stdout at devnull so
        # the interpreter's final flush does not raise again (Python docs, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what shells report for a command cut off by its reader
    except Exception as exc:  # noqa: BLE001 - last resort: one line, then the details
        eprint(f"error: unexpected {type(exc).__name__}: {plain_message(str(exc))}")
        traceback.print_exc(file=sys.stderr)
        return 1
