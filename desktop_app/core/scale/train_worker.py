"""The loop each Ray Train worker runs: the local training loop's steps, data-parallel.

Every worker holds the same model (the driver's initial weights, from the object store;
DDP through ``ray.train.torch.prepare_model`` keeps them equal) and builds the same epoch
batches as a local run with the same seed (``epoch_batches``). Each global batch is dealt out
across the workers (worker ``r`` takes items ``r, r+W, …``, loaded through
``ray.train.torch.prepare_data_loader``) and each worker's loss is weighted by its share, so
the averaged gradient is the gradient of the global batch's mean loss: the same optimisation
as a local run with that batch size, ``train_step`` for the step itself.

Metrics are reduced across workers: each step's loss is summed over the workers (one
``all_reduce``, which also carries the stop flag so all workers stop at the same step), the
validation split is predicted in shards and gathered, so every worker takes the same
early-stopping decision (``BestEpoch``). Rank 0 keeps the best weights, tests, finishes the
run (``finish_run``) and leaves the model folder and the results on the relay.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np

from desktop_app.core.scale.relay import RelayContext


def train_loop_per_worker(config: dict[str, Any]) -> None:
    """Ray Train's ``train_loop_per_worker``."""
    import ray
    import ray.train

    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    relay = config["relay"]
    job = RelayContext(relay, report=rank == 0)
    outcome = run_worker(config, rank, world, job)
    if rank == 0:
        job.flush()
        job.send()
        ray.get(relay.finish.remote(outcome))


def _split(batch: list[int], rank: int, world: int) -> tuple[list[int], float]:
    """This worker's part of a global batch and its loss weight (share times workers).
    A batch smaller than the workers gives some an item with weight 0: every worker steps."""
    part = batch[rank::world]
    if not part:
        return batch[:1], 0.0
    return part, len(part) * world / len(batch)


class _Distributed:
    """The model as ``train_step`` sees it on a worker: the forward pass goes through the
    DDP wrapper (which syncs the gradients); everything else is the model's own."""

    def __init__(self, model: Any, wrapped: Any) -> None:
        self.model = model
        self.module = wrapped

    def logits(self, batch: dict) -> Any:
        plain = self.model.module
        self.model.module = self.module
        try:
            return self.model.logits(batch)
        finally:
            self.model.module = plain


def run_worker(config: dict[str, Any], rank: int, world: int, job: RelayContext) -> Any:
    import ray
    import ray.train
    import ray.train.torch
    import torch
    import torch.distributed as dist

    from desktop_app.core.models import load_model
    from desktop_app.core.scale.shipping import pack_folder, unpack_folder
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.loop import (
        BestEpoch,
        autocast_factory,
        by_length,
        cancelled_during_epoch,
        cancelled_while_validating,
        encode_splits,
        epoch_batches,
        epoch_record,
        fit_probed_head,
        make_optimizer,
        probe_features,
        record_step,
        report_epoch,
        train_step,
    )
    from desktop_app.core.training.result import finish_run, seed_everything

    lead = rank == 0
    ctx = job if lead else None
    train_config = TrainConfig.from_dict(config["config"]).resolved()
    data = TrainData.from_dict(ray.get(config["data"][0]))
    torch.set_num_threads(max(1, int(config["threads"])))
    device = ray.train.torch.get_device()
    kind = "cuda" if device.type == "cuda" else "cpu"
    seed_everything(train_config.seed + rank)  # dropout differs per worker; batches do not
    model = load_model(str(unpack_folder(ray.get(config["model"][0]))), device="cpu")
    model.folder = None
    model.move_to(str(device))
    encoded = encode_splits(model, train_config, data, ctx)
    train_ids, y_all = encoded.train_ids, encoded.train_y
    batch_size = max(1, int(train_config.batch_size))

    def gather(indices: list[int], values: Any) -> list:
        parts: list = [None] * world
        dist.all_gather_object(parts, (indices, values))
        return parts

    # LP-FT: the features of each worker's shard, gathered; rank 0 fits the head and DDP's
    # first broadcast gives it to the others.
    if train_config.kind in ("minilm", "transformer") and len(set(y_all.tolist())) == len(
        data.labels
    ):
        if ctx is not None:
            ctx.log("Fitting the new classification head on the frozen features first…")
        shard = list(range(rank, len(train_ids), world))
        x_part = probe_features(model, [train_ids[i] for i in shard], batch_size * 2)
        parts = gather(shard, x_part)
        if lead and x_part is not None:
            x = np.zeros((len(train_ids), x_part.shape[1]), dtype=x_part.dtype)
            for indices, values in parts:
                x[indices] = values
            order = by_length(train_ids)
            fit_probed_head(model, x[order], y_all.numpy()[order], train_config.seed)
    plain = model.module
    wrapped = ray.train.torch.prepare_model(plain)
    stepper = _Distributed(model, wrapped)
    steps_per_epoch = -(-len(train_ids) // batch_size)
    total_steps = steps_per_epoch * max(1, int(train_config.epochs))
    optimizer, scheduler = make_optimizer(plain, train_config, total_steps)
    autocast, scaler = autocast_factory(kind, train_config.mixed_precision)
    rng = np.random.default_rng(train_config.seed)
    lengths = encoded.train_lengths

    def collate(index: list[int]) -> tuple[dict, Any]:
        return model.collate([train_ids[i] for i in index]), y_all[index]

    def all_stop_and_sum(flag: bool, value: float) -> tuple[bool, float]:
        tensor = torch.tensor([1.0 if flag else 0.0, value], dtype=torch.float64, device=device)
        dist.all_reduce(tensor)
        return bool(tensor[0].item() > 0), float(tensor[1].item())

    history: dict[str, list] = {"steps": [], "epochs": []}
    best = BestEpoch(train_config, keep_state=lead)
    cancelled, stopped_at, step = False, "finished", 0
    start = time.monotonic()
    if ctx is not None:
        ctx.log(
            f"Training {model.name} on {world} Ray workers ({device.type}): {len(train_ids)} "
            f"texts, {train_config.epochs} epochs of {steps_per_epoch} steps, batch size "
            f"{batch_size} (split across the workers), learning rate {train_config.lr:g}."
        )
    epochs = int(train_config.epochs)
    for epoch in range(1, epochs + 1):
        batches = epoch_batches(train_config, lengths, rng)  # the same on every worker
        parts = [_split(b, rank, world) for b in batches]
        loader = torch.utils.data.DataLoader(
            range(len(train_ids)), batch_sampler=[p for p, _ in parts], collate_fn=collate
        )
        loader = ray.train.torch.prepare_data_loader(loader, add_dist_sampler=False)
        wrapped.train()
        losses: list[float] = []
        epoch_start = time.monotonic()
        for (batch, y), (_, weight) in zip(loader, parts, strict=True):
            value = train_step(stepper, batch, y, optimizer, scheduler, autocast, scaler, weight)
            share = value * weight / world  # this worker's part of the global batch's mean
            stop, loss = all_stop_and_sum(job.should_stop(), share)
            step += 1
            losses.append(loss)
            record_step(history, ctx, step, total_steps, epoch, epochs, loss)
            if stop:
                cancelled = True
                stopped_at = cancelled_during_epoch(epoch, epochs, step, total_steps)
                break
        epoch_seconds = time.monotonic() - epoch_start
        if cancelled:
            break
        shard = list(range(rank, len(encoded.val_ids), world))
        probs = model.proba_from_ids(
            [encoded.val_ids[i] for i in shard], batch_size=batch_size * 2, autocast=autocast
        )
        val_probs = np.zeros((len(encoded.val_ids), len(data.labels)), dtype=np.float32)
        for indices, values in gather(shard, probs):
            val_probs[indices] = values
        stop, _ = all_stop_and_sum(job.should_stop(), 0.0)
        if stop:
            cancelled = True
            stopped_at = cancelled_while_validating(epoch, epochs)
            break
        record, val = epoch_record(epoch, losses, val_probs, encoded.val_y, data, epoch_seconds)
        history["epochs"].append(record)
        report_epoch(ctx, record)
        ray.train.report({k: v for k, v in record.items() if isinstance(v, (int, float))})
        early = best.update(epoch, val["macro_f1"], plain)
        if early:
            stopped_at = early
            break
    train_seconds = time.monotonic() - start
    if not lead:
        return None
    best.restore(plain, ctx)
    job.flush()
    if cancelled:
        job.log(f"Training {stopped_at}.")
    plain.eval()

    def on_test_progress(done: int, total: int) -> None:
        job.progress(done, total, "testing the trained model")

    test_probs = model.proba_from_ids(
        encoded.test_ids, batch_size=batch_size * 2, autocast=autocast, on_progress=on_test_progress
    )
    model.move_to("cpu")
    result = finish_run(
        model,
        train_config,
        data,
        job,
        history,
        test_probs=test_probs,
        cancelled=cancelled,
        stopped_at=stopped_at,
        train_seconds=train_seconds,
        truncated=encoded.truncated,
        best_epoch=best.best_epoch,
    )
    with tempfile.TemporaryDirectory(prefix="sstudio-trained-") as folder:
        result.model.save(folder)
        files = pack_folder(folder)
    return {
        "result": {**result.to_dict(), "test_predicted": result.test_predicted},
        "files": files,
        "workers": world,
        "device": device.type,
    }
