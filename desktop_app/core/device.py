"""Compute device detection. Imports torch, so call it off the GUI thread."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass, field


@dataclass
class DeviceInfo:
    device: str  # "cpu", "cuda", "mps"
    name: str  # human-readable, e.g. "CPU (2 cores)" or the CUDA device name
    cuda_available: bool = False
    mps_available: bool = False
    bf16_supported: bool = False
    torch_threads: int = 1
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def default_threads() -> int:
    """All cores but one, so the GUI thread keeps a core."""
    return max(1, (os.cpu_count() or 2) - 1)


def library_versions() -> dict[str, str]:
    """Versions of the libraries the app runs on, read from their installed metadata.

    Reading metadata imports nothing, so the start-up probe does not pay for importing
    transformers, scikit-learn, lime, pandas and nltk just to name their versions.
    """
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name, distribution in (
        ("torch", "torch"),
        ("transformers", "transformers"),
        ("lime", "lime"),
        ("sklearn", "scikit-learn"),
        ("pandas", "pandas"),
        ("nltk", "nltk"),
    ):
        module = sys.modules.get(name)
        try:
            versions[name] = getattr(module, "__version__", None) or metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def probe_device(threads: int | None = None) -> DeviceInfo:
    """Import torch, set its thread count and report the best device."""
    import torch

    torch.set_num_threads(threads or default_threads())
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if cuda:
        device, name = "cuda", torch.cuda.get_device_name(0)
        bf16 = bool(torch.cuda.is_bf16_supported())
    elif mps:
        device, name, bf16 = "mps", "Apple GPU (MPS)", False
    else:
        device, name, bf16 = "cpu", f"CPU ({os.cpu_count() or 1} cores)", False
    return DeviceInfo(
        device=device,
        name=name,
        cuda_available=cuda,
        mps_available=mps,
        bf16_supported=bf16,
        torch_threads=torch.get_num_threads(),
        versions=library_versions(),
    )


def resolve_device(choice: str = "auto") -> str:
    """Map a user choice (auto / cpu / cuda / mps) to a torch device string.

    Raises ModelError with advice when the requested device is not available.
    """
    import torch

    from desktop_app.core.errors import ModelError

    choice = (choice or "auto").lower()
    if choice == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise ModelError("CUDA was requested but no CUDA GPU is available. Choose CPU or auto.")
    if choice == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise ModelError("MPS was requested but is not available on this machine. Choose CPU.")
    if choice not in {"cpu", "cuda", "mps"}:
        raise ModelError(f"Unknown device {choice!r}: use auto, cpu, cuda or mps.")
    return choice
