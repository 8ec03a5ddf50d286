"""Splitting a data set into train / validation / test: stratified, seeded."""

from __future__ import annotations

import dataclasses
from typing import Any

from desktop_app.core.errors import DatasetError

SPLITS = ("train", "validation", "test")
SPLIT_CATEGORIES = ("", *SPLITS)


def split_dataset(dataset: Any, train: float, validation: float, test: float, seed: int) -> Any:
    """Stratified, seeded split of the labelled rows (``Dataset.split``)."""
    import numpy as np
    import pandas as pd

    fractions = {"train": train, "validation": validation, "test": test}
    if (
        any(f < 0 for f in fractions.values())
        or train <= 0
        or abs(sum(fractions.values()) - 1) > 1e-6
    ):
        raise DatasetError(
            f"Split fractions must be non-negative, with a train part, and add up to 1 "
            f"(got train {train}, validation {validation}, test {test})."
        )
    frame = dataset.frame
    codes = np.asarray(frame["label"].cat.codes)
    classes = len(frame["label"].cat.categories)
    counts = np.bincount(codes[codes >= 0], minlength=classes)
    n = int(counts.sum())
    wanted = [name for name, f in fractions.items() if f > 0]
    if n < len(wanted):
        raise DatasetError(
            f"Only {n} labelled rows: too few for a {'/'.join(wanted)} split. "
            "Label more rows, or set the empty parts to 0."
        )
    sizes = {name: int(round(n * f)) for name, f in fractions.items()}
    for name in ("validation", "test"):
        if fractions[name] > 0:
            sizes[name] = max(1, sizes[name])
    sizes["train"] = n - sizes["validation"] - sizes["test"]
    if sizes["train"] < 1:
        raise DatasetError(
            f"Only {n} labelled rows: nothing would be left for training. "
            "Label more rows, or make the validation and test parts smaller."
        )

    warnings: list[str] = []
    rng = np.random.default_rng(seed)
    quotas = _stratified_quotas(counts, sizes, rng)
    split_codes = np.zeros(len(frame), dtype=np.int8)
    if quotas is not None:
        # Rows grouped by class (each group in row order; unlabelled rows, code -1, first),
        # then each class shuffled on its own: numpy's Generator releases the GIL while it
        # shuffles, so the GUI thread keeps running (scikit-learn's splitter held it).
        order = np.argsort(codes, kind="stable")
        start = len(codes) - n
        for c, size in enumerate(counts.tolist()):
            rows = order[start : start + size]
            start += size
            if not size:
                continue
            rows = rows[rng.permutation(size)]
            n_test, n_val = quotas["test"][c], quotas["validation"][c]
            split_codes[rows[n_test + n_val :]] = SPLIT_CATEGORIES.index("train")
            split_codes[rows[n_test : n_test + n_val]] = SPLIT_CATEGORIES.index("validation")
            split_codes[rows[:n_test]] = SPLIT_CATEGORIES.index("test")
    else:
        small = [str(frame["label"].cat.categories[i]) for i, c in enumerate(counts) if 0 < c < 3]
        reason = (
            f"class {', '.join(small)} has too few rows to appear in every part"
            if small
            else "a part is smaller than the number of classes"
        )
        warnings.append(f"The split is not stratified: {reason}.")
        rng = np.random.default_rng(seed)
        shuffled = rng.permutation(np.flatnonzero(codes >= 0))
        start = 0
        for name in ("test", "validation", "train"):
            size = sizes[name] if name != "train" else len(shuffled) - start
            split_codes[shuffled[start : start + size]] = SPLIT_CATEGORIES.index(name)
            start += size

    new_frame = frame.copy()
    new_frame["split"] = pd.Categorical.from_codes(split_codes, categories=list(SPLIT_CATEGORIES))
    report = dataclasses.replace(
        dataset.report,
        warnings=[w for w in dataset.report.warnings if not w.startswith("The split is not")]
        + warnings,
    )
    return type(dataset)(new_frame, dataset.raw, report, list(dataset.labels), dataset._table)


def _stratified_quotas(counts: Any, sizes: dict[str, int], rng: Any) -> dict[str, list[int]] | None:
    """Rows per class for the test part, then for the validation part from what is left.

    Each class gets its share of a part rounded down; the rows still missing go to the
    classes with the largest remainders (ties in a seeded random order). None when a
    stratified split cannot be made, under the conditions scikit-learn's stratified
    splitter has: a class with a single row left, or a part (or what is left beside it)
    smaller than the number of classes.
    """
    pool = [int(c) for c in counts]
    quotas: dict[str, list[int]] = {}
    for name in ("test", "validation"):
        want = sizes[name]
        if not want:
            quotas[name] = [0] * len(pool)
            continue
        present = [c for c in pool if c > 0]
        total = sum(present)
        if min(present) < 2 or want < len(present) or total - want < len(present):
            return None
        share = [c * want // total for c in pool]
        remainders = [c * want % total for c in pool]
        order = sorted(rng.permutation(len(pool)).tolist(), key=lambda i: -remainders[i])
        for i in order[: want - sum(share)]:
            share[i] += 1
        quotas[name] = share
        pool = [c - s for c, s in zip(pool, share, strict=True)]
    return quotas
