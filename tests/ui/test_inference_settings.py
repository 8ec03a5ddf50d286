"""The Model menu's reading settings: one owner, kept for the next start, announced."""

from PySide6.QtCore import QSettings

from desktop_app.ui.inference_settings import InferenceSettings


def test_model_menu_sets_long_text_and_it_is_kept(main_window, qtbot, tmp_path):
    inference = main_window.state.inference
    assert inference.long_text == "chunk"
    truncate = main_window.model_menu.findChild(
        type(main_window.model_menu.actions()[1]), "long_text_truncate"
    )
    with qtbot.waitSignal(inference.changed) as blocker:
        truncate.trigger()
    assert blocker.args[0]["long_text"] == "truncate"
    assert inference.job_params()["long_text"] == "truncate"
    # Another owner on the same settings file reads the choice back (the next start).
    again = InferenceSettings(main_window.settings)
    assert again.long_text == "truncate"
    main_window.findChild(type(truncate), "long_text_chunk").trigger()
    assert inference.long_text == "chunk" and truncate.isChecked() is False


def test_a_damaged_setting_falls_back_to_the_default(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("inference/long_text", "sideways")
    assert InferenceSettings(settings).long_text == "chunk"


def test_precision_choice_goes_to_jobs_and_the_status_bar_names_what_ran(
    main_window, qtbot, tmp_path
):
    """Model ▸ Precision ▸ bf16: a prediction submitted with the settings runs in bf16 and
    the status bar says so; back to the setting when the setting changes."""
    from desktop_app.core.models.transformer import TransformerModel
    from tests.core.tiny_models import make_tiny_bert

    model = TransformerModel.create(str(make_tiny_bert(tmp_path / "bert")), ["neg", "pos"])
    model.save(tmp_path / "model")
    inference, label = main_window.state.inference, main_window.precision_label
    assert inference.get("precision") == "auto" and label.text() == "Precision: auto"
    action = main_window.model_menu.findChild(
        type(main_window.model_menu.actions()[1]), "precision_bf16"
    )
    action.trigger()
    assert inference.job_params()["precision"] == "bf16" and action.isChecked()
    assert label.text() == "Precision: bf16"
    service = main_window.service
    with qtbot.waitSignal(service.model_changed, timeout=60_000):
        service.submit("load_model", {"folder": str(tmp_path / "model")})

    def predicted(_job_id, name, _payload):  # noqa: ANN001, ANN202
        return name == "predict"

    with qtbot.waitSignal(service.result, timeout=60_000, check_params_cb=predicted) as blocker:
        service.submit("predict", {"texts": ["good film"], **inference.job_params()})
    assert blocker.args[2]["precision"] == "bf16"
    qtbot.waitUntil(lambda: label.text() == "Precision: bf16")
    assert "bf16 on cpu: asked for" in label.toolTip()
    main_window.model_menu.findChild(type(action), "precision_fp32").trigger()
    assert label.text() == "Precision: fp32"
    assert InferenceSettings(main_window.settings).get("precision") == "fp32"
