"""Two runs side by side: metrics, per-class figures and McNemar's exact test.

McNemar's test asks whether B differs from A on the same test rows: only the rows where
exactly one of them is right count (``a_only`` right by A alone, ``b_only`` by B alone); under
"no difference" each such row is a fair coin, so the two-sided p-value is the exact binomial
one. Rows are matched by the hash of their normalised text and their true class, so two runs
on the same data (or a project's stable split) pair up row by row.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from desktop_app.core.runs.registry import RunRecord, RunRegistry

ALPHA = 0.05
FIGURES = ("accuracy", "macro_f1")


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value (binomial test of ``b_only`` of ``a_only + b_only``
    at 0.5); 1.0 when no row separates the two."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(min(1.0, binomtest(b_only, n, 0.5).pvalue))


def paired_outcomes(a: dict[str, list], b: dict[str, list]) -> tuple[int, int, int, int, bool]:
    """``(shared, both_right, a_only, b_only, same_split)`` of two runs' test predictions
    (``{"hashes", "true", "predicted"}``)."""
    rows: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for h, true, pred in zip(a["hashes"], a["true"], a["predicted"], strict=False):
        rows[(h, true)].append(true == pred)
    shared = both = a_only = b_only = 0
    for h, true, pred in zip(b["hashes"], b["true"], b["predicted"], strict=False):
        pending = rows.get((h, true))
        if not pending:
            continue
        a_right, b_right = pending.pop(0), true == pred
        shared += 1
        both += a_right and b_right
        a_only += a_right and not b_right
        b_only += b_right and not a_right
    same = sorted(zip(a["hashes"], a["true"], strict=False)) == sorted(
        zip(b["hashes"], b["true"], strict=False)
    )
    return shared, both, a_only, b_only, same


def verdict(p_value: float, a_only: int, b_only: int) -> str:
    """The result in words, as the Runs view shows it."""
    if p_value >= ALPHA or a_only == b_only:
        return f"no significant difference (p = {p_value:.3g})"
    better = "B" if b_only > a_only else "A"
    return f"{better} is better on this test split, p = {p_value:.3g}"


def compare_runs(registry: RunRegistry, a: RunRecord, b: RunRecord) -> dict[str, Any]:
    """Metrics and per-class figures of ``a`` and ``b`` side by side, and McNemar's test on
    the test rows they share (``mcnemar`` is None when they share none)."""
    ma, mb = a.metrics, b.metrics
    metrics = {}
    for key in FIGURES:
        va, vb = ma.get(key), mb.get(key)
        metrics[key] = {
            "a": va,
            "b": vb,
            "a_ci": ma.get(f"{key}_ci"),
            "b_ci": mb.get(f"{key}_ci"),
            "difference": (vb - va) if va is not None and vb is not None else None,
        }
    labels = list(ma.get("labels") or [])
    labels += [x for x in mb.get("labels") or [] if x not in labels]
    per_class = {
        label: {
            "a": (ma.get("per_class") or {}).get(label),
            "b": (mb.get("per_class") or {}).get(label),
        }
        for label in labels
    }
    notes = []
    if a.info.get("fingerprint") != b.info.get("fingerprint"):
        notes.append("The two runs were trained on different data (their fingerprints differ).")
    mcnemar = None
    pa, pb = registry.test_predictions(a), registry.test_predictions(b)
    if pa is None or pb is None:
        notes.append("A run has no per-row test predictions: McNemar's test needs them.")
    else:
        shared, both, a_only, b_only, same = paired_outcomes(pa, pb)
        if shared:
            p = mcnemar_exact(a_only, b_only)
            mcnemar = {
                "shared_rows": shared,
                "same_test_split": same,
                "both_right": both,
                "a_only_right": a_only,
                "b_only_right": b_only,
                "p_value": p,
                "verdict": verdict(p, a_only, b_only),
            }
            if not same:
                notes.append(
                    f"The test splits differ: McNemar's test uses the {shared:,} test rows "
                    "both runs share."
                )
        else:
            notes.append("The runs share no test rows, so McNemar's test cannot compare them.")
    return {
        "a": a.summary(),
        "b": b.summary(),
        "metrics": metrics,
        "per_class": per_class,
        "sizes": {"a": a.info.get("sizes"), "b": b.info.get("sizes")},
        "mcnemar": mcnemar,
        "notes": notes,
    }
