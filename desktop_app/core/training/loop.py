"""The training loop of the torch kinds (fine-tuned transformers, BiLSTM): length-grouped
batches, the linearly probed head (LP-FT), mixed precision on CUDA, early stopping and cancel.

The pieces a data-parallel loop needs too (:mod:`desktop_app.core.scale.train_worker` runs
them on Ray Train workers) are separate functions: :func:`encode_splits`,
:func:`probe_features` / :func:`fit_probed_head`, :func:`make_optimizer`,
:func:`epoch_batches`, :func:`train_step`, :class:`BestEpoch` and :func:`epoch_record`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop_app.core.errors import Cancelled
from desktop_app.core.imports import heavy_imports
from desktop_app.core.jobs import JobContext
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData
from desktop_app.core.training.metrics import evaluate_probs, mean_log_loss
from desktop_app.core.training.result import TrainResult, finish_run


# ---------------------------------------------------------------------------------------
def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, mega: int = 50
) -> list[list[int]]:
    """Shuffle, cut into mega-batches of ``mega`` batches, sort each by length, cut into
    batches and shuffle the batch order (transformers' LengthGroupedSampler idea):
    little padding, yet every epoch sees different batches."""
    order = rng.permutation(len(lengths))
    batches: list[list[int]] = []
    size = batch_size * mega
    for start in range(0, len(order), size):
        chunk = sorted(order[start : start + size].tolist(), key=lambda i: -lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    perm = rng.permutation(len(batches))
    return [batches[i] for i in perm]


def random_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    order = rng.permutation(n).tolist()
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def epoch_batches(
    config: TrainConfig, lengths: Sequence[int], rng: np.random.Generator
) -> list[list[int]]:
    """One epoch's batches of training indices (length-grouped unless turned off)."""
    batch_size = max(1, int(config.batch_size))
    if config.length_grouped:
        return length_grouped_batches(lengths, batch_size, rng)
    return random_batches(len(lengths), batch_size, rng)


def padding_fraction(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Share of the computed token positions that are padding."""
    real = sum(lengths[i] for b in batches for i in b)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
    return 1.0 - real / padded if padded else 0.0


def create_neural(config: TrainConfig, data: TrainData, device: str, ctx: JobContext | None):  # noqa: ANN202
    kind = config.kind
    if kind in ("minilm", "transformer"):
        from desktop_app.core.models.transformer import TransformerModel

        if ctx is not None:
            ctx.log(f"Loading {config.model}…")
        return TransformerModel.create(config.model, data.labels, device=device)
    from desktop_app.core.models.bilstm import (
        BiLSTMModel,
        TextPipeline,
        build_vocab,
        read_word_vectors,
    )

    pipeline = TextPipeline(config.remove_stopwords)
    vocab = build_vocab((pipeline(t) for t in data.train_texts), config.min_freq, config.max_vocab)
    vectors = None
    embedding_dim = config.embedding_dim
    if config.vectors_path:
        vectors, found = read_word_vectors(config.vectors_path, vocab, ctx)
        embedding_dim = int(vectors.shape[1])
        if ctx is not None:
            ctx.log(
                f"Word vectors: {found} of {len(vocab)} vocabulary words found ({embedding_dim} dimensions)."
            )
    arch = {
        "embedding_dim": embedding_dim,
        "hidden_size": config.hidden_size,
        "num_layers": config.num_layers,
        "dropout": config.dropout,
        "pooling": config.pooling,
    }
    model = BiLSTMModel(
        vocab, data.labels, arch, remove_stopwords=config.remove_stopwords, device=device
    )
    if vectors is not None:
        import torch

        with torch.no_grad():
            model.module.embedding.weight.copy_(vectors)
    if ctx is not None:
        ctx.log(f"Vocabulary: {len(vocab)} words from the training split.")
    return model


# The classification head of a pretrained encoder starts from random weights, and the
# bundled MiniLM was trained for mean pooling, so its [CLS] pooler is not a sentence
# summary yet: a higher learning rate for those layers lets them catch up in the first
# few hundred steps without pushing the pretrained encoder around.
HEAD_LR_MULTIPLIER = 10.0


HEAD_PARAMETERS = ("classifier.", "pooler.", "score.")


def _param_groups(
    module: Any, lr: float, weight_decay: float, head_multiplier: float = 1.0
) -> list[dict]:
    """AdamW groups: no decay for biases and norms; the new head at ``lr * head_multiplier``."""
    groups: dict[tuple[bool, bool], list] = {}
    for name, param in module.named_parameters():
        if not param.requires_grad:
            continue
        decay = not (param.ndim < 2 or "norm" in name.lower() or name.endswith(".bias"))
        head = head_multiplier != 1.0 and any(part in name for part in HEAD_PARAMETERS)
        groups.setdefault((decay, head), []).append(param)
    return [
        {
            "params": params,
            "weight_decay": weight_decay if decay else 0.0,
            "lr": lr * (head_multiplier if head else 1.0),
        }
        for (decay, head), params in groups.items()
    ]


def make_optimizer(module: Any, config: TrainConfig, total_steps: int) -> tuple[Any, Any]:
    """(AdamW, linear warm-up then decay over ``total_steps``) for ``module``."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    head_multiplier = HEAD_LR_MULTIPLIER if config.kind in ("minilm", "transformer") else 1.0
    groups = _param_groups(module, config.lr, config.weight_decay, head_multiplier)
    try:  # the fused kernel (CPU and CUDA, torch >= 2.4) saves a Python loop per step
        optimizer = torch.optim.AdamW(groups, lr=config.lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        optimizer = torch.optim.AdamW(groups, lr=config.lr)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(round(config.warmup_ratio * total_steps)), total_steps
    )
    return optimizer, scheduler


def probe_features(
    model: Any,
    train_ids: Sequence[Sequence[int]],
    batch_size: int,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray | None:
    """The frozen features the classifier sees, one row per text in ``train_ids``' order;
    None when the classifier is not a plain ``nn.Linear`` (only BERT-like models are probed)."""
    import torch

    classifier = getattr(model.module, "classifier", None)
    if not isinstance(classifier, torch.nn.Linear):
        return None
    features: list[np.ndarray] = []

    def grab(_module: Any, inputs: tuple, _output: Any) -> None:
        features.append(inputs[0].detach().float().cpu().numpy())

    order = by_length(train_ids)
    handle = classifier.register_forward_hook(grab)
    try:
        model.proba_from_ids(
            [train_ids[i] for i in order], batch_size=batch_size, should_stop=should_stop
        )
    finally:
        handle.remove()
    x = np.empty_like(np.concatenate(features))
    x[order] = np.concatenate(features)
    return x


def fit_probed_head(model: Any, x: np.ndarray, y: Sequence[int], seed: int) -> None:
    """Fit a logistic regression on probed features and start the classifier from it."""
    import torch

    with heavy_imports():
        from sklearn.linear_model import LogisticRegression

    classifier = model.module.classifier
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(x, np.asarray(y))
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: softmax over [-s/2, s/2] equals the sigmoid of s
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    with torch.no_grad():
        classifier.weight.copy_(torch.as_tensor(coef, dtype=classifier.weight.dtype))
        classifier.bias.copy_(torch.as_tensor(intercept, dtype=classifier.bias.dtype))


def init_head_by_probing(
    model: Any,
    train_ids: Sequence[Sequence[int]],
    y: Sequence[int],
    batch_size: int,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
) -> bool:
    """Linear probing before fine-tuning (LP-FT, Kumar et al. 2022): fit a logistic
    regression on the frozen features the classifier sees and start from it, instead of
    from random weights. Only for a plain ``nn.Linear`` classifier (BERT-like models)."""
    x = probe_features(model, train_ids, batch_size, should_stop)
    if x is None:
        return False
    order = by_length(train_ids)
    fit_probed_head(model, x[order], np.asarray(y)[order], seed)
    return True


def by_length(ids: Sequence[Sequence[int]]) -> list[int]:
    """Indices of ``ids`` from the shortest to the longest (the probe fits in this order)."""
    return sorted(range(len(ids)), key=lambda i: len(ids[i]))


def autocast_factory(
    device: str, enabled: bool, cpu_bf16: bool = False
) -> tuple[Callable | None, Any]:
    """(autocast context factory or None, GradScaler or None) for mixed precision: on CUDA
    bf16 where the GPU supports it, else fp16 with a grad scaler; on the CPU bf16 only when
    asked (``cpu_bf16``: fast only where the CPU has AMX or AVX-512-BF16)."""
    import torch

    if device == "cpu" and cpu_bf16:

        def cpu_autocast():  # noqa: ANN202
            return torch.autocast(device_type="cpu", dtype=torch.bfloat16)

        return cpu_autocast, None
    if device != "cuda" or not enabled:
        return None, None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def autocast():  # noqa: ANN202
        return torch.autocast(device_type="cuda", dtype=dtype)

    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return autocast, scaler


@dataclass
class EncodedSplits:
    """The three splits tokenised once, cut at the model's max length, labels as indices."""

    train_ids: list[list[int]]
    val_ids: list[list[int]]
    test_ids: list[list[int]]
    train_y: Any  # torch.LongTensor
    val_y: list[int]
    truncated: int  # texts longer than the max length, all splits

    @property
    def train_lengths(self) -> list[int]:
        return [len(ids) for ids in self.train_ids]


def encode_splits(
    model: Any, config: TrainConfig, data: TrainData, ctx: JobContext | None
) -> EncodedSplits:
    """Tokenise once; the max length comes from the training texts' lengths (or the config)."""
    import torch

    label_index = {label: i for i, label in enumerate(data.labels)}
    full_train = model.token_ids(data.train_texts)
    lengths = [len(ids) for ids in full_train]
    if config.max_length:
        limit = getattr(model, "length_limit", lambda: config.max_length)()
        model.max_length = int(min(config.max_length, limit))
    else:
        model.max_length = model.default_max_length(lengths)
    train_ids = [
        model.cut(ids, model.max_length) if len(ids) > model.max_length else ids
        for ids in full_train
    ]
    train_cut = sum(n > model.max_length for n in lengths)
    val_ids, val_cut = model.encode(data.val_texts)
    test_ids, test_cut = model.encode(data.test_texts)
    truncated = train_cut + sum(val_cut) + sum(test_cut)
    if ctx is not None:
        ctx.log(
            f"Max length {model.max_length} tokens; {truncated} texts are longer and are cut "
            f"(train {train_cut}, validation {sum(val_cut)}, test {sum(test_cut)})."
        )
    return EncodedSplits(
        train_ids=train_ids,
        val_ids=val_ids,
        test_ids=test_ids,
        train_y=torch.tensor([label_index[x] for x in data.train_labels], dtype=torch.long),
        val_y=[label_index[x] for x in data.val_labels],
        truncated=truncated,
    )


def train_step(
    model: Any,
    batch: dict,
    y: Any,
    optimizer: Any,
    scheduler: Any,
    autocast: Callable | None = None,
    scaler: Any = None,
    weight: float = 1.0,
) -> float:
    """One optimisation step on a collated batch already on the device: the mean
    cross-entropy (times ``weight`` for the gradient: a data-parallel worker's share of
    the global batch), clipped gradients, the optimiser and scheduler steps. Returns the
    batch's mean loss (unweighted)."""
    import contextlib

    import torch

    with autocast() if autocast else contextlib.nullcontext():
        logits = model.logits(batch)
    loss = torch.nn.functional.cross_entropy(logits.float(), y)
    scaled = loss * weight if weight != 1.0 else loss
    parameters = model.module.parameters()
    if scaler is not None:
        scaler.scale(scaled).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        scaler.step(optimizer)
        scaler.update()
    else:
        scaled.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.detach())


def epoch_record(
    epoch: int,
    losses: Sequence[float],
    val_probs: np.ndarray,
    val_y: Sequence[int],
    data: TrainData,
    seconds: float,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the epoch's history record, the validation metrics) after an epoch."""
    val = evaluate_probs(val_probs, data.val_labels, data.labels)
    record = {
        "epoch": epoch,
        "train_loss": float(np.mean(losses)) if len(losses) else float("nan"),
        "val_loss": mean_log_loss(val_probs, val_y),
        "val_accuracy": val["accuracy"],
        "val_macro_f1": val["macro_f1"],
        "seconds": round(seconds, 3),  # the training steps only, not validation
        "samples_per_second": round(len(data.train_texts) / max(seconds, 1e-9), 2),
    }
    return record, val


def record_step(
    history: dict[str, list],
    ctx: JobContext | None,
    step: int,
    total_steps: int,
    epoch: int,
    epochs: int,
    loss: float,
) -> None:
    """Keep a training step's loss in ``history`` and hand it on (plot point and progress)."""
    point = {"step": step, "total_steps": total_steps, "epoch": epoch, "loss": loss}
    history["steps"].append(point)
    if ctx is not None:
        ctx.point("step", point)
        ctx.progress(step, total_steps, f"epoch {epoch}/{epochs}")


def cancelled_during_epoch(epoch: int, epochs: int, step: int, total_steps: int) -> str:
    """Where a Cancel stopped training, as a sentence (the results and the log show it)."""
    return f"stopped by Cancel during epoch {epoch} of {epochs}, after step {step} of {total_steps}"


def cancelled_while_validating(epoch: int, epochs: int) -> str:
    return f"stopped by Cancel while validating epoch {epoch} of {epochs}"


def report_epoch(ctx: JobContext | None, record: dict[str, Any]) -> None:
    """Hand an epoch's record on (partial result and log line)."""
    if ctx is None:
        return
    ctx.flush()
    ctx.partial("epoch", record)
    ctx.log(
        f"Epoch {record['epoch']}: train loss {record['train_loss']:.4f}, validation loss "
        f"{record['val_loss']:.4f}, accuracy {record['val_accuracy']:.3f}, "
        f"macro-F1 {record['val_macro_f1']:.3f}"
    )


class BestEpoch:
    """Early stopping on validation macro-F1 and the best epoch's weights.

    ``keep_state=False`` follows the decisions without copying the weights (the
    data-parallel workers other than rank 0, whose weights are the same)."""

    def __init__(self, config: TrainConfig, keep_state: bool = True) -> None:
        self.patience = config.patience
        self.epochs = int(config.epochs)
        self.keep_state = keep_state
        self.best_f1 = -1.0
        self.best_epoch: int | None = None
        self.state: dict | None = None
        self.bad_epochs = 0

    def update(self, epoch: int, macro_f1: float, module: Any) -> str | None:
        """Note an epoch's validation macro-F1; the reason to stop early, or None."""
        if macro_f1 > self.best_f1:
            self.best_f1, self.best_epoch, self.bad_epochs = macro_f1, epoch, 0
            if self.keep_state:
                self.state = {
                    k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()
                }
        else:
            self.bad_epochs += 1
        if self.patience and self.bad_epochs >= self.patience and epoch < self.epochs:
            return (
                f"early stopping after epoch {epoch}: no better validation macro-F1 for "
                f"{self.bad_epochs} epochs (best: epoch {self.best_epoch})"
            )
        return None

    def restore(self, module: Any, ctx: JobContext | None) -> None:
        """Load the best epoch's weights back (when an epoch finished)."""
        if self.state is None:
            return
        module.load_state_dict(self.state)
        if ctx is not None and self.best_epoch is not None:
            ctx.log(
                f"Keeping the weights of epoch {self.best_epoch} "
                f"(validation macro-F1 {self.best_f1:.3f})."
            )


def train_neural(
    config: TrainConfig, data: TrainData, ctx: JobContext | None, device: str
) -> TrainResult:
    model = create_neural(config, data, device, ctx)
    encoded = encode_splits(model, config, data, ctx)
    train_ids, val_ids, test_ids = encoded.train_ids, encoded.val_ids, encoded.test_ids
    train_y = encoded.train_y

    module = model.module
    module.to(device)
    if config.kind in ("minilm", "transformer") and len(set(train_y.tolist())) == len(data.labels):
        if ctx is not None:
            ctx.log("Fitting the new classification head on the frozen features first…")
        try:
            init_head_by_probing(
                model,
                train_ids,
                train_y.tolist(),
                int(config.batch_size) * 2,
                config.seed,
                should_stop=ctx.should_stop if ctx is not None else None,
            )
        except Cancelled:
            pass  # the loop below sees the cancel at its first step and reports it
    batch_size = max(1, int(config.batch_size))
    steps_per_epoch = math.ceil(len(train_ids) / batch_size)
    total_steps = steps_per_epoch * max(1, int(config.epochs))
    optimizer, scheduler = make_optimizer(module, config, total_steps)
    cpu_bf16 = config.cpu_bf16 and config.kind in ("minilm", "transformer")
    autocast, scaler = autocast_factory(device, config.mixed_precision, cpu_bf16)
    # On the CPU only the training steps run in bf16: validation and test run in fp32, as
    # the saved model predicts, so the figures describe the model the user gets.
    eval_autocast = None if device == "cpu" else autocast
    rng = np.random.default_rng(config.seed)
    train_lengths = encoded.train_lengths

    history: dict[str, list] = {"steps": [], "epochs": []}
    best = BestEpoch(config)
    cancelled, stopped_at = False, "finished"
    step = 0
    start = time.monotonic()
    stop = ctx.should_stop if ctx is not None else (lambda: False)
    if ctx is not None:
        ctx.log(
            f"Training {model.name} on {device}: {len(train_ids)} texts, {config.epochs} epochs "
            f"of {steps_per_epoch} steps, batch size {batch_size}, learning rate {config.lr:g}."
        )
    for epoch in range(1, int(config.epochs) + 1):
        batches = epoch_batches(config, train_lengths, rng)
        module.train()
        losses: list[float] = []
        epoch_start = time.monotonic()
        for index in batches:
            if stop():
                cancelled = True
                stopped_at = cancelled_during_epoch(epoch, config.epochs, step, total_steps)
                break
            batch = model.to_device(model.collate([train_ids[i] for i in index]))
            y = train_y[index].to(device)
            value = train_step(model, batch, y, optimizer, scheduler, autocast, scaler)
            step += 1
            losses.append(value)
            record_step(history, ctx, step, total_steps, epoch, config.epochs, value)
        epoch_seconds = time.monotonic() - epoch_start
        if cancelled:
            break  # mid-epoch: no validation, the best complete epoch (if any) is kept
        # Validation (cancellable too: a long validation must not delay the stop).
        try:
            val_probs = model.proba_from_ids(
                val_ids, batch_size=batch_size * 2, autocast=eval_autocast, should_stop=stop
            )
        except Cancelled:
            cancelled = True
            stopped_at = cancelled_while_validating(epoch, config.epochs)
            break
        record, val = epoch_record(epoch, losses, val_probs, encoded.val_y, data, epoch_seconds)
        history["epochs"].append(record)
        report_epoch(ctx, record)
        early = best.update(epoch, val["macro_f1"], module)
        if early:
            stopped_at = early
            break
    train_seconds = time.monotonic() - start
    best.restore(module, ctx)
    if ctx is not None:
        ctx.flush()
        if cancelled:
            ctx.log(f"Training {stopped_at}.")
    module.eval()

    def on_test_progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(done, total, "testing the trained model")

    test_probs = model.proba_from_ids(
        test_ids, batch_size=batch_size * 2, autocast=eval_autocast, on_progress=on_test_progress
    )
    return finish_run(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=test_probs,
        cancelled=cancelled,
        stopped_at=stopped_at,
        train_seconds=train_seconds,
        truncated=encoded.truncated,
        best_epoch=best.best_epoch,
    )
