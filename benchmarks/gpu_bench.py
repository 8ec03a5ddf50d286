"""GPU benchmark: MiniLM fine-tuning samples/s (fp32, bf16, fp16 + grad scaler), batch
prediction texts/s and LIME at 5,000 samples, on a CUDA GPU.

    python -m benchmarks.gpu_bench [--out DIR] [--minilm FP16_FOLDER] [--doc PATH]

Run by ``scripts/gpu_check.sh`` (which also runs the tests marked ``gpu``). Without CUDA it
prints "no CUDA GPU: skipped" and writes nothing; ``--allow-cpu`` runs the same steps on the
CPU with small sizes to check the script itself (nothing is written to the document then).
Writes the "gpu" section of docs/benchmarks.md (or ``--doc``) and, with ``--out``,
``gpu_bench.json`` and ``gpu_section.md`` there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = {
    10: "a gorgeous , witty film that never quite finds its heart",
    20: (
        "an unusually smart and funny comedy whose cast keeps every scene alive even when "
        "this script loses its nerve late"
    ),
}


def device_line(device: str) -> str:
    import torch

    if device != "cuda":
        return f"CPU (check run), torch {torch.__version__}"
    props = torch.cuda.get_device_properties(0)
    return (
        f"{props.name}, {props.total_memory / 2**30:.0f} GiB, compute capability "
        f"{props.major}.{props.minor}; torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"bf16 {'yes' if torch.cuda.is_bf16_supported() else 'no'}"
    )


def fine_tuning(folder: Path, device: str, sizes: dict) -> list[dict]:
    """samples/s of one epoch's training steps, per precision and batch size."""
    import torch

    from benchmarks.gpu_models import synthetic_texts
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.train import train_model

    texts, labels = synthetic_texts(sizes["train"] + 64, seed=1)
    n = sizes["train"]
    data = TrainData(texts[:n], labels[:n], texts[n : n + 32], labels[n : n + 32],
                     texts[n + 32 :], labels[n + 32 :])  # fmt: skip
    # (row, mixed precision, force fp16): the loop picks bf16 where the GPU has it
    precisions = [("fp32", False, False), ("fp16 autocast + GradScaler", True, True)]
    if device != "cuda" or torch.cuda.is_bf16_supported():
        precisions.insert(1, ("bf16 autocast", True, False))
    rows = []
    # a first short run pays for CUDA start-up and kernel selection
    warm = TrainData(texts[:128], labels[:128], texts[n:], labels[n:], texts[n:], labels[n:])
    train_model(
        TrainConfig(model=str(folder), epochs=1, batch_size=32, max_length=64, device=device),
        warm,
    )
    for batch_size in sizes["batch_sizes"]:
        for name, mixed, fp16 in precisions:
            config = TrainConfig(
                model=str(folder),
                epochs=1,
                batch_size=batch_size,
                max_length=64,
                patience=0,
                device=device,
                mixed_precision=mixed,
            )
            with (
                mock.patch.object(torch.cuda, "is_bf16_supported", return_value=False)
                if (fp16)
                else contextlib.nullcontext()
            ):
                result = train_model(config, data)
            epoch = result.history["epochs"][0]
            rows.append(
                {
                    "precision": name,
                    "batch_size": batch_size,
                    "samples_per_second": epoch["samples_per_second"],
                    "seconds": epoch["seconds"],
                    "train_loss": epoch["train_loss"],
                    "texts": n,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def trained_model(folder: Path, device: str, work: Path):  # noqa: ANN201
    """A MiniLM fine-tuned briefly on the synthetic texts, saved and loaded on ``device``."""
    from benchmarks.gpu_models import synthetic_texts
    from desktop_app.core.models import load_model
    from desktop_app.core.training.config import TrainConfig
    from desktop_app.core.training.data import TrainData
    from desktop_app.core.training.train import train_model

    texts, labels = synthetic_texts(640, seed=2)
    data = TrainData(texts[:512], labels[:512], texts[512:576], labels[512:576],
                     texts[576:], labels[576:])  # fmt: skip
    config = TrainConfig(model=str(folder), epochs=1, batch_size=32, device=device)
    train_model(config, data).model.save(work / "trained")
    return load_model(str(work / "trained"), device=device)


def prediction(model, sizes: dict, repeat: int) -> dict:  # noqa: ANN001
    import torch

    from benchmarks.gpu_models import synthetic_texts
    from desktop_app.core.predict.batch import predict_batch

    texts, _ = synthetic_texts(sizes["predict"], seed=3)
    predict_batch(model, texts[:256])  # warm-up
    runs = []
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        predict_batch(model, texts)
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    return {"texts": len(texts), "seconds": seconds, "texts_per_second": len(texts) / seconds}


def lime(model, num_samples: int, repeat: int) -> list[dict]:  # noqa: ANN001
    from desktop_app.core.explain.explainer import explain_text

    rows = []
    explain_text(model, SENTENCES[10], num_samples=200, runs=1)  # warm-up
    for words, text in SENTENCES.items():
        runs, timings = [], None
        for seed in range(repeat):
            start = time.perf_counter()
            result = explain_text(model, text, num_samples=num_samples, runs=1, seed=seed)
            runs.append(time.perf_counter() - start)
            timings = result["timings"]
        rows.append(
            {
                "words": words,
                "num_samples": num_samples,
                "seconds": statistics.median(runs),
                "model_texts": timings.get("model_texts"),
                "model_s": timings.get("model_s"),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def markdown(results: dict) -> str:
    lines = [
        "## GPU (`scripts/gpu_check.sh`, `python -m benchmarks.gpu_bench`)",
        "",
        f"{results['device']}. Model: {results['model']}. Synthetic review-like texts of 8-40 "
        "words (the data sets stay at home); max length 64 tokens; one epoch's training steps "
        "(the linear probe before them and validation are not counted); medians of "
        f"{results['repeat']} runs for prediction and LIME.",
        "",
        "| fine-tuning | batch size | samples/s | training steps |",
        "|---|---|---|---|",
    ]
    for row in results["fine_tuning"]:
        lines.append(
            f"| {row['precision']} | {row['batch_size']} | {row['samples_per_second']:,.0f} "
            f"| {row['seconds']:.1f} s for {row['texts']:,} texts |"
        )
    p = results["prediction"]
    lines += [
        "",
        f"Batch prediction (`predict_batch`, fp32, batches of 128 sorted by length): "
        f"**{p['texts_per_second']:,.0f} texts/s** ({p['texts']:,} texts in {p['seconds']:.2f} s).",
        "",
        "| LIME (fast, fp32) | samples | seconds | model texts | model time |",
        "|---|---|---|---|---|",
    ]
    for row in results["lime"]:
        lines.append(
            f"| {row['words']}-word sentence | {row['num_samples']:,} | {row['seconds']:.2f} s "
            f"| {row['model_texts']:,} | {row['model_s']:.2f} s |"
        )
    tests = results.get("tests")
    if tests:
        lines += ["", f"Tests marked `gpu`: {tests}."]
    lines += ["", f"Whole benchmark: {results['total_seconds'] / 60:.1f} minutes."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="folder for gpu_bench.json and gpu_section.md")
    parser.add_argument("--minilm", help="the fp16 copy made by scripts/make_fp16_minilm.py")
    parser.add_argument("--doc", help="the document to write the section to")
    parser.add_argument("--tests", default="", help="the gpu tests' summary line, for the text")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--allow-cpu", action="store_true", help="check the script on a CPU")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    if torch.cuda.is_available():
        device = "cuda"
        sizes = {"train": 4096, "batch_sizes": (32, 128), "predict": 8192, "lime": 5000}
    elif args.allow_cpu:
        device = "cpu"
        sizes = {"train": 64, "batch_sizes": (32,), "predict": 64, "lime": 100}
        args.repeat = 1
    else:
        print("no CUDA GPU: skipped")
        return 0
    from benchmarks.gpu_models import minilm_folder

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder, described = minilm_folder(work, args.minilm)
        results: dict = {"device": device_line(device), "model": described, "repeat": args.repeat}
        results["fine_tuning"] = fine_tuning(folder, device, sizes)
        model = trained_model(folder, device, work)
        results["prediction"] = prediction(model, sizes, args.repeat)
        print(json.dumps(results["prediction"]), flush=True)
        results["lime"] = lime(model, sizes["lime"], args.repeat)
    results["tests"] = args.tests
    results["total_seconds"] = time.perf_counter() - start
    text = markdown(results)
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "gpu_bench.json").write_text(json.dumps(results, indent=2))
        (out / "gpu_section.md").write_text(text + "\n")
    if device == "cuda":
        from benchmarks.report import DOC, write_section

        write_section("gpu", text, Path(args.doc) if args.doc else DOC)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
