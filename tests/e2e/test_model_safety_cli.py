"""A malicious model folder on the command line: exit 2, one clear line, nothing runs."""

from __future__ import annotations

import pytest

from tests.core.test_model_safety import (
    CLEAR,
    RunsShell,
    custom_code_folder,
    malicious_folder,
)
from tests.core.tiny_models import make_tiny_bert
from tests.e2e.test_predict_explain_cli import cli


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def assert_one_line_error(out, phrase: str) -> None:
    assert out.returncode == 2, out.stderr
    errors = [line for line in out.stderr.splitlines() if not line.startswith("[")]
    assert len(errors) == 1 and errors[0].startswith("error: ") and phrase in errors[0]
    for bad in ("Traceback", "weights_only", "trust_remote_code", "\x1b"):
        assert bad not in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("command", ["predict", "explain"])
def test_malicious_pickle_on_the_command_line(bert, tmp_path, command):
    marker = tmp_path / "ran"
    folder = malicious_folder(bert, tmp_path / "model", RunsShell(marker))
    out = cli(command, str(folder), "--text", "a good film")
    assert_one_line_error(out, CLEAR)
    assert not marker.exists()


def test_custom_code_on_the_command_line(bert, tmp_path):
    marker = tmp_path / "ran"
    folder = custom_code_folder(bert, tmp_path / "model", marker, "evilbert")
    out = cli("predict", str(folder), "--text", "a good film")
    assert_one_line_error(out, "own Python code")
    assert not marker.exists()
