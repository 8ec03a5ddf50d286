"""Metrics of a model on labelled rows, as an analyst can report them.

One report for the ``evaluate`` command and the Predict tab (:func:`score_rows`): the rows
the model saw in training or validation are left out unless asked (the leakage guard,
:mod:`desktop_app.core.guard`), figures on fewer than 1,000 rows carry a 95 % interval, and
a file holding only some of the model's classes gets a warning and the metrics within its
own classes (``within_file_classes``) next to the plain ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.guard import Guarded, guard_note, guard_rows
from desktop_app.core.jobs import JobContext
from desktop_app.core.training.metrics import (
    check_file_classes,
    evaluate_probs_with_intervals,
    within_classes_metrics,
)


def _is_label(value: Any) -> bool:
    return not (value is None or (isinstance(value, float) and np.isnan(value)) or value == "")


def score_rows(
    probs: np.ndarray,
    y_true: Sequence[Any],
    model_labels: Sequence[str],
    guarded: Guarded | None = None,
    *,
    unknown: str = "error",
    seed: int = 0,
) -> dict[str, Any]:
    """The report on the rows ``guarded`` lets through (all without a guard).

    ``probs``: one row per row of ``y_true`` (rows the guard keeps out are never read);
    ``y_true``: the true class per row, None or "" where unlabelled (skipped and counted).
    A true class the model does not know raises :class:`ModelError` naming it
    (``unknown="error"``) or leaves the row out with a warning (``unknown="skip"``).

    Returns ``accuracy``, ``accuracy_ci``, ``macro_f1``, ``macro_f1_ci``, ``per_class``,
    ``confusion_matrix``, ``labels``, ``rows`` (rows scored), ``skipped_unlabelled``,
    ``excluded_seen`` (labelled rows left out because the model saw them), ``seen_rows``,
    ``seen_by_split``, ``guard`` ("applied" | "included" | "unavailable" | "none"),
    ``file_labels``, ``warnings``, ``notes`` and, when the rows hold two or more classes but
    not all of the model's, ``within_file_classes`` (argmax over the rows' classes only).
    """
    model_labels = [str(x) for x in model_labels]
    n = len(y_true)
    use = guarded.use if guarded is not None else [True] * n
    seen = guarded.seen if guarded is not None else [""] * n
    labelled = [i for i in range(n) if _is_label(y_true[i])]
    warnings: list[str] = []
    unknown_rows = [i for i in labelled if str(y_true[i]) not in model_labels]
    if unknown_rows and unknown == "skip":
        names = sorted({str(y_true[i]) for i in unknown_rows})
        warnings.append(
            f"{len(unknown_rows):,} rows have labels the model does not know "
            f"({', '.join(names)}); they are left out of the figures."
        )
        labelled = [i for i in labelled if str(y_true[i]) in model_labels]
    file_labels = [x for x in model_labels if x in {str(y_true[i]) for i in labelled}]
    if unknown == "error":
        file_labels += sorted({str(y_true[i]) for i in labelled} - set(model_labels))
    warnings += check_file_classes(file_labels, model_labels)
    scored = [i for i in labelled if use[i]]
    excluded = [i for i in labelled if not use[i]]
    y = [str(y_true[i]) for i in scored]
    p = np.asarray(probs, dtype=float)[scored] if scored else np.zeros((0, len(model_labels)))
    report: dict[str, Any] = evaluate_probs_with_intervals(p, y, model_labels, seed)
    by_split = {
        name: sum(1 for i in labelled if seen[i] == name) for name in ("train", "validation")
    }
    report.update(
        {
            "rows": len(scored),
            "skipped_unlabelled": n
            - len(labelled)
            - (len(unknown_rows) if unknown == "skip" else 0),
            "excluded_seen": len(excluded),
            "seen_rows": sum(by_split.values()),
            "seen_by_split": by_split,
            "guard": guarded.state if guarded is not None else "none",
            "file_labels": file_labels,
            "warnings": warnings,
            "notes": [],
        }
    )
    note = guard_note(report["guard"], by_split, len(scored))
    if note is not None:
        (warnings if report["guard"] == "unavailable" else report["notes"]).append(note)
    if set(file_labels) < set(model_labels) and len(file_labels) >= 2:
        report["within_file_classes"] = within_classes_metrics(
            p, y, model_labels, file_labels, seed
        )
    return report


def evaluate_model(
    model: Any,
    texts: Sequence[str],
    labels: Sequence[Any],
    *,
    include_seen: bool = False,
    ctx: JobContext | None = None,
    seed: int = 0,
    long_text: str = "chunk",
) -> dict[str, Any]:
    """:func:`score_rows` for ``model`` on labelled ``texts``, predicting only the rows it
    scores, long texts read as ``long_text`` says (:mod:`desktop_app.core.predict.chunks`);
    adds ``long_text``, ``long_texts`` (scored texts over the model's window), ``chunks``
    (windows read in all) and ``truncated`` (scored texts cut).

    Raises :class:`UserError` when the guard leaves nothing to score."""
    texts = [str(t) for t in texts]
    guarded = guard_rows(model, texts, include_seen)
    check_file_classes(sorted({str(x) for x in labels if _is_label(x)}), model.labels)
    index = [i for i, use in enumerate(guarded.use) if use and _is_label(labels[i])]
    if not index:
        seen = guarded.seen_rows
        raise UserError(
            f"All {seen:,} labelled rows are texts the model saw in training or validation, so "
            "none is left for a held-out figure. Evaluate on other data, or add --include-seen "
            "to score them anyway (that figure is not a held-out estimate)."
            if seen
            else "There are no labelled rows to evaluate on."
        )
    probs = np.zeros((len(texts), len(model.labels)))
    subset = [texts[i] for i in index]
    from desktop_app.core.predict.chunks import check_long_text, predict_long

    mode = check_long_text(long_text)
    read = predict_long(model, subset, mode, ctx)
    probs[index] = read.probabilities
    report = score_rows(probs, labels, model.labels, guarded, seed=seed)
    report.update(
        {
            "long_text": mode,
            "long_texts": sum(1 for c, t in zip(read.chunks, read.cut, strict=True) if c > 1 or t),
            "chunks": int(sum(read.chunks)),
            "truncated": int(sum(read.cut)),
        }
    )
    return report
