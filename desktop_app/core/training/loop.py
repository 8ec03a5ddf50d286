"""The training loop of the torch kinds (fine-tuned transformers, BiLSTM): length-grouped
batches, the linearly probed head (LP-FT), mixed precision on CUDA, early stopping and cancel.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from desktop_app.core.errors import Cancelled
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
    import torch
    from sklearn.linear_model import LogisticRegression

    classifier = getattr(model.module, "classifier", None)
    if not isinstance(classifier, torch.nn.Linear):
        return False
    features: list[np.ndarray] = []

    def grab(_module: Any, inputs: tuple, _output: Any) -> None:
        features.append(inputs[0].detach().float().cpu().numpy())

    order = sorted(range(len(train_ids)), key=lambda i: len(train_ids[i]))
    handle = classifier.register_forward_hook(grab)
    try:
        model.proba_from_ids(
            [train_ids[i] for i in order], batch_size=batch_size, should_stop=should_stop
        )
    finally:
        handle.remove()
    x = np.concatenate(features)
    target = np.asarray(y)[order]
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(x, target)
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: softmax over [-s/2, s/2] equals the sigmoid of s
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    with torch.no_grad():
        classifier.weight.copy_(torch.as_tensor(coef, dtype=classifier.weight.dtype))
        classifier.bias.copy_(torch.as_tensor(intercept, dtype=classifier.bias.dtype))
    return True


def _autocast_factory(
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


def train_neural(
    config: TrainConfig, data: TrainData, ctx: JobContext | None, device: str
) -> TrainResult:
    import contextlib

    import torch
    from transformers import get_linear_schedule_with_warmup

    model = create_neural(config, data, device, ctx)
    label_index = {label: i for i, label in enumerate(data.labels)}

    # Tokenise once; the max length comes from the training texts' lengths.
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
    train_y = torch.tensor([label_index[x] for x in data.train_labels], dtype=torch.long)
    val_y = [label_index[x] for x in data.val_labels]
    if ctx is not None:
        ctx.log(
            f"Max length {model.max_length} tokens; {truncated} texts are longer and are cut "
            f"(train {train_cut}, validation {sum(val_cut)}, test {sum(test_cut)})."
        )

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
    head_multiplier = HEAD_LR_MULTIPLIER if config.kind in ("minilm", "transformer") else 1.0
    groups = _param_groups(module, config.lr, config.weight_decay, head_multiplier)
    try:  # the fused kernel (CPU and CUDA, torch >= 2.4) saves a Python loop per step
        optimizer = torch.optim.AdamW(groups, lr=config.lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        optimizer = torch.optim.AdamW(groups, lr=config.lr)
    batch_size = max(1, int(config.batch_size))
    steps_per_epoch = math.ceil(len(train_ids) / batch_size)
    total_steps = steps_per_epoch * max(1, int(config.epochs))
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(round(config.warmup_ratio * total_steps)), total_steps
    )
    cpu_bf16 = config.cpu_bf16 and config.kind in ("minilm", "transformer")
    autocast, scaler = _autocast_factory(device, config.mixed_precision, cpu_bf16)
    # On the CPU only the training steps run in bf16: validation and test run in fp32, as
    # the saved model predicts, so the figures describe the model the user gets.
    eval_autocast = None if device == "cpu" else autocast
    rng = np.random.default_rng(config.seed)
    train_lengths = [len(ids) for ids in train_ids]

    history: dict[str, list] = {"steps": [], "epochs": []}
    best_f1, best_epoch, best_state = -1.0, None, None
    bad_epochs = 0
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
        batches = (
            length_grouped_batches(train_lengths, batch_size, rng)
            if config.length_grouped
            else random_batches(len(train_ids), batch_size, rng)
        )
        module.train()
        losses: list[float] = []
        epoch_start = time.monotonic()
        for index in batches:
            if stop():
                cancelled = True
                stopped_at = (
                    f"stopped by Cancel during epoch {epoch} of {config.epochs}, "
                    f"after step {step} of {total_steps}"
                )
                break
            batch = model.to_device(model.collate([train_ids[i] for i in index]))
            y = train_y[index].to(device)
            with autocast() if autocast else contextlib.nullcontext():
                logits = model.logits(batch)
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            value = float(loss.detach())
            losses.append(value)
            point = {"step": step, "total_steps": total_steps, "epoch": epoch, "loss": value}
            history["steps"].append(point)
            if ctx is not None:
                ctx.point("step", point)
                ctx.progress(step, total_steps, f"epoch {epoch}/{config.epochs}")
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
            stopped_at = f"stopped by Cancel while validating epoch {epoch} of {config.epochs}"
            break
        val = evaluate_probs(val_probs, data.val_labels, data.labels)
        record = {
            "epoch": epoch,
            "train_loss": float(np.mean(losses)) if losses else float("nan"),
            "val_loss": mean_log_loss(val_probs, val_y),
            "val_accuracy": val["accuracy"],
            "val_macro_f1": val["macro_f1"],
            "seconds": round(epoch_seconds, 3),  # the training steps only, not validation
            "samples_per_second": round(len(train_ids) / max(epoch_seconds, 1e-9), 2),
        }
        history["epochs"].append(record)
        if ctx is not None:
            ctx.flush()
            ctx.partial("epoch", record)
            ctx.log(
                f"Epoch {epoch}: train loss {record['train_loss']:.4f}, validation loss "
                f"{record['val_loss']:.4f}, accuracy {val['accuracy']:.3f}, macro-F1 {val['macro_f1']:.3f}"
            )
        if val["macro_f1"] > best_f1:
            best_f1, best_epoch, bad_epochs = val["macro_f1"], epoch, 0
            best_state = {
                k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()
            }
        else:
            bad_epochs += 1
        if config.patience and bad_epochs >= config.patience and epoch < config.epochs:
            stopped_at = (
                f"early stopping after epoch {epoch}: no better validation macro-F1 for "
                f"{bad_epochs} epochs (best: epoch {best_epoch})"
            )
            break
    train_seconds = time.monotonic() - start
    if best_state is not None:
        module.load_state_dict(best_state)
        if ctx is not None and best_epoch is not None:
            ctx.log(
                f"Keeping the weights of epoch {best_epoch} (validation macro-F1 {best_f1:.3f})."
            )
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
        truncated=truncated,
        best_epoch=best_epoch,
    )
