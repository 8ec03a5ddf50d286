"""Ray itself: installed or not, connecting to a cluster or starting one on this machine,
and whether a run fits in what the cluster has.

A run holds Ray for its own length (:func:`ray_session`): it connects (``address``: ``auto``
for a cluster started on this machine with ``ray start --head``, ``ray://host:10001`` for a
remote one through Ray Client, ``host:6379`` for a cluster's head node) or, with no address,
starts a local instance with at least the CPUs the run asks for, and disconnects at the end,
which stops every worker the run started. A Ray instance this process already holds (the
tests' one) is used as it is and left running.

Local instances are started from the calling thread and must be stopped from it: Ray ties its
processes to the thread that started them (they get SIGKILL when it ends), so a job thread
starts and stops its own instance within one call, as every function here does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import os
import socket
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UserError, plain_message
from desktop_app.core.jobs import JobContext

RAY_VERSION = "2.60.0"  # the version the scale extra pins and the tests run
INSTALL_HINT = (
    "Ray is not installed. Install the scale extra: "
    f'pip install "sentiment-studio[scale]" (Ray {RAY_VERSION}), then try again.'
)
CONNECT_TIMEOUT_S = 5.0  # to open a TCP connection to the address, before Ray tries
CLIENT_PORT = 10001  # Ray Client (ray://host)
GCS_PORT = 6379  # a head node's GCS (host)
log = logging.getLogger(__name__)


def ray_available() -> bool:
    """Whether Ray can be imported (the app offers the Ray options only then)."""
    return importlib.util.find_spec("ray") is not None


def require_ray() -> Any:
    """The ``ray`` module, or :class:`UserError` saying how to install it."""
    # A library call after ray.shutdown() must fail, not quietly start a new local instance
    # on a thread that may end (and take the new instance's processes with it).
    os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")
    try:
        import ray
    except ImportError as exc:
        raise UserError(INSTALL_HINT) from exc
    return ray


# ---------------------------------------------------------------------------------------
@dataclass
class RaySettings:
    """Where and how wide a run goes; plain data for the command line and the app."""

    address: str = ""  # "" = a local Ray instance on this machine
    workers: int = 1
    gpus_per_worker: float = 0.0
    cpus_per_worker: int = 1

    def checked(self) -> RaySettings:
        """A copy with the address stripped; :class:`UserError` for impossible values."""
        if int(self.workers) < 1:
            raise UserError(f"--workers must be 1 or more (got {self.workers}).")
        if float(self.gpus_per_worker) < 0:
            raise UserError(f"--gpus-per-worker cannot be negative (got {self.gpus_per_worker}).")
        if int(self.cpus_per_worker) < 1:
            raise UserError(f"CPUs per worker must be 1 or more (got {self.cpus_per_worker}).")
        return RaySettings(
            (self.address or "").strip(),
            int(self.workers),
            float(self.gpus_per_worker),
            int(self.cpus_per_worker),
        )

    @property
    def where(self) -> str:
        return self.address or "this computer (a local Ray instance)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RaySettings:
        known = {
            k: data.get(k) for k in ("address", "workers", "gpus_per_worker", "cpus_per_worker")
        }
        return cls(**{k: v for k, v in known.items() if v is not None})


@dataclass(frozen=True)
class Needs:
    """What a run asks of the cluster: ``workers`` of ``cpus`` and ``gpus`` each, plus
    ``extra_cpus`` (reading the input files)."""

    workers: int
    cpus: int = 1
    gpus: float = 0.0
    extra_cpus: int = 0
    what: str = "workers"

    @classmethod
    def of(cls, settings: RaySettings, extra_cpus: int = 0, what: str = "workers") -> Needs:
        return cls(
            settings.workers, settings.cpus_per_worker, settings.gpus_per_worker, extra_cpus, what
        )

    @property
    def total_cpus(self) -> int:
        return self.workers * self.cpus + self.extra_cpus

    @property
    def total_gpus(self) -> float:
        return self.workers * self.gpus

    def describe(self) -> str:
        """``3 CPUs and 2 GPUs (2 workers of 1 CPU and 1 GPU, and 1 CPU to read the files)``."""
        each = _count(self.cpus, "CPU") + (f" and {_count(self.gpus, 'GPU')}" if self.gpus else "")
        extra = (
            f", and {_count(self.extra_cpus, 'CPU')} to read the files" if self.extra_cpus else ""
        )
        total = _count(self.total_cpus, "CPU") + (
            f" and {_count(self.total_gpus, 'GPU')}" if self.total_gpus else ""
        )
        return f"{total} ({self.workers} {self.what} of {each}{extra})"


def _count(n: float, unit: str) -> str:
    value = int(n) if float(n).is_integer() else round(float(n), 2)
    return f"{value} {unit}" + ("" if value == 1 else "s")


@dataclass
class Resources:
    """What a cluster has (alive nodes only)."""

    nodes: int
    cpus: float
    gpus: float
    memory_gb: float = 0.0
    per_node: list[dict[str, float]] = field(default_factory=list)  # {"cpus", "gpus"}

    def describe(self) -> str:
        """``3 nodes, 48 CPUs, 6 GPUs``."""
        return ", ".join(
            (_count(self.nodes, "node"), _count(self.cpus, "CPU"), _count(self.gpus, "GPU"))
        )

    def worker_slots(self, cpus: int, gpus: float) -> int:
        """How many workers of ``cpus`` CPUs and ``gpus`` GPUs fit, node by node."""
        slots = 0
        for node in self.per_node:
            fit = math.floor(node["cpus"] / cpus + 1e-9) if cpus else math.inf
            if gpus:
                fit = min(fit, math.floor(node["gpus"] / gpus + 1e-9))
            slots += int(fit) if fit != math.inf else 0
        return slots

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "cpus": _number(self.cpus),
            "gpus": _number(self.gpus),
            "memory_gb": round(self.memory_gb, 1),
            "text": self.describe(),
        }


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def current_resources() -> Resources:
    """What the connected cluster has now (alive nodes)."""
    ray = require_ray()
    per_node = []
    memory = 0.0
    for node in ray.nodes():
        if not node.get("Alive", node.get("alive", False)):
            continue
        res = node.get("Resources", {})
        per_node.append({"cpus": float(res.get("CPU", 0)), "gpus": float(res.get("GPU", 0))})
        memory += float(res.get("memory", 0))
    return Resources(
        nodes=len(per_node),
        cpus=sum(n["cpus"] for n in per_node),
        gpus=sum(n["gpus"] for n in per_node),
        memory_gb=memory / 2**30,
        per_node=per_node,
    )


def check_fits(needs: Needs, have: Resources, where: str) -> None:
    """:class:`UserError` saying what the run needs and what the cluster has when it cannot
    be scheduled (Ray would otherwise wait for resources that never come)."""
    fits = (
        have.cpus + 1e-9 >= needs.total_cpus
        and have.gpus + 1e-9 >= needs.total_gpus
        and have.worker_slots(needs.cpus, needs.gpus) >= needs.workers
    )
    if not fits:
        raise UserError(
            f"The run cannot be scheduled: it needs {needs.describe()}, and {where} has "
            f"{have.describe()}. Ask for fewer workers or GPUs per worker, or use a bigger "
            "cluster."
        )


# ---------------------------------------------------------------------------------------
def split_address(address: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of ``ray://host[:port]`` or ``host[:port]``; None for ``auto``."""
    address = address.strip()
    if address == "auto":
        return None
    scheme = "ray" if address.startswith("ray://") else ""
    rest = address[len("ray://") :] if scheme else address
    if "://" in rest or not rest or "/" in rest:
        raise UserError(
            f"{address!r} is not a Ray address: use auto, ray://HOST:10001 or HOST:6379."
        )
    host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not port:
        return scheme, rest, CLIENT_PORT if scheme else GCS_PORT
    try:
        number = int(port)
    except ValueError:
        raise UserError(f"{address!r} has no valid port number ({port!r}).") from None
    return scheme, host.strip("[]"), number


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """:class:`UserError` naming ``address`` when nothing answers there within ``timeout``
    seconds (Ray itself would retry for 30 to 60 s)."""
    parts = split_address(address)
    if parts is None:
        return
    _, host, port = parts
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise UserError(
            f"Cannot reach the Ray cluster at {address} ({reason}). Check the address and "
            "that the cluster is running (`ray start --head` on its head node), or leave the "
            "address empty to use this computer."
        ) from None


def app_code() -> dict[str, Any]:
    """The job's runtime environment: this process's copy of the app's code travels with it
    (about 1.5 MB), so workers run the same code as the driver; the nodes need the app's
    dependencies only."""
    package = str(Path(__file__).resolve().parents[2])  # .../desktop_app
    return {"py_modules": [package], "excludes": ["__pycache__"]}


def connect(address: str) -> None:
    """Connect this process to the cluster at ``address`` (:class:`UserError` naming it)."""
    ray = require_ray()
    check_reachable(address)
    try:
        ray.init(
            address=address,
            runtime_env=app_code(),
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    except ConnectionError as exc:
        if address == "auto":
            raise UserError(
                "No Ray cluster is running on this computer (address auto): start one with "
                "`ray start --head`, or leave the address empty to start a local Ray instance."
            ) from None
        raise UserError(f"Could not connect to the Ray cluster at {address}: {exc}.") from None
    except (RuntimeError, ValueError, TimeoutError, SystemExit) as exc:
        reason = plain_message(str(exc)) or type(exc).__name__
        raise UserError(f"Could not connect to the Ray cluster at {address}: {reason}") from None


def start_local(num_cpus: int) -> None:
    """A local Ray instance with ``num_cpus`` logical CPUs (GPUs as detected); no dashboard,
    worker output kept in Ray's log files instead of this process's terminal."""
    ray = require_ray()
    ray.init(
        num_cpus=int(num_cpus),
        runtime_env=app_code(),
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )


def quiet_ray_data() -> None:
    """Ray Data settings for a run: blocks keep their order (the output follows the input
    files), no progress bars or console logs (progress goes through the job context; Ray
    Data's own log stays in the session's ray-data.log)."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    context.enable_operator_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    # Sized from the number of input files, which says nothing here: the files are cut into
    # blocks of one call each before the actors.
    warnings.filterwarnings(
        "ignore", message="The minimum number of concurrent actors", category=UserWarning
    )
    data_log = logging.getLogger("ray.data")
    for handler in data_log.handlers:
        if type(handler).__name__ != "SessionFileHandler":
            handler.setLevel(logging.ERROR)


_MUTED: dict[Any, int] = {}


def mute_ray_data(mute: bool = True) -> None:
    """Silence Ray Data's console while a run stops Ray under a running pipeline (it logs
    the pipeline's expected failure with a stack trace), and turn it back on after."""
    data_log = logging.getLogger("ray.data")
    if mute:
        for handler in data_log.handlers:
            if type(handler).__name__ != "SessionFileHandler" and handler not in _MUTED:
                _MUTED[handler] = handler.level
                handler.setLevel(logging.CRITICAL + 1)
        return
    for handler, level in list(_MUTED.items()):
        handler.setLevel(level)
        del _MUTED[handler]


@dataclass
class Session:
    """A run's hold on Ray: ``owned`` when this run connected or started it (and so stops it)."""

    owned: bool
    where: str
    resources: Resources


@contextlib.contextmanager
def ray_session(
    settings: RaySettings, needs: Needs | None = None, ctx: JobContext | None = None
) -> Iterator[Session]:
    """Hold Ray for one run: connect or start, check that ``needs`` fit, disconnect after.

    Disconnecting (or stopping the local instance) also stops every worker and actor the run
    started, on Ctrl+C and Cancel too."""
    settings = settings.checked()
    ray = require_ray()
    if settings.address:
        check_reachable(settings.address)  # fast, even when this process already holds Ray
    owned = False
    if not ray.is_initialized():
        if settings.address:
            if ctx is not None:
                ctx.log(f"Connecting to the Ray cluster at {settings.address}…")
            connect(settings.address)
        else:
            cpus = max(os.cpu_count() or 1, needs.total_cpus if needs else 1)
            if ctx is not None:
                ctx.log(f"Starting a local Ray instance ({_count(cpus, 'CPU')})…")
            start_local(cpus)
        owned = True
    try:
        quiet_ray_data()
        have = current_resources()
        where = settings.address or "this computer"
        if needs is not None:
            check_fits(needs, have, f"the cluster at {where}" if settings.address else where)
        yield Session(owned, where, have)
    finally:
        if owned:
            ray.shutdown()


def cluster_resources(address: str = "") -> dict[str, Any]:
    """What a run at ``address`` could use, as plain data for "Test connection":
    ``{"address", "local", "nodes", "cpus", "gpus", "memory_gb", "text", "ray_version"}``,
    ``text`` like ``"3 nodes, 48 CPUs, 6 GPUs"``. An empty address describes this computer
    without starting Ray. :class:`UserError` when Ray is missing or the address unreachable."""
    ray = require_ray()
    address = (address or "").strip()
    if not address:
        import torch

        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        cpus = os.cpu_count() or 1
        have = Resources(1, cpus, gpus, per_node=[{"cpus": cpus, "gpus": gpus}])
    else:
        with ray_session(RaySettings(address=address)) as session:
            have = session.resources
    return {
        "address": address,
        "local": not address,
        **have.to_dict(),
        "ray_version": ray.__version__,
    }


def unwrap_error(exc: BaseException) -> BaseException:
    """The :class:`UserError` behind a Ray exception (a worker's error arrives wrapped in
    RayTaskError / UserCodeException), or ``exc`` itself."""
    seen = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, UserError):
            return current
        todo.extend(
            [getattr(current, "cause", None), current.__cause__, current.__context__]
            + [e for e in getattr(current, "exceptions", ()) if isinstance(e, BaseException)]
        )
    return exc
