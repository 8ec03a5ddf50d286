"""The load_model job on a malicious folder fails with the clear message and no details."""

from __future__ import annotations

import pytest

from tests.core.test_model_safety import CLEAR, WritesMarker, custom_code_folder, malicious_folder
from tests.core.tiny_models import make_tiny_bert


@pytest.fixture
def service(qtbot):
    from desktop_app.worker import ModelService

    service = ModelService()
    yield service
    service.shutdown()


@pytest.mark.parametrize("kind", ["pickle", "auto_map"])
def test_load_model_job_refuses_a_malicious_folder(qtbot, service, tmp_path, kind):
    bert = make_tiny_bert(tmp_path / "bert")
    marker = tmp_path / "ran"
    if kind == "pickle":
        folder, phrase = malicious_folder(bert, tmp_path / "m", WritesMarker(marker)), CLEAR
    else:
        folder = custom_code_folder(bert, tmp_path / "m", marker, "evilbert")
        phrase = "own Python code"
    with qtbot.assertNotEmitted(service.result):
        with qtbot.waitSignal(service.failed, timeout=60000) as blocker:
            job = service.submit("load_model", {"folder": str(folder)})
    job_id, message, details = blocker.args
    assert job_id == job.id and job.status == "failed"
    assert phrase in message and "weights_only" not in message and "\x1b" not in message
    assert details == ""  # an expected error: no traceback for the user
    assert not marker.exists()
