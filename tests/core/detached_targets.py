"""Functions that tests/core/test_detached.py runs in a child process."""

from __future__ import annotations

import time

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext


def count(n: int, ctx: JobContext) -> dict:
    for i in range(n):
        ctx.progress(i + 1, n, f"step {i + 1}")
        time.sleep(0.12)  # past the context's throttle, so every step is reported
    ctx.log("counted")
    return {"n": n, "rows": [{"a": 1.5, "b": None}]}


def refuse(ctx: JobContext) -> None:
    raise UserError("The file reviews.csv has no column 'text'.")


def crash(ctx: JobContext) -> None:
    raise ZeroDivisionError("boom")


def wait_for_cancel(ctx: JobContext) -> None:
    ctx.progress(0, 1, "waiting")
    while True:
        ctx.check_cancelled()
        time.sleep(0.05)


def plain(x: int) -> int:
    return x * 2
