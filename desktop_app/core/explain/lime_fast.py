"""The fast classifier function LIME calls: de-duplicated, cached, length-sorted, cancellable.

LIME draws all its perturbations first (with its own ``random_state``) and then calls the
classifier function once with the whole list. :class:`CachedClassifier` answers that call
without changing anything LIME sees except the speed:

- each *distinct* string goes through the model once (for short texts LIME's masks repeat
  heavily: a 10-word text has at most 1,023 distinct perturbations);
- the strings still missing are sorted by length and sent in chunks (the torch models sort each
  chunk by token length again and pad each batch only to its longest text, exactly: see
  ``neural.exact_padding``; batches of :data:`MODEL_BATCH` texts);
- the answers stay in ``cache`` (string -> probability row), so the k runs of one text, the
  deletion check, and later explanations of the same text reuse them;
- between chunks it reports progress and checks for cancel; progress within a call follows
  the characters scored, not the strings, so shortest-first does not make the time left rise.

Rows come back in LIME's order, so the regression sees exactly the array plain LIME would
see and the weights match plain LIME for the same seed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from desktop_app.core.jobs import JobContext

DEFAULT_CHUNK = 256  # strings per predict_proba call (the model batches inside)
# Texts per forward pass for models read in token windows. Measured on the 20-word benchmark
# sentence's perturbations (1 thread, fp32, CPU time): 128 ran 6 % faster than 64.
MODEL_BATCH = 128
STRING_OVERHEAD = 16  # progress: the fixed cost of a string, in characters


class CachedClassifier:
    """``classifier_fn(texts) -> (n, classes) array`` for LIME, backed by ``model.predict_proba``.

    ``progress_total`` and ``progress_done`` let a caller report one progress bar over
    several calls (the k runs and the deletion check); ``message`` prefixes progress lines.
    """

    def __init__(
        self,
        model: Any,
        cache: dict[str, np.ndarray] | None = None,
        ctx: JobContext | None = None,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self.model = model
        self.cache: dict[str, np.ndarray] = cache if cache is not None else {}
        self.ctx = ctx
        self.chunk_size = max(1, int(chunk_size))
        # The model checks cancel between its own batches, but its progress is ours to report.
        self._inner = CancelOnlyContext(ctx) if ctx is not None else None
        self.progress_total = 0
        self.progress_done = 0.0
        self.message = ""
        # Accounting for timings and the benchmark.
        self.model_seconds = 0.0  # inside model.predict_proba
        self.call_seconds = 0.0  # inside __call__ (model + de-duplication + assembly)
        self.model_texts = 0  # strings sent to the model
        self.requested = 0  # strings LIME asked for
        self._seen: set[str] = set()  # distinct strings asked for through this object
        self.calls: list[tuple[float, float]] = []  # (entered, left) per call, perf_counter

    # -- the function LIME calls --------------------------------------------------------
    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        entered = time.perf_counter()
        texts = list(texts)
        self.requested += len(texts)
        self._seen.update(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        # Already-known strings count as done straight away.
        self.advance(len(texts) - _count_in(texts, set(missing)))
        if missing:
            self._fill(missing, texts)
        out = np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, 0))
        left = time.perf_counter()
        self.call_seconds += left - entered
        self.calls.append((entered, left))
        return out

    def _fill(self, missing: list[str], texts: list[str]) -> None:
        # How many requested rows each missing string stands for (for honest progress).
        counts: dict[str, int] = {}
        wanted = set(missing)
        for t in texts:
            if t in wanted:
                counts[t] = counts.get(t, 0) + 1
        order = sorted(missing, key=len)
        # Shortest first is best for padding, but then a count of strings runs ahead of the
        # work and the time left keeps rising. Progress follows the characters done instead:
        # the call's rows are spread over its chunks in proportion to their length.
        rows = sum(counts.values())
        cost = [len(t) + STRING_OVERHEAD for t in order]
        total_cost = float(sum(cost))
        done_cost = 0.0
        credited = 0.0
        for start in range(0, len(order), self.chunk_size):
            if self.ctx is not None:
                self.ctx.check_cancelled()
            chunk = order[start : start + self.chunk_size]
            began = time.perf_counter()
            probs = np.asarray(self._predict(chunk), dtype=float)
            self.model_seconds += time.perf_counter() - began
            self.model_texts += len(chunk)
            if probs.shape[0] != len(chunk):
                raise RuntimeError(
                    f"the model returned {probs.shape[0]} rows for {len(chunk)} texts"
                )
            for text, row in zip(chunk, probs, strict=True):
                self.cache[text] = row
            done_cost += sum(cost[start : start + len(chunk)])
            share = rows * done_cost / total_cost if start + len(chunk) < len(order) else rows
            self.advance(share - credited)
            credited = share
        if self.ctx is not None:
            self.ctx.check_cancelled()

    def _predict(self, texts: list[str]) -> np.ndarray:
        """The model's probabilities for ``texts``: models read in token windows get
        exactly padded batches of :data:`MODEL_BATCH` (the same probabilities as
        ``predict_proba`` up to float rounding), others their ``predict_proba``."""
        from desktop_app.core.models.neural import exact_padding
        from desktop_app.core.predict.chunks import can_chunk, predict_long

        with exact_padding():
            if can_chunk(self.model):
                return predict_long(
                    self.model, texts, "chunk", self._inner, MODEL_BATCH
                ).probabilities
            return self.model.predict_proba(texts, ctx=self._inner)

    def advance(self, n: float, message: str | None = None) -> None:
        """Count ``n`` more units of work done and report progress (never past the total)."""
        if message is not None:
            self.message = message
        self.progress_done += n
        if self.ctx is not None and self.progress_total:
            done = min(int(self.progress_done), self.progress_total)
            self.ctx.progress(done, self.progress_total, self.message)

    @property
    def distinct_requested(self) -> int:
        return len(self._seen)

    # -- convenience --------------------------------------------------------------------
    def predict_one(self, text: str) -> np.ndarray:
        return self([text])[0]


def _count_in(texts: list[str], subset: set[str]) -> int:
    return sum(1 for t in texts if t in subset)


class CancelOnlyContext(JobContext):
    """Passes cancel through to a parent context and swallows progress and logs.

    Given to ``model.predict_proba`` so a long model call stops on cancel without its own
    per-call progress bar fighting the explanation's overall one.
    """

    def __init__(self, parent: JobContext) -> None:
        super().__init__(job_id=parent.job_id, cancel_event=parent.cancel_event)

    def progress(self, done: int, total: int, message: str = "") -> None:
        return None
