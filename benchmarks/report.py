"""Write one section of docs/benchmarks.md, keeping the other sections as they are."""

from __future__ import annotations

import platform
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the script it names (`python -m benchmarks.NAME`); a script\n"
    "rewrites only its own section. Times are medians of several runs; ratios compare against a\n"
    "baseline measured in the same process on the same machine.\n"
)


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def median_time(fn: Callable[[], object], repeat: int = 5) -> tuple[float, list[float]]:
    """Median wall time of ``fn`` over ``repeat`` runs, and all the runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def write_section(name: str, markdown: str, doc: Path = DOC) -> None:
    """Replace (or append) the section between this script's markers."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    stamp = time.strftime("%Y-%m-%d")
    block = f"{begin}\n{markdown.rstrip()}\n\n_Measured {stamp} on {machine()}._\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
