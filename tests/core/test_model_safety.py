"""Model folders are data: a malicious pickle or custom code (auto_map) never runs, and the
user gets one clear sentence instead of torch's advice to turn the protection off."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from desktop_app.core.errors import ModelError, plain_message
from desktop_app.core.models import load_model
from desktop_app.core.models.transformer import TransformerModel
from tests.core.tiny_models import make_tiny_bert

torch.set_num_threads(1)

CLEAR = "contains code or objects that Sentiment Studio does not load"


class WritesMarker:
    """Unpickling this calls ``open(marker, "w")``: it creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # noqa: ANN204
        return (open, (self.marker, "w"))


class RunsShell:
    """Unpickling this runs a shell command (``os.system``) that creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # noqa: ANN204
        return (os.system, (f"touch '{self.marker}'",))


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def malicious_folder(bert: Path, folder: Path, payload: object) -> Path:
    """A transformers folder whose pytorch_model.bin is a pickle carrying ``payload``."""
    shutil.copytree(bert, folder)
    (folder / "model.safetensors").unlink()
    torch.save({"bert.embeddings.word_embeddings.weight": payload}, folder / "pytorch_model.bin")
    return folder


def assert_clear(message: str) -> None:
    assert CLEAR in message and "safetensors" in message
    assert "weights_only" not in message and "trust_remote_code" not in message
    assert plain_message(message) == message  # no terminal escape codes
    assert "\n" not in message


@pytest.mark.parametrize("payload", [WritesMarker, RunsShell])
def test_a_malicious_pickle_is_refused_without_running(bert, tmp_path, payload):
    marker = tmp_path / "ran"
    folder = malicious_folder(bert, tmp_path / "model", payload(marker))
    with pytest.raises(ModelError) as caught:
        load_model(str(folder), device="cpu")
    assert_clear(str(caught.value))
    assert "pytorch_model.bin" in str(caught.value)
    assert caught.value.__cause__ is None  # torch's message is not chained either
    # Training from that folder goes through the same loader.
    with pytest.raises(ModelError, match=CLEAR):
        TransformerModel.create(str(folder), ["negative", "positive"])
    assert not marker.exists()
    # The file really is malicious: an unsafe load would have run it.
    torch.load(folder / "pytorch_model.bin", weights_only=False)
    assert marker.exists()


def custom_code_folder(bert: Path, folder: Path, marker: Path, model_type: str) -> Path:
    shutil.copytree(bert, folder)
    code = f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
    (folder / "modeling_evil.py").write_text(code)
    (folder / "tokenization_evil.py").write_text(code)
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = model_type
    config["auto_map"] = {
        "AutoConfig": "modeling_evil.EvilConfig",
        "AutoModel": "modeling_evil.EvilModel",
        "AutoModelForSequenceClassification": "modeling_evil.EvilModel",
    }
    (folder / "config.json").write_text(json.dumps(config))
    tokenizer = json.loads((folder / "tokenizer_config.json").read_text())
    tokenizer["auto_map"] = {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer))
    return folder


def test_custom_code_of_an_unknown_architecture_is_refused(bert, tmp_path):
    marker = tmp_path / "ran"
    folder = custom_code_folder(bert, tmp_path / "model", marker, "evilbert")
    with pytest.raises(ModelError) as caught:
        load_model(str(folder), device="cpu")
    message = str(caught.value)
    assert "own Python code" in message and "never" in message
    assert "trust_remote_code" not in message and "\n" not in message
    assert not marker.exists()


def test_auto_map_of_a_known_architecture_is_ignored(bert, tmp_path):
    marker = tmp_path / "ran"
    folder = custom_code_folder(bert, tmp_path / "model", marker, "bert")
    model = load_model(str(folder), device="cpu")  # the library's own BERT classes
    assert model.predict_proba(["a good film"]).shape == (1, 2)
    assert not marker.exists()


def test_a_minilm_head_whose_encoder_needs_custom_code_is_refused(bert, tmp_path):
    import numpy as np
    from safetensors.numpy import save_file

    marker = tmp_path / "ran"
    encoder = custom_code_folder(bert, tmp_path / "encoder", marker, "evilbert")
    head = tmp_path / "head"
    head.mkdir()
    save_file(
        {"coef": np.zeros((1, 32), np.float32), "intercept": np.zeros(1, np.float32)},
        str(head / "head.safetensors"),
    )
    info = {"kind": "minilm-head", "labels": ["negative", "positive"], "encoder": str(encoder)}
    (head / "training.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="own Python code"):
        load_model(str(head), device="cpu")
    assert not marker.exists()


def test_plain_message_strips_terminal_codes():
    assert plain_message("\x1b[1mdo this\x1b[0m only if") == "do this only if"
