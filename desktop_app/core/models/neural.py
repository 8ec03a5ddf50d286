"""What the torch-based kinds (transformers, BiLSTM) share: tokenise once, pad each
batch to its own longest text rounded up to a few fixed lengths (dynamic padding with
bounded shapes), batch by length for inference.

The training loop in :mod:`desktop_app.core.training.loop` uses the same three steps:
``encode`` (texts -> token id lists, cut at the training ``max_length``), ``collate`` (id
lists -> padded tensors) and ``logits`` (tensors -> class scores). Prediction
(``predict_proba``) reads texts up to ``chunk_tokens`` tokens whole and longer ones in
windows (:mod:`desktop_app.core.predict.chunks`) through the same ``proba_from_ids``.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

from desktop_app.core.errors import Cancelled
from desktop_app.core.jobs import JobContext
from desktop_app.core.models.base import SentimentModel

MAX_LENGTH_CAP = 256
# Round padded lengths up to a few fixed sizes (see padded_length); benchmarks/rss_bench.py
# turns it off to measure the difference.
BUCKETED_PADDING = True
# LIME's perturbed texts (core/explain/lime_fast.py) are short and come length-sorted, so a
# batch's texts have nearly the same length: padding each batch only to its longest text
# (no rounding up) ran the 20-word sentence's 2,000 perturbations 1.2x faster. Only up to
# this many tokens, so the shapes stay few (see padded_length).
EXACT_PADDING_UP_TO = 64
_exact = threading.local()


@contextlib.contextmanager
def exact_padding() -> Iterator[None]:
    """Inside the block (on this thread), batches up to :data:`EXACT_PADDING_UP_TO` tokens are
    padded to their longest text exactly rather than rounded up."""
    before = getattr(_exact, "on", False)
    _exact.on = True
    try:
        yield
    finally:
        _exact.on = before


def grad_off(autocast: Any) -> contextlib.AbstractContextManager:
    """No autograd for a prediction: ``inference_mode``, or ``no_grad`` when ``autocast`` (a
    low precision) is set. Inside inference mode torch never reuses a weight's low-precision
    copy, so every batch cast all the weights again; under ``no_grad`` the copies live until
    the outermost autocast context closes (``use_precision`` opens one for the whole job)."""
    return torch.inference_mode() if autocast is None else torch.no_grad()


class TorchModel(SentimentModel):
    module: torch.nn.Module
    device: str = "cpu"
    predict_batch_size: int = 64
    # The inference precision (core/predict/precision.py: use_precision): an autocast
    # factory used by proba_from_ids when its caller gives none; None = fp32.
    inference_autocast: Any = None

    # -- to implement ----------------------------------------------------------------
    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, NOT cut at max_length."""
        raise NotImplementedError

    def cut(self, ids: list[int], max_length: int) -> list[int]:
        return ids[:max_length]

    def content_tokens(
        self, texts: Sequence[str], offsets: bool = False
    ) -> list[tuple[list[int], list[tuple[int, int]] | None]]:
        """Per text: token ids without special tokens and (``offsets``) each token's
        character span, or None where the tokenizer cannot tell."""
        return [(list(ids), None) for ids in self.token_ids(texts)]

    def wrap(self, ids: list[int]) -> list[int]:
        """A window of content tokens as a model input (adds ``special_tokens`` tokens)."""
        return list(ids)

    def collate(self, batch: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> tuple[list[list[int]], list[bool]]:
        """Token ids cut at ``max_length`` and, per text, whether it was cut."""
        full = self.token_ids(texts)
        if not self.max_length:
            return full, [False] * len(full)
        cut = [
            self.cut(ids, self.max_length) if len(ids) > self.max_length else ids for ids in full
        ]
        return cut, [len(ids) > self.max_length for ids in full]

    def truncated(self, texts: Sequence[str]) -> list[bool]:
        return self.encode(list(texts))[1]

    def to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device) for k, v in batch.items()}

    def move_to(self, device: str) -> None:
        self.device = device
        self.module.to(device)

    def proba_from_ids(
        self,
        ids: Sequence[Sequence[int]],
        ctx: JobContext | None = None,
        batch_size: int | None = None,
        autocast: Any = None,
        should_stop: Callable[[], bool] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Class probabilities for encoded texts, in length-sorted batches.

        ``ctx`` gives progress and cancel; inside training, ``should_stop`` (raise
        :class:`Cancelled`) and ``on_progress`` are used instead so the training
        progress message is not replaced."""
        n = len(ids)
        out = np.zeros((n, len(self.labels)), dtype=np.float32)
        if n == 0:
            return out
        batch_size = batch_size or self.predict_batch_size
        if autocast is None:
            autocast = self.inference_autocast
        order = sorted(range(n), key=lambda i: len(ids[i]))
        was_training = self.module.training
        self.module.eval()
        try:
            with grad_off(autocast):
                for start, index in batches(order, [len(x) for x in ids], batch_size):
                    if ctx is not None:
                        ctx.check_cancelled()
                        ctx.progress(start, n, "predicting")
                    if should_stop is not None and should_stop():
                        raise Cancelled()
                    if on_progress is not None:
                        on_progress(start, n)
                    batch = self.to_device(self.collate([ids[i] for i in index]))
                    if autocast is not None:
                        with autocast():
                            logits = self.logits(batch)
                    else:
                        logits = self.logits(batch)
                    out[index] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        finally:
            self.module.train(was_training)
        if ctx is not None:
            ctx.progress(n, n, "predicted")
        if on_progress is not None:
            on_progress(n, n)
        return out

    def predict_proba(self, texts: Sequence[str], ctx: JobContext | None = None) -> np.ndarray:
        """Class probabilities; texts over ``chunk_tokens`` tokens are read in windows."""
        from desktop_app.core.predict.chunks import predict_long

        return predict_long(self, [str(t) for t in texts], "chunk", ctx).probabilities


def batches(
    order: list[int], lengths: Sequence[int], batch_size: int
) -> Iterator[tuple[int, list[int]]]:
    """(position in ``order``, indices) of each batch of length-sorted ``order``.

    Under :func:`exact_padding` a batch also ends where the token length changes (up to
    :data:`EXACT_PADDING_UP_TO` tokens), so no text in it is padded: the model runs no padding
    and the attention needs no mask."""
    exact = getattr(_exact, "on", False)

    def run(i: int) -> int:  # texts of one run may share a batch
        return lengths[i] if exact and lengths[i] <= EXACT_PADDING_UP_TO else -1

    start = 0
    for _, group in itertools.groupby(order, key=run):
        members = list(group)
        for at in range(0, len(members), batch_size):
            yield start + at, members[at : at + batch_size]
        start += len(members)


def length_percentile(lengths: Sequence[int], q: float = 95, cap: int = MAX_LENGTH_CAP) -> int:
    """The q-th percentile of token lengths, capped (the default max length)."""
    if not lengths:
        return cap
    return int(min(cap, max(8, int(np.ceil(np.percentile(np.asarray(lengths), q))))))


def padded_length(longest: int, limit: int | None = None) -> int:
    """``longest`` rounded up to one of a few fixed lengths (never past ``limit``).

    Multiples of 8 up to 64 tokens, of 32 up to 256, of 128 beyond: 16 lengths up to 512.
    Every new input shape makes oneDNN build and cache new kernels, and over hundreds of
    predict/explain jobs with all lengths from 1 to 256 those allocations, scattered
    through the heap, kept the process growing by megabytes a job. Padding is masked, so
    the probabilities stay the same (up to float rounding)."""
    if not BUCKETED_PADDING or (getattr(_exact, "on", False) and longest <= EXACT_PADDING_UP_TO):
        return longest
    step = 8 if longest <= 64 else 32 if longest <= 256 else 128
    size = -(-longest // step) * step
    return min(size, limit) if limit is not None and limit >= longest else size


def pad(
    batch: Sequence[Sequence[int]], pad_id: int, limit: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest in the batch, rounded up by :func:`padded_length` (at most
    ``limit``, the model's position limit): (ids, attention mask)."""
    longest = padded_length(max(1, max(len(ids) for ids in batch)), limit)
    ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), longest), dtype=torch.long)
    for row, seq in enumerate(batch):
        ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask
