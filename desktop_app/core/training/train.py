"""Training: one entry point, :func:`train_model`, for every model kind.

It reports through the job context (Orange's TaskState style; the worker turns the
calls into signals, the command line prints them):

- ``ctx.point("step", {"step", "total_steps", "epoch", "loss"})`` per optimisation step
  (the context buffers them and hands them on at most ~10 times a second);
- ``ctx.partial("epoch", {"epoch", "train_loss", "val_loss", "val_accuracy",
  "val_macro_f1"})`` after each epoch;
- ``ctx.progress(step, total_steps, "epoch 1/3")`` (the context adds the time left) and
  ``ctx.log(line)``.

Cancel (``ctx.should_stop()``) is checked at every step boundary; the loop then stops,
keeps the best weights so far and says where it stopped in the result. Early stopping
watches validation macro-F1 and restores the best epoch's weights at the end.

Speed on a CPU comes from tokenising once, padding each batch only to its own longest
text, and grouping texts of similar length into the same batch (``length_grouped``).
"""

from __future__ import annotations

import gc
import time
import traceback

import numpy as np

from desktop_app.core.errors import ModelError
from desktop_app.core.jobs import JobContext
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData, check_data
from desktop_app.core.training.loop import train_neural
from desktop_app.core.training.metrics import evaluate_probs, mean_log_loss
from desktop_app.core.training.result import TrainResult, finish_run, seed_everything


# ---------------------------------------------------------------------------------------
def train_model(config: TrainConfig, data: TrainData, ctx: JobContext | None = None) -> TrainResult:
    """Train (or, for VADER, just evaluate) a model; see the module docstring for reporting."""
    config = config.resolved()
    kind = config.kind
    check_data(data, kind)
    if kind == "vader":
        return _train_vader(config, data, ctx)
    import torch

    from desktop_app.core.device import default_threads, resolve_device

    device = resolve_device(config.device)
    torch.set_num_threads(config.threads or default_threads())
    seed_everything(config.seed)
    if kind == "minilm-head":
        return _train_head(config, data, ctx, device)
    try:
        return train_neural(config, data, ctx, device)
    except torch.OutOfMemoryError as exc:
        # The traceback's frames hold the model, the optimizer and the batch's activations:
        # clear them so that memory is free now, for a retry with a smaller batch, and not
        # only once the error is dropped (the ModelError below keeps ``exc`` as its cause).
        traceback.clear_frames(exc.__traceback__)
        gc.collect()  # what is left in reference cycles (optimizer <-> scheduler) goes too
        if device == "cuda":
            torch.cuda.empty_cache()
        smaller = max(1, (config.batch_size or 2) // 2)
        raise ModelError(
            f"The {device.upper()} ran out of memory with batch size {config.batch_size}. "
            f"Try a smaller batch size (for example {smaller}) or a shorter max length."
        ) from exc


def _train_vader(config: TrainConfig, data: TrainData, ctx: JobContext | None) -> TrainResult:
    from desktop_app.core.models.vader import VaderModel

    start = time.monotonic()
    model = VaderModel(data.labels)
    if ctx is not None:
        ctx.log("VADER needs no training: evaluating it on the test split.")
    probs = model.predict_proba(data.test_texts)
    history: dict[str, list] = {"steps": [], "epochs": []}
    return finish_run(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=probs,
        cancelled=False,
        stopped_at="no training needed",
        train_seconds=time.monotonic() - start,
        truncated=0,
        best_epoch=None,
    )


def _train_head(
    config: TrainConfig, data: TrainData, ctx: JobContext | None, device: str
) -> TrainResult:
    """The frozen encoder's embeddings, C by cross-validation on train + validation, then the
    head refitted on train + validation. The ``val_*`` figures of the one "epoch" are out of
    fold (each row scored by a head that did not see it); the test split is only predicted."""
    from desktop_app.core.guard import SeenTexts
    from desktop_app.core.models.minilm_head import Encoder, MiniLMHeadModel, choose_c, fit_head

    start = time.monotonic()
    history: dict[str, list] = {"steps": [], "epochs": []}
    encoder = Encoder(device=device)
    encoder.max_length = min(encoder.max_length, config.max_length or encoder.max_length)
    if ctx is not None:
        ctx.log(f"Embedding {sum(data.sizes().values())} texts with the frozen MiniLM encoder…")
    # Cancel while embedding raises Cancelled: there is no model to keep yet.
    x = {}
    for split, texts in (
        ("train", data.train_texts),
        ("validation", data.val_texts),
        ("test", data.test_texts),
    ):
        x[split] = encoder.embed_cached(
            texts, (data.fingerprint, split), ctx, f"embedding {split} split"
        )
    index = {label: i for i, label in enumerate(data.labels)}
    fit_x = np.concatenate([x["train"], x["validation"]])
    fit_y = np.asarray([index[label] for label in [*data.train_labels, *data.val_labels]])
    choice = choose_c(fit_x, fit_y, len(data.labels), seed=config.seed, ctx=ctx)
    c = choice.c
    if ctx is not None:
        ctx.progress(0, 1, f"fitting the head on train + validation with C = {c:g}")
    clf = fit_head(fit_x, fit_y, c, config.seed)
    if ctx is not None:
        ctx.progress(1, 1, f"fitting the head on train + validation with C = {c:g}")
    if len(clf.classes_) < len(data.labels):  # a class without training rows never reaches here
        raise ModelError("Every class needs training examples.")
    model = MiniLMHeadModel(encoder, data.labels, clf.coef_, clf.intercept_)
    fit_probs = model.proba_from_embeddings(fit_x)
    # out of fold where C was cross-validated; else (a class with one row) the refitted head's
    # own figures on the validation rows, which it was fitted on
    if choice.oof_probs is not None:
        check_probs, check_labels = choice.oof_probs, [*data.train_labels, *data.val_labels]
    else:
        check_probs = model.proba_from_embeddings(x["validation"])
        check_labels = data.val_labels
    check = evaluate_probs(check_probs, check_labels, data.labels)
    epoch = {
        "epoch": 1,
        "train_loss": mean_log_loss(fit_probs, fit_y),
        "val_loss": mean_log_loss(check_probs, [index[label] for label in check_labels]),
        "val_accuracy": check["accuracy"],
        "val_macro_f1": check["macro_f1"],
        "C": c,
        "cv_folds": choice.folds,
        "cv_scores": [{"C": s["C"], "macro_f1": s["macro_f1"]} for s in choice.scores],
    }
    history["epochs"].append(epoch)
    if ctx is not None:
        ctx.partial("epoch", epoch)
        ctx.log(
            f"Chose C={c:g} by {choice.folds}-fold cross-validation on train + validation "
            f"(out-of-fold macro-F1 {check['macro_f1']:.3f}); refitted on train + validation."
            if choice.folds
            else f"Fitted the head with C={c:g} on train + validation."
        )
    truncated = sum(
        sum(model.truncated(t)) for t in (data.train_texts, data.val_texts, data.test_texts)
    )
    cancelled = not choice.complete
    result = finish_run(
        model,
        config,
        data,
        ctx,
        history,
        test_probs=model.proba_from_embeddings(x["test"]),
        cancelled=cancelled,
        stopped_at=("cancelled while choosing C" if cancelled else "finished"),
        train_seconds=time.monotonic() - start,
        truncated=truncated,
        best_epoch=1,
    )
    # The head was fitted on train + validation: the guard must treat both as fitted on.
    model.seen = SeenTexts.from_texts([*data.train_texts, *data.val_texts])
    model.training_info["seen_texts"] = model.seen.counts()
    model.training_info["head"] = {**choice.to_dict(), "fitted_on": "train + validation"}
    return result
