"""Data-parallel training on Ray Train: :func:`train_on_ray` (the driver).

The driver creates the initial model exactly as a local run would (same seed, same
pretrained weights and new head, or the same BiLSTM vocabulary), sends it and the training
data through the object store, and starts a ``TorchTrainer`` (DDP; gloo on CPU, NCCL on GPU)
whose workers run ``train_worker.train_loop_per_worker``. Progress, loss points and epoch
records come back through a relay actor to the caller's job context, as from a local run;
Cancel asks the workers to stop at the next step, and the run keeps the best epoch so far,
as locally. Rank 0's trained model and results come back to the driver, which returns a
:class:`~desktop_app.core.training.result.TrainResult` like ``train_model``'s: the caller
saves the same model folder and records the same run (``record_run``).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from typing import Any

from desktop_app.core.errors import UserError
from desktop_app.core.jobs import JobContext
from desktop_app.core.scale.cluster import (
    Needs,
    RaySettings,
    check_reachable,
    ray_session,
    require_ray,
    unwrap_error,
)
from desktop_app.core.training.config import TrainConfig
from desktop_app.core.training.data import TrainData, check_data
from desktop_app.core.training.result import TrainResult

RAY_KINDS = ("minilm", "transformer", "bilstm")
LOCAL_REASONS = {
    "minilm-head": (
        "minilm-head trains in seconds on one computer (a logistic regression on frozen "
        "MiniLM features): it does not need Ray, so it trains here."
    ),
    "vader": "VADER needs no training (it is only evaluated): it does not need Ray, so it runs here.",
}
POLL_S = 0.25


def local_reason(kind: str) -> str | None:
    """Why a model kind trains on this computer even when Ray was asked for (None: it can
    use Ray)."""
    return LOCAL_REASONS.get(kind)


def train_on_ray(
    config: TrainConfig,
    data: TrainData,
    settings: RaySettings | None = None,
    ctx: JobContext | None = None,
) -> TrainResult:
    """Train a transformer or a BiLSTM on ``settings.workers`` Ray Train workers."""
    import ray

    require_ray()
    settings = (settings or RaySettings()).checked()
    config = config.resolved()
    kind = config.kind
    if kind not in RAY_KINDS:
        raise UserError(local_reason(kind) or f"{kind} cannot be trained on Ray.")
    check_data(data, kind)
    if settings.address:
        check_reachable(settings.address)  # before the (slow) model creation: fail fast
    files = _initial_model(config, data, ctx)
    storage = tempfile.mkdtemp(prefix="sstudio-ray-train-")
    try:
        needs = Needs.of(settings, what="training workers")
        with ray_session(settings, needs, ctx):
            from desktop_app.core.scale.relay import remote_relay

            relay = remote_relay()
            loop_config = {
                "config": config.to_dict(),
                "data": [ray.put(data.to_dict())],
                "model": [ray.put(files)],
                "relay": relay,
                "threads": settings.cpus_per_worker,
            }
            _fit(_trainer(loop_config, settings, storage, kind), relay, ctx)
            outcome = ray.get(relay.result.remote())
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    if outcome is None:
        raise RuntimeError("The Ray Train run ended without a result from its first worker.")
    return _result(outcome)


def _initial_model(config: TrainConfig, data: TrainData, ctx: JobContext | None) -> dict:
    """The model a local run would start from, as a packed folder."""
    import torch

    from desktop_app.core.device import default_threads
    from desktop_app.core.scale.shipping import pack_folder
    from desktop_app.core.training.loop import create_neural
    from desktop_app.core.training.result import seed_everything

    torch.set_num_threads(config.threads or default_threads())
    seed_everything(config.seed)
    model = create_neural(config, data, "cpu", ctx)
    with tempfile.TemporaryDirectory(prefix="sstudio-initial-") as folder:
        model.save(folder)
        return pack_folder(folder)


def _trainer(loop_config: dict, settings: RaySettings, storage: str, kind: str) -> Any:
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from desktop_app.core.scale.train_worker import train_loop_per_worker

    gpus = settings.gpus_per_worker
    resources: dict[str, float] = {"CPU": settings.cpus_per_worker}
    if gpus:
        resources["GPU"] = gpus
    return TorchTrainer(
        train_loop_per_worker,
        train_loop_config=loop_config,
        scaling_config=ScalingConfig(
            num_workers=settings.workers, use_gpu=bool(gpus), resources_per_worker=resources
        ),
        torch_config=TorchConfig(backend="nccl" if gpus else "gloo"),
        run_config=RunConfig(
            name=f"sentiment-studio-{kind}",
            storage_path=storage,
            failure_config=FailureConfig(max_failures=0),
        ),
    )


def _fit(trainer: Any, relay: Any, ctx: JobContext | None) -> None:
    """Run ``trainer.fit()`` on a thread while this one relays progress and cancel."""
    import ray

    from desktop_app.core.scale.relay import forward

    outcome: dict[str, Any] = {}

    def fit() -> None:
        try:
            outcome["result"] = trainer.fit()
        except BaseException as exc:  # noqa: BLE001 - handed to the job's thread
            outcome["error"] = exc

    thread = threading.Thread(target=fit, name="ray-train-fit", daemon=True)
    thread.start()
    asked = False
    while thread.is_alive():
        thread.join(POLL_S)
        forward(ray.get(relay.drain.remote()), ctx)
        if ctx is not None and ctx.should_stop() and not asked:
            asked = True
            ctx.log("Stopping the Ray workers after their current step…")
            relay.request_stop.remote()
    forward(ray.get(relay.drain.remote()), ctx)
    error = outcome.get("error") or getattr(outcome.get("result"), "error", None)
    if error is not None:
        clear = unwrap_error(error)
        if clear is not error:
            raise clear from None
        raise RuntimeError(f"The Ray Train run failed: {error}") from error


def _result(outcome: dict[str, Any]) -> TrainResult:
    """The driver's :class:`TrainResult`: rank 0's results and its model, loaded here."""
    from desktop_app.core.models import load_model
    from desktop_app.core.scale.shipping import unpack_folder

    with tempfile.TemporaryDirectory(prefix="sstudio-trained-") as root:
        model = load_model(str(unpack_folder(outcome["files"], root)), device="cpu")
    model.folder = None  # not saved anywhere yet, as after a local run
    model.training_info["engine"] = {"name": "ray", "workers": outcome["workers"]}
    fields = outcome["result"]
    return TrainResult(
        model=model,
        metrics=fields["metrics"],
        baseline=fields["baseline"],
        history=fields["history"],
        cancelled=fields["cancelled"],
        stopped_at=fields["stopped_at"],
        train_seconds=fields["train_seconds"],
        truncated=fields["truncated"],
        test_examples=fields["test_examples"],
        best_epoch=fields["best_epoch"],
        config=fields["config"],
        test_predicted=fields["test_predicted"],
    )
